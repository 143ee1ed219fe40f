/*
 * check_tlb.c - unit tests of sim/tlb: geometry, hit/miss, LRU/FIFO victim
 * order, (lpid, page size) tagging, LPAR-scoped tlbie, local tlbiel, flush
 * thresholds, per-LPAR tlbie lock queueing and the declared parameters.
 * Expected cycle counts are computed by hand from the defaults:
 * tlbie first page 2660, extra page 1672, tlbiel page 266, flush 2660.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlb/tlb.h"
#include "testutil.h"

static tlb_config defaults(void)
{
    tlb_config c;
    sim_err e;
    ck_assert_int_eq(param_defaults(&tlb_param_table, &c, &e), 0);
    return c;
}

/* 16 entries, 4 ways -> 4 sets; vpns 0, 4, 8, 12, 16 ... share set 0 */
static tlb *small_tlb(unsigned repl)
{
    tlb_config c = defaults();
    c.entries = 16;
    c.ways = 4;
    c.replacement = repl;
    sim_err e;
    tlb *t = tlb_create(&c, &e);
    ck_assert_ptr_nonnull(t);
    return t;
}

START_TEST(param_defaults_sane)
{
    tlb_config c = defaults();
    ck_assert_uint_eq(c.entries, 1024);
    ck_assert_uint_eq(c.ways, 4);
    ck_assert_uint_eq(c.replacement, TLB_REPL_LRU);
    /* 0.7 us, 0.44 us, 0.07 us at 3.8 GHz */
    ck_assert_uint_eq(c.tlbie_fixed_cycles, 2660);
    ck_assert_uint_eq(c.tlbie_page_cycles, 1672);
    ck_assert_uint_eq(c.tlbiel_page_cycles, 266);
    ck_assert_uint_eq(c.tlbie_flush_threshold, 33);
    ck_assert_uint_eq(c.tlbiel_flush_threshold, 256);
    ck_assert_uint_eq(c.tlbie_flush_cycles, 2660);
    for (size_t i = 0; i < tlb_param_table.n; i++) {
        ck_assert_ptr_nonnull(tlb_param_table.p[i].desc);
        ck_assert_uint_gt(strlen(tlb_param_table.p[i].desc), 20);
    }
    ck_assert_str_eq(tlb_param_table.name, "tlb");
    ck_assert_uint_eq(tlb_param_table.size, sizeof(tlb_config));
}
END_TEST

START_TEST(geometry)
{
    tlb_config c = defaults();
    sim_err e;
    tlb *t = tlb_create(&c, &e);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(tlb_sets(t), 256); /* POWER9 hash: 256 sets x 4 */
    tlb_destroy(t);
    tlb_destroy(NULL);
    c.entries = 1000; /* 250 sets */
    ck_assert_ptr_null(tlb_create(&c, &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "power of two"));
    c.entries = 10; /* not a multiple of 4 */
    ck_assert_ptr_null(tlb_create(&c, &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "multiple"));
    c.entries = 2048;
    c.ways = 8;
    t = tlb_create(&c, &e);
    ck_assert_uint_eq(tlb_sets(t), 256);
    tlb_destroy(t);
    /* D7: the messages name the key (the machine locates it in the config) */
    c.entries = 1000;
    c.ways = 4;
    ck_assert_int_eq(tlb_config_check(&c, &e), -1);
    ck_assert_str_eq(e.msg, "tlb.entries: 1000 entries / 4 ways = 250 sets; expected a "
                            "number of sets that is a power of two, e.g. entries 512");
    c.entries = 1024;
    c.ways = 3;
    ck_assert_int_eq(tlb_config_check(&c, &e), -1);
    ck_assert_str_eq(e.msg, "tlb.entries: 1024 is not a multiple of tlb.ways 3; expected "
                            "entries = ways x a power-of-two number of sets");
    c.ways = 0; /* a config filled by code is held to the declared ranges too */
    ck_assert_int_eq(tlb_config_check(&c, &e), -1);
    ck_assert_str_eq(e.msg, "tlb.ways: value 0 out of range; expected an integer in [1, 64]");
}
END_TEST

