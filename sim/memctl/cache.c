/*
 * cache.c - set-associative tag store with true LRU kept as the order of the
 * ways inside each set (MRU first). Each way is one word:
 * ((tag + 1) << 2) | shared << 1 | dirty, or 0 for an invalid way, where
 * tag is the line number above the set index bits (so no key is below 4,
 * and a key too large for narrow words can match none of them). The
 * shared bit is set only by cache_set_shared (cache.coherence: mesi); a
 * write hit requires it clear on the fast path and clears it otherwise. A hit in way k moves it to the front (shifting k
 * words); a fill shifts the whole set down by one and the word falling off
 * the end is the victim. The MRU way is checked first, so a repeated hit
 * costs one load and one compare.
 * Host layout: words are 32 bits (a set of 20 ways is 80 bytes, two host
 * cache lines) as long as every key filled fits (key | 3 < 2^32: any real
 * address below about 2^(30 + set bits + line bits), 4 TiB for a 32-set
 * cache of 128-byte lines); the first larger key to be filled widens the
 * cache to 64-bit words for good (ca_widen: the same words, zero-extended).
 * Word width and layout change host speed only, never a result.
 * Invariants: see cache.h; narrow words hold keys <= CA_NARROW_KEY_MAX.
 */
#include "cache.h"
#include "cache_int.h"
#include "core/hostmem.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif


static double ca_miss_rate(const void *base)
{
    const cache_stats *s = base;
    uint64_t n = s->hits + s->misses;
    return n ? (double)s->misses / (double)n : 0.0;
}

static const stat_desc cache_s[] = {
    {"hits", SK_COUNTER, "accesses", "Demand accesses that hit in this cache.",
     offsetof(cache_stats, hits), NULL},
    {"misses", SK_COUNTER, "accesses", "Demand accesses that missed and filled a line.",
     offsetof(cache_stats, misses), NULL},
    {"writebacks", SK_COUNTER, "lines", "Dirty lines evicted (or flushed) from this cache.",
     offsetof(cache_stats, writebacks), NULL},
    {"invalidations", SK_COUNTER, "lines", "Valid lines dropped by explicit invalidation.",
     offsetof(cache_stats, invalidations), NULL},
    {"miss_rate", SK_DERIVED, "ratio", "misses / (hits + misses); 0 when idle.", 0,
     ca_miss_rate},
};

const stat_table cache_stat_table = {"cache", cache_s, PARAM_COUNT(cache_s)};

static bool pow2(uint64_t x) { return x && !(x & (x - 1)); }

int cache_level_check(const cache_level_config *cf, uint64_t line_size, const char *name,
                      sim_err *e)
{
    if (!pow2(line_size) || line_size < 8)
        return sim_errf(e, "%s: line size %llu is not a power of two >= 8; expected e.g. 128",
                        name, (unsigned long long)line_size);
    if (cf->ways == 0 || cf->ways > 1024)
        return sim_errf(e, "%s.ways: %llu; expected 1 to 1024", name,
                        (unsigned long long)cf->ways);
    uint64_t per_set = cf->ways * line_size;
    if (cf->size == 0 || cf->size % per_set || !pow2(cf->size / per_set)) {
        uint64_t n = cf->size / per_set, p = 1;
        while (p * 2 <= n)
            p *= 2;
        return sim_errf(e, "%s.size: %llu bytes is not ways (%llu) x line size (%llu) x a "
                           "power-of-two number of sets; expected e.g. %llu",
                        name, (unsigned long long)cf->size, (unsigned long long)cf->ways,
                        (unsigned long long)line_size, (unsigned long long)(per_set * p));
    }
    return 0;
}

/* Host memory for the tag words: room for 64-bit words from the start
 * (narrow words use the first half), so that widening needs no allocation
 * and cannot fail. Zeroed (all ways invalid) by hostmem: a block of some
 * size is a mapping whose pages the kernel zeroes on first touch, so the
 * sets a run never touches (and the caches of cores it never uses) cost
 * neither host memory nor start-up time. The aligned start is returned;
 * *base is what hostmem_free takes, with ca_bytes. */
