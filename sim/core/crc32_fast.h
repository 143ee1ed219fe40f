/*
 * crc32_fast.h - the gzip CRC-32 (polynomial 0x04C11DB7, reflected, as
 * zlib's crc32()) computed with carry-less multiplication where the CPU has
 * it (x86-64 PCLMULQDQ, checked at run time on every call) and with zlib's
 * crc32() elsewhere; crc32_fast.c has the math.
 *
 * Convention, exactly zlib's: lp_crc32(0, NULL, 0) == 0, the pre- and
 * post-inversion happen inside, and lp_crc32(lp_crc32(0, a, m), b, n) is the
 * CRC-32 of a followed by b. No state is kept between calls.
 */
#ifndef LPARSIM_CORE_CRC32_FAST_H
#define LPARSIM_CORE_CRC32_FAST_H

#include <stddef.h>
#include <stdint.h>

uint32_t lp_crc32(uint32_t crc, const void *buf, size_t len);

#endif
