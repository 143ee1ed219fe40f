/*
 * coherency_shadow_channel.c - strategy patch-channel in mode shadow (the
 * patent's Figs. 11 and 12 on the guest's own page table; layout in
 * shadow_int.h). The channel lines are charged as patch-channel's PAPR
 * channels are (pc_access: the thread's caches, a line another core wrote
 * last at least channel.remote_line_cycles).
 *
 * Produce (after the trapped store was emulated into the primary):
 *   the PTE's trace generation incremented (primary_write); with
 *   channel.derived_value the new shadow HPTE's second word computed once
 *   (394D: the GPPN translated through the LMB table); a ptesync orders the
 *   primary before the first patch (primary_write);
 *   832: the consumers: the PT page's mask (filter tracked) or every
 *   thread (all) (scan);
 *   834-842 per consumer c, channel (producer, c): control line read
 *   (scan); with coalesce, the pending patches read up to one naming the
 *   same PTE (scan), which is refreshed (837: 394D, 394E; patch_write);
 *   else a full ring falls back (844: c's shadow HPTE rewritten by the
 *   producer, shadow_update, and one global tlbie of c's translation, tlb,
 *   queueing);
 *   else the patch (offset, fields, PTBA | in-use last) and the tail
 *   (patch_write), and, if the channel was empty, the producer's bit in
 *   c's pending line (patch_write).
 * Drain (consumer t; E4: a guest tlbiel on t, E2: a dispatch on t): the
 *   pending line, each non-empty channel's control line and patches read
 *   and freed (878) as read (scan); per patch (866-876): with a derived
 *   value whose usefulness equals the PTE's current trace generation
 *   (read: update) the shadow HPTE of t is rewritten from 394D without
 *   reading the guest PT (update); else it is removed (invalidate), so
 *   t's next access takes a hidden fault; either way t's TLB entry is
 *   dropped by one tlbiel sequence of all the drained PTEs (tlb: Book3S has
 *   no TLB write). No postponement (868 always processes): a drain takes
 *   the whole column.
 * Invariants: see shadow_int.h (conservation) and channel_int.h (a ring's
 * in-use patches are [head, tail) mod K).
 */
#include <stdlib.h>

#include "channel_int.h"
#include "shadow_int.h"

static uint64_t rd(coh *k, uint64_t a)
{
    return physmem_read64(k->h->env.pm, a);
}

static void st(coh *k, uint64_t a, uint64_t v)
{
    pc_store(k, a, v);
}

static uint64_t chan_addr(const sh_lpar *sl, unsigned T, unsigned p, unsigned c)
{
    return sl->chans + ((uint64_t)c * T + p) * sl->chan_bytes;
}

static uint64_t patch_addr(const sh_lpar *sl, unsigned T, unsigned p, unsigned c, uint64_t slot)
{
    return chan_addr(sl, T, p, c) + SH_LINE + slot * sl->patch_bytes;
}

/* A charged access of `thread` to the channel region, into part of x. */
static void acc(coh *k, sh_lpar *sl, hcall_ctx *x, unsigned part, uint64_t a, uint32_t size,
                mem_kind kind)
{
    op_charge(&x->op, part,
              pc_access(k, sl->owner, sl->pend, x->thread, a, size, kind, x->op.end));
}

static void ring_acc(coh *k, sh_lpar *sl, hcall_ctx *x, unsigned part, unsigned p, unsigned c,
                     uint64_t head, uint64_t tail, mem_kind kind)
{
    unsigned T = ((sh_state *)k->shx)->T;
    uint64_t K = k->cfg.channel.patches, n = tail - head, first = head % K;
    while (n) {
        uint64_t run = first + n > K ? K - first : n;
        acc(k, sl, x, part, patch_addr(sl, T, p, c, first), (uint32_t)(run * sl->patch_bytes),
            kind);
        n -= run;
        first = 0;
    }
}

static void store_fields(coh *k, const sh_lpar *sl, uint64_t pa, uint64_t d, uint64_t g)
{
    uint64_t w = pa + 16;
    if (k->cfg.channel.derived_value)
        st(k, w, d), w += 8;
    if (k->cfg.channel.usefulness)
        st(k, w, g);
    (void)sl;
}

/* 844 for consumer c: its shadow HPTE rewritten, its translation out of
 * every TLB by one global tlbie. */