static size_t ca_bytes(uint64_t sets, unsigned ways)
{
    return (size_t)sets * ways * sizeof(uint64_t) + CA_HOST_LINE;
}

static void *ca_alloc(uint64_t sets, unsigned ways, void **base)
{
    char *b = hostmem_alloc_plain(ca_bytes(sets, ways));
    *base = b;
    if (!b)
        return NULL;
    return b + (CA_HOST_LINE - (uintptr_t)b % CA_HOST_LINE) % CA_HOST_LINE;
}

cache *cache_create(const cache_level_config *cf, uint64_t line_size, const char *name,
                    sim_err *e)
{
    if (cache_level_check(cf, line_size, name, e) != 0)
        return NULL;
    uint64_t per_set = cf->ways * line_size;
    uint64_t sets = cf->size / per_set;
    cache *c = calloc(1, sizeof *c);
    if (c)
        c->tags = ca_alloc(sets, (unsigned)cf->ways, &c->tags_base);
    if (!c || !c->tags) {
        free(c);
        sim_errf(e, "%s: out of host memory", name);
        return NULL;
    }
    c->set_mask = sets - 1;
    c->ways = (unsigned)cf->ways;
    c->ways8 = c->ways & ~7u;
    for (unsigned i = 0; i < 4; i++) /* used when ways >= 5 */
        c->shift_at[i] = c->ways >= 5 && 4 * (i + 1) > c->ways - 5 ? c->ways - 5 : 4 * (i + 1);
    c->line_shift = (unsigned)__builtin_ctzll(line_size);
    c->set_bits = (unsigned)__builtin_ctzll(sets);
    return c;
}

void cache_destroy(cache *c)
{
    if (!c)
        return;
    hostmem_free(c->tags_base, ca_bytes(c->set_mask + 1, c->ways));
    free(c);
}

/* Switch to 64-bit words for good (a key above CA_NARROW_KEY_MAX is about
 * to be filled), in place: word i moves to bytes [8i, 8i+8), zero-extended,
 * from the last word down, each read before anything is written over it. */
__attribute__((noinline)) void ca_widen(cache *c)
{
    uint64_t n = (c->set_mask + 1) * c->ways;
    char *p = c->tags; /* the same bytes seen both ways: memcpy, no aliasing */
    for (uint64_t i = n; i-- > 0;) {
        uint32_t x;
        memcpy(&x, p + 4 * i, 4);
        uint64_t y = x;
        memcpy(p + 8 * i, &y, 8);
    }
    c->wide = true;
    c->gen++;
}


/* The way of set s holding key, or -1 (a line is in at most one way).
 * Narrow words are compared 8 at a time (two compares packed into one
 * mask of two bits per way), then 4, then one by one. */
CA_INLINE int ca_find(const cache *c, const void *s, uint64_t key, bool wide)
{
    unsigned k = 0;
    if (!wide && key > CA_NARROW_KEY_MAX)
        return -1; /* a key no narrow word holds (and that 32 bits would truncate) */
#ifdef __SSE2__
    if (!wide) {
        const uint32_t *t = s;
        __m128i kk = _mm_set1_epi32((int)(uint32_t)key), m = _mm_set1_epi32(~(int)CA_STATE);
        for (; k < c->ways8; k += 8) {
            __m128i a = _mm_and_si128(_mm_loadu_si128((const __m128i *)(t + k)), m);
            __m128i b = _mm_and_si128(_mm_loadu_si128((const __m128i *)(t + k + 4)), m);
            __m128i ab = _mm_packs_epi32(_mm_cmpeq_epi32(a, kk), _mm_cmpeq_epi32(b, kk));
            int bits = _mm_movemask_epi8(ab);
            if (bits)
                return (int)k + __builtin_ctz((unsigned)bits) / 2;
        }
        if (k + 4 <= c->ways) {
            __m128i v = _mm_and_si128(_mm_loadu_si128((const __m128i *)(t + k)), m);
            int b = _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(v, kk)));
            if (b)
                return (int)k + __builtin_ctz((unsigned)b);
            k += 4;
        }
    }
#endif
    for (; k < c->ways; k++)
        if ((w_get(s, k, wide) & ~(uint64_t)CA_STATE) == key)
            return (int)k;
    return -1;
}

