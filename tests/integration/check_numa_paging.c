/*
 * check_numa_paging.c - memory affinity of shared LPARs (docs/numa.md
 * "Shared LPARs"): the pool carved per node in proportion to the shared
 * LPARs' desired pages (sizes computed here from the config), page-in
 * filling the home nodes up to their levels (lpars[].node_pages) before it
 * goes above them, then to another node when the home nodes have no free
 * frame; page-out taking those frames first; the dispatcher putting a shared LPAR's virtual processor on a core
 * of its home node (on the first free core without home nodes); the
 * per-LPAR local share counted for shared LPARs; the shipped H9 configs
 * (local share with home nodes above 0.9 and above the share without);
 * and a node without room for its part of the pool refused on one line.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* A trace of n loads, one per 4K page from 0x10000000. */
static const char *pages_trace(const char *name, unsigned n)
{
    size_t cap = 64 + (size_t)n * 32, k = 0;
    char *t = malloc(cap);
    ck_assert_ptr_nonnull(t);
    k += (size_t)snprintf(t + k, cap - k, "#lparsim-trace v1\n");
    for (unsigned i = 0; i < n; i++)
        k += (size_t)snprintf(t + k, cap - k, "L 0x%llx 8\n",
                              0x10000000ull + (unsigned long long)i * 4096);
    tu_write_tmp(name, t);
    free(t);
    return tu_tmp(name);
}

#define MACHINE2                                                                             \
    "machine: {seed: 1, modules: 2, cores_per_module: 1, threads_per_core: 2}\n"             \
    "memory: {modules: [{size: 512M}, {size: 512M}]}\n"                                      \
    "numa: {enabled: true}\n"                                                                \
    "pagedev: {preset: fixed}\n"

/* One LPAR homed on nodes 0 and 1 with levels l0 and l1: the pool's parts
 * are in proportion to the levels; the first l0 + l1 frames it takes are
 * below the levels, the rest on a home node above them; none elsewhere. */
START_TEST(pagein_up_to_level)
{
    /* n below the pool less its low watermark (1%): no page-out */
    const unsigned l0 = 800, l1 = 2400, n = 3900, pool = 4096; /* frames */
    char y[2048];
    snprintf(y, sizeof y, MACHINE2
             "hypervisor: {lmb_size: 16M, paging: {enabled: true, pool: 16M}}\n"
             "lpars:\n  - name: a\n    memory: 64M\n    memory_mode: shared\n"
             "    home_nodes: [0, 1]\n    node_pages: [%u, %u]\n"
             "    vcpus: [{thread: 0, trace: %s}]\n",
             l0, l1, pages_trace("lvl.trc", n));
    char *csv = tu_run_yaml("lvl.yaml", y, "lvl.csv");
    /* parts: 4096 x 800/3200 = 1024 and 3072 (exact) */
    ck_assert_double_eq(tu_csv_get(csv, "paging.node0.frames"), pool * l0 / (l0 + l1));
    ck_assert_double_eq(tu_csv_get(csv, "paging.node1.frames"), pool * l1 / (l0 + l1));
    double taken = tu_csv_get(csv, "paging.zero_fills") + tu_csv_get(csv, "paging.page_ins");
    ck_assert_double_eq(tu_csv_get(csv, "paging.page_outs"), 0); /* it fits */
    ck_assert_double_ge(taken, n);
    ck_assert_double_eq(tu_csv_get(csv, "paging.a.node.below_level"), l0 + l1);
    ck_assert_double_eq(tu_csv_get(csv, "paging.a.node.home"), taken - (l0 + l1));
    ck_assert_double_eq(tu_csv_get(csv, "paging.a.node.away"), 0);
    ck_assert_double_eq(tu_csv_get(csv, "paging.a.node.home_frames"), taken);
    ck_assert_double_ge(tu_csv_get(csv, "paging.node0.used"), l0);
    ck_assert_double_ge(tu_csv_get(csv, "paging.node1.used"), l1);
    free(csv);
}
END_TEST

/* a (home 0) touches more pages than node 0's part: the rest come from
 * node 1 (away); b (home 1) stays home. Parts: half the pool each (both
 * LPARs want all their memory on their node). */
