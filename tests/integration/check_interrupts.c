/*
 * check_interrupts.c - interrupts delivered to vCPUs, end to end through
 * the lparsim binary: an H_IPI between dedicated vCPUs charges the
 * target's thread exactly hypervisor.interrupts.deliver_cycles; a ceded
 * shared vCPU is woken by an H_IPI from another core and by a doorbell
 * marker from its sibling thread, each wake costing exactly the delivery
 * (and never charged twice); a running shared vCPU takes interrupts on its
 * pool thread, one whose virtual processor is off a core when it is next
 * dispatched; a doorbell to a vCPU the LPAR does not have is an error
 * naming the trace and the record. A run without interrupts reports no
 * interrupt statistics or ops.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define csv_get tu_csv_get

/* The costs the configs below set (so the expectations are computed here). */
#define DELIVER 4321ull
#define ENTRY 150ull
#define EXIT 100ull
#define STEP 4ull

#define HYP_COSTS                                                                                  \
    "hcall_entry_cycles: 150, hcall_exit_cycles: 100, step_cycles: 4,\n"                          \
    "             interrupts: {deliver_cycles: 4321, doorbell_cycles: 60}"

static void write_trace(const char *name, const char *body)
{
    char *t = malloc(strlen(body) + 64);
    sprintf(t, "#lparsim-trace v1\n%s", body);
    tu_write_tmp(name, t);
    free(t);
}

/* n instruction records at one pc: after its first fetch (a page fault)
 * every one hits the L1 and the TLB, so its time does not depend on when
 * it runs. */
static char *same_pc(const char *head, int n, const char *tail)
{
    char *b = malloc((size_t)n * 24 + strlen(head) + strlen(tail) + 1), *p = b;
    p += sprintf(p, "%s", head);
    for (int i = 0; i < n; i++)
        p += sprintf(p, "I 0x10000000 4\n");
    sprintf(p, "%s", tail);
    return b;
}

static bool has_key(const char *csv, const char *key)
{
    size_t n = strlen(key);
    for (const char *p = csv; (p = strstr(p, key)); p += n)
        if ((p == csv || p[-1] == '\n') && p[n] == ',')
            return true;
    return false;
}

/* Two dedicated vCPUs of one LPAR on two cores: vCPU 0 works, then sends
 * vCPU 1 (still working: a much longer trace) an H_IPI with the given
 * mfrr, or, for the baseline, an ignored marker in its place. */
static char *dedicated_ipi(const char *last, const char *out)
{
    char *snd = same_pc("", 200, last);
    char *tgt = same_pc("", 20000, "");
    write_trace("snd.txt", snd);
    write_trace("tgt.txt", tgt);
    free(snd);
    free(tgt);
    char y[2048];
    snprintf(y, sizeof y,
             "machine: {seed: 1, modules: 1, cores_per_module: 2, threads_per_core: 1}\n"
             "hypervisor: {lmb_size: 256M, " HYP_COSTS "}\n"
             "lpars:\n  - name: a\n    memory: 256M\n"
             "    vcpus: [{thread: 0, trace: %s}, {thread: 1, trace: %s}]\n",
             tu_tmp("snd.txt"), tu_tmp("tgt.txt"));
    return tu_run_yaml("ded.yaml", y, out);
}

/* (a) The target's thread is charged exactly deliver_cycles: the run ends
 * (the target's trace is the longer) that much later than without the
 * IPI; one interrupt.deliver op of that length; interrupts.external = 1;
 * the H_IPI op is entry + one step + exit. mfrr 0xFF raises nothing. */