static void fallback(coh *k, sh_lpar *sl, hcall_ctx *x, unsigned c, uint64_t i, uint64_t pte)
{
    uint64_t r = sh_derive(k, sl, x, SH_S_UPDATE, pte);
    if (sh_set_hpte(k, sl, x, SH_S_UPDATE, c, i, r)) {
        uint64_t vpn = sh_vpn(sl, c, i);
        uint8_t ps = PSZ_4K;
        x->p_tlb = SH_S_TLB;
        x->p_queueing = SH_S_QUEUE;
        hyp_eager_tlbie.invalidate(NULL, x, sl->lpid, &vpn, &ps, 1, false);
        sl->st.global_tlbies++;
        k->lp[sl->lpid]->st.tlbie_global++;
    }
    sl->st.overflows++;
    sl->st.fallback_covered++;
}

static void publish(coh *k, sh_lpar *sl, hcall_ctx *x, unsigned c, uint64_t i, uint64_t pte,
                    uint64_t d, uint64_t g)
{
    unsigned T = ((sh_state *)k->shx)->T, p = x->thread;
    uint64_t K = k->cfg.channel.patches, chan = chan_addr(sl, T, p, c);
    uint64_t ptba = (sl->pt_real + (i / SH_PT_PER_PAGE) * 4096) | SH_INUSE, off = i % SH_PT_PER_PAGE;
    acc(k, sl, x, SH_S_SCAN, chan, 16, MEM_READ);
    uint64_t head = rd(k, chan), tail = rd(k, chan + 8), match = tail;
    sl->st.demands++;
    for (uint64_t s = head; k->cfg.channel.coalesce && s < tail && match == tail; s++) {
        uint64_t pa = patch_addr(sl, T, p, c, s % K);
        if (rd(k, pa) == ptba && rd(k, pa + 8) == off)
            match = s;
    }
    if (k->cfg.channel.coalesce)
        ring_acc(k, sl, x, SH_S_SCAN, p, c, head, match < tail ? match + 1 : tail, MEM_READ);
    if (match < tail) { /* 837 */
        uint64_t pa = patch_addr(sl, T, p, c, match % K);
        if (sl->patch_bytes > 16) {
            store_fields(k, sl, pa, d, g);
            acc(k, sl, x, SH_S_PATCH, pa + 16, sl->patch_bytes - 16, MEM_WRITE);
        }
        sl->st.coalesced++;
        return;
    }
    if (tail - head >= K) {
        fallback(k, sl, x, c, i, pte);
        return;
    }
    uint64_t pa = patch_addr(sl, T, p, c, tail % K);
    store_fields(k, sl, pa, d, g);
    st(k, pa + 8, off);
    st(k, pa, ptba); /* in use last ([0120]) */
    acc(k, sl, x, SH_S_PATCH, pa, sl->patch_bytes, MEM_WRITE);
    st(k, chan + 8, tail + 1);
    acc(k, sl, x, SH_S_PATCH, chan + 8, 8, MEM_WRITE);
    if (head == tail) {
        uint64_t wa = sl->pend + (uint64_t)c * SH_LINE + (p / 64) * 8;
        acc(k, sl, x, SH_S_PATCH, wa, 8, MEM_READ);
        st(k, wa, rd(k, wa) | 1ull << (p % 64));
        acc(k, sl, x, SH_S_PATCH, wa, 8, MEM_WRITE);
    }
    sl->st.written++;
    sl->st.pending++;
}

void sh_pc_produce(coh *k, sh_lpar *sl, hcall_ctx *x, uint64_t i, uint64_t pte)
{
    unsigned T = ((sh_state *)k->shx)->T;
    const coh_channel_config *cc = &k->cfg.channel;
    x->p_memory = x->p_compute = SH_S_PRIMARY;
    uint64_t ga = sl->gen + 8 * i, g = sh_rd(k, x, SH_S_PRIMARY, ga) + 1;
    sh_wr(k, x, SH_S_PRIMARY, ga, g);
    uint64_t d = cc->derived_value ? sh_derive(k, sl, x, SH_S_PRIMARY, pte) : 0;
    op_charge(&x->op, SH_S_PRIMARY, cc->ptesync_cycles);
    x->p_memory = x->p_compute = SH_S_SCAN;
    bool tracked = k->cfg.filter == COH_FILTER_TRACKED;
    uint64_t ma = sl->masks + (i / SH_PT_PER_PAGE) * sl->words * 8, m = ~0ull;
    if (k->audit)
        sh_audit_publish(k, sl, i, pte);
    for (unsigned c = 0; c < T; c++) {
        if (tracked && c % 64 == 0)
            m = sh_rd(k, x, SH_S_SCAN, ma + (c / 64) * 8);
        if (m >> (c % 64) & 1)
            publish(k, sl, x, c, i, pte, d, g);
    }
}

