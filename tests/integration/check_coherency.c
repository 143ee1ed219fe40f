/*
 * check_coherency.c - the TLB coherency feature (hypervisor.coherency,
 * issue 11) end to end through the lparsim binary:
 *  - strategy eager-tlbie reproduces the feature disabled bit for bit
 *    (every figure of the JSON report but the feature's own);
 *  - eager-ipi charges base + per_target x targets (filter all: every other
 *    hardware thread; running: the other threads running the LPAR), the
 *    targets' vCPUs lose handler + tlbiel;
 *  - kvm-deferred: an H_REMOVE while the LPAR's other vCPU is off its
 *    thread marks that thread, which flushes the LPAR's entries (one tlbiel
 *    per TLB set) at its next dispatch, charged there; on a one-core pool
 *    both virtual processors share one TLB and nothing is deferred;
 *  - every strategy and filter passes the auditor on an eviction-heavy
 *    machine and on guests that terminate themselves (LPAR flushes);
 *  - the auditor catches a build that skips the deferred flush or an IPI
 *    target's tlbiel;
 *  - with the SMR driver (LPARs without vCPUs using the threads' TLBs)
 *    eager-ipi passes both auditors, deferring strategies are refused;
 *  - combinations that do not apply are refused with FILE:LINE.
 * The H_REMOVE of a known translation names its slot: the PTEG of the
 * page's primary hash (seg_vsid / hpt_hash of sim/mmu), slot 0 (the
 * guest's first free slot in an empty PTEG).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/hpt.h"
#include "testutil.h"

#define csv_get tu_csv_get

#define PAGE_X 0x10000000ull  /* the shared page of the tests */
#define PROCESS 7             /* both vCPUs' address space (same VSIDs) */
#define HPT_BYTES (256 << 10) /* 2048 PTEGs */

/* tlb defaults (POWER9 hash): 256 sets, 266 cycles per tlbiel */
#define TLB_SETS 256
#define TLBIEL 266

/* ptex of PAGE_X's HPTE: its primary PTEG, slot 0. */
static uint64_t ptex_x(void)
{
    uint64_t vsid = seg_vsid(PROCESS, PAGE_X, false);
    return (hpt_hash(vsid, PAGE_X, 12, false) & (HPT_BYTES / 128 - 1)) * 8;
}

/* ---- eager-tlbie == disabled ---- */

/* Random loads and stores over `pages` 4K pages, from a seeded LCG. */
static void random_trace(const char *name, uint64_t seed, int n, int pages)
{
    char *t = malloc((size_t)n * 32 + 64), *p = t;
    p += sprintf(p, "#lparsim-trace v1\n");
    for (int i = 0; i < n; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t pg = (seed >> 33) % (uint64_t)pages;
        p += sprintf(p, "%s 0x%llx 8\n", i % 4 ? "L" : "S",
                     (unsigned long long)(PAGE_X + pg * 4096 + (i % 64) * 8));
    }
    tu_write_tmp(name, t);
    free(t);
}

/* A dedicated LPAR with two vCPUs and a shared one with three on a one-core
 * SMT2 pool, HPTs small enough for thousands of guest evictions (H_REMOVE). */
static const char *eviction_config(void)
{
    random_trace("r1.txt", 1, 12000, 12000);
    random_trace("r2.txt", 2, 12000, 12000);
    random_trace("r3.txt", 3, 6000, 6000);
    char y[2048];
    snprintf(y, sizeof y,
             "machine: {seed: 3, modules: 1, cores_per_module: 2, threads_per_core: 2}\n"
             "hypervisor: {lmb_size: 256M, dispatch: {enabled: true, wheel_us: 200}}\n"
             "lpars:\n"
             "  - name: d\n    memory: 256M\n    hpt_size: 256K\n    vcpus:\n"
             "      - {thread: 0, trace: %s, process: 5}\n"
             "      - {thread: 1, trace: %s, process: 6}\n"
             "  - name: s\n    memory: 256M\n    hpt_size: 256K\n"
             "    processors: {mode: shared, entitlement: 0.8, virtual_processors: 2}\n"
             "    vcpus:\n"
             "      - {trace: %s, process: 9}\n"
             "      - {trace: %s, process: 10}\n"
             "      - {trace: %s, process: 11}\n",
             tu_tmp("r1.txt"), tu_tmp("r2.txt"), tu_tmp("r1.txt"), tu_tmp("r2.txt"),
             tu_tmp("r3.txt"));
    tu_write_tmp("evict.yaml", y);
    static char path[512];
    snprintf(path, sizeof path, "%s", tu_tmp("evict.yaml"));
    return path;
}

