/*
 * check_cache.c - unit tests of one set-associative cache (cache) and of
 * the L1I/L1D/L2/L3 hierarchy (memhier). Geometries are small so that every
 * hit, miss and eviction below is traced by hand in the comments.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "core/stats.h"
#include "memctl/cache.h"
#include "memctl/memhier.h"
#include "testutil.h"

#define KB (1ull << 10)
#define MB (1ull << 20)

/* ------------------------------------------------------------------ cache */

/* 4 ways x 4 sets x 128 B = 2K: lines that are 512 B apart share a set. */
static cache *small_cache(void)
{
    cache_level_config c = {2 * KB, 4, 3};
    sim_err e = {""};
    cache *ca = cache_create(&c, 128, "cache.l1d", &e);
    ck_assert_msg(ca != NULL, "%s", e.msg);
    return ca;
}

#define BASE 0x10000ull /* set 0 */
#define SET0(k) (BASE + (uint64_t)(k) * 512)

static void count_victim(void *ctx, uint64_t line) { (void)line; ++*(int *)ctx; }

/* cache_gen moves with every change of the tags but MRU hits, and a
 * fetch memo over the cache (memport.h) counts a hit only under the
 * generation it was taken at. */
START_TEST(ca_generation)
{
    cache *c = small_cache();
    uint64_t g = cache_gen(c), out;
    int victims = 0;
    mem_port_memo m = {SET0(0) >> 7, 0, cache_gen_ptr(c), cache_hits_ptr(c), 3, 7};
    ck_assert_int_eq(cache_access(c, SET0(0), false, &out), 0); /* miss: fill */
    ck_assert_uint_ne(cache_gen(c), g);
    g = cache_gen(c);
    ck_assert_int_eq(cache_hit_mru(c, SET0(0), false), 1);
    ck_assert_int_eq(cache_hit_mru(c, SET0(0), true), 1); /* dirty, still MRU */
    ck_assert_uint_eq(cache_gen(c), g);
    /* so do MRU hits that skip the shortcut, unless the word changes */
    ck_assert_int_eq(cache_access_nomru(c, SET0(0), false, &out), 1);
    ck_assert_int_eq(cache_access_nomru(c, SET0(0), true, &out), 1);
    ck_assert_uint_eq(cache_gen(c), g);
    ck_assert_uint_eq(cache_get_stats(c)->hits, 4);
    cache_set_shared(c, SET0(0), true);
    g = cache_gen(c);
    ck_assert_int_eq(cache_access_nomru(c, SET0(0), true, &out), 1); /* T -> M */
    ck_assert_uint_ne(cache_gen(c), g);
    ck_assert_int_eq(cache_state(c, SET0(0)), CACHE_DIRTY);
    g = cache_gen(c);
    m.at = g;
    ck_assert_int_eq(mem_memo_hit(&m, SET0(0), 8), 1);
    ck_assert_uint_eq(cache_get_stats(c)->hits, 6);
    m.at = g + 1;
    ck_assert_int_eq(mem_memo_hit(&m, SET0(0), 8), 0);
    ck_assert_uint_eq(cache_get_stats(c)->hits, 6);
    cache_access(c, SET0(1), false, &out); /* SET0(0) leaves the MRU way */
    ck_assert_uint_ne(cache_gen(c), g);
    m.at = g;
    ck_assert_int_eq(mem_memo_hit(&m, SET0(0), 8), 0);
    g = cache_gen(c);
    cache_access(c, SET0(0), false, &out); /* a hit below the MRU way reorders */
    ck_assert_uint_ne(cache_gen(c), g);
    g = cache_gen(c);
    cache_access_nomru(c, SET0(1), false, &out); /* through either path */
    ck_assert_uint_ne(cache_gen(c), g);
    g = cache_gen(c);
    cache_set_shared(c, SET0(0), true);
    ck_assert_uint_ne(cache_gen(c), g);
    g = cache_gen(c);
    cache_writeback_in(c, SET0(2), &out);
    ck_assert_uint_ne(cache_gen(c), g);
    g = cache_gen(c);
    cache_invalidate_line(c, SET0(2));
    ck_assert_uint_ne(cache_gen(c), g);
    g = cache_gen(c);
    cache_stream_fill(c, SET0(8), 4, false, count_victim, &victims);
    ck_assert_uint_ne(cache_gen(c), g);
    g = cache_gen(c);
    cache_flush_all(c);
    ck_assert_uint_ne(cache_gen(c), g);
    cache_destroy(c);
}
END_TEST

