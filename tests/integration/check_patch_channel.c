/*
 * check_patch_channel.c - strategy patch-channel (hypervisor.coherency,
 * issue 11, seed 004) and the tracked filter end to end through the
 * lparsim binary, on a shared LPAR x whose virtual processors (one vCPU
 * each) run on a pool of SMT1 cores (thread i = core i): vCPU 0 makes the
 * changes (H_REMOVEs of pages by their slot) while the others, which
 * touched the pages before, have ceded (their virtual processors left
 * their cores, so their threads do not run x), then touch them again.
 *  - drain at the dispatch: one patch written, applied by one tlbiel at
 *    the consumer's next dispatch, charged there (the run ends later by
 *    the drain: remote_line_cycles per channel line that moved);
 *  - coalescing counted exactly (a page removed twice: one patch), and
 *    without it (two);
 *  - overflow: a channel of N patches and N+k changes: N written, k
 *    fallbacks of one global tlbie each, N applied;
 *  - the tracked filter targets exactly the threads that filled the entry
 *    (patch-channel and eager-ipi);
 *  - running consumers under strict PAPR: one global tlbie (running tlbie),
 *    or a patch and a doorbell (running doorbell);
 *  - the auditor catches each injected fault (skip-drain,
 *    publish-before-primary, overwrite-on-full, skip-fallback);
 *  - combinations that do not apply are refused.
 * A page's slot is slot 0 of its primary PTEG (the guest's first free slot
 * in an empty PTEG; the pages of a test fall in distinct PTEGs).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/hpt.h"
#include "testutil.h"

#define csv_get tu_csv_get

#define PAGE_X 0x10000000ull
#define PROCESS 7
#define HPT_BYTES (256 << 10)
#define TLB_SETS 256
#define TLBIEL 266
#define TLBIE 2660
#define PTESYNC 20
#define L1 3 /* cache.l1d latency: a write to a line just read */

static uint64_t ptex_of(uint64_t ea)
{
    uint64_t vsid = seg_vsid(PROCESS, ea, false);
    return (hpt_hash(vsid, ea, 12, false) & (HPT_BYTES / 128 - 1)) * 8;
}

/* LPAR x shared on `cores` SMT1 cores, one virtual processor (and vCPU)
 * per trace; coh is the coherency block's body (indented 4). */
static const char *config(const char *name, int cores, const char *const *traces, int n,
                          const char *coh)
{
    char y[4096], *p = y;
    p += sprintf(p,
                 "machine: {seed: 1, modules: 1, cores_per_module: %d, threads_per_core: 1}\n"
                 "hypervisor:\n  lmb_size: 256M\n  dispatch: {enabled: true}\n"
                 "  coherency:\n    enabled: true\n%s"
                 "lpars:\n"
                 "  - name: x\n    memory: 256M\n    hpt_size: 256K\n"
                 "    processors: {mode: shared, entitlement: %d, virtual_processors: %d}\n"
                 "    vcpus:\n",
                 cores, coh, n, n);
    for (int i = 0; i < n; i++) {
        char tn[64];
        snprintf(tn, sizeof tn, "%s-v%d.txt", name, i);
        tu_write_tmp(tn, traces[i]);
        p += sprintf(p, "      - {trace: %s, process: %d}\n", tu_tmp(tn), PROCESS);
    }
    char yn[64];
    snprintf(yn, sizeof yn, "%s.yaml", name);
    tu_write_tmp(yn, y);
    static char path[8][512];
    static int slot;
    slot = (slot + 1) % 8;
    snprintf(path[slot], sizeof path[slot], "%s", tu_tmp(yn));
    return path[slot];
}

/* ---- drain at the dispatch ---- */

/* vCPU 1 touches X and cedes; vCPU 0 removes X meanwhile; vCPU 1 touches
 * X again. */
static const char *drain_config(const char *coh)
{
    char t0[256], t1[256];
    snprintf(t0, sizeof t0, "#lparsim-trace v1\nK 1 50000\nH 0x4 0x0 0x%llx 0x0\nL 0x%llx 8\n",
             (unsigned long long)ptex_of(PAGE_X), PAGE_X + 0x1000);
    snprintf(t1, sizeof t1, "#lparsim-trace v1\nL 0x%llx 8\nK 1 200000\nL 0x%llx 8\n", PAGE_X,
             PAGE_X);
    const char *tr[] = {t0, t1};
    return config("drain", 2, tr, 2, coh);
}

