/*
 * strategy_patch_channel.c - S3, the patent's patch channels (seed 004,
 * Figs. 11 and 12) in PAPR mode; memory format and state in channel_int.h.
 *
 * Roles: the primary is the LPAR's HPT, the derived data the threads' TLBs;
 * the producer is the thread running the hcall (or platform operation)
 * whose HPTE change reaches the coherency step, the consumers the threads
 * the filter names (all: every thread; tracked: those whose walk filled
 * the slot); each LPAR has a T x T matrix of channels.
 *
 * Produce (one change: translations of one LPAR, already cleared or
 * downgraded in the HPT by the pipeline, or all of its entries):
 *  832  the targets: every thread, or each slot's filled-by record (scan);
 *  E1   strict PAPR: a target running the LPAR must be coherent when the
 *       hcall returns. The producer's own TLB (if it runs the LPAR): a
 *       tlbiel (tlb). Another target running it, channel.running tlbie:
 *       one global tlbie of the change (tlb, queueing), which reaches every
 *       TLB, so no patch is written at all; running doorbell: it is sent
 *       patches like the others and then a doorbell, on which it drains its
 *       channels before acknowledging (doorbell: ipi.base + ipi.per_target
 *       x targets + the slowest drain beyond one tlbiel; the target loses
 *       ipi.handler_cycles + its drain).
 *       A ptesync orders the HPTE stores before the first patch
 *       (primary_write).
 *  834-842 for each other target c, channel (producer, c): read its control
 *       line (head, tail; scan); with coalesce, read the pending patches
 *       and, if one names the same translation (or is a flush), update it
 *       (837; patch_write) - coalesced; else, if the ring is full, the
 *  844  fallback: one global tlbie of that translation (fallback, queueing)
 *       that reaches every TLB, so the remaining targets of that
 *       translation need nothing (fallback_covered); else write the patch
 *       (offset and fields, the in-use PTBA word last) and the tail
 *       (patch_write); a channel that was empty also sets the producer's
 *       bit in the consumer's pending line and, if that was zero, the
 *       LPAR's bit in the consumer's summary line (patch_write).
 * Drain (a coherency event of consumer t: the dispatch of a vCPU on t, or
 *       a doorbell): read t's summary line; for each LPAR with patches
 *       pending: not the LPAR being dispatched and channel.postpone - left
 *       (868/870: not due, t does not run it; counted once per patch);
 *       else read its pending line, then each non-empty channel's control
 *       line and patches, freeing each (878: in-use cleared) as it is read
 *       (scan), write the head; then apply: one tlbiel per translation
 *       (invalidate), or one LPAR flush for a flush patch or more than
 *       tlb.tlbiel_flush_threshold (full_flush); clear the pending line and
 *       the summary bit (scan). update stays 0 in PAPR mode (no TLB write
 *       on Book3S: the derived value cannot be installed) and queueing 0
 *       (no lock: [0120]).
 * Mode remap (coherency_remap.c): a hypervisor-initiated relocation sends
 * patches to running targets too, the producer's own thread included (its
 * self channel; no tlbiel, no E1 tlbie, no doorbell); they drain
 * at a dispatch or when the reuse gate forces them (pc_force_drain).
 * Invariants (besides channel_int.h's): when produce returns, no target
 * running the LPAR holds the change (mode remap's relocations excepted);
 * every other target either has a
 * pending patch naming it (or a flush) or was covered by a fallback's
 * global tlbie; demands = written + coalesced + fallback_covered and
 * written = applied + pending.
 */
#include <stdlib.h>

#include "channel_int.h"

enum { P_PRIMARY, P_SCAN, P_PATCH, P_FALLBACK, P_TLB, P_DOORBELL, P_QUEUE };
#define PRODUCE_PARTS "primary_write,scan,patch_write,fallback,tlb,doorbell,queueing"
enum { D_SCAN, D_INVALIDATE, D_UPDATE, D_FULL_FLUSH, D_QUEUE };
#define DRAIN_PARTS "scan,invalidate,update,full_flush,queueing"

enum { PUB_WRITTEN, PUB_COALESCED, PUB_FULL };

static uint64_t rd(coh *k, uint64_t a)
{
    return physmem_read64(k->h->env.pm, a);
}

