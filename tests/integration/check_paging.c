/*
 * check_paging.c - hypervisor paging of shared-memory LPARs (issue 13,
 * feature `paging`, docs/paging.md) end to end, through lparsim run on
 * small configs and traces this test writes:
 *  - no physical overcommit: no page-in or page-out, every guest fault
 *    pays one reflect, every fault the hypervisor serves is a first touch;
 *  - overcommit: pages go out and come back, frames are conserved
 *    (page-ins + zero fills - page-outs = resident <= pool), every
 *    page-out is a write or a clean drop, the device counts agree, the
 *    auditor checks and finds nothing;
 *  - a dedicated LPAR is not disturbed by the feature;
 *  - determinism, and each policy's own page-in count;
 *  - the injected bugs (skip-writeback, skip-tlbie) are caught;
 *  - the guest's own HPTE evictions of dirty resident pages keep the page
 *    dirty (the C bit harvested at removal);
 *  - shared processors and shared memory: every record replayed once;
 *  - bad configs refused on one line at FILE:LINE.
 * Expected values come from the config or from other figures of the same
 * run.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paging_trace.h"
#include "testutil.h"


/* Stores cycling over `hot` pages interleaved with loads of `cold` pages
 * touched once each (n accesses): the cold pages overflow a small HPT, so
 * the guest evicts HPTEs, among them those of dirty hot pages. */
static void hot_cold_trace(const char *name, unsigned hot, unsigned cold, unsigned n)
{
    char *t = malloc((size_t)n * 24 + 64), *p = t;
    ck_assert_ptr_nonnull(t);
    p += sprintf(p, "#lparsim-trace v1\n");
    for (unsigned i = 0; i < n; i++) {
        uint64_t page = i % 2 ? hot + (i / 2) % cold : (i / 2) % hot;
        p += sprintf(p, "%c 0x%" PRIx64 " 8\n", i % 2 ? 'L' : 'S',
                     0x10000000 + page * 4096 + (i % 512) * 8);
    }
    tu_write_tmp(name, t);
    free(t);
}

/* One LPAR `a` (64M, shared unless mode says otherwise) on thread 0
 * replaying the scratch trace t.txt; paging on with `pool` unless pool is
 * NULL. extra: more lines under hypervisor.paging. Returns its path (static,
 * valid until the next call). */
static const char *one_lpar(const char *name, const char *pool, const char *extra,
                            const char *mode)
{
    char y[2048];
    snprintf(y, sizeof y,
             "machine: {name: pg, seed: 1, modules: 1, cores_per_module: 2, threads_per_core: 2}\n"
             "hypervisor:\n"
             "  lmb_size: 16M\n"
             "%s%s%s%s"
             "lpars:\n"
             "  - name: a\n"
             "    memory: 64M\n"
             "%s"
             "    vcpus: [{thread: 0, trace: %s}]\n",
             pool ? "  paging:\n    enabled: true\n    pool: " : "", pool ? pool : "",
             pool ? "\n" : "", extra ? extra : "", mode ? mode : "    memory_mode: shared\n",
             tu_tmp("t.txt"));
    if (pool)
        strcat(y, "pagedev: {preset: ssd}\n");
    tu_write_tmp(name, y);
    static char path[1024]; /* tu_tmp's buffers rotate */
    snprintf(path, sizeof path, "%s", tu_tmp(name));
    return path;
}

static const char *AUDIT[] = {"hypervisor.paging.audit=true", NULL};

static double g(const char *csv, const char *key) { return tu_csv_get(csv, key); }

