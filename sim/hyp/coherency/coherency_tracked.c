/*
 * coherency_tracked.c - filter tracked: a per-HPTE record of the hardware
 * threads that filled a TLB entry from it (patent step 832: the producer
 * finds the trace's consumers; DiDi's shared TLB directory; ABIS's access
 * bits), so a producer targets only those threads.
 *
 * The record of LPAR l's HPTE slot s is one 64-bit word at tracked_paddr +
 * 8 s in hypervisor memory (half the HPT's size): bit t % 64 for thread t
 * (beyond 64 threads bits are shared: the record over-approximates, never
 * misses a thread). A thread's walk that loads a translation into its TLB
 * (the core's TLB-fill listener) reads the word and, if its bit is clear,
 * sets it: both accesses through the thread's caches, added to that TLB
 * miss (assumption: the walk maintains it as it maintains R and C; no
 * POWER processor does). The producer reads the word of each changed slot
 * (step 832) and clears it once every thread it names is dealt with (made
 * coherent or sent a patch). A flush names every thread.
 * Invariant: every thread whose TLB may hold a translation loaded from
 * slot s since its record was last cleared has its bit set in the record.
 */
#include "coherency_int.h"

uint64_t coh_tracked_memory(unsigned nlpars, const uint64_t *hpt_bytes)
{
    uint64_t b = 0;
    for (unsigned i = 0; i < nlpars; i++)
        b += ((hpt_bytes[i] / HPT_HPTE_BYTES) * 8 + 127) & ~127ull;
    return b;
}

static uint64_t on_fill(void *ctx, unsigned thread, unsigned lpid, uint64_t ptex, uint64_t vpn,
                        unsigned psize, uint64_t now)
{
    coh *k = ctx;
    (void)vpn, (void)psize;
    if (lpid >= k->nlp || !k->lp[lpid] || !k->lp[lpid]->tracked_paddr)
        return 0;
    uint64_t addr = k->lp[lpid]->tracked_paddr + ptex * 8, bit = 1ull << (thread % 64);
    const mem_port *port = k->h->env.ports[thread];
    uint64_t spent = mem_access(port, addr, 8, MEM_READ, now);
    uint64_t w = physmem_read64(k->h->env.pm, addr);
    if (!(w & bit)) {
        spent += mem_access(port, addr, 8, MEM_WRITE, now + spent);
        if (physmem_write64(k->h->env.pm, addr, w | bit) != 0 && !k->failed) {
            k->failed = true;
            sim_errf(&k->err, "out of host memory for the filled-by records");
            hyp_fail(k->h, &k->err);
        }
    }
    return spent;
}

int coh_tracked_start(coh *k)
{
    return hyp_add_fill_listener(k->h, on_fill, k);
}

void coh_tracked_stop(coh *k)
{
    hyp_remove_fill_listener(k->h, on_fill, k);
}

int coh_tracked_lpar(coh *k, unsigned lpid, sim_err *e)
{
    const hpt *t = &k->h->lpars[lpid]->hpt;
    uint64_t b = ((t->size / HPT_HPTE_BYTES) * 8 + 127) & ~127ull;
    uint64_t a = lmb_hyp_alloc_top(&k->h->lmb, b, 128);
    if (a == UINT64_MAX)
        return sim_errf(e, "hypervisor memory is too small for LPAR %u's filled-by records "
                           "(%llu bytes); set hypervisor.memory to 0 (automatic)",
                        lpid, (unsigned long long)b);
    physmem_zero(k->h->env.pm, a, b); /* memory another LPAR may have used */
    k->lp[lpid]->tracked_paddr = a;
    return 0;
}

uint64_t coh_tracked_read(coh *k, hcall_ctx *x, const coh_change *ch, unsigned i)
{
    coh_lpar *lp = k->lp[ch->lpid];
    if (ch->flush || !ch->ptexs || !lp->tracked_paddr)
        return ~0ull;
    uint64_t addr = lp->tracked_paddr + ch->ptexs[i] * 8;
    hcall_mem(x, addr, 8, MEM_READ);
    return physmem_read64(k->h->env.pm, addr);
}

void coh_tracked_clear(coh *k, hcall_ctx *x, const coh_change *ch, unsigned i)
{
    coh_lpar *lp = k->lp[ch->lpid];
    if (ch->flush || !ch->ptexs || !lp->tracked_paddr)
        return;
    uint64_t addr = lp->tracked_paddr + ch->ptexs[i] * 8;
    hcall_mem(x, addr, 8, MEM_WRITE);
    physmem_write64(k->h->env.pm, addr, 0);
}
