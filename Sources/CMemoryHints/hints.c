// CMemoryHints is a header of static inline functions (CMemoryHints.h); SwiftPM needs one source file
// to build the target.
#include "CMemoryHints.h"