START_TEST(ca_geometry)
{
    sim_err e = {""};
    cache_level_config l1 = {32 * KB, 8, 3}, l3 = {10 * MB, 20, 27};
    cache *a = cache_create(&l1, 128, "cache.l1d", &e);
    cache *b = cache_create(&l3, 128, "cache.l3", &e);
    ck_assert_uint_eq(cache_sets(a), 32);   /* 32K / (8 * 128) */
    ck_assert_uint_eq(cache_sets(b), 4096); /* 10M / (20 * 128) */
    ck_assert_uint_eq(cache_ways(b), 20);
    ck_assert_uint_eq(cache_line_size(a), 128);
    cache_destroy(a);
    cache_destroy(b);
    cache_destroy(NULL);

    cache_level_config bad = {10 * MB, 8, 27}; /* 10240 sets: not a power of two */
    ck_assert_ptr_null(cache_create(&bad, 128, "cache.l3", &e));
    ck_assert_msg(strstr(e.msg, "cache.l3.size: ") == e.msg, "%s", e.msg);
    ck_assert_msg(strstr(e.msg, "expected e.g. 8388608") != NULL, "%s", e.msg);
    cache_level_config noways = {32 * KB, 0, 3};
    ck_assert_ptr_null(cache_create(&noways, 128, "cache.l2", &e));
    ck_assert_msg(strstr(e.msg, "cache.l2.ways: 0") == e.msg, "%s", e.msg);
}
END_TEST

START_TEST(ca_hits_misses)
{
    cache *c = small_cache();
    uint64_t v = 0;
    ck_assert_int_eq(cache_access(c, BASE, false, &v), 0);
    ck_assert_uint_eq(v, CACHE_NO_LINE);
    ck_assert_int_eq(cache_access(c, BASE, false, &v), 1);
    ck_assert_int_eq(cache_access(c, BASE + 127, false, NULL), 1); /* same line */
    ck_assert_int_eq(cache_access(c, BASE + 128, false, NULL), 0); /* next line, set 1 */
    const cache_stats *s = cache_get_stats(c);
    ck_assert_uint_eq(s->hits, 2);
    ck_assert_uint_eq(s->misses, 2);
    ck_assert_uint_eq(s->writebacks, 0);
    ck_assert(cache_probe(c, BASE + 128));
    ck_assert(!cache_probe(c, BASE + 256));
    /* MRU fast path: BASE is MRU of set 0, BASE + 512 absent (no change) */
    ck_assert_int_eq(cache_hit_mru(c, BASE + 8, false), 1);
    ck_assert_int_eq(cache_hit_mru(c, BASE + 512, false), 0);
    ck_assert(!cache_probe(c, BASE + 512));
    ck_assert_uint_eq(s->hits, 3);
    ck_assert_uint_eq(s->misses, 2);
    /* set 0 = [512, BASE]: BASE is present but not MRU */
    cache_access(c, BASE + 512, false, NULL);
    ck_assert_int_eq(cache_hit_mru(c, BASE, false), 0);
    ck_assert_int_eq(cache_hit_mru(c, BASE + 512, true), 1); /* now dirty */
    cache_access(c, BASE + 1024, false, NULL);
    cache_access(c, BASE + 1536, false, NULL);
    cache_access(c, BASE + 2048, false, NULL); /* [2048 1536 1024 512*], BASE out */
    cache_access(c, BASE + 2560, false, &v);
    ck_assert_uint_eq(v, BASE + 512);
    cache_reset_stats(c);
    ck_assert_uint_eq(cache_get_stats(c)->hits, 0);
    cache_destroy(c);
}
END_TEST

START_TEST(ca_lru_order)
{
    cache *c = small_cache();
    for (int k = 0; k < 4; k++) /* fill set 0: order (MRU first) 3 2 1 0 */
        ck_assert_int_eq(cache_access(c, SET0(k), false, NULL), 0);
    ck_assert_int_eq(cache_access(c, SET0(0), false, NULL), 1); /* 0 3 2 1 */
    ck_assert_int_eq(cache_access(c, SET0(2), false, NULL), 1); /* 2 0 3 1 */
    ck_assert_int_eq(cache_access(c, SET0(4), false, NULL), 0); /* 4 2 0 3, evicts 1 */
    ck_assert(!cache_probe(c, SET0(1)));
    ck_assert_int_eq(cache_access(c, SET0(5), false, NULL), 0); /* 5 4 2 0, evicts 3 */
    ck_assert(!cache_probe(c, SET0(3)));
    ck_assert(cache_probe(c, SET0(0)));
    ck_assert_int_eq(cache_access(c, SET0(6), false, NULL), 0); /* 6 5 4 2, evicts 0 */
    ck_assert(!cache_probe(c, SET0(0)));
    ck_assert(cache_probe(c, SET0(2)));
    ck_assert(cache_probe(c, SET0(4)));
    /* other sets untouched */
    ck_assert_int_eq(cache_access(c, BASE + 128, false, NULL), 0);
    ck_assert_uint_eq(cache_get_stats(c)->misses, 8);
    ck_assert_uint_eq(cache_get_stats(c)->hits, 2);
    cache_destroy(c);
}
END_TEST

