/*
 * check_mesi.c - cache.coherence: mesi in the cache hierarchy (memhier,
 * memhier_coh): a ping-pong on one line costs one intervention per transfer
 * (on the module and across modules, cycles from the config), a line only
 * read by every core costs no intervention and the latencies of none, a
 * read of a line another core holds alone downgrades it, a dcbz of a shared
 * line waits for the invalidation, and none keeps no coherence at all.
 * Every expected figure is computed from the config built here.
 */
#include <check.h>
#include <string.h>

#include "memctl/cache.h"
#include "memctl/memhier.h"
#include "testutil.h"

#define KB 1024ull
#define MEM_LAT 100u /* the fake memory below: every read fill */
#define X 0x40000ull /* the line of the tests */

typedef struct fake_below {
    unsigned reads, writes;
} fake_below;

static uint64_t fake_access(void *ctx, uint64_t line, bool write, uint64_t now)
{
    (void)line;
    (void)now;
    fake_below *f = ctx;
    if (write)
        f->writes++;
    else
        f->reads++;
    return MEM_LAT;
}

/* 2 modules x 2 cores: L1 1K 2-way, L2 4K 4-way, L3 16K 4-way, latencies
 * 3/13/27, transfers 50 on a module and 120 across. */
static cache_config cfg(unsigned coherence)
{
    cache_config c = {128, {1 * KB, 2, 3}, {1 * KB, 2, 3}, {4 * KB, 4, 13}, {16 * KB, 4, 27},
                      coherence, 50, 120};
    return c;
}

static memhier *hier(const cache_config *c, fake_below *f)
{
    memhier_below b = {.access = fake_access, .ctx = f};
    sim_err e = {""};
    memset(f, 0, sizeof *f);
    memhier *h = memhier_create(c, 2, 2, b, &e);
    ck_assert_msg(h != NULL, "%s", e.msg);
    return h;
}

static uint64_t rd(memhier *h, unsigned core, uint64_t a)
{
    return memhier_access(h, core, a, 8, MEM_READ, 0);
}

static uint64_t wr(memhier *h, unsigned core, uint64_t a)
{
    return memhier_access(h, core, a, 8, MEM_WRITE, 0);
}

/* Cores a and b take turns: store, then the other loads and stores. Every
 * transfer is one intervention (the reader's miss served by the writer's
 * dirty line: owner's L2 latency + transfer) and one upgrade (the reader's
 * store to its now shared line: L1 latency + transfer). */
static void ping_pong(unsigned a, unsigned b, bool off)
{
    cache_config c = cfg(CACHE_COH_MESI);
    fake_below f;
    memhier *h = hier(&c, &f);
    uint64_t xfer = off ? c.coherence_offchip : c.coherence_onchip;
    const unsigned rounds = 10;
    ck_assert_uint_eq(wr(h, a, X), c.l3.latency + MEM_LAT); /* the first owner */
    unsigned cur = a, other = b;
    for (unsigned i = 0; i < rounds; i++) {
        ck_assert_uint_eq(rd(h, other, X), c.l2.latency + xfer);
        ck_assert_uint_eq(wr(h, other, X), c.l1d.latency + xfer);
        ck_assert_uint_eq(rd(h, other, X), c.l1d.latency); /* its own now */
        unsigned t = cur;
        cur = other;
        other = t;
    }
    const memhier_coh_stats *s = memhier_coh_get_stats(h);
    ck_assert_uint_eq(off ? s->interventions_offchip : s->interventions_onchip, rounds);
    ck_assert_uint_eq(off ? s->interventions_onchip : s->interventions_offchip, 0);
    ck_assert_uint_eq(s->intervention_cycles, rounds * (c.l2.latency + xfer));
    ck_assert_uint_eq(s->upgrades, rounds);
    ck_assert_uint_eq(s->invalidation_waits, rounds);
    ck_assert_uint_eq(s->invalidation_cycles, rounds * xfer);
    /* each upgrade drops the previous owner's copy; across modules also the
     * copy its module's L3 took when that owner missed */
    ck_assert_uint_eq(s->invalidations, rounds * (off ? 2u : 1u));
    ck_assert_uint_eq(f.reads, 1); /* memory read once: every transfer was cache to cache */
    memhier_destroy(h);
}