/* The report without the feature's own figures: the lines of every
 * "coherency" object (top-level statistics, ops.coherency) removed, and
 * the ops' parts tlb, queueing and coherency (the hcalls' coherency part
 * holds what tlb and queueing held without the feature: checked apart),
 * the commas at line ends dropped (a removed last member leaves one). */
static char *without_coherency(char *s)
{
    char *o = s, *p = s;
    int skip_indent = -1;
    while (*p) {
        char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p + 1) : strlen(p);
        int ind = (int)strspn(p, " ");
        if (skip_indent >= 0) {
            if (ind == skip_indent && p[ind] == '}')
                skip_indent = -1;
            p += len;
            continue;
        }
        if (!strncmp(p + ind, "\"coherency\": {", 14)) {
            skip_indent = ind;
            p += len;
            continue;
        }
        /* an op's parts tlb, queueing and coherency: the hcalls' step moved
         * from the first two to the third (compared apart, from the CSV) */
        if (!strncmp(p + ind, "\"coherency\": ", 13) || !strncmp(p + ind, "\"tlb\": ", 7) ||
            !strncmp(p + ind, "\"queueing\": ", 12)) {
            if (p[ind + (p[ind + 1] == 'c' ? 13 : p[ind + 1] == 't' ? 7 : 12)] != '{') {
                p += len;
                continue;
            }
        }
        size_t k = len;
        while (k && (p[k - 1] == '\n' || p[k - 1] == ','))
            k--;
        memmove(o, p, k);
        o += k;
        *o++ = '\n';
        p += len;
    }
    *o = '\0';
    return s;
}

static void same_as_disabled(const char *cfg, const char *const *extra, const char *tag)
{
    const char *sets[8] = {NULL};
    int n = 0;
    for (; extra && extra[n]; n++)
        sets[n] = extra[n];
    char out[64];
    snprintf(out, sizeof out, "%s-off.json", tag);
    char *off = tu_strip_host(tu_run_config_ok(cfg, sets, out, true));
    sets[n] = "hypervisor.coherency.enabled=true";
    sets[n + 1] = "hypervisor.coherency.strategy=eager-tlbie";
    snprintf(out, sizeof out, "%s-on.json", tag);
    char *on = tu_strip_host(tu_run_config_ok(cfg, sets, out, true));
    ck_assert_msg(strstr(on, "\"coherency\": {") != NULL, "%s: no coherency figures", tag);
    ck_assert_msg(strstr(off, "\"coherency\": {") == NULL, "%s: coherency figures when off", tag);
    ck_assert_str_eq(without_coherency(on), without_coherency(off));
    free(off);
    free(on);
}