/* D4 (memory): a TLB takes no entry memory until its first insert, so the
 * idle threads of a 32768-thread machine cost nothing; flushes and
 * invalidations of an empty TLB work. */
START_TEST(entries_allocated_on_first_insert)
{
    tlb *t = small_tlb(TLB_REPL_LRU);
    size_t n = 99;
    ck_assert_ptr_null(tlb_entries(t, &n));
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(tlb_lookup(t, 1, 0x1234, 0));
    ck_assert(!tlb_inval_va(t, 1, 0x1234, 0));
    ck_assert_uint_eq(tlb_inval_lpid(t, 1), 0);
    ck_assert_uint_eq(tlb_flush(t), 0);
    ck_assert_ptr_null(tlb_entries(t, &n));
    ck_assert(!tlb_insert(t, 1, 0x1234, 0, 0xabc, 3));
    ck_assert_ptr_nonnull(tlb_entries(t, &n));
    ck_assert_uint_eq(n, 16);
    ck_assert_uint_eq(tlb_lookup(t, 1, 0x1234, 0)->rpn, 0xabc);
    ck_assert_uint_eq(tlb_get_stats(t)->misses, 1);
    tlb_destroy(t);
}
END_TEST

/* A miss is a lookup without a translation allowing the access (tlb.h):
 * an entry lacking a needed protection bit is a miss, counted once, and
 * the caller walks; with the bit it is a hit. (D19: a store through an
 * entry loaded while C = 0 walked but was counted as a hit.) */
START_TEST(miss_means_no_usable_translation)
{
    enum { R = 1, W = 2 };
    tlb *t = small_tlb(TLB_REPL_LRU);
    tlb_insert(t, 1, 0x40, 0, 0x111, R);
    ck_assert_ptr_nonnull(tlb_lookup_access(t, 1, 0x40, 0, R)); /* load: hit */
    ck_assert_ptr_null(tlb_lookup_access(t, 1, 0x40, 0, W));    /* store: miss */
    ck_assert_ptr_null(tlb_lookup_access(t, 1, 0x80, 0, 0));    /* no entry: miss */
    ck_assert_uint_eq(tlb_get_stats(t)->hits, 1);
    ck_assert_uint_eq(tlb_get_stats(t)->misses, 2);
    tlb_insert(t, 1, 0x40, 0, 0x111, R | W);                    /* the walk's refill */
    const tlb_entry *x = tlb_lookup_access(t, 1, 0x40, 0, W);
    ck_assert_ptr_nonnull(x);
    tlb_note_hit(t, x);                                         /* a lookaside hit */
    ck_assert_ptr_nonnull(tlb_lookup(t, 1, 0x40, 0));           /* any entry will do */
    ck_assert_uint_eq(tlb_get_stats(t)->hits, 4);
    ck_assert_uint_eq(tlb_get_stats(t)->misses, 2);
    tlb_destroy(t);
}
END_TEST

START_TEST(hit_miss_stats)
{
    tlb *t = small_tlb(TLB_REPL_LRU);
    ck_assert_ptr_null(tlb_lookup(t, 1, 0x1234, 0));
    ck_assert(!tlb_insert(t, 1, 0x1234, 0, 0xabc, 3));
    const tlb_entry *x = tlb_lookup(t, 1, 0x1234, 0);
    ck_assert_ptr_nonnull(x);
    ck_assert_uint_eq(x->rpn, 0xabc);
    ck_assert_uint_eq(x->prot, 3);
    ck_assert_uint_eq(tlb_entry_lpid(x), 1);
    ck_assert_uint_eq(tlb_entry_psize(x), 0);
    /* re-insert refreshes in place */
    ck_assert(!tlb_insert(t, 1, 0x1234, 0, 0xdef, 1));
    ck_assert_uint_eq(tlb_lookup(t, 1, 0x1234, 0)->rpn, 0xdef);
    tlb_lookup(t, 1, 0x1234, 0);
    const tlb_stats *s = tlb_get_stats(t);
    ck_assert_uint_eq(s->hits, 3);
    ck_assert_uint_eq(s->misses, 1);
    ck_assert_uint_eq(s->inserts, 2);
    ck_assert_uint_eq(s->evictions, 0);
    /* derived hit rate 3 / 4 */
    const stat_desc *hr = NULL;
    for (size_t i = 0; i < tlb_stat_table.n; i++)
        if (!strcmp(tlb_stat_table.s[i].name, "hit_rate"))
            hr = &tlb_stat_table.s[i];
    ck_assert_ptr_nonnull(hr);
    ck_assert_double_eq_tol(hr->derive(s), 0.75, 1e-12);
    tlb_destroy(t);
}
END_TEST

