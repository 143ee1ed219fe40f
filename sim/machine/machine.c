/*
 * machine.c - building and destroying the machine from its config (see
 * machine.h). Order: memory map and DRAM, caches, TLBs and threads, the
 * hypervisor with its LPARs, then the guests and their vCPU bindings.
 */
#include <stdlib.h>
#include <string.h>

#include "machine_int.h"

/* Core cycles <-> DRAM cycles, exactly, in integers (in 64 bits when the
 * products fit, which is the usual case: the same quotients, without the
 * 128-bit division). */
static uint64_t core_to_dram(const machine *m, uint64_t c)
{
    uint64_t den = m->topo.freq_mhz * m->dram_tck_ps; /* both bounded by their params */
    if (c < (1ull << 44)) /* c x 10^6 < 2^64 */
        return c * 1000000u / den;
    return (uint64_t)((unsigned __int128)c * 1000000u / den);
}

static uint64_t dram_to_core_ceil(const machine *m, uint64_t d)
{
    uint64_t k = m->topo.freq_mhz * m->dram_tck_ps;
    if (d < (1ull << 20) && k < (1ull << 43)) /* d x k + 999999 < 2^64 */
        return (d * k + 999999u) / 1000000u;
    unsigned __int128 n = (unsigned __int128)d * m->topo.freq_mhz * m->dram_tck_ps;
    return (uint64_t)((n + 999999u) / 1000000u);
}

/* Below the L3: the memory module's DRAM controller plus the fabric. */
static uint64_t below_access(void *ctx, uint64_t line_paddr, bool write, uint64_t now)
{
    machine *m = ctx;
    if (m->ext_below.access)
        return m->ext_below.access(m->ext_below.ctx, line_paddr, write, now);
    unsigned mod = 0;
    uint64_t off = line_paddr;
    if (line_paddr < memmap_total_bytes(m->mm)) {
        mod = memmap_module_of(m->mm, line_paddr);
        off = line_paddr - memmap_module_base(m->mm, mod);
    }
    if (off >= m->dram_capacity) /* a division only when it changes something */
        off %= m->dram_capacity;
    uint64_t t = core_to_dram(m, now);
    dram *d = m->drams[mod < m->ndrams ? mod : mod % m->ndrams];
    /* how far the threads may still bring requests: the running thread's
     * window, else (hypervisor and driver work) a quantum past the thread
     * furthest behind */
    uint64_t h = m->dram_horizon, lo = 0;
    if (m->sched_ready && sched_size(&m->sched) > 0) {
        lo = sched_min_clock(&m->sched);
        if (h == UINT64_MAX)
            h = lo + m->cpu_cfg.quantum;
    }
    dram_set_horizon(d, core_to_dram(m, lo), h == UINT64_MAX ? UINT64_MAX : core_to_dram(m, h));
    uint64_t done = dram_access(d, off, write, t);
    return m->fabric_cycles + dram_to_core_ceil(m, done > t ? done - t : 0);
}

/* A demand read fill (numa.enabled only): below_access plus the hop to
 * another processor module's memory (machine_numa.c). */
static uint64_t below_fill(void *ctx, unsigned core, uint64_t line_paddr, uint64_t now)
{
    machine *m = ctx;
    uint64_t lat = below_access(ctx, line_paddr, false, now);
    return lat + machine_numa_charge(m, core, line_paddr);
}

/* Functional access below the L3 (warm-up): the DRAM row left open; an
 * external memory (machine_set_memory_below) is left alone. */
static void below_touch(void *ctx, uint64_t line_paddr, bool write)
{
    machine *m = ctx;
    (void)write;
    if (m->ext_below.access)
        return;
    unsigned mod = 0;
    uint64_t off = line_paddr;
    if (line_paddr < memmap_total_bytes(m->mm)) {
        mod = memmap_module_of(m->mm, line_paddr);
        off = line_paddr - memmap_module_base(m->mm, mod);
    }
    dram_touch(m->drams[mod % m->ndrams], off % m->dram_capacity);
}

static int cfg_error(sim_err *e, const cfg_src *src, const char *path, const char *msg)
{
    if (src)
        return cfg_errf(e, src, path, "%s", msg);
    return sim_errf(e, "%s: %s", path, msg);
}