START_TEST(no_overcommit_no_paging)
{
    mixed_trace("t.txt", 2048, 256, 20000, 7);
    char *c = tu_run_config_ok(one_lpar("fit.yaml", "16M", NULL, NULL), AUDIT, "fit.csv", false);
    ck_assert_uint_ge(g(c, "paging.pool_frames"), g(c, "paging.resident"));
    ck_assert_uint_eq(g(c, "paging.pool_frames"), 16 << 8); /* 16M / 4K */
    ck_assert_uint_eq(g(c, "paging.page_ins"), 0);
    ck_assert_uint_eq(g(c, "paging.page_outs"), 0);
    ck_assert_uint_eq(g(c, "paging.steals"), 0);
    ck_assert_uint_gt(g(c, "guest.a.page_faults"), 0);
    ck_assert_uint_eq(g(c, "paging.reflects"), g(c, "guest.a.page_faults"));
    ck_assert_uint_eq(g(c, "ops.paging.reflect.count"), g(c, "paging.reflects"));
    /* every fault the hypervisor served (its own or the guest kernel's
     * access) was a first touch: a zero fill */
    double served = g(c, "ops.paging.fault.count");
    ck_assert_uint_gt(served, 0);
    ck_assert_uint_eq(served, g(c, "paging.zero_fills"));
    ck_assert_uint_eq(served, g(c, "paging.faults") + g(c, "paging.touches"));
    ck_assert_uint_eq(g(c, "paging.resident"), g(c, "paging.zero_fills"));
    ck_assert_uint_eq(g(c, "paging.pool_frames") - g(c, "paging.free_frames"),
                      g(c, "paging.resident"));
    ck_assert_uint_eq(g(c, "paging.a.pagedev.reads") + g(c, "paging.a.pagedev.writes"), 0);
    ck_assert_uint_eq(g(c, "paging.audit.violations"), 0);
    ck_assert_uint_gt(g(c, "paging.audit.checks"), 0);
    free(c);
}
END_TEST

START_TEST(overcommit_pages_out_and_in)
{
    mixed_trace("t.txt", 2048, 256, 20000, 7);
    char *c = tu_run_config_ok(one_lpar("oc.yaml", "2M", NULL, NULL), AUDIT, "oc.csv", false);
    double pool = g(c, "paging.pool_frames"), res = g(c, "paging.resident");
    ck_assert_uint_eq(pool, 2 << 8);
    ck_assert_uint_gt(g(c, "paging.page_ins"), 0);
    ck_assert_uint_gt(g(c, "paging.page_outs"), 0);
    ck_assert_uint_eq(g(c, "paging.writes") + g(c, "paging.clean_drops"), g(c, "paging.page_outs"));
    ck_assert_uint_le(g(c, "paging.free_frames_min"), g(c, "paging.free_frames"));
    ck_assert_uint_le(res, pool);
    ck_assert_uint_eq(pool - g(c, "paging.free_frames"), res);
    /* conservation: each page-in or zero fill made a page resident, each
     * page-out took one */
    ck_assert_uint_eq(g(c, "paging.page_ins") + g(c, "paging.zero_fills") - g(c, "paging.page_outs"),
                      res);
    ck_assert_uint_eq(g(c, "paging.a.resident"), res);
    ck_assert_uint_eq(g(c, "paging.a.page_outs"), g(c, "paging.page_outs"));
    /* the served faults: a page-in, a zero fill or a join each */
    ck_assert_uint_eq(g(c, "ops.paging.fault.count"),
                      g(c, "paging.page_ins") + g(c, "paging.zero_fills") + g(c, "paging.joins"));
    ck_assert_uint_eq(g(c, "ops.paging.fault.count"), g(c, "paging.faults") + g(c, "paging.touches"));
    /* the device saw exactly those reads and writes */
    ck_assert_uint_eq(g(c, "paging.a.pagedev.reads"), g(c, "paging.page_ins"));
    ck_assert_uint_eq(g(c, "paging.a.pagedev.writes"), g(c, "paging.writes"));
    ck_assert_uint_le(g(c, "paging.a.cmo_faults"), g(c, "paging.page_ins"));
    ck_assert_uint_gt(g(c, "paging.a.cmo_faults"), 0);
    ck_assert_uint_eq(g(c, "paging.steals") + g(c, "paging.sync_evictions"),
                      g(c, "paging.page_outs"));
    ck_assert_uint_eq(g(c, "paging.reflects"), g(c, "guest.a.page_faults"));
    ck_assert_uint_eq(g(c, "paging.audit.violations"), 0);
    ck_assert_uint_gt(g(c, "paging.audit.checks"), 0);
    ck_assert_uint_gt(g(c, "paging.audit.stamps"), 0);
    /* the trace's records all ran */
    ck_assert_uint_eq(g(c, "cpu.thread0.records"), 40000);
    free(c);
}
END_TEST

/* memory_mode: dedicated is today's behaviour: the same report as no
 * memory_mode at all; and a dedicated LPAR next to a shared one (paging
 * on) takes the same faults, TLB misses and records as with paging off. */
