/*
 * cache.c - set-associative tag store with true LRU kept as the order of the
 * ways inside each set (MRU first). Each way is one uint64_t:
 * (line number << 1) | dirty, or CA_INVALID. A hit in way k moves it to the
 * front (shifting k words); a fill shifts the whole set down by one and the
 * word falling off the end is the victim. The MRU way is checked first, so a
 * repeated hit costs one load and one compare.
 * Invariants: see cache.h; CA_INVALID never matches a line key because line
 * numbers are < 2^58.
 */
#include "cache.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define CA_INVALID UINT64_MAX

struct cache {
    uint64_t *tags;     /* sets * ways words */
    uint64_t set_mask;  /* sets - 1 */
    unsigned ways;
    unsigned line_shift;
    cache_stats st;
};

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

cache *cache_create(const cache_level_config *cf, uint64_t line_size, const char *name,
                    sim_err *e)
{
    if (cache_level_check(cf, line_size, name, e) != 0)
        return NULL;
    uint64_t per_set = cf->ways * line_size;
    uint64_t sets = cf->size / per_set;
    cache *c = calloc(1, sizeof *c);
    if (c)
        c->tags = malloc(sets * cf->ways * sizeof *c->tags);
    if (!c || !c->tags) {
        free(c);
        sim_errf(e, "%s: out of host memory", name);
        return NULL;
    }
    c->set_mask = sets - 1;
    c->ways = (unsigned)cf->ways;
    c->line_shift = (unsigned)__builtin_ctzll(line_size);
    for (uint64_t i = 0; i < sets * cf->ways; i++)
        c->tags[i] = CA_INVALID;
    return c;
}

void cache_destroy(cache *c)
{
    if (!c)
        return;
    free(c->tags);
    free(c);
}

static inline uint64_t *ca_set(const cache *c, uint64_t line)
{
    return c->tags + (size_t)(line & c->set_mask) * c->ways;
}

static inline int ca_find(const uint64_t *s, unsigned ways, uint64_t key)
{
    for (unsigned k = 0; k < ways; k++)
        if ((s[k] & ~1ull) == key)
            return (int)k;
    return -1;
}

/* Insert key|dirty as MRU, shifting the set; returns the evicted word. */
static inline uint64_t ca_fill(uint64_t *s, unsigned ways, uint64_t word)
{
    uint64_t victim = s[ways - 1];
    memmove(s + 1, s, (ways - 1) * sizeof *s);
    s[0] = word;
    return victim;
}

static inline void ca_victim(cache *c, uint64_t victim, uint64_t *out)
{
    if (victim != CA_INVALID && (victim & 1u)) {
        c->st.writebacks++;
        if (out)
            *out = (victim >> 1) << c->line_shift;
    } else if (out) {
        *out = CACHE_NO_LINE;
    }
}

/* Hit below the MRU way, or miss: kept out of line so that the MRU hit path
 * of cache_access needs no stack frame. */
static __attribute__((noinline)) int ca_access_slow(cache *c, uint64_t *s, uint64_t key,
                                                     uint64_t write, uint64_t *out)
{
    unsigned ways = c->ways;
    for (unsigned k = 1; k < ways; k++) {
        if ((s[k] & ~1ull) == key) {
            uint64_t w = s[k] | write;
            for (; k > 0; k--) /* move to front: k is small, no memmove call */
                s[k] = s[k - 1];
            s[0] = w;
            c->st.hits++;
            if (out)
                *out = CACHE_NO_LINE;
            return 1;
        }
    }
    c->st.misses++;
    uint64_t victim = s[ways - 1];
    for (unsigned k = ways - 1; k > 0; k--)
        s[k] = s[k - 1];
    s[0] = key | write;
    ca_victim(c, victim, out);
    return 0;
}

int cache_access(cache *c, uint64_t line_addr, bool write, uint64_t *evicted_dirty_line)
{
    uint64_t line = line_addr >> c->line_shift;
    uint64_t key = line << 1;
    uint64_t *s = ca_set(c, line);
    if (__builtin_expect((s[0] & ~1ull) == key, 1)) { /* MRU hit: the common case */
        if (write)
            s[0] |= 1u;
        c->st.hits++;
        if (evicted_dirty_line)
            *evicted_dirty_line = CACHE_NO_LINE;
        return 1;
    }
    return ca_access_slow(c, s, key, (uint64_t)write, evicted_dirty_line);
}

int cache_hit_mru(cache *c, uint64_t line_addr, bool write)
{
    uint64_t line = line_addr >> c->line_shift;
    uint64_t *s = ca_set(c, line);
    if ((s[0] & ~1ull) != line << 1)
        return 0;
    if (write)
        s[0] |= 1u;
    c->st.hits++;
    return 1;
}

int cache_writeback_in(cache *c, uint64_t line_addr, uint64_t *evicted_dirty_line)
{
    uint64_t line = line_addr >> c->line_shift;
    uint64_t key = line << 1;
    uint64_t *s = ca_set(c, line);
    int k = ca_find(s, c->ways, key);
    if (k >= 0) {
        s[k] |= 1u;
        if (evicted_dirty_line)
            *evicted_dirty_line = CACHE_NO_LINE;
        return 1;
    }
    ca_victim(c, ca_fill(s, c->ways, key | 1u), evicted_dirty_line);
    return 0;
}

bool cache_probe(const cache *c, uint64_t line_addr)
{
    uint64_t line = line_addr >> c->line_shift;
    return ca_find(ca_set(c, line), c->ways, line << 1) >= 0;
}

int cache_invalidate_line(cache *c, uint64_t line_addr)
{
    uint64_t line = line_addr >> c->line_shift;
    uint64_t *s = ca_set(c, line);
    int k = ca_find(s, c->ways, line << 1);
    if (k < 0)
        return 0;
    int dirty = (int)(s[k] & 1u);
    memmove(s + k, s + k + 1, (c->ways - 1 - (unsigned)k) * sizeof *s);
    s[c->ways - 1] = CA_INVALID;
    c->st.invalidations++;
    return dirty;
}

uint64_t cache_flush_all(cache *c)
{
    uint64_t n = (c->set_mask + 1) * c->ways, dirty = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (c->tags[i] != CA_INVALID && (c->tags[i] & 1u))
            dirty++;
        c->tags[i] = CA_INVALID;
    }
    c->st.writebacks += dirty;
    return dirty;
}

const cache_stats *cache_get_stats(const cache *c) { return &c->st; }
void cache_reset_stats(cache *c) { memset(&c->st, 0, sizeof c->st); }
uint64_t cache_sets(const cache *c) { return c->set_mask + 1; }
unsigned cache_ways(const cache *c) { return c->ways; }
uint64_t cache_line_size(const cache *c) { return 1ull << c->line_shift; }
