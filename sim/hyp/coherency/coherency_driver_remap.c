/*
 * coherency_driver_remap.c - the coherency driver's pattern remap: the
 * hypervisor relocating real pages under the vCPUs that touch them (page
 * migration, LMB/PMB evacuation at page granularity), the producer of
 * mode remap (coherency_remap.c has the mapping and the gate).
 *
 * A round of an LPAR (its producer thread t, the vCPUs running then):
 *  1. every running toucher stores to or loads (alternately, by page,
 *     vCPU and round) each driver page: a page being moved is reached
 *     through the thread's TLB if it still holds the old translation (a
 *     stale use the gate allows: the old page is held), otherwise it
 *     faults: the hypervisor completes the LPAR's relocations in flight
 *     on that thread (forcing their gates) and the access proceeds;
 *  2. the hypervisor, on t, relocates `relocate` pages (a seeded choice
 *     per LPAR and round; one still in flight is completed first, forcing
 *     its gate): a destination is taken from the free pool (FIFO; when
 *     empty, the oldest relocation in flight is completed first, forcing
 *     its gate), then one batch clears the HPTEs and runs
 *     the coherency step as a hypervisor-initiated change (op
 *     coherency.remap; k->hyp_change), and each old page is gated with the
 *     threads that still owe its drain (coherency.remap.gates). A gate no
 *     thread owes (synchronous strategies) completes at once.
 * Completing a relocation (copy after drain, the correctness choice:
 * stores through a stale entry land in the old page until its last
 * consumer drained, so the copy must come after, and the translation stays
 * absent meanwhile): force the gate if a thread still owes (op
 * coherency.reuse_wait: wait = cycles since it closed, force = the
 * doorbell round trip), copy the 4K (read and write through t's caches;
 * the model's data is the page's first word, a store sequence number),
 * write the new HPTE (a free slot of the page's PTEGs), give the old page
 * to the pool. Taking a page from the pool is a reuse: the auditor checks
 * I2/I6 (coherency_remap.c coh_remap_reuse).
 * Costs on t: coherency.remap (clear + coherency step) and the forces are
 * the change cycles (drivers.coherency.change_cycles); copies and HPTE
 * writes are copy_cycles.
 * Invariants: a page is in flight (unmapped, old page gated) from its
 * clear to its completion; the pool holds only pages no TLB maps and no
 * patch names (unless inject reuse-before-drain); lost_stores stays 0.
 */
#include <stdlib.h>

#include "coherency_driver_int.h"
#include "mmu/hpte_vpn.h"

typedef struct rpage {
    uint64_t rpn;      /* real page number mapping it (the old one while in flight) */
    uint64_t dest;     /* in flight: the destination's real page number */
    uint64_t vpn;      /* its translation's vpn */
    uint64_t closed;   /* in flight: cycle the gate closed */
    uint64_t want;     /* the last store's sequence number (0: none) */
    uint64_t *owe;     /* in flight: threads that owed its drain at the close */
    bool inflight;
} rpage;

typedef struct rlp {
    unsigned lpid;
    cdrv_page *pg;
    rpage *rp;
} rlp;

typedef struct pent { /* a free page and the translation that last mapped it */
    uint64_t rpn, vpn;
    unsigned lpid;     /* UINT32_MAX: never mapped by the driver */
    unsigned idx;      /* the driver LPAR and page of that translation */
    uint64_t page;
} pent;

typedef struct fent { /* a relocation in flight, in closing order */
    unsigned idx;
    uint64_t page, closed;
} fent;

struct cdrv_remap {
    hyp *h;
    coh *k;
    cdrv_config c;
    uint64_t seed, seq;
    rlp *lp;
    unsigned nlp;
    pent *pool;        /* ring of cap */
    fent *fly;         /* ring of cap */
    uint64_t cap, ph, pt, fh, ft;
    op_id op_remap;
};

