/*
 * check_numa_run.c - memory affinity end to end (docs/numa.md): the
 * shipped H9 configs (configs/numa/h9-4mod*.yaml) give a local-access
 * share above 0.9 with home nodes and above the share without them, both
 * computed from the run's local and remote counts; every read that reaches
 * DRAM is counted once (local + remote = reads when no write-back is
 * read); remote cycles equal remote reads x the hop; and every bad NUMA
 * key is refused on one line at bad.yaml:LINE (a memory module on a
 * processor module that does not exist, a home node out of range or given
 * twice, home nodes without numa.enabled, node_pages not matching them,
 * an SMC pool on a node that does not exist or has no room).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static double share(const char *csv)
{
    double l = tu_csv_get(csv, "numa.local"), r = tu_csv_get(csv, "numa.remote");
    ck_assert(l + r > 0);
    return l / (l + r);
}

START_TEST(h9_home_nodes)
{
    char *with = tu_run_config_ok(tu_src("configs/numa/h9-4mod-home.yaml"), NULL, "home.csv",
                                  false);
    char *without = tu_run_config_ok(tu_src("configs/numa/h9-4mod.yaml"), NULL, "plain.csv",
                                     false);
    double sw = share(with), so = share(without);
    ck_assert_msg(sw > 0.9, "local share with home nodes %g", sw);
    ck_assert_msg(sw > so, "with %g, without %g", sw, so);
    /* the hop: remote_ns (55) x 3800 MHz / 1000 per remote read */
    ck_assert_double_eq(tu_csv_get(without, "numa.remote_cycles"),
                        tu_csv_get(without, "numa.remote") * (55 * 3800 / 1000));
    ck_assert_double_eq(tu_csv_get(without, "numa.local") + tu_csv_get(without, "numa.remote"),
                        tu_csv_get(without, "dram.total.reads"));
    /* the same LPAR work: the same number of DRAM reads either way */
    ck_assert_double_eq(tu_csv_get(with, "dram.total.reads"),
                        tu_csv_get(without, "dram.total.reads"));
    free(with);
    free(without);
}
END_TEST

static void refused(const char *numa, const char *lpar_extra, const char *mem, const char *want)
{
    tu_write_tmp("one.txt", "#lparsim-trace v1\nL 0x10000000 8\n");
    char y[1024];
    snprintf(y, sizeof y,
             "machine: {modules: 2, cores_per_module: 1, threads_per_core: 2}\n"
             "numa: {enabled: %s}\n"
             "memory:\n  modules:\n%s"
             "lpars:\n  - name: a\n    memory: 256M\n%s"
             "    vcpus: [{trace: %s}]\n",
             numa, mem, lpar_extra, tu_tmp("one.txt"));
    tu_refused(y, want);
}

#define MEM2 "    - {size: 1G}\n    - {size: 1G}\n"

START_TEST(bad_keys)
{
    refused("true", "", "    - {size: 1G}\n    - {size: 1G, module: 2}\n",
            "bad.yaml:6: memory.modules[1].module: processor module 2 does not exist; "
            "expected -1 (spread) or 0..1");
    refused("true", "    home_nodes: [0, 2]\n", MEM2,
            "bad.yaml:10: lpars[0].home_nodes[1]: node 2 does not exist; expected a processor "
            "module 0..1");
    refused("true", "    home_nodes: [1, 1]\n", MEM2,
            "bad.yaml:10: lpars[0].home_nodes[1]: node 1 is already home_nodes[0]");
    refused("false", "    home_nodes: [1]\n", MEM2,
            "bad.yaml:10: lpars[0].home_nodes: set, but numa is not enabled");
    refused("true", "    home_nodes: [0, 1]\n    node_pages: [100]\n", MEM2,
            "bad.yaml:11: lpars[0].node_pages: 1 entries for 2 home nodes");
    refused("true", "    home_nodes: [0]\n    node_pages: [65537]\n", MEM2,
            "bad.yaml:11: lpars[0].node_pages: 65537 pages in all; expected at most the LPAR's "
            "memory, 65536 4K pages");
    char y[1024], z[1100];
    snprintf(y, sizeof y,
             "machine: {modules: 2, cores_per_module: 1, threads_per_core: 2}\n"
             "memory: {modules: [{size: 2G}, {size: 256M}]}\n"
             "hypervisor:\n  lmb_size: 256M\n  smc:\n    enabled: true\n    pool_bytes: %%s\n"
             "    pool_node: %%s\n"
             "lpars: [{name: a, memory: 256M, vcpus: [{thread: 0, trace: %s}]}]\n",
             tu_tmp("one.txt"));
    snprintf(z, sizeof z, y, "64M", "2");
    tu_refused(z, "bad.yaml:8: hypervisor.smc.pool_node: node 2 does not exist; expected -1 "
                  "(any) or a processor module 0..1");
    /* node 1 holds one 256M LMB: no room for a 512M pool */
    snprintf(z, sizeof z, y, "512M", "1");
    tu_refused(z, "bad.yaml:8: hypervisor.smc.pool_node: node 1 has no 536870912 bytes of free "
                  "LMBs in a row");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("numa_run");
    TCase *tc = tcase_create("numa_run");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, h9_home_nodes);
    tcase_add_test(tc, bad_keys);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