/* Shift the words 0 .. n-2 of set s to 1 .. n-1, without a call (so that
 * the access and write-back paths need no stack frame). Narrow words,
 * 5 <= n <= 20: the 4-word blocks at words 0 and c->shift_at[0..3]
 * (4, 8, 12, 16, each capped at n - 5) are all loaded before any is stored
 * one word further on; every store writes the old values of the words it
 * covers, so the overlaps agree. Otherwise one word at a time, from the
 * end. */
CA_INLINE void ca_shift(const cache *c, void *s, unsigned n, bool wide)
{
#ifdef __SSE2__
    if (!wide && n >= 5 && n <= 20) {
        uint32_t *t = s;
        const unsigned *p = c->shift_at;
        __m128i v0 = _mm_loadu_si128((const __m128i *)t);
        __m128i v1 = _mm_loadu_si128((const __m128i *)(t + p[0]));
        __m128i v2 = _mm_loadu_si128((const __m128i *)(t + p[1]));
        __m128i v3 = _mm_loadu_si128((const __m128i *)(t + p[2]));
        __m128i v4 = _mm_loadu_si128((const __m128i *)(t + p[3]));
        _mm_storeu_si128((__m128i *)(t + 1), v0);
        _mm_storeu_si128((__m128i *)(t + p[0] + 1), v1);
        _mm_storeu_si128((__m128i *)(t + p[1] + 1), v2);
        _mm_storeu_si128((__m128i *)(t + p[2] + 1), v3);
        _mm_storeu_si128((__m128i *)(t + p[3] + 1), v4);
        return;
    }
#else
    (void)c;
#endif
    for (unsigned k = n - 1; k > 0; k--)
        w_set(s, k, w_get(s, k - 1, wide), wide);
}

/* Insert word as MRU, shifting the set down by one; returns the evicted
 * word. */
CA_INLINE uint64_t ca_fill(const cache *c, void *s, uint64_t word, bool wide)
{
    uint64_t victim = w_get(s, c->ways - 1, wide);
    ca_shift(c, s, c->ways, wide);
    w_set(s, 0, word, wide);
    return victim;
}

/* The word after a demand access: a write makes the line modified (dirty,
 * not shared). */
CA_INLINE uint64_t ca_touch(uint64_t w, uint64_t write)
{
    return write ? (w | 1u) & ~(uint64_t)CACHE_SHARED : w;
}

/* Move way k to the front, applying a demand access (ca_touch). */
CA_INLINE void ca_to_front(void *s, unsigned k, uint64_t write, bool wide)
{
    uint64_t w = ca_touch(w_get(s, k, wide), write);
    for (; k > 0; k--) /* k is small: no memmove call */
        w_set(s, k, w_get(s, k - 1, wide), wide);
    w_set(s, 0, w, wide);
}

CA_INLINE void ca_victim(cache *c, uint64_t victim, uint64_t set, uint64_t *out, bool wide)
{
    (void)wide;
    if (victim != CA_INVALID && (victim & 1u)) {
        c->st.writebacks++;
        c->victim_state = (unsigned)(victim & CA_STATE);
        if (out)
            *out = (((victim >> 2) - 1) << c->set_bits | set) << c->line_shift;
    } else if (out) {
        *out = CACHE_NO_LINE;
    }
}

/* The set and the key of a line. */
CA_INLINE void ca_key(const cache *c, uint64_t line_addr, uint64_t *set, uint64_t *key)
{
    uint64_t line = line_addr >> c->line_shift;
    *set = line & c->set_mask;
    *key = ((line >> c->set_bits) + 1) << 2;
}


/* Any access the MRU fast path did not answer (or that skipped it:
 * cache_access_nomru). The generation changes unless the line hit in the
 * MRU way and its word stays the same, so that an MRU hit leaves it
 * whichever path served it. */
CA_INLINE int ca_access_body(cache *c, uint64_t set, uint64_t key, uint64_t write,
                             uint64_t *out, bool wide)
{
    void *s = ca_set(c, set, wide);
    int k = ca_find(c, s, key, wide);
    if (k >= 0) {
        uint64_t w = w_get(s, (unsigned)k, wide);
        if (k > 0 || ca_touch(w, write) != w)
            c->gen++;
        ca_to_front(s, (unsigned)k, write, wide);
        c->st.hits++;
        if (out)
            *out = CACHE_NO_LINE;
        return 1;
    }
    c->gen++;
    c->st.misses++;
    ca_victim(c, ca_fill(c, s, key | write, wide), set, out, wide);
    return 0;
}

