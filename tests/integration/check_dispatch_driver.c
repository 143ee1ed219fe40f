/*
 * check_dispatch_driver.c - the consolidation workload driver
 * (drivers.dispatch) end to end through the lparsim binary: phases are
 * counted and timed from the model's costs (a phase waits exactly the wake
 * delivery when its core is free), a shared core makes later LPARs' phases
 * wait for the earlier ones, and bad driver configurations are one-line
 * errors at FILE:LINE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define MHZ 3800ull
#define DELIVER 1000ull /* hypervisor interrupt delivery, set in the configs */

static const char *head(unsigned cores)
{
    static char h[512];
    snprintf(h, sizeof h,
             "machine: {seed: 3, modules: 1, cores_per_module: %u, threads_per_core: 1}\n"
             "hypervisor: {lmb_size: 256M, dispatch: {enabled: true}, "
             "interrupts: {deliver_cycles: %llu}}\n",
             cores, DELIVER);
    return h;
}

/* Two LPARs of one vCPU on two free cores (entitlement 1 each): every
 * phase runs its work (plus at most a record), waits nothing the first
 * time and exactly the wake delivery after each idle phase; idle time is
 * what was asked for. */
START_TEST(phases_on_free_cores)
{
    const uint64_t work = 100 * MHZ, idle = 50 * MHZ, phases = 6, n = 2;
    char y[2048];
    snprintf(y, sizeof y,
             "%sdrivers:\n  dispatch: {enabled: true, lpars: %llu, vcpus: 1, trace: %s, "
             "busy_us: 100, idle_us: 50, distribution: fixed, phases: %llu}\n",
             head(2), (unsigned long long)n, tu_busy_trace(), (unsigned long long)phases);
    char *csv = tu_run_yaml("free.yaml", y, "free.csv");
    ck_assert_double_eq(tu_csv_get(csv, "drivers.dispatch.phases"), n * phases);
    ck_assert_double_eq(tu_csv_get(csv, "ops.dispatch.phase.count"), n * phases);
    ck_assert_double_eq(tu_csv_get(csv, "drivers.dispatch.trace_ends"), 0);
    ck_assert_double_eq(tu_csv_get(csv, "drivers.dispatch.idle_cycles"), n * (phases - 1) * idle);
    double busy = tu_csv_get(csv, "drivers.dispatch.busy_cycles");
    ck_assert_double_ge(busy, n * phases * work);
    ck_assert_double_lt(busy, n * phases * (work + 2000)); /* a record's overshoot at most */
    ck_assert_double_eq(tu_csv_get(csv, "ops.dispatch.phase.breakdown.wait"),
                        n * (phases - 1) * DELIVER);
    ck_assert_double_eq(tu_csv_get(csv, "dispatch.s0.cedes"), phases);
    ck_assert_double_eq(tu_csv_get(csv, "dispatch.s1.interrupts"), phases - 1);
    ck_assert_double_eq(tu_csv_get(csv, "dispatch.s0.entitled_cycles") > 0, 1);
    free(csv);
}
END_TEST

/* Two always-busy LPARs on one core (entitlement 0.5 each, one wheel of
 * 10 ms holds all their work): the first runs its phases back to back,
 * the second's first phase waits for all of them (its wait is at least the
 * first LPAR's run time), and both finish all phases. */
START_TEST(phases_share_a_core)
{
    const uint64_t work = 200 * MHZ, phases = 5;
    char y[2048];
    snprintf(y, sizeof y,
             "%sdrivers:\n  dispatch: {enabled: true, lpars: 2, vcpus: 1, trace: %s, "
             "busy_us: 200, idle_us: 0, distribution: fixed, phases: %llu}\n",
             head(1), tu_busy_trace(), (unsigned long long)phases);
    char *csv = tu_run_yaml("share.yaml", y, "share.csv");
    ck_assert_double_eq(tu_csv_get(csv, "drivers.dispatch.phases"), 2 * phases);
    double wait = tu_csv_get(csv, "ops.dispatch.phase.breakdown.wait");
    double run = tu_csv_get(csv, "ops.dispatch.phase.breakdown.run");
    ck_assert_double_ge(wait, phases * work);
    ck_assert_double_lt(wait, 1.05 * phases * work);
    ck_assert_double_ge(run, 2 * phases * work);
    /* one VP waited once for the core, for as long as the phase waited */
    ck_assert_double_ge(tu_csv_get(csv, "ops.dispatch.wait.max"), phases * work);
    free(csv);
}
END_TEST

/* The dispatch trace log (hypervisor.dispatch.dtl) of the free-core run:
 * one row per dispatch of a vCPU: its first (entitled, preempt none), then
 * one per wake from its idle phase (timer, after a timed block), whose
 * waiting_to_ready_time is exactly the idle time in timebase ticks. */
