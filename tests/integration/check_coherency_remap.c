/*
 * check_coherency_remap.c - mode remap of the coherency feature
 * (docs/coherency.md, "Mode remap"): the hypervisor's relocations of real
 * pages (drivers.coherency pattern remap, configs/coherency/remap.yaml)
 * deferred for running consumers behind the reuse gate. Checked: the gate
 * holds under every strategy that applies (auditor I1/I2/I6: no violation;
 * no store lost), the counts follow from the config, the parts of
 * coherency.reuse_wait sum to its total, the refused combinations, the
 * injected broken gate caught by the auditor (and losing stores without
 * it), determinism, and the mechanical scaling of the producer with a
 * fixed number of threads caching the pages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define CFG "configs/coherency/remap.yaml"
#define LPARS 2    /* the config's drivers.coherency.lpars */
#define RELOCATE 4 /* ... relocate */
#define ROUNDS 30  /* set below */

static char *run(const char *strategy, const char *filter, const char *extra, const char *out)
{
    char st[96], fi[96];
    snprintf(st, sizeof st, "hypervisor.coherency.strategy=%s", strategy);
    snprintf(fi, sizeof fi, "hypervisor.coherency.filter=%s", filter);
    const char *sets[] = {"hypervisor.audit=true", "drivers.coherency.rounds=30", st, fi, extra,
                          NULL};
    return tu_run_config_ok(tu_src(CFG), sets, out, false);
}

static void gate_holds(const char *strategy, const char *filter, bool defers)
{
    char *csv = run(strategy, filter, NULL, "gate.csv");
    double changes = tu_csv_get(csv, "drivers.coherency.changes");
    ck_assert_double_eq(changes, LPARS * ROUNDS * RELOCATE);
    /* every relocation completed (the last ones at the end), every gate
     * closed and every destination a reuse from the pool */
    ck_assert_double_eq(tu_csv_get(csv, "drivers.coherency.relocations"), changes);
    ck_assert_double_eq(tu_csv_get(csv, "coherency.remap.gates"), changes);
    ck_assert_double_eq(tu_csv_get(csv, "coherency.remap.reuses"), changes);
    ck_assert_double_eq(tu_csv_get(csv, "drivers.coherency.lost_stores"), 0);
    ck_assert_double_eq(tu_csv_get(csv, "coherency.audit.violations"), 0);
    /* reuse_wait: one per relocation, parts summing to the total */
    ck_assert_double_eq(tu_csv_get(csv, "ops.coherency.reuse_wait.count"), changes);
    ck_assert_double_eq(tu_csv_get(csv, "ops.coherency.reuse_wait.breakdown.wait") +
                            tu_csv_get(csv, "ops.coherency.reuse_wait.breakdown.force"),
                        tu_csv_get(csv, "ops.coherency.reuse_wait.total"));
    double forced = tu_csv_get(csv, "coherency.remap.forced");
    double doorbells = tu_csv_get(csv, "coherency.remap.forced_threads");
    if (defers) {
        /* running consumers kept the old translation (allowed, counted)
         * and used it; the hypervisor forced gates when it needed pages
         * (a gate opens at once only when no thread cached the page since
         * its last move: filter tracked) */
        double open = tu_csv_get(csv, "coherency.remap.gates_open");
        ck_assert_msg(strcmp(filter, "tracked") == 0 ? open < changes : open == 0,
                      "%s/%s: %g gates open at once", strategy, filter, open);
        ck_assert(tu_csv_get(csv, "coherency.remap.stale_allowed") > 0);
        ck_assert(tu_csv_get(csv, "drivers.coherency.stale_touches") > 0);
        ck_assert(forced > 0 && doorbells >= forced);
        ck_assert_double_eq(tu_csv_get(csv, "coherency.c0.interrupts_sent") +
                                tu_csv_get(csv, "coherency.c1.interrupts_sent"),
                            doorbells);
        ck_assert(tu_csv_get(csv, "ops.coherency.reuse_wait.breakdown.force") > 0);
    } else {
        /* synchronous: every gate open when the step returned */
        ck_assert_double_eq(tu_csv_get(csv, "coherency.remap.gates_open"), changes);
        ck_assert_double_eq(forced, 0);
        ck_assert_double_eq(tu_csv_get(csv, "coherency.remap.stale_allowed"), 0);
        ck_assert_double_eq(tu_csv_get(csv, "drivers.coherency.stale_touches"), 0);
        ck_assert_double_eq(tu_csv_get(csv, "ops.coherency.reuse_wait.breakdown.force"), 0);
    }
    free(csv);
}

