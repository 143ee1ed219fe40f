/*
 * check_coherency_shadow.c - TLB coherency mode shadow (the patent
 * literally; sim/hyp/coherency/shadow_int.h) and the coherency driver's
 * pattern shadow, end to end through the lparsim binary:
 *  - the traps charge what the config says: trap entry/exit and decoding
 *    on every traced store, guest tlbiel and hidden fault, one local
 *    tlbiel per guest tlbiel, and eager-tlbie's shadow page table shutdown
 *    one global tlbie of every consumer's translation per store;
 *  - patch-channel with a derived value (394D, 394E current) rewrites the
 *    shadow HPTE at the drain, so a re-touch takes no hidden fault; without
 *    one the drain removes it and every re-touch takes one; with no
 *    re-touch neither takes any;
 *  - every strategy used the same real pages at the same touches (digest);
 *    the injected broken build did not; the digest (by logical page) is the
 *    same when the strategies' hypervisor memory moves the LPAR's LMBs;
 *  - the E2 path (shared processors, dispatches) passes the auditor;
 *  - the auditor catches a build whose drain leaves the shadow HPTE stale;
 *  - bad combinations are refused with FILE:LINE;
 *  - same config and seed, same report.
 * Expected numbers are computed from the config (pages P, vCPUs V, rounds R):
 * the setup touches build V x P shadow HPTEs; each round makes P stores
 * and V x P guest tlbiels.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define csv_get tu_csv_get

#define P 16
#define V 4
#define R 10
#define TLBIEL 266      /* tlb.tlbiel_page_cycles */
#define TLBIE 2660      /* tlb.tlbie_cycles: the first page of a global tlbie */
#define TLBIE_PAGE 1672 /* tlb.tlbie_page_cycles */
#define ENTRY 1000
#define EXIT 300
#define DECODE 77

#define CFG "configs/coherency/shadow.yaml"

static char *run(const char *name, const char *strategy, bool derived, const char *retouch,
                 const char *extra)
{
    char st[96], fi[96], dv[96], us[96], rt[96], ro[96];
    snprintf(st, sizeof st, "hypervisor.coherency.strategy=%s", strategy);
    snprintf(fi, sizeof fi, "hypervisor.coherency.filter=%s",
             strcmp(strategy, "eager-tlbie") ? "tracked" : "all");
    snprintf(dv, sizeof dv, "hypervisor.coherency.channel.derived_value=%s",
             derived ? "true" : "false");
    snprintf(us, sizeof us, "hypervisor.coherency.channel.usefulness=%s",
             derived ? "true" : "false");
    snprintf(rt, sizeof rt, "drivers.coherency.retouch=%s", retouch);
    snprintf(ro, sizeof ro, "drivers.coherency.rounds=%d", R);
    const char *sets[] = {st,
                          fi,
                          dv,
                          us,
                          rt,
                          ro,
                          "hypervisor.audit=true",
                          "hypervisor.coherency.shadow.trap_entry_cycles=1000",
                          "hypervisor.coherency.shadow.trap_exit_cycles=300",
                          "hypervisor.coherency.shadow.emulate_cycles=77",
                          extra,
                          NULL};
    return tu_run_config_ok(CFG, sets, name, false);
}

