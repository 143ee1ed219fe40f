/*
 * paging_pin.c - transparent pinning of critical areas (seed 002, first
 * abstract): a registration hcall that names memory the hypervisor will
 * reach (the core's hcall_crit.c: VPA, DTL, SLB shadow, CRQ, TCE) pins
 * its pages without the guest asking. Per page: a PPT read, the page made
 * resident if it is not (a wait in place, charged to the hcall), a pin
 * count, a PPT write. Pins beyond the LPAR's I/O entitlement are refused
 * with H_RESOURCE (our assumption; IBM: pinned pages count against the
 * I/O-entitled memory), and so are pins that would leave the pool fewer
 * unpinned frames than the stealer's high watermark (at least one: else a
 * page-out finds no victim and the run fails), or a page's pin count
 * overflow; a refused registration changes no pin. With pin_critical off, nothing is pinned and a
 * hypervisor access to a critical page that was paged out is a
 * hypervisor-internal fault: the access (a dispatch) waits for the read.
 * Invariants: a pinned page is resident and never a victim (the auditor
 * checks both); a page's pin count is the number of registered areas
 * naming it; l->pinned counts the pages with a non-zero count.
 */
#include <stdlib.h>

#include "paging_int.h"

enum { P_LOOKUP = 2 }; /* paging.fault's part (the fault path's order) */

static int ensure_pins(pg_lpar *l)
{
    if (!l->pins)
        l->pins = calloc(l->npages, sizeof *l->pins);
    return l->pins ? 0 : -1;
}

long pg_pin(void *vf, hcall_ctx *c, uint64_t la, uint64_t bytes, bool pin)
{
    paging *f = vf;
    pg_lpar *l = pg_lpar_of(f, c->lpid);
    if (!l || !f->cfg.pin_critical)
        return H_SUCCESS;
    uint64_t first = la >> PG_SHIFT, n = (bytes + PG_PAGE - 1) / PG_PAGE;
    if (first >= l->npages || n > l->npages - first)
        return H_PARAMETER;
    if (ensure_pins(l) != 0)
        return H_HARDWARE;
    if (pin) {
        f->st.pin_requests++;
        uint64_t add = 0;
        bool full = false; /* a page's pin count would overflow */
        for (uint64_t p = first; p < first + n; p++) {
            pg_ppt_access(f, c, l, p, MEM_READ);
            add += l->pins[p] == 0;
            full |= l->pins[p] == UINT16_MAX;
        }
        /* the pool keeps the stealer's high watermark (at least one frame)
         * unpinned, so a page-out always finds a victim */
        uint64_t keep = f->high ? f->high : 1;
        if (full || (l->pinned + add) * PG_PAGE > f->cfg.io_entitled ||
            f->pinned + add + keep > f->nframes) {
            f->st.pin_refusals++;
            return H_RESOURCE;
        }
    }
    for (uint64_t p = first; p < first + n; p++) {
        if (pin && l->state[p] != PG_RESIDENT) {
            /* made resident as a fault of its own (paging.fault) that the
             * hcall waits for in place */
            sim_err e = {0};
            hcall_ctx pc = *c;
            op_begin(&pc.op, c->op.end);
            if (pg_touch_as(f, &pc, p << PG_SHIFT, HYP_ACC_LOAD, f->op_fault, &e) == UINT64_MAX) {
                pg_fail(f, "pinning page %llu of LPAR %s: %s", (unsigned long long)p,
                        hyp_lpar_name(f->h, l->lpid), e.msg);
                return H_HARDWARE;
            }
            op_charge(&c->op, c->p_compute, pc.op.end - pc.op.start);
            f->st.touches++;
        }
        if (pin && l->pins[p]++ == 0) {
            l->pinned++;
            f->pinned++;
        } else if (!pin && l->pins[p] && --l->pins[p] == 0) {
            l->pinned--;
            f->pinned--;
        }
        pg_ppt_access(f, c, l, p, MEM_WRITE);
    }
    f->st.pinned_pages = f->pinned;
    return H_SUCCESS;
}

uint64_t pg_hv_access(void *vf, hcall_ctx *c, uint64_t la, bool store, sim_err *e)
{
    paging *f = vf;
    pg_lpar *l = pg_lpar_of(f, c->lpid);
    if (!l) {
        sim_errf(e, "paging: LPAR %u is not a shared-memory LPAR", c->lpid);
        return UINT64_MAX;
    }
    uint64_t lpn = la >> PG_SHIFT;
    f->st.hv_accesses++;
    hcall_use_part(c, P_LOOKUP);
    pg_ppt_access(f, c, l, lpn, MEM_READ); /* the hypervisor's own translation */
    if (l->state[lpn] == PG_RESIDENT)
        return pg_frame_addr(f, l->frame[lpn]) + la % PG_PAGE;
    if (f->audit && pg_pinned(l, lpn)) {
        pg_fail(f, "pinned page %llu of LPAR %s is not resident", (unsigned long long)lpn,
                hyp_lpar_name(f->h, l->lpid));
        sim_errf(e, "paging audit: %s", f->err.msg);
        return UINT64_MAX;
    }
    f->st.hv_internal_faults++;
    return pg_touch_as(f, c, la, store ? HYP_ACC_STORE : HYP_ACC_LOAD, f->op_hvint, e);
}
