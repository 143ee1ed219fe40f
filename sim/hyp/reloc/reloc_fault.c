/*
 * reloc_fault.c - the relocation's side of translations while an LMB
 * moves: the hypervisor's fault path (hv_fault, as KVM's
 * kvmppc_hpte_hv_fault) and H_ENTER's translation through the tracker.
 *
 * A miss of the moving LPAR searches its HPT for an absent entry (charged
 * PTEG reads). None: the guest's fault follows (reflect). One whose
 * granule is in transit: the vCPU waits until the granule's block ends
 * (hyp_block: a dedicated vCPU waits in place, a shared one leaves its
 * thread and replays the access later); then, or at once for a moved
 * granule, the entry is made valid at the page's real address now
 * (retarget) and the walk retries.
 * H_ENTER on the moving LMB reads the granule's tracker word: the source
 * for a pending granule, the target for a moved one, and an absent entry
 * (holding the logical page) for one in transit, resolved by the first
 * miss on it or by the sweep at the LMB's end.
 * Invariant: before hypervisor.reloc.at and after the last move, and for
 * every other LPAR, nothing is charged here (HYP_HVF_NOT_MINE).
 */
#include "reloc_int.h"

int reloc_hv_fault(void *f, hcall_ctx *c, uint64_t vsid, uint64_t ea, unsigned page_shift,
                   bool seg_1t, bool store, sim_err *e)
{
    reloc *r = f;
    (void)store, (void)e;
    if (r->state != RELOC_RUNNING || c->lpid != r->lpid)
        return HYP_HVF_NOT_MINE;
    hyp *h = r->h;
    c->p_compute = c->p_memory = RF_SEARCH;
    c->p_tlb = c->p_queueing = RF_RETARGET;
    r->st.faults++;
    uint64_t ptex;
    hpte x;
    int rc = CPU_HVF_REFLECT;
    if (!hyp_absent_search(c, r->lpid, vsid, ea, page_shift, seg_1t, &ptex, &x))
        goto out;
    hpte gv = {(x.v & ~HPTE_V_ABSENT) | HPTE_V_VALID, x.r};
    int ps = hpte_decode_psize_any(gv.v, gv.r);
    if (ps < 0)
        goto out;
    uint64_t la = hpte_real_addr(gv.r, (hpt_psize)ps);
    uint64_t lsz = h->cfg.lmb_size;
    if (reloc_in_lmb(r, la)) {
        uint64_t g = la % lsz / r->cfg.granule;
        hcall_mem(c, r->tracker_paddr + 16 * g, 8, MEM_READ); /* its block indicator */
        if (r->gstate[g] == RG_TRANSIT) {
            uint64_t now = c->op.end;
            if (now < r->block_end) {
                uint64_t wait = r->block_end - now;
                hyp_block(c, r->block_end, RF_WAIT);
                r->st.stalls++;
                r->st.stall_cycles += wait;
                if (wait > r->st.max_stall_cycles)
                    r->st.max_stall_cycles = wait;
                op_charge(&r->lmb_op, RP_STALL, wait);
                if (c->off_thread > 0) {
                    rc = CPU_HVF_BLOCKED; /* replays the access after the block */
                    goto out;
                }
            }
            /* the block is over (its finish event is due now): the target */
            r->gstate[g] = RG_MOVED;
            c->p_compute = c->p_memory = RF_RETARGET;
            reloc_retarget(r, c, ptex, x);
            r->gstate[g] = RG_TRANSIT;
            r->st.hptes_refaulted++;
            rc = CPU_HVF_RETRY;
            goto out;
        }
    } else {
        hcall_mem(c, h->lpars[r->lpid]->lmbtab_paddr + 8 * (la / lsz), 8, MEM_READ);
    }
    c->p_compute = c->p_memory = RF_RETARGET;
    reloc_retarget(r, c, ptex, x);
    r->st.hptes_refaulted++;
    rc = CPU_HVF_RETRY;
out:
    ops_record(h->env.ops, r->op_fault, &c->op);
    return rc;
}

uint64_t reloc_xlate(void *ctx, hcall_ctx *c, uint64_t la)
{
    reloc *r = ctx;
    if (c->lpid != r->lpid || !reloc_in_lmb(r, la))
        return UINT64_MAX;
    uint64_t g = la % r->h->cfg.lmb_size / r->cfg.granule;
    hcall_mem(c, r->tracker_paddr + 16 * g, 8, MEM_READ);
    if (r->gstate[g] == RG_TRANSIT) {
        r->st.enter_absent++;
        r->enter_absent_lmb++;
        return HYP_XLATE_ABSENT;
    }
    r->st.enter_redirected++;
    return reloc_real_of(r, la);
}