START_TEST(traps_charge_the_config)
{
    char *csv = run("eager.csv", "eager-tlbie", false, "1", NULL);
    double stores = R * P, tlbies = R * V * P, faults = V * P;
    ck_assert_double_eq(csv_get(csv, "coherency.s0.shadow.stores"), stores);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.shadow.store.count"), stores);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.shadow.store.breakdown.trap"),
                        stores * (ENTRY + EXIT));
    ck_assert_double_gt(csv_get(csv, "ops.coherency.shadow.store.breakdown.emulate"),
                        stores * DECODE); /* + the LMB read and the PTE store */
    /* the shadow page table shutdown: V shadow HPTEs rewritten, one global
     * tlbie of their V translations per store */
    ck_assert_double_eq(csv_get(csv, "coherency.s0.shadow.eager_updates"), stores * V);
    ck_assert_double_eq(csv_get(csv, "coherency.s0.shadow.global_tlbies"), stores);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.shadow.store.breakdown.tlb"),
                        stores * (TLBIE + (V - 1) * TLBIE_PAGE));
    ck_assert_double_gt(csv_get(csv, "ops.coherency.shadow.store.breakdown.shadow_update"), 0);
    /* every guest tlbiel traps: entry + decoding, one local tlbiel, exit */
    ck_assert_double_eq(csv_get(csv, "ops.coherency.shadow.tlbie.count"), tlbies);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.shadow.tlbie.breakdown.entry"),
                        tlbies * (ENTRY + DECODE));
    ck_assert_double_eq(csv_get(csv, "ops.coherency.shadow.tlbie.breakdown.exit"), tlbies * EXIT);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.shadow.tlbie.breakdown.tlb"), tlbies * TLBIEL);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.shadow.tlbie.mean"),
                        ENTRY + DECODE + TLBIEL + EXIT);
    /* the shutdown kept every shadow HPTE: only the setup's hidden faults */
    ck_assert_double_eq(csv_get(csv, "coherency.s0.shadow.hidden_faults"), faults);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.shadow.fault.breakdown.entry"), faults * ENTRY);
    ck_assert_double_eq(csv_get(csv, "ops.coherency.shadow.fault.breakdown.exit"), faults * EXIT);
    ck_assert_double_gt(csv_get(csv, "ops.coherency.shadow.fault.breakdown.walk"), 0);
    ck_assert_double_gt(csv_get(csv, "ops.coherency.shadow.fault.breakdown.build"), 0);
    ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
    free(csv);
}
END_TEST

START_TEST(derived_value_saves_hidden_faults_on_retouch)
{
    double pairs = R * V * P, setup = V * P;
    char *upd = run("upd.csv", "patch-channel", true, "1", NULL);
    char *inv = run("inv.csv", "patch-channel", false, "1", NULL);
    /* tracked: every vCPU filled from the PT page, so V patches a store */
    ck_assert_double_eq(csv_get(upd, "coherency.s0.shadow.patches_written"), pairs);
    ck_assert_double_eq(csv_get(upd, "coherency.s0.shadow.patches_applied"), pairs);
    ck_assert_double_eq(csv_get(upd, "coherency.s0.shadow.updated"), pairs);
    ck_assert_double_eq(csv_get(upd, "coherency.s0.shadow.invalidated"), 0);
    ck_assert_double_eq(csv_get(upd, "coherency.s0.shadow.hidden_faults"), setup);
    ck_assert_double_eq(csv_get(inv, "coherency.s0.shadow.invalidated"), pairs);
    ck_assert_double_eq(csv_get(inv, "coherency.s0.shadow.updated"), 0);
    ck_assert_double_eq(csv_get(inv, "coherency.s0.shadow.hidden_faults"), setup + pairs);
    /* the producer pays no shadow update and no tlbie in either */
    ck_assert_double_eq(csv_get(upd, "ops.coherency.shadow.store.breakdown.tlb"), 0);
    ck_assert_double_eq(csv_get(inv, "ops.coherency.shadow.store.breakdown.shadow_update"), 0);
    ck_assert_double_lt(csv_get(upd, "coherency.s0.shadow.cycles_per_change"),
                        csv_get(inv, "coherency.s0.shadow.cycles_per_change"));
    ck_assert_double_eq(csv_get(upd, "coherency.audit.violations"), 0);
    ck_assert_double_eq(csv_get(inv, "coherency.audit.violations"), 0);
    free(upd);
    free(inv);
    /* no re-touch: no hidden fault after the setup either way; update
     * keeps rewriting the shadow HPTEs, invalidate finds them gone */
    upd = run("upd0.csv", "patch-channel", true, "0", NULL);
    inv = run("inv0.csv", "patch-channel", false, "0", NULL);
    ck_assert_double_eq(csv_get(upd, "coherency.s0.shadow.hidden_faults"), setup);
    ck_assert_double_eq(csv_get(inv, "coherency.s0.shadow.hidden_faults"), setup);
    ck_assert_double_eq(csv_get(upd, "coherency.s0.shadow.updated"), pairs);
    ck_assert_double_eq(csv_get(inv, "coherency.s0.shadow.invalidated"), setup);
    ck_assert_double_eq(csv_get(inv, "coherency.s0.shadow.absent"), pairs - setup);
    ck_assert_double_eq(csv_get(upd, "coherency.s0.shadow.touches"), setup);
    free(upd);
    free(inv);
}
END_TEST

