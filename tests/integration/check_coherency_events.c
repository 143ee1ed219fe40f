/*
 * check_coherency_events.c - the coherency feature's event E3 (a drain at
 * every hypervisor entry, hypervisor.coherency.drain_at_entry), the
 * several producers per LPAR of hypothesis H3 (drivers.coherency.producers
 * against tlb-gen's log lock) and the hcalls' `coherency` part, end to end
 * through the lparsim binary on configs/coherency/sweep-base.yaml:
 *  - E3, patch-channel with channel.postpone false on a 2x overcommitted
 *    SMT1 pool (1-vCPU LPARs): every hcall of a running vCPU drains its
 *    thread's channels, so patches wait less (stale window) than with the
 *    dispatch (E2) alone; the auditor stays clean, the final translations
 *    are the same; each drain is one coherency.drain op, counted by event;
 *  - E3 with eager-tlbie costs nothing and changes nothing (bit-identical);
 *  - E3 at a wake-up in place: a dedicated vCPU's timed H_CEDEs drain at
 *    their entry and at their end;
 *  - the hcalls' coherency part: every hcall op's parts sum to its total,
 *    and the coherency parts of all hcalls add up to coherency.produce's
 *    total plus the E3 drains' cycles;
 *  - H3: with one producer tlb-gen's log lock is never waited for; with 8
 *    producers at a high rate it is (and all of the produce op's queueing
 *    is that wait); patch-channel has no lock: with channel.running doorbell
 *    its producers never queue;
 *  - bad input (producers out of range) is refused naming the key.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define csv_get tu_csv_get

static const char *base(void)
{
    return tu_src("configs/coherency/sweep-base.yaml");
}

/* The 2x overcommitted pool of the coherency sweep's oversub group, with
 * patch-channel draining every LPAR's patches at an event (no postponement),
 * E3 on or off. */
static char *overcommit(bool e3, const char *out)
{
    const char *sets[] = {"drivers.coherency.processors=shared",
                          "machine.threads_per_core=1",
                          "machine.cores_per_module=4",
                          "drivers.coherency.vcpus=1",
                          "drivers.coherency.lpars=8",
                          "hypervisor.coherency.strategy=patch-channel",
                          "hypervisor.coherency.channel.postpone=false",
                          e3 ? "hypervisor.coherency.drain_at_entry=true"
                             : "hypervisor.coherency.drain_at_entry=false",
                          "hypervisor.audit=true",
                          NULL};
    return tu_run_config_ok(base(), sets, out, false);
}

static const char *const hcalls[] = {"H_ENTER", "H_REMOVE", "H_PROTECT", "H_READ",
                                     "H_BULK_REMOVE", "H_CLEAR_REF", "H_CLEAR_MOD",
                                     "H_CEDE", "H_CONFER", "H_PROD"};
#define NHCALLS (sizeof hcalls / sizeof hcalls[0])

static double hget(const char *csv, const char *name, const char *what)
{
    char key[128];
    snprintf(key, sizeof key, "ops.hcall.%s.%s", name, what);
    return csv_get(csv, key);
}

/* Every hcall op's parts sum to its total; returns the sum of their
 * coherency parts. */
static double coherency_parts(const char *csv)
{
    static const char *const std[] = {"compute", "memory", "tlb", "queueing"};
    double coh = 0;
    for (size_t i = 0; i < NHCALLS; i++) {
        double sum = 0;
        for (int p = 0; p < 4; p++) {
            char what[64];
            snprintf(what, sizeof what, "breakdown.%s", std[p]);
            sum += hget(csv, hcalls[i], what);
        }
        if (!strcmp(hcalls[i], "H_CEDE") || !strcmp(hcalls[i], "H_CONFER") ||
            !strcmp(hcalls[i], "H_PROD"))
            sum += hget(csv, hcalls[i], "breakdown.wait"); /* the dispatcher's own part */
        double c = hget(csv, hcalls[i], "breakdown.coherency");
        ck_assert_double_eq(sum + c, hget(csv, hcalls[i], "total"));
        coh += c;
    }
    return coh;
}