START_TEST(ca_dirty_writeback)
{
    cache *c = small_cache();
    uint64_t v = 0;
    /* write-allocate: the write miss fills the line dirty */
    ck_assert_int_eq(cache_access(c, SET0(0) + 8, true, &v), 0);
    ck_assert_uint_eq(v, CACHE_NO_LINE);
    ck_assert_int_eq(cache_access(c, SET0(0), false, NULL), 1); /* now present */
    ck_assert_int_eq(cache_access(c, SET0(1), false, NULL), 0);
    ck_assert_int_eq(cache_access(c, SET0(2), false, NULL), 0);
    ck_assert_int_eq(cache_access(c, SET0(3), false, NULL), 0); /* 3 2 1 0* */
    ck_assert_int_eq(cache_access(c, SET0(4), false, &v), 0);   /* evicts 0* */
    ck_assert_uint_eq(v, SET0(0)); /* reported as the line's base address */
    ck_assert_uint_eq(cache_get_stats(c)->writebacks, 1);
    ck_assert_int_eq(cache_access(c, SET0(5), false, &v), 0); /* evicts 1, clean */
    ck_assert_uint_eq(v, CACHE_NO_LINE);
    /* a write hit dirties a clean line: 5 4 3 2 -> write 2 -> 2* 5 4 3 */
    ck_assert_int_eq(cache_access(c, SET0(2), true, &v), 1);
    ck_assert_int_eq(cache_access(c, SET0(6), false, &v), 0); /* evicts 3 */
    ck_assert_uint_eq(v, CACHE_NO_LINE);
    ck_assert_int_eq(cache_access(c, SET0(7), false, &v), 0); /* evicts 4 */
    ck_assert_int_eq(cache_access(c, SET0(8), false, &v), 0); /* evicts 5 */
    ck_assert_int_eq(cache_access(c, SET0(9), false, &v), 0); /* evicts 2* */
    ck_assert_uint_eq(v, SET0(2));
    ck_assert_uint_eq(cache_get_stats(c)->writebacks, 2);
    cache_destroy(c);
}
END_TEST

START_TEST(ca_invalidate_flush_wbin)
{
    cache *c = small_cache();
    uint64_t v;
    cache_access(c, SET0(0), true, NULL);
    cache_access(c, SET0(1), false, NULL);
    ck_assert_int_eq(cache_invalidate_line(c, SET0(0)), 1); /* was dirty */
    ck_assert_int_eq(cache_invalidate_line(c, SET0(1)), 0); /* clean */
    ck_assert_int_eq(cache_invalidate_line(c, SET0(1)), 0); /* absent */
    ck_assert_uint_eq(cache_get_stats(c)->invalidations, 2);
    ck_assert(!cache_probe(c, SET0(0)));
    /* writeback_in of an absent line allocates it dirty, not a hit or miss */
    ck_assert_int_eq(cache_writeback_in(c, SET0(2), &v), 0);
    ck_assert_uint_eq(v, CACHE_NO_LINE);
    ck_assert_uint_eq(cache_get_stats(c)->hits + cache_get_stats(c)->misses, 2);
    /* writeback_in of a present clean line dirties it without moving it:
     * set 0 = 3 2*; wb 3 -> 3* 2*; fill 4, 5: 5 4 3* 2*; fill 6 evicts 2* */
    cache_access(c, SET0(3), false, NULL);
    ck_assert_int_eq(cache_writeback_in(c, SET0(3), &v), 1);
    cache_access(c, SET0(4), false, NULL);
    cache_access(c, SET0(5), false, NULL);
    cache_access(c, SET0(6), false, &v);
    ck_assert_uint_eq(v, SET0(2));
    cache_access(c, SET0(7), false, &v);
    ck_assert_uint_eq(v, SET0(3));
    /* flush: 7 6 5 4 all clean, plus a dirty line in set 1 */
    cache_access(c, BASE + 128, true, NULL);
    ck_assert_uint_eq(cache_flush_all(c), 1);
    ck_assert(!cache_probe(c, SET0(7)));
    ck_assert_uint_eq(cache_get_stats(c)->writebacks, 3);
    cache_destroy(c);
}
END_TEST

/* A reference cache: per set, the lines in LRU order (MRU first) with
 * their dirty bits, at most `ways` of them; what cache.h says, written
 * the plain way. */
#define REF_SETS 4
#define REF_WAYS 24 /* the most ways tested */
typedef struct ref_cache {
    unsigned ways;
    uint64_t line[REF_SETS][REF_WAYS];
    bool dirty[REF_SETS][REF_WAYS];
    unsigned n[REF_SETS];
    cache_stats st;
} ref_cache;

static int ref_find(const ref_cache *r, unsigned s, uint64_t line)
{
    for (unsigned k = 0; k < r->n[s]; k++)
        if (r->line[s][k] == line)
            return (int)k;
    return -1;
}