START_TEST(dispatch_trace_log)
{
    const uint64_t idle = 50 * MHZ, phases = 3, n = 2;
    char y[2048], dtl[512];
    snprintf(dtl, sizeof dtl, "%s", tu_tmp("dtl.csv"));
    snprintf(y, sizeof y,
             "machine: {seed: 3, modules: 1, cores_per_module: 2, threads_per_core: 1}\n"
             "hypervisor: {lmb_size: 256M, dispatch: {enabled: true, dtl: %s}}\n"
             "drivers:\n  dispatch: {enabled: true, lpars: %llu, vcpus: 1, trace: %s, "
             "busy_us: 100, idle_us: 50, distribution: fixed, phases: %llu}\n",
             dtl, (unsigned long long)n, tu_busy_trace(), (unsigned long long)phases);
    free(tu_run_yaml("dtl.yaml", y, "dtl_report.csv"));
    char *t = tu_read_file(dtl, NULL);
    ck_assert_ptr_nonnull(t);
    ck_assert_ptr_nonnull(strstr(t, "cycle,lpar,vcpu,dispatch_reason,preempt_reason,"
                                    "processor_id,enqueue_to_dispatch_time,"));
    unsigned rows = 0, first = 0, timer = 0;
    char want[64], line[512];
    snprintf(want, sizeof want, ",0,%llu,", (unsigned long long)(idle * 512 / MHZ));
    for (char *p = strchr(t, '\n') + 1; *p; p = strchr(p, '\n') + 1, rows++) {
        snprintf(line, sizeof line, "%.*s", (int)(strchr(p, '\n') - p), p);
        first += strstr(line, ",entitled,none,") != NULL;
        if (strstr(line, ",timer,block,")) {
            timer++;
            ck_assert_msg(strstr(line, want), "waiting_to_ready_time is not %s: %s", want, line);
        }
    }
    ck_assert_uint_eq(rows, n * phases);
    ck_assert_uint_eq(first, n);
    ck_assert_uint_eq(timer, n * (phases - 1));
    free(t);
}
END_TEST

START_TEST(bad_driver_configs)
{
    const char *tr = tu_busy_trace();
    char y[2048];
    snprintf(y, sizeof y,
             "machine: {modules: 1, cores_per_module: 2, threads_per_core: 1}\n"
             "hypervisor: {lmb_size: 256M}\n"
             "drivers:\n  dispatch: {enabled: true, trace: %s}\n", tr);
    tu_refused(y, "expected hypervisor.dispatch.enabled: true");
    snprintf(y, sizeof y, "%sdrivers:\n  dispatch: {enabled: true, lpars: 2}\n", head(2));
    tu_refused(y, "drivers.dispatch.trace: missing; expected the path of a native trace");
    snprintf(y, sizeof y, "%sdrivers:\n  dispatch: {enabled: true, trace: /nonexistent.trc}\n",
             head(2));
    tu_refused(y, "drivers.dispatch.trace: ");
    snprintf(y, sizeof y, "%sdrivers:\n  dispatch: {enabled: true, vcpus: 2, "
             "virtual_processors: 1, trace: %s}\n", head(2), tr);
    tu_refused(y, "2 vCPUs on 1 virtual processors of 1 threads; expected at most 1");
    snprintf(y, sizeof y, "%sdrivers:\n  dispatch: {enabled: true, vcpus: 1, entitlement: 2, "
             "trace: %s}\n", head(2), tr);
    tu_refused(y, "drivers.dispatch.entitlement: 2 processing units for 1 virtual processors");
    snprintf(y, sizeof y, "%slpars:\n  - {name: s0, vcpus: [{thread: 0, trace: %s}]}\n"
             "drivers:\n  dispatch: {enabled: true, lpars: 1, vcpus: 1, trace: %s}\n",
             head(2), tr, tr);
    tu_refused(y, "generated LPAR 's0' has the name of a configured one");
    /* more entitlement than the pool: the dispatcher's own check */
    snprintf(y, sizeof y, "%sdrivers:\n  dispatch: {enabled: true, lpars: 3, vcpus: 1, "
             "entitlement: 1, trace: %s}\n", head(2), tr);
    tu_refused(y, "entitlements add up to 3 processing units");
    /* a dispatch trace log that cannot be written */
    snprintf(y, sizeof y,
             "machine: {modules: 1, cores_per_module: 2, threads_per_core: 1}\n"
             "hypervisor: {lmb_size: 256M, dispatch: {enabled: true, dtl: /nonexistent/dtl.csv}}\n"
             "drivers:\n  dispatch: {enabled: true, lpars: 1, vcpus: 1, trace: %s}\n", tr);
    tu_refused(y, "hypervisor.dispatch.dtl: /nonexistent/dtl.csv");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dispatch_driver");
    TCase *t = tcase_create("dispatch_driver");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, phases_on_free_cores);
    tcase_add_test(t, phases_share_a_core);
    tcase_add_test(t, dispatch_trace_log);
    tcase_add_test(t, bad_driver_configs);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