START_TEST(dedicated_lpar_undisturbed)
{
    mixed_trace("t.txt", 2048, 256, 20000, 7);
    char *a = tu_strip_host(tu_run_config_ok(one_lpar("d1.yaml", NULL, NULL, "    memory_mode: dedicated\n"), NULL, "d1.json", true));
    char *b = tu_strip_host(tu_run_config_ok(one_lpar("d2.yaml", NULL, NULL, ""), NULL, "d2.json", true));
    ck_assert_msg(strcmp(a, b) == 0, "memory_mode: dedicated changed the report");
    ck_assert_ptr_null(strstr(a, "\"paging\""));
    free(a);
    free(b);
    const char *fmt =
        "machine: {name: pg, seed: 1, modules: 1, cores_per_module: 2, threads_per_core: 2}\n"
        "hypervisor:\n  lmb_size: 16M\n%s"
        "lpars:\n"
        "  - {name: a, memory: 64M, memory_mode: %s, vcpus: [{thread: 0, trace: %s}]}\n"
        "  - {name: b, memory: 64M, vcpus: [{thread: 2, trace: %s}]}\n";
    char y[2048];
    snprintf(y, sizeof y, fmt, "  paging: {enabled: true, pool: 2M}\npagedev: {preset: ssd}\n",
             "shared", tu_tmp("t.txt"), tu_tmp("t.txt"));
    tu_write_tmp("mix.yaml", y);
    snprintf(y, sizeof y, fmt, "", "dedicated", tu_tmp("t.txt"), tu_tmp("t.txt"));
    tu_write_tmp("ded.yaml", y);
    char *m = tu_run_config_ok(tu_tmp("mix.yaml"), NULL, "mix.csv", false);
    char *d = tu_run_config_ok(tu_tmp("ded.yaml"), NULL, "ded.csv", false);
    ck_assert_uint_gt(g(m, "paging.page_outs"), 0); /* a is paged */
    const char *same[] = {"guest.b.page_faults", "guest.b.first_touches", "guest.b.refaults",
                          "guest.b.hpte_evictions", "guest.b.secondary_inserts",
                          "cpu.thread2.records", "cpu.thread2.loads", "cpu.thread2.stores",
                          "cpu.thread2.insns", "tlb.thread2.hits", "tlb.thread2.misses",
                          "tlb.thread2.inserts", "tlb.thread2.evictions",
                          "tlb.thread2.invalidations", "machine.lpars.b.pages_used"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
        ck_assert_msg(g(m, same[i]) == g(d, same[i]), "%s: %g with paging, %g without", same[i],
                      g(m, same[i]), g(d, same[i]));
    free(m);
    free(d);
}
END_TEST

START_TEST(deterministic_and_policies_differ)
{
    mixed_trace("t.txt", 2048, 256, 20000, 7);
    const char *cfg = one_lpar("oc.yaml", "2M", NULL, NULL);
    char *a = tu_strip_host(tu_run_config_ok(cfg, NULL, "r1.json", true));
    char *b = tu_strip_host(tu_run_config_ok(cfg, NULL, "r2.json", true));
    ck_assert_msg(strcmp(a, b) == 0, "two runs of the same overcommitted config differ");
    free(a);
    free(b);
    static const char *pol[] = {"fifo", "random", "clock", "clock-notlbie", "aging",
                                "lru-oracle"};
    double ins[6], tlbies[6], refc[6];
    for (unsigned i = 0; i < 6; i++) {
        char set[64], out[32];
        snprintf(set, sizeof set, "hypervisor.paging.policy=%s", pol[i]);
        snprintf(out, sizeof out, "p%u.csv", i);
        const char *sets[] = {set, "hypervisor.paging.audit=true", NULL};
        char *c = tu_run_config_ok(cfg, sets, out, false);
        ins[i] = g(c, "paging.page_ins");
        tlbies[i] = g(c, "tlbie.tlbies");
        refc[i] = g(c, "paging.ref_cleared");
        ck_assert_uint_gt(ins[i], 0);
        ck_assert_uint_eq(g(c, "paging.audit.violations"), 0);
        free(c);
    }
    for (unsigned i = 0; i < 4; i++) {
        bool differs = false;
        for (unsigned j = 0; j < 4; j++)
            differs |= ins[i] != ins[j];
        ck_assert_msg(differs, "policy %s: the same page-ins (%g) as every other", pol[i], ins[i]);
    }
    /* fifo and random give no second chance; clock's R clearing costs
     * tlbies that clock-notlbie does not issue */
    ck_assert_uint_eq(refc[0] + refc[1], 0);
    ck_assert_uint_gt(refc[2], 0);
    ck_assert_uint_gt(refc[3], 0);
    ck_assert_uint_gt(tlbies[2], tlbies[3]);
    /* aging clears R as clock does; the oracle reads no R bit at all, so
     * it issues no R-clearing tlbie, and, knowing every access, it pages
     * in no more than fifo, which ignores them */
    ck_assert_uint_gt(refc[4], 0);
    ck_assert_uint_eq(refc[5], 0);
    ck_assert_uint_lt(tlbies[5], tlbies[2]);
    ck_assert_uint_le(ins[5], ins[0]);
}
END_TEST

static void injected(const char *inject, const char *policy, const char *want)
{
    char extra[160];
    snprintf(extra, sizeof extra, "    inject: %s\n    policy: %s\n", inject, policy);
    const char *cfg = one_lpar("inj.yaml", "2M", extra, NULL);
    const char *argv[] = {"run", cfg, "-q", "--audit", NULL};
    tu_run r = tu_lparsim(argv);
    ck_assert_msg(r.status == 1, "%s not caught (exit %d): %s", inject, r.status, r.err);
    ck_assert_msg(strstr(r.err, want) != NULL, "'%s' not in '%s'", want, r.err);
    ck_assert_ptr_nonnull(strstr(r.err, "paging audit"));
    ck_assert_msg(strchr(r.err, '\n') == r.err + strlen(r.err) - 1, "not one line: %s", r.err);
    tu_run_free(&r);
    /* without --audit the run completes (wrong on purpose) */
    const char *plain[] = {"run", cfg, "-q", NULL};
    r = tu_lparsim(plain);
    ck_assert_msg(r.status == 0, "%s", r.err);
    tu_run_free(&r);
}

START_TEST(injected_bugs_caught)
{
    mixed_trace("t.txt", 2048, 256, 20000, 7);
    injected("skip-writeback", "clock", "lost write-back");
    injected("skip-tlbie", "fifo", "still maps frame");
}
END_TEST

/* The guest's HPTE evictions (a small HPT) remove valid entries of
 * resident pages that were stored to: the C bit must reach the page or
 * its page-out drops it as clean and a later page-in gets a stale copy
 * (the auditor's "lost write-back"). */
START_TEST(guest_evictions_keep_pages_dirty)
{
    hot_cold_trace("t.txt", 256, 20000, 40000);
    char y[1024];
    snprintf(y, sizeof y,
             "machine: {name: pg, seed: 1, modules: 1, cores_per_module: 2, threads_per_core: 2}\n"
             "hypervisor:\n  lmb_size: 16M\n  paging: {enabled: true, pool: 512K, policy: fifo}\n"
             "pagedev: {preset: ssd}\n"
             "lpars:\n  - {name: a, memory: 256M, hpt_size: 256K, memory_mode: shared,\n"
             "     vcpus: [{thread: 0, trace: %s}]}\n",
             tu_tmp("t.txt"));
    tu_write_tmp("ev.yaml", y);
    char *c = tu_run_config_ok(tu_tmp("ev.yaml"), AUDIT, "ev.csv", false);
    ck_assert_uint_gt(g(c, "guest.a.hpte_evictions"), 1000);
    ck_assert_uint_gt(g(c, "paging.page_ins"), 0);
    ck_assert_uint_eq(g(c, "paging.audit.violations"), 0);
    ck_assert_uint_eq(g(c, "cpu.thread0.records"), 40000);
    free(c);
}
END_TEST

/* Shared processors and shared memory: a vCPU whose miss needs a page-in
 * leaves its thread and replays the record; every record runs once. */
START_TEST(shared_processors_replay_each_record_once)
{
    mixed_trace("t.txt", 2048, 256, 6000, 7);
    mixed_trace("u.txt", 1024, 128, 5000, 9);
    const unsigned repeat = 2, recs_t = 12000, recs_u = 10000;
    char y[2048];
    snprintf(y, sizeof y,
             "machine: {name: pg, seed: 1, modules: 1, cores_per_module: 2, threads_per_core: 2}\n"
             "hypervisor:\n  lmb_size: 16M\n  dispatch: {enabled: true}\n"
             "  paging: {enabled: true, pool: 2M}\n"
             "pagedev: {preset: ssd}\n"
             "lpars:\n"
             "  - name: a\n    memory: 64M\n    memory_mode: shared\n"
             "    processors: {mode: shared, entitlement: 0.5, virtual_processors: 1, capped: false}\n"
             "    vcpus: [{trace: %s, repeat: %u}, {trace: %s, repeat: %u}]\n"
             "  - name: b\n    memory: 64M\n    memory_mode: shared\n"
             "    processors: {mode: shared, entitlement: 0.5, virtual_processors: 1, capped: false}\n"
             "    vcpus: [{trace: %s, repeat: %u}, {trace: %s, repeat: %u}]\n",
             tu_tmp("t.txt"), repeat, tu_tmp("u.txt"), repeat, tu_tmp("u.txt"), repeat,
             tu_tmp("t.txt"), repeat);
    tu_write_tmp("sc.yaml", y);
    char *c = tu_run_config_ok(tu_tmp("sc.yaml"), AUDIT, "sc.csv", false);
    double recs = 0, kinds = 0;
    for (unsigned t = 0; t < 4; t++) {
        char k[64];
        const char *f[] = {"records", "insns", "loads", "stores"};
        for (unsigned i = 0; i < 4; i++) {
            snprintf(k, sizeof k, "cpu.thread%u.%s", t, f[i]);
            if (i)
                kinds += g(c, k);
            else
                recs += g(c, k);
        }
    }
    ck_assert_uint_eq(recs, 2.0 * repeat * (recs_t + recs_u));
    ck_assert_uint_eq(kinds, recs); /* the undone record's kind count too */
    ck_assert_uint_eq(g(c, "sim.records"), recs);
    /* vCPUs did wait for page-ins (off their threads) */
    ck_assert_uint_gt(g(c, "paging.faults"), 0);
    ck_assert_uint_gt(g(c, "paging.page_ins"), 0);
    ck_assert_uint_gt(g(c, "paging.a.cmo_faults") + g(c, "paging.b.cmo_faults"), 0);
    ck_assert_uint_eq(g(c, "paging.audit.violations"), 0);
    free(c);
}
END_TEST

/* ---- bad configs --------------------------------------------------------- */

static void refused_lpar(const char *hyp, const char *lpar_extra, const char *tail,
                         const char *want)
{
    tu_write_tmp("one.txt", "#lparsim-trace v1\nL 0x10000000 8\n");
    char y[2048];
    snprintf(y, sizeof y,
             "machine: {modules: 1, cores_per_module: 1, threads_per_core: 2}\n"
             "hypervisor:\n  lmb_size: 16M\n%s"
             "lpars:\n  - name: a\n    memory: 64M\n%s"
             "    vcpus: [{thread: 0, trace: %s}]\n%s",
             hyp, lpar_extra, tu_tmp("one.txt"), tail);
    tu_refused(y, want);
}

#define PG_ON "  paging: {enabled: true, pool: 4M}\n"
#define SHARED "    memory_mode: shared\n"
#define SSD "pagedev: {preset: ssd}\n"

START_TEST(bad_configs_refused)
{
    refused_lpar("", SHARED, "", "expected hypervisor.paging.enabled: true");
    refused_lpar(PG_ON, SHARED "    page_size: 64K\n", SSD, "expected 4K");
    refused_lpar("  paging: {enabled: true, pool: 4097K}\n", SHARED, SSD,
                 "expected a multiple of 4K");
    refused_lpar("  paging: {enabled: true, pool: 4M, low_wm: 5, high_wm: 2}\n", SHARED, SSD,
                 "expected high_wm >= low_wm");
    refused_lpar(PG_ON, SHARED, "pagedev: {preset: ssd, ssd: {capacity: 32M}}\n",
                 "expected a paging device at least as large as the LPAR");
    refused_lpar(PG_ON, "", SSD, "expected an LPAR with memory_mode: shared");
    refused_lpar(PG_ON, "    memory_mode: dedicated\n", "", "expected at least one");
    refused_lpar(PG_ON, SHARED, SSD "run: {warmup_records: 100}\n",
                 "a warm-up cannot page");
    refused_lpar("", "", SSD, "expected an LPAR with memory_mode: shared");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("paging");
    TCase *t = tcase_create("paging");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, no_overcommit_no_paging);
    tcase_add_test(t, overcommit_pages_out_and_in);
    tcase_add_test(t, dedicated_lpar_undisturbed);
    tcase_add_test(t, deterministic_and_policies_differ);
    tcase_add_test(t, injected_bugs_caught);
    tcase_add_test(t, guest_evictions_keep_pages_dirty);
    tcase_add_test(t, shared_processors_replay_each_record_once);
    tcase_add_test(t, bad_configs_refused);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