START_TEST(lru_order)
{
    tlb *t = small_tlb(TLB_REPL_LRU);
    for (uint64_t v = 0; v < 16; v += 4)
        ck_assert(!tlb_insert(t, 1, v, 0, v, 0));
    /* a different set is untouched by what follows */
    tlb_insert(t, 1, 1, 0, 1, 0);
    /* use order now 0,4,8,12; touching 0 makes 4 the LRU */
    ck_assert_ptr_nonnull(tlb_lookup(t, 1, 0, 0));
    ck_assert(tlb_insert(t, 1, 16, 0, 16, 0));
    ck_assert_ptr_null(tlb_lookup(t, 1, 4, 0));
    /* order: 8,12,0,16 ; touch 8 -> LRU is 12 */
    ck_assert_ptr_nonnull(tlb_lookup(t, 1, 8, 0));
    ck_assert(tlb_insert(t, 1, 20, 0, 20, 0));
    ck_assert_ptr_null(tlb_lookup(t, 1, 12, 0));
    /* order: 0,16,8,20 -> next victim 0 */
    ck_assert(tlb_insert(t, 1, 24, 0, 24, 0));
    ck_assert_ptr_null(tlb_lookup(t, 1, 0, 0));
    ck_assert_ptr_nonnull(tlb_lookup(t, 1, 16, 0));
    ck_assert_ptr_nonnull(tlb_lookup(t, 1, 8, 0));
    ck_assert_ptr_nonnull(tlb_lookup(t, 1, 20, 0));
    ck_assert_ptr_nonnull(tlb_lookup(t, 1, 24, 0));
    ck_assert_ptr_nonnull(tlb_lookup(t, 1, 1, 0));
    ck_assert_uint_eq(tlb_get_stats(t)->evictions, 3);
    /* an invalidated way is refilled before anything is evicted */
    ck_assert(tlb_inval_va(t, 1, 8, 0));
    ck_assert(!tlb_insert(t, 1, 28, 0, 28, 0));
    ck_assert_ptr_nonnull(tlb_lookup(t, 1, 16, 0));
    tlb_destroy(t);
}
END_TEST

START_TEST(fifo_order)
{
    tlb *t = small_tlb(TLB_REPL_FIFO);
    for (uint64_t v = 0; v < 16; v += 4)
        tlb_insert(t, 1, v, 0, v, 0);
    /* hits do not matter for FIFO: 0 is still the oldest */
    ck_assert_ptr_nonnull(tlb_lookup(t, 1, 0, 0));
    ck_assert(tlb_insert(t, 1, 16, 0, 16, 0));
    ck_assert_ptr_null(tlb_lookup(t, 1, 0, 0));
    ck_assert_ptr_nonnull(tlb_lookup(t, 1, 4, 0));
    tlb_destroy(t);
}
END_TEST