/* 64-bit words, or a key that needs them (widening first): kept out of
 * the narrow path below so that it needs fewer registers. */
static __attribute__((noinline)) int ca_access_wide(cache *c, uint64_t set, uint64_t key,
                                                     uint64_t write, uint64_t *out)
{
    ca_room(c, key);
    return ca_access_body(c, set, key, write, out, true);
}

/* Kept out of line so that the MRU hit path of cache_access needs no stack
 * frame. */
static __attribute__((noinline)) int ca_access_slow(cache *c, uint64_t set, uint64_t key,
                                                     uint64_t write, uint64_t *out)
{
    if (__builtin_expect(c->wide || key > CA_NARROW_KEY_MAX, 0))
        return ca_access_wide(c, set, key, write, out);
    return ca_access_body(c, set, key, write, out, false);
}

/* MRU way: hit (apply the write, count it) or not. A narrow word compared
 * with a key above 32 bits never matches, and no key matches an invalid
 * word (0): no range check is needed here. A write compares the shared bit
 * too (it must be clear), so that a write to a shared line takes the slow
 * path. */
CA_INLINE int ca_mru_hit(cache *c, uint64_t set, uint64_t key, bool write)
{
    unsigned keep = write ? CACHE_SHARED : 0u; /* state bits that must match the key's (0) */
    if (!c->wide) {
        uint32_t *s = ca_set(c, set, false);
        if ((s[0] & ~(CA_STATE & ~keep)) != key)
            return 0;
        s[0] |= (uint32_t)write;
    } else {
        uint64_t *s = ca_set(c, set, true);
        if ((s[0] & ~(uint64_t)(CA_STATE & ~keep)) != key)
            return 0;
        s[0] |= (uint64_t)write;
    }
    c->st.hits++;
    return 1;
}

int cache_access(cache *c, uint64_t line_addr, bool write, uint64_t *evicted_dirty_line)
{
    uint64_t set, key;
    ca_key(c, line_addr, &set, &key);
    if (__builtin_expect(ca_mru_hit(c, set, key, write), 1)) { /* the common case */
        if (evicted_dirty_line)
            *evicted_dirty_line = CACHE_NO_LINE;
        return 1;
    }
    return ca_access_slow(c, set, key, (uint64_t)write, evicted_dirty_line);
}

int cache_access_nomru(cache *c, uint64_t line_addr, bool write, uint64_t *evicted_dirty_line)
{
    uint64_t set, key;
    ca_key(c, line_addr, &set, &key);
    return ca_access_slow(c, set, key, (uint64_t)write, evicted_dirty_line);
}

int cache_hit_mru(cache *c, uint64_t line_addr, bool write)
{
    uint64_t set, key;
    ca_key(c, line_addr, &set, &key);
    return ca_mru_hit(c, set, key, write);
}

uint64_t cache_gen(const cache *c) { return c->gen; }
const uint64_t *cache_gen_ptr(const cache *c) { return &c->gen; }
uint64_t *cache_hits_ptr(cache *c) { return &c->st.hits; }

CA_INLINE int ca_writeback_body(cache *c, uint64_t set, uint64_t key, uint64_t *out, bool wide)
{
    void *s = ca_set(c, set, wide);
    int k = ca_find(c, s, key, wide);
    if (k >= 0) {
        w_set(s, (unsigned)k, w_get(s, (unsigned)k, wide) | 1u, wide);
        if (out)
            *out = CACHE_NO_LINE;
        return 1;
    }
    ca_victim(c, ca_fill(c, s, key | 1u, wide), set, out, wide);
    return 0;
}

static __attribute__((noinline)) int ca_writeback_wide(cache *c, uint64_t set, uint64_t key,
                                                        uint64_t *out)
{
    ca_room(c, key);
    return ca_writeback_body(c, set, key, out, true);
}