/* Put (line, dirty) in front of set s, dropping way k (k = n: none); the
 * dirty line that falls off the end, or CACHE_NO_LINE. */
static uint64_t ref_front(ref_cache *r, unsigned s, unsigned k, uint64_t line, bool dirty)
{
    uint64_t out = CACHE_NO_LINE;
    if (k == r->n[s] && r->n[s] == r->ways) {
        k = r->ways - 1; /* the LRU line is the victim */
        if (r->dirty[s][k]) {
            out = r->line[s][k] << 7;
            r->st.writebacks++;
        }
    } else if (k == r->n[s]) {
        r->n[s]++;
    }
    for (; k > 0; k--) {
        r->line[s][k] = r->line[s][k - 1];
        r->dirty[s][k] = r->dirty[s][k - 1];
    }
    r->line[s][0] = line;
    r->dirty[s][0] = dirty;
    return out;
}

/* The tag store keeps 32-bit words until a line's tag needs more, then
 * widens to 64-bit words: its answers must be those of the reference
 * before, across and after that, for every operation (4 sets x 128 B;
 * lines drawn from a small pool that gains, halfway, lines whose tag is
 * far above 2^31). Run for several associativities: the narrow words are
 * searched 8, 4 and 1 at a time and shifted in blocks up to 20 ways
 * (cache.c), so every mix of those steps is covered. */
static const unsigned ref_ways[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 17, 20, 21, 24};

START_TEST(ca_matches_reference_across_widening)
{
    const unsigned ways = ref_ways[_i];
    cache_level_config cf = {REF_SETS * ways * 128, ways, 3};
    sim_err e = {""};
    cache *c = cache_create(&cf, 128, "cache.l2", &e);
    ck_assert_msg(c != NULL, "%s", e.msg);
    ref_cache r;
    memset(&r, 0, sizeof r);
    r.ways = ways;
    /* lines 0..(16 x ways), then lines with huge tags: enough to fill
     * every set about three times over */
    const unsigned npool = 6 * ways + 24, nsmall = 4 * ways + 16;
    uint64_t pool[6 * REF_WAYS + 24], x = 42;
    for (unsigned i = 0; i < npool; i++)
        pool[i] = i < nsmall ? i * 3 % (16 * ways) : ((uint64_t)(i + 1) << 45) + i % REF_SETS;
    for (unsigned step = 0; step < 20000; step++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        unsigned op = (unsigned)(x >> 60) % 6;
        unsigned pick = (unsigned)(x >> 33) % (step < 10000 ? nsmall : npool);
        uint64_t line = pool[pick], addr = line << 7 | (x >> 20 & 127), v = 7, want = CACHE_NO_LINE;
        unsigned s = (unsigned)(line % REF_SETS);
        int k = ref_find(&r, s, line), got, exp;
        bool wr = (x >> 40) & 1;
        switch (op) {
        case 0: case 1: /* demand access, with and without the MRU shortcut */
            got = op ? cache_access(c, addr, wr, &v) : cache_access_nomru(c, addr, wr, &v);
            exp = k >= 0;
            if (k >= 0) {
                r.st.hits++;
                want = ref_front(&r, s, (unsigned)k, line, r.dirty[s][k] || wr);
            } else {
                r.st.misses++;
                want = ref_front(&r, s, r.n[s], line, wr);
            }
            ck_assert_uint_eq(v, want);
            break;
        case 2: /* writeback from above */
            got = cache_writeback_in(c, addr, &v);
            exp = k >= 0;
            if (k >= 0)
                r.dirty[s][k] = true;
            else
                want = ref_front(&r, s, r.n[s], line, true);
            ck_assert_uint_eq(v, want);
            break;
        case 3: /* MRU fast path */
            got = cache_hit_mru(c, addr, wr);
            exp = k == 0;
            if (k == 0) {
                r.st.hits++;
                r.dirty[s][0] |= wr;
            }
            break;
        case 4: /* invalidation */
            got = cache_invalidate_line(c, addr);
            exp = k >= 0 && r.dirty[s][k];
            if (k >= 0) {
                r.st.invalidations++;
                for (unsigned i = (unsigned)k; i + 1 < r.n[s]; i++) {
                    r.line[s][i] = r.line[s][i + 1];
                    r.dirty[s][i] = r.dirty[s][i + 1];
                }
                r.n[s]--;
            }
            break;
        default:
            got = cache_probe(c, addr);
            exp = k >= 0;
        }
        ck_assert_msg(got == exp, "step %u op %u line 0x%llx: got %d, expected %d", step, op,
                      (unsigned long long)line, got, exp);
    }
    const cache_stats *st = cache_get_stats(c);
    ck_assert_uint_eq(st->hits, r.st.hits);
    ck_assert_uint_eq(st->misses, r.st.misses);
    ck_assert_uint_eq(st->writebacks, r.st.writebacks);
    ck_assert_uint_eq(st->invalidations, r.st.invalidations);
    ck_assert_uint_gt(st->misses, 1000); /* the run exercised fills and evictions */
    ck_assert_uint_gt(st->writebacks, 100);
    uint64_t dirty = 0;
    for (unsigned i = 0; i < REF_SETS; i++)
        for (unsigned k = 0; k < r.n[i]; k++)
            dirty += r.dirty[i][k];
    ck_assert_uint_eq(cache_flush_all(c), dirty);
    cache_destroy(c);
}
END_TEST