START_TEST(ipi_between_dedicated_vcpus)
{
    char *base = dedicated_ipi("K 99\n", "base.csv");
    char *ipi = dedicated_ipi("H 0x6c 1 0x5\n", "ipi.csv");
    char *none = dedicated_ipi("H 0x6c 1 0xff\n", "none.csv");
    double b = csv_get(base, "sim.cycles");
    ck_assert_double_eq(csv_get(ipi, "sim.cycles"), b + DELIVER);
    ck_assert_double_eq(csv_get(ipi, "interrupts.external"), 1);
    ck_assert_double_eq(csv_get(ipi, "interrupts.doorbell"), 0);
    ck_assert_double_eq(csv_get(ipi, "ops.interrupt.deliver.count"), 1);
    ck_assert_double_eq(csv_get(ipi, "ops.interrupt.deliver.total"), DELIVER);
    ck_assert_double_eq(csv_get(ipi, "ops.interrupt.deliver.breakdown.deliver"), DELIVER);
    ck_assert_double_eq(csv_get(ipi, "ops.hcall.H_IPI.count"), 1);
    ck_assert_double_eq(csv_get(ipi, "ops.hcall.H_IPI.total"), ENTRY + STEP + EXIT);
    ck_assert_double_eq(csv_get(ipi, "hypervisor.hcall_errors"), 0);
    /* mfrr 0xFF: the hcall, no interrupt */
    ck_assert_double_eq(csv_get(none, "sim.cycles"), b);
    ck_assert_double_eq(csv_get(none, "ops.hcall.H_IPI.count"), 1);
    ck_assert(!has_key(none, "interrupts.external"));
    ck_assert(!has_key(none, "ops.interrupt.deliver.count"));
    /* without interrupts nothing of them is reported */
    ck_assert(has_key(base, "sim.cycles"));
    ck_assert(!has_key(base, "interrupts.external"));
    ck_assert(!has_key(base, "ops.interrupt.deliver.count"));
    ck_assert(!has_key(base, "ops.hcall.H_IPI.count"));
    free(base);
    free(ipi);
    free(none);
}
END_TEST

/* (b) A shared LPAR, SMT2, on two pool cores: vCPUs 0 and 1 ride on
 * virtual processor 0, vCPU 2 on virtual processor 1 (the other core).
 * vCPU 0 waits (K 2) and is woken by vCPU 2's H_IPI; it prods vCPU 1 and
 * waits again, and vCPU 1 wakes it with a doorbell (K 3 0, msgsndp: the
 * same virtual processor). Every wake (the two interrupts, the prod) finds
 * its virtual processor's core ready for it: dispatch.wake is exactly
 * deliver_cycles, and the delivery is not charged a second time (no
 * interrupt.deliver op). */
START_TEST(ceded_shared_vcpu_woken_by_ipi_and_doorbell)
{
    write_trace("v0.txt", "K 2\nL 0x10000000 8\nH 0xe8 1\nK 2\nL 0x10001000 8\n");
    write_trace("v1.txt", "K 2\nL 0x10800000 8\nK 3 0\n");
    write_trace("v2.txt", "L 0x11000000 8\nH 0x6c 0 0\n");
    char y[2048];
    snprintf(y, sizeof y,
             "machine: {seed: 1, modules: 1, cores_per_module: 2, threads_per_core: 2}\n"
             "hypervisor: {lmb_size: 256M, dispatch: {enabled: true},\n"
             "             " HYP_COSTS "}\n"
             "lpars:\n  - name: a\n    memory: 256M\n"
             "    processors: {mode: shared, entitlement: 2, virtual_processors: 2}\n"
             "    vcpus: [{trace: %s}, {trace: %s}, {trace: %s}]\n",
             tu_tmp("v0.txt"), tu_tmp("v1.txt"), tu_tmp("v2.txt"));
    char *csv = tu_run_yaml("wake.yaml", y, "wake.csv");
    ck_assert_double_eq(csv_get(csv, "sim.records"), 5 + 3 + 2);
    ck_assert_double_eq(csv_get(csv, "interrupts.external"), 1);
    ck_assert_double_eq(csv_get(csv, "interrupts.doorbell"), 1);
    ck_assert_double_eq(csv_get(csv, "interrupts.doorbell_msgsnd"), 0);
    ck_assert_double_eq(csv_get(csv, "dispatch.a.interrupts"), 2);
    ck_assert_double_eq(csv_get(csv, "dispatch.a.prods"), 1);
    ck_assert_double_eq(csv_get(csv, "dispatch.a.cedes"), 3);
    ck_assert_double_eq(csv_get(csv, "ops.dispatch.wake.count"), 3);
    ck_assert_double_eq(csv_get(csv, "ops.dispatch.wake.min"), DELIVER);
    ck_assert_double_eq(csv_get(csv, "ops.dispatch.wake.max"), DELIVER);
    ck_assert_double_eq(csv_get(csv, "ops.dispatch.wake.breakdown.deliver"), 3 * DELIVER);
    ck_assert(!has_key(csv, "ops.interrupt.deliver.count"));
    ck_assert_double_eq(csv_get(csv, "ops.hcall.H_IPI.count"), 1);
    free(csv);
}
END_TEST