START_TEST(ping_pong_onchip) { ping_pong(0, 1, false); }
END_TEST

START_TEST(ping_pong_offchip) { ping_pong(1, 2, true); }
END_TEST

/* A line that every core only reads: no intervention, no invalidation, and
 * each access costs what it costs without coherence. */
START_TEST(read_only_line_no_intervention)
{
    cache_config cn = cfg(CACHE_COH_NONE), cm = cfg(CACHE_COH_MESI);
    fake_below fn, fm;
    memhier *hn = hier(&cn, &fn), *hm = hier(&cm, &fm);
    for (unsigned i = 0; i < 5; i++)
        for (unsigned core = 0; core < 4; core++)
            for (uint64_t a = X; a < X + 4 * 128; a += 40)
                ck_assert_uint_eq(rd(hm, core, a), rd(hn, core, a));
    const memhier_coh_stats *s = memhier_coh_get_stats(hm);
    ck_assert_uint_eq(s->interventions_onchip + s->interventions_offchip, 0);
    ck_assert_uint_eq(s->invalidations + s->upgrades + s->invalidation_waits, 0);
    ck_assert_uint_eq(fm.reads, fn.reads);
    memhier_destroy(hn);
    memhier_destroy(hm);
}
END_TEST

/* A read of a line another core holds alone and clean (E) downgrades it to
 * S without an intervention (the reader's module L3 supplies it); that
 * core's next store then pays an upgrade. */
START_TEST(exclusive_downgraded_by_read)
{
    cache_config c = cfg(CACHE_COH_MESI);
    fake_below f;
    memhier *h = hier(&c, &f);
    ck_assert_uint_eq(rd(h, 0, X), c.l3.latency + MEM_LAT);
    ck_assert_uint_eq(wr(h, 0, X), c.l1d.latency); /* E -> M silently */
    ck_assert_uint_eq(rd(h, 1, X), c.l2.latency + c.coherence_onchip); /* M: intervention */
    ck_assert_uint_eq(rd(h, 2, X + 8192), c.l3.latency + MEM_LAT);   /* E on core 2 */
    ck_assert_uint_eq(rd(h, 3, X + 8192), c.l3.latency);              /* its L3: no intervention */
    const memhier_coh_stats *s = memhier_coh_get_stats(h);
    ck_assert_uint_eq(s->downgrades, 2); /* core 0 (M -> T) and core 2 (E -> S) */
    ck_assert_uint_eq(s->interventions_onchip, 1);
    ck_assert_uint_eq(wr(h, 2, X + 8192), c.l1d.latency + c.coherence_onchip);
    ck_assert_uint_eq(s->upgrades, 1);
    ck_assert_int_eq(cache_state(memhier_l1d(h, 3), X + 8192), -1);
    ck_assert_int_eq(cache_state(memhier_l1d(h, 2), X + 8192), CACHE_DIRTY);
    memhier_destroy(h);
}
END_TEST

/* The owner of a line read by another module keeps it dirty and shared (T):
 * a third reader is served by it again, and memory is never written. */
START_TEST(owner_tagged_after_intervention)
{
    cache_config c = cfg(CACHE_COH_MESI);
    fake_below f;
    memhier *h = hier(&c, &f);
    (void)wr(h, 0, X);
    ck_assert_uint_eq(rd(h, 2, X), c.l2.latency + c.coherence_offchip);
    ck_assert_int_eq(cache_state(memhier_l1d(h, 0), X), CACHE_DIRTY | CACHE_SHARED);
    ck_assert_int_eq(cache_state(memhier_l1d(h, 2), X), CACHE_SHARED);
    ck_assert_uint_eq(rd(h, 3, X), c.l3.latency); /* module 1's L3 took the line */
    ck_assert_uint_eq(rd(h, 1, X), c.l2.latency + c.coherence_onchip);
    ck_assert_uint_eq(f.writes, 0);
    memhier_destroy(h);
}
END_TEST

