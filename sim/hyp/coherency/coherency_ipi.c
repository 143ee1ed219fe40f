/*
 * coherency_ipi.c - the two sides of a shootdown interrupt, for the
 * strategies that interrupt running consumers (tlb-gen, latr) with the
 * eager-ipi costs (hypervisor.coherency.ipi.*, the x86 rule of thumb
 * 1 us + 0.2 us per target of POWER-NOTES):
 *   initiator  ipi  = base_cycles + per_target_cycles x targets
 *              wait = the slowest handler's work beyond the one-page
 *                     tlbiel the round trip already includes
 *   target     handler_cycles + its work, stolen from the vCPU it runs
 *              (an idle thread absorbs it)
 * Invariant: a target's lost cycles are counted once, in the LPAR of the
 * vCPU it was running (interrupts_taken, interrupt_cycles).
 */
#include "coherency_int.h"

uint64_t coh_ipi_take(coh *k, unsigned t, uint64_t work)
{
    if (!coh_busy(k, t))
        return 0;
    cpu_thread *th = &k->h->env.threads[t];
    uint64_t c = k->cfg.ipi.handler_cycles + work;
    th->clock += c;
    unsigned vl = th->v->b.lpid;
    if (vl < k->nlp && k->lp[vl]) {
        k->lp[vl]->st.interrupts_taken++;
        k->lp[vl]->st.interrupt_cycles += c;
    }
    return c;
}

void coh_ipi_send(coh *k, hcall_ctx *x, unsigned lpid, uint64_t targets, uint64_t work)
{
    if (!targets)
        return;
    const coh_ipi_config *ic = &k->cfg.ipi;
    uint64_t page = tlb_get_config(k->h->env.tlbs[0])->tlbiel_page_cycles;
    op_charge(&x->op, COH_P_IPI, ic->base_cycles + ic->per_target_cycles * targets);
    op_charge(&x->op, COH_P_WAIT, work > page ? work - page : 0);
    k->lp[lpid]->st.interrupts_sent += targets;
}