/* Locate a component's own validation message ("dram.address_mapping: ...")
 * in the config: prefix where the key it starts with came from ("FILE:LINE"
 * or "--set KEY=VALUE") when that key lies in one of `sections` (a comma-
 * separated list, "lpars,hypervisor"), else where the first section did. */
static int src_prefix(sim_err *e, const cfg_src *src, const char *sections)
{
    if (!src)
        return -1;
    char key[128], where[SIM_ERR_MAX / 2];
    size_t k = strcspn(e->msg, ": ");
    snprintf(key, sizeof key, "%.*s", (int)(k < sizeof key ? k : sizeof key - 1), e->msg);
    bool own = false;
    for (const char *s = sections; *s && !own; s += strcspn(s, ",") + (s[strcspn(s, ",")] != 0)) {
        size_t sl = strcspn(s, ",");
        own = !strncmp(key, s, sl) && (key[sl] == '\0' || key[sl] == '.' || key[sl] == '[');
    }
    char first[64];
    snprintf(first, sizeof first, "%.*s", (int)strcspn(sections, ","), sections);
    return sim_err_prefix(e, "%s", cfg_src_where(src, own ? key : first, where, sizeof where));
}

/* Fill memory.modules automatically when the config lists none. */
static int auto_memory(const machine_config *c, memory_config *mem, uint64_t need, sim_err *e)
{
    *mem = c->memory;
    if (c->memory.modules.n)
        return 0;
    uint64_t n = c->machine.modules;
    uint64_t pmb = c->memory.pmb_size;
    uint64_t per = (need + n - 1) / n;
    per = (per + pmb - 1) / pmb * pmb;
    memory_module_config *mods = calloc(n, sizeof *mods);
    if (!mods)
        return sim_errf(e, "out of host memory");
    for (uint64_t i = 0; i < n; i++) {
        mods[i].size = per;
        mods[i].module = -1; /* spread: module i on processor module i */
    }
    mem->modules.items = mods;
    mem->modules.n = n;
    return 0;
}

static int build_memory(machine *m, const machine_config *c, uint64_t need, const cfg_src *src,
                        sim_err *e)
{
    memory_config mem;
    if (auto_memory(c, &mem, need, e) != 0)
        return -1;
    m->mm = memmap_create(&mem, e);
    int rc = m->mm ? memmap_set_nodes(m->mm, &mem, (unsigned)c->machine.modules, e) : -1;
    if (mem.modules.items != c->memory.modules.items)
        free(mem.modules.items);
    if (rc != 0)
        return src_prefix(e, src, "memory");
    if (memmap_total_bytes(m->mm) < need) {
        char msg[256];
        snprintf(msg, sizeof msg, "the modules hold %llu bytes but the hypervisor and the LPARs "
                                  "need %llu; add memory or remove the modules list (automatic)",
                 (unsigned long long)memmap_total_bytes(m->mm), (unsigned long long)need);
        return cfg_error(e, src, "memory.modules", msg);
    }
    m->pm = physmem_create(memmap_total_bytes(m->mm));
    m->ndrams = memmap_module_count(m->mm);
    m->drams = calloc(m->ndrams, sizeof *m->drams);
    if (!m->pm || !m->drams)
        return sim_errf(e, "out of host memory");
    for (unsigned i = 0; i < m->ndrams; i++) {
        m->drams[i] = dram_create(&c->dram, e);
        if (!m->drams[i])
            return src_prefix(e, src, "dram");
        char prefix[64];
        snprintf(prefix, sizeof prefix, "dram.module%u", i);
        stats_register(m->stats, prefix, &dram_stat_table, dram_get_stats(m->drams[i]));
    }
    if (machine_dramlog_open(m, c->dram.trace_out, e) != 0)
        return -1;
    m->dram_capacity = dram_config_capacity(&c->dram);
    m->dram_tck_ps = c->dram.tCK;
    m->fabric_cycles = c->machine.fabric_ns * c->machine.freq_mhz / 1000;
    return machine_numa_init(m, c, e);
}

