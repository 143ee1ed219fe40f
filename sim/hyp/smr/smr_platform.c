/*
 * smr_platform.c - SMR's side of the core's platform operations
 * (platform.h), which H_SMR_TERMINATE and H_SMR_RECLAIM order on behalf of
 * the management console:
 *
 * Termination of an LPAR: the pages it shares are the ranges every other
 * LPAR must lose (one smr.invalidate, with its own HPT wiped by the core);
 * then its SMRs, attachments, authorisations and server slot are dropped,
 * before the core releases its LMBs (the auditor checks each slot) and
 * restarts it empty on fresh ones.
 * Reclaim of a PMB: after every mapping of any page in it is gone, shared
 * pages in it leave their SMRs; the core then moves its LMBs.
 */
#include <stdlib.h>

#include "smr_int.h"

int smr_on_terminating(void *vs, hcall_ctx *c, unsigned lpid, hyp_ranges *shared)
{
    smr *s = vs;
    (void)c;
    for (uint64_t id = 0; id < s->nsmr; id++) {
        if (!s->r[id].active || s->r[id].server != lpid)
            continue;
        unsigned k;
        hyp_range *v = smr_region_ranges(s, id, 0, s->r[id].npages, &k);
        if (!v)
            return -1;
        for (unsigned i = 0; i < k; i++)
            if (hyp_ranges_push(shared, v[i].base, v[i].len) != 0) {
                free(v);
                return -1;
            }
        free(v);
    }
    return 0;
}

void smr_on_terminated(void *vs, hcall_ctx *c, unsigned lpid)
{
    smr *s = vs;
    /* its SMRs: pages dropped, clients detached, ids freed */
    for (uint64_t id = 0; id < s->nsmr; id++) {
        smr_region *r = &s->r[id];
        if (!r->active || r->server != lpid)
            continue;
        for (uint64_t i = 0; i < r->npages; i++)
            smr_drop_page(s, c, id, i);
        for (unsigned l = 0; l < s->nlp; l++)
            for (unsigned k = 0; k < SMR_STRATEGY_COUNT; k++)
                if (s->ops[k]->on_forget && smr_vbit(r->ref, l))
                    s->ops[k]->on_forget(s->st[k], smr_for(s, k, c), id, l);
        for (unsigned w = 0; w < s->vwords; w++)
            r->auth[w] = r->ref[w] = 0;
        r->active = false;
        r->npages = 0;
        smr_mem(c, s->desc_paddr + 64 * id, 64, MEM_WRITE);
        s->stt.destroyed++;
    }
    /* its attachments as a client (its mappings went with its HPT) */
    for (size_t i = 0; s->lp[lpid].nattach;) {
        const u64map_slot *sl;
        if (!u64map_next(&s->attach, &i, &sl))
            break;
        if (smr_key_lpid(sl->key) == lpid) {
            smr_detach(s, c, lpid, smr_key_addr(sl->key));
            i = 0; /* deletion moves entries: start over */
        }
    }
    /* and every authorisation it held */
    for (uint64_t id = 0; id < s->nsmr; id++)
        if (s->r[id].active && smr_vbit(s->r[id].auth, lpid))
            s->r[id].auth[lpid / 64] &= ~(1ull << (lpid % 64));
    if (s->lp[lpid].server_slot >= 0) {
        s->slot_lpid[s->lp[lpid].server_slot] = UINT32_MAX;
        smr_mem(c, s->slots_paddr + 8ull * (uint64_t)s->lp[lpid].server_slot, 8, MEM_WRITE);
        s->lp[lpid].server_slot = -1;
    }
}

void smr_on_reclaimed(void *vs, hcall_ctx *c, uint64_t base, uint64_t len)
{
    smr *s = vs;
    /* shared pages in it leave their SMRs */
    uint64_t *pages;
    size_t np = u64map_keys_between(&s->page_smr, base >> 12, (base + len) >> 12, &pages);
    if (np == SIZE_MAX) {
        smr_fail(s, "out of host memory reclaiming real memory at 0x%llx",
                 (unsigned long long)base);
        return;
    }
    for (size_t k = 0; k < np; k++) {
        uint64_t *v = u64map_get(&s->page_smr, pages[k]); /* NULL: its large page went */
        if (v)
            smr_drop_page(s, c, *v >> 32, *v & 0xffffffffu);
    }
    free(pages);
}

void smr_on_releasing(void *vs, uint64_t base, uint64_t len, const char *what)
{
    smr *s = vs;
    if (s->audit)
        smr_audit_free(s, base, len, what);
}

void smr_on_after(void *vs, const hyp_target *t)
{
    smr *s = vs;
    if (s->audit)
        smr_audit_after(s, t);
}