static pc_lpar *lpar_of(coh *k, unsigned lpid)
{
    return k->lp[lpid]->sx;
}

/* The producer's access to its LPAR's channel memory, charged to part. */
static void pacc(coh *k, pc_lpar *pl, hcall_ctx *x, unsigned part, uint64_t a, uint32_t size,
                 mem_kind kind)
{
    op_charge(&x->op, part,
              pc_access(k, pl->owner, pl->L.base, x->thread, a, size, kind, x->op.end));
}

/* A consumer's access, charged to o's part. */
static void cacc(coh *k, pc_lpar *pl, unsigned t, op_rec *o, unsigned part, uint64_t a,
                 uint32_t size, mem_kind kind)
{
    op_charge(o, part, pc_access(k, pl->owner, pl->L.base, t, a, size, kind, o->end));
}

static void sum_access(coh *k, unsigned t, op_rec *o, uint32_t size, mem_kind kind)
{
    pc *P = k->sx;
    uint64_t a = P->summary + (uint64_t)t * PC_LINE;
    op_charge(o, D_SCAN, pc_access(k, P->sum_owner, P->summary, t, a, size, kind, o->end));
}

/* Charge the access of `thread` to the patches in slots [head, tail) of
 * channel (p, c) (at most two runs of lines: the ring may wrap) into o. */
static void ring_access(coh *k, pc_lpar *pl, unsigned thread, op_rec *o, unsigned part,
                        unsigned p, unsigned c, uint64_t head, uint64_t tail, mem_kind kind)
{
    const pc_layout *L = &pl->L;
    uint64_t K = L->patches, n = tail - head, first = head % K;
    while (n) {
        uint64_t run = first + n > K ? K - first : n;
        op_charge(o, part, pc_access(k, pl->owner, L->base, thread, pc_patch_addr(L, p, c, first),
                                     (uint32_t)(run * L->patch_bytes), kind, o->end));
        n -= run;
        first = 0;
    }
}

/* The optional fields of a patch: derived value (the HPTE as the change
 * left it) and usefulness (the change generation). */
static void store_fields(coh *k, pc_lpar *pl, uint64_t pa, const coh_change *ch, unsigned i)
{
    const pc *P = k->sx;
    uint64_t w = pa + 16;
    if (P->cfg.derived_value) {
        hpte now = {0, 0};
        if (!ch->flush && ch->ptexs)
            now = hpt_read(&k->h->lpars[ch->lpid]->hpt, ch->ptexs[i]);
        pc_store(k, w, now.v);
        pc_store(k, w + 8, now.r);
        w += 16;
    }
    if (P->cfg.usefulness)
        pc_store(k, w, pl->gen);
}