static int build_cpus(machine *m, const machine_config *c, sim_err *e)
{
    unsigned cores = (unsigned)(c->machine.modules * c->machine.cores_per_module);
    unsigned tpc = (unsigned)c->machine.threads_per_core;
    memhier_below below = {below_access, m, below_touch, c->numa.enabled ? below_fill : NULL};
    m->mh = memhier_create(&c->cache, (unsigned)c->machine.modules,
                           (unsigned)c->machine.cores_per_module, below, e);
    if (!m->mh || memhier_register_stats(m->mh, m->stats) != 0)
        return -1;
    m->nthreads = cores * tpc;
    m->threads = calloc(m->nthreads, sizeof *m->threads);
    m->tlbs = calloc(m->nthreads, sizeof *m->tlbs);
    m->ports = calloc(m->nthreads, sizeof *m->ports);
    m->warm_to = calloc(m->nthreads, sizeof *m->warm_to);
    if (!m->threads || !m->tlbs || !m->ports || !m->warm_to)
        return sim_errf(e, "out of host memory");
    for (unsigned i = 0; i < m->nthreads; i++) {
        unsigned core = i / tpc;
        m->tlbs[i] = tlb_create(&c->tlb, e);
        if (!m->tlbs[i])
            return -1;
        m->ports[i] = memhier_port(m->mh, core);
        if (cpu_thread_init(&m->threads[i], i, core / (unsigned)c->machine.cores_per_module, core,
                            i % tpc, m->tlbs[i], m->ports[i], &m->cpu_cfg, m->ops, e) != 0)
            return -1;
        if (c->mmu.walk_from == MMU_WALK_L2)
            m->threads[i].walk_port = memhier_walk_port(m->mh, core);
        char prefix[64];
        snprintf(prefix, sizeof prefix, "tlb.thread%u", i);
        stats_register(m->stats, prefix, &tlb_stat_table, tlb_get_stats(m->tlbs[i]));
        snprintf(prefix, sizeof prefix, "cpu.thread%u", i);
        stats_register(m->stats, prefix, &cpu_thread_stat_table, &m->threads[i].st);
    }
    if (c->cpu.decode) {
        /* one decoder (and word cache) for the machine; its figures are
         * reported as cpu.decode.* once a trace has carried words */
        m->dec = ppc_decoder_create(e);
        if (!m->dec)
            return -1;
        uint64_t cyc[PPC_COST_COUNT];
        _Static_assert(sizeof cyc == sizeof c->cpu.class_cycles, "one field per timing slot");
        memcpy(cyc, &c->cpu.class_cycles, sizeof cyc);
        ppc_decoder_set_cycles(m->dec, cyc);
    }
    return 0;
}

/* Room for one more pointer in *arr (n used of *cap). */
static int grow(void *arr, size_t elem, unsigned n, unsigned *cap, sim_err *e)
{
    if (n < *cap)
        return 0;
    unsigned nc = *cap ? *cap * 2 : 16;
    void *p = realloc(*(void **)arr, (size_t)nc * elem);
    if (!p)
        return sim_errf(e, "out of host memory");
    *(void **)arr = p;
    *cap = nc;
    return 0;
}

/* Build LPAR lc (configured lpars[i], or a driver's when key is set: the
 * key its trace errors are located at): its guest, its vCPUs bound to
 * their threads (dedicated) or handed to the hypervisor (shared). */
