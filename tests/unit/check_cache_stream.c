/*
 * check_cache_stream.c - the stream fill (cache_stream_fill, memhier_stream):
 *  - one cache: after a random history, a stream fill of n consecutive
 *    lines leaves exactly the tags, dirty victims and LRU order that
 *    accessing the n lines one by one leaves (3000 random geometries, 400
 *    under ASan; streams shorter and longer than the cache, clean and
 *    dirty); the LRU
 *    order is compared by replaying the same random accesses on both
 *    afterwards (every hit, miss and victim equal);
 *  - the hierarchy: data resident before a stream of S bytes (read and
 *    written) misses on its re-read where accessing the S bytes line by
 *    line makes it miss, for S below, around and above each level's size:
 *    the same reads and writes below, within 1% of the resident lines.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "memctl/cache.h"
#include "memctl/memhier.h"
#include "testutil.h"

#if defined(__SANITIZE_ADDRESS__)
#define ITERS 400 /* random caches under ASan (about 20x slower) */
#else
#define ITERS 3000
#endif
#define KB 1024ull
#define LINE 128ull

/* ---------------------------------------------------------------- one cache */

typedef struct vic {
    uint64_t *v;
    size_t n, cap;
} vic;

static void vic_add(void *ctx, uint64_t line)
{
    vic *x = ctx;
    if (x->n == x->cap) {
        x->cap = x->cap ? 2 * x->cap : 64;
        x->v = realloc(x->v, x->cap * sizeof *x->v);
        ck_assert_ptr_nonnull(x->v);
    }
    x->v[x->n++] = line;
}

static int cmp64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static cache *mk(uint64_t sets, uint64_t ways)
{
    cache_level_config cf = {sets * ways * LINE, ways, 1};
    sim_err e = {""};
    cache *c = cache_create(&cf, LINE, "t", &e);
    ck_assert_msg(c != NULL, "%s", e.msg);
    return c;
}

/* A random access in [base, base + span) lines. */
static void touch(cache *c, rng *r, uint64_t base, uint64_t span, uint64_t *victim)
{
    uint64_t l = base + rng_below(r, span);
    cache_access(c, l * LINE, rng_below(r, 3) == 0, victim);
}

START_TEST(stream_fill_equals_line_by_line)
{
    rng r;
    rng_seed(&r, 77);
    for (int it = 0; it < ITERS; it++) {
        uint64_t sets = 1ull << rng_below(&r, 7), ways = 1 + rng_below(&r, 12);
        uint64_t cap = sets * ways;
        cache *a = mk(sets, ways), *b = mk(sets, ways);
        /* the same history on both: lines around the stream's range */
        uint64_t s0 = 1000 + rng_below(&r, 4 * cap), n = 1 + rng_below(&r, 3 * cap);
        bool dirty = rng_below(&r, 2);
        uint64_t hbase = s0 > 2 * cap ? s0 - 2 * cap : 0, hspan = n + 4 * cap;
        uint64_t seed = rng_next(&r);
        rng h1, h2;
        rng_seed(&h1, seed);
        rng_seed(&h2, seed);
        for (uint64_t i = 0; i < 3 * cap; i++) {
            touch(a, &h1, hbase, hspan, NULL);
            touch(b, &h2, hbase, hspan, NULL);
        }
        /* a: line by line; b: the stream fill */
        vic va = {0}, vb = {0};
        uint64_t wb_a = cache_get_stats(a)->writebacks, wb_b = cache_get_stats(b)->writebacks;
        for (uint64_t l = s0; l < s0 + n; l++) {
            uint64_t v;
            cache_access(a, l * LINE, dirty, &v);
            /* a dirty stream's own lines pushed out again are not reported
             * by the fill (the caller's traffic): leave them out here */
            if (v != CACHE_NO_LINE && !(dirty && v / LINE >= s0 && v / LINE < s0 + n))
                vic_add(&va, v);
        }
        cache_stream_fill(b, s0 * LINE, n, dirty, vic_add, &vb);
        if (dirty) { /* the same exclusion (old dirty lines of the range included) */
            size_t m = 0;
            for (size_t i = 0; i < vb.n; i++)
                if (!(vb.v[i] / LINE >= s0 && vb.v[i] / LINE < s0 + n))
                    vb.v[m++] = vb.v[i];
            vb.n = m;
        }
        for (uint64_t l = hbase; l < hbase + hspan; l++)
            ck_assert_msg(cache_probe(a, l * LINE) == cache_probe(b, l * LINE),
                          "it %d sets %llu ways %llu stream %llu+%llu: line %llu", it,
                          (unsigned long long)sets, (unsigned long long)ways,
                          (unsigned long long)s0, (unsigned long long)n, (unsigned long long)l);
        ck_assert_msg(va.n == vb.n, "it %d sets %llu ways %llu n %llu dirty %d: %zu vs %zu", it, (unsigned long long)sets, (unsigned long long)ways, (unsigned long long)n, dirty, va.n, vb.n);
        if (va.n) { /* (qsort of NULL, 0 is undefined) */
            qsort(va.v, va.n, sizeof *va.v, cmp64);
            qsort(vb.v, vb.n, sizeof *vb.v, cmp64);
        }
        for (size_t i = 0; i < va.n; i++)
            ck_assert_uint_eq(va.v[i], vb.v[i]);
        if (!dirty)
            ck_assert_uint_eq(cache_get_stats(a)->writebacks - wb_a,
                              cache_get_stats(b)->writebacks - wb_b);
        /* the recency order and dirty bits: the same accesses afterwards
         * hit, miss and write back alike */
        rng_seed(&h1, seed + 1);
        rng_seed(&h2, seed + 1);
        for (uint64_t i = 0; i < 2 * cap; i++) {
            uint64_t v1, v2;
            uint64_t h1a = cache_get_stats(a)->hits, h2b = cache_get_stats(b)->hits;
            touch(a, &h1, hbase, hspan, &v1);
            touch(b, &h2, hbase, hspan, &v2);
            ck_assert_uint_eq(cache_get_stats(a)->hits - h1a, cache_get_stats(b)->hits - h2b);
            ck_assert_uint_eq(v1, v2);
        }
        free(va.v);
        free(vb.v);
        cache_destroy(a);
        cache_destroy(b);
    }
}
END_TEST