START_TEST(e3_drains_at_hcall_entry)
{
    char *off = overcommit(false, "e3-off.csv");
    char *on = overcommit(true, "e3-on.csv");
    /* E2 only: no drain at an hcall */
    ck_assert_double_eq(csv_get(off, "coherency.events.entry_drains"), 0);
    ck_assert_double_eq(csv_get(off, "coherency.events.entry_cycles"), 0);
    ck_assert_double_eq(csv_get(off, "ops.coherency.drain.count"),
                        csv_get(off, "coherency.events.dispatch_drains"));
    /* E3: the running vCPUs' hcalls drain (one op each, counted by event) */
    ck_assert_double_gt(csv_get(on, "coherency.events.entry_drains"), 0);
    ck_assert_double_gt(csv_get(on, "coherency.events.entry_cycles"), 0);
    ck_assert_double_eq(csv_get(on, "ops.coherency.drain.count"),
                        csv_get(on, "coherency.events.dispatch_drains") +
                            csv_get(on, "coherency.events.entry_drains") +
                            csv_get(on, "coherency.events.wake_drains"));
    /* patches are applied sooner: the stale window is shorter */
    ck_assert_double_gt(csv_get(off, "coherency.c0.patches_applied"), 0);
    ck_assert_double_gt(csv_get(on, "coherency.c0.patches_applied"), 0);
    ck_assert_double_lt(csv_get(on, "coherency.c0.stale_window.mean"),
                        csv_get(off, "coherency.c0.stale_window.mean"));
    ck_assert_double_lt(csv_get(on, "coherency.c0.stale_window.p50"),
                        csv_get(off, "coherency.c0.stale_window.p50"));
    ck_assert_double_lt(csv_get(on, "coherency.c0.stale_window.max"),
                        csv_get(off, "coherency.c0.stale_window.max"));
    /* clean and functionally the same */
    ck_assert_double_eq(csv_get(off, "coherency.audit.violations"), 0);
    ck_assert_double_eq(csv_get(on, "coherency.audit.violations"), 0);
    ck_assert_double_gt(csv_get(on, "coherency.audit.checks"),
                        csv_get(off, "coherency.audit.checks")); /* E3 audited too */
    ck_assert_double_eq(csv_get(off, "drivers.coherency.hpt_digest"),
                        csv_get(on, "drivers.coherency.hpt_digest"));
    ck_assert_double_eq(csv_get(off, "coherency.c0.patches_pending"), 0);
    ck_assert_double_eq(csv_get(on, "coherency.c0.patches_pending"), 0);
    /* the hcalls' coherency part: the produce steps plus the E3 drains */
    ck_assert_double_eq(coherency_parts(off), csv_get(off, "ops.coherency.produce.total"));
    ck_assert_double_eq(coherency_parts(on), csv_get(on, "ops.coherency.produce.total") +
                                                 csv_get(on, "coherency.events.entry_cycles"));
    /* the step is in no other part of the changing hcall */
    ck_assert_double_eq(hget(on, "H_PROTECT", "breakdown.tlb"), 0);
    ck_assert_double_eq(hget(on, "H_PROTECT", "breakdown.queueing"), 0);
    free(off);
    free(on);
}
END_TEST

START_TEST(e3_costs_nothing_with_eager_tlbie)
{
    /* nothing is ever owed: drain_at_entry changes no figure at all */
    const char *a[] = {"hypervisor.coherency.strategy=eager-tlbie",
                       "hypervisor.coherency.drain_at_entry=false", NULL};
    const char *b[] = {"hypervisor.coherency.strategy=eager-tlbie",
                       "hypervisor.coherency.drain_at_entry=true", NULL};
    char *off = tu_strip_host(tu_run_config_ok(base(), a, "tlbie-off.json", true));
    char *on = tu_strip_host(tu_run_config_ok(base(), b, "tlbie-on.json", true));
    ck_assert_str_eq(on, off);
    free(off);
    free(on);
}
END_TEST

/* One LPAR of 16 dedicated vCPUs (8 SMT2 cores), `p` producers at `rate`. */
static char *producers(const char *strategy, int p, int rate, const char *extra, const char *out)
{
    char sp[64], sr[64], ss[96];
    snprintf(sp, sizeof sp, "drivers.coherency.producers=%d", p);
    snprintf(sr, sizeof sr, "drivers.coherency.rate=%d", rate);
    snprintf(ss, sizeof ss, "hypervisor.coherency.strategy=%s", strategy);
    const char *sets[] = {"drivers.coherency.vcpus=16", "machine.cores_per_module=8",
                          "drivers.coherency.rounds=10", "hypervisor.audit=true", sp, sr, ss,
                          extra, NULL};
    return tu_run_config_ok(base(), sets, out, false);
}