/* ---------------------------------------------------------------- memhier */

typedef struct fake_below {
    int reads, writes;
    uint64_t last_read, last_write, last_now;
} fake_below;

static uint64_t fake_access(void *ctx, uint64_t line, bool write, uint64_t now)
{
    fake_below *f = ctx;
    if (write) {
        f->writes++;
        f->last_write = line;
    } else {
        f->reads++;
        f->last_read = line;
    }
    f->last_now = now;
    return 100;
}

/* L1I/L1D 1K 2-way (4 sets, 512 B set stride), L2 4K 4-way (8 sets, 1K),
 * L3 16K 4-way (32 sets, 4K); latencies 3/13/27; 2 modules x 2 cores. */
static memhier *small_hier(fake_below *f)
{
    cache_config c = {128, {1 * KB, 2, 3}, {1 * KB, 2, 3}, {4 * KB, 4, 13},
                      {16 * KB, 4, 27}, CACHE_COH_NONE, 0, 0};
    memhier_below b = {fake_access, f, NULL, NULL};
    sim_err e = {""};
    memset(f, 0, sizeof *f);
    memhier *h = memhier_create(&c, 2, 2, b, &e);
    ck_assert_msg(h != NULL, "%s", e.msg);
    return h;
}

START_TEST(mh_zero_line_no_fetch)
{
    fake_below f;
    memhier *h = small_hier(&f);
    /* dcbz of a line present nowhere: L2 latency, no read below, line dirty */
    ck_assert_uint_eq(memhier_access(h, 0, 0x8000, 128, MEM_ZERO, 0), 13);
    ck_assert_int_eq(f.reads, 0);
    ck_assert_uint_eq(memhier_access(h, 0, 0x8000, 8, MEM_READ, 0), 3);
    /* a zeroed line that hits in L1 costs an L1 hit */
    ck_assert_uint_eq(memhier_access(h, 0, 0x8000, 128, MEM_ZERO, 0), 3);
    /* the dirty line reaches memory as a write when evicted from L1 */
    ck_assert(cache_invalidate_line(memhier_l1d(h, 0), 0x8000) == 1);
    ck_assert_int_eq(f.reads, 0);
    memhier_destroy(h);
}
END_TEST

START_TEST(mh_l1_hit_and_miss)
{
    fake_below f;
    memhier *h = small_hier(&f);
    /* miss everywhere: 27 + 100; below sees the line address at now + 27 */
    ck_assert_uint_eq(memhier_access(h, 0, 0x2005, 8, MEM_READ, 1000), 127);
    ck_assert_int_eq(f.reads, 1);
    ck_assert_uint_eq(f.last_read, 0x2000);
    ck_assert_uint_eq(f.last_now, 1027);
    ck_assert_uint_eq(memhier_access(h, 0, 0x2010, 8, MEM_READ, 2000), 3);
    ck_assert_uint_eq(memhier_access(h, 0, 0x2010, 8, MEM_WRITE, 2000), 3);
    ck_assert_int_eq(f.reads, 1);
    ck_assert_uint_eq(cache_get_stats(memhier_l1d(h, 0))->hits, 2);
    ck_assert_uint_eq(cache_get_stats(memhier_l2(h, 0))->misses, 1);
    memhier_destroy(h);
    memhier_destroy(NULL);
}
END_TEST

START_TEST(mh_l2_hit_after_l1_eviction)
{
    fake_below f;
    memhier *h = small_hier(&f);
    /* 0, 512, 1024 share L1 set 0 (2 ways): 0 is evicted from L1 only
     * (L2 set stride 1K: 0 and 1024 share an L2 set of 4 ways) */
    memhier_access(h, 0, 0, 8, MEM_READ, 0);
    memhier_access(h, 0, 512, 8, MEM_READ, 0);
    memhier_access(h, 0, 1024, 8, MEM_READ, 0);
    ck_assert_uint_eq(memhier_access(h, 0, 0, 8, MEM_READ, 0), 13);
    ck_assert_int_eq(f.reads, 3);
    memhier_destroy(h);
}
END_TEST