START_TEST(drain_at_dispatch)
{
    const char *cfg = drain_config("    strategy: patch-channel\n");
    const char *audit[] = {"hypervisor.audit=true", NULL};
    char *csv = tu_run_config_ok(cfg, audit, "drain.csv", false);
    ck_assert_double_eq(csv_get(csv, "hypervisor.hptes_removed"), 1);
    /* the producer (thread 0) runs x: its own tlbiel; thread 1 does not:
     * one patch in channel (0, 1) */
    ck_assert_double_eq(csv_get(csv, "coherency.x.tlbiel_local"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.x.tlbie_global"), 0);
    ck_assert_double_eq(csv_get(csv, "coherency.x.demands"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.x.patches_written"), 1);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.produce.breakdown.tlb"), TLBIEL);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.produce.breakdown.primary_write"), PTESYNC);
    ck_assert_double_gt(csv_get(csv, "ops.coherency.produce.breakdown.scan"), 0);
    ck_assert_double_gt(csv_get(csv, "ops.coherency.produce.breakdown.patch_write"), 0);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.produce.breakdown.fallback"), 0);
    /* the hcall is charged the step (its coherency part), as for every strategy */
    ck_assert_double_eq(csv_get(csv, "ops.hcall.H_REMOVE.breakdown.coherency"),
                        csv_get(csv, "ops.coherency.produce.total"));
    ck_assert_double_eq(csv_get(csv, "ops.hcall.H_REMOVE.breakdown.tlb"), 0);
    /* vCPU 1's next dispatch on thread 1 applies it: one tlbiel */
    ck_assert_double_eq(csv_get(csv, "coherency.x.patches_applied"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.x.patches_pending"), 0);
    ck_assert_double_eq(csv_get(csv, "coherency.x.drains"), 1);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.drain.breakdown.invalidate"), TLBIEL);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.drain.breakdown.full_flush"), 0);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.drain.breakdown.update"), 0);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.drain.breakdown.queueing"), 0);
    /* every dispatch reads the thread's summary line: both at the start,
     * both wakes */
    ck_assert_double_eq(csv_get(csv, "ops.coherency.drain.count"), 4);
    ck_assert_double_eq(csv_get(csv, "coherency.x.stale_window.count"), 1);
    ck_assert_double_gt(csv_get(csv, "coherency.x.stale_window.max"), 100000);
    /* channel bytes: T = 2 pending lines + 4 channels of a control line
     * and 64 patches of 16 bytes */
    ck_assert_double_eq(csv_get(csv, "coherency.x.channel_bytes"), 2 * 128 + 4 * (128 + 64 * 16));
    /* vCPU 1 re-faults on X after the drain */
    ck_assert_double_eq(csv_get(csv, "ops.page_fault.count"), 3);
    ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
    double drain1 = csv_get(csv, "ops.coherency.drain.total"),
           cycles1 = csv_get(csv, "sim.cycles");
    free(csv);
    /* the drain is charged to the dispatch: the consumer reads four lines
     * core 0 wrote (summary, pending, control, patch), each at least
     * remote_line_cycles; raising it delays vCPU 1, which ends the run */
    const char *slow[] = {"hypervisor.audit=true",
                          "hypervisor.coherency.channel.remote_line_cycles=100000", NULL};
    csv = tu_run_config_ok(cfg, slow, "drain-slow.csv", false);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.drain.total") - drain1, 4 * (100000 - 209));
    ck_assert_double_eq(csv_get(csv, "sim.cycles") - cycles1, 4 * (100000 - 209));
    ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
    free(csv);
}
END_TEST

/* ---- coalescing ---- */

/* vCPU 0 removes X, touches it (the guest enters it again in the same
 * slot) and removes it again, while vCPU 1, which loaded X, has ceded. */
static const char *coalesce_config(const char *coh)
{
    char t0[512], t1[256];
    unsigned long long px = (unsigned long long)ptex_of(PAGE_X);
    snprintf(t0, sizeof t0,
             "#lparsim-trace v1\nK 1 50000\nH 0x4 0x0 0x%llx 0x0\nL 0x%llx 8\n"
             "H 0x4 0x0 0x%llx 0x0\nL 0x%llx 8\n",
             px, PAGE_X, px, PAGE_X + 0x1000);
    snprintf(t1, sizeof t1, "#lparsim-trace v1\nL 0x%llx 8\nK 1 200000\nL 0x%llx 8\n", PAGE_X,
             PAGE_X);
    const char *tr[] = {t0, t1};
    return config("coalesce", 2, tr, 2, coh);
}