static int add_lpar(machine *m, const lpar_config *lc, unsigned i, const char *key,
                    const cfg_src *src, sim_err *e)
{
    const machine_config *c = m->cfg;
    char path[128], msg[SIM_ERR_MAX];
    bool shared_mem = lc->memory_mode == LPAR_MEM_SHARED;
    if (shared_mem && lc->page_size != LPAR_PAGE_4K) {
        snprintf(path, sizeof path, "lpars[%u].page_size", i);
        return cfg_error(e, src, path, "a shared-memory LPAR maps 4K pages (the pool's "
                                       "page size, AMS cmo_page_size); expected 4K");
    }
    if (!shared_mem && lc->memory_weight != 128) {
        snprintf(path, sizeof path, "lpars[%u].memory_weight", i);
        return cfg_error(e, src, path, "only a shared-memory LPAR has a memory weight; "
                                       "expected memory_mode: shared, or no memory_weight");
    }
    unsigned hnodes[64];
    uint64_t hpages[64];
    hyp_lpar_home home = {hnodes, lc->node_pages.n ? hpages : NULL, 0, c->numa.hpt_home};
    for (size_t j = 0; j < lc->home_nodes.n && j < 64; j++) {
        hnodes[home.n] = (unsigned)((const lpar_node_config *)lc->home_nodes.items)[j].node;
        if (j < lc->node_pages.n)
            hpages[home.n] = ((const lpar_pages_config *)lc->node_pages.items)[j].pages;
        home.n++;
    }
    int lpid = shared_mem ? hyp_lpar_create_shared(m->hyp, lc->name, lc->memory, lc->hpt_size,
                                                   &home, e)
                          : hyp_lpar_create_home(m->hyp, lc->name, lc->memory, lc->hpt_size,
                                                 &home, e);
    if (lpid < 0) {
        if (key)
            return sim_err_prefix(e, "%s: LPAR %s", key, lc->name);
        snprintf(path, sizeof path, "lpars[%u].%s", i, shared_mem ? "memory_mode" : "memory");
        snprintf(msg, sizeof msg, "%s", e->msg);
        return cfg_error(e, src, path, msg);
    }
    if (shared_mem)
        hyp_lpar_set_memory_weight(m->hyp, (unsigned)lpid, (unsigned)lc->memory_weight);
    if (machine_numa_lpar(m, (unsigned)lpid, lc->name, e) != 0)
        return -1;
    if (grow(&m->guests, sizeof *m->guests, m->nguests, &m->cap_guests, e) != 0)
        return -1;
    guest *g = guest_create(&c->guest, m->hyp, (unsigned)lpid, lc, c->machine.seed, m->ops,
                            m->stats, e);
    if (!g)
        return -1;
    m->guests[m->nguests++] = g;
    bool shared = lc->processors.mode == HYP_PROCS_SHARED;
    if (hyp_lpar_set_procs(m->hyp, (unsigned)lpid, &lc->processors, e) != 0)
        return -1;
    const vcpu_config *vc = lc->vcpus.items;
    for (unsigned v = 0; v < lc->vcpus.n; v++) {
        snprintf(path, sizeof path, "lpars[%u].vcpus[%u].thread", i, v);
        uint64_t thr = vc[v].thread;
        if (!shared && home.n && !key && !cfg_src_has(src, path) &&
            machine_numa_thread(m, hnodes, home.n, v, &thr) != 0) {
            snprintf(msg, sizeof msg, "no free hardware thread on the home nodes for vCPU %u; "
                     "expected fewer vCPUs, more home nodes or an explicit thread", v);
            return cfg_error(e, src, path, msg);
        }
        if (!shared && thr >= m->nthreads) {
            snprintf(msg, sizeof msg, "thread %llu does not exist; expected a thread "
                                      "0..%u (the machine has %u hardware threads)",
                     (unsigned long long)thr, m->nthreads - 1, m->nthreads);
            return key ? sim_errf(e, "%s: LPAR %s: %s", key, lc->name, msg)
                       : cfg_error(e, src, path, msg);
        }
        cpu_thread *t = shared ? NULL : &m->threads[thr];
        if (t && t->bound) {
            snprintf(msg, sizeof msg, "thread %llu already runs LPAR %u vCPU %u; expected "
                                      "one vCPU per hardware thread",
                     (unsigned long long)thr, t->v->b.lpid, t->v->b.vcpu);
            return key ? sim_errf(e, "%s: LPAR %s: %s", key, lc->name, msg)
                       : cfg_error(e, src, path, msg);
        }
        snprintf(path, sizeof path, "lpars[%u].vcpus[%u].trace", i, v);
        if (!vc[v].trace || !vc[v].trace[0])
            return key ? sim_errf(e, "%s: missing; expected the path of a native trace", key)
                       : cfg_error(e, src, path, "missing; expected the path of a native trace");
        if (grow(&m->traces, sizeof *m->traces, m->ntraces, &m->cap_traces, e) != 0)
            return -1;
        tr_reader *r = tr_open(vc[v].trace, e);
        if (!r) {
            snprintf(msg, sizeof msg, "%s", e->msg);
            return cfg_error(e, src, key ? key : path, msg);
        }
        m->traces[m->ntraces++] = r;
        cpu_binding b;
        uint32_t ctx = vc[v].process ? (uint32_t)vc[v].process : 500001u + v;
        guest_binding(g, v, ctx, &b);
        b.trace = r;
        b.repeat = vc[v].repeat;
        b.max_records = c->run.max_records;
        if (tr_version(r) >= 2) {
            b.roi_markers = true;
            b.roi = machine_roi_marker;
            b.roi_ctx = m;
        }
        b.hseq_markers = tr_version(r) >= 3;
        uint64_t warm = vc[v].warmup_records >= 0 ? (uint64_t)vc[v].warmup_records
                                                  : c->run.warmup_records;
        if (vc[v].warmup_records > 0 && (shared || lc->memory_mode == LPAR_MEM_SHARED)) {
            snprintf(path, sizeof path, "lpars[%u].vcpus[%u].warmup_records", i, v);
            const char *why = shared ? "a warm-up needs every vCPU on its own thread; expected "
                                       "0 or -1 with shared processors (lpars[].processors."
                                       "mode: shared)"
                                     : "a warm-up cannot page; expected 0 or -1 with "
                                       "shared-memory LPARs (lpars[].memory_mode: shared)";
            return key ? sim_errf(e, "%s: LPAR %s: %s", key, lc->name, why)
                       : cfg_error(e, src, path, why);
        }
        b.decoder = m->dec;
        if (t) {
            m->warm_to[t->id] = warm;
            if (warm > m->warm_max)
                m->warm_max = warm;
            cpu_thread_bind(t, &b);
            if (hyp_lpar_add_vcpu(m->hyp, (unsigned)lpid, &t->own, t->id, e) != 0)
                return -1;
            continue;
        }
        /* shared: the dispatcher puts it on a pool thread */
        if (grow(&m->svcpus, sizeof *m->svcpus, m->nsvcpus, &m->cap_svcpus, e) != 0)
            return -1;
        cpu_vcpu *sv = calloc(1, sizeof *sv);
        if (!sv)
            return sim_errf(e, "out of host memory");
        m->svcpus[m->nsvcpus++] = sv;
        cpu_vcpu_init(sv, &b);
        if (hyp_lpar_add_vcpu(m->hyp, (unsigned)lpid, sv, HYP_NO_THREAD, e) != 0)
            return -1;
    }
    return 0;
}

