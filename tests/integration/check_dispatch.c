/*
 * check_dispatch.c - shared-processor dispatch end to end through the
 * lparsim binary: a capped LPAR consumes its entitlement, two uncapped
 * LPARs split unused capacity by weight, SMT virtual processors carry
 * several vCPUs, an explicit shared pool confines shared LPARs to its
 * cores, bad processor and pool configurations are one-line errors naming
 * FILE:LINE and the allowed range.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define MHZ 3800ull

#define csv_get tu_csv_get

/* A capped LPAR, always busy, consumes its entitlement within 1% over 100
 * wheel periods (wheel 100 us, entitlement 0.5 on a pool of 2 cores). */
START_TEST(capped_consumes_entitlement)
{
    const uint64_t wheel = 100 * MHZ, wheels = 100;
    char y[2048];
    snprintf(y, sizeof y,
             "machine: {seed: 1, modules: 1, cores_per_module: 2, threads_per_core: 1}\n"
             "hypervisor: {lmb_size: 256M, dispatch: {enabled: true, wheel_us: 100}}\n"
             "run: {max_cycles: %llu}\n"
             "lpars:\n  - name: a\n    memory: 256M\n"
             "    processors: {mode: shared, entitlement: 0.5, capped: true}\n"
             "    vcpus: [{trace: %s, repeat: 100000}]\n",
             (unsigned long long)(wheel * wheels), tu_busy_trace());
    char *csv = tu_run_yaml("cap.yaml", y, "cap.csv");
    double got = csv_get(csv, "dispatch.a.consumed_cycles");
    double want = 0.5 * (double)(wheel * wheels);
    ck_assert_msg(got > want * 0.99 && got < want * 1.01, "consumed %.0f, entitled %.0f", got, want);
    ck_assert_double_ge(csv_get(csv, "dispatch.a.preemptions"), wheels - 1);
    /* the dispatcher put it on a core once per period */
    ck_assert_double_ge(csv_get(csv, "dispatch.a.dispatches"), wheels);
    free(csv);
}
END_TEST

/* Two uncapped LPARs of weight 192 and 64 on one spare core (the other
 * runs a dedicated LPAR): beyond their entitlements (0.05 each) they split
 * the core 3:1 within 5%, and together use all of it. */
START_TEST(uncapped_split_by_weight)
{
    const char *tr = tu_busy_trace();
    char y[4096];
    snprintf(y, sizeof y,
             "machine: {seed: 1, modules: 1, cores_per_module: 2, threads_per_core: 1}\n"
             "hypervisor: {lmb_size: 256M, dispatch: {enabled: true, wheel_us: 100, "
             "slice_us: 5}}\n"
             "run: {max_cycles: %llu}\n"
             "lpars:\n"
             "  - {name: d, memory: 256M, vcpus: [{thread: 0, trace: %s, repeat: 100000}]}\n"
             "  - name: a\n    memory: 256M\n"
             "    processors: {mode: shared, entitlement: 0.05, capped: false, weight: 192}\n"
             "    vcpus: [{trace: %s, repeat: 100000}]\n"
             "  - name: b\n    memory: 256M\n"
             "    processors: {mode: shared, entitlement: 0.05, capped: false, weight: 64}\n"
             "    vcpus: [{trace: %s, repeat: 100000}]\n",
             (unsigned long long)(100 * 100 * MHZ), tr, tr, tr);
    char *csv = tu_run_yaml("w.yaml", y, "w.csv");
    double a = csv_get(csv, "dispatch.a.consumed_cycles"), b = csv_get(csv, "dispatch.b.consumed_cycles");
    double ea = csv_get(csv, "dispatch.a.entitled_cycles"), eb = csv_get(csv, "dispatch.b.entitled_cycles");
    double ratio = (a - ea) / (b - eb);
    ck_assert_msg(ratio > 3 * 0.95 && ratio < 3 * 1.05, "excess split %.3f:1", ratio);
    double cyc = csv_get(csv, "sim.cycles");
    ck_assert_msg((a + b) / cyc > 0.99, "the spare core was used %.3f", (a + b) / cyc);
    free(csv);
}
END_TEST

