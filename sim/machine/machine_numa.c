/*
 * machine_numa.c - memory affinity below the L3 (docs/numa.md): a node is
 * a processor module with the memory modules attached to it
 * (memory.modules[].module). With numa.enabled, a demand read fill by a
 * core of processor module P from memory attached to module Q != P pays
 * numa.remote_ns once (the SMP fabric is modeled fully connected: one hop
 * between any two distinct modules), on top of the DRAM and fabric_ns,
 * and every fill is counted local or remote, per core and in all.
 * Posted write-backs are neither charged (their latency is never the
 * requester's) nor counted. With numa off (the default) nothing here is
 * reached and no statistic is registered, so reports are unchanged.
 * Invariants: numa.local + numa.remote = the demand fills from DRAM while
 * on; numa.remote_cycles = numa.remote x the hop's cycles.
 */
#include <stdio.h>
#include <stdlib.h>

#include "machine_int.h"

#define N_F(f) offsetof(numa_config, f)
static const param_desc numa_list[] = {
    {"enabled", PT_BOOL, "", "false", 0, 0, NULL,
     "Model memory affinity: a DRAM read from memory attached to another processor module "
     "pays remote_ns, local and remote fills are counted (numa.*), and lpars[].home_nodes "
     "may be set. Off: every access costs the same as today.", N_F(enabled), NULL},
    {"remote_ns", PT_UINT, "ns", "55", 0, 10000, NULL,
     "Extra latency of a DRAM read that crosses to another processor module, per hop (the "
     "fabric is fully connected: one hop between distinct modules). POWER-NOTES 'remote "
     "L3/L4 ~55 ns' (POWER8 measurements), taken as the hop's increment: an assumption, the "
     "note gives a remote cache latency, not a measured DRAM delta (seed002 notes 1.C).",
     N_F(remote_ns), NULL},
    {"hpt_home", PT_BOOL, "", "true", 0, 0, NULL,
     "An LPAR with home_nodes gets its HPT on memory of its first home node (whole LMBs "
     "there become hypervisor memory), so that its table walks are local too; false: the HPT "
     "stays at the bottom of hypervisor memory (node 0) as without home nodes. Assumption: "
     "the hypervisor places a partition's page table with its memory (seed 002 notes 1.C).",
     N_F(hpt_home), NULL},
};
const param_table numa_params = {"numa", sizeof(numa_config), numa_list,
                                 PARAM_COUNT(numa_list),
                                 "Memory affinity (NUMA): remote DRAM latency and counts."};

static double local_share(const void *base)
{
    const machine_numa_stats *s = base;
    uint64_t n = s->local + s->remote;
    return n ? (double)s->local / (double)n : 0.0;
}

static const stat_desc numa_s[] = {
    {"local", SK_COUNTER, "lines", "Demand DRAM reads from memory on the reading core's "
     "processor module.", offsetof(machine_numa_stats, local), NULL},
    {"remote", SK_COUNTER, "lines", "Demand DRAM reads from memory on another processor "
     "module (each paid numa.remote_ns).", offsetof(machine_numa_stats, remote), NULL},
    {"remote_cycles", SK_COUNTER, "cycles", "Cycles the remote reads paid for the hop.",
     offsetof(machine_numa_stats, remote_cycles), NULL},
    {"local_share", SK_DERIVED, "ratio", "local / (local + remote); 0 when no read reached "
     "DRAM.", 0, local_share},
};
const stat_table machine_numa_stat_table = {"numa", numa_s, PARAM_COUNT(numa_s)};

int machine_numa_init(machine *m, const machine_config *c, sim_err *e)
{
    m->numa_on = c->numa.enabled;
    if (!m->numa_on)
        return 0;
    unsigned cores = (unsigned)(c->machine.modules * c->machine.cores_per_module);
    m->numa_cpm = (unsigned)c->machine.cores_per_module;
    m->numa_hop_cycles = c->numa.remote_ns * c->machine.freq_mhz / 1000;
    m->numa_core = calloc(cores, sizeof *m->numa_core);
    if (!m->numa_core)
        return sim_errf(e, "out of host memory");
    if (stats_register(m->stats, "numa", &machine_numa_stat_table, &m->numa_all) != 0)
        return sim_errf(e, "out of host memory");
    for (unsigned i = 0; i < cores; i++) {
        char prefix[48];
        snprintf(prefix, sizeof prefix, "numa.core%u", i);
        if (stats_register(m->stats, prefix, &machine_numa_stat_table, &m->numa_core[i]) != 0)
            return sim_errf(e, "out of host memory");
    }
    return 0;
}

void machine_numa_free(machine *m)
{
    free(m->numa_core);
    for (unsigned i = 0; i < m->nnuma_lpar; i++)
        free(m->numa_lpar[i]);
    free(m->numa_lpar);
}

