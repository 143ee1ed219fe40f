/*
 * smr_inval.c - ending sharing: one smr.invalidate op per triggering
 * operation. Phases (the op's parts): find (the selected strategy's
 * search), hpte_remove (read and clear each HPTE found, plus the strategy
 * upkeep that removal implies), tlb_invalidate and queueing (one tlbie
 * batch per LPAR, LPAR-scoped through the tlbie fabric). Only after all of
 * that are pages, slots and attachments released (the ordering rule); the
 * auditor checks each release.
 * Also the platform triggers: LPAR termination (with restart) and PMB
 * reclaim.
 */
#include <stdlib.h>
#include <string.h>

#include "mmu/hpte_vpn.h"
#include "smr_int.h"

enum { P_FIND = 0, P_REMOVE = 1, P_TLB = 2, P_QUEUE = 3 };

static void tlbie_batch(smr *s, hcall_ctx *x, unsigned lpid, const uint64_t *vpn,
                        const uint8_t *ps, unsigned n, bool flush)
{
    hyp *h = s->h;
    tlbie_cost cost = {0, 0, 0};
    if (flush)
        tlbie_global_flush(h->env.fabric, h->env.tlbs, h->env.nthreads, lpid, x->op.end, &cost);
    else if (n)
        tlbie_global(h->env.fabric, h->env.tlbs, h->env.nthreads, lpid, vpn, ps, n, x->op.end,
                     &cost);
    op_charge(&x->op, P_QUEUE, cost.queueing);
    op_charge(&x->op, P_TLB, cost.work);
}

/* Clear one HPTE and note its tlbie operand. */
static void clear_one(smr *s, hcall_ctx *x, unsigned lpid, uint64_t ptex, uint64_t *vpn,
                      uint8_t *ps)
{
    const hpt *t = &s->h->lpars[lpid].hpt;
    hcall_mem(x, hpt_hpte_addr(t, ptex), HPT_HPTE_BYTES, MEM_READ);
    hcall_steps(x, 1);
    hpte old = hpt_read(t, ptex);
    int p = hpte_decode_psize_any(old.v, old.r);
    *ps = (uint8_t)(p < 0 ? PSZ_4K : p);
    *vpn = hpte_slot_vpn(t, old.v, ptex, (hpt_psize)*ps);
    hyp_clear_hpte(x, lpid, ptex, old);
}

static int clear_entry(void *ctx, unsigned lpid, uint64_t ptex, hpte e)
{
    hyp_clear_hpte(ctx, lpid, ptex, e);
    return 0;
}

/* Zero the whole HPT of lpid (a stream of line writes) and remove its
 * valid entries (strategy upkeep included). */
static int wipe_hpt(smr *s, hcall_ctx *x, unsigned lpid)
{
    const hpt *t = &s->h->lpars[lpid].hpt;
    smr_stream(s, x, t->base, t->size, MEM_ZERO);
    smr_each_valid_hpte(s, lpid, clear_entry, x);
    tlbie_batch(s, x, lpid, NULL, NULL, 0, true);
    return 0;
}

int smr_end_sharing(smr *s, hcall_ctx *c, const smr_target *t, int wipe_lpid)
{
    hcall_ctx x = *c;
    op_begin(&x.op, c->op.end);
    x.p_compute = x.p_memory = P_FIND;
    x.p_tlb = P_TLB;
    x.p_queueing = P_QUEUE;
    smr_hits hits = {0};
    int rc = s->ops[s->sel]->find(s->st[s->sel], &x, t, &hits);
    if (rc == 0 && s->audit)
        smr_audit_cross(s, t, &hits);
    x.p_compute = x.p_memory = P_REMOVE;
    uint64_t *vpn = malloc((hits.n + 1) * sizeof *vpn);
    uint8_t *ps = malloc(hits.n + 1);
    if (rc != 0 || !vpn || !ps) {
        free(vpn), free(ps), free(hits.v);
        smr_fail(s, "out of host memory during an SMR invalidation");
        return -1;
    }
    for (size_t i = 0; i < hits.n;) {
        unsigned lpid = hits.v[i].lpid, n = 0;
        for (; i < hits.n && hits.v[i].lpid == lpid; i++, n++)
            clear_one(s, &x, lpid, hits.v[i].ptex, &vpn[n], &ps[n]);
        /* only after the HPTEs are gone: the TLBs that may hold them */
        tlbie_batch(s, &x, lpid, vpn, ps, n, false);
    }
    if (wipe_lpid >= 0)
        wipe_hpt(s, &x, (unsigned)wipe_lpid);
    s->stt.invalidations++;
    s->stt.mappings_invalidated += hits.n;
    ops_record(s->h->env.ops, s->op_inv, &x.op);
    op_charge(&c->op, SMR_PART_INVALIDATE, x.op.end - x.op.start);
    free(vpn), free(ps), free(hits.v);
    return 0;
}