/* ---------------------------------------------------------------- hierarchy */

typedef struct below {
    uint64_t reads, writes, first_write, last_write;
} below;

static uint64_t below_access(void *ctx, uint64_t line, bool write, uint64_t now)
{
    below *b = ctx;
    (void)line;
    if (write) {
        if (!b->writes)
            b->first_write = now;
        b->last_write = now;
        b->writes++;
    } else {
        b->reads++;
    }
    return 100;
}

/* L1D 4K 4-way, L2 16K 8-way, L3 64K 8-way; 1 module x 2 cores. */
static memhier *hier(below *b)
{
    cache_config c = {LINE, {4 * KB, 4, 3}, {4 * KB, 4, 3}, {16 * KB, 8, 13},
                      {64 * KB, 8, 27}, CACHE_COH_NONE, 0, 0};
    sim_err e = {""};
    memset(b, 0, sizeof *b);
    memhier *h = memhier_create(&c, 1, 2, (memhier_below){.access = below_access, .ctx = b}, &e);
    ck_assert_msg(h != NULL, "%s", e.msg);
    return h;
}

#define RES (0x100000ull)  /* resident data: 32K (256 lines), every 3rd line written */
#define RES_LINES 256ull
#define SCAN (0x400000ull) /* the stream */

/* Reads and writes below caused by the re-read of the resident data after
 * a stream of `bytes` (line by line, or by memhier_stream). */
static void resident_after(uint64_t bytes, bool by_stream, mem_kind kind, below *out)
{
    below b;
    memhier *h = hier(&b);
    for (uint64_t i = 0; i < RES_LINES; i++)
        memhier_access(h, 0, RES + i * LINE, 8, i % 3 ? MEM_READ : MEM_WRITE, 0);
    /* the other core's line in the shared L3 */
    memhier_access(h, 1, RES + RES_LINES * LINE, 8, MEM_READ, 0);
    if (by_stream)
        memhier_stream(h, 0, SCAN, bytes, kind, 1000, 5000);
    else
        for (uint64_t a = SCAN; a < SCAN + bytes; a += LINE)
            memhier_access(h, 0, a, LINE, kind, 1000);
    below before = b;
    for (uint64_t i = 0; i <= RES_LINES; i++)
        memhier_access(h, 0, RES + i * LINE, 8, MEM_READ, 10000);
    out->reads = b.reads - before.reads;                 /* resident lines that missed */
    out->writes = before.writes;                          /* dirty lines the stream pushed out */
    out->first_write = before.first_write;
    out->last_write = before.last_write;
    memhier_destroy(h);
}

START_TEST(resident_data_misses_as_after_a_full_stream)
{
    /* below, around and above L2 (16K) and L3 (64K) */
    static const uint64_t sizes[] = {8 * KB, 16 * KB, 24 * KB, 48 * KB, 56 * KB, 64 * KB,
                                     96 * KB, 1024 * KB};
    const uint64_t tol = RES_LINES / 100 + 1; /* 1% of the resident lines */
    for (int k = 0; k < 2; k++) {
        mem_kind kind = k ? MEM_ZERO : MEM_READ;
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            below full, st;
            resident_after(sizes[i], false, kind, &full);
            resident_after(sizes[i], true, kind, &st);
            uint64_t dr = full.reads > st.reads ? full.reads - st.reads : st.reads - full.reads;
            ck_assert_msg(dr <= tol, "kind %d, %llu bytes: re-read misses full %llu, stream %llu",
                          k, (unsigned long long)sizes[i], (unsigned long long)full.reads,
                          (unsigned long long)st.reads);
            if (kind == MEM_READ) {
                uint64_t dw = full.writes > st.writes ? full.writes - st.writes
                                                      : st.writes - full.writes;
                ck_assert_msg(dw <= tol, "%llu bytes: write-backs full %llu, stream %llu",
                              (unsigned long long)sizes[i], (unsigned long long)full.writes,
                              (unsigned long long)st.writes);
            }
            /* the stream's write-backs go below within its span */
            if (st.writes)
                ck_assert(st.first_write >= 1000 && st.last_write < 6000);
        }
    }
    /* the test can fail: a stream twice the L3 makes every resident line
     * miss (all of them, the other core's included), one within L2 none */
    below big, small;
    resident_after(128 * KB, true, MEM_READ, &big);
    resident_after(8 * KB, true, MEM_READ, &small);
    ck_assert_uint_eq(big.reads, RES_LINES + 1);
    ck_assert_uint_eq(big.writes, (RES_LINES + 2) / 3);
    ck_assert_uint_eq(small.reads, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cache_stream");
    TCase *t = tcase_create("stream");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, stream_fill_equals_line_by_line);
    tcase_add_test(t, resident_data_misses_as_after_a_full_stream);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