/* SMT: one virtual processor carries two vCPUs on the two threads of the
 * one pool core (core 0 runs a dedicated LPAR), which it shares with
 * another LPAR's; every trace runs to its end; a switch saves and
 * restores state through the caches (op dispatch.switch has memory
 * cycles). */
START_TEST(virtual_processor_carries_smt_vcpus)
{
    const char *tr = tu_busy_trace();
    char y[2048];
    snprintf(y, sizeof y,
             "machine: {seed: 1, modules: 1, cores_per_module: 2, threads_per_core: 2}\n"
             "hypervisor: {lmb_size: 256M, dispatch: {enabled: true, wheel_us: 50}}\n"
             "lpars:\n"
             "  - {name: d, memory: 256M, vcpus: [{thread: 0, trace: %s}]}\n"
             "  - name: a\n    memory: 256M\n"
             "    processors: {mode: shared, entitlement: 0.4, virtual_processors: 1}\n"
             "    vcpus: [{trace: %s}, {trace: %s}]\n"
             "  - name: b\n    memory: 256M\n"
             "    processors: {mode: shared, entitlement: 0.4, virtual_processors: 1}\n"
             "    vcpus: [{trace: %s}]\n",
             tr, tr, tr, tr);
    char *csv = tu_run_yaml("smt.yaml", y, "smt.csv");
    /* every record replayed: 4000 per trace, four traces */
    double recs = csv_get(csv, "sim.records");
    ck_assert_double_eq(recs, 4 * 4000);
    ck_assert_double_gt(csv_get(csv, "ops.dispatch.switch.count"), 0);
    ck_assert_double_gt(csv_get(csv, "ops.dispatch.switch.breakdown.memory"), 0);
    ck_assert_double_gt(csv_get(csv, "dispatch.a.consumed_cycles"), 0);
    free(csv);
}
END_TEST

/* Ping-pong through H_PROD and H_CEDE (idle markers): vCPU 0 waits, vCPU 1
 * works, prods 0 and waits; 0 works, prods 1 ... 50 rounds each way. */
static void pingpong_traces(void)
{
    char a[8192], b[8192], *pa = a, *pb = b;
    pa += sprintf(pa, "#lparsim-trace v1\n");
    pb += sprintf(pb, "#lparsim-trace v1\n");
    for (int i = 0; i < 50; i++) {
        pa += sprintf(pa, "K 2\nL 0x%x 8\nH 0xe8 1\n", 0x10000000 + i * 64);
        pb += sprintf(pb, "L 0x%x 8\nH 0xe8 0\nK 2\n", 0x10800000 + i * 64);
    }
    ck_assert_int_eq(tu_write_file(tu_tmp("pa.txt"), a), 0);
    ck_assert_int_eq(tu_write_file(tu_tmp("pb.txt"), b), 0);
}

/* Two virtual processors on two pool cores: each wake finds its VP's core
 * free (affinity, no switch, no dispatch wait), so the wake latency is the
 * configured delivery cost exactly. */
START_TEST(pingpong_two_cores)
{
    pingpong_traces();
    char y[2048];
    snprintf(y, sizeof y,
             "machine: {seed: 1, modules: 1, cores_per_module: 2, threads_per_core: 1}\n"
             "hypervisor: {lmb_size: 256M, dispatch: {enabled: true},\n"
             "             interrupts: {deliver_cycles: 3000}}\n"
             "lpars:\n  - name: a\n    memory: 256M\n"
             "    processors: {mode: shared, entitlement: 2, virtual_processors: 2}\n"
             "    vcpus: [{trace: %s}, {trace: %s}]\n",
             tu_tmp("pa.txt"), tu_tmp("pb.txt"));
    char *csv = tu_run_yaml("pp2.yaml", y, "pp2.csv");
    ck_assert_double_eq(csv_get(csv, "dispatch.a.prods"), 100);
    ck_assert_double_eq(csv_get(csv, "dispatch.a.cedes"), 100);
    ck_assert_double_eq(csv_get(csv, "ops.dispatch.wake.count"), 100);
    ck_assert_double_eq(csv_get(csv, "ops.dispatch.wake.min"), 3000);
    ck_assert_double_eq(csv_get(csv, "ops.dispatch.wake.max"), 3000);
    ck_assert_double_eq(csv_get(csv, "sim.records"), 300);
    free(csv);
}
END_TEST