START_TEST(h3_lock_wait)
{
    /* one producer: the log's lock is always free */
    char *one = producers("tlb-gen", 1, 320000, NULL, "gen-1.csv");
    ck_assert_double_eq(csv_get(one, "coherency.c0.tlb_gen.lock_waits"), 0);
    ck_assert_double_eq(csv_get(one, "coherency.c0.tlb_gen.lock_wait_cycles"), 0);
    ck_assert_double_eq(csv_get(one, "ops.coherency.produce.breakdown.queueing"), 0);
    /* eight at once: they queue for it, and that is all the produce op's queueing */
    char *eight = producers("tlb-gen", 8, 320000, NULL, "gen-8.csv");
    ck_assert_double_gt(csv_get(eight, "coherency.c0.tlb_gen.lock_waits"), 0);
    ck_assert_double_gt(csv_get(eight, "coherency.c0.tlb_gen.lock_wait_cycles"), 0);
    ck_assert_double_eq(csv_get(eight, "ops.coherency.produce.breakdown.queueing"),
                        csv_get(eight, "coherency.c0.tlb_gen.lock_wait_cycles"));
    /* the same changes either way */
    ck_assert_double_eq(csv_get(one, "drivers.coherency.changes"),
                        csv_get(eight, "drivers.coherency.changes"));
    ck_assert_double_eq(csv_get(one, "drivers.coherency.hpt_digest"),
                        csv_get(eight, "drivers.coherency.hpt_digest"));
    /* patch-channel's producers write their own rows: no lock to wait for */
    char *pc = producers("patch-channel", 8, 320000, "hypervisor.coherency.channel.running=doorbell",
                         "pc-8.csv");
    ck_assert_double_gt(csv_get(pc, "coherency.c0.patches_written"), 0);
    ck_assert_double_eq(csv_get(pc, "ops.coherency.produce.breakdown.queueing"), 0);
    ck_assert_ptr_null(strstr(pc, "tlb_gen.lock"));
    ck_assert_double_eq(csv_get(pc, "drivers.coherency.hpt_digest"),
                        csv_get(one, "drivers.coherency.hpt_digest"));
    free(one);
    free(eight);
    free(pc);
}
END_TEST

/* E3 at a wake-up in place: a dedicated vCPU's idle markers are timed
 * H_CEDEs (hypervisor.dispatch owns H_CEDE) that wait on its thread; each
 * is an entry (before the hcall's work) and a wake-up (its end). */
START_TEST(e3_at_cede_wakeup)
{
    char t[4096], *p = t;
    p += sprintf(p, "#lparsim-trace v1\n");
    for (int i = 0; i < 10; i++)
        p += sprintf(p, "L 0x%x 8\nK 1 20000\n", 0x10000000 + i * 4096);
    tu_write_tmp("cede.txt", t);
    char y[2048];
    for (int on = 0; on < 2; on++) {
        snprintf(y, sizeof y,
                 "machine: {seed: 1, modules: 1, cores_per_module: 2, threads_per_core: 1}\n"
                 "hypervisor:\n  lmb_size: 256M\n  dispatch: {enabled: true}\n"
                 "  coherency: {enabled: true, strategy: kvm-deferred, drain_at_entry: %s}\n"
                 "lpars:\n  - {name: d, memory: 256M, vcpus: [{thread: 0, trace: %s}, "
                 "{thread: 1, trace: %s}]}\n",
                 on ? "true" : "false", tu_tmp("cede.txt"), tu_tmp("cede.txt"));
        char *csv = tu_run_yaml(on ? "cede-on.yaml" : "cede-off.yaml", y,
                                on ? "cede-on.csv" : "cede-off.csv");
        double cedes = csv_get(csv, "ops.hcall.H_CEDE.count");
        ck_assert_double_eq(cedes, 20);
        /* every hcall (the H_CEDEs, the guest's H_ENTERs) at its entry,
         * every H_CEDE at its end */
        ck_assert_double_gt(csv_get(csv, "ops.hcall.H_ENTER.count"), 0);
        ck_assert_double_eq(csv_get(csv, "coherency.events.entry_drains"),
                            on ? csv_get(csv, "hypervisor.hcalls") : 0);
        ck_assert_double_eq(csv_get(csv, "coherency.events.wake_drains"), on ? cedes : 0);
        /* each reads the thread's need_flush word (never set: it runs the
         * LPAR), in the hcalls' coherency part (no change: no produce) */
        ck_assert_double_eq(csv_get(csv, "ops.coherency.produce.count"), 0);
        ck_assert_double_eq(csv_get(csv, "ops.hcall.H_CEDE.breakdown.coherency") +
                                csv_get(csv, "ops.hcall.H_ENTER.breakdown.coherency"),
                            csv_get(csv, "coherency.events.entry_cycles"));
        if (on)
            ck_assert_double_gt(csv_get(csv, "coherency.events.entry_cycles"), 0);
        ck_assert_double_eq(csv_get(csv, "coherency.d.dispatch_flushes"), 0);
        ck_assert_double_eq(csv_get(csv, "ops.hcall.H_CEDE.breakdown.wait"), cedes * 20000);
        free(csv);
    }
}
END_TEST

START_TEST(bad_producers)
{
    const char *sets[] = {"drivers.coherency.producers=65", NULL};
    tu_run r = tu_run_config(base(), sets, tu_tmp("bad.csv"), false);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "drivers.coherency.producers") != NULL, "%s", r.err);
    tu_run_free(&r);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("coherency_events");
    TCase *tc = tcase_create("events");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, e3_drains_at_hcall_entry);
    tcase_add_test(tc, e3_costs_nothing_with_eager_tlbie);
    tcase_add_test(tc, e3_at_cede_wakeup);
    tcase_add_test(tc, h3_lock_wait);
    tcase_add_test(tc, bad_producers);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(suite());
}