static int build_lpars(machine *m, const machine_config *c, const cfg_src *src, sim_err *e)
{
    for (unsigned i = 0; i < c->lpars.n; i++)
        if (add_lpar(m, (const lpar_config *)c->lpars.items + i, i, NULL, src, e) != 0)
            return -1;
    return 0;
}

/* A driver's LPAR (feature.h hyp_lpar_spec): built as a configured one,
 * its dedicated vCPUs on the first free threads. */
static int driver_add_lpar(void *ctx, const hyp_lpar_spec *s, sim_err *e)
{
    machine *m = ctx;
    lpar_config lc;
    sim_err_clear(e);
    if (param_defaults(&lpar_params, &lc, e) != 0)
        return -1;
    vcpu_config *vc = calloc(s->vcpus ? s->vcpus : 1, sizeof *vc);
    if (!vc) {
        param_free(&lpar_params, &lc);
        return sim_errf(e, "out of host memory");
    }
    free(lc.name);
    lc.name = (char *)s->name;
    lc.memory = s->memory;
    lc.hpt_size = s->hpt_size;
    lc.processors = s->procs;
    lc.vcpus.items = vc;
    lc.vcpus.n = s->vcpus;
    for (unsigned v = 0; v < s->vcpus; v++) {
        vc[v].trace = (char *)s->trace;
        vc[v].repeat = s->repeat;
        vc[v].warmup_records = -1; /* run.warmup_records */
        if (s->procs.mode != HYP_PROCS_SHARED) {
            while (m->next_thread < m->nthreads && m->threads[m->next_thread].bound)
                m->next_thread++;
            vc[v].thread = m->next_thread++;
        }
    }
    int rc = add_lpar(m, &lc, m->nguests, s->key, NULL, e);
    free(vc);
    return rc != 0 ? -1 : (int)hyp_lpar_count(m->hyp) - 1;
}

/* Checks of the LPAR list the parameter ranges cannot express. */
static const char *lpar_name(const lpar_config *lc)
{
    return lc->name ? lc->name : "";
}

static int by_name(const void *a, const void *b, void *ctx)
{
    const lpar_config *lc = ctx;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int r = strcmp(lpar_name(&lc[x]), lpar_name(&lc[y]));
    return r ? r : (x > y) - (x < y);
}

/* The first LPAR (by index) whose name an earlier one has: its index, and
 * in *first the earlier one's; n if none. Sorted, so n log n. */