START_TEST(coalescing_exact)
{
    const char *audit[] = {"hypervisor.audit=true", NULL};
    char *csv = tu_run_config_ok(coalesce_config("    strategy: patch-channel\n"), audit, "coal.csv", false);
    ck_assert_double_eq(csv_get(csv, "hypervisor.hptes_removed"), 2);
    ck_assert_double_eq(csv_get(csv, "coherency.x.demands"), 2);
    ck_assert_double_eq(csv_get(csv, "coherency.x.patches_written"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.x.patches_coalesced"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.x.patches_applied"), 1);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.drain.breakdown.invalidate"), TLBIEL);
    ck_assert_double_eq(csv_get(csv, "coherency.x.occupancy.max"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
    free(csv);
    csv = tu_run_config_ok(coalesce_config("    strategy: patch-channel\n    channel: {coalesce: false}\n"),
                 audit, "nocoal.csv", false);
    ck_assert_double_eq(csv_get(csv, "coherency.x.demands"), 2);
    ck_assert_double_eq(csv_get(csv, "coherency.x.patches_written"), 2);
    ck_assert_double_eq(csv_get(csv, "coherency.x.patches_coalesced"), 0);
    ck_assert_double_eq(csv_get(csv, "coherency.x.patches_applied"), 2);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.drain.breakdown.invalidate"), 2 * TLBIEL);
    ck_assert_double_eq(csv_get(csv, "coherency.x.occupancy.max"), 2);
    ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
    free(csv);
}
END_TEST

/* ---- overflow ---- */

#define OVF_N 2 /* channel.patches */
#define OVF_K 3 /* changes beyond it */
#define OVF_PAGES (OVF_N + OVF_K)

static uint64_t ovf_page(int i)
{
    return PAGE_X + (uint64_t)i * 0x100000;
}

/* vCPU 1 loads N+k pages and cedes; vCPU 0 removes them one by one. */
static const char *overflow_config(const char *coh)
{
    char t0[1024], t1[1024], *p = t0, *q = t1;
    p += sprintf(p, "#lparsim-trace v1\nK 1 50000\n");
    q += sprintf(q, "#lparsim-trace v1\n");
    for (int i = 0; i < OVF_PAGES; i++) {
        p += sprintf(p, "H 0x4 0x0 0x%llx 0x0\n", (unsigned long long)ptex_of(ovf_page(i)));
        q += sprintf(q, "L 0x%llx 8\n", (unsigned long long)ovf_page(i));
        for (int j = 0; j < i; j++)
            ck_assert_uint_ne(ptex_of(ovf_page(i)) / 8, ptex_of(ovf_page(j)) / 8);
    }
    q += sprintf(q, "K 1 400000\n");
    for (int i = 0; i < OVF_PAGES; i++)
        q += sprintf(q, "L 0x%llx 8\n", (unsigned long long)ovf_page(i));
    const char *tr[] = {t0, t1};
    return config("overflow", 2, tr, 2, coh);
}

#define OVF_COH "    strategy: patch-channel\n    channel: {patches: 2}\n"

START_TEST(overflow_falls_back)
{
    const char *audit[] = {"hypervisor.audit=true", NULL};
    char *csv = tu_run_config_ok(overflow_config(OVF_COH), audit, "ovf.csv", false);
    ck_assert_double_eq(csv_get(csv, "hypervisor.hptes_removed"), OVF_PAGES);
    ck_assert_double_eq(csv_get(csv, "coherency.x.demands"), OVF_PAGES);
    ck_assert_double_eq(csv_get(csv, "coherency.x.patches_written"), OVF_N);
    ck_assert_double_eq(csv_get(csv, "coherency.x.overflows"), OVF_K);
    ck_assert_double_eq(csv_get(csv, "coherency.x.fallbacks"), OVF_K);
    ck_assert_double_eq(csv_get(csv, "coherency.x.fallback_covered"), OVF_K);
    ck_assert_double_eq(csv_get(csv, "coherency.x.tlbie_global"), OVF_K);
    ck_assert_double_eq(csv_get(csv, "coherency.x.tlbiel_local"), OVF_PAGES);
    /* one global tlbie of one page per fallback, the lock free */
    ck_assert_double_eq(csv_get(csv, "ops.coherency.produce.breakdown.fallback"), OVF_K * TLBIE);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.produce.breakdown.queueing"), 0);
    /* the N patches applied at vCPU 1's dispatch */
    ck_assert_double_eq(csv_get(csv, "coherency.x.patches_applied"), OVF_N);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.drain.breakdown.invalidate"), OVF_N * TLBIEL);
    ck_assert_double_eq(csv_get(csv, "coherency.x.occupancy.max"), OVF_N);
    /* every page is gone from thread 1's TLB: it faults on each again */
    ck_assert_double_eq(csv_get(csv, "guest.x.page_faults"), 2 * OVF_PAGES);
    ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
    free(csv);
}
END_TEST

/* ---- the tracked filter ---- */

/* Four virtual processors on four cores: vCPUs 1 and 2 load X, vCPU 3
 * loads Y, all three cede; vCPU 0 removes X. */
static const char *tracked_config(const char *coh)
{
    char t0[256], tx[256], ty[256];
    snprintf(t0, sizeof t0, "#lparsim-trace v1\nK 1 50000\nH 0x4 0x0 0x%llx 0x0\n",
             (unsigned long long)ptex_of(PAGE_X));
    snprintf(tx, sizeof tx, "#lparsim-trace v1\nL 0x%llx 8\nK 1 200000\nL 0x%llx 8\n", PAGE_X,
             PAGE_X);
    snprintf(ty, sizeof ty, "#lparsim-trace v1\nL 0x%llx 8\nK 1 200000\n", PAGE_X + 0x200000);
    const char *tr[] = {t0, tx, tx, ty};
    return config("tracked", 4, tr, 4, coh);
}

START_TEST(tracked_targets_the_fillers)
{
    const char *audit[] = {"hypervisor.audit=true", NULL};
    /* filter all: every thread but the producer, which does not run... it
     * does run x: threads 1, 2, 3 get a patch, thread 0 its tlbiel */
    char *csv = tu_run_config_ok(tracked_config("    strategy: patch-channel\n    filter: all\n"), audit,
                       "tr-all.csv", false);
    ck_assert_double_eq(csv_get(csv, "coherency.x.demands"), 3);
    ck_assert_double_eq(csv_get(csv, "coherency.x.patches_written"), 3);
    ck_assert_double_eq(csv_get(csv, "coherency.x.tlbiel_local"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.x.drains"), 3);
    ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
    double faults = csv_get(csv, "guest.x.page_faults");
    free(csv);
    /* tracked: the threads whose walk filled X's entry, 1 and 2; not the
     * producer (it never loaded X), not thread 3 */
    csv = tu_run_config_ok(tracked_config("    strategy: patch-channel\n    filter: tracked\n"), audit,
                 "tr-pc.csv", false);
    ck_assert_double_eq(csv_get(csv, "coherency.x.demands"), 2);
    ck_assert_double_eq(csv_get(csv, "coherency.x.patches_written"), 2);
    ck_assert_double_eq(csv_get(csv, "coherency.x.tlbiel_local"), 0);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.produce.breakdown.tlb"), 0);
    ck_assert_double_eq(csv_get(csv, "coherency.x.patches_applied"), 2);
    ck_assert_double_eq(csv_get(csv, "coherency.x.drains"), 2);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.drain.breakdown.invalidate"), 2 * TLBIEL);
    ck_assert_double_eq(csv_get(csv, "guest.x.page_faults"), faults);
    ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
    free(csv);
    /* eager-ipi: filter all interrupts the three others, tracked the two */
    csv = tu_run_config_ok(tracked_config("    strategy: eager-ipi\n    filter: all\n"), audit,
                 "tr-ipi-all.csv", false);
    ck_assert_double_eq(csv_get(csv, "coherency.x.interrupts_sent"), 3);
    ck_assert_double_eq(csv_get(csv, "coherency.x.tlbiel_local"), 1);
    free(csv);
    csv = tu_run_config_ok(tracked_config("    strategy: eager-ipi\n    filter: tracked\n"), audit,
                 "tr-ipi.csv", false);
    ck_assert_double_eq(csv_get(csv, "coherency.x.interrupts_sent"), 2);
    ck_assert_double_eq(csv_get(csv, "coherency.x.tlbiel_local"), 0);
    ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
    free(csv);
}
END_TEST

/* ---- consumers running the LPAR (strict PAPR) ---- */

#define IPI_BASE 4000
#define IPI_PER 500
#define IPI_HANDLER 1000

/* A dedicated LPAR: vCPU 1 (thread 1) loads X and idles in place (it runs
 * x throughout), vCPU 0 removes X. */
static const char *running_config(const char *running)
{
    char t0[256], t1[256], y[2048];
    snprintf(t0, sizeof t0, "#lparsim-trace v1\nK 1 20000\nH 0x4 0x0 0x%llx 0x0\n",
             (unsigned long long)ptex_of(PAGE_X));
    snprintf(t1, sizeof t1, "#lparsim-trace v1\nL 0x%llx 8\nK 1 100000\nL 0x%llx 8\n", PAGE_X,
             PAGE_X);
    tu_write_tmp("run-v0.txt", t0);
    tu_write_tmp("run-v1.txt", t1);
    snprintf(y, sizeof y,
             "machine: {seed: 1, modules: 1, cores_per_module: 2, threads_per_core: 1}\n"
             "hypervisor:\n  lmb_size: 256M\n"
             "  coherency:\n    enabled: true\n    strategy: patch-channel\n"
             "    channel: {running: %s}\n"
             "    ipi: {base_cycles: %d, per_target_cycles: %d, handler_cycles: %d}\n"
             "lpars:\n"
             "  - name: x\n    memory: 256M\n    hpt_size: 256K\n    vcpus:\n"
             "      - {thread: 0, trace: %s, process: %d}\n"
             "      - {thread: 1, trace: %s, process: %d}\n",
             running, IPI_BASE, IPI_PER, IPI_HANDLER, tu_tmp("run-v0.txt"), PROCESS,
             tu_tmp("run-v1.txt"), PROCESS);
    tu_write_tmp("running.yaml", y);
    static char path[512];
    snprintf(path, sizeof path, "%s", tu_tmp("running.yaml"));
    return path;
}

START_TEST(running_consumers)
{
    const char *audit[] = {"hypervisor.audit=true", NULL};
    /* tlbie: one global tlbie of the page reaches both TLBs, no patch */
    char *csv = tu_run_config_ok(running_config("tlbie"), audit, "run-tlbie.csv", false);
    ck_assert_double_eq(csv_get(csv, "coherency.x.sync_tlbies"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.x.tlbie_global"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.x.demands"), 0);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.produce.breakdown.tlb"), TLBIE);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.produce.total"), TLBIE);
    ck_assert_double_eq(csv_get(csv, "guest.x.page_faults"), 2);
    ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
    free(csv);
    /* doorbell: a patch, then a doorbell on which thread 1 drains at once */
    csv = tu_run_config_ok(running_config("doorbell"), audit, "run-door.csv", false);
    ck_assert_double_eq(csv_get(csv, "coherency.x.sync_tlbies"), 0);
    ck_assert_double_eq(csv_get(csv, "coherency.x.patches_written"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.x.doorbells"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.x.patches_applied"), 1);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.drain.count"), 1);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.drain.breakdown.invalidate"), TLBIEL);
    double drain = csv_get(csv, "ops.coherency.drain.total");
    ck_assert_double_eq(csv_get(csv, "ops.coherency.produce.breakdown.doorbell"),
                        IPI_BASE + IPI_PER + (drain - TLBIEL));
    ck_assert_double_eq(csv_get(csv, "ops.coherency.produce.breakdown.tlb"), TLBIEL);
    ck_assert_double_eq(csv_get(csv, "coherency.x.interrupt_cycles"), IPI_HANDLER + drain);
    ck_assert_double_eq(csv_get(csv, "guest.x.page_faults"), 2);
    ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
    free(csv);
}
END_TEST

