/*
 * crc32_fast.c - the gzip CRC-32 by carry-less multiplication (x86-64
 * PCLMULQDQ), after the folding method of Gopal et al., "Fast CRC
 * Computation for Generic Polynomials Using PCLMULQDQ" (Intel, 2009).
 * Inputs shorter than 64 bytes, the last len % 16 bytes, and CPUs without
 * PCLMULQDQ go to zlib's crc32_z(); the result is always zlib's.
 *
 * The math (GF(2) polynomials, P = x^32 + ... the gzip polynomial).
 * Bytes are reflected: a 128-bit lane loaded little-endian from memory has
 * bit k the coefficient of x^(127-k) (bit 0 of the first byte is the highest
 * power). The raw CRC register (zlib's value inverted) of a message M is
 * reflect32(M * x^32 mod P); XOR-ing the register into the first 32 bits of
 * what follows continues a CRC. clmul of a 64-bit a whose bit i stands for
 * x^(A-i) by a b whose bit j stands for x^(B-j) has bit k standing for
 * x^(A+B-k). Every constant below is reflect33(c): bit j the coefficient of
 * x^(32-j) of a polynomial c of degree <= 32.
 *
 *  - fold by D bits: a lane X = L*x^64 + H (L the low qword) is congruent,
 *    D bits later, to clmul(L, x^(D+32) mod P) ^ clmul(H, x^(D-32) mod P),
 *    both 96-bit products standing for polynomial * x^32 in the lane frame.
 *    Four lanes fold by D = 512, one lane by D = 128.
 *  - reduce the last lane X to R = X * x^32 mod P: first
 *    N1 = (X >> 64) ^ clmul(L, x^96 mod P) (96 bits, bit k ~ x^(95-k)), then
 *    N2 = (N1 >> 32) ^ clmul(N1 & 0xffffffff, x^64 mod P) (64 bits,
 *    bit k ~ x^(63-k)), then Barrett: q = low 32 bits of
 *    clmul(N2 & 0xffffffff, mu) with mu = floor(x^64 / P), and
 *    reflect32(R) = bits 32..63 of N2 ^ clmul(q, P).
 * The constants were computed from these definitions (x^n mod P by shift
 * and subtract); tests/unit/check_crc32.c compares with zlib bytewise.
 */
#include "crc32_fast.h"

#include <zlib.h>

#if defined(__x86_64__) && defined(__GNUC__)
#define LP_CRC_CLMUL 1
#include <smmintrin.h>
#include <wmmintrin.h>

/* reflect33(x^n mod P) for the n named, mu and P */
#define K544 0x154442bd4ull
#define K480 0x1c6e41596ull
#define K160 0x1751997d0ull
#define K96  0x0ccaa009eull
#define K64  0x163cd6124ull
#define KMU  0x1f7011641ull
#define KP   0x1db710641ull

#define CLMUL_TARGET __attribute__((target("pclmul,sse4.1")))

/* x folded over D bits (k = the D pair) and XOR-ed into the lane there */
CLMUL_TARGET static inline __m128i fold(__m128i x, __m128i k, __m128i next)
{
    __m128i lo = _mm_clmulepi64_si128(x, k, 0x00);
    __m128i hi = _mm_clmulepi64_si128(x, k, 0x11);
    return _mm_xor_si128(_mm_xor_si128(lo, hi), next);
}

CLMUL_TARGET static inline __m128i load(const unsigned char *p)
{
    return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* The raw register after n bytes at p (n >= 64, a multiple of 16),
 * starting from the raw register `raw`. */
CLMUL_TARGET static uint32_t crc_clmul(uint32_t raw, const unsigned char *p, size_t n)
{
    __m128i x0 = _mm_xor_si128(load(p), _mm_cvtsi32_si128((int)raw));
    __m128i x1 = load(p + 16), x2 = load(p + 32), x3 = load(p + 48);
    p += 64;
    n -= 64;
    const __m128i k4 = _mm_set_epi64x((long long)K480, (long long)K544);
    while (n >= 64) {
        x0 = fold(x0, k4, load(p));
        x1 = fold(x1, k4, load(p + 16));
        x2 = fold(x2, k4, load(p + 32));
        x3 = fold(x3, k4, load(p + 48));
        p += 64;
        n -= 64;
    }
    const __m128i k1 = _mm_set_epi64x((long long)K96, (long long)K160);
    x0 = fold(x0, k1, x1);
    x0 = fold(x0, k1, x2);
    x0 = fold(x0, k1, x3);
    while (n >= 16) {
        x0 = fold(x0, k1, load(p));
        p += 16;
        n -= 16;
    }
    const __m128i mask32 = _mm_set_epi32(0, 0, 0, -1);
    const __m128i kr = _mm_set_epi64x((long long)KMU, (long long)K64);
    const __m128i kp = _mm_set_epi64x(0, (long long)KP);
    /* N1: the low qword times x^96 mod P (k1's high qword) */
    __m128i t = _mm_clmulepi64_si128(x0, k1, 0x10);
    __m128i n1 = _mm_xor_si128(_mm_srli_si128(x0, 8), t);
    /* N2: the top 32 bits of N1 times x^64 mod P */
    t = _mm_clmulepi64_si128(_mm_and_si128(n1, mask32), kr, 0x00);
    __m128i n2 = _mm_xor_si128(_mm_srli_si128(n1, 4), t);
    /* Barrett: q = floor(N2_high * mu / x^32), remainder = N2 + q * P */
    __m128i q = _mm_clmulepi64_si128(_mm_and_si128(n2, mask32), kr, 0x10);
    t = _mm_clmulepi64_si128(_mm_and_si128(q, mask32), kp, 0x00);
    return (uint32_t)_mm_extract_epi32(_mm_xor_si128(n2, t), 1);
}
#endif

uint32_t lp_crc32(uint32_t crc, const void *buf, size_t len)
{
    const unsigned char *p = buf;
#ifdef LP_CRC_CLMUL
    if (len >= 64 && __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1")) {
        size_t n = len & ~(size_t)15;
        crc = ~crc_clmul(~crc, p, n);
        p += n;
        len -= n;
    }
#endif
    return (uint32_t)crc32_z(crc, p, len);
}
