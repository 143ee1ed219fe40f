/*
 * cache_int.h - the private tag layout of cache.c, shared with
 * cache_stream.c (the stream fill): the structure, the word access for
 * narrow (32-bit) and wide (64-bit) words and the widening. See cache.c's
 * header for the layout and its invariants.
 */
#ifndef LPARSIM_MEMCTL_CACHE_INT_H
#define LPARSIM_MEMCTL_CACHE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "cache.h"

#define CA_INVALID 0u
#define CA_NARROW_KEY_MAX (UINT32_MAX - 3u) /* key | shared | dirty fits 32 bits */
#define CA_STATE 3u                         /* the dirty and shared bits of a word */
#define CA_HOST_LINE 64u

struct cache {
    void *tags;         /* sets * ways words, set after set: uint32_t, or uint64_t when wide */
    void *tags_base;    /* the allocation holding tags (its start is aligned inside) */
    uint64_t set_mask;  /* sets - 1 */
    unsigned ways;
    /* fixed by cache_create from ways (cache.c): the ways searched 8 at a
     * time (ways rounded down to a multiple of 8), and for ways 5..20 the
     * starts of the 4-word blocks a fill shifts: min(4i, ways - 5), i = 1..4 */
    unsigned ways8;
    unsigned shift_at[4];
    unsigned line_shift, set_bits;
    bool wide;
    unsigned victim_state; /* CACHE_DIRTY|CACHE_SHARED of the last dirty victim reported */
    uint64_t gen;       /* changes with every change of any set's lines, their order or
                         * state (not with MRU hits): cache_gen */
    cache_stats st;
};

/* Switch to 64-bit words for good (cache.c). */
void ca_widen(cache *c);

/* Word access for either width (`wide` is a constant at every call: the
 * always-inline bodies below are compiled once per width). */
#define CA_INLINE static inline __attribute__((always_inline))

CA_INLINE uint64_t w_get(const void *s, unsigned k, bool wide)
{
    return wide ? ((const uint64_t *)s)[k] : ((const uint32_t *)s)[k];
}

CA_INLINE void w_set(void *s, unsigned k, uint64_t v, bool wide)
{
    if (wide)
        ((uint64_t *)s)[k] = v;
    else
        ((uint32_t *)s)[k] = (uint32_t)v;
}

CA_INLINE void *ca_set(const cache *c, uint64_t set, bool wide)
{
    return (char *)c->tags + (size_t)set * c->ways * (wide ? 8u : 4u);
}

/* Before a fill of `key`: widen if narrow words cannot hold it. */
CA_INLINE void ca_room(cache *c, uint64_t key)
{
    if (__builtin_expect(key > CA_NARROW_KEY_MAX && !c->wide, 0))
        ca_widen(c);
}

#endif