/* Both virtual processors on one pool core: a woken vCPU's VP waits until
 * the prodding vCPU has ceded (the prod's hcall exit, then the cede's entry
 * and exit), then the core switches VPs: wake = delivery + that wait + the
 * switch, with every switch after the first serving a wake. */
START_TEST(pingpong_one_core)
{
    pingpong_traces();
    char y[2048];
    snprintf(y, sizeof y,
             "machine: {seed: 1, modules: 1, cores_per_module: 2, threads_per_core: 1}\n"
             "hypervisor: {lmb_size: 256M, hcall_entry_cycles: 150, hcall_exit_cycles: 100,\n"
             "             dispatch: {enabled: true},\n"
             "             interrupts: {deliver_cycles: 3000}}\n"
             "lpars:\n  - {name: d, memory: 256M, vcpus: [{thread: 0, trace: %s}]}\n"
             "  - name: a\n    memory: 256M\n"
             "    processors: {mode: shared, entitlement: 0.2, virtual_processors: 2, "
             "capped: false}\n"
             "    vcpus: [{trace: %s}, {trace: %s}]\n",
             tu_busy_trace(), tu_tmp("pa.txt"), tu_tmp("pb.txt"));
    char *csv = tu_run_yaml("pp1.yaml", y, "pp1.csv");
    double n = csv_get(csv, "ops.dispatch.wake.count");
    ck_assert_double_eq(n, 100);
    ck_assert_double_eq(csv_get(csv, "ops.dispatch.wake.breakdown.deliver"), n * 3000);
    /* the switches: one when the first VP ceded at the start, one per wake */
    ck_assert_double_eq(csv_get(csv, "ops.dispatch.switch.count"), n + 1);
    double sw = csv_get(csv, "ops.dispatch.wake.breakdown.switch");
    ck_assert_double_lt(sw, csv_get(csv, "ops.dispatch.switch.total"));
    ck_assert_double_ge(sw, n * 2000); /* switch_cycles per switch, plus memory */
    /* the dispatch wait: prod exit + cede entry + cede exit (350), except
     * when the prodding vCPU's trace ends right after its last prod (100) */
    double wait = csv_get(csv, "ops.dispatch.wake.breakdown.wait");
    ck_assert_double_eq(wait, (n - 1) * 350 + 100);
    free(csv);
}
END_TEST

/* A blocking wait (the idle marker: H_CEDE with a timeout, through
 * hyp_block): while LPAR a's vCPU waits, LPAR b's runs on the one pool
 * core; the H_CEDE ops' wait part is exactly the blocked time. */