static size_t first_repeat(const lpar_config *lc, size_t n, size_t *first)
{
    size_t *ix = malloc((n ? n : 1) * sizeof *ix), best = n;
    if (!ix)
        return n;
    for (size_t i = 0; i < n; i++)
        ix[i] = i;
    qsort_r(ix, n, sizeof *ix, by_name, (void *)lc);
    /* in a run of equal names (sorted by index within it), the second is
     * the first to repeat an earlier one, the first */
    for (size_t i = 1, run = 0; i < n; i++) {
        if (strcmp(lpar_name(&lc[ix[run]]), lpar_name(&lc[ix[i]])) != 0)
            run = i;
        else if (i == run + 1 && ix[i] < best) {
            best = ix[i];
            *first = ix[run];
        }
    }
    free(ix);
    return best;
}

/* lpars[i].processors against its vCPUs and the machine: what the
 * parameter ranges cannot say. */
static int check_procs(const machine_config *c, size_t i, const cfg_src *src, sim_err *e)
{
    const lpar_config *lc = (const lpar_config *)c->lpars.items + i;
    const hyp_procs *p = &lc->processors;
    char path[96], msg[256];
    static const char *const shared_only[] = {"entitlement", "virtual_processors", "capped",
                                              "weight"};
    if (p->mode != HYP_PROCS_SHARED) {
        for (unsigned k = 0; k < 4; k++) {
            snprintf(path, sizeof path, "lpars[%zu].processors.%s", i, shared_only[k]);
            if (cfg_src_has(src, path))
                return cfg_error(e, src, path, "set for a dedicated LPAR, where it means "
                                               "nothing; expected processors.mode: shared");
        }
        return 0;
    }
    uint64_t vps = p->virtual_processors, tpc = c->machine.threads_per_core;
    snprintf(path, sizeof path, "lpars[%zu].processors.entitlement", i);
    if (p->entitlement < 0.05 * (double)vps - 1e-9 || p->entitlement > (double)vps + 1e-9) {
        snprintf(msg, sizeof msg, "%g processing units for %llu virtual processors; expected "
                 "%g to %llu (0.05 to 1 per virtual processor)", p->entitlement,
                 (unsigned long long)vps, 0.05 * (double)vps, (unsigned long long)vps);
        return cfg_error(e, src, path, msg);
    }
    if (lc->vcpus.n > vps * tpc) {
        snprintf(path, sizeof path, "lpars[%zu].vcpus", i);
        snprintf(msg, sizeof msg, "%zu vCPUs on %llu virtual processors of %llu threads; "
                 "expected at most %llu (or more virtual_processors)", lc->vcpus.n,
                 (unsigned long long)vps, (unsigned long long)tpc,
                 (unsigned long long)(vps * tpc));
        return cfg_error(e, src, path, msg);
    }
    for (size_t v = 0; v < lc->vcpus.n; v++) {
        snprintf(path, sizeof path, "lpars[%zu].vcpus[%zu].thread", i, v);
        if (cfg_src_has(src, path))
            return cfg_error(e, src, path, "names a hardware thread, but the LPAR is shared "
                                           "(its vCPUs are dispatched); expected no thread");
    }
    return 0;
}

static int check_lpars(const machine_config *c, const cfg_src *src, sim_err *e)
{
    const lpar_config *lc = c->lpars.items;
    char path[64], msg[256];
    size_t dup_of = 0, dup = first_repeat(lc, c->lpars.n, &dup_of);
    for (size_t i = 0; i < c->lpars.n; i++) {
        uint64_t h = lc[i].hpt_size;
        if (h && ((h & (h - 1)) || h < (1ULL << HPT_MIN_SHIFT) || h > (1ULL << HPT_MAX_SHIFT))) {
            snprintf(path, sizeof path, "lpars[%zu].hpt_size", i);
            snprintf(msg, sizeof msg, "%llu bytes; expected 0 (automatic) or a power of two "
                     "from 256K to 64T", (unsigned long long)h);
            return cfg_error(e, src, path, msg);
        }
        /* names become report keys (machine.lpars.NAME.*, CSV paths) */
        const char *nm = lc[i].name ? lc[i].name : "";
        if (!*nm || nm[strspn(nm, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                  "0123456789_-")]) {
            snprintf(path, sizeof path, "lpars[%zu].name", i);
            snprintf(msg, sizeof msg, "'%.64s'; expected a name of letters, digits, '_' and '-'",
                     nm);
            return cfg_error(e, src, path, msg);
        }
        if (check_procs(c, i, src, e) != 0 || machine_numa_check_lpar(c, i, src, e) != 0)
            return -1;
        if (i == dup) {
            snprintf(path, sizeof path, "lpars[%zu].name", i);
            snprintf(msg, sizeof msg, "'%.64s' is already the name of lpars[%zu]; "
                     "expected a unique name", lpar_name(&lc[i]), dup_of);
            return cfg_error(e, src, path, msg);
        }
    }
    return 0;
}