START_TEST(eager_tlbie_is_bit_identical)
{
    /* guest evictions on dedicated and shared LPARs */
    const char *cfg = eviction_config();
    same_as_disabled(cfg, NULL, "evict");
    const char *sets[] = {"hypervisor.coherency.enabled=true", NULL};
    char *csv = tu_run_config_ok(cfg, sets, "evict.csv", false);
    double removes = csv_get(csv, "ops.hcall.H_REMOVE.count");
    ck_assert_double_gt(removes, 1000);
    /* one step and one global tlbie per H_REMOVE, the hcalls' coherency
     * part is the steps' (moved out of tlb and queueing) */
    ck_assert_double_eq(csv_get(csv, "coherency.d.invalidations") +
                            csv_get(csv, "coherency.s.invalidations"), removes);
    ck_assert_double_eq(csv_get(csv, "coherency.d.tlbie_global") +
                            csv_get(csv, "coherency.s.tlbie_global"), removes);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.produce.total"),
                        csv_get(csv, "ops.hcall.H_REMOVE.breakdown.coherency"));
    ck_assert_double_eq(csv_get(csv, "ops.hcall.H_REMOVE.breakdown.tlb"), 0);
    ck_assert_double_eq(csv_get(csv, "ops.hcall.H_REMOVE.breakdown.queueing"), 0);
    /* the parts still sum to the total, and the off run's tlb + queueing
     * is the on run's coherency part */
    char *off = tu_run_config_ok(cfg, NULL, "evict-off.csv", false);
    double sum = 0;
    static const char *const parts[] = {"compute", "memory", "tlb", "queueing", "coherency"};
    char key[96];
    for (int i = 0; i < 5; i++) {
        snprintf(key, sizeof key, "ops.hcall.H_REMOVE.breakdown.%s", parts[i]);
        sum += csv_get(csv, key);
    }
    ck_assert_double_eq(sum, csv_get(csv, "ops.hcall.H_REMOVE.total"));
    ck_assert_double_eq(csv_get(off, "ops.hcall.H_REMOVE.total"),
                        csv_get(csv, "ops.hcall.H_REMOVE.total"));
    ck_assert_double_eq(csv_get(off, "ops.hcall.H_REMOVE.breakdown.tlb") +
                            csv_get(off, "ops.hcall.H_REMOVE.breakdown.queueing"),
                        csv_get(csv, "ops.hcall.H_REMOVE.breakdown.coherency"));
    ck_assert_ptr_null(strstr(off, "breakdown.coherency"));
    free(off);
    free(csv);
    /* SMR platform invalidations (unmaps, terminations, PMB reclaims) */
    const char *smr[] = {"drivers.smr.ops=300", NULL};
    same_as_disabled(tu_src("configs/smr/audit.yaml"), smr, "smr");
}
END_TEST

/* ---- eager-ipi: base + per_target x targets ---- */

#define IPI_BASE 4000
#define IPI_PER 500
#define IPI_HANDLER 1000

/* LPAR x: vCPU 0 (thread 0) idles 20000 cycles then removes page X, which
 * vCPU 1 (thread 1) loaded before idling in place (no dispatcher: its
 * thread stays its own) and loads again after; LPAR y touches a page and
 * idles on thread 2; thread 3 has nothing. */
static const char *ipi_config(void)
{
    char t[256];
    snprintf(t, sizeof t, "#lparsim-trace v1\nK 1 20000\nH 0x4 0x0 0x%llx 0x0\n",
             (unsigned long long)ptex_x());
    tu_write_tmp("x0.txt", t);
    snprintf(t, sizeof t, "#lparsim-trace v1\nL 0x%llx 8\nK 1 100000\nL 0x%llx 8\n", PAGE_X,
             PAGE_X);
    tu_write_tmp("x1.txt", t);
    snprintf(t, sizeof t, "#lparsim-trace v1\nL 0x%llx 8\nK 1 100000\n", PAGE_X);
    tu_write_tmp("y0.txt", t);
    char y[2048];
    snprintf(y, sizeof y,
             "machine: {seed: 1, modules: 1, cores_per_module: 2, threads_per_core: 2}\n"
             "hypervisor:\n  lmb_size: 256M\n"
             "  coherency:\n    enabled: true\n    strategy: eager-ipi\n    filter: all\n"
             "    ipi: {base_cycles: %d, per_target_cycles: %d, handler_cycles: %d}\n"
             "lpars:\n"
             "  - name: x\n    memory: 256M\n    hpt_size: 256K\n    vcpus:\n"
             "      - {thread: 0, trace: %s, process: %d}\n"
             "      - {thread: 1, trace: %s, process: %d}\n"
             "  - {name: y, memory: 256M, vcpus: [{thread: 2, trace: %s}]}\n",
             IPI_BASE, IPI_PER, IPI_HANDLER, tu_tmp("x0.txt"), PROCESS, tu_tmp("x1.txt"),
             PROCESS, tu_tmp("y0.txt"));
    tu_write_tmp("ipi.yaml", y);
    static char path[512];
    snprintf(path, sizeof path, "%s", tu_tmp("ipi.yaml"));
    return path;
}

