/*
 * coherency_shadow.c - TLB coherency mode shadow (shadow_int.h has the
 * roles, the guest PT format and the memory layout): the state, the traps
 * (a traced store, a guest tlbiel: E4), the dispatch drain (E2) and
 * strategy eager-tlbie's
 * producer (the patent's baseline "shadow page table shutdown", [0091]:
 * every thread's shadow HPTE of the PTE rewritten by the producer, then
 * one global tlbie of their translations). patch-channel's producer and
 * drain: coherency_shadow_channel.c; hidden faults and the guest's touches:
 * coherency_shadow_touch.c.
 * Costs: trap entry/exit and decoding (shadow.*), every table word through
 * the trapping thread's port at its real address (the guest PT, the LMB
 * table, the HPT, the bookkeeping), hypervisor.step_cycles per entry built
 * or examined, tlbie/tlbiel from the TLB model.
 * Invariant: an op's parts sum to its total; a thread's clock advances by
 * exactly the ops it ran (store, tlbie, fault) and its touches.
 */
#include <stdio.h>
#include <stdlib.h>

#include "shadow_int.h"

static uint64_t round_line(uint64_t b)
{
    return (b + SH_LINE - 1) / SH_LINE * SH_LINE;
}

static uint64_t mask_words(unsigned T)
{
    return (T + 63) / 64;
}

static uint64_t lpar_bytes(const coh_config *c, unsigned T, uint64_t *chan_bytes)
{
    uint64_t N = c->shadow.entries, pages = (N + SH_PT_PER_PAGE - 1) / SH_PT_PER_PAGE;
    uint64_t b = round_line(N * 8) + round_line(pages * mask_words(T) * 8) +
                 round_line((uint64_t)T * N * 8);
    uint64_t pb = 16 + (c->channel.derived_value ? 8 : 0) + (c->channel.usefulness ? 8 : 0);
    *chan_bytes = SH_LINE + round_line(c->channel.patches * pb);
    if (c->strategy == COH_PATCH_CHANNEL)
        b += (uint64_t)T * SH_LINE + (uint64_t)T * T * *chan_bytes;
    return b;
}

uint64_t sh_memory(const coh_config *c, unsigned nlpars, unsigned nthreads)
{
    uint64_t cb;
    unsigned T = c->max_threads > nthreads ? (unsigned)c->max_threads : nthreads;
    return c->mode == COH_MODE_SHADOW ? nlpars * lpar_bytes(c, T, &cb) : 0;
}

int sh_create(coh *k, sim_err *e)
{
    sh_state *S = calloc(1, sizeof *S);
    if (!S)
        return sim_errf(e, "out of host memory");
    k->shx = S;
    S->T = k->h->env.nthreads;
    ops_reg *o = k->h->env.ops;
    S->op_store = ops_declare(o, "coherency.shadow.store",
                              "a guest store to a traced page-table page (mode shadow): the trap, "
                              "the store emulated into the primary, the strategy's work, the "
                              "return", SH_STORE_PARTS);
    S->op_tlbie = ops_declare(o, "coherency.shadow.tlbie",
                              "a guest tlbiel of a traced page (mode shadow, event E4): the trap, "
                              "the consumer's drain, the tlbiel, the return", SH_TLBIE_PARTS);
    S->op_fault = ops_declare(o, "coherency.shadow.fault",
                              "a hidden fault (mode shadow): no shadow HPTE for the access; the "
                              "hypervisor walks the guest page table and builds one",
                              SH_FAULT_PARTS);
    if (S->op_store == OP_INVALID || S->op_tlbie == OP_INVALID || S->op_fault == OP_INVALID)
        return sim_errf(e, "out of host memory");
    return 0;
}

void sh_destroy(coh *k)
{
    sh_state *S = k->shx;
    if (!S)
        return;
    for (unsigned i = 0; i < S->nlp; i++)
        if (S->lp[i]) {
            sh_audit_destroy(S->lp[i]->audit);
            free(S->lp[i]->scratch_vpn);
            free(S->lp[i]->scratch_ps);
            free(S->lp[i]->owner);
            free(S->lp[i]);
        }
    free(S->lp);
    free(S);
    k->shx = NULL;
}

sh_lpar *sh_of(const coh *k, unsigned lpid)
{
    const sh_state *S = k->shx;
    return S && lpid < S->nlp ? S->lp[lpid] : NULL;
}

uint64_t sh_vsid(const sh_lpar *sl, unsigned t)
{
    return seg_vsid(SH_CONTEXT0 + t, sl->ea_base, false);
}

uint64_t sh_vpn(const sh_lpar *sl, unsigned t, uint64_t i)
{
    return hpte_vpn(sh_vsid(sl, t), sl->ea_base + 4096 * i, 12, false);
}

