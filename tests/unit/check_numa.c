/*
 * check_numa.c - unit tests of memory affinity (docs/numa.md): memory
 * modules attached to processor modules (the default spread, explicit
 * modules, an index out of range refused), node-aware LMB allocation
 * (lmb_take_node keeps lmb_take's address order, lmb_hyp_alloc_node's
 * aligned runs, lmb_assign_home's blocks and fall-back), an LPAR's home
 * nodes (LMB split from node_pages, the desired pages it exposes, its HPT
 * and vCPU on its home node), and the remote charge below the L3: the same
 * access on two machines built alike but for numa.enabled costs exactly
 * numa.remote_ns x freq more when it crosses modules, and the same when
 * it does not.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hyp/lmb.h"
#include "machine/machine.h"
#include "testutil.h"

#define MB (1ull << 20)

static void set(machine_config *c, const char *kv)
{
    sim_err e = {{0}};
    ck_assert_msg(cfg_set(&machine_config_table, c, kv, &e) == 0, "%s: %s", kv, e.msg);
}

/* A memmap of n modules of `size` each (16M PMBs), their module fields
 * from mod[] (NULL: -1, spread). */
static memmap *mm_make(unsigned n, uint64_t size, const int64_t *mod, memory_config *mc)
{
    memory_module_config *m = calloc(n, sizeof *m);
    for (unsigned i = 0; i < n; i++) {
        m[i].size = size;
        m[i].module = mod ? mod[i] : -1;
    }
    mc->modules.items = m;
    mc->modules.n = n;
    mc->pmb_size = 16 * MB;
    sim_err e = {{0}};
    memmap *mm = memmap_create(mc, &e);
    ck_assert_msg(mm != NULL, "%s", e.msg);
    return mm;
}

START_TEST(nodes_spread_and_explicit)
{
    memory_config mc;
    sim_err e = {{0}};
    memmap *mm = mm_make(4, 64 * MB, NULL, &mc);
    for (unsigned i = 0; i < 4; i++)
        ck_assert_uint_eq(memmap_module_node(mm, i), 0); /* before set_nodes */
    ck_assert_int_eq(memmap_set_nodes(mm, &mc, 2, &e), 0);
    for (unsigned i = 0; i < 4; i++) /* i * P / M */
        ck_assert_uint_eq(memmap_module_node(mm, i), i * 2 / 4);
    ck_assert_uint_eq(memmap_node_of(mm, 3 * 64 * MB + 5), 1);
    ck_assert_int_eq(memmap_set_nodes(mm, &mc, 1, &e), 0); /* one module: all local */
    for (unsigned i = 0; i < 4; i++)
        ck_assert_uint_eq(memmap_module_node(mm, i), 0);
    ((memory_module_config *)mc.modules.items)[0].module = 1;
    ck_assert_int_eq(memmap_set_nodes(mm, &mc, 2, &e), 0);
    ck_assert_uint_eq(memmap_module_node(mm, 0), 1);
    ((memory_module_config *)mc.modules.items)[3].module = 2;
    ck_assert_int_eq(memmap_set_nodes(mm, &mc, 2, &e), -1);
    ck_assert_msg(strstr(e.msg, "memory.modules[3].module: processor module 2 does not exist") &&
                  strstr(e.msg, "0..1"), "%s", e.msg);
    memmap_destroy(mm);
    free(mc.modules.items);
}
END_TEST

/* Two 256M modules on nodes 0 and 1, 16M LMBs (slots 0-15 node 0, 16-31
 * node 1), 32M of hypervisor memory (slots 0, 1). */
typedef struct rig {
    memory_config mc;
    memmap *mm;
    physmem *pm;
    lmb_space s;
} rig;

static void rig_init(rig *r)
{
    sim_err e = {{0}};
    memset(r, 0, sizeof *r);
    r->mm = mm_make(2, 256 * MB, NULL, &r->mc);
    ck_assert_int_eq(memmap_set_nodes(r->mm, &r->mc, 2, &e), 0);
    r->pm = physmem_create(memmap_total_bytes(r->mm));
    ck_assert_int_eq(lmb_space_init(&r->s, r->mm, r->pm, 16 * MB, 32 * MB, &e), 0);
}

static void rig_free(rig *r)
{
    lmb_space_free(&r->s);
    physmem_destroy(r->pm);
    memmap_destroy(r->mm);
    free(r->mc.modules.items);
}