/* A running shared vCPU takes an H_IPI and a doorbell from the other
 * virtual processor (msgsnd: not a sibling) on the pool thread it runs on:
 * two interrupt.deliver ops of deliver_cycles; no wake. */
START_TEST(running_shared_vcpu_takes_interrupts_on_its_thread)
{
    char *v0 = same_pc("", 20000, "");
    write_trace("r0.txt", v0);
    free(v0);
    write_trace("r1.txt", "L 0x11000000 8\nH 0x6c 0 1\nK 3 0\n");
    char y[2048];
    snprintf(y, sizeof y,
             "machine: {seed: 1, modules: 1, cores_per_module: 2, threads_per_core: 1}\n"
             "hypervisor: {lmb_size: 256M, dispatch: {enabled: true},\n"
             "             " HYP_COSTS "}\n"
             "lpars:\n  - name: a\n    memory: 256M\n"
             "    processors: {mode: shared, entitlement: 2, virtual_processors: 2}\n"
             "    vcpus: [{trace: %s}, {trace: %s}]\n",
             tu_tmp("r0.txt"), tu_tmp("r1.txt"));
    char *csv = tu_run_yaml("run.yaml", y, "run.csv");
    ck_assert_double_eq(csv_get(csv, "interrupts.external"), 1);
    ck_assert_double_eq(csv_get(csv, "interrupts.doorbell"), 1);
    ck_assert_double_eq(csv_get(csv, "interrupts.doorbell_msgsnd"), 1);
    ck_assert_double_eq(csv_get(csv, "dispatch.a.interrupts"), 2);
    ck_assert_double_eq(csv_get(csv, "ops.interrupt.deliver.count"), 2);
    ck_assert_double_eq(csv_get(csv, "ops.interrupt.deliver.total"), 2 * DELIVER);
    ck_assert_double_eq(csv_get(csv, "ops.dispatch.wake.count"), 0);
    free(csv);
}
END_TEST

/* Two virtual processors share the one pool core (core 0 runs a dedicated
 * LPAR), uncapped. Virtual processor 0 runs first, until its budget is
 * spent; then vCPU 1 interrupts vCPU 0, whose virtual processor is off the
 * core: it takes the interrupt when next dispatched, one interrupt.deliver
 * of deliver_cycles. */
START_TEST(preempted_shared_vcpu_takes_interrupt_when_dispatched)
{
    char *v0 = same_pc("", 60000, "");
    write_trace("p0.txt", v0);
    write_trace("pd.txt", v0);
    free(v0);
    write_trace("p1.txt", "L 0x11000000 8\nH 0x6c 0 0\n");
    char y[2048];
    snprintf(y, sizeof y,
             "machine: {seed: 1, modules: 1, cores_per_module: 2, threads_per_core: 1}\n"
             "hypervisor: {lmb_size: 256M, dispatch: {enabled: true, wheel_us: 10},\n"
             "             " HYP_COSTS "}\n"
             "lpars:\n"
             "  - {name: d, memory: 256M, vcpus: [{thread: 0, trace: %s}]}\n"
             "  - name: a\n    memory: 256M\n"
             "    processors: {mode: shared, entitlement: 0.5, virtual_processors: 2, "
             "capped: false}\n"
             "    vcpus: [{trace: %s}, {trace: %s}]\n",
             tu_tmp("pd.txt"), tu_tmp("p0.txt"), tu_tmp("p1.txt"));
    char *csv = tu_run_yaml("pend.yaml", y, "pend.csv");
    ck_assert_double_eq(csv_get(csv, "sim.records"), 60000 * 2 + 2);
    ck_assert_double_eq(csv_get(csv, "interrupts.external"), 1);
    ck_assert_double_eq(csv_get(csv, "dispatch.a.interrupts"), 1);
    ck_assert_double_eq(csv_get(csv, "ops.interrupt.deliver.count"), 1);
    ck_assert_double_eq(csv_get(csv, "ops.interrupt.deliver.total"), DELIVER);
    ck_assert_double_eq(csv_get(csv, "ops.dispatch.wake.count"), 0);
    ck_assert_double_ge(csv_get(csv, "dispatch.a.preemptions"), 1);
    free(csv);
}
END_TEST