START_TEST(blocked_vcpu_lets_another_run)
{
    char a[4096], *p = a;
    p += sprintf(p, "#lparsim-trace v1\n");
    for (int i = 0; i < 10; i++)
        p += sprintf(p, "L 0x%x 8\nK 1 200000\n", 0x10000000 + i * 4096);
    ck_assert_int_eq(tu_write_file(tu_tmp("blk.txt"), a), 0);
    char y[2048];
    snprintf(y, sizeof y,
             "machine: {seed: 1, modules: 1, cores_per_module: 2, threads_per_core: 1}\n"
             "hypervisor: {lmb_size: 256M, dispatch: {enabled: true}}\n"
             "run: {max_cycles: 4000000}\n"
             "lpars:\n  - {name: d, memory: 256M, vcpus: [{thread: 0, trace: %s, repeat: 1000}]}\n"
             "  - name: a\n    memory: 256M\n"
             "    processors: {mode: shared, entitlement: 0.5}\n"
             "    vcpus: [{trace: %s}]\n"
             "  - name: b\n    memory: 256M\n"
             "    processors: {mode: shared, entitlement: 0.05, capped: false}\n"
             "    vcpus: [{trace: %s, repeat: 1000}]\n",
             tu_busy_trace(), tu_tmp("blk.txt"), tu_tmp("busy.txt"));
    char *csv = tu_run_yaml("blk.yaml", y, "blk.csv");
    ck_assert_double_eq(csv_get(csv, "ops.hcall.H_CEDE.count"), 10);
    ck_assert_double_eq(csv_get(csv, "ops.hcall.H_CEDE.breakdown.wait"), 10 * 200000.0);
    ck_assert_double_eq(csv_get(csv, "dispatch.a.cedes"), 10);
    ck_assert_double_eq(csv_get(csv, "dispatch.a.interrupts"), 10); /* decrementer wakes */
    /* a is on the core only between its waits: b has it the rest of the time */
    double acon = csv_get(csv, "dispatch.a.consumed_cycles");
    double bcon = csv_get(csv, "dispatch.b.consumed_cycles");
    ck_assert_double_lt(acon, 10 * 20000.0);
    ck_assert_double_gt(bcon, 0.9 * 10 * 200000.0);
    free(csv);
}
END_TEST

/* An explicit pool of one core (hypervisor.dispatch.pool: "1") confines
 * an uncapped LPAR with two busy virtual processors to core 1 while core 0,
 * free of dedicated vCPUs, stays idle: it never consumes more than one
 * core's cycles. The same config with the automatic pool uses both. */
START_TEST(explicit_pool_confines)
{
    const char *tr = tu_busy_trace();
    const uint64_t cycles = 20 * 100 * MHZ; /* 20 wheels of 100 us */
    char y[2048];
    const char *fmt =
        "machine: {seed: 1, modules: 1, cores_per_module: 2, threads_per_core: 1}\n"
        "hypervisor: {lmb_size: 256M, dispatch: {enabled: true, wheel_us: 100, pool: \"%s\"}}\n"
        "run: {max_cycles: %llu}\n"
        "lpars:\n  - name: a\n    memory: 256M\n"
        "    processors: {mode: shared, entitlement: 1, virtual_processors: 2, capped: false}\n"
        "    vcpus: [{trace: %s, repeat: 100000}, {trace: %s, repeat: 100000}]\n";
    snprintf(y, sizeof y, fmt, "1", (unsigned long long)cycles, tr, tr);
    char *csv = tu_run_yaml("pool1.yaml", y, "pool1.csv");
    double cyc = csv_get(csv, "sim.cycles"), con = csv_get(csv, "dispatch.a.consumed_cycles");
    ck_assert_double_ge(cyc, (double)cycles); /* max_cycles, plus the last record */
    ck_assert_msg(con <= cyc, "consumed %.0f of %.0f cycles on a 1-core pool", con, cyc);
    ck_assert_msg(con >= 0.9 * cyc, "the pool core was used only %.0f of %.0f cycles", con, cyc);
    ck_assert_double_eq(csv_get(csv, "cpu.thread0.records"), 0); /* outside the pool: idle */
    ck_assert_double_gt(csv_get(csv, "cpu.thread1.records"), 0);
    /* both virtual processors took turns on the one core */
    ck_assert_double_ge(csv_get(csv, "dispatch.a.preemptions"), 20);
    free(csv);
    snprintf(y, sizeof y, fmt, "", (unsigned long long)cycles, tr, tr);
    csv = tu_run_yaml("pool2.yaml", y, "pool2.csv");
    con = csv_get(csv, "dispatch.a.consumed_cycles");
    ck_assert_msg(con > 1.5 * cyc, "automatic pool: consumed %.0f of 2 x %.0f cycles", con, cyc);
    ck_assert_double_gt(csv_get(csv, "cpu.thread0.records"), 0);
    free(csv);
}
END_TEST