START_TEST(pagein_elsewhere_when_home_full)
{
    const unsigned pool = 4096, na = 3000, nb = 500;
    char y[2048];
    snprintf(y, sizeof y, MACHINE2
             "hypervisor: {lmb_size: 16M, paging: {enabled: true, pool: 16M}}\n"
             "lpars:\n"
             "  - {name: a, memory: 64M, memory_mode: shared, home_nodes: [0],\n"
             "     vcpus: [{thread: 0, trace: %s}]}\n"
             "  - {name: b, memory: 64M, memory_mode: shared, home_nodes: [1],\n"
             "     vcpus: [{thread: 2, trace: %s}]}\n",
             pages_trace("a.trc", na), pages_trace("b.trc", nb));
    char *csv = tu_run_yaml("away.yaml", y, "away.csv");
    ck_assert_double_eq(tu_csv_get(csv, "paging.node0.frames"), pool / 2);
    ck_assert_double_eq(tu_csv_get(csv, "paging.page_outs"), 0);
    double ta = tu_csv_get(csv, "paging.a.node.below_level") + tu_csv_get(csv, "paging.a.node.home") +
                tu_csv_get(csv, "paging.a.node.away");
    ck_assert_double_ge(ta, na);
    ck_assert_double_eq(tu_csv_get(csv, "paging.a.node.below_level"), pool / 2);
    ck_assert_double_eq(tu_csv_get(csv, "paging.a.node.away"), ta - pool / 2);
    ck_assert_double_eq(tu_csv_get(csv, "paging.b.node.away"), 0);
    ck_assert_double_eq(tu_csv_get(csv, "paging.node1.used"),
                        tu_csv_get(csv, "paging.a.node.away") +
                            tu_csv_get(csv, "paging.b.node.home_frames"));
    /* shared-memory LPARs are counted per LPAR: with no hypervisor event
     * (no steal, no dispatcher) every fill is made in a record of a or b */
    ck_assert_double_eq(tu_csv_get(csv, "numa.lpar.a.local") + tu_csv_get(csv, "numa.lpar.b.local"),
                        tu_csv_get(csv, "numa.local"));
    ck_assert_double_eq(tu_csv_get(csv, "numa.lpar.a.remote") +
                            tu_csv_get(csv, "numa.lpar.b.remote"),
                        tu_csv_get(csv, "numa.remote"));
    ck_assert_double_gt(tu_csv_get(csv, "numa.lpar.a.local"), 0);
    free(csv);
}
END_TEST

/* Page-out takes frames off their owner's home nodes first: a (home 0)
 * touches more pages than the pool holds; once node 0's part is full its
 * page-ins go to node 1, and every victim is one of those, so its frames on
 * node 0 all stay resident, and so does b's page on its home node 1. */
START_TEST(pageout_takes_misplaced_first)
{
    const unsigned na = 6000;
    char y[2048];
    snprintf(y, sizeof y, MACHINE2
             "hypervisor: {lmb_size: 16M, paging: {enabled: true, pool: 16M, policy: %s,\n"
             "             share: global}}\n"
             "lpars:\n"
             "  - {name: a, memory: 64M, memory_mode: shared, home_nodes: [0],\n"
             "     vcpus: [{thread: 0, trace: %s}]}\n"
             "  - {name: b, memory: 64M, memory_mode: shared, home_nodes: [1],\n"
             "     vcpus: [{thread: 2, trace: %s}]}\n",
             "clock", pages_trace("big.trc", na), pages_trace("one.trc", 1));
    char *csv = tu_run_yaml("out.yaml", y, "out.csv");
    ck_assert_double_gt(tu_csv_get(csv, "paging.page_outs"), 0);
    ck_assert_double_gt(tu_csv_get(csv, "paging.a.node.away"), 0);
    ck_assert_double_eq(tu_csv_get(csv, "paging.a.node.home_frames"),
                        tu_csv_get(csv, "paging.node0.frames"));
    ck_assert_double_eq(tu_csv_get(csv, "paging.b.node.home_frames"),
                        tu_csv_get(csv, "paging.b.node.below_level"));
    ck_assert_double_eq(tu_csv_get(csv, "paging.b.page_outs"), 0);
    free(csv);
}
END_TEST

/* A shared-processor LPAR homed on node 1 runs on core 1 (threads 2-3);
 * without home nodes the dispatcher takes the first free core (threads
 * 0-1). */
