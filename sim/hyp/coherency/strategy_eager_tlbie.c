/*
 * strategy_eager_tlbie.c - S0, today's model: one LPAR-scoped global tlbie
 * sequence (ptesync; tlbie; eieio; tlbsync; ptesync) for the batch through
 * the tlbie fabric, serialised on the LPAR's tlbie lock (queueing part),
 * an LPAR flush above the global threshold. The broadcast reaches every
 * thread's TLB, so no filter applies. It is the core's default step
 * (hyp_eager_tlbie) called as is: every result equals the feature's when
 * disabled; the feature adds only its statistics and op.
 */
#include "coherency_int.h"

static void invalidate(coh *k, hcall_ctx *x, const coh_change *ch)
{
    hyp_eager_tlbie.invalidate(NULL, x, ch->lpid, ch->vpns, ch->psizes, ch->n, ch->flush);
    k->lp[ch->lpid]->st.tlbie_global++;
}

const coh_strategy coh_eager_tlbie = {
    "eager-tlbie", 1u << COH_FILTER_ALL,
    "a global tlbie reaches every thread's TLB at once; expected filter all", NULL, invalidate,
    NULL};
