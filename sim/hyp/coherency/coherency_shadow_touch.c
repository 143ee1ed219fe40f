/*
 * coherency_shadow_touch.c - mode shadow (shadow_int.h): the guest's
 * accesses to the pages its page table maps, as the hardware does them
 * (one instruction, the TLB lookup, on a miss the walk of the thread's own
 * shadow HPTE in the LPAR's HPT, recorded as op tlb.miss, the TLB fill, the
 * access through the caches), and the hidden fault (patent Fig. 8) when the
 * walk finds no shadow HPTE: the trap, the guest PTE read at its real
 * address (802/808), the GPPN translated through the LMB table (810), a
 * free slot found in the primary or secondary PTEG (read), the shadow HPTE
 * written (814), the bookkeeping and the PT page's consumer mask updated
 * (812/832), the return: op coherency.shadow.fault.
 * Invariant: the TLB entry a touch fills is what the walk of the thread's
 * shadow HPTE loads, so the auditors judge it like any other.
 */
#include "shadow_int.h"

/* ---- hidden faults and touches ---- */

/* Thread t has no shadow HPTE of PTE i: trap, walk the guest PT, build
 * one, record t as a consumer of the PT page. Returns 0, or -1 with e
 * (the PTE is invalid: a fault the guest would take; not modeled). */
static int hidden_fault(coh *k, sh_lpar *sl, unsigned t, uint64_t i, uint64_t *now, sim_err *e)
{
    sh_state *S = k->shx;
    hcall_ctx x;
    sh_trap_begin(k, &x, t, sl->lpid, SH_F_WALK, SH_F_BUILD, SH_F_BUILD, *now);
    op_charge(&x.op, SH_F_ENTRY, k->cfg.shadow.trap_entry_cycles);
    hyp_lpar *lp = k->h->lpars[sl->lpid];
    uint64_t pa = hyp_xlate_logical(&x, lp, sl->pt_la + 8 * i);
    uint64_t pte = sh_rd(k, &x, SH_F_WALK, pa);
    hcall_steps(&x, 1);
    if (!(pte & SH_PTE_VALID))
        return sim_errf(e, "mode shadow: LPAR %s touched the page of PTE %llu, which is invalid",
                        hyp_lpar_name(k->h, sl->lpid), (unsigned long long)i);
    x.p_memory = x.p_compute = SH_F_BUILD;
    uint64_t real = hyp_xlate_logical(&x, lp, pte & ~0xfffull);
    const hpt *ht = &lp->hpt;
    uint64_t hash = hpt_hash(sh_vsid(sl, t), sl->ea_base + 4096 * i, 12, false);
    int slot = -1, sec;
    uint64_t pteg = 0;
    for (sec = 0; sec < 2 && slot < 0; sec++) {
        pteg = hpt_pteg_index(ht, hash, sec);
        hcall_mem(&x, hpt_pteg_addr(ht, pteg), 128, MEM_READ);
        hcall_steps(&x, 1);
        slot = hpt_first_free_slot(ht, pteg);
    }
    if (slot < 0)
        return sim_errf(e, "mode shadow: both PTEGs of thread %u's shadow HPTE of LPAR %s's PTE "
                           "%llu are full; expected a larger drivers.coherency.hpt_size",
                        t, hyp_lpar_name(k->h, sl->lpid), (unsigned long long)i);
    uint64_t ptex = pteg * 8 + (uint64_t)slot;
    hyp_write_hpte(&x, sl->lpid, ptex, sh_make_hpte(sl, t, i, real, pte & SH_PTE_WRITE, sec == 2));
    x.p_memory = x.p_compute = SH_F_TRACK;
    sh_wr(k, &x, SH_F_TRACK, sh_smap_addr(sl, t, i), ptex + 1);
    uint64_t ma = sl->masks + ((i / SH_PT_PER_PAGE) * sl->words + t / 64) * 8;
    uint64_t m = sh_rd(k, &x, SH_F_TRACK, ma);
    if (!(m >> (t % 64) & 1))
        sh_wr(k, &x, SH_F_TRACK, ma, m | 1ull << (t % 64));
    op_charge(&x.op, SH_F_EXIT, k->cfg.shadow.trap_exit_cycles);
    ops_record(k->h->env.ops, S->op_fault, &x.op);
    sl->st.hidden_faults++;
    sl->st.fault_cycles += x.op.end - x.op.start;
    *now = x.op.end;
    return 0;
}