uint64_t sh_primary_real(const coh *k, const sh_lpar *sl, uint64_t i)
{
    uint64_t pte = physmem_read64(k->h->env.pm, sl->pt_real + 8 * i);
    if (!(pte & SH_PTE_VALID))
        return UINT64_MAX;
    return hyp_logical_to_real(k->h, sl->lpid, pte & ~0xfffull);
}

static void fail_oom(coh *k, uint64_t a)
{
    if (k->failed)
        return;
    k->failed = true;
    sim_errf(&k->err, "out of host memory writing hypervisor memory at real address 0x%llx",
             (unsigned long long)a);
    hyp_fail(k->h, &k->err);
}

uint64_t sh_rd(coh *k, hcall_ctx *x, unsigned part, uint64_t a)
{
    op_charge(&x->op, part, mem_access(x->port, a, 8, MEM_READ, x->op.end));
    return physmem_read64(k->h->env.pm, a);
}

void sh_wr(coh *k, hcall_ctx *x, unsigned part, uint64_t a, uint64_t v)
{
    op_charge(&x->op, part, mem_access(x->port, a, 8, MEM_WRITE, x->op.end));
    if (physmem_write64(k->h->env.pm, a, v) != 0)
        fail_oom(k, a);
}

uint64_t sh_smap_addr(const sh_lpar *sl, unsigned t, uint64_t i)
{
    return sl->smap + ((uint64_t)t * sl->cap + i) * 8;
}

bool sh_set_hpte(coh *k, sh_lpar *sl, hcall_ctx *x, unsigned part, unsigned t, uint64_t i,
                 uint64_t r)
{
    uint64_t slot = sh_rd(k, x, part, sh_smap_addr(sl, t, i));
    if (!slot)
        return false;
    const hpt *ht = hyp_lpar_hpt(k->h, sl->lpid);
    unsigned pm = x->p_memory;
    x->p_memory = part;
    hpte now = {0, 0};
    if (r)
        now = (hpte){hpt_read(ht, slot - 1).v, r};
    hyp_write_hpte(x, sl->lpid, slot - 1, now);
    if (!r)
        sh_wr(k, x, part, sh_smap_addr(sl, t, i), 0);
    op_charge(&x->op, part, k->h->cfg.step_cycles);
    x->p_memory = pm;
    return true;
}

hpte sh_make_hpte(const sh_lpar *sl, unsigned t, uint64_t i, uint64_t real, bool writable,
                  bool secondary)
{
    hpte_attrs at = {.pp = writable ? 2 : 3, .key = 0, .wimg = 2, .noexec = false, .bolted = true};
    hpte x = hpte_make(sh_vsid(sl, t), sl->ea_base + 4096 * i, false, PSZ_4K, PSZ_4K, real, &at,
                       secondary);
    x.r |= HPTE_R_R | HPTE_R_C; /* built by the hypervisor for an access: referenced */
    return x;
}

uint64_t sh_derive(coh *k, sh_lpar *sl, hcall_ctx *x, unsigned part, uint64_t pte)
{
    if (!(pte & SH_PTE_VALID))
        return 0;
    unsigned pm = x->p_memory;
    x->p_memory = part;
    uint64_t real = hyp_xlate_logical(x, k->h->lpars[sl->lpid], pte & ~0xfffull);
    x->p_memory = pm;
    op_charge(&x->op, part, k->h->cfg.step_cycles);
    if (real == UINT64_MAX)
        return 0; /* outside the LPAR: no translation (the access faults to the guest) */
    return sh_make_hpte(sl, 0, 0, real, pte & SH_PTE_WRITE, false).r;
}

/* (shadow_int.h) */
void sh_trap_begin(coh *k, hcall_ctx *x, unsigned t, unsigned lpid, unsigned p_compute,
                   unsigned p_tlb, unsigned p_queue, uint64_t at)
{
    *x = (hcall_ctx){.h = k->h, .lpid = lpid, .thread = t, .port = k->h->env.ports[t],
                     .p_compute = p_compute, .p_memory = p_compute, .p_tlb = p_tlb,
                     .p_queueing = p_queue}; /* a trap, not an hcall: no feature parts */
    op_begin(&x->op, at);
}

