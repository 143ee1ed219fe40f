/*
 * check_platform.c - the platform object (sim/machine/platform.h): link
 * arithmetic (latency + size / bandwidth + queueing per direction, computed
 * here from the config), the lockstep windows (the smallest link latency,
 * the hook at every window end), the per-link statistics, and that each
 * machine of a platform ends exactly where it ends alone.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine/platform.h"
#include "testutil.h"

#define FREQ 3800ull

/* A small machine: one LPAR replaying a shipped trace. */
static void write_machine(const char *name, const char *extra)
{
    char t[2048];
    snprintf(t, sizeof t,
             "machine: {modules: 1, cores_per_module: 1, threads_per_core: 2, freq_mhz: %llu}\n"
             "lpars:\n  - name: a\n    memory: 64M\n"
             "    vcpus: [{thread: 0, trace: %s}]\n"
             "hypervisor: {lmb_size: 16M}\nrun: {max_records: 5000}\n%s",
             FREQ, tu_src("traces/gzip-head.trc"), extra ? extra : "");
    tu_write_tmp(name, t);
}

static platform *open_two(const char *links, sim_err *e)
{
    write_machine("m0.yaml", NULL);
    write_machine("m1.yaml", NULL);
    char t[1024];
    snprintf(t, sizeof t,
             "platform:\n  machines:\n    - {name: x, config: m0.yaml}\n"
             "    - {name: y, config: m1.yaml, set: [\"machine.seed=5\"]}\n"
             "    - {name: z, config: m0.yaml}\n  links:\n%s", links);
    tu_write_tmp("p.yaml", t);
    sim_err_clear(e);
    return platform_open(tu_tmp("p.yaml"), NULL, 0, e);
}

START_TEST(link_arithmetic)
{
    uint64_t lat_ns = 1500;
    double gbps = 12.5;
    char links[256];
    snprintf(links, sizeof links,
             "    - {between: [x, y], latency_ns: %llu, bandwidth_gbps: %g}\n"
             "    - {between: [z, x], latency_ns: 4000}\n", (unsigned long long)lat_ns, gbps);
    sim_err e;
    platform *p = open_two(links, &e);
    ck_assert_msg(p != NULL, "%s", e.msg);
    ck_assert_uint_eq(platform_links(p), 2);
    uint64_t lat = (lat_ns * FREQ + 999) / 1000; /* ns -> cycles, rounded up */
    double bpc = gbps * 1e9 / (FREQ * 1e6);      /* bytes per cycle */
    ck_assert_uint_eq(platform_window(p), lat);   /* the smallest latency */
    plink *l = platform_link(p, 0);
    ck_assert_uint_eq(l->latency_cycles, lat);
    /* an idle direction: t + ceil(B / bw) + latency */
    uint64_t b1 = 4096, t1 = 100, arr;
    uint64_t busy1 = (uint64_t)ceil((double)b1 / bpc);
    ck_assert_int_eq(platform_send(p, 0, 1, b1, t1, &arr), 0);
    ck_assert_uint_eq(arr, t1 + busy1 + lat);
    /* a second transfer before the first has left queues behind it */
    uint64_t b2 = 1 << 20, t2 = t1 + busy1 / 2;
    uint64_t busy2 = (uint64_t)ceil((double)b2 / bpc);
    ck_assert_int_eq(platform_send(p, 0, 1, b2, t2, &arr), 0);
    ck_assert_uint_eq(arr, t1 + busy1 + busy2 + lat);
    /* the other direction is independent */
    ck_assert_int_eq(platform_send(p, 1, 0, 64, t2, &arr), 0);
    ck_assert_uint_eq(arr, t2 + (uint64_t)ceil(64 / bpc) + lat);
    /* after the queue drains: no wait */
    uint64_t t3 = t1 + busy1 + busy2 + 10;
    ck_assert_int_eq(platform_send(p, 0, 1, 1, t3, &arr), 0);
    ck_assert_uint_eq(arr, t3 + 1 + lat);
    ck_assert_uint_eq(l->st[0].transfers, 3);
    ck_assert_uint_eq(l->st[0].bytes, b1 + b2 + 1);
    ck_assert_uint_eq(l->st[0].busy_cycles, busy1 + busy2 + 1);
    ck_assert_uint_eq(l->st[0].waits, 1);
    ck_assert_uint_eq(l->st[0].wait_cycles, t1 + busy1 - t2);
    ck_assert_uint_eq(l->st[1].transfers, 1);
    ck_assert_uint_eq(l->st[1].wait_cycles, 0);
    /* z-x is listed as [z, x]: x -> z is its direction 1; no link y-z */
    ck_assert_int_eq(platform_send(p, 0, 2, 8, 0, &arr), 0);
    ck_assert_uint_eq(platform_link(p, 1)->st[1].transfers, 1);
    ck_assert_uint_eq(arr, (uint64_t)ceil(8 / (gbps * 1e9 / (FREQ * 1e6))) +
                               (4000 * FREQ + 999) / 1000);
    ck_assert_int_eq(platform_send(p, 1, 2, 8, 0, &arr), -1);
    platform_destroy(p);
}
END_TEST

