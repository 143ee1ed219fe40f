/*
 * strategy_kvm_deferred.c - S2, KVM Book3S HV (book3s_hv_rm_mmu.c,
 * global_invalidates()): when the LPAR runs on no thread but the calling
 * one, the hypervisor invalidates with tlbiel on its own TLB (if it runs
 * the LPAR) and marks every other thread need_flush (cpumask_setall minus
 * its own); each flushes all of the LPAR's entries, one tlbiel per TLB set,
 * at its next dispatch of the LPAR (kvmppc_check_need_tlb_flush,
 * coherency.drain). When another thread runs the LPAR now it uses a global
 * tlbie (strict PAPR: a running consumer is coherent when the hcall
 * returns), which reaches every TLB and marks nothing.
 * Generalisation: KVM tests "one online vcore" (every vCPU of the guest on
 * one core, one TLB); here the TLB is per thread, so the test is "no other
 * thread runs the LPAR now". The marks go to every hardware thread (filter
 * all: nothing records which threads filled the LPAR's entries).
 * Mode remap, a hypervisor relocation (coherency_remap.c): no global
 * tlbie and no tlbiel; every thread is marked, running ones and the
 * caller's too, and flushes at its next dispatch or when the reuse
 * gate forces it (a doorbell).
 * Cost: tlb = the local tlbiel (or the global sequence), queueing = the
 * LPAR's tlbie lock (global case), mark = the mask's lines written.
 */
#include <limits.h>

#include "coherency_int.h"

static void invalidate(coh *k, hcall_ctx *x, const coh_change *ch)
{
    coh_lpar *lp = k->lp[ch->lpid];
    unsigned self = x->thread;
    if (coh_defer_running(k)) {
        /* mode remap, a hypervisor relocation: every thread is marked,
         * the running ones and the caller's too (the reuse gate holds the
         * old page) */
        coh_mark_except(k, x, ch->lpid, UINT_MAX);
        return;
    }
    for (unsigned t = 0; t < k->h->env.nthreads; t++)
        if (t != self && coh_runs(k, t, ch->lpid)) {
            hyp_eager_tlbie.invalidate(NULL, x, ch->lpid, ch->vpns, ch->psizes, ch->n, ch->flush);
            lp->st.tlbie_global++;
            return;
        }
    if (coh_runs(k, self, ch->lpid)) {
        op_charge(&x->op, COH_P_TLB, coh_tlbiel(k, self, ch));
        lp->st.tlbiel_local++;
    }
    coh_mark_others(k, x, ch->lpid);
}

static bool marks(const coh_config *c)
{
    (void)c;
    return true;
}

const coh_strategy coh_kvm_deferred = {
    "kvm-deferred", 1u << COH_FILTER_ALL,
    "it invalidates where the LPAR runs now and defers every other thread by itself; expected "
    "filter all",
    marks, invalidate, coh_drain_marks};