int coh_shadow_attach(coh *k, unsigned lpid, uint64_t pt_la, uint64_t entries, uint64_t ea_base,
                      sim_err *e)
{
    sh_state *S = k->shx;
    if (!S)
        return sim_errf(e, "drivers.coherency.pattern: shadow needs hypervisor.coherency.mode: "
                           "shadow (and hypervisor.coherency.enabled: true)");
    if (entries > k->cfg.shadow.entries)
        return sim_errf(e, "drivers.coherency.pages: %llu page-table entries, but "
                           "hypervisor.coherency.shadow.entries is %llu; expected at most that "
                           "(or a larger shadow.entries)",
                        (unsigned long long)entries, (unsigned long long)k->cfg.shadow.entries);
    uint64_t lmb = k->h->cfg.lmb_size, end = pt_la + entries * 8 - 1;
    if (pt_la % 4096 || pt_la / lmb != end / lmb || end >= hyp_lpar_memory(k->h, lpid))
        return sim_errf(e, "mode shadow: LPAR %s's page table at logical 0x%llx (%llu bytes) is "
                           "not 4K-aligned inside one LMB of its memory",
                        hyp_lpar_name(k->h, lpid), (unsigned long long)pt_la,
                        (unsigned long long)(entries * 8));
    if (lpid >= S->nlp) {
        sh_lpar **v = realloc(S->lp, (lpid + 1) * sizeof *v);
        if (!v)
            return sim_errf(e, "out of host memory");
        for (unsigned i = S->nlp; i <= lpid; i++)
            v[i] = NULL;
        S->lp = v;
        S->nlp = lpid + 1;
    }
    if (S->lp[lpid])
        return sim_errf(e, "mode shadow: LPAR %s attached twice", hyp_lpar_name(k->h, lpid));
    sh_lpar *sl = S->lp[lpid] = calloc(1, sizeof *sl);
    if (!sl)
        return sim_errf(e, "out of host memory");
    unsigned T = S->T;
    uint64_t N = k->cfg.shadow.entries, cb, bytes = lpar_bytes(&k->cfg, T, &cb);
    uint64_t pages = (N + SH_PT_PER_PAGE - 1) / SH_PT_PER_PAGE;
    sl->lpid = lpid;
    sl->pt_la = pt_la;
    sl->pt_real = hyp_logical_to_real(k->h, lpid, pt_la);
    sl->entries = entries;
    sl->cap = N;
    sl->ea_base = ea_base;
    sl->words = (unsigned)mask_words(T);
    sl->chan_bytes = cb;
    sl->patch_bytes = 16 + (k->cfg.channel.derived_value ? 8 : 0) +
                      (k->cfg.channel.usefulness ? 8 : 0);
    uint64_t base = lmb_hyp_alloc_top(&k->h->lmb, bytes, SH_LINE);
    if (base == UINT64_MAX)
        return sim_errf(e, "hypervisor memory is too small for LPAR %s's shadow bookkeeping "
                           "(%llu bytes); set hypervisor.memory to 0 (automatic)",
                        hyp_lpar_name(k->h, lpid), (unsigned long long)bytes);
    sl->gen = base;
    sl->masks = sl->gen + round_line(N * 8);
    sl->smap = sl->masks + round_line(pages * sl->words * 8);
    sl->pend = sl->smap + round_line((uint64_t)T * N * 8);
    sl->chans = sl->pend + (uint64_t)T * SH_LINE;
    sl->region_lines = (base + bytes - sl->pend) / SH_LINE;
    if (k->cfg.strategy == COH_PATCH_CHANNEL) {
        size_t m = (size_t)T * k->cfg.channel.patches;
        sl->scratch_vpn = malloc((m + 1) * sizeof *sl->scratch_vpn);
        sl->scratch_ps = calloc(m + 1, 1);
        sl->owner = malloc((sl->region_lines + 1) * sizeof *sl->owner);
        if (!sl->scratch_vpn || !sl->scratch_ps || !sl->owner)
            return sim_errf(e, "out of host memory");
        for (uint64_t i = 0; i < sl->region_lines; i++)
            sl->owner[i] = -1;
    }
    char prefix[128];
    snprintf(prefix, sizeof prefix, "%s.shadow", k->lp[lpid]->prefix);
    if (stats_register(k->h->env.stats, prefix, &sh_stat_table, &sl->st) != 0)
        return sim_errf(e, "out of host memory");
    if (k->audit && !(sl->audit = sh_audit_create(k, sl)))
        return sim_errf(e, "out of host memory for the shadow auditor");
    return 0;
}

/* ---- eager-tlbie: the shadow page table shutdown ---- */

static void eager_store(coh *k, sh_lpar *sl, hcall_ctx *x, uint64_t i, uint64_t pte)
{
    sh_state *S = k->shx;
    uint64_t r = sh_derive(k, sl, x, SH_S_UPDATE, pte), small[64], *vpn = small;
    uint8_t ps_small[64], *ps = ps_small;
    if (S->T > 64) {
        vpn = malloc(S->T * sizeof *vpn);
        ps = calloc(S->T, 1);
        if (!vpn || !ps) {
            free(vpn), free(ps);
            fail_oom(k, 0);
            return;
        }
    }
    unsigned n = 0;
    for (unsigned t = 0; t < S->T; t++) /* filter all: every thread's bookkeeping read */
        if (sh_set_hpte(k, sl, x, SH_S_UPDATE, t, i, r)) {
            vpn[n] = sh_vpn(sl, t, i);
            ps[n++] = PSZ_4K;
        }
    if (n) {
        x->p_tlb = SH_S_TLB;
        x->p_queueing = SH_S_QUEUE;
        hyp_eager_tlbie.invalidate(NULL, x, sl->lpid, vpn, ps, n, false);
        sl->st.global_tlbies++;
        k->lp[sl->lpid]->st.tlbie_global++;
    }
    sl->st.eager_updates += n;
    if (vpn != small)
        free(vpn), free(ps);
}