START_TEST(mh_l3_shared_per_module)
{
    fake_below f;
    memhier *h = small_hier(&f);
    ck_assert_uint_eq(memhier_access(h, 0, 0x8000, 8, MEM_READ, 0), 127);
    ck_assert_uint_eq(memhier_access(h, 1, 0x8000, 8, MEM_READ, 0), 27); /* module 0 L3 */
    ck_assert_uint_eq(memhier_access(h, 2, 0x8000, 8, MEM_READ, 0), 127); /* module 1 */
    ck_assert_uint_eq(memhier_access(h, 3, 0x8000, 8, MEM_READ, 0), 27);
    ck_assert_int_eq(f.reads, 2);
    ck_assert_uint_eq(cache_get_stats(memhier_l3(h, 0))->hits, 1);
    ck_assert_uint_eq(cache_get_stats(memhier_l3(h, 1))->misses, 1);
    memhier_destroy(h);
}
END_TEST

START_TEST(mh_dirty_l3_victim_posted)
{
    fake_below f;
    memhier *h = small_hier(&f);
    /* Z = 0 written, then lines 4K*k (same set at every level) read.
     * k=2: L1 evicts Z* -> L2 marks Z dirty. k=4: L2 evicts Z* while the L3
     * fill evicted Z clean, so Z* is re-allocated as MRU in L3.
     * k=5..7 push it down; k=8 evicts Z* from L3 -> below(write). */
    ck_assert_uint_eq(memhier_access(h, 0, 0, 8, MEM_WRITE, 0), 127);
    for (int k = 1; k <= 7; k++) {
        ck_assert_uint_eq(memhier_access(h, 0, 4096ull * k, 8, MEM_READ, 0), 127);
        ck_assert_int_eq(f.writes, 0);
    }
    /* the posted writeback is not charged to the requester */
    ck_assert_uint_eq(memhier_access(h, 0, 4096ull * 8, 8, MEM_READ, 500), 127);
    ck_assert_int_eq(f.writes, 1);
    ck_assert_uint_eq(f.last_write, 0);
    ck_assert_uint_eq(cache_get_stats(memhier_l1d(h, 0))->writebacks, 1);
    ck_assert_uint_eq(cache_get_stats(memhier_l2(h, 0))->writebacks, 1);
    ck_assert_uint_eq(cache_get_stats(memhier_l3(h, 0))->writebacks, 1);
    memhier_destroy(h);
}
END_TEST

START_TEST(mh_line_crossing)
{
    fake_below f;
    memhier *h = small_hier(&f);
    /* 16 bytes at 0x3078 cover lines 0x3000 and 0x3080: two misses in turn;
     * the second reaches below at 10 + 127 + 27 */
    ck_assert_uint_eq(memhier_access(h, 0, 0x3078, 16, MEM_READ, 10), 254);
    ck_assert_int_eq(f.reads, 2);
    ck_assert_uint_eq(f.last_read, 0x3080);
    ck_assert_uint_eq(f.last_now, 164);
    ck_assert_uint_eq(memhier_access(h, 0, 0x3078, 16, MEM_READ, 10), 6);
    ck_assert_uint_eq(memhier_access(h, 0, 0x3070, 16, MEM_READ, 10), 3); /* ends at 0x307f */
    ck_assert_uint_eq(memhier_access(h, 0, 0x3000, 0, MEM_READ, 10), 3);  /* size 0 = 1 */
    memhier_destroy(h);
}
END_TEST

START_TEST(mh_ifetch_vs_data)
{
    fake_below f;
    memhier *h = small_hier(&f);
    ck_assert_uint_eq(memhier_access(h, 1, 0x5000, 4, MEM_IFETCH, 0), 127);
    ck_assert_uint_eq(memhier_access(h, 1, 0x5000, 8, MEM_READ, 0), 13); /* L1D miss, L2 hit */
    ck_assert_uint_eq(memhier_access(h, 1, 0x5000, 4, MEM_IFETCH, 0), 3);
    ck_assert_uint_eq(memhier_access(h, 1, 0x5000, 8, MEM_READ, 0), 3);
    ck_assert_uint_eq(cache_get_stats(memhier_l1i(h, 1))->hits, 1);
    ck_assert_uint_eq(cache_get_stats(memhier_l1i(h, 1))->misses, 1);
    ck_assert_uint_eq(cache_get_stats(memhier_l1d(h, 1))->misses, 1);
    ck_assert_uint_eq(cache_get_stats(memhier_l1d(h, 0))->misses, 0);
    memhier_destroy(h);
}
END_TEST

/* A fetch of the line the last fetch hit in the L1I's MRU way hits again
 * without a tag lookup (the port's memo), but only while the L1I has not
 * changed: after another line of the set moved in front, or after the line
 * was invalidated, the fetch takes the full path. */
/* Fetch through the port's access (_i = 0) or through mem_fetch, which
 * answers from the port's published memo when it can (_i = 1). */
static uint64_t fetch(const mem_port *p, uint64_t a, int how)
{
    return how ? mem_fetch(p, a, 4, 0) : mem_access(p, a, 4, MEM_IFETCH, 0);
}