/* Steps 836-842 for one (translation, consumer) pair. */
static int publish(coh *k, hcall_ctx *x, pc_lpar *pl, unsigned c, const coh_change *ch,
                   unsigned i)
{
    pc *P = k->sx;
    const pc_layout *L = &pl->L;
    unsigned p = x->thread;
    uint64_t key = ch->flush ? PC_FLUSH_KEY : pc_key(ch->vpns[i], ch->psizes[i]);
    uint64_t chan = pc_chan_addr(L, p, c), K = L->patches;
    pacc(k, pl, x, P_SCAN, chan, 16, MEM_READ);
    uint64_t head = rd(k, chan), tail = rd(k, chan + 8);
    pl->st.demands++;
    /* 836: the pending patches read up to a match (the scan stops there) */
    uint64_t match = tail;
    for (uint64_t s = head; P->cfg.coalesce && s < tail && match == tail; s++) {
        uint64_t pa = pc_patch_addr(L, p, c, s % K), off = rd(k, pa + 8);
        if (rd(k, pa) == L->ptba && (off == key || off == PC_FLUSH_KEY))
            match = s;
    }
    if (P->cfg.coalesce)
        ring_access(k, pl, p, &x->op, P_SCAN, p, c, head, match < tail ? match + 1 : tail,
                    MEM_READ);
    if (match < tail) {
        uint64_t pa = pc_patch_addr(L, p, c, match % K);
        if (rd(k, pa + 8) == key && P->cfg.derived_value + P->cfg.usefulness) {
            /* 837: the fields refreshed to this change */
            store_fields(k, pl, pa, ch, i);
            pacc(k, pl, x, P_PATCH, pa + 16, L->patch_bytes - 16, MEM_WRITE);
        }
        pl->st.coalesced++;
        hist_add(&pl->st.occupancy, tail - head);
        if (k->audit)
            coh_audit_pc_event(k, PC_EV_COALESCED, ch->lpid, p, c, key);
        return PUB_COALESCED;
    }
    uint64_t slot = tail % K;
    if (tail - head >= K) {
        if (k->cfg.inject != COH_INJECT_OVERWRITE_FULL)
            return PUB_FULL;
        slot = (tail - 1) % K; /* the broken build: the newest patch is lost */
        tail--;
    }
    uint64_t pa = pc_patch_addr(L, p, c, slot);
    store_fields(k, pl, pa, ch, i);
    pc_store(k, pa + 8, key);
    pc_store(k, pa, L->ptba); /* in use: no earlier than the other fields ([0120]) */
    pacc(k, pl, x, P_PATCH, pa, L->patch_bytes, MEM_WRITE);
    pc_store(k, chan + 8, tail + 1);
    pacc(k, pl, x, P_PATCH, chan + 8, 8, MEM_WRITE);
    uint64_t idx = ((uint64_t)c * L->threads + p) * K + slot;
    pl->stamp[idx] = x->op.end;
    pl->postponed[idx] = 0;
    if (head == tail) {
        /* the channel was empty: the consumer's pending line, its summary */
        uint64_t pend = pc_pending_addr(L, c), words = (L->threads + 63) / 64;
        pacc(k, pl, x, P_PATCH, pend, (uint32_t)(words * 8), MEM_READ);
        bool was_zero = true;
        for (uint64_t w = 0; w < words; w++)
            was_zero &= rd(k, pend + w * 8) == 0;
        uint64_t wa = pend + (p / 64) * 8;
        pc_store(k, wa, rd(k, wa) | 1ull << (p % 64));
        pacc(k, pl, x, P_PATCH, wa, 8, MEM_WRITE);
        if (was_zero) {
            uint64_t sa = P->summary + (uint64_t)c * PC_LINE + (ch->lpid / 64) * 8;
            op_charge(&x->op, P_PATCH, pc_access(k, P->sum_owner, P->summary, p, sa, 8, MEM_READ,
                                                 x->op.end));
            pc_store(k, sa, rd(k, sa) | 1ull << (ch->lpid % 64));
            op_charge(&x->op, P_PATCH, pc_access(k, P->sum_owner, P->summary, p, sa, 8,
                                                 MEM_WRITE, x->op.end));
        }
    }
    pl->st.written++;
    pl->st.pending++;
    hist_add(&pl->st.occupancy, tail + 1 - head);
    if (k->audit)
        coh_audit_pc_event(k, PC_EV_WRITTEN, ch->lpid, p, c, key);
    return PUB_WRITTEN;
}

/* 844: translation i of the change out of every TLB at once. */
static void fallback(coh *k, hcall_ctx *x, pc_lpar *pl, const coh_change *ch, unsigned i)
{
    pl->st.overflows++;
    pl->st.fallbacks++;
    if (k->cfg.inject != COH_INJECT_SKIP_FALLBACK) {
        x->p_tlb = P_FALLBACK;
        x->p_queueing = P_QUEUE;
        if (ch->flush)
            hyp_eager_tlbie.invalidate(NULL, x, ch->lpid, NULL, NULL, 0, true);
        else
            hyp_eager_tlbie.invalidate(NULL, x, ch->lpid, &ch->vpns[i], &ch->psizes[i], 1, false);
        k->lp[ch->lpid]->st.tlbie_global++;
    }
    if (k->audit && !ch->flush)
        coh_audit_pc_fallback(k, ch->lpid, ch->vpns[i], ch->psizes[i], x->op.end);
}

/* Drain consumer t's column of LPAR l into o (its pending line, its
 * non-empty channels); returns the patches applied. The caller clears the
 * summary bit. */