static char *dispatch_run(const char *name, const char *home)
{
    char y[2048], csv[64];
    snprintf(y, sizeof y,
             "machine: {seed: 1, modules: 2, cores_per_module: 1, threads_per_core: 2}\n"
             "memory: {modules: [{size: 512M}, {size: 512M}]}\n"
             "numa: {enabled: true}\n"
             "hypervisor: {lmb_size: 16M, dispatch: {enabled: true}}\n"
             "lpars:\n  - name: s\n    memory: 64M\n%s"
             "    processors: {mode: shared, entitlement: 1.0, virtual_processors: 1}\n"
             "    vcpus: [{trace: %s}]\n",
             home, pages_trace("d.trc", 200));
    snprintf(csv, sizeof csv, "%s.csv", name);
    char yname[64];
    snprintf(yname, sizeof yname, "%s.yaml", name);
    return tu_run_yaml(yname, y, csv);
}

START_TEST(dispatch_on_home_node)
{
    char *home = dispatch_run("dhome", "    home_nodes: [1]\n");
    char *none = dispatch_run("dnone", "");
    ck_assert_double_eq(tu_csv_get(home, "cpu.thread0.records") +
                            tu_csv_get(home, "cpu.thread1.records"), 0);
    ck_assert_double_eq(tu_csv_get(home, "cpu.thread2.records"), 200);
    ck_assert_double_eq(tu_csv_get(none, "cpu.thread0.records"), 200);
    /* homed on node 1, its memory and HPT there: its fills are local but
     * for the hypervisor's own tables on node 0 (the LMB table) */
    double l = tu_csv_get(home, "numa.lpar.s.local"), r = tu_csv_get(home, "numa.lpar.s.remote");
    ck_assert_msg(l > 0 && r <= l / 100, "local %g remote %g", l, r);
    free(home);
    free(none);
}
END_TEST

/* The shipped H9 configs for shared LPARs. */
START_TEST(h9_shared)
{
    char *with = tu_run_config_ok(tu_src("configs/numa/h9-shared-home.yaml"), NULL, "sh.csv",
                                  false);
    char *without = tu_run_config_ok(tu_src("configs/numa/h9-shared.yaml"), NULL, "s.csv",
                                     false);
    double sw = 0, so = 0, lw = 0, lo = 0;
    for (int k = 0; k < 4; k++) {
        char key[64];
        snprintf(key, sizeof key, "numa.lpar.p%d.local", k);
        lw += tu_csv_get(with, key), lo += tu_csv_get(without, key);
        snprintf(key, sizeof key, "numa.lpar.p%d.remote", k);
        sw += tu_csv_get(with, key), so += tu_csv_get(without, key);
    }
    ck_assert(lw + sw > 0 && lo + so > 0);
    double share_w = lw / (lw + sw), share_o = lo / (lo + so);
    ck_assert_msg(share_w > 0.9, "local share with home nodes %g", share_w);
    ck_assert_msg(share_w > share_o, "with %g, without %g", share_w, share_o);
    ck_assert_double_gt(tu_csv_get(with, "paging.page_ins"), 0); /* overcommitted */
    free(with);
    free(without);
}
END_TEST

START_TEST(node_without_room)
{
    tu_write_tmp("one.txt", "#lparsim-trace v1\nL 0x10000000 8\n");
    char y[1024];
    snprintf(y, sizeof y,
             "machine: {modules: 2, cores_per_module: 1, threads_per_core: 2}\n"
             "memory: {modules: [{size: 1G}, {size: 256M}]}\n"
             "numa: {enabled: true}\n"
             "pagedev: {preset: fixed}\n"
             "hypervisor:\n  lmb_size: 16M\n  paging: {enabled: true, pool: 512M}\n"
             "lpars:\n  - {name: a, memory: 512M, memory_mode: shared, home_nodes: [1],\n"
             "     vcpus: [{thread: 0, trace: %s}]}\n",
             tu_tmp("one.txt"));
    /* node 1 holds 256M (16 LMBs, one of them a's HPT); a's part: all 512M,
     * 32 LMBs of 16M, 131072 frames */
    tu_refused(y, "of the 32 its part of the pool needs (131072 frames");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("numa_paging");
    TCase *tc = tcase_create("numa_paging");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, pagein_up_to_level);
    tcase_add_test(tc, pagein_elsewhere_when_home_full);
    tcase_add_test(tc, pageout_takes_misplaced_first);
    tcase_add_test(tc, dispatch_on_home_node);
    tcase_add_test(tc, h9_shared);
    tcase_add_test(tc, node_without_room);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
