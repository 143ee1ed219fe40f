/*
 * guest.c - guest OS page-fault model (see guest.h): per-address-space page
 * table (an open-addressing hash of (context, effective page) -> logical
 * page), first-touch allocation, and Linux's HPTE insertion policy through
 * H_ENTER / H_REMOVE.
 */
#include "guest_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "hyp/hcall.h"

#define GS_F(f) offsetof(guest_stats, f)
static const stat_desc guest_stat_list[] = {
    {"page_faults", SK_COUNTER, "faults", "page faults taken (HPT had no entry)",
     GS_F(page_faults), NULL},
    {"first_touches", SK_COUNTER, "pages", "faults that allocated a new logical page",
     GS_F(first_touches), NULL},
    {"refaults", SK_COUNTER, "faults", "faults on pages whose HPTE had been evicted",
     GS_F(refaults), NULL},
    {"hpte_evictions", SK_COUNTER, "entries", "HPTEs removed to make room (both PTEGs full)",
     GS_F(hpte_evictions), NULL},
    {"secondary_inserts", SK_COUNTER, "entries", "HPTEs placed in the secondary PTEG",
     GS_F(secondary_inserts), NULL},
    {"hcall_records", SK_COUNTER, "records", "hcall records issued from the trace",
     GS_F(hcall_records), NULL},
    {"markers", SK_COUNTER, "records", "marker records seen in the trace", GS_F(markers), NULL},
};
static const stat_table guest_stat_table = {"guest", guest_stat_list,
                                            PARAM_COUNT(guest_stat_list)};

uint64_t guest_mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

static gpte *map_find(guest *g, uint32_t ctx, uint64_t epn, bool *found)
{
    uint64_t mask = g->cap - 1, i = guest_mix(epn ^ ((uint64_t)ctx << 44)) & mask;
    for (;; i = (i + 1) & mask) {
        gpte *p = &g->map[i];
        if (p->epn == 0) {
            *found = false;
            return p;
        }
        if (p->epn == epn + 1 && p->context == ctx) {
            *found = true;
            return p;
        }
    }
}

static int map_grow(guest *g)
{
    gpte *old = g->map;
    uint64_t oldcap = g->cap;
    g->cap = oldcap ? 2 * oldcap : 1024;
    g->map = calloc(g->cap, sizeof *g->map);
    if (!g->map) {
        g->map = old;
        g->cap = oldcap;
        return -1;
    }
    for (uint64_t i = 0; i < oldcap; i++)
        if (old[i].epn) {
            bool f;
            *map_find(g, old[i].context, old[i].epn - 1, &f) = old[i];
        }
    free(old);
    return 0;
}

guest *guest_create(const guest_config *c, hyp *h, unsigned lpid, const lpar_config *lc,
                    uint64_t seed, ops_reg *ops, stats_reg *stats, sim_err *e)
{
    guest *g = calloc(1, sizeof *g);
    if (!g) {
        sim_errf(e, "out of host memory");
        return NULL;
    }
    g->cfg = *c;
    g->h = h;
    g->lpid = lpid;
    g->name = strdup(lc->name);
    g->psize = lc->page_size == LPAR_PAGE_64K ? PSZ_64K
               : lc->page_size == LPAR_PAGE_16M ? PSZ_16M : PSZ_4K;
    g->shift = hpt_psize_shift(g->psize);
    g->seg_1t = lc->segment == LPAR_SEG_1T;
    g->npages = lc->memory >> g->shift;
    g->vpa = c->vpa == GUEST_VPA_ON || (c->vpa == GUEST_VPA_AUTO && hyp_lpar_shared(h, lpid));
    /* the guest's own page table: 8 bytes per page, at the start of memory */
    g->pt_entries = g->npages;
    uint64_t pt_bytes = (8 * g->pt_entries + (1ULL << g->shift) - 1) & ~((1ULL << g->shift) - 1);
    g->pt_base = 0;
    g->next_lpn = pt_bytes >> g->shift;
    rng_seed(&g->rng, rng_derive(seed, 0x6775657374ULL + lpid));
    g->ops = ops;
    g->op_fault = ops_declare(ops, "page_fault",
                              "guest page fault: PTE lookup, first-touch allocation, H_ENTER",
                              "compute,memory,hcall");
    g->p_compute = 0;
    g->p_memory = 1;
    g->p_hcall = 2;
    g->seg = seg_create(e);
    char prefix[160];
    snprintf(prefix, sizeof prefix, "guest.%s", lc->name);
    g->shared = lc->memory_mode == LPAR_MEM_SHARED;
    g->full = lc->guest == LPAR_GUEST_FULL_SYSTEM;
    g->top = g->npages;
    if (!g->name || !g->seg || g->op_fault == OP_INVALID || map_grow(g) != 0 ||
        stats_register(stats, prefix, &guest_stat_table, &g->st) != 0 ||
        guest_coop_init(g, stats, prefix, e) != 0 ||
        (g->full && guest_fs_init(g, stats, prefix, e) != 0)) {
        if (e && !e->msg[0])
            sim_errf(e, "out of host memory");
        guest_destroy(g);
        return NULL;
    }
    return g;
}