static uint64_t drain_lpar(coh *k, unsigned t, unsigned l, op_rec *o)
{
    pc *P = k->sx;
    pc_lpar *pl = lpar_of(k, l);
    const pc_layout *L = &pl->L;
    uint64_t K = L->patches, words = (L->threads + 63) / 64, n = 0, got = 0;
    uint64_t pend = pc_pending_addr(L, t);
    bool flush = false;
    cacc(k, pl, t, o, D_SCAN, pend, (uint32_t)(words * 8), MEM_READ);
    for (uint64_t w = 0; w < words; w++) {
        uint64_t bits = rd(k, pend + w * 8);
        while (bits) {
            unsigned p = (unsigned)(w * 64 + (uint64_t)__builtin_ctzll(bits));
            bits &= bits - 1;
            uint64_t chan = pc_chan_addr(L, p, t);
            cacc(k, pl, t, o, D_SCAN, chan, 16, MEM_READ);
            uint64_t head = rd(k, chan), tail = rd(k, chan + 8);
            /* 866: the patches read; 878: each freed (in-use cleared) as
             * it is read, before acting on it (a producer coalescing into
             * it now would otherwise be lost: note I4) */
            ring_access(k, pl, t, o, D_SCAN, p, t, head, tail, MEM_READ);
            ring_access(k, pl, t, o, D_SCAN, p, t, head, tail, MEM_WRITE);
            for (uint64_t s = head; s < tail; s++) {
                uint64_t pa = pc_patch_addr(L, p, t, s % K);
                uint64_t ptba = rd(k, pa), off = rd(k, pa + 8);
                pc_store(k, pa, 0);
                got++;
                P->slot_of[n] = ((uint64_t)t * L->threads + p) * K + s % K;
                if (ptba != L->ptba)
                    continue; /* not in use: nothing to apply (the auditor counts) */
                if (off == PC_FLUSH_KEY) {
                    flush = true;
                    P->vpn[n] = 0, P->ps[n] = 0;
                } else {
                    P->vpn[n] = off >> 2;
                    P->ps[n] = (uint8_t)(off & 3);
                }
                n++;
            }
            pc_store(k, chan, tail);
            cacc(k, pl, t, o, D_SCAN, chan, 8, MEM_WRITE);
            if (k->audit)
                coh_audit_pc_applied(k, l, p, t, tail - head);
        }
        pc_store(k, pend + w * 8, 0);
    }
    cacc(k, pl, t, o, D_SCAN, pend, (uint32_t)(words * 8), MEM_WRITE);
    /* apply */
    tlb *tb = k->h->env.tlbs[t];
    const tlb_config *tc = tlb_get_config(tb);
    unsigned first = k->cfg.inject == COH_INJECT_SKIP_DRAIN && n && !flush ? 1 : 0;
    if (flush || n - first > tc->tlbiel_flush_threshold) {
        op_charge(o, D_FULL_FLUSH, tlbiel_local_work(tc, tlb_sets(tb), UINT32_MAX));
        tlb_inval_lpid(tb, l);
        pl->st.full_flushes++;
    } else if (n > first) {
        op_charge(o, D_INVALIDATE, tlbiel_local(tb, l, P->vpn + first, P->ps + first,
                                                (unsigned)(n - first), 0));
    }
    /* 0 for a drain at a clock before the publish (threads' clocks are
     * skewed within a driver step: a consumer's hcall at E3 can come
     * before the producer's in time), as latr's window */
    for (uint64_t i = 0; i < n; i++) {
        uint64_t st = pl->stamp[P->slot_of[i]];
        hist_add(&pl->st.stale_window, o->end > st ? o->end - st : 0);
    }
    pl->st.applied += got;
    pl->st.pending -= got;
    pl->st.drains++;
    hist_add(&pl->st.drain_patches, got);
    return got;
}

/* Patches of LPAR l pending for t, not due now: counted once each. */
static void postpone(coh *k, unsigned t, unsigned l)
{
    pc_lpar *pl = lpar_of(k, l);
    const pc_layout *L = &pl->L;
    for (unsigned p = 0; p < L->threads; p++) {
        uint64_t chan = pc_chan_addr(L, p, t);
        for (uint64_t s = rd(k, chan), tail = rd(k, chan + 8); s < tail; s++) {
            uint8_t *f = &pl->postponed[((uint64_t)t * L->threads + p) * L->patches +
                                        s % L->patches];
            pl->st.postponed += !*f;
            *f = 1;
        }
    }
}