START_TEST(eager_ipi_cost)
{
    const char *cfg = ipi_config();
    const char *all[] = {"hypervisor.audit=true", NULL};
    char *csv = tu_run_config_ok(cfg, all, "ipi-all.csv", false);
    ck_assert_double_eq(csv_get(csv, "hypervisor.hptes_removed"), 1);
    /* filter all: the three other threads of the machine */
    double k = 3;
    ck_assert_double_eq(csv_get(csv, "coherency.x.interrupts_sent"), k);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.produce.breakdown.ipi"),
                        IPI_BASE + IPI_PER * k);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.produce.breakdown.tlb"), TLBIEL);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.produce.breakdown.wait"), 0); /* one page */
    ck_assert_double_eq(csv_get(csv, "ops.coherency.produce.total"),
                        TLBIEL + IPI_BASE + IPI_PER * k);
    ck_assert_double_eq(csv_get(csv, "ops.hcall.H_REMOVE.breakdown.coherency"),
                        TLBIEL + IPI_BASE + IPI_PER * k);
    /* the running targets lose handler + tlbiel: x's vCPU 1 and y's; the
     * idle thread 3 nothing */
    ck_assert_double_eq(csv_get(csv, "coherency.x.interrupts_taken"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.y.interrupts_taken"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.x.interrupt_cycles"), IPI_HANDLER + TLBIEL);
    ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
    /* vCPU 1 re-faults on X once: its entry was gone */
    ck_assert_double_eq(csv_get(csv, "guest.x.page_faults"), 2);
    ck_assert_double_eq(csv_get(csv, "guest.y.page_faults"), 1);
    free(csv);
    /* filter running: thread 1 only; threads 2 and 3 marked need_flush */
    const char *run[] = {"hypervisor.audit=true", "hypervisor.coherency.filter=running", NULL};
    csv = tu_run_config_ok(cfg, run, "ipi-run.csv", false);
    k = 1;
    ck_assert_double_eq(csv_get(csv, "coherency.x.interrupts_sent"), k);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.produce.breakdown.ipi"),
                        IPI_BASE + IPI_PER * k);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.produce.breakdown.tlb"), TLBIEL);
    ck_assert_double_eq(csv_get(csv, "coherency.x.marks"), 2);
    ck_assert_double_gt(csv_get(csv, "ops.coherency.produce.breakdown.mark"), 0);
    ck_assert_double_eq(csv_get(csv, "coherency.y.interrupts_taken"), 0);
    ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
    free(csv);
}
END_TEST

/* ---- kvm-deferred: the flush at the next dispatch ---- */

/* LPAR x shared, two virtual processors of one vCPU each on a pool of
 * `cores` cores (SMT1): vCPU 1 touches X and cedes 200000 cycles (its
 * virtual processor leaves its core); meanwhile vCPU 0 removes X; vCPU 1
 * then touches X again. */