void guest_destroy(guest *g)
{
    if (!g)
        return;
    seg_destroy(g->seg);
    free(g->vpa_done);
    guest_coop_free(g);
    guest_fs_free(g);
    free(g->map);
    free(g->name);
    free(g);
}

uint64_t guest_pages_used(const guest *g)
{
    return g->st.first_touches;
}

/* A modeled access by the guest to its own logical address la (a
 * shared-memory LPAR's page is made resident first: hyp_guest_real). 0, or
 * -1 with e set. */
int guest_mem(guest *g, cpu_thread *t, op_rec *o, uint64_t la, uint32_t size, mem_kind k,
                     sim_err *e)
{
    uint64_t hv = 0;
    unsigned acc = k == MEM_READ ? HYP_ACC_LOAD
                   : k == MEM_ZERO && size >= 4096 ? HYP_ACC_OVERWRITE : HYP_ACC_STORE;
    uint64_t ra = hyp_guest_real(g->h, g->lpid, t->id, la, acc, o->end, &hv, e);
    if (ra == UINT64_MAX)
        return -1;
    op_charge(o, g->p_hcall, hv);
    op_charge(o, g->p_memory, mem_access(t->port, ra, size, k, o->end));
    return 0;
}

/* The hypervisor's intercept of a miss (cpu.h cpu_hv_fault_fn). */
static int guest_hv_fault(void *ctx, cpu_thread *t, uint64_t ea, uint64_t vsid,
                          enum cpu_access acc, uint64_t now, uint64_t *cycles, sim_err *e)
{
    guest *g = ctx;
    return hyp_hv_fault(g->h, g->lpid, t->id, vsid, ea, g->shift, g->seg_1t, acc == CPU_STORE,
                        now, cycles, e);
}

long guest_hcall(guest *g, cpu_thread *t, op_rec *o, uint64_t opcode, const uint64_t *args,
                  uint64_t *rets)
{
    uint64_t cyc;
    long rc = hyp_hcall(g->h, g->lpid, t->id, o->end, opcode, args, rets, &cyc);
    op_charge(o, g->p_hcall, cyc);
    return rc;
}

/* Insert the translation ea -> logical page lpn with Linux's policy. */
static int insert_hpte(guest *g, cpu_thread *t, op_rec *o, uint64_t ea, enum cpu_access acc,
                       gpte *p, sim_err *e)
{
    uint64_t lpn = p->lpn;
    const hpt *ht = hyp_lpar_hpt(g->h, g->lpid);
    uint64_t vsid = cpu_thread_vsid(t, acc);
    uint64_t hash = hpt_hash(vsid, ea, g->shift, g->seg_1t);
    hpte_attrs at = {.pp = 2, .key = 0, .wimg = 2, .noexec = false, .bolted = false};
    hpt_psize base = g->psize == PSZ_4K ? PSZ_4K : (g->psize == PSZ_64K ? PSZ_64K : PSZ_4K);
    for (int round = 0; round < 16; round++) {
        for (int sec = 0; sec < 2; sec++) {
            hpte x = hpte_make(vsid, ea, g->seg_1t, base, g->psize, lpn << g->shift, &at, sec);
            uint64_t args[8] = {0, hpt_pteg_index(ht, hash, sec) * HPT_PTEG_SLOTS, x.v, x.r};
            uint64_t rets[8];
            long rc = guest_hcall(g, t, o, H_ENTER, args, rets);
            if (rc == H_SUCCESS) {
                g->st.secondary_inserts += (uint64_t)sec;
                p->ptex1 = rets[0] + 1;
                return 0;
            }
            if (rc != H_PTEG_FULL)
                return sim_errf(e, "LPAR %s: H_ENTER for EA 0x%llx returned %ld", g->name,
                                (unsigned long long)ea, rc);
        }
        /* both groups full: evict a non-bolted entry from a random group */
        bool sec = rng_below(&g->rng, 2);
        uint64_t group = hpt_pteg_index(ht, hash, sec) * HPT_PTEG_SLOTS;
        uint64_t first = rng_below(&g->rng, HPT_PTEG_SLOTS);
        for (uint64_t i = 0; i < HPT_PTEG_SLOTS; i++) {
            uint64_t args[8] = {H_ANDCOND, group + (first + i) % HPT_PTEG_SLOTS, HPTE_V_BOLTED};
            uint64_t rets[8];
            if (guest_hcall(g, t, o, H_REMOVE, args, rets) == H_SUCCESS) {
                g->st.hpte_evictions++;
                break;
            }
        }
    }
    return sim_errf(e, "LPAR %s: could not insert an HPTE for EA 0x%llx after 16 evictions",
                    g->name, (unsigned long long)ea);
}

