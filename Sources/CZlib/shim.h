#ifndef HINDSIGHT_CZLIB_SHIM_H
#define HINDSIGHT_CZLIB_SHIM_H
#include <zlib.h>
#endif