START_TEST(bad_processor_configs)
{
    const char *tr = tu_busy_trace();
    char y[2048];
    const char *head = "machine: {modules: 1, cores_per_module: 2, threads_per_core: 1}\n"
                       "hypervisor: {lmb_size: 256M, dispatch: {enabled: true}}\nlpars:\n";
#define CASE(lpars, want)                                                                          \
    snprintf(y, sizeof y, "%s%s", head, lpars);                                                    \
    tu_refused(y, want)
    char l[1024];
    snprintf(l, sizeof l, "  - {name: a, processors: {mode: shared, entitlement: 1.5}, "
                          "vcpus: [{trace: %s}]}\n", tr);
    CASE(l, "1.5 processing units for 1 virtual processors; expected 0.05 to 1");
    snprintf(l, sizeof l, "  - {name: a, processors: {mode: shared, entitlement: 0.1, "
                          "virtual_processors: 4}, vcpus: [{trace: %s}]}\n", tr);
    CASE(l, "expected 0.2 to 4");
    snprintf(l, sizeof l, "  - {name: a, processors: {mode: shared}, "
                          "vcpus: [{thread: 1, trace: %s}]}\n", tr);
    CASE(l, "lpars[0].vcpus[0].thread: names a hardware thread, but the LPAR is shared");
    snprintf(l, sizeof l, "  - {name: a, processors: {entitlement: 0.5}, "
                          "vcpus: [{thread: 1, trace: %s}]}\n", tr);
    CASE(l, "lpars[0].processors.entitlement: set for a dedicated LPAR");
    snprintf(l, sizeof l, "  - {name: a, processors: {mode: shared}, "
                          "vcpus: [{trace: %s}, {trace: %s}]}\n", tr, tr);
    CASE(l, "2 vCPUs on 1 virtual processors of 1 threads; expected at most 1");
    /* every core runs a dedicated vCPU: no pool */
    snprintf(l, sizeof l,
             "  - {name: d, vcpus: [{thread: 0, trace: %s}, {thread: 1, trace: %s}]}\n"
             "  - {name: a, processors: {mode: shared, entitlement: 0.5}, vcpus: [{trace: %s}]}\n",
             tr, tr, tr);
    CASE(l, "lpars[1].processors.mode: shared, but no core is left for the shared pool");
    /* more entitlement than the pool has cores */
    snprintf(l, sizeof l,
             "  - {name: a, processors: {mode: shared, entitlement: 3, virtual_processors: 3}, "
             "vcpus: [{trace: %s}]}\n", tr);
    CASE(l, "lpars[0].processors.entitlement: 3 processing units, but the shared pool has 2 cores");
    /* shared without the dispatcher */
    snprintf(y, sizeof y,
             "machine: {modules: 1, cores_per_module: 2, threads_per_core: 1}\n"
             "hypervisor: {lmb_size: 256M}\nlpars:\n"
             "  - {name: a, processors: {mode: shared, entitlement: 0.5}, vcpus: [{trace: %s}]}\n",
             tr);
    tu_refused(y, "expected hypervisor.dispatch.enabled: true");
#undef CASE
}
END_TEST

/* hypervisor.dispatch.pool errors: each names the pool key's line (line 5
 * here, below the dispatch section's line 4) and what is allowed. */