int coh_shadow_touch(coh *k, unsigned t, unsigned lpid, uint64_t i, bool store, sim_err *e)
{
    sh_lpar *sl = sh_of(k, lpid);
    cpu_thread *th = &k->h->env.threads[t];
    const hpt *ht = hyp_lpar_hpt(k->h, lpid);
    uint64_t vsid = sh_vsid(sl, t), ea = sl->ea_base + 4096 * i, vpn = sh_vpn(sl, t, i);
    uint64_t start = th->clock, now = start + th->cfg->insn_cycles, faulted = 0;
    const tlb_entry *te = tlb_lookup_access(th->tlb, lpid, vpn, PSZ_4K, store ? HPTE_PROT_W : 0);
    uint64_t rpn;
    if (te) {
        rpn = te->rpn;
    } else {
        hpt_result r;
        op_rec o;
        op_begin(&o, now);
        int x = hpt_translate(ht, vsid, ea, 12, false, 1, store, th->walk_port, now, &r);
        if (x == HPT_XLATE_MISS) {
            op_charge(&o, 0, r.cycles);
            uint64_t f = o.end;
            if (hidden_fault(k, sl, t, i, &f, e) != 0)
                return -1;
            faulted = f - o.end;
            x = hpt_translate(ht, vsid, ea, 12, false, 1, store, th->walk_port, f, &r);
        }
        if (x != HPT_XLATE_OK)
            return sim_errf(e, "mode shadow: LPAR %s: a %s of the page of PTE %llu found %s",
                            hyp_lpar_name(k->h, lpid), store ? "store" : "load",
                            (unsigned long long)i, x == HPT_XLATE_PROT ? "it read-only" : "no HPTE");
        rpn = hpte_real_addr(r.e.r, PSZ_4K) >> 12;
        unsigned prot = hpte_prot(r.e.r, 1);
        if (!(r.e.r & HPTE_R_C))
            prot &= ~(unsigned)HPTE_PROT_W;
        tlb_insert(th->tlb, lpid, vpn, PSZ_4K, rpn, prot);
        op_charge(&o, 0, r.cycles);
        if (th->on_fill)
            op_charge(&o, 0, th->on_fill(th->fill_ctx, th, r.ptex, vpn, PSZ_4K, o.end + faulted));
        ops_record(th->ops, th->op_tlb_miss, &o);
        th->st.tlb_miss_cycles += o.end - o.start;
        now = o.end + faulted;
        sl->st.touch_tlb_misses++;
    }
    if (k->audit)
        sh_audit_use(k, sl, t, i, rpn);
    /* the digest names the logical page, not the real one: where the
     * LPAR's LMBs sit depends on how much hypervisor memory the strategy
     * reserves (patch channels), not on coherency; a real page the LPAR
     * does not own (never, while the rule holds) keeps its real number,
     * marked by the top bit */
    uint64_t la = hyp_real_to_logical(k->h, lpid, rpn << 12);
    uint64_t page = la == UINT64_MAX ? (1ull << 63) | rpn : la >> 12;
    uint32_t d = sl->st.touches ? (uint32_t)sl->st.use_digest : 2166136261u;
    uint64_t w[3] = {t, i, page};
    for (int j = 0; j < 3; j++)
        for (int b = 0; b < 8; b++)
            d = (d ^ (uint32_t)(w[j] >> (8 * b) & 0xff)) * 16777619u;
    sl->st.use_digest = d;
    uint64_t lat = mem_access(th->port, rpn << 12, 8, store ? MEM_WRITE : MEM_READ, now);
    if (!store && lat > th->cfg->hidden_latency)
        now += lat - th->cfg->hidden_latency;
    th->clock = now;
    sl->st.touches++;
    sl->st.touch_cycles += now - start - faulted;
    return 0;
}