/* A coherency event of consumer t: a vCPU of `due` is about to run there
 * (UINT_MAX: none, a doorbell names its LPAR in due too). */
static void drain(coh *k, unsigned t, unsigned due, op_rec *o)
{
    pc *P = k->sx;
    uint64_t sa = P->summary + (uint64_t)t * PC_LINE;
    sum_access(k, t, o, P->sum_words * 8, MEM_READ);
    bool changed = false;
    for (unsigned w = 0; w < P->sum_words; w++) {
        uint64_t bits = rd(k, sa + w * 8), left = bits;
        while (bits) {
            unsigned l = w * 64 + (unsigned)__builtin_ctzll(bits);
            bits &= bits - 1;
            if (l >= k->nlp || !k->lp[l] || !k->lp[l]->sx)
                continue;
            if (l != due && P->cfg.postpone) {
                postpone(k, t, l);
                continue;
            }
            drain_lpar(k, t, l, o);
            left &= ~(1ull << (l % 64));
            changed = true;
        }
        pc_store(k, sa + w * 8, left);
    }
    if (changed)
        sum_access(k, t, o, P->sum_words * 8, MEM_WRITE);
    if (k->audit)
        for (unsigned l = 0; l < k->nlp; l++)
            if (k->lp[l] && k->lp[l]->sx)
                coh_audit_pc_check(k, l, "after a drain");
}

void pc_force_drain(coh *k, unsigned t, unsigned lpid, op_rec *o)
{
    drain(k, t, lpid, o);
}

static bool at_dispatch(coh *k, unsigned thread, unsigned lpid, op_rec *o)
{
    drain(k, thread, lpid, o);
    return true;
}

/* channel.running doorbell: the targets running the LPAR drain at once. */
static void doorbells(coh *k, hcall_ctx *x, unsigned lpid, const uint8_t *ring, unsigned T)
{
    hyp *h = k->h;
    const coh_ipi_config *ic = &k->cfg.ipi;
    uint64_t n = 0, slowest = 0;
    for (unsigned t = 0; t < T; t++) {
        if (!ring[t])
            continue;
        cpu_thread *th = &h->env.threads[t];
        op_rec o;
        op_begin(&o, th->clock > x->op.end ? th->clock : x->op.end);
        drain(k, t, lpid, &o);
        ops_record(h->env.ops, k->op_drain, &o);
        uint64_t d = o.end - o.start;
        if (d > slowest)
            slowest = d;
        th->clock += ic->handler_cycles + d;
        k->lp[lpid]->st.interrupts_taken++;
        k->lp[lpid]->st.interrupt_cycles += ic->handler_cycles + d;
        n++;
    }
    if (!n)
        return;
    uint64_t page = tlb_get_config(h->env.tlbs[0])->tlbiel_page_cycles;
    op_charge(&x->op, P_DOORBELL,
              ic->base_cycles + ic->per_target_cycles * n + (slowest > page ? slowest - page : 0));
    lpar_of(k, lpid)->st.doorbells += n;
    k->lp[lpid]->st.interrupts_sent += n;
}