START_TEST(bad_pool_configs)
{
    const char *tr = tu_busy_trace();
    char y[4096], l[1024];
    const char *head = "machine: {modules: 1, cores_per_module: 2, threads_per_core: 1}\n"
                       "hypervisor:\n  lmb_size: 256M\n  dispatch:\n    pool: \"%s\"\n"
                       "    enabled: true\nlpars:\n%s";
#define CASE(pool, lpars, want)                                                                    \
    snprintf(y, sizeof y, head, pool, lpars);                                                      \
    tu_refused(y, want)
    snprintf(l, sizeof l, "  - {name: a, processors: {mode: shared, entitlement: 0.5}, "
                          "vcpus: [{trace: %s}]}\n", tr);
    CASE("0-2", l, "bad.yaml:5: hypervisor.dispatch.pool: core 2 out of range; the machine has "
                   "2 cores, expected indices 0 to 1");
    CASE("7", l, "bad.yaml:5: hypervisor.dispatch.pool: core 7 out of range");
    CASE("1,0-1", l, "bad.yaml:5: hypervisor.dispatch.pool: core 1 listed twice; expected each "
                     "core once");
    CASE("1-0", l, "bad.yaml:5: hypervisor.dispatch.pool: '1-0': range 1-0 is backwards");
    CASE("0;1", l, "bad.yaml:5: hypervisor.dispatch.pool: '0;1': unexpected character at "
                   "character 2; expected core indices and ranges separated by commas");
    CASE("0,", l, "bad.yaml:5: hypervisor.dispatch.pool: '0,': a core index missing");
    CASE("x", l, "bad.yaml:5: hypervisor.dispatch.pool: 'x': unexpected character at character 1");
    /* a pool core whose thread runs a dedicated vCPU */
    snprintf(l, sizeof l,
             "  - {name: d, vcpus: [{thread: 0, trace: %s}]}\n"
             "  - {name: a, processors: {mode: shared, entitlement: 0.5}, vcpus: [{trace: %s}]}\n",
             tr, tr);
    CASE("0-1", l, "bad.yaml:5: hypervisor.dispatch.pool: core 0 runs LPAR d's dedicated vCPU 0 "
                   "(thread 0); expected cores none of whose threads a dedicated vCPU names: 1");
    /* empty = automatic; with every core dedicated no pool is left */
    snprintf(l, sizeof l,
             "  - {name: d, vcpus: [{thread: 0, trace: %s}, {thread: 1, trace: %s}]}\n"
             "  - {name: a, processors: {mode: shared, entitlement: 0.5}, vcpus: [{trace: %s}]}\n",
             tr, tr, tr);
    CASE("", l, "lpars[1].processors.mode: shared, but no core is left for the shared pool");
    CASE("1", l, "hypervisor.dispatch.pool: core 1 runs LPAR d's dedicated vCPU 1 (thread 1); "
                 "expected cores none of whose threads a dedicated vCPU names: none");
    /* entitlements above the pool's cores */
    snprintf(l, sizeof l, "  - {name: a, processors: {mode: shared, entitlement: 1.5, "
                          "virtual_processors: 2}, vcpus: [{trace: %s}]}\n", tr);
    CASE("1", l, "bad.yaml:5: hypervisor.dispatch.pool: 1 core, but "
                 "lpars[0].processors.entitlement is 1.5 processing units; expected at least 2 "
                 "cores (or that entitlement at most 1)");
    snprintf(l, sizeof l,
             "  - {name: a, processors: {mode: shared, entitlement: 0.75}, vcpus: [{trace: %s}]}\n"
             "  - {name: b, processors: {mode: shared, entitlement: 0.5}, vcpus: [{trace: %s}]}\n",
             tr, tr);
    CASE("0", l, "bad.yaml:5: hypervisor.dispatch.pool: 1 core, but the shared LPARs' "
                 "entitlements add up to 1.25 processing units; expected at least 2 cores (or "
                 "entitlements adding up to at most 1)");
#undef CASE
    /* an override is located as such */
    snprintf(y, sizeof y, head, "", l);
    ck_assert_int_eq(tu_write_file(tu_tmp("bad.yaml"), y), 0);
    const char *argv[] = {"run", tu_tmp("bad.yaml"), "-q", "--set", "hypervisor.dispatch.pool=2",
                          NULL};
    tu_run r = tu_lparsim(argv);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "--set hypervisor.dispatch.pool=2: hypervisor.dispatch.pool: "
                                "core 2 out of range") != NULL, "%s", r.err);
    tu_run_free(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dispatch");
    TCase *t = tcase_create("dispatch");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, capped_consumes_entitlement);
    tcase_add_test(t, uncapped_split_by_weight);
    tcase_add_test(t, virtual_processor_carries_smt_vcpus);
    tcase_add_test(t, pingpong_two_cores);
    tcase_add_test(t, pingpong_one_core);
    tcase_add_test(t, blocked_vcpu_lets_another_run);
    tcase_add_test(t, bad_processor_configs);
    tcase_add_test(t, explicit_pool_confines);
    tcase_add_test(t, bad_pool_configs);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
