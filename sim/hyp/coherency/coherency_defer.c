/*
 * coherency_defer.c - what the strategies share: which threads run an LPAR
 * now, local tlbiel on one thread's TLB (sim/tlb), and the need_flush marks
 * of the deferring strategies (KVM Book3S HV's kvm->arch.need_tlb_flush
 * cpumask: set for every other thread by global_invalidates() when it uses
 * tlbiel, tested and cleared by kvmppc_check_need_tlb_flush() at guest
 * entry, which flushes the LPAR's entries one tlbiel per TLB set).
 *
 * A mask is a bit per hardware thread, per LPAR, in hypervisor memory
 * (mask_paddr; host copy `need`): marking writes the mask's lines through
 * the marking thread's port, a dispatch reads the thread's word through
 * the dispatched thread's port and writes it back when it clears the bit
 * (both in part scan of coherency.drain; the flush is part full_flush).
 * Invariant: a bit is set only for a thread that did not run the LPAR when
 * it was set (mode remap's relocations: any thread but the caller,
 * coh_mark_except); it is cleared only at a dispatch of the LPAR on that
 * thread, or when mode remap's reuse gate forces the flush.
 */
#include <limits.h>

#include "coherency_int.h"

bool coh_runs(const coh *k, unsigned t, unsigned lpid)
{
    const cpu_thread *th = k->h->env.threads ? &k->h->env.threads[t] : NULL;
    return th && th->bound && !th->done && th->v && th->v->b.lpid == lpid;
}

bool coh_busy(const coh *k, unsigned t)
{
    const cpu_thread *th = k->h->env.threads ? &k->h->env.threads[t] : NULL;
    return th && th->bound && !th->done;
}

/* The LPAR-wide local flush: one tlbiel per set (n over the threshold). */
#define COH_ALL_PAGES UINT_MAX

uint64_t coh_tlbiel_work(const coh *k, const coh_change *ch)
{
    const tlb *t = k->h->env.tlbs[0];
    return tlbiel_local_work(tlb_get_config(t), tlb_sets(t), ch->flush ? COH_ALL_PAGES : ch->n);
}

uint64_t coh_tlbiel(coh *k, unsigned t, const coh_change *ch)
{
    tlb *tb = k->h->env.tlbs[t];
    if (ch->flush)
        return tlbiel_local(tb, ch->lpid, NULL, NULL, COH_ALL_PAGES, 0);
    return tlbiel_local(tb, ch->lpid, ch->vpns, ch->psizes, ch->n, 0);
}

void coh_mark_others(coh *k, hcall_ctx *x, unsigned lpid)
{
    coh_lpar *lp = k->lp[lpid];
    unsigned nt = k->h->env.nthreads;
    for (unsigned t = 0; t < nt; t++) {
        uint64_t bit = 1ull << (t % 64);
        if (coh_runs(k, t, lpid) || (lp->need[t / 64] & bit))
            continue;
        lp->need[t / 64] |= bit;
        lp->st.marks++;
    }
    /* the mask is written whole (cpumask_setall, then the running ones
     * cleared): one store per line */
    uint64_t bytes = (uint64_t)k->words * 8;
    for (uint64_t off = 0; off < bytes; off += 128)
        hcall_mem(x, lp->mask_paddr + off, (uint32_t)(bytes - off < 128 ? bytes - off : 128),
                  MEM_WRITE);
}

void coh_mark_except(coh *k, hcall_ctx *x, unsigned lpid, unsigned self)
{
    coh_lpar *lp = k->lp[lpid];
    bool self_runs = self != UINT_MAX && coh_runs(k, self, lpid);
    for (unsigned t = 0; t < k->h->env.nthreads; t++) {
        uint64_t bit = 1ull << (t % 64);
        if ((t == self && self_runs) || (lp->need[t / 64] & bit))
            continue;
        lp->need[t / 64] |= bit;
        lp->st.marks++;
    }
    uint64_t bytes = (uint64_t)k->words * 8;
    for (uint64_t off = 0; off < bytes; off += 128)
        hcall_mem(x, lp->mask_paddr + off, (uint32_t)(bytes - off < 128 ? bytes - off : 128),
                  MEM_WRITE);
}

bool coh_drain_marks(coh *k, unsigned t, unsigned lpid, op_rec *o)
{
    coh_lpar *lp = k->lp[lpid];
    const mem_port *port = k->h->env.ports[t];
    uint64_t word = lp->mask_paddr + (uint64_t)(t / 64) * 8, bit = 1ull << (t % 64);
    op_charge(o, COH_D_SCAN, mem_access(port, word, 8, MEM_READ, o->end));
    lp->st.dispatch_checks++;
    if (!(lp->need[t / 64] & bit))
        return true;
    lp->need[t / 64] &= ~bit;
    if (k->cfg.inject != COH_INJECT_SKIP_DISPATCH_FLUSH) {
        tlb *tb = k->h->env.tlbs[t];
        uint64_t w = tlbiel_local_work(tlb_get_config(tb), tlb_sets(tb), COH_ALL_PAGES);
        lp->st.dispatch_flushed_entries += tlb_inval_lpid(tb, lpid);
        op_charge(o, COH_D_FULL_FLUSH, w);
        lp->st.dispatch_flushes++;
        lp->st.dispatch_flush_cycles += w;
    }
    /* the bit cleared after the flush (the scan part: the mask's traffic) */
    op_charge(o, COH_D_SCAN, mem_access(port, word, 8, MEM_WRITE, o->end));
    return true;
}