START_TEST(tags_lpar_psize)
{
    tlb *t = small_tlb(TLB_REPL_LRU);
    tlb_insert(t, 1, 0x40, 0, 0x111, 0);
    tlb_insert(t, 2, 0x40, 0, 0x222, 0);
    tlb_insert(t, 1, 0x40, 1, 0x333, 0);
    ck_assert_uint_eq(tlb_lookup(t, 1, 0x40, 0)->rpn, 0x111);
    ck_assert_uint_eq(tlb_lookup(t, 2, 0x40, 0)->rpn, 0x222);
    ck_assert_uint_eq(tlb_lookup(t, 1, 0x40, 1)->rpn, 0x333);
    ck_assert_ptr_null(tlb_lookup(t, 3, 0x40, 0));
    ck_assert_ptr_null(tlb_lookup(t, 2, 0x40, 1));
    ck_assert_ptr_null(tlb_lookup(t, 1, 0x40, 2));
    /* invalidating LPAR 1's 4K entry leaves the other two */
    ck_assert(tlb_inval_va(t, 1, 0x40, 0));
    ck_assert(!tlb_inval_va(t, 1, 0x40, 0));
    ck_assert_ptr_null(tlb_lookup(t, 1, 0x40, 0));
    ck_assert_ptr_nonnull(tlb_lookup(t, 2, 0x40, 0));
    ck_assert_ptr_nonnull(tlb_lookup(t, 1, 0x40, 1));
    /* LPAR flush: only LPAR 1 */
    tlb_insert(t, 1, 0x7, 0, 0x7, 0);
    ck_assert_uint_eq(tlb_inval_lpid(t, 1), 2);
    ck_assert_ptr_nonnull(tlb_lookup(t, 2, 0x40, 0));
    ck_assert_uint_eq(tlb_flush(t), 1);
    ck_assert_ptr_null(tlb_lookup(t, 2, 0x40, 0));
    const tlb_stats *s = tlb_get_stats(t);
    ck_assert_uint_eq(s->invalidations, 1);
    ck_assert_uint_eq(s->flushes, 2);
    ck_assert_uint_eq(s->flushed_entries, 3);
    tlb_destroy(t);
}
END_TEST

/* ---- tlbie / tlbiel ----------------------------------------------------- */

typedef struct fx {
    tlb *t[3];
    tlbie_fabric *f;
} fx;

static fx make_fx(void)
{
    fx x;
    tlb_config c = defaults();
    sim_err e;
    for (int i = 0; i < 3; i++) {
        x.t[i] = tlb_create(&c, &e);
        /* every thread caches vpn 0x100 and 0x200 of LPARs 1 and 2 */
        for (uint32_t l = 1; l <= 2; l++) {
            tlb_insert(x.t[i], l, 0x100, 0, 0x100 + l, 0);
            tlb_insert(x.t[i], l, 0x200, 0, 0x200 + l, 0);
        }
    }
    x.f = tlbie_fabric_create(&c, 4, &e);
    ck_assert_ptr_nonnull(x.f);
    return x;
}

static void free_fx(fx *x)
{
    for (int i = 0; i < 3; i++)
        tlb_destroy(x->t[i]);
    tlbie_fabric_destroy(x->f);
}

START_TEST(tlbie_scoped_all_tlbs)
{
    fx x = make_fx();
    uint64_t vpn[1] = {0x100};
    uint8_t ps[1] = {0};
    tlbie_cost c;
    ck_assert_uint_eq(tlbie_global(x.f, x.t, 3, 1, vpn, ps, 1, 500, &c), 2660);
    ck_assert_uint_eq(c.total, 2660);
    ck_assert_uint_eq(c.work, 2660);
    ck_assert_uint_eq(c.queueing, 0);
    for (int i = 0; i < 3; i++) {
        ck_assert_ptr_null(tlb_lookup(x.t[i], 1, 0x100, 0));
        ck_assert_ptr_nonnull(tlb_lookup(x.t[i], 2, 0x100, 0)); /* other LPAR stays */
        ck_assert_ptr_nonnull(tlb_lookup(x.t[i], 1, 0x200, 0)); /* other page stays */
    }
    const tlbie_stats *s = tlbie_get_stats(x.f);
    ck_assert_uint_eq(s->tlbies, 1);
    ck_assert_uint_eq(s->pages, 1);
    ck_assert_uint_eq(s->dropped, 3);
    ck_assert_uint_eq(s->flushes, 0);
    free_fx(&x);
}
END_TEST