int machine_numa_lpar(machine *m, unsigned lpid, const char *name, sim_err *e)
{
    if (!m->numa_on)
        return 0;
    if (lpid >= m->nnuma_lpar) {
        machine_numa_stats **v = realloc(m->numa_lpar, (lpid + 1) * sizeof *v);
        if (!v)
            return sim_errf(e, "out of host memory");
        for (unsigned i = m->nnuma_lpar; i <= lpid; i++)
            v[i] = NULL;
        m->numa_lpar = v;
        m->nnuma_lpar = lpid + 1;
    }
    char prefix[160];
    snprintf(prefix, sizeof prefix, "numa.lpar.%s", name);
    if (!(m->numa_lpar[lpid] = calloc(1, sizeof **m->numa_lpar)) ||
        stats_register(m->stats, prefix, &machine_numa_stat_table, m->numa_lpar[lpid]) != 0)
        return sim_errf(e, "out of host memory");
    return 0;
}

/* The per-LPAR counters of the vCPU running a record now, or NULL. */
static machine_numa_stats *lpar_stats(const machine *m)
{
    if (m->numa_thread >= m->nthreads || !m->threads[m->numa_thread].v)
        return NULL;
    unsigned lpid = m->threads[m->numa_thread].v->b.lpid;
    return lpid < m->nnuma_lpar ? m->numa_lpar[lpid] : NULL;
}

uint64_t machine_numa_charge(machine *m, unsigned core, uint64_t line_paddr)
{
    unsigned node = line_paddr < memmap_total_bytes(m->mm) ? memmap_node_of(m->mm, line_paddr)
                                                           : 0;
    machine_numa_stats *s = &m->numa_core[core], *l = lpar_stats(m);
    if (node == core / m->numa_cpm) {
        s->local++;
        m->numa_all.local++;
        if (l)
            l->local++;
        return 0;
    }
    s->remote++;
    s->remote_cycles += m->numa_hop_cycles;
    if (l) {
        l->remote++;
        l->remote_cycles += m->numa_hop_cycles;
    }
    m->numa_all.remote++;
    m->numa_all.remote_cycles += m->numa_hop_cycles;
    return m->numa_hop_cycles;
}

static int lpar_err(sim_err *e, const cfg_src *src, const char *path, const char *msg)
{
    return src ? cfg_errf(e, src, path, "%s", msg) : sim_errf(e, "%s: %s", path, msg);
}

int machine_numa_check_lpar(const machine_config *c, size_t i, const cfg_src *src, sim_err *e)
{
    const lpar_config *lc = (const lpar_config *)c->lpars.items + i;
    const lpar_node_config *hn = lc->home_nodes.items;
    const lpar_pages_config *np = lc->node_pages.items;
    char path[96], msg[256];
    if (!lc->home_nodes.n && !lc->node_pages.n)
        return 0;
    snprintf(path, sizeof path, "lpars[%zu].%s", i, lc->home_nodes.n ? "home_nodes" : "node_pages");
    if (!c->numa.enabled)
        return lpar_err(e, src, path, "set, but numa is not enabled; expected numa.enabled: "
                                      "true (or no home_nodes and node_pages)");
    for (size_t j = 0; j < lc->home_nodes.n; j++) {
        snprintf(path, sizeof path, "lpars[%zu].home_nodes[%zu]", i, j);
        if (hn[j].node >= c->machine.modules) {
            snprintf(msg, sizeof msg, "node %llu does not exist; expected a processor module "
                     "0..%llu (machine.modules is %llu)", (unsigned long long)hn[j].node,
                     (unsigned long long)c->machine.modules - 1,
                     (unsigned long long)c->machine.modules);
            return lpar_err(e, src, path, msg);
        }
        for (size_t k = 0; k < j; k++)
            if (hn[k].node == hn[j].node) {
                snprintf(msg, sizeof msg, "node %llu is already home_nodes[%zu]; expected "
                         "distinct nodes", (unsigned long long)hn[j].node, k);
                return lpar_err(e, src, path, msg);
            }
    }
    snprintf(path, sizeof path, "lpars[%zu].node_pages", i);
    if (lc->node_pages.n && lc->node_pages.n != lc->home_nodes.n) {
        snprintf(msg, sizeof msg, "%zu entries for %zu home nodes; expected one per home node "
                 "(in home_nodes order), or none", lc->node_pages.n, lc->home_nodes.n);
        return lpar_err(e, src, path, msg);
    }
    uint64_t sum = 0, cap = lc->memory / 4096;
    for (size_t j = 0; j < lc->node_pages.n; j++)
        sum += np[j].pages;
    if (sum > cap) {
        snprintf(msg, sizeof msg, "%llu pages in all; expected at most the LPAR's memory, "
                 "%llu 4K pages", (unsigned long long)sum, (unsigned long long)cap);
        return lpar_err(e, src, path, msg);
    }
    return 0;
}

int machine_numa_thread(const machine *m, const unsigned *nodes, unsigned n, unsigned v,
                        uint64_t *thread)
{
    unsigned tpc = (unsigned)m->topo.threads_per_core, cpm = (unsigned)m->topo.cores_per_module;
    for (unsigned pass = 0; pass < n; pass++) {
        unsigned node = nodes[(v + pass) % n];
        for (unsigned smt = 0; smt < tpc; smt++)
            for (unsigned c = 0; c < cpm; c++) {
                unsigned t = (node * cpm + c) * tpc + smt;
                if (t < m->nthreads && !m->threads[t].bound) {
                    *thread = t;
                    return 0;
                }
            }
    }
    return -1;
}