/* Keys of a disabled feature or driver, or of the paging device (without a
 * shared-memory LPAR), would be ignored: refuse them. */
static int check_unused(const machine_config *c, const cfg_src *src, sim_err *e)
{
    char key[160], msg[320];
    if (cfg_src_has(src, "pagedev") && machine_shared_bytes(c) == 0)
        return cfg_error(e, src, "pagedev", "set, but no LPAR pages to the paging device "
                                            "(lparsim disk --config FILE reads it); expected an "
                                            "LPAR with memory_mode: shared");
    if (!hyp_config_unused_key(&c->hypervisor, &c->drivers, key, sizeof key))
        return 0;
    int sect = (int)(strchr(strchr(key, '.') + 1, '.') - key); /* "hypervisor.<name>" */
    snprintf(msg, sizeof msg, "set, but %.*s is not enabled; expected %.*s.enabled: true (or "
             "no %.*s keys)", sect, key, sect, key, sect, key);
    return cfg_error(e, src, key, msg);
}

/* The TLB and cache geometry, checked before anything is built so that a
 * bad value is located like any other (FILE:LINE or --set). */
static int check_parts(const machine_config *c, const cfg_src *src, sim_err *e)
{
    if (tlb_config_check(&c->tlb, e) != 0)
        return src_prefix(e, src, "tlb");
    if (memhier_config_check(&c->cache, e) != 0)
        return src_prefix(e, src, "cache");
    if (cpu_slb_config_check(&c->cpu.slb, e) != 0)
        return src_prefix(e, src, "cpu");
    return 0;
}

