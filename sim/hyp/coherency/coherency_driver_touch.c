/*
 * coherency_driver_touch.c - a vCPU of a driver LPAR touching one of the
 * driver's pages, exactly as the trace-driven thread does an access
 * (sim/cpu/thread.c): one instruction (cpu.insn_cycles), the TLB lookup
 * (a miss when no entry allows the access), on a miss the hardware walk of
 * the HPT (hpt_translate through the thread's walk port, mmu.walk_from:
 * PTEG probes, R and C set and written back, recorded as op tlb.miss so
 * that tlb misses and tlb.miss ops stay equal)
 * and the TLB fill (an entry loaded while C = 0 does not let stores
 * through), then the access through the thread's caches (a load stalls
 * for the latency beyond cpu.hidden_latency; a store is posted).
 * The cycles are the vCPU's: they advance its thread's clock.
 * Invariant: the TLB entry it fills is what the hardware's walk loads, so
 * the coherency auditor judges it like any other.
 */
#include "coherency_driver_int.h"

int cdrv_touch(hyp *h, unsigned t, unsigned lpid, const cdrv_page *p, bool store,
               cdrv_stats *st, sim_err *e)
{
    return cdrv_touch_rpn(h, t, lpid, p, store, st, NULL, e);
}

int cdrv_touch_rpn(hyp *h, unsigned t, unsigned lpid, const cdrv_page *p, bool store,
                   cdrv_stats *st, uint64_t *rpn_out, sim_err *e)
{
    cpu_thread *th = &h->env.threads[t];
    const hpt *ht = hyp_lpar_hpt(h, lpid);
    uint64_t vsid = seg_vsid(CDRV_CONTEXT, p->ea, false);
    uint64_t vpn = hpte_vpn(vsid, p->ea, 12, false);
    uint64_t start = th->clock, now = start + th->cfg->insn_cycles;
    const tlb_entry *te = tlb_lookup_access(th->tlb, lpid, vpn, PSZ_4K, store ? HPTE_PROT_W : 0);
    uint64_t rpn;
    if (te) {
        rpn = te->rpn;
    } else {
        hpt_result r;
        int x = hpt_translate(ht, vsid, p->ea, 12, false, 1, store, th->walk_port, now, &r);
        if (x != HPT_XLATE_OK)
            return sim_errf(e, "drivers.coherency: LPAR %s: a %s of the driver's page at EA "
                               "0x%llx found %s",
                            hyp_lpar_name(h, lpid), store ? "store" : "load",
                            (unsigned long long)p->ea,
                            x == HPT_XLATE_PROT ? "it read-only" : "no HPTE");
        rpn = hpte_real_addr(r.e.r, PSZ_4K) >> 12;
        unsigned prot = hpte_prot(r.e.r, 1);
        if (!(r.e.r & HPTE_R_C))
            prot &= ~(unsigned)HPTE_PROT_W;
        tlb_insert(th->tlb, lpid, vpn, PSZ_4K, rpn, prot);
        op_rec o;
        op_begin(&o, now);
        op_charge(&o, 0, r.cycles);
        if (th->on_fill) /* the fill listeners hear it, as from the thread's own walk */
            op_charge(&o, 0, th->on_fill(th->fill_ctx, th, r.ptex, vpn, PSZ_4K, o.end));
        ops_record(th->ops, th->op_tlb_miss, &o);
        th->st.tlb_miss_cycles += r.cycles;
        now = o.end;
        st->touch_misses++;
    }
    uint64_t lat = mem_access(th->port, rpn << 12 | (p->ea & 0xfff), 8,
                              store ? MEM_WRITE : MEM_READ, now);
    if (!store && lat > th->cfg->hidden_latency)
        now += lat - th->cfg->hidden_latency;
    th->clock = now;
    if (rpn_out)
        *rpn_out = rpn;
    st->touches++;
    st->touch_cycles += now - start;
    return 0;
}
