/*
 * strategy_eager_ipi.c - S1, the x86-style shootdown (Linux
 * flush_tlb_mm_range -> native_flush_tlb_multi): the initiating thread
 * invalidates its own TLB with tlbiel when it may hold the change, sends an
 * interrupt to every other target thread and waits until each has done a
 * tlbiel of the change on its own TLB and acknowledged.
 *
 * Targets: filter all, every other hardware thread of the machine; filter
 * running, the other threads running a vCPU of the LPAR now, every thread
 * not running it being marked need_flush (KVM's PV TLB flush: preempted
 * vCPUs flush at their next entry); filter tracked, the other threads the
 * changed slots' filled-by records name (coherency_tracked.c; read, then
 * cleared, in part mark), the initiator's own TLB only if named too.
 * Cost, with k targets and a tlbiel of the change costing w (one page:
 * tlb.tlbiel_page_cycles; the LPAR: one per set):
 *   initiator  tlb  = w when it invalidates its own TLB
 *              ipi  = ipi.base_cycles + ipi.per_target_cycles x k  (k > 0)
 *              wait = w - tlbiel_page_cycles (k > 0): the round trip of the
 *                     linear model includes a one-page flush; the targets'
 *                     further pages run in parallel, the initiator waits
 *              mark = the need_flush mask written (filter running)
 *   target     ipi.handler_cycles + w, added to the thread's clock when it
 *              runs a vCPU (stolen from that vCPU; an idle thread absorbs it)
 */
#include "coherency_int.h"

static void invalidate(coh *k, hcall_ctx *x, const coh_change *ch)
{
    hyp *h = k->h;
    const coh_ipi_config *ic = &k->cfg.ipi;
    coh_lpar *lp = k->lp[ch->lpid];
    bool running = k->cfg.filter == COH_FILTER_RUNNING;
    bool tracked = k->cfg.filter == COH_FILTER_TRACKED;
    unsigned self = x->thread;
    uint64_t w = coh_tlbiel_work(k, ch), rec = ~0ull;
    if (tracked) {
        rec = 0;
        for (unsigned i = 0; i < (ch->flush ? 1 : ch->n); i++)
            rec |= coh_tracked_read(k, x, ch, i);
    }
    if ((!running || coh_runs(k, self, ch->lpid)) && coh_tracked_has(rec, self)) {
        op_charge(&x->op, COH_P_TLB, coh_tlbiel(k, self, ch));
        lp->st.tlbiel_local++;
    }
    uint64_t targets = 0;
    for (unsigned t = 0; t < h->env.nthreads; t++) {
        if (t == self || (running && !coh_runs(k, t, ch->lpid)) || !coh_tracked_has(rec, t))
            continue;
        if (!(k->cfg.inject == COH_INJECT_SKIP_IPI_TLBIEL && targets == 0))
            coh_tlbiel(k, t, ch);
        targets++;
        if (coh_busy(k, t)) {
            cpu_thread *th = &h->env.threads[t];
            coh_lpar *victim = k->lp[th->v->b.lpid];
            th->clock += ic->handler_cycles + w;
            victim->st.interrupts_taken++;
            victim->st.interrupt_cycles += ic->handler_cycles + w;
        }
    }
    if (targets) {
        uint64_t page = tlb_get_config(h->env.tlbs[0])->tlbiel_page_cycles;
        op_charge(&x->op, COH_P_IPI, ic->base_cycles + ic->per_target_cycles * targets);
        op_charge(&x->op, COH_P_WAIT, w > page ? w - page : 0);
        lp->st.interrupts_sent += targets;
    }
    if (running)
        coh_mark_others(k, x, ch->lpid);
    for (unsigned i = 0; tracked && i < (ch->flush ? 1 : ch->n); i++)
        coh_tracked_clear(k, x, ch, i);
}

static bool marks(const coh_config *c)
{
    return c->filter == COH_FILTER_RUNNING;
}

/* Filter running: the marked threads flush at their next dispatch. */
static bool at_dispatch(coh *k, unsigned thread, unsigned lpid, op_rec *o)
{
    return k->cfg.filter == COH_FILTER_RUNNING && coh_drain_marks(k, thread, lpid, o);
}

const coh_strategy coh_eager_ipi = {"eager-ipi",
                                    1u << COH_FILTER_ALL | 1u << COH_FILTER_RUNNING |
                                        1u << COH_FILTER_TRACKED,
                                    "",
                                    marks,
                                    invalidate,
                                    at_dispatch};