START_TEST(mh_ifetch_memo)
{
    fake_below f;
    memhier *h = small_hier(&f);
    const mem_port *p = memhier_port(h, 0);
    const cache *l1i = memhier_l1i(h, 0);
    ck_assert_uint_eq(fetch(p, 0x4000, _i), 127); /* miss */
    ck_assert_uint_eq(fetch(p, 0x4004, _i), 3);   /* MRU hit: memo set */
    ck_assert_uint_eq(fetch(p, 0x4008, _i), 3);   /* memo hit */
    ck_assert_uint_eq(cache_get_stats(l1i)->hits, 2);
    /* 0x4200 (same set) moves in front: the next fetch of 0x4000 is a hit
     * in way 1 that makes it MRU again, so 0x4400 evicts 0x4200 */
    ck_assert_uint_eq(fetch(p, 0x4200, _i), 127);
    ck_assert_uint_eq(fetch(p, 0x400c, _i), 3);
    ck_assert_uint_eq(fetch(p, 0x4400, _i), 127);
    ck_assert_uint_eq(fetch(p, 0x4010, _i), 3);  /* kept */
    ck_assert_uint_eq(fetch(p, 0x4200, _i), 13); /* evicted: L2 */
    ck_assert_uint_eq(cache_get_stats(l1i)->hits, 4);
    ck_assert_uint_eq(cache_get_stats(l1i)->misses, 4);
    ck_assert_uint_eq(fetch(p, 0x4204, _i), 3); /* MRU hit: memo set */
    memhier_invalidate(h, 0x4200);
    ck_assert_uint_eq(fetch(p, 0x4208, _i), 127); /* gone everywhere */
    ck_assert_uint_eq(cache_get_stats(l1i)->misses, 5);
    memhier_destroy(h);
}
END_TEST

START_TEST(mh_port_and_invalidate)
{
    fake_below f;
    memhier *h = small_hier(&f);
    const mem_port *p = memhier_port(h, 3);
    ck_assert_uint_eq(mem_access(p, 0x7000, 8, MEM_READ, 0), 127);
    ck_assert_uint_eq(mem_access(p, 0x7000, 8, MEM_READ, 0), 3);
    ck_assert_uint_eq(cache_get_stats(memhier_l1d(h, 3))->hits, 1);
    memhier_invalidate(h, 0x7040);
    ck_assert_uint_eq(mem_access(p, 0x7000, 8, MEM_READ, 0), 127);
    ck_assert_uint_eq(memhier_cores(h), 4);
    ck_assert_uint_eq(memhier_line_size(h), 128);
    memhier_destroy(h);
}
END_TEST

START_TEST(mh_stats_names)
{
    fake_below f;
    memhier *h = small_hier(&f);
    stats_reg *r = stats_create();
    ck_assert_int_eq(memhier_register_stats(h, r), 0);
    memhier_access(h, 2, 0x100, 8, MEM_READ, 0); /* module 1, local core 0 */
    memhier_access(h, 3, 0x100, 8, MEM_READ, 0); /* module 1, local core 1 */
    uint64_t v = 99;
    ck_assert_int_eq(stats_get_counter(r, "cache.module1.core0.l1d.misses", &v), 0);
    ck_assert_uint_eq(v, 1);
    ck_assert_int_eq(stats_get_counter(r, "cache.module1.l3.hits", &v), 0);
    ck_assert_uint_eq(v, 1);
    ck_assert_int_eq(stats_get_counter(r, "cache.module0.core1.l2.misses", &v), 0);
    ck_assert_uint_eq(v, 0);
    ck_assert_int_eq(stats_get_counter(r, "cache.module0.core0.l1i.hits", &v), 0);
    ck_assert_int_eq(stats_get_counter(r, "cache.module2.l3.hits", &v), -1);
    stats_destroy(r);
    memhier_destroy(h);
}
END_TEST

START_TEST(mh_defaults_and_errors)
{
    cache_config c;
    sim_err e = {""};
    memhier_below b = {fake_access, NULL, NULL, NULL};
    ck_assert_int_eq(param_defaults(&cache_params, &c, &e), 0);
    ck_assert_uint_eq(c.line_size, 128);
    ck_assert_uint_eq(c.l1d.size, 32 * KB);
    ck_assert_uint_eq(c.l1i.ways, 8);
    ck_assert_uint_eq(c.l2.latency, 13);
    ck_assert_uint_eq(c.l3.size, 10 * MB);
    ck_assert_uint_eq(c.l3.ways, 20);
    ck_assert_uint_eq(c.l3.latency, 27);
    memhier *h = memhier_create(&c, 1, 2, b, &e);
    ck_assert_msg(h != NULL, "%s", e.msg);
    ck_assert_uint_eq(cache_sets(memhier_l2(h, 1)), 512); /* 512K / (8 * 128) */
    memhier_destroy(h);

    cache_config bad = c;
    bad.l2.latency = 2;
    ck_assert_ptr_null(memhier_create(&bad, 1, 1, b, &e));
    ck_assert_msg(strstr(e.msg, "cache.l2.latency: 2 is below cache.l1d.latency 3") == e.msg,
                  "%s", e.msg);
    bad = c;
    bad.line_size = 96;
    ck_assert_ptr_null(memhier_create(&bad, 1, 1, b, &e));
    ck_assert_msg(strstr(e.msg, "cache.line_size: 96") == e.msg, "%s", e.msg);
    bad = c;
    bad.l3.ways = 16; /* 10M / (16 * 128) = 5120 sets */
    ck_assert_ptr_null(memhier_create(&bad, 1, 1, b, &e));
    ck_assert_msg(strstr(e.msg, "cache.l3.size: ") == e.msg, "%s", e.msg);
}
END_TEST