START_TEST(the_gate_holds)
{
    gate_holds("patch-channel", "all", true);
    gate_holds("patch-channel", "tracked", true);
    gate_holds("kvm-deferred", "all", true);
    gate_holds("eager-tlbie", "all", false);
    gate_holds("eager-ipi", "all", false);
    gate_holds("eager-ipi", "tracked", false);
}
END_TEST

START_TEST(patch_channel_remap_patches_running_consumers)
{
    /* dedicated vCPUs, every one running: in mode papr the relocation
     * would be a global tlbie; here every consumer, the producer's own
     * thread included, is sent a patch: 8 threads x 4 pages a round */
    char *csv = run("patch-channel", "all", NULL, "pc.csv");
    ck_assert_double_eq(tu_csv_get(csv, "coherency.c0.sync_tlbies"), 0);
    ck_assert_double_eq(tu_csv_get(csv, "coherency.c0.tlbiel_local"), 0);
    ck_assert_double_eq(tu_csv_get(csv, "coherency.c0.demands"), ROUNDS * RELOCATE * 8);
    ck_assert_double_eq(tu_csv_get(csv, "coherency.c0.patches_pending"), 0);
    free(csv);
}
END_TEST

START_TEST(broken_gate_caught)
{
    const char *sets[] = {"hypervisor.audit=true", "hypervisor.coherency.inject=reuse-before-drain",
                          NULL};
    tu_run r = tu_run_config(tu_src(CFG), sets, tu_tmp("caught.csv"), false);
    ck_assert_msg(r.status == 1, "not caught (status %d): %s", r.status, r.err);
    ck_assert_msg(strstr(r.err, "coherency audit (strategy patch-channel): I2 (reuse gate): real "
                                "page 0x") != NULL, "%s", r.err);
    tu_run_free(&r);
    /* without the auditor it runs to its end and loses stores */
    const char *quiet[] = {"hypervisor.coherency.inject=reuse-before-drain", NULL};
    char *csv = tu_run_config_ok(tu_src(CFG), quiet, "broken.csv", false);
    ck_assert(tu_csv_get(csv, "drivers.coherency.lost_stores") > 0);
    free(csv);
    const char *kvm[] = {"hypervisor.audit=true", "hypervisor.coherency.strategy=kvm-deferred",
                         "hypervisor.coherency.inject=reuse-before-drain", NULL};
    r = tu_run_config(tu_src(CFG), kvm, tu_tmp("caught.csv"), false);
    ck_assert_msg(r.status == 1 && strstr(r.err, "I2 (reuse gate)"), "%s", r.err);
    tu_run_free(&r);
}
END_TEST

static void refused(const char *const *sets, const char *want)
{
    tu_run r = tu_run_config(tu_src(CFG), sets, tu_tmp("x.csv"), false);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, want) != NULL, "'%s' not in '%s'", want, r.err);
    ck_assert_ptr_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1); /* one line */
    tu_run_free(&r);
}

START_TEST(bad_combinations)
{
    const char *gen[] = {"hypervisor.coherency.strategy=tlb-gen", NULL};
    refused(gen, "hypervisor.coherency.mode: remap does not apply with strategy tlb-gen and "
                 "filter all (its one log keeps the last generation only");
    const char *latr[] = {"hypervisor.coherency.strategy=latr", NULL};
    refused(latr, "hypervisor.coherency.mode: remap does not apply with strategy latr and filter "
                  "all (it delays reuse by itself");
    const char *papr[] = {"hypervisor.coherency.mode=papr", NULL};
    refused(papr, "drivers.coherency.pattern: remap is the hypervisor relocating pages, which "
                  "needs hypervisor.coherency.enabled: true and hypervisor.coherency.mode: remap");
    const char *inj[] = {"hypervisor.coherency.mode=papr", "drivers.coherency.pattern=mprotect",
                         "hypervisor.coherency.inject=reuse-before-drain", NULL};
    refused(inj, "hypervisor.coherency.inject: reuse-before-drain does not apply with mode papr "
                 "(no reuse gate); expected mode remap");
    const char *big[] = {"drivers.coherency.spare=40000", NULL};
    refused(big, "drivers.coherency.pages: 40016 pages of 4K (with the spare ones) are more than "
                 "half of an LPAR's");
}
END_TEST

