#ifndef HINDSIGHT_CFASTCRC_H
#define HINDSIGHT_CFASTCRC_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU can run hindsight_crc32_fold (x86-64 with PCLMULQDQ and SSE4.1), else 0.
int hindsight_crc32_fold_available(void);

/// zlib's CRC-32 of `length` bytes at `data`, continuing from `crc` (as zlib's crc32(crc, data, length)),
/// by carry-less multiplication (folding 64 bytes at a time, then a Barrett reduction).
/// `length` must be at least 64 and a multiple of 16; only call it when hindsight_crc32_fold_available().
uint32_t hindsight_crc32_fold(uint32_t crc, const uint8_t *data, size_t length);

#endif