/* The walk port enters at the L2: the L1D is never looked up, filled or
 * counted; an L2 hit costs the L2 latency, a miss the L3 (+ below); a
 * write (R/C update) leaves the L2 line dirty, so it reaches memory when
 * pushed out of L2 and L3. */
START_TEST(mh_walk_port_from_l2)
{
    fake_below f;
    memhier *h = small_hier(&f);
    const mem_port *w = memhier_walk_port(h, 1);
    const cache_stats *l1 = cache_get_stats(memhier_l1d(h, 1));
    const cache_stats *l2 = cache_get_stats(memhier_l2(h, 1));
    /* a PTEG (128 B) nowhere: 27 + 100, filled into L2 and L3 only */
    ck_assert_uint_eq(mem_access(w, 0x4000, 128, MEM_READ, 500), 127);
    ck_assert_int_eq(f.reads, 1);
    ck_assert_uint_eq(f.last_now, 527);
    ck_assert_uint_eq(l1->hits + l1->misses, 0);
    ck_assert(!cache_probe(memhier_l1d(h, 1), 0x4000));
    ck_assert(cache_probe(memhier_l2(h, 1), 0x4000));
    /* again: an L2 hit, still nothing in the L1D */
    ck_assert_uint_eq(mem_access(w, 0x4000, 128, MEM_READ, 600), 13);
    ck_assert_uint_eq(mem_access(w, 0x4008, 8, MEM_WRITE, 600), 13);
    ck_assert_uint_eq(l1->hits + l1->misses, 0);
    ck_assert_uint_eq(l2->hits, 2);
    ck_assert_uint_eq(l2->misses, 1);
    /* the core's ordinary port then misses the L1D and hits the L2 */
    ck_assert_uint_eq(memhier_access(h, 1, 0x4000, 8, MEM_READ, 700), 13);
    ck_assert_uint_eq(l1->misses, 1);
    /* the line written at the L2 is dirty: pushed out of the L2 (set
     * stride 1K, 4 ways) it goes to the L3 and, pushed out of the L3 (set
     * stride 4K, 4 ways), to memory */
    int w0 = f.writes;
    for (uint64_t k = 1; k <= 8; k++)
        mem_access(w, 0x4000 + k * 4 * KB, 8, MEM_READ, 800);
    ck_assert_int_eq(f.writes, w0 + 1);
    ck_assert_uint_eq(f.last_write, 0x4000);
    /* core 1's walk never touched core 0's caches */
    ck_assert_uint_eq(cache_get_stats(memhier_l2(h, 0))->misses, 0);
    memhier_destroy(h);
}
END_TEST

static Suite *cache_suite(void)
{
    Suite *s = suite_create("cache");
    TCase *t = tcase_create("cache");
    tcase_add_test(t, ca_geometry);
    tcase_add_test(t, ca_hits_misses);
    tcase_add_test(t, ca_lru_order);
    tcase_add_test(t, ca_dirty_writeback);
    tcase_add_test(t, ca_invalidate_flush_wbin);
    tcase_add_test(t, ca_generation);
    tcase_add_loop_test(t, ca_matches_reference_across_widening, 0,
                        (int)(sizeof ref_ways / sizeof ref_ways[0]));
    suite_add_tcase(s, t);
    t = tcase_create("memhier");
    tcase_add_test(t, mh_l1_hit_and_miss);
    tcase_add_test(t, mh_l2_hit_after_l1_eviction);
    tcase_add_test(t, mh_l3_shared_per_module);
    tcase_add_test(t, mh_dirty_l3_victim_posted);
    tcase_add_test(t, mh_line_crossing);
    tcase_add_test(t, mh_zero_line_no_fetch);
    tcase_add_test(t, mh_ifetch_vs_data);
    tcase_add_loop_test(t, mh_ifetch_memo, 0, 2);
    tcase_add_test(t, mh_port_and_invalidate);
    tcase_add_test(t, mh_stats_names);
    tcase_add_test(t, mh_defaults_and_errors);
    tcase_add_test(t, mh_walk_port_from_l2);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return tu_run_suite(cache_suite());
}
