/*
 * check_coherency_gen.c - strategies tlb-gen and latr of the TLB coherency
 * feature and the coherency workload driver (drivers.coherency), end to
 * end through the lparsim binary:
 *  - tlb-gen: a thread exactly one generation behind when its vCPU is
 *    dispatched applies the logged change (one tlbiel: its count and
 *    cost); two behind, it flushes the LPAR's entries (one tlbiel per set);
 *    a running thread is interrupted and catches up in the hcall;
 *  - latr: a lazy state drained at the consumer's dispatch, or at a tick
 *    when the tick comes first; a full ring falls back to interrupts; the
 *    reuse wait is the time from the state's save to its last drain;
 *    strict false leaves a running consumer stale (counted by the auditor,
 *    a stale window reported) where strict interrupts it;
 *  - the auditor catches a build that skips the dispatch-time catch-up;
 *  - the driver: every pattern, dedicated and overcommitted, under every
 *    strategy, passes the auditor with the changes the pattern makes and
 *    the same final translations (digest);
 *  - bad combinations are refused with FILE:LINE.
 * The scenario of the first tests (as check_coherency's kvm-deferred one):
 * LPAR x shared, two virtual processors of one vCPU each on a 2-core SMT1
 * pool; vCPU 1 touches X (and Y) and cedes CEDE1 cycles (its VP leaves
 * core 1); vCPU 0 idles IDLE0 cycles, removes X (and Y) with H_REMOVE,
 * touches another page; vCPU 1 then touches X again. The H_REMOVE of a
 * page names its slot: primary PTEG of its hash, slot 0.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/hpt.h"
#include "testutil.h"

#define csv_get tu_csv_get

#define PAGE_X 0x10000000ull
#define PAGE_Y 0x10003000ull
#define PROCESS 7
#define HPT_BYTES (256 << 10)
#define TLB_SETS 256
#define TLBIEL 266
#define IDLE0 50000
#define CEDE1 200000
#define MHZ 3800

static uint64_t ptex_of(uint64_t ea)
{
    uint64_t vsid = seg_vsid(PROCESS, ea, false);
    return (hpt_hash(vsid, ea, 12, false) & (HPT_BYTES / 128 - 1)) * 8;
}

static void caught(const char *cfg, const char *const *sets, const char *want)
{
    tu_run r = tu_run_config(cfg, sets, tu_tmp("caught.csv"), false);
    ck_assert_msg(r.status == 1, "not caught (status %d): %s", r.status, r.err);
    ck_assert_msg(strstr(r.err, want) != NULL, "'%s' not in '%s'", want, r.err);
    tu_run_free(&r);
}

/* The shared scenario; `removes`: 1, X removed; 2, X and Y (two
 * H_REMOVEs); 3, X and Y in one H_BULK_REMOVE. */
