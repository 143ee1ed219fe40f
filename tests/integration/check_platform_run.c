/*
 * check_platform_run.c - platform files through the lparsim binary
 * (docs/platform.md): each machine's keys under machines.<name>. equal,
 * value for value, its config run alone; the run is deterministic; every
 * bad platform file is refused with one line naming the file and line;
 * command-line overrides reach one machine or all; sweeps refuse a
 * platform base; docs/PLATFORM-PARAMETERS.md is current.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* Every line "KEY,VALUE" of alone (host timing aside) is in plat as
 * "PREFIXKEY,VALUE", and plat holds no other PREFIX key. */
static void same_subtree(const char *alone, const char *plat, const char *prefix)
{
    size_t np = strlen(prefix), seen = 0, lines = 0;
    char *a = strdup(alone);
    for (char *save, *l = strtok_r(a, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (strstr(l, "host_second") || !strcmp(l, "metric,value"))
            continue;
        char want[4096];
        snprintf(want, sizeof want, "\n%s%s\n", prefix, l);
        ck_assert_msg(strstr(plat, want) != NULL, "'%s%s' not in the platform report", prefix,
                      l);
        seen++;
    }
    for (const char *p = plat; (p = strstr(p, prefix)); p += np)
        if (p[-1] == '\n')
            lines++;
    ck_assert_uint_gt(seen, 100);
    ck_assert_uint_eq(lines, seen + 2); /* + sim.host_seconds, sim.records_per_host_second */
    free(a);
}

START_TEST(example_machines_as_alone)
{
    char *plat = tu_run_config_ok(tu_src("configs/platform/two-cecs.yaml"), NULL, "p.csv", false);
    char *c0 = tu_run_config_ok(tu_src("configs/default.yaml"), NULL, "c0.csv", false);
    const char *s1[] = {"machine.seed=8", NULL};
    char *c1 = tu_run_config_ok(tu_src("tests/golden/golden.yaml"), s1, "c1.csv", false);
    same_subtree(c0, plat, "machines.cec0.");
    same_subtree(c1, plat, "machines.cec1.");
    /* links and totals; nothing uses the link yet */
    ck_assert(tu_csv_get(plat, "links.cec0-cec1.transfers") == 0);
    ck_assert(tu_csv_get(plat, "links.cec1-cec0.bytes") == 0);
    ck_assert(tu_csv_get(plat, "platform.machines") == 2);
    ck_assert(tu_csv_get(plat, "platform.window_cycles") == (1000 * 3800 + 999) / 1000);
    ck_assert(tu_csv_get(plat, "platform.records") ==
              tu_csv_get(c0, "sim.records") + tu_csv_get(c1, "sim.records"));
    ck_assert(tu_csv_get(plat, "platform.host_seconds") > 0);
    ck_assert(tu_csv_get(plat, "platform.records_per_host_second") > 0);
    free(plat);
    free(c0);
    free(c1);
}
END_TEST

START_TEST(deterministic)
{
    const char *f = tu_src("configs/platform/two-cecs.yaml");
    char *a = tu_strip_host(tu_run_config_ok(f, NULL, "a.json", true));
    char *b = tu_strip_host(tu_run_config_ok(f, NULL, "b.json", true));
    ck_assert_str_eq(a, b);
    ck_assert_ptr_nonnull(strstr(a, "\"machines\": {\n    \"cec0\": {"));
    free(a);
    free(b);
}
END_TEST

static const char *mfile(const char *name, unsigned freq, unsigned max_records)
{
    static char t[1024];
    snprintf(t, sizeof t,
             "machine: {modules: 1, cores_per_module: 1, threads_per_core: 2, freq_mhz: %u}\n"
             "hypervisor: {lmb_size: 16M}\n"
             "lpars:\n  - name: a\n    memory: 64M\n"
             "    vcpus: [{thread: 0, trace: %s}]\n"
             "run: {max_records: %u}\n",
             freq, tu_src("traces/gzip-head.trc"), max_records);
    tu_write_tmp(name, t);
    return name;
}

START_TEST(overrides_reach_one_or_all)
{
    mfile("m.yaml", 3800, 4000);
    tu_write_tmp("o.yaml", "platform:\n  machines:\n    - {name: x, config: m.yaml}\n"
                           "    - {name: y, config: m.yaml, set: [run.max_records=3000]}\n");
    const char *one[] = {"x.run.max_records=1000", NULL};
    char *r = tu_run_config_ok(tu_tmp("o.yaml"), one, "o1.csv", false);
    ck_assert(tu_csv_get(r, "machines.x.sim.records") == 1000);
    ck_assert(tu_csv_get(r, "machines.y.sim.records") == 3000);
    ck_assert(tu_csv_get(r, "platform.window_cycles") == 0); /* no links */
    free(r);
    const char *all[] = {"run.max_records=500", NULL};
    r = tu_run_config_ok(tu_tmp("o.yaml"), all, "o2.csv", false);
    ck_assert(tu_csv_get(r, "machines.x.sim.records") == 500);
    ck_assert(tu_csv_get(r, "machines.y.sim.records") == 500);
    free(r);
    /* run.max_cycles in a window's middle stops that machine exactly where
     * it stops alone; the other runs on */
    tu_write_tmp("l.yaml", "platform:\n  machines:\n    - {name: x, config: m.yaml}\n"
                           "    - {name: y, config: m.yaml}\n"
                           "  links: [{between: [x, y], latency_ns: 3}]\n");
    /* short steps (a lone thread runs 64 quanta a step), so the cap cuts */
    const char *cap[] = {"y.run.max_cycles=12347", "cpu.quantum=100", NULL};
    r = tu_run_config_ok(tu_tmp("l.yaml"), cap, "l.csv", false);
    const char *cap1[] = {"run.max_cycles=12347", "cpu.quantum=100", NULL};
    const char *q[] = {"cpu.quantum=100", NULL};
    char *alone = tu_run_config_ok(tu_tmp("m.yaml"), cap1, "alone.csv", false);
    char *full = tu_run_config_ok(tu_tmp("m.yaml"), q, "full.csv", false);
    ck_assert(tu_csv_get(r, "platform.window_cycles") == (3 * 3800 + 999) / 1000);
    ck_assert(tu_csv_get(r, "machines.y.sim.cycles") == tu_csv_get(alone, "sim.cycles"));
    ck_assert(tu_csv_get(r, "machines.y.sim.records") == tu_csv_get(alone, "sim.records"));
    ck_assert(tu_csv_get(r, "machines.x.sim.cycles") == tu_csv_get(full, "sim.cycles"));
    ck_assert(tu_csv_get(r, "machines.x.sim.records") == tu_csv_get(full, "sim.records"));
    ck_assert(tu_csv_get(alone, "sim.records") < tu_csv_get(full, "sim.records"));
    free(r);
    free(alone);
    free(full);
}
END_TEST

#define TWO "platform:\n  machines:\n    - {name: x, config: m.yaml}\n" /* line 3 */

START_TEST(bad_platforms_refused)
{
    mfile("m.yaml", 3800, 1000);
    mfile("m2.yaml", 2000, 1000);
    tu_write_tmp("mbad.yaml", "lpars: []\nbogus: 1\n");
    tu_refused("platform:\n  machines: []\n", "bad.yaml:2: platform.machines: no machines");
    tu_refused(TWO "    - {name: x, config: m.yaml}\n",
               "bad.yaml:4: platform.machines[1].name: 'x' given twice (first at line 3)");
    tu_refused(TWO "    - {name: y, config: missing.yaml}\n",
               "bad.yaml:4: platform.machines[1].config: machine 'y': ");
    tu_refused(TWO "    - {name: y, config: missing.yaml}\n", "missing.yaml: cannot open");
    tu_refused(TWO "    - {name: y, config: m2.yaml}\n",
               "bad.yaml:4: platform.machines[1].config: machine 'y' has machine.freq_mhz 2000 "
               "but 'x' has 3800; expected equal clocks");
    tu_refused(TWO "    - {name: y}\n", "bad.yaml:4: platform.machines[1]: machine 'y' has no "
                                         "config");
    tu_refused(TWO "    - {name: 'a.b', config: m.yaml}\n",
               "bad.yaml:4: platform.machines[1].name: 'a.b'; expected a name of letters");
    tu_refused(TWO "    - {name: run, config: m.yaml}\n",
               "bad.yaml:4: platform.machines[1].name: 'run' is a key of machine configs");
    tu_refused(TWO "    - {name: y, config: m.yaml}\n  links:\n    - {between: [x, z]}\n",
               "bad.yaml:6: platform.links[0].between[1]: unknown machine 'z'");
    tu_refused(TWO "  links:\n    - {between: [x, x]}\n",
               "bad.yaml:5: platform.links[0].between: a link from 'x' to itself");
    tu_refused(TWO "    - {name: y, config: m.yaml}\n  links:\n    - {between: [x]}\n",
               "bad.yaml:6: platform.links[0].between: 1 machines; expected two");
    tu_refused(TWO "    - {name: y, config: m.yaml}\n  links:\n    - {between: [x, y]}\n"
                   "    - {between: [y, x]}\n",
               "bad.yaml:7: platform.links[1].between: a second link between 'y' and 'x' "
               "(first at line 6)");
    tu_refused(TWO "  links:\n    - {between: [x, y], latency_ns: 0}\n",
               "bad.yaml:5: platform.links[0].latency_ns: value 0 out of range");
    tu_refused(TWO "  links:\n    - {between: [x, y], bandwidth_gbps: -1}\n",
               "platform.links[0].bandwidth_gbps");
    tu_refused(TWO "  linx: []\n", "bad.yaml:4: platform.linx: unknown key");
    tu_refused("platform:\n  machines:\n    - name: x\n      config: m.yaml\n"
               "      set: [run.max_records=1, bogus.key=2]\n",
               "bad.yaml:5: platform.machines[0].set[1]: machine 'x': --set bogus.key=2: ");
    tu_refused(TWO "    - {name: y, config: mbad.yaml}\n",
               "bad.yaml:4: platform.machines[1].config: machine 'y': ");
    tu_refused(TWO "    - {name: y, config: mbad.yaml}\n", "mbad.yaml:2: bogus: unknown key");
}
END_TEST

START_TEST(sweep_refuses_platform_base)
{
    char abs[4096];
    snprintf(abs, sizeof abs, "base: %s\ngrid: {machine.seed: [1, 2]}\n",
             tu_src("configs/platform/two-cecs.yaml"));
    tu_write_tmp("s.yaml", abs);
    const char *argv[] = {"sweep", tu_tmp("s.yaml"), "-o", tu_tmp("sweep-out"), NULL};
    tu_run r = tu_lparsim(argv);
    ck_assert_int_ne(r.status, 0);
    ck_assert_msg(strstr(r.err, "s.yaml:1: base: ") && strstr(r.err, "is a platform file"),
                  "%s", r.err);
    tu_run_free(&r);
}
END_TEST

START_TEST(parameter_docs_are_current)
{
    const char *argv[] = {"params", "--platform", "--markdown", NULL};
    tu_run r = tu_lparsim(argv);
    ck_assert_int_eq(r.status, 0);
    char *doc = tu_read_file(tu_src("docs/PLATFORM-PARAMETERS.md"), NULL);
    ck_assert_ptr_nonnull(doc);
    const char *table = strstr(doc, "\n| parameter |");
    ck_assert_ptr_nonnull(table);
    ck_assert_msg(strcmp(table + 1, r.out) == 0,
                  "docs/PLATFORM-PARAMETERS.md is stale: run scripts/update_docs.sh");
    ck_assert_ptr_nonnull(strstr(r.out, "`platform.links[].latency_ns`"));
    free(doc);
    tu_run_free(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("platform_run");
    TCase *tc = tcase_create("platform_run");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, example_machines_as_alone);
    tcase_add_test(tc, deterministic);
    tcase_add_test(tc, overrides_reach_one_or_all);
    tcase_add_test(tc, bad_platforms_refused);
    tcase_add_test(tc, sweep_refuses_platform_base);
    tcase_add_test(tc, parameter_docs_are_current);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