static void trace_refused(const char *yaml, const char *trace, const char *want)
{
    ck_assert_int_eq(tu_write_file(tu_tmp("bad.yaml"), yaml), 0);
    const char *argv[] = {"run", tu_tmp("bad.yaml"), "-q", NULL};
    tu_run r = tu_lparsim(argv);
    ck_assert_msg(r.status == 1, "accepted: %s", yaml);
    ck_assert_msg(strstr(r.err, trace) != NULL, "no trace path %s in '%s'", trace, r.err);
    ck_assert_msg(strstr(r.err, want) != NULL, "'%s' not in '%s'", want, r.err);
    ck_assert_msg(strchr(r.err, '\n') == strrchr(r.err, '\n'), "not one line: %s", r.err);
    tu_run_free(&r);
}

/* (d) A doorbell marker to a vCPU the LPAR does not have: one line naming
 * the trace, the record (the vCPU's own count, also for a shared vCPU on a
 * pool thread that ran another vCPU before), the vCPU and the range. */
START_TEST(doorbell_to_missing_vcpu_is_an_error)
{
    write_trace("bad.txt", "I 0x10000000 4\nK 3 7\n");
    char y[2048];
    snprintf(y, sizeof y,
             "machine: {seed: 1, modules: 1, cores_per_module: 2, threads_per_core: 1}\n"
             "hypervisor: {lmb_size: 256M}\n"
             "lpars:\n  - name: a\n    memory: 256M\n"
             "    vcpus: [{thread: 0, trace: %s}, {thread: 1, trace: %s}]\n",
             tu_tmp("bad.txt"), tu_tmp("bad.txt"));
    char where[600];
    snprintf(where, sizeof where, "%s record 2", tu_tmp("bad.txt"));
    trace_refused(y, where, "doorbell marker (K 3) to vCPU 7, which does not exist; expected a vCPU "
                      "of the LPAR, 0..1");
    /* shared: vCPU 0 runs three records and waits for ever, then vCPU 1
     * runs on the same pool thread: its bad marker is its record 2 */
    write_trace("w.txt", "I 0x10000000 4\nI 0x10000000 4\nK 2\n");
    snprintf(y, sizeof y,
             "machine: {seed: 1, modules: 1, cores_per_module: 1, threads_per_core: 1}\n"
             "hypervisor: {lmb_size: 256M, dispatch: {enabled: true}}\n"
             "lpars:\n  - name: s\n    memory: 256M\n"
             "    processors: {mode: shared, entitlement: 1, virtual_processors: 2}\n"
             "    vcpus: [{trace: %s}, {trace: %s}]\n",
             tu_tmp("w.txt"), tu_tmp("bad.txt"));
    trace_refused(y, where, "LPAR s vCPU 1: doorbell marker (K 3) to vCPU 7");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("interrupts");
    TCase *t = tcase_create("interrupts");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, ipi_between_dedicated_vcpus);
    tcase_add_test(t, ceded_shared_vcpu_woken_by_ipi_and_doorbell);
    tcase_add_test(t, running_shared_vcpu_takes_interrupts_on_its_thread);
    tcase_add_test(t, preempted_shared_vcpu_takes_interrupt_when_dispatched);
    tcase_add_test(t, doorbell_to_missing_vcpu_is_an_error);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
