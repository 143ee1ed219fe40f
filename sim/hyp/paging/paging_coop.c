/*
 * paging_coop.c - guest cooperation with hypervisor paging (PowerVM AMS /
 * Linux pseries CMO): the page usage states H_PAGE_INIT sets, H_ZERO_PAGE
 * on a shared-memory page, H_GET_MPP's figures with the hypervisor's loan
 * request, H_SET_MPP's entitlement, and the read pathologies VSwapper
 * names (Amit, Tsafrir, Schuster, ASPLOS'14): false reads and stale reads.
 *
 * States (docs/paging.md "Guest cooperation"):
 *  - unused (H_PAGE_SET_UNUSED): a resident page keeps its frame, hinted
 *    (PG_HINT_UNUSED; its frame queued on the unused ring); reclaiming
 *    takes such frames first, without a write-back, and the page becomes
 *    unbacked (the next touch zero-fills). A paged-out page's device copy
 *    is dropped at once (unbacked). H_ENTER mapping a resident hinted page
 *    ends the hint (in use again).
 *  - loaned (H_PAGE_SET_LOANED): the frame goes back to the pool now
 *    (HPTEs made absent, tlbie, no write-back), a device copy is dropped;
 *    a guest access to a loaned page is the guest's error: counted
 *    (loaned_touches), the page zero-filled and active again.
 *  - active (H_PAGE_SET_ACTIVE): a loaned page becomes unbacked (the next
 *    touch zero-fills); an unused hint ends.
 *  - H_ZERO_PAGE: a resident page's frame is zeroed through the memory
 *    model; a paged-out page's copy is dropped instead of read (unbacked).
 * Loan request (an assumption; AMS does not publish its rule): when the
 * pool cannot hold every shared LPAR's content plus the stealer's high
 * watermark, an LPAR resident above its weighted share of the pool (pool x
 * weight / sum of weights) is asked to loan the excess; one below it may
 * take back up to the difference from what it loaned; without that
 * pressure every LPAR may take back all it loaned.
 * Invariants: a loaned page owns no frame and has no valid HPTE; a page
 * whose content was dropped (unused, loaned, zeroed) has the auditor's
 * checksum of a zero page; pages with content = demand (the target's cap).
 */
#include "paging_int.h"

double pg_target(const paging *f, const pg_lpar *l)
{
    uint64_t wsum = 0;
    for (unsigned i = 0; i < f->nlp; i++)
        wsum += hyp_lpar_memory_weight(f->h, f->lp[i]->lpid);
    double w = wsum ? (double)hyp_lpar_memory_weight(f->h, l->lpid) / (double)wsum
                    : 1.0 / f->nlp;
    return (double)f->nframes * w;
}

uint32_t pg_unused_victim(paging *f)
{
    while (f->nunused) {
        uint32_t fr = f->unused_ring[f->unused_head];
        f->unused_head = (f->unused_head + 1) % f->nframes;
        f->nunused--;
        if (!f->fr[fr].owner)
            continue;
        pg_lpar *l = f->lp[f->fr[fr].owner - 1];
        uint64_t lpn = f->fr[fr].lpn;
        if (l->state[lpn] == PG_RESIDENT && l->frame[lpn] == fr && (l->hint[lpn] & PG_HINT_UNUSED))
            return fr;
    }
    return PG_NOFRAME;
}

static void unused_push(paging *f, uint32_t fr)
{
    if (f->nunused == f->nframes) { /* full: the oldest (likely stale) goes */
        f->unused_head = (f->unused_head + 1) % f->nframes;
        f->nunused--;
    }
    f->unused_ring[(f->unused_head + f->nunused) % f->nframes] = fr;
    f->nunused++;
}

void pg_coop_paged_in(paging *f, pg_lpar *l, uint64_t lpn, bool read, int access)
{
    if (read && (l->hint[lpn] & PG_HINT_FREED))
        f->cst.stale_reads++;
    if (read && access == HYP_ACC_OVERWRITE)
        f->cst.false_reads++;
    l->hint[lpn] = 0;
}

void pg_coop_mapped(paging *f, pg_lpar *l, uint64_t lpn)
{
    (void)f;
    if (l->state[lpn] == PG_RESIDENT)
        l->hint[lpn] = 0; /* the guest maps it: in use again */
}

void pg_guest_freed(void *vf, unsigned lpid, uint64_t la)
{
    paging *f = vf;
    pg_lpar *l = pg_lpar_of(f, lpid);
    uint64_t lpn = la >> PG_SHIFT;
    if (l && lpn < l->npages && (l->state[lpn] == PG_RESIDENT || l->state[lpn] == PG_PAGED_OUT))
        l->hint[lpn] |= PG_HINT_FREED;
}

/* Drop a paged-out page's device copy: it becomes `state`. */
static void drop_copy(paging *f, pg_lpar *l, uint64_t lpn, unsigned state)
{
    l->state[lpn] = (uint8_t)state;
    l->copy_valid[lpn] = 0;
    l->shadow[lpn] = 0;
    l->demand--;
    f->cst.discards++;
}