START_TEST(lmb_by_node)
{
    rig r;
    rig_init(&r);
    lmb_space *s = &r.s;
    uint64_t free0 = lmb_free_bytes(s);
    ck_assert_uint_eq(lmb_take_node(s, 0, 1), 16); /* skips 2..15 */
    ck_assert_uint_eq(lmb_free_bytes(s), free0 - 16 * MB);
    ck_assert_uint_eq(lmb_take(s, 5), 2); /* the skipped ones still in address order */
    ck_assert_uint_eq(lmb_take(s, 5), 3);
    ck_assert_uint_eq(lmb_take_node(s, 0, 1), 17);
    ck_assert_uint_eq(lmb_take_node(s, 0, 0), 4); /* from the free list */
    /* 40M: three slots on node 1, at an 64M-aligned slot (a multiple of 4): 20..22 */
    uint64_t at = lmb_hyp_alloc_node(s, 40 * MB, 64 * MB, 1);
    ck_assert_uint_eq(at, 20 * 16 * MB);
    for (uint64_t k = 20; k < 23; k++)
        ck_assert_uint_eq(s->owner[k], LMB_HYP);
    ck_assert_uint_eq(s->owner[18], LMB_FREE); /* skipped, on the free list */
    ck_assert_uint_eq(lmb_hyp_alloc_node(s, 512 * MB, 16 * MB, 1), UINT64_MAX); /* no room */
    /* an LPAR on home nodes [1, 0], 4 + 2 LMBs: its table in hypervisor memory */
    unsigned nodes[2] = {1, 0};
    uint64_t per[2] = {4, 2};
    uint64_t tab = lmb_hyp_alloc_top(s, 64, 128);
    sim_err e = {{0}};
    ck_assert_int_eq(lmb_assign_home(s, 7, 6, tab, nodes, per, 2, &e), 0);
    for (uint64_t k = 0; k < 6; k++) {
        uint64_t ra = physmem_read64(r.pm, tab + 8 * k);
        ck_assert_uint_eq(memmap_node_of(r.mm, ra), k < 4 ? 1 : 0);
        ck_assert_uint_eq(lmb_index_of(s, 7, ra), k);
    }
    /* node 1 full: the rest of a home-node-1 block falls back to node 0 */
    unsigned one[1] = {1};
    uint64_t left = 0;
    for (uint64_t k = 16; k < 32; k++)
        left += s->owner[k] == LMB_FREE;
    uint64_t want[1] = {left + 2};
    uint64_t tab2 = lmb_hyp_alloc_top(s, 8 * want[0], 128);
    ck_assert_int_eq(lmb_assign_home(s, 8, want[0], tab2, one, want, 1, &e), 0);
    for (uint64_t k = 0; k < want[0]; k++) {
        uint64_t ra = physmem_read64(r.pm, tab2 + 8 * k);
        ck_assert_uint_eq(memmap_node_of(r.mm, ra), k < left ? 1 : 0);
    }
    ck_assert_uint_eq(lmb_take_node(s, 0, 1), UINT64_MAX);
    rig_free(&r);
}
END_TEST

/* Machine: 2 modules x 1 core x 1 thread, memory modules of 512M on
 * processor modules 0 and 1, 16M LMBs; LPAR p0 (256M) on thread 0. */
static void two_node_config(machine_config *c, bool numa)
{
    sim_err e = {{0}};
    ck_assert_int_eq(machine_config_init(c, &e), 0);
    set(c, "machine.modules=2");
    set(c, "machine.cores_per_module=1");
    set(c, "machine.threads_per_core=1");
    set(c, "memory.modules[0].size=512M");
    set(c, "memory.modules[1].size=512M");
    set(c, "memory.pmb_size=16M");
    set(c, "hypervisor.lmb_size=16M");
    set(c, numa ? "numa.enabled=true" : "numa.enabled=false");
    set(c, "lpars[0].name=p0");
    set(c, "lpars[0].memory=256M");
    char kv[4200];
    const char *tr = tu_tmp("one.txt");
    ck_assert_int_eq(tu_write_file(tr, "#lparsim-trace v1\nL 0x10000000 8\n"), 0);
    snprintf(kv, sizeof kv, "lpars[0].vcpus[0].trace=%s", tr);
    set(c, kv);
}

static machine *build(const machine_config *c)
{
    sim_err e = {{0}};
    machine *m = machine_create(c, NULL, &e);
    ck_assert_msg(m != NULL, "%s", e.msg);
    return m;
}

static uint64_t counter(const machine *m, const char *name)
{
    uint64_t v = 0;
    ck_assert_msg(stats_get_counter(machine_stats(m), name, &v) == 0, "no stat %s", name);
    return v;
}