START_TEST(tlbie_costs_and_threshold)
{
    fx x = make_fx();
    uint64_t vpn[40];
    uint8_t ps[40] = {0};
    for (int i = 0; i < 40; i++)
        vpn[i] = 0x1000 + (uint64_t)i; /* none cached: only the cost matters */
    /* 33 pages: 2660 + 32 * 1672 = 56164, still page by page */
    ck_assert_uint_eq(tlbie_global(x.f, x.t, 3, 1, vpn, ps, 33, 0, NULL), 56164);
    ck_assert_ptr_nonnull(tlb_lookup(x.t[0], 1, 0x100, 0));
    /* 34 pages: flush LPAR 1 everywhere for 2660; LPAR 2 untouched */
    tlbie_cost c;
    tlbie_global(x.f, x.t, 3, 1, vpn, ps, 34, 1000000, &c);
    ck_assert_uint_eq(c.work, 2660);
    for (int i = 0; i < 3; i++) {
        ck_assert_ptr_null(tlb_lookup(x.t[i], 1, 0x100, 0));
        ck_assert_ptr_null(tlb_lookup(x.t[i], 1, 0x200, 0));
        ck_assert_ptr_nonnull(tlb_lookup(x.t[i], 2, 0x200, 0));
    }
    ck_assert_uint_eq(tlbie_get_stats(x.f)->flushes, 1);
    ck_assert_uint_eq(tlbie_get_stats(x.f)->pages, 67);
    ck_assert_uint_eq(tlbie_get_stats(x.f)->dropped, 6);
    ck_assert_uint_eq(tlbie_global_work(tlb_get_config(x.t[0]), 2), 4332);
    ck_assert_uint_eq(tlbie_global(x.f, x.t, 3, 1, vpn, ps, 0, 5, &c), 0);
    /* explicit LPAR flush of LPAR 2 */
    ck_assert_uint_eq(tlbie_global_flush(x.f, x.t, 3, 2, 2000000, &c), 2660);
    ck_assert_ptr_null(tlb_lookup(x.t[1], 2, 0x200, 0));
    free_fx(&x);
}
END_TEST

START_TEST(tlbie_lock_per_lpar)
{
    fx x = make_fx();
    uint64_t vpn[2] = {0x100, 0x200};
    uint8_t ps[2] = {0, 0};
    tlbie_cost a, b, c;
    /* LPAR 1 at t=1000 holds its lock 1000..3660; a second LPAR 1 tlbie of
     * 2 pages at t=1000 waits 2660, then works 2660+1672 = 4332 -> 6992 */
    tlbie_global(x.f, x.t, 3, 1, vpn, ps, 1, 1000, &a);
    ck_assert_uint_eq(tlbie_global(x.f, x.t, 3, 1, vpn, ps, 2, 1000, &b), 6992);
    ck_assert_uint_eq(a.queueing, 0);
    ck_assert_uint_eq(b.queueing, 2660);
    ck_assert_uint_eq(b.work, 4332);
    /* LPAR 2 at the same time: its own lock, no wait */
    tlbie_global(x.f, x.t, 3, 2, vpn, ps, 1, 1000, &c);
    ck_assert_uint_eq(c.queueing, 0);
    /* LPAR 1 again at t=5000: lock busy until 1000+2660+4332 = 7992 -> waits 2992 */
    tlbie_global(x.f, x.t, 3, 1, vpn, ps, 1, 5000, &c);
    ck_assert_uint_eq(c.queueing, 2992);
    const tlbie_stats *s = tlbie_get_stats(x.f);
    ck_assert_uint_eq(s->tlbies, 4);
    ck_assert_uint_eq(s->lock_waits, 2);
    ck_assert_uint_eq(s->wait_cycles, 2660 + 2992);
    ck_assert_uint_eq(s->busy_cycles, 2660 + 4332 + 2660 + 2660);
    free_fx(&x);
}
END_TEST