cdrv_remap *cdrv_remap_create(hyp *h, coh *k, const cdrv_config *c, uint64_t seed, sim_err *e)
{
    if (!k || k->cfg.mode != COH_MODE_REMAP) {
        sim_errf(e, "drivers.coherency.pattern: remap is the hypervisor relocating pages, "
                    "which needs hypervisor.coherency.enabled: true and "
                    "hypervisor.coherency.mode: remap");
        return NULL;
    }
    cdrv_remap *r = calloc(1, sizeof *r);
    if (!r)
        goto oom;
    r->h = h, r->k = k, r->c = *c, r->seed = seed;
    r->cap = c->lpars * (c->pages + c->spare);
    r->lp = calloc(c->lpars, sizeof *r->lp);
    r->pool = calloc(r->cap, sizeof *r->pool);
    r->fly = calloc(r->cap, sizeof *r->fly);
    r->op_remap = ops_declare(h->env.ops, "coherency.remap",
                              "the hypervisor's relocation of a round's pages: their HPTEs "
                              "cleared and the coherency step (mode remap: deferred for running "
                              "consumers too), on the producer's thread",
                              "steps,memory,cohere,queueing");
    if (!r->lp || !r->pool || !r->fly || r->op_remap == OP_INVALID)
        goto oom;
    return r;
oom:
    cdrv_remap_destroy(r);
    sim_errf(e, "out of host memory");
    return NULL;
}

void cdrv_remap_destroy(cdrv_remap *r)
{
    if (!r)
        return;
    for (unsigned i = 0; r->lp && i < r->nlp; i++) {
        for (uint64_t p = 0; r->lp[i].rp && p < r->c.pages; p++)
            free(r->lp[i].rp[p].owe);
        free(r->lp[i].rp);
    }
    free(r->lp), free(r->pool), free(r->fly);
    free(r);
}

int cdrv_remap_lpar(cdrv_remap *r, unsigned idx, unsigned lpid, cdrv_page *pg, sim_err *e)
{
    rlp *L = &r->lp[idx];
    r->nlp = idx + 1;
    L->lpid = lpid, L->pg = pg;
    if (!(L->rp = calloc(r->c.pages, sizeof *L->rp)))
        return sim_errf(e, "out of host memory");
    for (uint64_t p = 0; p < r->c.pages; p++) {
        if (!(L->rp[p].owe = calloc(r->k->words ? r->k->words : 1, 8)))
            return sim_errf(e, "out of host memory");
        L->rp[p].rpn = hyp_logical_to_real(r->h, lpid, pg[p].la) >> 12;
        coh_remap_owner(r->k, L->rp[p].rpn, lpid);
    }
    for (uint64_t s = 0; s < r->c.spare; s++) {
        uint64_t la = r->c.memory - 4096 * (r->c.pages + s + 1);
        uint64_t rpn = hyp_logical_to_real(r->h, lpid, la) >> 12;
        r->pool[r->pt++ % r->cap] = (pent){rpn, 0, UINT32_MAX, 0, 0};
        coh_remap_owner(r->k, rpn, COH_POOL);
    }
    return 0;
}

/* A hypervisor context on thread t for lpid, starting at t's clock. */
static hcall_ctx ctx_on(cdrv_remap *r, unsigned lpid, unsigned t)
{
    hcall_ctx x = {.h = r->h, .lpid = lpid, .thread = t, .port = r->h->env.ports[t],
                   .p_compute = 0, .p_memory = 1, .p_tlb = 2, .p_queueing = 3};
    op_begin(&x.op, r->h->env.threads[t].clock);
    return x;
}

/* A free slot of the page's PTEGs for its new HPTE (read: one PTEG line
 * each), written with the new real page and the inserters told. */