static long loan(paging *f, hcall_ctx *c, pg_lpar *l, uint64_t lpn)
{
    if (l->state[lpn] == PG_LOANED)
        return H_SUCCESS;
    if (l->state[lpn] == PG_RESIDENT) {
        sim_err e = {0};
        if (pg_discard_frame(f, c, l->frame[lpn], PG_LOANED, &e) == UINT64_MAX) {
            hyp_fail(f->h, &e); /* host memory: stops the run */
            return H_HARDWARE;
        }
        f->cst.discards++;
    } else if (l->state[lpn] == PG_PAGED_OUT) {
        drop_copy(f, l, lpn, PG_LOANED);
    } else {
        l->state[lpn] = PG_LOANED;
    }
    l->hint[lpn] = 0;
    l->loaned++;
    f->cst.loans++;
    return H_SUCCESS;
}

long pg_page_state(void *vf, hcall_ctx *c, uint64_t la, hyp_page_op op)
{
    paging *f = vf;
    pg_lpar *l = pg_lpar_of(f, c->lpid);
    if (!l)
        return H_FUNCTION;
    uint64_t lpn = la >> PG_SHIFT;
    hcall_steps(c, 1);
    pg_ppt_access(f, c, l, lpn, MEM_READ);
    uint8_t st = l->state[lpn];
    long rc = H_SUCCESS;
    /* a page pinned for a critical area is not given up (our assumption) */
    if ((op == HYP_PAGE_UNUSED || op == HYP_PAGE_LOANED) && pg_pinned(l, lpn))
        return H_RESOURCE;
    switch (op) {
    case HYP_PAGE_ACTIVE:
        l->hint[lpn] &= (uint8_t)~PG_HINT_UNUSED;
        if (st == PG_LOANED) {
            l->state[lpn] = PG_UNBACKED;
            l->loaned--;
            f->cst.loan_returns++;
        }
        break;
    case HYP_PAGE_UNUSED:
        f->cst.unused_hints++;
        l->hint[lpn] &= (uint8_t)~PG_HINT_FREED;
        if (st == PG_RESIDENT && !(l->hint[lpn] & PG_HINT_UNUSED)) {
            l->hint[lpn] |= PG_HINT_UNUSED;
            unused_push(f, l->frame[lpn]);
        } else if (st == PG_PAGED_OUT) {
            drop_copy(f, l, lpn, PG_UNBACKED);
        }
        break;
    case HYP_PAGE_LOANED:
        rc = loan(f, c, l, lpn);
        break;
    case HYP_PAGE_ZERO:
        f->cst.zero_pages++;
        l->hint[lpn] = 0;
        if (st == PG_RESIDENT) {
            uint64_t fa = pg_frame_addr(f, l->frame[lpn]);
            physmem_zero(f->h->env.pm, fa, PG_PAGE);
            hcall_mem(c, fa, PG_PAGE, MEM_ZERO);
            l->copy_valid[lpn] = 0;
            l->shadow[lpn] = 0;
        } else if (st == PG_PAGED_OUT) {
            drop_copy(f, l, lpn, PG_UNBACKED);
        } else if (st == PG_LOANED) {
            l->state[lpn] = PG_UNBACKED;
            l->loaned--;
            f->cst.loan_returns++;
        }
        break;
    }
    if (l->state[lpn] != st)
        pg_ppt_access(f, c, l, lpn, MEM_WRITE);
    return rc;
}

long pg_mpp(void *vf, hcall_ctx *c, bool set, hyp_mpp *m)
{
    paging *f = vf;
    pg_lpar *l = pg_lpar_of(f, c->lpid);
    if (!l)
        return H_FUNCTION;
    f->cst.mpp_calls++;
    if (set) {
        l->entitled = m->entitled_mem;
        return H_SUCCESS;
    }
    uint64_t content = 0;
    for (unsigned i = 0; i < f->nlp; i++)
        content += f->lp[i]->demand;
    double share = pg_target(f, l), res = (double)l->resident;
    int64_t req; /* pages */
    if (content + f->high > f->nframes)
        req = res > share ? (int64_t)(res - share)
                          : -(int64_t)((double)l->loaned < share - res ? (double)l->loaned
                                                                       : share - res);
    else
        req = -(int64_t)l->loaned;
    m->entitled_mem = l->entitled; /* I/O entitlement: not modeled, 0 unless set */
    m->mapped_mem = m->backing_mem = l->resident * PG_PAGE;
    m->group_num = 0;
    m->pool_num = 0; /* one pool */
    m->pool_size = f->nframes * PG_PAGE;
    m->loan_request = req * (int64_t)PG_PAGE;
    l->cst.loan_request_kb = req > 0 ? (uint64_t)req * 4 : 0;
    l->cst.target_kb = (uint64_t)share * 4;
    return H_SUCCESS;
}