/* One read of paddr by the core of thread t at cycle now. */
static uint64_t read_at(machine *m, unsigned t, uint64_t paddr, uint64_t now)
{
    const mem_port *p = machine_thread(m, t)->port;
    return p->access(p->ctx, paddr, 8, MEM_READ, now);
}

START_TEST(remote_charge)
{
    machine_config off, on;
    two_node_config(&off, false);
    two_node_config(&on, true);
    machine *a = build(&off), *b = build(&on);
    uint64_t hop = on.numa.remote_ns * on.machine.freq_mhz / 1000;
    ck_assert_uint_gt(hop, 0);
    uint64_t far = 512 * MB + 3 * MB, near = 300 * MB;
    /* core 0 (module 0): memory on module 1 is remote, on module 0 local */
    uint64_t la = read_at(a, 0, far, 1000), lb = read_at(b, 0, far, 1000);
    ck_assert_uint_eq(lb, la + hop);
    ck_assert_uint_eq(read_at(b, 0, near, 5000), read_at(a, 0, near, 5000));
    /* core 1 (module 1): the other way round */
    ck_assert_uint_eq(read_at(b, 1, near + 4096, 9000), read_at(a, 1, near + 4096, 9000) + hop);
    ck_assert_uint_eq(read_at(b, 1, far + 4096, 13000), read_at(a, 1, far + 4096, 13000));
    /* a hit pays nothing more */
    ck_assert_uint_eq(read_at(b, 0, far, 20000), read_at(a, 0, far, 20000));
    ck_assert_uint_eq(counter(b, "numa.remote"), 2);
    ck_assert_uint_eq(counter(b, "numa.local"), 2);
    ck_assert_uint_eq(counter(b, "numa.remote_cycles"), 2 * hop);
    ck_assert_uint_eq(counter(b, "numa.core0.remote"), 1);
    ck_assert_uint_eq(counter(b, "numa.core1.local"), 1);
    uint64_t v;
    ck_assert_int_ne(stats_get_counter(machine_stats(a), "numa.local", &v), 0); /* off: none */
    machine_destroy(a);
    machine_destroy(b);
    machine_config_free(&off);
    machine_config_free(&on);
}
END_TEST

START_TEST(home_nodes)
{
    machine_config c;
    two_node_config(&c, true);
    set(&c, "lpars[0].home_nodes[0].node=1");
    set(&c, "lpars[0].home_nodes[1].node=0");
    set(&c, "lpars[0].node_pages[0].pages=16384"); /* 64M */
    set(&c, "lpars[0].node_pages[1].pages=49152"); /* 192M */
    set(&c, "lpars[0].vcpus[0].thread=0");
    machine *m = build(&c);
    hyp *h = machine_hyp(m);
    const unsigned *nodes;
    ck_assert_uint_eq(hyp_lpar_home_nodes(h, 0, &nodes), 2);
    ck_assert_uint_eq(nodes[0], 1);
    ck_assert_uint_eq(hyp_lpar_node_pages(h, 0, 1), 16384);
    ck_assert_uint_eq(hyp_lpar_node_pages(h, 0, 0), 49152);
    ck_assert_uint_eq(hyp_lpar_node_pages(h, 0, 2), 0);
    /* 16 LMBs: 16 x 16384 / 65536 = 4 on node 1 first, 12 on node 0 */
    uint64_t lmb = hyp_lmb_size(h);
    for (uint64_t k = 0; k < 16; k++) {
        uint64_t ra = hyp_logical_to_real(h, 0, k * lmb);
        ck_assert_msg((ra >= 512 * MB) == (k < 4), "LMB %llu at 0x%llx",
                      (unsigned long long)k, (unsigned long long)ra);
    }
    /* numa.hpt_home (default true): the HPT on node 1's memory */
    ck_assert_uint_ge(hpt_hpte_addr(hyp_lpar_hpt(h, 0), 0), 512 * MB);
    machine_destroy(m);
    machine_config_free(&c);

    /* no node_pages: even; no thread: the vCPU on its home node's core */
    two_node_config(&c, true);
    set(&c, "lpars[0].home_nodes[0].node=1");
    m = build(&c);
    h = machine_hyp(m);
    ck_assert_uint_eq(hyp_lpar_node_pages(h, 0, 1), 256 * MB / 4096);
    ck_assert(machine_thread(m, 1)->bound);
    ck_assert(!machine_thread(m, 0)->bound);
    machine_destroy(m);
    machine_config_free(&c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("numa");
    TCase *tc = tcase_create("numa");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, nodes_spread_and_explicit);
    tcase_add_test(tc, lmb_by_node);
    tcase_add_test(tc, remote_charge);
    tcase_add_test(tc, home_nodes);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
