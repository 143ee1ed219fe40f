/*
 * rng.h - the machine's seeded random number generator (xoshiro256**,
 * seeded through splitmix64). Owned by whoever needs an independent stream
 * (the machine, each LPAR's guest OS); never global. Same seed, same
 * sequence, on every host.
 */
#ifndef LPARSIM_CORE_RNG_H
#define LPARSIM_CORE_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rng {
    uint64_t s[4];
} rng;

static inline uint64_t rng__splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline void rng_seed(rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = rng__splitmix(&x);
}

static inline uint64_t rng__rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rng__rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rng__rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n), n > 0 (Lemire's multiply-shift; bias < 2^-64 * n). */
static inline uint64_t rng_below(rng *r, uint64_t n)
{
    return (uint64_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

/* Uniform double in [0, 1). */
static inline double rng_double(rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

/* Derive an independent seed for a sub-stream (component `salt`). */
static inline uint64_t rng_derive(uint64_t seed, uint64_t salt)
{
    uint64_t x = seed ^ (salt * 0xd1b54a32d192ed03ULL);
    return rng__splitmix(&x);
}

#ifdef __cplusplus
}
#endif
#endif