/* ---- the auditor catches broken builds ---- */

static void caught(const char *cfg, const char *inject, const char *want)
{
    char inj[96];
    snprintf(inj, sizeof inj, "hypervisor.coherency.inject=%s", inject);
    const char *sets[] = {"hypervisor.audit=true", inj, NULL};
    tu_run r = tu_run_config(cfg, sets, tu_tmp("caught.csv"), false);
    ck_assert_msg(r.status == 1, "%s not caught (status %d): %s", inject, r.status, r.err);
    ck_assert_msg(strstr(r.err, want) != NULL, "%s: '%s' not in '%s'", inject, want, r.err);
    tu_run_free(&r);
    /* the same build without the auditor runs to its end */
    const char *quiet[] = {inj, NULL};
    r = tu_run_config(cfg, quiet, tu_tmp("broken.csv"), false);
    ck_assert_msg(r.status == 0, "%s without the auditor: %s", inject, r.err);
    tu_run_free(&r);
}

START_TEST(auditor_catches_broken_builds)
{
    const char *d = drain_config("    strategy: patch-channel\n");
    caught(d, "skip-drain",
           "coherency audit (strategy patch-channel): thread 1 running LPAR x vCPU 1 holds, "
           "when dispatched at cycle ");
    caught(d, "publish-before-primary",
           "a primary (HPTE) was stored again after its patch was published in the same "
           "produce step");
    const char *o = overflow_config(OVF_COH);
    caught(o, "overwrite-on-full", "patch conservation of LPAR x after a produce step: produced");
    caught(o, "skip-fallback",
           "thread 1 (not running LPAR x) holds, after the overflow fallback at cycle ");
}
END_TEST