int cache_writeback_in(cache *c, uint64_t line_addr, uint64_t *evicted_dirty_line)
{
    uint64_t set, key;
    ca_key(c, line_addr, &set, &key);
    c->gen++;
    if (__builtin_expect(c->wide || key > CA_NARROW_KEY_MAX, 0))
        return ca_writeback_wide(c, set, key, evicted_dirty_line);
    return ca_writeback_body(c, set, key, evicted_dirty_line, false);
}

int cache_state(const cache *c, uint64_t line_addr)
{
    uint64_t set, key;
    ca_key(c, line_addr, &set, &key);
    bool wide = c->wide;
    const void *s = ca_set(c, set, wide);
    int k = wide ? ca_find(c, s, key, true) : ca_find(c, s, key, false);
    return k < 0 ? -1 : (int)(w_get(s, (unsigned)k, wide) & CA_STATE);
}

int cache_set_shared(cache *c, uint64_t line_addr, bool shared)
{
    uint64_t set, key;
    ca_key(c, line_addr, &set, &key);
    bool wide = c->wide;
    void *s = ca_set(c, set, wide);
    int k = wide ? ca_find(c, s, key, true) : ca_find(c, s, key, false);
    if (k < 0)
        return -1;
    c->gen++;
    uint64_t w = w_get(s, (unsigned)k, wide);
    w_set(s, (unsigned)k, shared ? w | CACHE_SHARED : w & ~(uint64_t)CACHE_SHARED, wide);
    return (int)(w & CA_STATE);
}

unsigned cache_victim_state(const cache *c) { return c->victim_state; }

void cache_for_each_line(const cache *c, void (*fn)(void *ctx, uint64_t line_addr), void *ctx)
{
    uint64_t n = (c->set_mask + 1) * c->ways;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t w = c->wide ? ((const uint64_t *)c->tags)[i] : ((const uint32_t *)c->tags)[i];
        if (w != CA_INVALID)
            fn(ctx, (((w >> 2) - 1) << c->set_bits | i / c->ways) << c->line_shift);
    }
}

bool cache_probe(const cache *c, uint64_t line_addr)
{
    uint64_t set, key;
    ca_key(c, line_addr, &set, &key);
    if (c->wide)
        return ca_find(c, ca_set(c, set, true), key, true) >= 0;
    return ca_find(c, ca_set(c, set, false), key, false) >= 0;
}

CA_INLINE int ca_invalidate_body(cache *c, uint64_t set, uint64_t key, bool wide)
{
    void *s = ca_set(c, set, wide);
    int k = ca_find(c, s, key, wide);
    if (k < 0)
        return 0;
    int dirty = (int)(w_get(s, (unsigned)k, wide) & 1u);
    for (unsigned i = (unsigned)k; i + 1 < c->ways; i++)
        w_set(s, i, w_get(s, i + 1, wide), wide);
    w_set(s, c->ways - 1, CA_INVALID, wide);
    c->st.invalidations++;
    return dirty;
}

int cache_invalidate_line(cache *c, uint64_t line_addr)
{
    uint64_t set, key;
    ca_key(c, line_addr, &set, &key);
    c->gen++;
    if (c->wide)
        return ca_invalidate_body(c, set, key, true);
    return ca_invalidate_body(c, set, key, false);
}

uint64_t cache_flush_all(cache *c)
{
    uint64_t n = (c->set_mask + 1) * c->ways, dirty = 0;
    for (uint64_t i = 0; i < n; i++)
        dirty += c->wide ? ((const uint64_t *)c->tags)[i] & 1u : ((const uint32_t *)c->tags)[i] & 1u;
    memset(c->tags, 0, (size_t)n * (c->wide ? 8u : 4u)); /* all invalid */
    c->gen++;
    c->st.writebacks += dirty;
    return dirty;
}

const cache_stats *cache_get_stats(const cache *c) { return &c->st; }
void cache_reset_stats(cache *c) { memset(&c->st, 0, sizeof c->st); }
uint64_t cache_sets(const cache *c) { return c->set_mask + 1; }
unsigned cache_ways(const cache *c) { return c->ways; }
uint64_t cache_line_size(const cache *c) { return 1ull << c->line_shift; }