machine *machine_create(const machine_config *c, const cfg_src *src, sim_err *e)
{
    sim_err_clear(e);
    if (check_lpars(c, src, e) != 0 || check_unused(c, src, e) != 0 ||
        check_parts(c, src, e) != 0)
        return NULL;
    machine *m = calloc(1, sizeof *m);
    if (!m) {
        sim_errf(e, "out of host memory");
        return NULL;
    }
    m->topo = c->machine;
    m->topo.name = NULL;
    m->dram_horizon = UINT64_MAX;
    m->numa_thread = UINT32_MAX;
    m->name = strdup(c->machine.name ? c->machine.name : "");
    m->cpu_cfg = c->cpu;
    m->max_cycles = c->run.max_cycles;
    m->warmup = m->warm_max = c->run.warmup_records;
    m->cfg = c;
    m->ops = ops_create();
    m->stats = stats_create();
    if (!m->name || !m->ops || !m->stats) {
        sim_errf(e, "out of host memory");
        goto fail;
    }
    /* size the hypervisor and the memory before building anything */
    unsigned n = (unsigned)c->lpars.n + hyp_drivers_lpars(&c->drivers, NULL, NULL, 0);
    uint64_t hyp_bytes = 0, need = 0;
    if (machine_size_memory(c, src, &hyp_bytes, &need, e) != 0 ||
        build_memory(m, c, need, src, e) != 0 || build_cpus(m, c, e) != 0)
        goto fail;
    m->fabric = tlbie_fabric_create(&c->tlb, n ? n : 1, e);
    if (!m->fabric)
        goto fail;
    stats_register(m->stats, "tlbie", &tlbie_stat_table, tlbie_get_stats(m->fabric));
    hyp_env env = {m->mm,     m->pm,    m->tlbs,    m->ports,
                   m->nthreads, m->fabric, m->ops, m->stats,
                   m->threads, (unsigned)c->machine.threads_per_core, c->machine.freq_mhz,
                   &c->pagedev};
    hyp_config hc = c->hypervisor;
    hc.shared_bytes = machine_shared_bytes(c);
    hc.numa_nodes = c->numa.enabled ? (unsigned)c->machine.modules : 0;
    m->hyp = hyp_create(&hc, &env, hyp_bytes, e);
    if (!m->hyp) {
        src_prefix(e, src, "hypervisor");
        goto fail;
    }
    if (build_lpars(m, c, src, e) != 0)
        goto fail;
    m->drivers = hyp_drivers_create(m->hyp, &c->drivers, c->machine.seed, driver_add_lpar, m, e);
    if (!m->drivers) {
        src_prefix(e, src, "drivers");
        goto fail;
    }
    /* SMT threads of a core share its issue slots */
    m->core_active = calloc(c->machine.modules * c->machine.cores_per_module, sizeof *m->core_active);
    if (!m->core_active) {
        sim_errf(e, "out of host memory");
        goto fail;
    }
    for (unsigned i = 0; i < m->nthreads; i++)
        cpu_thread_share_core(&m->threads[i], &m->core_active[m->threads[i].core]);
    /* a warm-up (run.warmup_records, or a vCPU's own count) */
    const char *wkey = m->warmup ? "run.warmup_records" : "lpars[].vcpus[].warmup_records";
    for (unsigned l = 0; m->warm_max && l < hyp_lpar_count(m->hyp); l++)
        if (hyp_lpar_shared(m->hyp, l)) {
            cfg_error(e, src, wkey,
                      "a warm-up cannot page; expected 0 with shared-memory LPARs "
                      "(lpars[].memory_mode: shared)");
            goto fail;
        }
    if (m->warm_max && m->nsvcpus) {
        cfg_error(e, src, wkey,
                  "a warm-up needs every vCPU on its own thread; expected 0 with shared "
                  "processors (lpars[].processors.mode: shared)");
        goto fail;
    }
    /* every LPAR and vCPU is known: the dispatcher places shared ones */
    if (hyp_start(m->hyp, e) != 0) {
        src_prefix(e, src, "lpars,hypervisor");
        goto fail;
    }
    return m;
fail:
    machine_destroy(m);
    return NULL;
}

void machine_destroy(machine *m)
{
    if (!m)
        return;
    machine_roi_free(m);
    hyp_drivers_destroy(m->drivers);
    for (unsigned i = 0; i < m->nsvcpus; i++) {
        cpu_vcpu_free(m->svcpus[i]);
        free(m->svcpus[i]);
    }
    free(m->svcpus);
    for (unsigned i = 0; i < m->ntraces; i++)
        tr_close(m->traces[i]);
    free(m->traces);
    for (unsigned i = 0; i < m->nguests; i++)
        guest_destroy(m->guests[i]);
    free(m->guests);
    if (m->sched_ready)
        sched_free(&m->sched);
    hyp_destroy(m->hyp);
    tlbie_fabric_destroy(m->fabric);
    if (m->threads)
        for (unsigned i = 0; i < m->nthreads; i++)
            cpu_thread_free(&m->threads[i]);
    free(m->threads);
    free(m->warm_to);
    free(m->core_active);
    if (m->tlbs)
        for (unsigned i = 0; i < m->nthreads; i++)
            tlb_destroy(m->tlbs[i]);
    free(m->tlbs);
    free(m->ports);
    ppc_decoder_destroy(m->dec);
    memhier_destroy(m->mh);
    machine_dramlog_abort(m);
    if (m->drams)
        for (unsigned i = 0; i < m->ndrams; i++)
            dram_destroy(m->drams[i]);
    free(m->drams);
    physmem_destroy(m->pm);
    memmap_destroy(m->mm);
    stats_destroy(m->stats);
    machine_numa_free(m);
    ops_destroy(m->ops);
    free(m->name);
    free(m);
}

void machine_set_memory_below(machine *m, memhier_below below)
{
    m->ext_below = below;
}

hyp *machine_hyp(machine *m) { return m->hyp; }
physmem *machine_physmem(machine *m) { return m->pm; }
unsigned machine_threads(const machine *m) { return m->nthreads; }
cpu_thread *machine_thread(machine *m, unsigned i) { return &m->threads[i]; }
const ops_reg *machine_ops(const machine *m) { return m->ops; }
const stats_reg *machine_stats(const machine *m) { return m->stats; }