static int install(cdrv_remap *r, rlp *L, uint64_t p, hcall_ctx *x, sim_err *e)
{
    cdrv_page *pg = &L->pg[p];
    const hpt *ht = hyp_lpar_hpt(r->h, L->lpid);
    uint64_t vsid = seg_vsid(CDRV_CONTEXT, pg->ea, false);
    uint64_t hash = hpt_hash(vsid, pg->ea, 12, false);
    hpte_attrs at = {.pp = 2, .key = 0, .wimg = 2, .noexec = false, .bolted = true};
    for (int sec = 0; sec < 2; sec++) {
        uint64_t first = hpt_pteg_index(ht, hash, sec) * HPT_PTEG_SLOTS;
        hcall_mem(x, hpt_hpte_addr(ht, first), HPT_PTEG_SLOTS * HPT_HPTE_BYTES, MEM_READ);
        for (uint64_t s = first; s < first + HPT_PTEG_SLOTS; s++)
            if (!(hpt_read(ht, s).v & HPTE_V_VALID)) {
                uint64_t real = L->rp[p].dest << 12;
                hpte n = hpte_make(vsid, pg->ea, false, PSZ_4K, PSZ_4K, real, &at, sec);
                hyp_write_hpte(x, L->lpid, s, n);
                hyp_notify_insert(x, s, n, real);
                pg->ptex = s;
                return 0;
            }
    }
    return sim_errf(e, "drivers.coherency: LPAR %s: both PTEGs of the page at EA 0x%llx are "
                       "full when it is remapped; expected a larger drivers.coherency.hpt_size",
                    hyp_lpar_name(r->h, L->lpid), (unsigned long long)pg->ea);
}

/* Complete the relocation of page p of LPAR idx on thread t (see the
 * header). */
static int complete(cdrv_remap *r, unsigned idx, uint64_t p, unsigned t, cdrv_stats *st,
                    sim_err *e)
{
    rlp *L = &r->lp[idx];
    rpage *rp = &L->rp[p];
    coh *k = r->k;
    cpu_thread *th = &r->h->env.threads[t];
    uint64_t now = th->clock, force = 0;
    if (k->cfg.inject != COH_INJECT_REUSE_BEFORE_DRAIN)
        force = coh_remap_force(k, L->lpid, rp->vpn, PSZ_4K, rp->owe, now, t);
    op_rec o;
    op_begin(&o, rp->closed < now ? rp->closed : now);
    op_charge(&o, 0, now - o.start);
    op_charge(&o, 1, force);
    ops_record(r->h->env.ops, k->op_reuse, &o);
    th->clock += force;
    st->change_cycles += force;
    if (k->audit)
        coh_audit_copy(k, rp->rpn, th->clock);
    hcall_ctx x = ctx_on(r, L->lpid, t);
    physmem *pm = r->h->env.pm;
    for (uint64_t off = 0; off < 4096; off += 128) {
        hcall_mem(&x, (rp->rpn << 12) + off, 128, MEM_READ);
        hcall_mem(&x, (rp->dest << 12) + off, 128, MEM_WRITE);
    }
    physmem_write64(pm, rp->dest << 12, physmem_read64(pm, rp->rpn << 12));
    if (install(r, L, p, &x, e) != 0)
        return -1;
    st->copy_cycles += x.op.end - x.op.start;
    th->clock = x.op.end;
    r->pool[r->pt++ % r->cap] = (pent){rp->rpn, rp->vpn, L->lpid, idx, p};
    coh_remap_owner(k, rp->rpn, COH_POOL);
    rp->rpn = rp->dest;
    rp->inflight = false;
    L->pg[p].mapped = true;
    st->relocations++;
    return 0;
}

/* Every relocation of LPAR idx in flight completed on thread t. */
static int complete_lpar(cdrv_remap *r, unsigned idx, unsigned t, cdrv_stats *st, sim_err *e)
{
    for (uint64_t p = 0; p < r->c.pages; p++)
        if (r->lp[idx].rp[p].inflight && complete(r, idx, p, t, st, e) != 0)
            return -1;
    return 0;
}