/* dcbz (MEM_ZERO) of a line other cores hold invalidates them and waits:
 * the L2 latency plus the transfer, across modules here. */
START_TEST(zero_of_shared_line_waits)
{
    cache_config c = cfg(CACHE_COH_MESI);
    fake_below f;
    memhier *h = hier(&c, &f);
    (void)rd(h, 2, X);
    ck_assert_uint_eq(memhier_access(h, 0, X, 128, MEM_ZERO, 0),
                      c.l2.latency + c.coherence_offchip);
    ck_assert_int_eq(cache_state(memhier_l2(h, 2), X), -1);
    ck_assert_int_eq(cache_state(memhier_l3(h, 1), X), -1);
    const memhier_coh_stats *s = memhier_coh_get_stats(h);
    ck_assert_uint_eq(s->invalidations, 2); /* core 2 and module 1's L3 */
    ck_assert_uint_eq(s->invalidation_cycles, c.coherence_offchip);
    ck_assert_uint_eq(memhier_access(h, 1, X + 4096, 128, MEM_ZERO, 0), c.l2.latency);
    memhier_destroy(h);
}
END_TEST

/* none: the ping-pong costs only L1 hits once both cores hold the line, and
 * the counters stay zero. */
START_TEST(none_has_no_coherence)
{
    cache_config c = cfg(CACHE_COH_NONE);
    fake_below f;
    memhier *h = hier(&c, &f);
    (void)wr(h, 0, X);
    (void)rd(h, 1, X);
    for (unsigned i = 0; i < 4; i++) {
        ck_assert_uint_eq(wr(h, i & 1, X), c.l1d.latency);
        ck_assert_uint_eq(rd(h, (i & 1) ^ 1, X), c.l1d.latency);
    }
    const memhier_coh_stats *s = memhier_coh_get_stats(h);
    ck_assert_uint_eq(s->interventions_onchip + s->upgrades + s->invalidations, 0);
    memhier_destroy(h);
}
END_TEST

/* The shared bit in the tags: a write hit clears it, cache_set_shared sets
 * and clears it, the MRU fast path refuses a write to a shared line. */
START_TEST(cache_shared_bit)
{
    cache_level_config cf = {4 * 2 * 128, 2, 3};
    sim_err e = {""};
    cache *c = cache_create(&cf, 128, "cache.l1d", &e);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(cache_set_shared(c, X, true), -1);
    ck_assert_int_eq(cache_access(c, X, false, NULL), 0);
    ck_assert_int_eq(cache_set_shared(c, X, true), 0);
    ck_assert_int_eq(cache_hit_mru(c, X, false), 1);
    ck_assert_int_eq(cache_hit_mru(c, X, true), 0);
    ck_assert_int_eq(cache_state(c, X), CACHE_SHARED);
    ck_assert_int_eq(cache_access(c, X, true, NULL), 1);
    ck_assert_int_eq(cache_state(c, X), CACHE_DIRTY);
    ck_assert_int_eq(cache_set_shared(c, X, true), CACHE_DIRTY);
    uint64_t v = 0;
    (void)cache_access(c, X + 4 * 128, false, &v);
    (void)cache_access(c, X + 8 * 128, false, &v); /* X falls out: dirty and shared */
    ck_assert_uint_eq(v, X);
    ck_assert_uint_eq(cache_victim_state(c), CACHE_DIRTY | CACHE_SHARED);
    cache_destroy(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mesi");
    TCase *t = tcase_create("mesi");
    tcase_add_test(t, ping_pong_onchip);
    tcase_add_test(t, ping_pong_offchip);
    tcase_add_test(t, read_only_line_no_intervention);
    tcase_add_test(t, exclusive_downgraded_by_read);
    tcase_add_test(t, owner_tagged_after_intervention);
    tcase_add_test(t, zero_of_shared_line_waits);
    tcase_add_test(t, none_has_no_coherence);
    tcase_add_test(t, cache_shared_bit);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