static const char *deferred_config(int cores, const char *strategy, const char *filter)
{
    char t[256];
    snprintf(t, sizeof t, "#lparsim-trace v1\nK 1 50000\nH 0x4 0x0 0x%llx 0x0\nL 0x%llx 8\n",
             (unsigned long long)ptex_x(), PAGE_X + 0x1000);
    tu_write_tmp("v0.txt", t);
    snprintf(t, sizeof t, "#lparsim-trace v1\nL 0x%llx 8\nK 1 200000\nL 0x%llx 8\n", PAGE_X,
             PAGE_X);
    tu_write_tmp("v1.txt", t);
    char y[2048], name[64];
    snprintf(y, sizeof y,
             "machine: {seed: 1, modules: 1, cores_per_module: %d, threads_per_core: 1}\n"
             "hypervisor:\n  lmb_size: 256M\n  dispatch: {enabled: true}\n"
             "  coherency: {enabled: true, strategy: %s, filter: %s}\n"
             "lpars:\n"
             "  - name: x\n    memory: 256M\n    hpt_size: 256K\n"
             "    processors: {mode: shared, entitlement: %d, virtual_processors: 2}\n"
             "    vcpus: [{trace: %s, process: %d}, {trace: %s, process: %d}]\n",
             cores, strategy, filter, cores, tu_tmp("v0.txt"), PROCESS, tu_tmp("v1.txt"),
             PROCESS);
    snprintf(name, sizeof name, "defer-%d-%s-%s.yaml", cores, strategy, filter);
    tu_write_tmp(name, y);
    static char path[4][512];
    static int slot;
    slot = (slot + 1) % 4;
    snprintf(path[slot], sizeof path[slot], "%s", tu_tmp(name));
    return path[slot];
}

