/*
 * cache_stream.c - cache_stream_fill: the state a long run of consecutive
 * lines leaves in one cache, without accessing them one by one (the
 * unsimulated part of a sampled HPT scan, hyp_stream).
 *
 * Why it is exact for tags and LRU order: consecutive lines fall on the
 * sets in turn, so the lines of the stream that map to set s are one
 * arithmetic run whose tags t0, t0+1, ..., t0+k-1 are consecutive. True
 * LRU keeps the `ways` most recently used distinct lines of a set, so after
 * the run a set holds, most recent first, the last min(k, ways) stream
 * tags, then its old lines the stream did not touch in their old order,
 * cut at `ways`. An old line whose tag is in [t0, t0+k) was hit by the
 * stream: it stays (dirty bit kept) if it is among the last min(k, ways),
 * else the stream pushed it out after touching it; unless the stream's
 * earlier lines pushed it out before reaching it (written back if dirty,
 * then fetched again clean: evicted_first). Each set costs O(ways) (plus
 * O(ways) per old line in the stream's range), and only min(nlines, sets)
 * sets are touched.
 * Invariants: those of cache.c (recency order, invalid ways last, a line
 * in at most one way); writebacks counts every dirty old line that left.
 */
#include <string.h>

#include "cache_int.h"

/* Whether the old line at recency position p (tag t, in the stream's
 * range) leaves before the stream reaches it: the stream's lines before it
 * (tags t0 .. t-1) each push it one way down, except the old lines above
 * it (positions < p), which a hit only moves to the front. */
static bool evicted_first(const uint64_t *old, unsigned p, uint64_t t, uint64_t t0,
                          unsigned ways)
{
    uint64_t down = t - t0;
    for (unsigned q = 0; q < p; q++) {
        uint64_t u = (old[q] >> 2) - 1;
        down -= u >= t0 && u < t;
    }
    return p + down >= ways;
}

/* Set `set`, whose stream tags are t0 .. t0+k-1 (k >= 1). */
CA_INLINE uint64_t stream_set(cache *c, uint64_t set, uint64_t t0, uint64_t k, uint64_t dirty,
                              cache_victim_fn victim, void *ctx, uint64_t *old, bool wide)
{
    void *s = ca_set(c, set, wide);
    unsigned ways = c->ways, n = 0;
    uint64_t m = k < ways ? k : ways, lo = t0 + k - m, left = 0;
    for (unsigned w = 0; w < ways; w++)
        old[w] = w_get(s, w, wide);
    /* the kept stream tags, newest first; an old copy's dirty bit is kept */
    for (uint64_t j = 0; j < m; j++)
        w_set(s, n++, ((t0 + k - 1 - j + 1) << 2) | dirty, wide);
    for (unsigned w = 0; w < ways; w++) {
        uint64_t x = old[w];
        if (x == CA_INVALID)
            break; /* invalid ways are last */
        uint64_t tag = (x >> 2) - 1;
        if (tag >= t0 && tag < t0 + k && evicted_first(old, w, tag, t0, ways)) {
            /* pushed out before the stream reached it: written back if
             * dirty, then fetched again (clean) like any stream line */
            if (x & 1u) {
                c->st.writebacks++;
                if (victim)
                    victim(ctx, ((tag << c->set_bits) | set) << c->line_shift);
            }
            left += tag < lo;
            continue;
        }
        if (tag >= lo && tag < t0 + k) {
            /* a kept stream line: merge the dirty bit */
            unsigned at = (unsigned)(t0 + k - 1 - tag);
            w_set(s, at, w_get(s, at, wide) | (x & 1u), wide);
            continue;
        }
        if (!(tag >= t0 && tag < lo) && n < ways) {
            w_set(s, n++, x, wide); /* untouched: follows in its old order */
            continue;
        }
        /* pushed out (touched then overtaken, or no way left) */
        left++;
        if (x & 1u) {
            c->st.writebacks++;
            if (victim)
                victim(ctx, ((tag << c->set_bits) | set) << c->line_shift);
        }
    }
    for (unsigned w = n; w < ways; w++)
        w_set(s, w, CA_INVALID, wide);
    return left;
}

uint64_t cache_stream_fill(cache *c, uint64_t line_addr, uint64_t nlines, bool dirty,
                           cache_victim_fn victim, void *ctx)
{
    if (!nlines)
        return 0;
    uint64_t l0 = line_addr >> c->line_shift, sets = c->set_mask + 1, left = 0;
    uint64_t old[1024]; /* ways <= 1024 (cache_level_check) */
    c->gen++;
    ca_room(c, (((l0 + nlines - 1) >> c->set_bits) + 1) << 2);
    uint64_t touched = nlines < sets ? nlines : sets;
    for (uint64_t j = 0; j < touched; j++) {
        uint64_t l = l0 + j, k = (nlines - 1 - j) / sets + 1;
        if (c->wide)
            left += stream_set(c, l & c->set_mask, l >> c->set_bits, k, dirty, victim, ctx, old,
                               true);
        else
            left += stream_set(c, l & c->set_mask, l >> c->set_bits, k, dirty, victim, ctx, old,
                               false);
    }
    return left;
}