static void invalidate(coh *k, hcall_ctx *x, const coh_change *ch)
{
    pc *P = k->sx;
    coh_lpar *lp = k->lp[ch->lpid];
    pc_lpar *pl = lp->sx;
    unsigned self = x->thread, T = P->T, l = ch->lpid, pages = ch->flush ? 1 : ch->n;
    bool tracked = k->cfg.filter == COH_FILTER_TRACKED;
    x->p_memory = x->p_compute = P_SCAN;
    pl->gen++;
    /* 832: the targets of each translation */
    uint64_t small[8], *rec = pages <= 8 ? small : malloc(pages * sizeof *rec), any = 0;
    for (unsigned i = 0; i < pages; i++) {
        uint64_t r = tracked ? coh_tracked_read(k, x, ch, i) : ~0ull;
        if (rec)
            rec[i] = r;
        any |= r;
    }
    if (!rec) /* out of host memory: every thread a target */
        tracked = false, any = ~0ull;
    uint8_t ring_small[64], *ring = T <= 64 ? ring_small : calloc(T, 1);
    bool others_run = false;
    for (unsigned t = 0; t < T; t++) {
        bool r = t != self && coh_tracked_has(any, t) && coh_runs(k, t, l);
        if (ring)
            ring[t] = r;
        others_run |= r;
    }
    /* mode remap, a hypervisor relocation: running targets are sent
     * patches like the others (the reuse gate holds the old page) */
    bool defer_running = coh_defer_running(k);
    if (defer_running)
        others_run = false;
    if (others_run && (P->cfg.running == COH_RUNNING_TLBIE || !ring)) {
        /* E1: one global tlbie reaches every TLB; no patch is needed */
        x->p_tlb = P_TLB;
        x->p_queueing = P_QUEUE;
        hyp_eager_tlbie.invalidate(NULL, x, l, ch->vpns, ch->psizes, ch->n, ch->flush);
        lp->st.tlbie_global++;
        pl->st.sync_tlbies++;
        goto done;
    }
    /* mode remap: the producer's own TLB is a consumer like the others
     * (a patch in its self channel) */
    bool self_runs = coh_runs(k, self, l) && !defer_running;
    if (self_runs && coh_tracked_has(any, self)) {
        op_charge(&x->op, P_TLB, coh_tlbiel(k, self, ch));
        lp->st.tlbiel_local++;
    }
    bool published = false;
    for (unsigned i = 0; i < pages; i++) {
        uint64_t r = rec ? rec[i] : ~0ull;
        for (unsigned t = 0; t < T; t++) {
            if (!coh_tracked_has(r, t) || (t == self && self_runs))
                continue;
            if (!published) {
                op_charge(&x->op, P_PRIMARY, P->cfg.ptesync_cycles);
                published = true;
            }
            int res = publish(k, x, pl, t, ch, i);
            if (res == PUB_WRITTEN && k->cfg.inject == COH_INJECT_PUBLISH_FIRST && !ch->flush &&
                ch->ptexs) {
                /* the broken build: the primary stored after its patch */
                const hpt *tb = &k->h->lpars[l]->hpt;
                hpt_write(tb, ch->ptexs[i], hpt_read(tb, ch->ptexs[i]));
            }
            if (res != PUB_FULL)
                continue;
            fallback(k, x, pl, ch, i);
            /* this pair and the targets after it: covered by the tlbie */
            for (unsigned u = t; u < T; u++)
                if (coh_tracked_has(r, u) && !(u == self && self_runs)) {
                    pl->st.demands += u != t; /* publish counted t's */
                    pl->st.fallback_covered++;
                    if (k->audit)
                        coh_audit_pc_event(k, PC_EV_COVERED, l, self, u,
                                           ch->flush ? PC_FLUSH_KEY
                                                     : pc_key(ch->vpns[i], ch->psizes[i]));
                }
            break;
        }
    }
    if (others_run)
        doorbells(k, x, l, ring, T);
done:
    if (tracked)
        for (unsigned i = 0; i < pages; i++)
            coh_tracked_clear(k, x, ch, i);
    if (rec != small)
        free(rec);
    if (ring != ring_small)
        free(ring);
    if (k->audit) {
        coh_audit_pc_step_end(k);
        coh_audit_pc_check(k, l, "after a produce step");
    }
}

static bool defers(const coh_config *c)
{
    (void)c;
    return true;
}

const coh_strategy coh_patch_channel = {
    "patch-channel", 1u << COH_FILTER_ALL | 1u << COH_FILTER_TRACKED,
    "its channels serve the threads that do not run the LPAR; expected filter all or tracked",
    NULL, invalidate, at_dispatch};

const coh_strategy_ext coh_patch_channel_ext = {
    .produce_parts = PRODUCE_PARTS,
    .produce_queue = P_QUEUE,
    .drain_parts = DRAIN_PARTS,
    .defers = defers,
    .memory = pc_memory,
    .create = pc_create,
    .destroy = pc_destroy,
    .lpar_added = pc_lpar_added,
};