/* Every strategy used the same real pages at the same touches (the rule
 * holds after each E4); the broken build without the auditor did not. */
START_TEST(same_uses_under_every_strategy)
{
    char *e = run("d-eager.csv", "eager-tlbie", false, "0.5", NULL);
    char *u = run("d-upd.csv", "patch-channel", true, "0.5", NULL);
    char *i = run("d-inv.csv", "patch-channel", false, "0.5", NULL);
    double d = csv_get(e, "coherency.s0.shadow.use_digest");
    ck_assert_double_ne(d, 0);
    ck_assert_double_eq(csv_get(u, "coherency.s0.shadow.use_digest"), d);
    ck_assert_double_eq(csv_get(i, "coherency.s0.shadow.use_digest"), d);
    ck_assert_double_eq(csv_get(u, "coherency.s0.shadow.touches"),
                        csv_get(e, "coherency.s0.shadow.touches"));
    const char *broken[] = {"drivers.coherency.rounds=10", "drivers.coherency.retouch=0.5",
                            "hypervisor.coherency.inject=skip-shadow-update", NULL};
    char *b = tu_run_config_ok(CFG, broken, "d-broken.csv", false);
    ck_assert_double_ne(csv_get(b, "coherency.s0.shadow.use_digest"), d);
    free(e), free(u), free(i), free(b);
}
END_TEST

/* The digest does not depend on where the LPAR's LMBs sit: with 16M LMBs
 * patch-channel reserves one more LMB of hypervisor memory than
 * eager-tlbie (its channels), so every real page of the LPAR moves by
 * 16M, yet the touches used the same logical pages (the digest named the
 * real page once and differed here). */
START_TEST(uses_do_not_depend_on_the_layout)
{
    char *e = run("l-eager.csv", "eager-tlbie", false, "0.5", "hypervisor.lmb_size=16M");
    char *u = run("l-upd.csv", "patch-channel", true, "0.5", "hypervisor.lmb_size=16M");
    char *b = run("l-256.csv", "patch-channel", true, "0.5", NULL);
    ck_assert_double_gt(csv_get(u, "machine.hypervisor_bytes"),
                        csv_get(e, "machine.hypervisor_bytes"));
    ck_assert_double_eq(csv_get(u, "coherency.audit.violations"), 0);
    ck_assert_double_eq(csv_get(u, "coherency.s0.shadow.use_digest"),
                        csv_get(e, "coherency.s0.shadow.use_digest"));
    ck_assert_double_eq(csv_get(b, "coherency.s0.shadow.use_digest"),
                        csv_get(e, "coherency.s0.shadow.use_digest"));
    free(e), free(u), free(b);
}
END_TEST

START_TEST(dispatch_drains_pass_the_auditor)
{
    const char *shared[] = {"drivers.coherency.processors=shared", "drivers.coherency.lpars=3",
                            "drivers.coherency.vcpus=2", "drivers.coherency.retouch=0.5",
                            "hypervisor.audit=true", NULL};
    char *csv = tu_run_config_ok(CFG, shared, "shared.csv", false);
    ck_assert_double_gt(csv_get(csv, "coherency.s1.shadow.dispatch_drains"), 0);
    ck_assert_double_gt(csv_get(csv, "coherency.audit.checks"), 0);
    ck_assert_double_gt(csv_get(csv, "coherency.s1.shadow.audit_checks"), 0);
    ck_assert_double_eq(csv_get(csv, "coherency.audit.violations"), 0);
    ck_assert_double_eq(csv_get(csv, "coherency.s2.shadow.patches_pending"), 0);
    free(csv);
}
END_TEST