/* The vCPU's VPA, registered at its first fault (guest.vpa): a fresh
 * logical page and H_REGISTER_VPA (function 1). Its cycles, or UINT64_MAX
 * with e set. */
static uint64_t register_vpa(guest *g, cpu_thread *t, uint64_t now, sim_err *e)
{
    unsigned v = t->v->b.vcpu;
    if (!g->vpa || (v < g->nvpa && g->vpa_done[v]))
        return 0;
    if (v >= g->nvpa) {
        uint8_t *n = realloc(g->vpa_done, v + 1);
        if (!n) {
            sim_errf(e, "out of host memory");
            return UINT64_MAX;
        }
        memset(n + g->nvpa, 0, v + 1 - g->nvpa);
        g->vpa_done = n;
        g->nvpa = v + 1;
    }
    g->vpa_done[v] = 1;
    if (g->next_lpn >= g->top) {
        sim_errf(e, "LPAR %s is out of memory for vCPU %u's VPA; give it more memory", g->name,
                 v);
        return UINT64_MAX;
    }
    uint64_t args[8] = {1ULL << 45, v, g->next_lpn++ << g->shift}, rets[8], cyc;
    long rc = hyp_hcall(g->h, g->lpid, t->id, now, H_REGISTER_VPA, args, rets, &cyc);
    if (hyp_check_error(g->h, e) != 0)
        return UINT64_MAX;
    if (rc != H_SUCCESS) {
        sim_errf(e, "LPAR %s vCPU %u: H_REGISTER_VPA returned %ld; expected H_SUCCESS (is "
                    "hypervisor.paging.io_entitled, or the pool, too small for the VPAs?)",
                 g->name, v, rc);
        return UINT64_MAX;
    }
    return cyc;
}

static uint64_t guest_fault(void *ctx, cpu_thread *t, uint64_t ea, enum cpu_access acc,
                            uint64_t now, sim_err *e)
{
    guest *g = ctx;
    uint64_t start = now, pre = register_vpa(g, t, now, e);
    if (pre == UINT64_MAX)
        return UINT64_MAX;
    now += pre;
    op_rec o;
    uint64_t poll = guest_cmm_poll(g, t, now, e);
    if (poll == UINT64_MAX)
        return UINT64_MAX;
    op_begin(&o, now + poll);
    g->st.page_faults++;
    op_charge(&o, g->p_compute, g->cfg.fault_cycles);
    uint64_t epn = ea >> g->shift;
    uint32_t context = t->v->b.context;
    if (g->used * 2 >= g->cap && map_grow(g) != 0) {
        sim_errf(e, "out of host memory");
        return UINT64_MAX;
    }
    bool found;
    gpte *p = map_find(g, context, epn, &found);
    uint64_t pte_la = g->pt_base + 8 * (guest_mix(epn ^ ((uint64_t)context << 44)) % g->pt_entries);
    if (guest_mem(g, t, &o, pte_la, 8, MEM_READ, e) != 0)
        return UINT64_MAX;
    if (!found || p->lpn == GUEST_NOLPN) {
        uint64_t lpn = guest_alloc_lpn(g, t, &o, e);
        if (lpn == GUEST_NOLPN)
            return UINT64_MAX;
        if (!found)
            g->used++;
        p->epn = epn + 1;
        p->context = context;
        p->lpn = lpn;
        p->ptex1 = 0;
        g->st.first_touches++;
        /* clear_page: a dcbz per 128 bytes; with lines of at most 128
         * bytes that is one access of the page (a page lies in one LMB, so
         * in one block of real memory; memport.h line_bytes) */
        int rc = 0;
        if (g->cfg.zero_new_pages && t->port->line_bytes && t->port->line_bytes <= 128)
            rc = guest_mem(g, t, &o, p->lpn << g->shift, (uint32_t)1 << g->shift, MEM_ZERO, e);
        else if (g->cfg.zero_new_pages)
            for (uint64_t off = 0; off < (1ULL << g->shift) && rc == 0; off += 128)
                rc = guest_mem(g, t, &o, (p->lpn << g->shift) + off, 128, MEM_ZERO, e);
        if (rc != 0 || guest_mem(g, t, &o, pte_la, 8, MEM_WRITE, e) != 0)
            return UINT64_MAX;
    } else {
        g->st.refaults++;
    }
    if (insert_hpte(g, t, &o, ea, acc, p, e) != 0 || hyp_check_error(g->h, e) != 0)
        return UINT64_MAX;
    ops_record(g->ops, g->op_fault, &o);
    return o.end - start;
}