smr_range *smr_region_ranges(const smr *s, uint64_t id, uint64_t first, uint64_t count,
                             unsigned *n)
{
    const smr_region *r = &s->r[id];
    uint64_t psz = 1ull << r->pshift;
    smr_range *v = malloc((count ? count : 1) * sizeof *v);
    *n = 0;
    if (!v)
        return NULL;
    for (uint64_t i = first; i < first + count && i < r->npages; i++) {
        uint64_t ra = r->pages[i].real;
        if (ra == UINT64_MAX)
            continue;
        if (*n && v[*n - 1].base + v[*n - 1].len == ra)
            v[*n - 1].len += psz;
        else
            v[(*n)++] = (smr_range){ra, psz};
    }
    return v;
}

void smr_detach(smr *s, smr_exec *x, unsigned lpid, uint64_t la)
{
    uint64_t key = smr_attach_key(lpid, la), val;
    if (!u64map_del(&s->attach, key, &val))
        return;
    uint64_t id = val >> 32, idx = val & 0xffffffffu;
    smr_mem(x, smr_attach_bucket(s, key), 16, MEM_WRITE);
    smr_steps(x, 1);
    uint64_t real = s->r[id].pages[idx].real;
    u64map_del(&s->grant, smr_attach_key(lpid, real), NULL);
    s->lp[lpid].nattach--;
    s->lp[lpid].nattach_size[smr_size_index(s->r[id].pshift)]--;
    s->stt.detaches++;
    uint64_t ck = smr_client_key(lpid, id);
    uint64_t *cnt = u64map_get(&s->client_smr, ck);
    if (cnt && --*cnt == 0) {
        u64map_del(&s->client_smr, ck, NULL);
        /* the client maps nothing of this SMR any more */
        for (unsigned k = 0; k < SMR_STRATEGY_COUNT; k++)
            if (s->ops[k]->on_forget)
                s->ops[k]->on_forget(s->st[k], smr_for(s, k, x), id, lpid);
    }
}

void smr_drop_page(smr *s, smr_exec *x, uint64_t id, uint64_t index)
{
    smr_region *r = &s->r[id];
    uint64_t real = r->pages[index].real;
    if (real == UINT64_MAX)
        return;
    uint64_t psz = 1ull << r->pshift;
    /* clients attached to it (the grant index, one per LPAR at most) */
    for (unsigned l = 0; l < s->nlp; l++) {
        uint64_t *g = u64map_get(&s->grant, smr_attach_key(l, real));
        if (g)
            smr_detach(s, x, l, (*g - 1) << 12);
    }
    if (s->audit)
        smr_audit_free(s, real, psz, "an unshared page");
    for (uint64_t off = 0; off < psz; off += 4096)
        u64map_del(&s->page_smr, (real + off) >> 12, NULL);
    r->pages[index].real = UINT64_MAX;
    r->nactive--;
    smr_mem(x, s->pages_paddr + (id * s->cfg.max_pages + index) * 8, 8, MEM_WRITE);
    for (unsigned k = 0; k < SMR_STRATEGY_COUNT; k++)
        if (s->ops[k]->on_share)
            s->ops[k]->on_share(s->st[k], smr_for(s, k, x), id, real, false);
}