START_TEST(tlbiel_local_only)
{
    fx x = make_fx();
    uint64_t vpn[3] = {0x100, 0x200, 0x300};
    uint8_t ps[3] = {0, 0, 0};
    /* 3 pages * 266 = 798, only in TLB 1, only LPAR 1 */
    ck_assert_uint_eq(tlbiel_local(x.t[1], 1, vpn, ps, 3, 0), 798);
    ck_assert_ptr_null(tlb_lookup(x.t[1], 1, 0x100, 0));
    ck_assert_ptr_null(tlb_lookup(x.t[1], 1, 0x200, 0));
    ck_assert_ptr_nonnull(tlb_lookup(x.t[1], 2, 0x100, 0));
    ck_assert_ptr_nonnull(tlb_lookup(x.t[0], 1, 0x100, 0));
    ck_assert_ptr_nonnull(tlb_lookup(x.t[2], 1, 0x200, 0));
    ck_assert_uint_eq(tlb_get_stats(x.t[1])->invalidations, 2);
    /* above 256 pages: LPAR flush of this TLB at 256 sets * 266 = 68096 */
    uint64_t *many = calloc(257, sizeof *many);
    uint8_t *mps = calloc(257, 1);
    for (int i = 0; i < 257; i++)
        many[i] = 0x5000 + (uint64_t)i;
    ck_assert_uint_eq(tlbiel_local(x.t[0], 2, many, mps, 257, 0), 68096);
    ck_assert_ptr_null(tlb_lookup(x.t[0], 2, 0x200, 0));
    ck_assert_ptr_nonnull(tlb_lookup(x.t[0], 1, 0x200, 0));
    ck_assert_ptr_nonnull(tlb_lookup(x.t[2], 2, 0x200, 0));
    ck_assert_uint_eq(tlb_get_stats(x.t[0])->flushes, 1);
    /* exactly 256 pages is still page by page: 256 * 266 = 68096 too */
    ck_assert_uint_eq(tlbiel_local(x.t[2], 2, many, mps, 256, 0), 68096);
    ck_assert_ptr_nonnull(tlb_lookup(x.t[2], 2, 0x200, 0));
    free(many);
    free(mps);
    free_fx(&x);
}
END_TEST

START_TEST(fabric_errors)
{
    tlb_config c = defaults();
    sim_err e;
    ck_assert_ptr_null(tlbie_fabric_create(&c, 0, &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "LPARs"));
    tlbie_fabric_destroy(NULL);
}
END_TEST

/* An LPAR created after the fabric was sized gets its own lock: a flush of
 * lpid 5 on a fabric made for 2 costs the flush, and a second one at the
 * same cycle waits for the first (its lock), not for lpid 0's. */
START_TEST(fabric_reserve_grows)
{
    tlb_config c = defaults();
    sim_err e;
    tlbie_fabric *f = tlbie_fabric_create(&c, 2, &e);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(tlbie_fabric_reserve(f, 6, &e), 0);
    ck_assert_int_eq(tlbie_fabric_reserve(f, 3, &e), 0); /* never shrinks */
    uint64_t a = tlbie_global_flush(f, NULL, 0, 5, 100, NULL);
    uint64_t b = tlbie_global_flush(f, NULL, 0, 5, 100, NULL);
    uint64_t z = tlbie_global_flush(f, NULL, 0, 0, 100, NULL);
    ck_assert_uint_eq(a, c.tlbie_flush_cycles);
    ck_assert_uint_eq(b, 2 * c.tlbie_flush_cycles);
    ck_assert_uint_eq(z, c.tlbie_flush_cycles);
    ck_assert_int_eq(tlbie_fabric_reserve(f, TLB_MAX_LPID + 2, &e), -1);
    tlbie_fabric_destroy(f);
}
END_TEST

static Suite *tlb_suite(void)
{
    Suite *s = suite_create("tlb");
    TCase *tc = tcase_create("tlb");
    tcase_add_test(tc, param_defaults_sane);
    tcase_add_test(tc, geometry);
    tcase_add_test(tc, entries_allocated_on_first_insert);
    tcase_add_test(tc, hit_miss_stats);
    tcase_add_test(tc, miss_means_no_usable_translation);
    tcase_add_test(tc, lru_order);
    tcase_add_test(tc, fifo_order);
    tcase_add_test(tc, tags_lpar_psize);
    suite_add_tcase(s, tc);
    tc = tcase_create("invalidation");
    tcase_add_test(tc, tlbie_scoped_all_tlbs);
    tcase_add_test(tc, tlbie_costs_and_threshold);
    tcase_add_test(tc, tlbie_lock_per_lpar);
    tcase_add_test(tc, tlbiel_local_only);
    tcase_add_test(tc, fabric_errors);
    tcase_add_test(tc, fabric_reserve_grows);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(tlb_suite());
}