static const char *deferred_config(const char *strategy, int removes, const char *extra)
{
    char t[512];
    int k = snprintf(t, sizeof t, "#lparsim-trace v1\nK 1 %d\n", IDLE0);
    if (removes == 3)
        k += snprintf(t + k, sizeof t - (size_t)k, "H 0x124 0x%llx 0x0 0x%llx 0x0\n",
                      (unsigned long long)(0x4000000000000000ull | ptex_of(PAGE_X)),
                      (unsigned long long)(0x4000000000000000ull | ptex_of(PAGE_Y)));
    else
        k += snprintf(t + k, sizeof t - (size_t)k, "H 0x4 0x0 0x%llx 0x0\n",
                      (unsigned long long)ptex_of(PAGE_X));
    if (removes == 2)
        k += snprintf(t + k, sizeof t - (size_t)k, "H 0x4 0x0 0x%llx 0x0\n",
                      (unsigned long long)ptex_of(PAGE_Y));
    snprintf(t + k, sizeof t - (size_t)k, "L 0x%llx 8\n", PAGE_X + 0x1000);
    tu_write_tmp("v0.txt", t);
    snprintf(t, sizeof t, "#lparsim-trace v1\nL 0x%llx 8\nL 0x%llx 8\nK 1 %d\nL 0x%llx 8\n",
             PAGE_X, PAGE_Y, CEDE1, PAGE_X);
    tu_write_tmp("v1.txt", t);
    char y[2048], name[96];
    snprintf(y, sizeof y,
             "machine: {seed: 1, modules: 1, cores_per_module: 2, threads_per_core: 1}\n"
             "hypervisor:\n  lmb_size: 256M\n  dispatch: {enabled: true}\n"
             "  coherency: {enabled: true, strategy: %s, max_threads: 64%s}\n"
             "lpars:\n"
             "  - name: x\n    memory: 256M\n    hpt_size: 256K\n"
             "    processors: {mode: shared, entitlement: 2, virtual_processors: 2}\n"
             "    vcpus: [{trace: %s, process: %d}, {trace: %s, process: %d}]\n",
             strategy, extra ? extra : "", tu_tmp("v0.txt"), PROCESS, tu_tmp("v1.txt"), PROCESS);
    snprintf(name, sizeof name, "defer-%s-%d.yaml", strategy, removes);
    tu_write_tmp(name, y);
    static char path[4][512];
    static int slot;
    slot = (slot + 1) % 4;
    snprintf(path[slot], sizeof path[slot], "%s", tu_tmp(name));
    return path[slot];
}

/* ---- tlb-gen ---- */

START_TEST(tlb_gen_one_behind_applies_two_behind_flushes)
{
    const char *audit[] = {"hypervisor.audit=true", NULL};
    /* one change: the caller (thread 0, running x) applies it locally;
     * thread 1 is exactly one generation behind at vCPU 1's dispatch */
    char *csv = tu_run_config_ok(deferred_config("tlb-gen", 1, NULL), audit, "tg1.csv", false);
    ck_assert_double_eq(csv_get(csv, "hypervisor.hptes_removed"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.x.tlb_gen.generations"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.x.tlb_gen.single_applies"), 2);
    ck_assert_double_eq(csv_get(csv, "coherency.x.tlb_gen.applied_pages"), 2);
    ck_assert_double_eq(csv_get(csv, "coherency.x.tlb_gen.full_flushes"), 0);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.produce.breakdown.tlb"), TLBIEL);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.produce.breakdown.ipi"), 0);
    ck_assert_double_gt(csv_get(csv, "ops.coherency.produce.breakdown.mark"), 0);
    /* the single apply at the dispatch: one tlbiel, no flush */
    ck_assert_double_eq(csv_get(csv, "ops.coherency.drain.breakdown.invalidate"), TLBIEL);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.drain.breakdown.full_flush"), 0);
    /* one drain per dispatch: both at the start, both wakes; three current */
    ck_assert_double_eq(csv_get(csv, "ops.coherency.drain.count"), 4);
    ck_assert_double_eq(csv_get(csv, "coherency.x.tlb_gen.current"), 3);
    ck_assert_double_eq(csv_get(csv, "ops.page_fault.count"), 4); /* X, Y, X+1, X again */
    ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
    free(csv);
    /* two changes: thread 1 two behind flushes x's entries, one tlbiel per set */
    csv = tu_run_config_ok(deferred_config("tlb-gen", 2, NULL), audit, "tg2.csv", false);
    ck_assert_double_eq(csv_get(csv, "hypervisor.hptes_removed"), 2);
    ck_assert_double_eq(csv_get(csv, "coherency.x.tlb_gen.generations"), 2);
    ck_assert_double_eq(csv_get(csv, "coherency.x.tlb_gen.single_applies"), 2); /* the caller */
    ck_assert_double_eq(csv_get(csv, "coherency.x.tlb_gen.full_flushes"), 1);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.drain.breakdown.invalidate"), 0);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.drain.breakdown.full_flush"),
                        TLB_SETS * TLBIEL);
    ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
    free(csv);
    /* X and Y in one change: logged, thread 1 one behind applies both */
    csv = tu_run_config_ok(deferred_config("tlb-gen", 3, NULL), audit, "tg3.csv", false);
    ck_assert_double_eq(csv_get(csv, "coherency.x.tlb_gen.generations"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.x.tlb_gen.logged_flushes"), 0);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.drain.breakdown.invalidate"), 2 * TLBIEL);
    free(csv);
    /* a log of one translation cannot hold them: logged as a flush, so one
     * generation behind still flushes */
    csv = tu_run_config_ok(deferred_config("tlb-gen", 3, ", tlb_gen: {log_size: 1}"), audit, "tg4.csv", false);
    ck_assert_double_eq(csv_get(csv, "coherency.x.tlb_gen.logged_flushes"), 1);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.drain.breakdown.invalidate"), 0);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.drain.breakdown.full_flush"),
                        TLB_SETS * TLBIEL);
    ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
    free(csv);
}
END_TEST