uint64_t sh_pc_drain(coh *k, sh_lpar *sl, hcall_ctx *x, unsigned t, uint64_t also,
                     const unsigned parts[4])
{
    unsigned T = ((sh_state *)k->shx)->T;
    const coh_channel_config *cc = &k->cfg.channel;
    uint64_t K = cc->patches, pend = sl->pend + (uint64_t)t * SH_LINE, n = 0, got = 0;
    unsigned scan = parts[0], upd = parts[1], inv = parts[2], tlbp = parts[3];
    bool skip = k->cfg.inject == COH_INJECT_SKIP_SHADOW_UPDATE;
    x->p_memory = x->p_compute = scan;
    acc(k, sl, x, scan, pend, sl->words * 8, MEM_READ);
    for (unsigned w = 0; w < sl->words; w++) {
        uint64_t bits = rd(k, pend + w * 8);
        while (bits) {
            unsigned p = w * 64 + (unsigned)__builtin_ctzll(bits);
            bits &= bits - 1;
            uint64_t chan = chan_addr(sl, T, p, t);
            acc(k, sl, x, scan, chan, 16, MEM_READ);
            uint64_t head = rd(k, chan), tail = rd(k, chan + 8);
            ring_acc(k, sl, x, scan, p, t, head, tail, MEM_READ);
            ring_acc(k, sl, x, scan, p, t, head, tail, MEM_WRITE);
            for (uint64_t s = head; s < tail; s++) {
                uint64_t pa = patch_addr(sl, T, p, t, s % K);
                uint64_t ptba = rd(k, pa), off = rd(k, pa + 8), w2 = pa + 16, dv = 0, u = 0;
                if (cc->derived_value)
                    dv = rd(k, w2), w2 += 8;
                if (cc->usefulness)
                    u = rd(k, w2);
                st(k, pa, 0); /* 878: freed as read */
                got++;
                if (!(ptba & SH_INUSE))
                    continue;
                uint64_t i = ((ptba & ~SH_INUSE) - sl->pt_real) / 4096 * SH_PT_PER_PAGE + off;
                bool use = false;
                if (cc->derived_value && cc->usefulness) {
                    use = sh_rd(k, x, upd, sl->gen + 8 * i) == u;
                    sl->st.derived_stale += !use;
                }
                if (skip && n == 0) {
                    /* the broken build: the shadow HPTE left as it was */
                } else if (use ? sh_set_hpte(k, sl, x, upd, t, i, dv)
                               : sh_set_hpte(k, sl, x, inv, t, i, 0)) {
                    sl->st.updated += use;
                    sl->st.invalidated += !use;
                } else {
                    sl->st.absent++;
                }
                sl->scratch_vpn[n] = sh_vpn(sl, t, i);
                sl->scratch_ps[n++] = PSZ_4K;
            }
            st(k, chan, tail);
            acc(k, sl, x, scan, chan, 8, MEM_WRITE);
        }
        st(k, pend + w * 8, 0);
    }
    acc(k, sl, x, scan, pend, sl->words * 8, MEM_WRITE);
    if (also != UINT64_MAX) { /* the guest's own tlbiel, unless a patch named the page */
        uint64_t v = sh_vpn(sl, t, also), j = 0;
        while (j < n && sl->scratch_vpn[j] != v)
            j++;
        if (j == n) {
            sl->scratch_vpn[n] = v;
            sl->scratch_ps[n++] = PSZ_4K;
        }
    }
    if (n)
        op_charge(&x->op, tlbp, tlbiel_local(k->h->env.tlbs[t], sl->lpid, sl->scratch_vpn,
                                             sl->scratch_ps, (unsigned)n, x->op.end));
    sl->st.applied += got;
    sl->st.pending -= got;
    return got;
}

uint64_t sh_pc_in_use(const coh *k, const sh_lpar *sl)
{
    unsigned T = ((const sh_state *)k->shx)->T;
    uint64_t K = k->cfg.channel.patches, n = 0;
    for (unsigned c = 0; c < T; c++)
        for (unsigned p = 0; p < T; p++)
            for (uint64_t s = 0; s < K; s++)
                n += physmem_read64(k->h->env.pm, patch_addr(sl, T, p, c, s)) & SH_INUSE;
    return n;
}