static bool fly_live(const cdrv_remap *r, const fent *f)
{
    const rpage *rp = &r->lp[f->idx].rp[f->page];
    return rp->inflight && rp->closed == f->closed;
}

/* Queue a relocation in flight (entries of those completed since, by a
 * fault, are dropped when the ring is full). */
static void fly_push(cdrv_remap *r, fent f)
{
    if (r->ft - r->fh == r->cap) {
        uint64_t n = 0;
        for (uint64_t i = r->fh; i < r->ft; i++)
            if (fly_live(r, &r->fly[i % r->cap]))
                r->fly[(r->fh + n++) % r->cap] = r->fly[i % r->cap];
        r->ft = r->fh + n;
    }
    r->fly[r->ft++ % r->cap] = f;
}

/* A destination from the pool (the oldest relocation in flight completed
 * on t first when it is empty), reused for LPAR idx. */
static int take(cdrv_remap *r, unsigned idx, unsigned t, uint64_t *rpn, cdrv_stats *st,
                sim_err *e)
{
    while (r->ph == r->pt) {
        if (r->fh == r->ft)
            return sim_errf(e, "drivers.coherency.spare: the free pool is empty and nothing is "
                               "in flight; expected spare of at least 1");
        fent f = r->fly[r->fh++ % r->cap];
        if (fly_live(r, &f) && complete(r, f.idx, f.page, t, st, e) != 0)
            return -1;
    }
    pent q = r->pool[r->ph++ % r->cap];
    *rpn = q.rpn;
    /* a patch naming the last translation belongs to this page's
     * relocation unless that translation is being moved again (its
     * patches are then the newer gate's; the TLB check still applies) */
    bool again = q.lpid != UINT32_MAX && r->lp[q.idx].rp[q.page].inflight;
    coh_remap_reuse(r->k, q.rpn, again ? UINT32_MAX : q.lpid, q.vpn, PSZ_4K, r->lp[idx].lpid,
                    r->h->env.threads[t].clock);
    return 0;
}

static int touch(cdrv_remap *r, unsigned idx, unsigned v, unsigned thr, uint64_t round,
                 cdrv_stats *st, sim_err *e)
{
    rlp *L = &r->lp[idx];
    for (uint64_t p = 0; p < r->c.pages; p++) {
        rpage *rp = &L->rp[p];
        bool store = ((p + v + round) & 1) == 0;
        if (rp->inflight) {
            uint64_t vsid = seg_vsid(CDRV_CONTEXT, L->pg[p].ea, false);
            uint64_t vpn = hpte_vpn(vsid, L->pg[p].ea, 12, false);
            if (tlb_lookup_access(r->h->env.tlbs[thr], L->lpid, vpn, PSZ_4K,
                                  store ? HPTE_PROT_W : 0)) {
                st->stale_touches++;
            } else {
                st->remap_faults++;
                if (complete_lpar(r, idx, thr, st, e) != 0)
                    return -1;
            }
        }
        uint64_t rpn; /* a stale hit reaches the old page without a walk */
        if (cdrv_touch_rpn(r->h, thr, L->lpid, &L->pg[p], store, st, &rpn, e) != 0)
            return -1;
        if (store) {
            physmem_write64(r->h->env.pm, rpn << 12, ++r->seq);
            rp->want = r->seq;
        }
    }
    return 0;
}

