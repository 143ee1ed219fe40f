/*
 * smr_inval.c - ending sharing: one smr.invalidate op per triggering
 * operation, run by the core's invalidation pipeline (inval.h) with the
 * SMR finder. Phases (the op's parts): find (the selected strategy's
 * search), hpte_remove (read and clear each HPTE found, plus the upkeep
 * that removal implies), tlb_invalidate and queueing (the coherency step,
 * one batch per LPAR). Only after all of that are pages, slots and
 * attachments released (the ordering rule); the auditor checks each
 * release.
 */
#include <stdlib.h>
#include <string.h>

#include "smr_int.h"

int smr_find(void *vs, hcall_ctx *x, const hyp_target *t, hyp_hits *out)
{
    smr *s = vs;
    int rc = s->ops[s->sel]->find(s->st[s->sel], x, t, out);
    if (rc == 0 && s->audit)
        smr_audit_cross(s, t, out);
    s->stt.invalidations++;
    s->stt.mappings_invalidated += out->n;
    return rc;
}

int smr_end_sharing(smr *s, hcall_ctx *c, const hyp_target *t)
{
    if (hyp_invalidate(c, t, -1, smr_find, s, s->op_inv, SMR_PART_INVALIDATE, NULL) != 0) {
        smr_fail(s, "out of host memory during an SMR invalidation");
        return -1;
    }
    return 0;
}

hyp_range *smr_region_ranges(const smr *s, uint64_t id, uint64_t first, uint64_t count,
                             unsigned *n)
{
    const smr_region *r = &s->r[id];
    uint64_t psz = 1ull << r->pshift;
    hyp_range *v = malloc((count ? count : 1) * sizeof *v);
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
            v[(*n)++] = (hyp_range){ra, psz};
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