/* The doorbell marker: msgsndp/msgsnd to vCPU `to` of this LPAR. */
static uint64_t doorbell(guest *g, cpu_thread *t, uint64_t to, uint64_t now, sim_err *e)
{
    uint64_t cyc = hyp_doorbell(g->h, g->lpid, t->id, to, now);
    if (cyc == UINT64_MAX) {
        cpu_vcpu *const *v;
        unsigned n = hyp_lpar_vcpus(g->h, g->lpid, &v);
        sim_errf(e, "LPAR %s vCPU %u: doorbell marker (K %d) to vCPU %llu, which does not "
                    "exist; expected a vCPU of the LPAR, 0..%u",
                 g->name, t->v->b.vcpu, TR_MARK_DOORBELL, (unsigned long long)to, n - 1);
    }
    return cyc;
}

static uint64_t guest_record(void *ctx, cpu_thread *t, const tr_rec *r, uint64_t now, sim_err *e)
{
    guest *g = ctx;
    if (r->kind == TR_MARKER) {
        g->st.markers++;
        if (r->word == TR_MARK_DOORBELL)
            return doorbell(g, t, r->addr, now, e);
        if (r->word == TR_MARK_FREE && t->v->b.roi_markers) /* version 2 */
            return guest_free_marker(g, t, r->addr, now, e);
        if (r->word != TR_MARK_IDLE && r->word != TR_MARK_WAIT)
            return 0;
        /* the guest goes idle: it cedes, woken by its decrementer after
         * `value` cycles (idle) or by a prod or an interrupt (wait) */
        uint64_t args[8] = {r->word == TR_MARK_IDLE ? r->addr : 0}, rets[8], cyc;
        long rc = hyp_hcall(g->h, g->lpid, t->id, now, H_CEDE, args, rets, &cyc);
        if (hyp_check_error(g->h, e) != 0)
            return UINT64_MAX;
        if (rc == H_FUNCTION && r->word == TR_MARK_IDLE)
            return r->addr; /* no dispatcher: the thread idles in place */
        return cyc;
    }
    if (r->kind == TR_HRET) /* what the recording's reference returned: the */
        return 0;           /* guest model makes its own hcalls (docs/linux-guests.md) */
    g->st.hcall_records++;
    uint64_t args[TR_MAX_ARGS > 8 ? TR_MAX_ARGS : 8] = {0}, rets[8], cyc;
    for (unsigned i = 0; i < r->nargs && i < TR_MAX_ARGS; i++)
        args[i] = r->args[i];
    hyp_hcall(g->h, g->lpid, t->id, now, r->word, args, rets, &cyc);
    /* a feature's check (an auditor) failed: the run stops here */
    if (hyp_check_error(g->h, e) != 0)
        return UINT64_MAX;
    return cyc;
}

static uint64_t guest_tlbie(void *ctx, cpu_thread *t, uint64_t now)
{
    guest *g = ctx;
    (void)t;
    return hyp_partition_tlbie(g->h, g->lpid, now);
}

void guest_binding(guest *g, unsigned vcpu, uint32_t context, cpu_binding *b)
{
    memset(b, 0, sizeof *b);
    b->lpid = g->lpid;
    b->vcpu = vcpu;
    b->hpt = hyp_lpar_hpt(g->h, g->lpid);
    b->seg = g->seg;
    b->context = context;
    b->seg_1t = g->seg_1t;
    b->psize = g->psize;
    b->fault = guest_fault;
    b->hv_fault = hyp_intercepts_faults(g->h) ? guest_hv_fault : NULL;
    b->record = guest_record;
    b->tlbie = guest_tlbie;
    b->ctx = g;
    if (g->full)
        guest_fs_binding(g, b);
}