int cdrv_remap_round(cdrv_remap *r, unsigned idx, unsigned t, const int *run, unsigned nv,
                     uint64_t round, cdrv_stats *st, sim_err *e)
{
    rlp *L = &r->lp[idx];
    coh *k = r->k;
    for (unsigned v = 0; v < nv; v++)
        if (run[v] >= 0 && (!r->c.touchers || v < r->c.touchers) &&
            touch(r, idx, v, (unsigned)run[v], round, st, e) != 0)
            return -1;
    /* the seeded choice: a partial shuffle of the pages (one still in
     * flight is completed first: the hypervisor needs it) */
    uint64_t n = r->c.pages, *pick = malloc(r->c.pages * sizeof *pick);
    if (!pick)
        return sim_errf(e, "out of host memory");
    for (uint64_t p = 0; p < r->c.pages; p++)
        pick[p] = p;
    rng g;
    rng_seed(&g, rng_derive(rng_derive(r->seed, 0x52454dull + idx), round));
    uint64_t m = r->c.relocate < n ? r->c.relocate : n;
    for (uint64_t i = 0; i < m; i++) {
        uint64_t j = i + rng_below(&g, n - i), x = pick[i];
        pick[i] = pick[j], pick[j] = x;
    }
    for (uint64_t i = 0; i < m; i++)
        if ((L->rp[pick[i]].inflight && complete(r, idx, pick[i], t, st, e) != 0) ||
            take(r, idx, t, &L->rp[pick[i]].dest, st, e) != 0) {
            free(pick);
            return -1;
        }
    hcall_ctx x = ctx_on(r, L->lpid, t);
    hyp_batch b;
    hyp_batch_init(&b, &x, L->lpid);
    const hpt *ht = hyp_lpar_hpt(r->h, L->lpid);
    for (uint64_t i = 0; i < m; i++) {
        cdrv_page *pg = &L->pg[pick[i]];
        hpte old = hpt_read(ht, pg->ptex);
        L->rp[pick[i]].vpn = hpte_slot_vpn(ht, old.v, pg->ptex, PSZ_4K);
        hyp_batch_clear(&b, pg->ptex, old);
        pg->mapped = false;
        L->rp[pick[i]].inflight = true;
    }
    k->hyp_change = true;
    if (hyp_batch_commit(&b) != 0) {
        k->hyp_change = false;
        free(pick);
        return sim_errf(e, "out of host memory");
    }
    k->hyp_change = false;
    int rc = 0;
    ops_record(r->h->env.ops, r->op_remap, &x.op);
    r->h->env.threads[t].clock = x.op.end;
    st->changes += m;
    st->change_hcalls += m > 0;
    st->change_cycles += x.op.end - x.op.start;
    for (uint64_t i = 0; i < m && rc == 0; i++) {
        rpage *rp = &L->rp[pick[i]];
        rp->closed = x.op.end;
        k->rst.gates++;
        unsigned owers = coh_remap_owers(k, L->lpid, rp->vpn, PSZ_4K, rp->owe);
        if (!owers || k->cfg.inject == COH_INJECT_REUSE_BEFORE_DRAIN) {
            k->rst.gates_open += !owers;
            rc = complete(r, idx, pick[i], t, st, e);
        } else {
            fly_push(r, (fent){idx, pick[i], rp->closed});
        }
    }
    free(pick);
    return rc;
}

int cdrv_remap_settle(cdrv_remap *r, unsigned idx, unsigned t, cdrv_stats *st, sim_err *e)
{
    if (complete_lpar(r, idx, t, st, e) != 0)
        return -1;
    rlp *L = &r->lp[idx];
    /* the data words: FNV-1a over (page, word) per LPAR, the LPARs'
     * digests summed (they settle in any order) */
    uint32_t d = 2166136261u ^ idx;
    for (uint64_t p = 0; p < r->c.pages; p++) {
        uint64_t w = physmem_read64(r->h->env.pm, L->rp[p].rpn << 12);
        st->lost_stores += L->rp[p].want && w != L->rp[p].want;
        uint64_t x[2] = {p, w};
        for (int k = 0; k < 2; k++)
            for (int b = 0; b < 8; b++)
                d = (d ^ (uint32_t)((x[k] >> (8 * b)) & 0xff)) * 16777619u;
    }
    st->data_digest = (st->data_digest + d) & 0xffffffffu;
    return 0;
}