/* Dedicated vCPUs always run: the other thread running the LPAR is
 * interrupted and catches up inside the hcall. */
static const char *running_config(const char *coh)
{
    char t[256];
    snprintf(t, sizeof t, "#lparsim-trace v1\nK 1 20000\nH 0x4 0x0 0x%llx 0x0\n",
             (unsigned long long)ptex_of(PAGE_X));
    tu_write_tmp("r0.txt", t);
    snprintf(t, sizeof t, "#lparsim-trace v1\nL 0x%llx 8\nK 1 100000\nL 0x%llx 8\n", PAGE_X,
             PAGE_X);
    tu_write_tmp("r1.txt", t);
    char y[2048];
    snprintf(y, sizeof y,
             "machine: {seed: 1, modules: 1, cores_per_module: 2, threads_per_core: 2}\n"
             "hypervisor:\n  lmb_size: 256M\n"
             "  coherency: {enabled: true, max_threads: 64, %s,\n"
             "              ipi: {base_cycles: 4000, per_target_cycles: 500, "
             "handler_cycles: 1000}}\n"
             "lpars:\n"
             "  - name: x\n    memory: 256M\n    hpt_size: 256K\n    vcpus:\n"
             "      - {thread: 0, trace: %s, process: %d}\n"
             "      - {thread: 1, trace: %s, process: %d}\n",
             coh, tu_tmp("r0.txt"), PROCESS, tu_tmp("r1.txt"), PROCESS);
    tu_write_tmp("running.yaml", y);
    static char path[512];
    snprintf(path, sizeof path, "%s", tu_tmp("running.yaml"));
    return path;
}

START_TEST(tlb_gen_interrupts_running_threads)
{
    const char *audit[] = {"hypervisor.audit=true", NULL};
    char *csv = tu_run_config_ok(running_config("strategy: tlb-gen"), audit, "tgr.csv", false);
    /* thread 1 runs x: one interrupt (base + one target), its handler
     * applies the log (one tlbiel) */
    ck_assert_double_eq(csv_get(csv, "coherency.x.interrupts_sent"), 1);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.produce.breakdown.ipi"), 4000 + 500);
    ck_assert_double_eq(csv_get(csv, "coherency.x.tlb_gen.single_applies"), 2);
    ck_assert_double_ge(csv_get(csv, "coherency.x.interrupt_cycles"), 1000 + TLBIEL);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.drain.count"), 0); /* no dispatcher */
    ck_assert_double_eq(csv_get(csv, "guest.x.page_faults"), 2);     /* X reloaded */
    ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
    free(csv);
}
END_TEST

/* ---- latr ---- */