/* ---- refusals ---- */

START_TEST(bad_combinations)
{
#define CASE(coh, want) tu_coherency_refused(2, coh, want)
    CASE("    strategy: patch-channel\n    filter: running\n",
         "bad.yaml:7: hypervisor.coherency.filter: running does not apply with strategy "
         "patch-channel (its channels serve the threads that do not run the LPAR; expected "
         "filter all or tracked)");
    CASE("    strategy: kvm-deferred\n    filter: tracked\n",
         "hypervisor.coherency.filter: tracked does not apply with strategy kvm-deferred");
    CASE("    strategy: eager-tlbie\n    filter: tracked\n",
         "hypervisor.coherency.filter: tracked does not apply with strategy eager-tlbie");
    CASE("    strategy: eager-ipi\n    inject: skip-drain\n",
         "bad.yaml:7: hypervisor.coherency.inject: skip-drain does not apply with strategy "
         "eager-ipi (it has no patch channels); expected patch-channel");
    CASE("    strategy: patch-channel\n    channel: {max_threads: 2}\n",
         "hypervisor.coherency.channel.max_threads: 2, but the machine has 4 hardware threads; "
         "expected at least 4");
    CASE("    strategy: patch-channel\n    channel: {running: sometimes}\n", "tlbie|doorbell");
    CASE("    strategy: kvm-deferred\n    channel: {patches: 8}\n",
         "bad.yaml:7: hypervisor.coherency.channel.patches: set, but strategy kvm-deferred has "
         "no patch channels; expected strategy patch-channel");
#undef CASE
    /* the SMR driver's LPARs are never dispatched: nothing may wait for a
     * dispatch, and its TLB fills are no walks */
    const char *pc[] = {"drivers.smr.ops=10", "hypervisor.coherency.enabled=true",
                        "hypervisor.coherency.strategy=patch-channel", NULL};
    tu_run r = tu_run_config(tu_src("configs/smr/audit.yaml"), pc, tu_tmp("x.csv"), false);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "patch-channel with filter all defers the threads that run no "
                                "vCPU of the LPAR to its next dispatch"), "%s", r.err);
    tu_run_free(&r);
    const char *tr[] = {"drivers.smr.ops=10", "hypervisor.coherency.enabled=true",
                        "hypervisor.coherency.strategy=eager-ipi",
                        "hypervisor.coherency.filter=tracked", NULL};
    r = tu_run_config(tu_src("configs/smr/audit.yaml"), tr, tu_tmp("x.csv"), false);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "hypervisor.coherency.filter: tracked records the threads whose "
                                "walk filled a TLB entry, but a workload driver"), "%s", r.err);
    tu_run_free(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("patch_channel");
    TCase *t = tcase_create("patch_channel");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, drain_at_dispatch);
    tcase_add_test(t, coalescing_exact);
    tcase_add_test(t, overflow_falls_back);
    tcase_add_test(t, tracked_targets_the_fillers);
    tcase_add_test(t, running_consumers);
    tcase_add_test(t, auditor_catches_broken_builds);
    tcase_add_test(t, bad_combinations);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