START_TEST(kvm_deferred_flushes_at_dispatch)
{
    const char *audit[] = {"hypervisor.audit=true", NULL};
    char *csv = tu_run_config_ok(deferred_config(2, "kvm-deferred", "all"), audit, "kvm2.csv", false);
    ck_assert_double_eq(csv_get(csv, "hypervisor.hptes_removed"), 1);
    /* the caller alone runs x: a local tlbiel, thread 1 marked */
    ck_assert_double_eq(csv_get(csv, "coherency.x.tlbiel_local"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.x.tlbie_global"), 0);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.produce.breakdown.tlb"), TLBIEL);
    ck_assert_double_eq(csv_get(csv, "coherency.x.marks"), 1);
    /* vCPU 1's next dispatch (on its core, thread 1) flushes x's entries
     * there, one tlbiel per set, charged to that dispatch */
    ck_assert_double_eq(csv_get(csv, "coherency.x.dispatch_flushes"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.x.dispatch_flush_cycles"), TLB_SETS * TLBIEL);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.drain.breakdown.full_flush"),
                        TLB_SETS * TLBIEL);
    ck_assert_double_ge(csv_get(csv, "coherency.x.dispatch_flushed_entries"), 1);
    /* one drain per dispatch of a vCPU: both at the start, both wakes */
    ck_assert_double_eq(csv_get(csv, "ops.coherency.drain.count"), 4);
    ck_assert_double_eq(csv_get(csv, "coherency.x.dispatch_checks"), 4);
    /* vCPU 1 re-faults on X after the flush */
    ck_assert_double_eq(csv_get(csv, "ops.page_fault.count"), 3);
    ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
    double kvm_cycles = csv_get(csv, "sim.cycles");
    free(csv);
    /* the same under eager-tlbie: one global tlbie, nothing at dispatch;
     * the run ends earlier by about the flush (vCPU 1 finishes last) */
    csv = tu_run_config_ok(deferred_config(2, "eager-tlbie", "all"), audit, "tlbie2.csv", false);
    ck_assert_double_eq(csv_get(csv, "coherency.x.tlbie_global"), 1);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.drain.count"), 0);
    double d = kvm_cycles - csv_get(csv, "sim.cycles");
    ck_assert_msg(d > TLB_SETS * TLBIEL - 5000 && d < TLB_SETS * TLBIEL + 5000,
                  "kvm-deferred ends %.0f cycles later", d);
    free(csv);
    /* eager-ipi, filter running: no target runs x, thread 1 marked, the
     * same flush at its dispatch */
    csv = tu_run_config_ok(deferred_config(2, "eager-ipi", "running"), audit, "ipi2.csv", false);
    ck_assert_double_eq(csv_get(csv, "coherency.x.interrupts_sent"), 0);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.produce.breakdown.ipi"), 0);
    ck_assert_double_eq(csv_get(csv, "coherency.x.dispatch_flushes"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
    free(csv);
    /* a one-core pool: both virtual processors use thread 0 and its TLB;
     * the caller's tlbiel covers vCPU 1's entries, nothing is deferred */
    csv = tu_run_config_ok(deferred_config(1, "kvm-deferred", "all"), audit, "kvm1.csv", false);
    ck_assert_double_eq(csv_get(csv, "coherency.x.tlbiel_local"), 1);
    ck_assert_double_eq(csv_get(csv, "coherency.x.marks"), 0);
    ck_assert_double_eq(csv_get(csv, "coherency.x.dispatch_flushes"), 0);
    ck_assert_double_eq(csv_get(csv, "ops.page_fault.count"), 3);
    ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
    free(csv);
}
END_TEST

/* ---- the auditor ---- */

static const char *strategy_filter[][2] = {
    {"eager-tlbie", "all"},   {"eager-ipi", "all"},     {"eager-ipi", "running"},
    {"kvm-deferred", "all"},  {"eager-ipi", "tracked"}, {"patch-channel", "all"},
    {"patch-channel", "tracked"}};
#define NSF (int)(sizeof strategy_filter / sizeof strategy_filter[0])

START_TEST(every_strategy_passes_the_auditor)
{
    const char *cfg = eviction_config();
    double records = -1;
    for (int i = 0; i < NSF; i++) {
        char s[64], f[64], out[64];
        snprintf(s, sizeof s, "hypervisor.coherency.strategy=%s", strategy_filter[i][0]);
        snprintf(f, sizeof f, "hypervisor.coherency.filter=%s", strategy_filter[i][1]);
        snprintf(out, sizeof out, "aud-%d.csv", i);
        const char *sets[] = {"hypervisor.coherency.enabled=true", "hypervisor.audit=true", s, f,
                              NULL};
        char *csv = tu_run_config_ok(cfg, sets, out, false);
        ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
        ck_assert_double_gt(csv_get(csv, "coherency.audit.checks"), 1000);
        ck_assert_double_gt(csv_get(csv, "coherency.audit.tlb_entries_checked"), 10000);
        ck_assert_double_gt(csv_get(csv, "ops.hcall.H_REMOVE.count"), 1000);
        if (records < 0)
            records = csv_get(csv, "sim.records");
        ck_assert_double_eq(csv_get(csv, "sim.records"), records);
        free(csv);
    }
}
END_TEST

/* Guests that terminate themselves and have PMBs reclaimed under them
 * (SMR platform operations from their traces): LPAR-wide flushes. */
START_TEST(lpar_flushes_pass_the_auditor)
{
    char *trc = malloc(64 * 1024), *p = trc;
    p += sprintf(p, "#lparsim-trace v1\n");
    for (int pass = 0; pass < 3; pass++) {
        for (int i = 0; i < 200; i++)
            p += sprintf(p, "%s 0x%x 8\n", pass == 2 ? "S" : "L", 0x10000000 + i * 4096);
        p += sprintf(p, pass == 0 ? "H 0xe020 0\n" : pass == 1 ? "H 0xe024 0\nH 0xe024 1\n" : "");
    }
    tu_write_tmp("trig.txt", trc);
    free(trc);
    char cfg[1024];
    snprintf(cfg, sizeof cfg,
             "machine: {name: t, seed: 1, modules: 1, cores_per_module: 1, threads_per_core: 2}\n"
             "hypervisor: {lmb_size: 256M, spare_lmbs: 2, smr: {enabled: true}}\n"
             "lpars:\n"
             "  - {name: a, memory: 512M, vcpus: [{thread: 0, trace: %s}]}\n"
             "  - {name: b, memory: 256M, vcpus: [{thread: 1, trace: %s}]}\n",
             tu_tmp("trig.txt"), tu_tmp("trig.txt"));
    tu_write_tmp("trig.yaml", cfg);
    for (int i = 0; i < NSF; i++) {
        char s[64], f[64], out[64];
        snprintf(s, sizeof s, "hypervisor.coherency.strategy=%s", strategy_filter[i][0]);
        snprintf(f, sizeof f, "hypervisor.coherency.filter=%s", strategy_filter[i][1]);
        snprintf(out, sizeof out, "trig-%d.csv", i);
        const char *sets[] = {"hypervisor.coherency.enabled=true", "hypervisor.audit=true", s, f,
                              NULL};
        char *csv = tu_run_config_ok(tu_tmp("trig.yaml"), sets, out, false);
        ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
        ck_assert_double_ge(csv_get(csv, "coherency.a.flushes"), 1);
        ck_assert_double_eq(csv_get(csv, "audit.violations"), 0);
        free(csv);
    }
}
END_TEST

static void caught(const char *cfg, const char *const *sets, const char *want)
{
    tu_run r = tu_run_config(cfg, sets, tu_tmp("caught.csv"), false);
    ck_assert_msg(r.status == 1, "not caught (status %d): %s", r.status, r.err);
    ck_assert_msg(strstr(r.err, want) != NULL, "'%s' not in '%s'", want, r.err);
    tu_run_free(&r);
}

START_TEST(auditor_catches_broken_builds)
{
    /* the deferred flush skipped: vCPU 1 is dispatched on thread 1 with
     * X's stale entry */
    const char *cfg = deferred_config(2, "kvm-deferred", "all");
    const char *skip[] = {"hypervisor.audit=true",
                          "hypervisor.coherency.inject=skip-dispatch-flush", NULL};
    caught(cfg, skip, "coherency audit (strategy kvm-deferred): thread 1 running LPAR x vCPU 1 "
                      "holds, when dispatched at cycle ");
    caught(cfg, skip, "a stale TLB entry");
    caught(cfg, skip, "no valid HPTE of the LPAR maps its page");
    /* without the auditor the broken build runs (and is wrong) */
    const char *quiet[] = {"hypervisor.coherency.inject=skip-dispatch-flush", NULL};
    char *csv = tu_run_config_ok(cfg, quiet, "broken.csv", false);
    ck_assert_double_eq(csv_get(csv, "coherency.x.dispatch_flushes"), 0);
    ck_assert_double_eq(csv_get(csv, "ops.page_fault.count"), 2); /* stale X used */
    free(csv);
    /* an IPI target acknowledges without its tlbiel: thread 1 runs x */
    const char *ipi[] = {"hypervisor.audit=true", "hypervisor.coherency.filter=running",
                         "hypervisor.coherency.inject=skip-ipi-tlbiel", NULL};
    caught(ipi_config(), ipi, "thread 1 running LPAR x vCPU 1 holds, after the coherency step of "
                              "thread 0 at cycle ");
}
END_TEST

/* The SMR driver's LPARs have no vCPU: its traffic uses the threads' TLBs
 * directly. eager-ipi with filter all reaches every TLB (both auditors
 * pass); a strategy that defers to a dispatch is refused. */
START_TEST(smr_driver_with_strategies)
{
    const char *ok[] = {"drivers.smr.ops=300", "hypervisor.audit=true",
                        "hypervisor.coherency.enabled=true",
                        "hypervisor.coherency.strategy=eager-ipi", NULL};
    char *csv = tu_run_config_ok(tu_src("configs/smr/audit.yaml"), ok, "smr-ipi.csv", false);
    ck_assert_double_eq(csv_get(csv, "audit.violations"), 0);
    ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
    ck_assert_double_gt(csv_get(csv, "coherency.g0.interrupts_sent"), 0);
    free(csv);
    const char *modes[][2] = {{"kvm-deferred", "all"}, {"eager-ipi", "running"}};
    for (int i = 0; i < 2; i++) {
        char s[64], f[64];
        snprintf(s, sizeof s, "hypervisor.coherency.strategy=%s", modes[i][0]);
        snprintf(f, sizeof f, "hypervisor.coherency.filter=%s", modes[i][1]);
        const char *bad[] = {"hypervisor.coherency.enabled=true", s, f, NULL};
        tu_run r = tu_run_config(tu_src("configs/smr/audit.yaml"), bad, tu_tmp("x.csv"), false);
        ck_assert_int_eq(r.status, 1);
        ck_assert_msg(strstr(r.err, "defers the threads that run no vCPU of the LPAR to its next "
                                    "dispatch, but a workload driver (drivers.*) uses the "
                                    "threads' TLBs"), "%s", r.err);
        tu_run_free(&r);
    }
}
END_TEST

/* ---- bad combinations ---- */

START_TEST(bad_combinations)
{
    tu_write_tmp("one.txt", "#lparsim-trace v1\nL 0x10000000 8\n");
    char y[1024];
#define CASE(coh, want) tu_coherency_refused(1, coh, want)
    CASE("    strategy: eager-tlbie\n    filter: running\n",
         "bad.yaml:7: hypervisor.coherency.filter: running does not apply with strategy "
         "eager-tlbie (a global tlbie reaches every thread's TLB at once; expected filter all)");
    CASE("    strategy: kvm-deferred\n    filter: running\n",
         "bad.yaml:7: hypervisor.coherency.filter: running does not apply with strategy "
         "kvm-deferred");
    CASE("    strategy: eager-ipi\n    inject: skip-dispatch-flush\n",
         "bad.yaml:7: hypervisor.coherency.inject: skip-dispatch-flush does not apply with "
         "strategy eager-ipi and filter all");
    CASE("    strategy: kvm-deferred\n    inject: skip-ipi-tlbiel\n",
         "bad.yaml:7: hypervisor.coherency.inject: skip-ipi-tlbiel does not apply with strategy "
         "kvm-deferred");
    CASE("    strategy: bogus\n", "patch-channel");
    CASE("    filter: bogus\n", "all|running|tracked");
#undef CASE
    /* need_flush masks smaller than the machine */
    snprintf(y, sizeof y,
             "machine: {modules: 1, cores_per_module: 40, threads_per_core: 2}\n"
             "hypervisor:\n  lmb_size: 256M\n  coherency:\n    enabled: true\n"
             "    strategy: kvm-deferred\n    max_threads: 64\n"
             "lpars: [{name: a, memory: 256M, vcpus: [{thread: 0, trace: %s}]}]\n",
             tu_tmp("one.txt"));
    tu_refused(y, "bad.yaml:7: hypervisor.coherency.max_threads: 64, but the machine has 80 "
               "hardware threads; expected at least 80");
    /* a key of the disabled feature would be ignored: refused */
    snprintf(y, sizeof y,
             "machine: {modules: 1, cores_per_module: 1, threads_per_core: 2}\n"
             "hypervisor: {lmb_size: 256M, coherency: {strategy: eager-ipi}}\n"
             "lpars: [{name: a, memory: 256M, vcpus: [{thread: 0, trace: %s}]}]\n",
             tu_tmp("one.txt"));
    tu_refused(y, "hypervisor.coherency.strategy: set, but hypervisor.coherency is not enabled");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("coherency");
    TCase *t = tcase_create("coherency");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, eager_tlbie_is_bit_identical);
    tcase_add_test(t, eager_ipi_cost);
    tcase_add_test(t, kvm_deferred_flushes_at_dispatch);
    tcase_add_test(t, every_strategy_passes_the_auditor);
    tcase_add_test(t, lpar_flushes_pass_the_auditor);
    tcase_add_test(t, auditor_catches_broken_builds);
    tcase_add_test(t, smr_driver_with_strategies);
    tcase_add_test(t, bad_combinations);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