START_TEST(latr_drains_at_dispatch_and_tick)
{
    const char *audit[] = {"hypervisor.audit=true", NULL};
    /* the 1 ms tick comes after vCPU 1's wake: drained at its dispatch */
    char *csv = tu_run_config_ok(deferred_config("latr", 1, NULL), audit, "lt1.csv", false);
    ck_assert_double_eq(csv_get(csv, "coherency.x.latr.states"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.x.latr.lazy_consumers"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.x.latr.dispatch_drains"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.x.latr.tick_drains"), 0);
    ck_assert_double_eq(csv_get(csv, "coherency.x.latr.applied_pages"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.x.tlbiel_local"), 1);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.produce.breakdown.tlb"), TLBIEL);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.produce.breakdown.ipi"), 0);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.drain.breakdown.invalidate"), TLBIEL);
    /* the reuse wait: from the save (vCPU 0 after its IDLE0) to vCPU 1's
     * wake (after its CEDE1), a few thousand cycles of slack */
    ck_assert_double_eq(csv_get(csv, "ops.coherency.reuse_wait.count"), 1);
    double w = csv_get(csv, "ops.coherency.reuse_wait.total");
    ck_assert_msg(w > CEDE1 - IDLE0 - 10000 && w < CEDE1 - IDLE0 + 10000, "reuse wait %.0f", w);
    ck_assert_double_eq(csv_get(csv, "ops.page_fault.count"), 4);
    ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
    free(csv);
    /* a 20 us tick (76,000 cycles) comes first: drained at the tick, by
     * the idle thread 1; the wait ends at that tick */
    csv = tu_run_config_ok(deferred_config("latr", 1, ", latr: {tick_us: 20}"), audit, "lt2.csv", false);
    ck_assert_double_eq(csv_get(csv, "coherency.x.latr.tick_drains"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.x.latr.dispatch_drains"), 0);
    ck_assert_double_ge(csv_get(csv, "coherency.latr.ticks"), 2);
    w = csv_get(csv, "ops.coherency.reuse_wait.total");
    ck_assert_msg(w > 0 && w < 20 * MHZ, "reuse wait %.0f", w);
    ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
    free(csv);
}
END_TEST

START_TEST(latr_full_ring_falls_back_to_interrupts)
{
    const char *audit[] = {"hypervisor.audit=true", NULL};
    /* two states per ring hold one: the second change interrupts thread 1
     * (idle: the initiator pays base + one target) */
    char *csv = tu_run_config_ok(deferred_config("latr", 2, ", latr: {states: 2}"), audit, "ltf.csv", false);
    ck_assert_double_eq(csv_get(csv, "coherency.x.latr.states"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.x.latr.fallbacks"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.x.interrupts_sent"), 1);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.produce.breakdown.ipi"), 3800 + 760);
    ck_assert_double_eq(csv_get(csv, "coherency.x.latr.dispatch_drains"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
    free(csv);
    /* with room, both are lazy */
    csv = tu_run_config_ok(deferred_config("latr", 2, NULL), audit, "ltn.csv", false);
    ck_assert_double_eq(csv_get(csv, "coherency.x.latr.states"), 2);
    ck_assert_double_eq(csv_get(csv, "coherency.x.latr.fallbacks"), 0);
    ck_assert_double_eq(csv_get(csv, "coherency.x.interrupts_sent"), 0);
    ck_assert_double_eq(csv_get(csv, "coherency.x.latr.applied_pages"), 2);
    free(csv);
}
END_TEST

START_TEST(latr_strict_and_relaxed)
{
    const char *audit[] = {"hypervisor.audit=true", NULL};
    /* strict: thread 1 runs x and is interrupted */
    char *csv = tu_run_config_ok(running_config("strategy: latr"), audit, "lts.csv", false);
    ck_assert_double_eq(csv_get(csv, "coherency.x.interrupts_sent"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.audit.stale_allowed"), 0);
    ck_assert_double_eq(csv_get(csv, "coherency.x.latr.stale_window.count"), 0);
    ck_assert_double_eq(csv_get(csv, "guest.x.page_faults"), 2);
    free(csv);
    /* relaxed: the unmap is lazy for thread 1 too; the auditor counts its
     * stale entry, the window runs to its next tick */
    csv = tu_run_config_ok(running_config("strategy: latr, latr: {strict: false}"), audit, "ltr.csv", false);
    ck_assert_double_eq(csv_get(csv, "coherency.x.interrupts_sent"), 0);
    ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
    ck_assert_double_eq(csv_get(csv, "coherency.audit.stale_allowed"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.x.latr.stale_window.count"), 1);
    ck_assert_double_gt(csv_get(csv, "coherency.x.latr.stale_window.max"), 0);
    ck_assert_double_le(csv_get(csv, "coherency.x.latr.stale_window.max"), 1000 * MHZ);
    free(csv);
}
END_TEST

START_TEST(auditor_catches_skipped_catch_up)
{
    const char *skip[] = {"hypervisor.audit=true",
                          "hypervisor.coherency.inject=skip-dispatch-flush", NULL};
    caught(deferred_config("tlb-gen", 1, NULL), skip,
           "coherency audit (strategy tlb-gen): thread 1 running LPAR x vCPU 1 holds, when "
           "dispatched at cycle ");
    caught(deferred_config("latr", 1, NULL), skip,
           "coherency audit (strategy latr): thread 1 running LPAR x vCPU 1 holds, when "
           "dispatched at cycle ");
}
END_TEST

/* ---- the driver ---- */

static const char *driver_config(void)
{
    char *t = malloc(64 * 64), *p = t;
    p += sprintf(p, "#lparsim-trace v1\n");
    for (int i = 0; i < 32; i++)
        p += sprintf(p, "L 0x%x 8\nI 0x%x 4\n", 0x20000000 + (i % 8) * 4096 + i * 8,
                     0x10000000 + i * 4);
    p += sprintf(p, "K 1 20000\n");
    tu_write_tmp("bg.txt", t);
    free(t);
    tu_write_tmp("drv.yaml",
               "machine: {seed: 5, modules: 1, cores_per_module: 4, threads_per_core: 1}\n"
               "hypervisor:\n  lmb_size: 256M\n  dispatch: {enabled: true}\n"
               "  coherency: {enabled: true, max_threads: 64}\n"
               "drivers:\n  coherency: {enabled: true, trace: bg.txt, vcpus: 4, pages: 8, "
               "rounds: 40}\n");
    static char path[512];
    snprintf(path, sizeof path, "%s", tu_tmp("drv.yaml"));
    return path;
}

static const char *strategies[][2] = {{"eager-tlbie", "all"}, {"eager-ipi", "all"},
                                      {"eager-ipi", "running"}, {"kvm-deferred", "all"},
                                      {"tlb-gen", "all"}, {"latr", "all"},
                                      {"patch-channel", "all"}, {"patch-channel", "tracked"},
                                      {"eager-ipi", "tracked"}};
#define NSTRATEGIES (int)(sizeof strategies / sizeof strategies[0])

START_TEST(driver_patterns_agree_across_strategies)
{
    const char *cfg = driver_config();
    const char *patterns[] = {"map-unmap", "mprotect", "reclaim"};
    const double per_round[] = {8, 16, 8}; /* changes per round: pages, 2 x pages, pages */
    const char *procs[][2] = {{"dedicated", "4"}, {"shared", "8"}};
    for (int p = 0; p < 3; p++)
        for (int q = 0; q < 2; q++) {
            double digest = -1;
            for (int s = 0; s < NSTRATEGIES; s++) {
                char a[96], b[96], c[96], d[96], f[96], out[64];
                snprintf(a, sizeof a, "drivers.coherency.pattern=%s", patterns[p]);
                snprintf(b, sizeof b, "drivers.coherency.processors=%s", procs[q][0]);
                snprintf(c, sizeof c, "drivers.coherency.vcpus=%s", procs[q][1]);
                snprintf(d, sizeof d, "hypervisor.coherency.strategy=%s", strategies[s][0]);
                snprintf(f, sizeof f, "hypervisor.coherency.filter=%s", strategies[s][1]);
                snprintf(out, sizeof out, "drv-%d-%d-%d.csv", p, q, s);
                const char *sets[] = {"hypervisor.audit=true", a, b, c, d, f, NULL};
                char *csv = tu_run_config_ok(cfg, sets, out, false);
                ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
                ck_assert_double_eq(csv_get(csv, "drivers.coherency.rounds"), 40);
                ck_assert_double_eq(csv_get(csv, "drivers.coherency.changes"),
                                    40 * per_round[p]);
                ck_assert_double_eq(csv_get(csv, "ops.coherency.change.count"),
                                    csv_get(csv, "drivers.coherency.change_hcalls"));
                ck_assert_double_gt(csv_get(csv, "drivers.coherency.touches"), 0);
                ck_assert_double_gt(csv_get(csv, "drivers.coherency.cycles_per_change"), 0);
                if (digest < 0)
                    digest = csv_get(csv, "drivers.coherency.hpt_digest");
                ck_assert_msg(csv_get(csv, "drivers.coherency.hpt_digest") == digest,
                              "%s %s %s: final translations differ", patterns[p], procs[q][0],
                              strategies[s][0]);
                free(csv);
            }
        }
}
END_TEST

/* map-unmap on dedicated threads, eager-tlbie: four pages per
 * H_BULK_REMOVE, one global tlbie sequence each (2660 + 3 x 1672). */
START_TEST(driver_map_unmap_costs)
{
    const char *cfg = driver_config();
    const char *sets[] = {"hypervisor.coherency.strategy=eager-tlbie", NULL};
    char *csv = tu_run_config_ok(cfg, sets, "mu.csv", false);
    ck_assert_double_eq(csv_get(csv, "drivers.coherency.change_hcalls"), 40 * 8 / 4);
    ck_assert_double_eq(csv_get(csv, "drivers.coherency.maps"), 40 * 8);
    ck_assert_double_eq(csv_get(csv, "coherency.c0.tlbie_global"), 40 * 8 / 4);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.change.breakdown.interrupts"), 0);
    /* every vCPU loads every page once per round: a miss each (the page
     * is new) */
    ck_assert_double_eq(csv_get(csv, "drivers.coherency.touches"), 40 * 8 * 4);
    ck_assert_double_eq(csv_get(csv, "drivers.coherency.touch_misses"), 40 * 8 * 4);
    ck_assert_double_ge(csv_get(csv, "ops.coherency.produce.breakdown.tlb"),
                        40 * 8 / 4 * (2660 + 3 * 1672));
    free(csv);
    /* eager-ipi: each change interrupts the three other (running) threads */
    const char *ipi[] = {"hypervisor.coherency.strategy=eager-ipi", NULL};
    csv = tu_run_config_ok(cfg, ipi, "mu-ipi.csv", false);
    ck_assert_double_eq(csv_get(csv, "coherency.c0.interrupts_sent"), 3 * 40 * 8 / 4);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.change.breakdown.interrupts"),
                        csv_get(csv, "coherency.c0.interrupt_cycles"));
    free(csv);
    /* touchers 2: only vCPUs 0 and 1 load the pages; eager-ipi with filter
     * tracked then interrupts vCPU 1's thread alone, once per change hcall */
    const char *two[] = {"hypervisor.coherency.strategy=eager-ipi",
                         "hypervisor.coherency.filter=tracked", "drivers.coherency.touchers=2",
                         "hypervisor.audit=true", NULL};
    csv = tu_run_config_ok(cfg, two, "mu-two.csv", false);
    ck_assert_double_eq(csv_get(csv, "drivers.coherency.touches"), 40 * 8 * 2);
    ck_assert_double_eq(csv_get(csv, "coherency.c0.interrupts_sent"), 40 * 8 / 4);
    ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
    free(csv);
}
END_TEST

/* ---- bad combinations ---- */

START_TEST(bad_combinations)
{
    tu_write_tmp("one.txt", "#lparsim-trace v1\nL 0x10000000 8\n");
    char y[1024];
#define CASE(coh, want) tu_coherency_refused(1, coh, want)
    CASE("    strategy: tlb-gen\n    filter: running\n",
         "bad.yaml:7: hypervisor.coherency.filter: running does not apply with strategy tlb-gen");
    CASE("    strategy: latr\n    filter: running\n",
         "bad.yaml:7: hypervisor.coherency.filter: running does not apply with strategy latr");
    CASE("    strategy: tlb-gen\n    inject: skip-ipi-tlbiel\n",
         "bad.yaml:7: hypervisor.coherency.inject: skip-ipi-tlbiel does not apply with strategy "
         "tlb-gen");
    CASE("    strategy: latr\n    latr: {states: 1}\n",
         "bad.yaml:7: hypervisor.coherency.latr.states: value 1 out of range");
    CASE("    strategy: tlb-gen\n    tlb_gen: {log_size: 0}\n",
         "bad.yaml:7: hypervisor.coherency.tlb_gen.log_size: value 0 out of range");
#undef CASE
    /* tables for fewer threads than the machine has */
    snprintf(y, sizeof y,
             "machine: {modules: 1, cores_per_module: 40, threads_per_core: 2}\n"
             "hypervisor:\n  lmb_size: 256M\n  coherency:\n    enabled: true\n"
             "    strategy: latr\n    max_threads: 64\n"
             "lpars: [{name: a, memory: 256M, vcpus: [{thread: 0, trace: %s}]}]\n",
             tu_tmp("one.txt"));
    tu_refused(y, "bad.yaml:7: hypervisor.coherency.max_threads: 64, but the machine has 80");
    /* a workload driver whose LPARs have no vCPU (SMR): no deferral */
    for (int i = 4; i < 6; i++) {
        char set[96];
        snprintf(set, sizeof set, "hypervisor.coherency.strategy=%s", strategies[i][0]);
        const char *argv[] = {"run", tu_src("configs/smr/audit.yaml"), "-q", "--set",
                              "hypervisor.coherency.enabled=true", "--set", set, NULL};
        tu_run r = tu_lparsim(argv);
        ck_assert_int_eq(r.status, 1);
        ck_assert_msg(strstr(r.err, "uses the threads' TLBs for LPARs that have no vCPU"), "%s",
                      r.err);
        tu_run_free(&r);
    }
    /* the driver */
    const char *m = "machine: {modules: 1, cores_per_module: 2, threads_per_core: 1}\n"
                    "hypervisor: {lmb_size: 256M}\n";
    snprintf(y, sizeof y, "%sdrivers:\n  coherency: {enabled: true, pages: 4}\n", m);
    tu_refused(y, "drivers.coherency.trace: missing; expected the path of a native trace");
    snprintf(y, sizeof y, "%sdrivers:\n  coherency: {enabled: true, trace: %s, vcpus: 3}\n", m,
             tu_tmp("one.txt"));
    tu_refused(y, "drivers.coherency.vcpus: 1 LPARs of 3 dedicated vCPUs need 3 free hardware "
                  "threads, but the machine has 2");
    snprintf(y, sizeof y,
             "%sdrivers:\n  coherency: {enabled: true, trace: %s, processors: shared}\n", m,
             tu_tmp("one.txt"));
    tu_refused(y, "drivers.coherency.processors: shared, but no feature dispatches shared "
                  "processors; expected hypervisor.dispatch.enabled: true");
    snprintf(y, sizeof y,
             "%sdrivers:\n  coherency: {enabled: true, trace: %s, memory: 256M, pages: 40000}\n",
             m, tu_tmp("one.txt"));
    tu_refused(y, "drivers.coherency.pages: 40000 pages of 4K are more than half");
    snprintf(y, sizeof y, "%slpars: [{name: a, memory: 256M, vcpus: [{thread: 0, trace: %s}]}]\n"
             "drivers:\n  coherency: {pattern: mprotect}\n", m, tu_tmp("one.txt"));
    tu_refused(y, "drivers.coherency.pattern: set, but drivers.coherency is not enabled");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("coherency_gen");
    TCase *t = tcase_create("coherency_gen");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, tlb_gen_one_behind_applies_two_behind_flushes);
    tcase_add_test(t, tlb_gen_interrupts_running_threads);
    tcase_add_test(t, latr_drains_at_dispatch_and_tick);
    tcase_add_test(t, latr_full_ring_falls_back_to_interrupts);
    tcase_add_test(t, latr_strict_and_relaxed);
    tcase_add_test(t, auditor_catches_skipped_catch_up);
    tcase_add_test(t, driver_patterns_agree_across_strategies);
    tcase_add_test(t, driver_map_unmap_costs);
    tcase_add_test(t, bad_combinations);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