START_TEST(deterministic)
{
    const char *sets[] = {"hypervisor.audit=true", "drivers.coherency.rounds=20", NULL};
    char *a = tu_strip_host(tu_run_config_ok(tu_src(CFG), sets, "a.json", true));
    char *b = tu_strip_host(tu_run_config_ok(tu_src(CFG), sets, "b.json", true));
    ck_assert_msg(strcmp(a, b) == 0, "two runs of one seed differ");
    free(a);
    free(b);
}
END_TEST

/* One LPAR of v dedicated vCPUs (SMT2 cores), only vCPUs 0 and 1 touching
 * the pages: the threads that cache them stay 2 whatever v is. */
static char *scaling(int v, const char *strategy, const char *filter)
{
    char vc[64], co[64], st[96], fi[96], name[64];
    snprintf(vc, sizeof vc, "drivers.coherency.vcpus=%d", v);
    snprintf(co, sizeof co, "machine.cores_per_module=%d", v / 2);
    snprintf(st, sizeof st, "hypervisor.coherency.strategy=%s", strategy);
    snprintf(fi, sizeof fi, "hypervisor.coherency.filter=%s", filter);
    snprintf(name, sizeof name, "scale-%d.csv", v);
    const char *sets[] = {"drivers.coherency.lpars=1", "drivers.coherency.touchers=2",
                          "drivers.coherency.rounds=60", vc, co, st, fi, NULL};
    return tu_run_config_ok(tu_src(CFG), sets, name, false);
}

START_TEST(producer_scaling_with_fixed_sharers)
{
    /* patch-channel, filter tracked: the same patches per change at 2 and
     * 64 vCPUs (the 2 touchers' threads), and a median and mean producer
     * cost within 1.5x. 60 rounds: with 30
     * the median still fell among the ops slowed by the start's write
     * burst (two modes, ~250 and ~540 cycles: 1.9x at machine.seed 2
     * before issue 14, and at seed 1 with the walk from the L2 and the
     * SLB); with 60 it is ~250 at seeds 1-4 with and without them. */
    char *a = scaling(2, "patch-channel", "tracked"), *b = scaling(64, "patch-channel", "tracked");
    ck_assert_double_eq(tu_csv_get(a, "coherency.c0.demands"),
                        tu_csv_get(b, "coherency.c0.demands"));
    ck_assert(tu_csv_get(a, "coherency.c0.demands") > 0);
    double pa = tu_csv_get(a, "ops.coherency.produce.p50");
    double pb = tu_csv_get(b, "ops.coherency.produce.p50");
    ck_assert_msg(pb < 1.5 * pa, "tracked p50 %g at 64 vCPUs vs %g at 2", pb, pa);
    /* and the mean, the check (since issue 14's DRAM handling of
     * many threads' reads; docs/coherency.md) */
    double ma = tu_csv_get(a, "ops.coherency.produce.mean");
    double mb = tu_csv_get(b, "ops.coherency.produce.mean");
    ck_assert_msg(mb < 1.5 * ma, "tracked mean %g at 64 vCPUs vs %g at 2", mb, ma);
    free(a), free(b);
    /* filter all: a patch per thread, so at least 10x */
    a = scaling(2, "patch-channel", "all"), b = scaling(64, "patch-channel", "all");
    pa = tu_csv_get(a, "ops.coherency.produce.p50");
    pb = tu_csv_get(b, "ops.coherency.produce.p50");
    ck_assert_msg(pb > 10 * pa, "filter all p50 %g at 64 vCPUs vs %g at 2", pb, pa);
    free(a), free(b);
    /* eager-tlbie: the broadcast, flat */
    a = scaling(2, "eager-tlbie", "all"), b = scaling(64, "eager-tlbie", "all");
    ck_assert_double_eq(tu_csv_get(a, "ops.coherency.produce.mean"),
                        tu_csv_get(b, "ops.coherency.produce.mean"));
    free(a), free(b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("coherency_remap");
    TCase *t = tcase_create("coherency_remap");
    tcase_set_timeout(t, 600);
    tcase_add_test(t, the_gate_holds);
    tcase_add_test(t, patch_channel_remap_patches_running_consumers);
    tcase_add_test(t, broken_gate_caught);
    tcase_add_test(t, bad_combinations);
    tcase_add_test(t, deterministic);
    tcase_add_test(t, producer_scaling_with_fixed_sharers);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