START_TEST(auditor_catches_a_stale_shadow_hpte)
{
    const char *sets[] = {"hypervisor.audit=true", "drivers.coherency.rounds=5",
                          "hypervisor.coherency.inject=skip-shadow-update", NULL};
    tu_run r = tu_run_config(CFG, sets, tu_tmp("caught.csv"), false);
    ck_assert_msg(r.status == 1, "not caught (status %d): %s", r.status, r.err);
    ck_assert_msg(strstr(r.err, "mode shadow: thread") &&
                      strstr(r.err, "shadow HPTE of LPAR s0's PTE") &&
                      strstr(r.err, "after its guest tlbiel (E4)"),
                  "%s", r.err);
    tu_run_free(&r);
    /* the same build without the auditor runs to the end (wrong on purpose) */
    const char *quiet[] = {"drivers.coherency.rounds=5",
                           "hypervisor.coherency.inject=skip-shadow-update", NULL};
    free(tu_run_config_ok(CFG, quiet, "uncaught.csv", false));
}
END_TEST

START_TEST(same_seed_same_report)
{
    const char *sets[] = {"drivers.coherency.rounds=20", "drivers.coherency.retouch=0.25", NULL};
    char *a = tu_strip_host(tu_run_config_ok(CFG, sets, "a.json", true));
    char *b = tu_strip_host(tu_run_config_ok(CFG, sets, "b.json", true));
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
}
END_TEST

START_TEST(bad_combinations)
{
    tu_write_tmp("one.txt", "#lparsim-trace v1\nL 0x10000000 8\n");
    char y[1024];
#define CASE(coh, want) tu_coherency_refused(1, coh, want)
    CASE("    mode: shadow\n    strategy: latr\n",
         "hypervisor.coherency.mode: shadow does not apply with strategy latr");
    CASE("    mode: shadow\n    strategy: kvm-deferred\n",
         "hypervisor.coherency.mode: shadow does not apply with strategy kvm-deferred");
    CASE("    mode: shadow\n    strategy: patch-channel\n    channel: {derived_value: true}\n",
         "hypervisor.coherency.channel.derived_value: true in mode shadow needs "
         "channel.usefulness: true");
    CASE("    strategy: patch-channel\n    inject: skip-shadow-update\n",
         "hypervisor.coherency.inject: skip-shadow-update does not apply with mode papr");
    CASE("    mode: remap\n    strategy: patch-channel\n    inject: skip-shadow-update\n",
         "hypervisor.coherency.inject: skip-shadow-update does not apply with mode remap");
#undef CASE
    /* pattern shadow without mode shadow */
    snprintf(y, sizeof y,
             "machine: {modules: 1, cores_per_module: 2, threads_per_core: 2}\n"
             "hypervisor:\n  lmb_size: 256M\n  coherency: {enabled: true}\n"
             "drivers:\n  coherency:\n    enabled: true\n    trace: %s\n    pattern: shadow\n",
             tu_tmp("one.txt"));
    tu_refused(y, "drivers.coherency.pattern: shadow needs hypervisor.coherency.mode: shadow");
    /* retouch means nothing to the other patterns */
    snprintf(y, sizeof y,
             "machine: {modules: 1, cores_per_module: 2, threads_per_core: 2}\n"
             "hypervisor:\n  lmb_size: 256M\n  coherency: {enabled: true}\n"
             "drivers:\n  coherency:\n    enabled: true\n    trace: %s\n    retouch: 0.5\n",
             tu_tmp("one.txt"));
    tu_refused(y, "drivers.coherency.retouch: 0.5, but only pattern shadow re-touches its pages");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("coherency_shadow");
    TCase *t = tcase_create("coherency_shadow");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, traps_charge_the_config);
    tcase_add_test(t, derived_value_saves_hidden_faults_on_retouch);
    tcase_add_test(t, same_uses_under_every_strategy);
    tcase_add_test(t, uses_do_not_depend_on_the_layout);
    tcase_add_test(t, dispatch_drains_pass_the_auditor);
    tcase_add_test(t, auditor_catches_a_stale_shadow_hpte);
    tcase_add_test(t, same_seed_same_report);
    tcase_add_test(t, bad_combinations);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