/* ---- the guest's operations ---- */

void coh_shadow_store(coh *k, unsigned t, unsigned lpid, uint64_t i, uint64_t pte)
{
    sh_state *S = k->shx;
    sh_lpar *sl = sh_of(k, lpid);
    cpu_thread *th = &k->h->env.threads[t];
    hcall_ctx x;
    sh_trap_begin(k, &x, t, lpid, SH_S_EMULATE, SH_S_TLB, SH_S_QUEUE, th->clock);
    op_charge(&x.op, SH_S_TRAP, k->cfg.shadow.trap_entry_cycles);
    op_charge(&x.op, SH_S_EMULATE, k->cfg.shadow.emulate_cycles);
    /* the store emulated: the PT page's logical address translated (the
     * LMB table read), the PTE written at its real address */
    uint64_t pa = hyp_xlate_logical(&x, k->h->lpars[lpid], sl->pt_la + 8 * i);
    sh_wr(k, &x, SH_S_EMULATE, pa, pte);
    if (k->audit)
        sh_audit_store(k, sl, i, pte);
    if (k->cfg.strategy == COH_PATCH_CHANNEL)
        sh_pc_produce(k, sl, &x, i, pte);
    else
        eager_store(k, sl, &x, i, pte);
    op_charge(&x.op, SH_S_TRAP, k->cfg.shadow.trap_exit_cycles);
    ops_record(k->h->env.ops, S->op_store, &x.op);
    sl->st.stores++;
    sl->st.store_cycles += x.op.end - x.op.start;
    th->clock = x.op.end;
    if (k->audit)
        sh_audit_conserve(k, sl, "after a traced store");
}

void coh_shadow_tlbiel(coh *k, unsigned t, unsigned lpid, uint64_t i)
{
    sh_state *S = k->shx;
    sh_lpar *sl = sh_of(k, lpid);
    cpu_thread *th = &k->h->env.threads[t];
    hcall_ctx x;
    sh_trap_begin(k, &x, t, lpid, SH_T_SCAN, SH_T_TLB, SH_T_TLB, th->clock);
    op_charge(&x.op, SH_T_ENTRY, k->cfg.shadow.trap_entry_cycles + k->cfg.shadow.emulate_cycles);
    if (k->cfg.strategy == COH_PATCH_CHANNEL) {
        static const unsigned parts[4] = {SH_T_SCAN, SH_T_UPDATE, SH_T_INVALIDATE, SH_T_TLB};
        sh_pc_drain(k, sl, &x, t, i, parts);
    } else {
        uint64_t vpn = sh_vpn(sl, t, i);
        uint8_t ps = PSZ_4K;
        op_charge(&x.op, SH_T_TLB, tlbiel_local(k->h->env.tlbs[t], lpid, &vpn, &ps, 1, x.op.end));
    }
    op_charge(&x.op, SH_T_EXIT, k->cfg.shadow.trap_exit_cycles);
    ops_record(k->h->env.ops, S->op_tlbie, &x.op);
    sl->st.tlbies++;
    sl->st.tlbie_cycles += x.op.end - x.op.start;
    th->clock = x.op.end;
    if (k->audit) {
        sh_audit_event(k, sl, t, i);
        sh_audit_conserve(k, sl, "after a drain at a guest tlbiel");
    }
}

bool sh_dispatched(coh *k, unsigned t, unsigned lpid, op_rec *o)
{
    sh_lpar *sl = sh_of(k, lpid);
    if (!sl)
        return false;
    bool did = false;
    if (k->cfg.strategy == COH_PATCH_CHANNEL) {
        /* coherency.drain's parts (strategy_patch_channel.c): scan,
         * invalidate, update, full_flush, queueing */
        static const unsigned parts[4] = {0, 2, 1, 1};
        hcall_ctx x;
        sh_trap_begin(k, &x, t, lpid, 0, 1, 4, o->end);
        x.op = *o;
        uint64_t before = x.op.end;
        sh_pc_drain(k, sl, &x, t, UINT64_MAX, parts);
        *o = x.op;
        sl->st.dispatch_drains++;
        sl->st.dispatch_cycles += o->end - before;
        did = true;
    }
    if (k->audit) {
        sh_audit_event(k, sl, t, UINT64_MAX);
        sh_audit_conserve(k, sl, "after a drain at a dispatch");
    }
    return did;
}