typedef struct hook_log {
    uint64_t calls, last, window;
    bool aligned, behind;
} hook_log;

static void hook(void *ctx, platform *p, uint64_t end)
{
    hook_log *h = ctx;
    h->calls++;
    if (end != h->last + h->window)
        h->aligned = false;
    /* every machine has run up to the window end, or finished */
    for (unsigned i = 0; i < platform_machines(p); i++) {
        machine *m = platform_machine(p, i);
        if (machine_now(m) < end && machine_now(m) != machine_cycles(m))
            h->behind = true;
    }
    h->last = end;
}

START_TEST(lockstep_windows_and_reports)
{
    sim_err e;
    platform *p = open_two("    - {between: [x, y], latency_ns: 2000}\n", &e);
    ck_assert_msg(p != NULL, "%s", e.msg);
    uint64_t w = (2000 * FREQ + 999) / 1000;
    ck_assert_uint_eq(platform_window(p), w);
    hook_log h = {0, 0, w, true, false};
    ck_assert_msg(platform_run(p, hook, &h, NULL, NULL, &e) == 0, "%s", e.msg);
    ck_assert(h.aligned);
    ck_assert(!h.behind);
    ck_assert_uint_eq(h.calls, platform_windows_run(p));
    ck_assert_uint_eq(h.last, h.calls * w);
    /* a machine stops once every trace is done: no window after that */
    ck_assert_uint_ge(h.calls, 1);
    /* each machine alone gives the same report */
    for (unsigned i = 0; i < 3; i++) {
        machine_config c;
        ck_assert_int_eq(machine_config_init(&c, &e), 0);
        const char *set = "machine.seed=5";
        ck_assert_int_eq(machine_config_load(&c, tu_tmp(i == 1 ? "m1.yaml" : "m0.yaml"),
                                             &set, i == 1, NULL, &e), 0);
        machine *m = machine_create(&c, NULL, &e);
        ck_assert_ptr_nonnull(m);
        ck_assert_int_eq(machine_run(m, NULL, NULL, &e), 0);
        ck_assert_int_eq(machine_finish(m, &e), 0);
        ck_assert_uint_eq(machine_cycles(m), machine_cycles(platform_machine(p, i)));
        ck_assert_uint_eq(machine_records(m), machine_records(platform_machine(p, i)));
        machine_destroy(m);
        machine_config_free(&c);
    }
    jtree *j = jtree_create();
    platform_report_json(p, j);
    double v;
    ck_assert_int_eq(jtree_get_double(j, "links.x-y.transfers", &v), 0);
    ck_assert(v == 0);
    ck_assert_int_eq(jtree_get_double(j, "links.y-x.utilisation", &v), 0);
    ck_assert_int_eq(jtree_get_double(j, "platform.windows", &v), 0);
    ck_assert(v == (double)h.calls);
    ck_assert_int_eq(jtree_get_double(j, "machines.y.sim.cycles", &v), 0);
    ck_assert(v == (double)machine_cycles(platform_machine(p, 1)));
    jtree_destroy(j);
    platform_destroy(p);
}
END_TEST

START_TEST(no_links_one_window)
{
    sim_err e;
    platform *p = open_two("    []\n", &e);
    ck_assert_msg(p != NULL, "%s", e.msg);
    ck_assert_uint_eq(platform_window(p), UINT64_MAX);
    ck_assert_int_eq(platform_run(p, NULL, NULL, NULL, NULL, &e), 0);
    ck_assert_uint_eq(platform_windows_run(p), 1);
    platform_destroy(p);
}
END_TEST

START_TEST(tables_declared)
{
    sim_err e;
    sim_err_clear(&e);
    ck_assert_msg(param_table_check(&platform_config_table, &e) == 0, "%s", e.msg);
    for (size_t i = 0; i < plink_stat_table.n; i++)
        ck_assert(plink_stat_table.s[i].desc && *plink_stat_table.s[i].desc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("platform");
    TCase *tc = tcase_create("platform");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, link_arithmetic);
    tcase_add_test(tc, lockstep_windows_and_reports);
    tcase_add_test(tc, no_links_one_window);
    tcase_add_test(tc, tables_declared);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
