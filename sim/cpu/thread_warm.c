/*
 * thread_warm.c - the functional warm-up of one hardware thread
 * (cpu_thread_warm, run.warmup_records; docs/roi.md): the vCPU's records
 * replayed without timing, updating the caches, TLBs, SLB and HPTs exactly
 * as detailed replay does. Invariant: an access is skipped only when it
 * could change no state but hit counters (reset after the warm-up) and
 * the order-keeping TLB stamps (warm_track below).
 */
#include <string.h>

#include "cpu.h"
#include "thread_int.h"

/* What the warm-up knows has not changed since the previous access of this
 * thread's turn: a repeated access that would only hit the MRU entry of
 * its TLB set or cache set changes no state but the hit counters (reset
 * after the warm-up anyway) and the TLB's replacement stamps (whose order
 * it keeps), so it is skipped. One page tracker for fetches, one for data
 * (a translation of another page in the same TLB set drops the other
 * tracker: the page is no longer the most recent of its set), one line
 * for the L1I, one for the L1D. Valid only while nothing else touches the
 * thread's TLB and caches: reset at every turn, hcall, traced TLB/SLB
 * instruction and walk (PTEG reads go through the L1D, a fault through the
 * hypervisor). */
typedef struct warm_page {
    uint64_t page, pbase, set; /* EA page, its real page base, its TLB set */
    bool valid, w;             /* w: that translation allowed a store */
} warm_page;
typedef struct warm_track {
    warm_page p[2];            /* [0] fetches, [1] data */
    uint64_t iline, dline;     /* EA line last fetched / last loaded or stored */
    bool dline_w;              /* the last L1D line was stored to (already dirty) */
} warm_track;
#define WARM_NONE UINT64_MAX

static inline void warm_reset(warm_track *w)
{
    memset(w, 0, sizeof *w);
    w->iline = w->dline = WARM_NONE;
}

/* One functional access of size bytes at ea (pshift, lshift: the vCPU's
 * page and the port's line, fixed during a warm-up); 0 or -1. Always
 * inlined: a call per access cost about 20 of the warm-up's 250
 * instructions per record, and the access kind is a constant at each of
 * the 4 calls. */
static inline __attribute__((always_inline)) int warm_access(cpu_thread *t, warm_track *w,
                                                          unsigned pshift, unsigned lshift,
                                                          uint64_t ea, uint32_t size,
                                                          enum cpu_access acc, sim_err *e)
{
    static const mem_kind kinds[] = {MEM_READ, MEM_WRITE, MEM_IFETCH};
    uint64_t last = ea + (size ? size - 1 : 0);
    if (!lshift || ((ea ^ last) >> lshift) != 0) {
        warm_reset(w); /* crosses a line (or a page): the detailed path */
        return cpu_thread_mem_op(t, ea, size, acc, e) == UINT64_MAX ? -1 : 0;
    }
    uint64_t page = ea >> pshift, line = ea >> lshift;
    warm_page *k = &w->p[acc != CPU_IFETCH], *o = &w->p[acc == CPU_IFETCH];
    if (!k->valid || page != k->page || (acc == CPU_STORE && !k->w)) {
        uint64_t walks = t->walks;
        uint64_t pa = cpu_thread_xlate(t, ea, acc, e);
        if (pa == UINT64_MAX)
            return -1;
        if (t->walks != walks) {
            warm_reset(w); /* the L1D and the TLB moved under the trackers */
            (void)mem_access(t->port, pa, size, kinds[acc], t->clock);
            return 0;
        }
        const tlb_entry *te = t->la_entry[acc]; /* the entry the hit used */
        k->w = (k->valid && page == k->page && k->w) || acc == CPU_STORE;
        k->page = page;
        k->pbase = pa & ~((1ULL << pshift) - 1);
        k->set = tlb_entry_set(t->tlb, te);
        k->valid = true;
        if (o->valid && o->set == k->set && o->page != page)
            o->valid = false;
    }
    if (acc == CPU_IFETCH) {
        if (line == w->iline)
            return 0;
        w->iline = line;
    } else {
        if (line == w->dline && (acc != CPU_STORE || w->dline_w))
            return 0;
        w->dline_w = (line == w->dline && w->dline_w) || acc == CPU_STORE;
        w->dline = line;
    }
    uint64_t pa = k->pbase | (ea & ((1ULL << pshift) - 1));
    (void)mem_access(t->port, pa, size, kinds[acc], t->clock);
    return 0;
}

/* One instruction or memory record during a warm-up; 0 or -1. */
static inline __attribute__((always_inline)) int warm_mem(cpu_thread *t, warm_track *w,
                                                       uint64_t *traced, unsigned pshift,
                                                       unsigned lshift, const tr_rec *r,
                                                       sim_err *e)
{
    switch (r->kind) {
    case TR_INSN:
        if ((r->flags & TRF_WORD) && (r->word >> 26) == 31) {
            uint64_t c = cpu_thread_insn_effect(t, r->word);
            if (t->st.traced_tlbie + t->st.traced_tlbiel + t->st.traced_slb != *traced) {
                *traced = t->st.traced_tlbie + t->st.traced_tlbiel + t->st.traced_slb;
                warm_reset(w);
            }
            t->clock += c;
        }
        return warm_access(t, w, pshift, lshift, r->addr, r->size, CPU_IFETCH, e);
    case TR_LOAD:
        return warm_access(t, w, pshift, lshift, r->addr, r->size, CPU_LOAD, e);
    case TR_STORE:
        return warm_access(t, w, pshift, lshift, r->addr, r->size, CPU_STORE, e);
    default: /* TR_MODIFY */
        if (warm_access(t, w, pshift, lshift, r->addr, r->size, CPU_LOAD, e) != 0)
            return -1;
        return warm_access(t, w, pshift, lshift, r->addr, r->size, CPU_STORE, e);
    }
}

int cpu_thread_warm(cpu_thread *t, uint64_t upto, sim_err *e)
{
    if (!t->bound || t->done)
        return 0;
    cpu_vcpu *v = t->v;
    warm_track w;
    warm_reset(&w);
    uint64_t traced = t->st.traced_tlbie + t->st.traced_tlbiel + t->st.traced_slb;
    t->waiting = false;
    if (!t->line_shift && t->port->line_bytes)
        t->line_shift = (unsigned)__builtin_ctz(t->port->line_bytes);
    const unsigned pshift = v->page_shift, lshift = t->line_shift;
    while (v->records < upto) {
        if (v->pos == v->len) {
            int r = cpu_thread_refill(t, e);
            if (r < 0)
                return -1;
            if (r == 0) {
                cpu_thread_finished(t);
                return 0;
            }
        }
        if (v->b.max_records && v->records >= v->b.max_records) {
            cpu_thread_finished(t);
            return 0;
        }
        /* a run of instruction and memory records, counted once at its end
         * (nothing they call reads the record counts; a failure counts its
         * record, as below) */
        size_t stop = v->len, i = v->pos;
        uint64_t room = upto - v->records;
        if (v->b.max_records && v->b.max_records - v->records < room)
            room = v->b.max_records - v->records;
        if (stop - i > room)
            stop = i + (size_t)room;
        int bad = 0;
        for (; i < stop && v->buf[i].kind <= TR_MODIFY; i++)
            if ((bad = warm_mem(t, &w, &traced, pshift, lshift, &v->buf[i], e)) != 0) {
                i++;
                break;
            }
        t->st.records += i - v->pos;
        v->records += i - v->pos;
        v->pos = i;
        if (bad)
            goto fail;
        if (i == stop)
            continue; /* the loop's tests: warm-up done, buffer empty or max_records */
        const tr_rec *r = &v->buf[v->pos++];
        t->st.records++;
        v->records++;
        switch (r->kind) {
        case TR_HCALL: {
            warm_reset(&w);
            uint64_t c = v->b.record ? v->b.record(v->b.ctx, t, r, t->clock, e) : 0;
            if (c == UINT64_MAX)
                goto fail;
            if (c == CPU_RECORD_WAIT) { /* another vCPU's hcall first */
                cpu_thread_undo_record(t, v);
                t->waiting = true;
                return 1;
            }
            t->clock += c;
            if (t->v != v) {
                sim_errf(e, "the vCPU left its thread during the warm-up "
                            "(run.warmup_records); expected records a warm-up can replay "
                            "functionally (no cede)");
                goto fail;
            }
            break;
        }
        default:
            if (r->kind == TR_HRET && v->b.record) { /* a recorded result: compared */
                if (v->b.record(v->b.ctx, t, r, t->clock, e) == UINT64_MAX)
                    goto fail;
                break;
            }
            if (r->kind == TR_MARKER &&
                (r->word == TR_MARK_SLBIE || r->word == TR_MARK_SLBIA)) {
                cpu_thread_slb_marker(t, r); /* as in detail: the SLB forgets */
                warm_reset(&w);
                traced = t->st.traced_tlbie + t->st.traced_tlbiel + t->st.traced_slb;
                break;
            }
            if (r->kind == TR_MARKER && r->word == TR_MARK_SLBMTE && v->b.recorded_slb) {
                if (cpu_thread_slbmte(t, r, e) != 0)
                    goto fail;
                warm_reset(&w); /* a segment may translate elsewhere now */
                traced = t->st.traced_tlbie + t->st.traced_tlbiel + t->st.traced_slb;
                break;
            }
            if (r->kind == TR_MARKER && r->word == TR_MARK_HSEQ && v->b.hseq_markers &&
                v->b.record) { /* an hcall order: the hook keeps it for the hcall */
                if (v->b.record(v->b.ctx, t, r, t->clock, e) == UINT64_MAX)
                    goto fail;
                break;
            }
            if (r->kind == TR_MARKER && r->word == TR_MARK_FREE && v->b.roi_markers) {
                sim_errf(e, "free marker (K %d) inside the warm-up (run.warmup_records "
                            "covers the first %llu records); expected frees after it",
                         TR_MARK_FREE, (unsigned long long)upto);
                goto fail;
            }
            if (cpu_thread_is_roi(t, r)) {
                sim_errf(e, "region of interest marker inside the warm-up "
                            "(run.warmup_records covers the first %llu records); expected "
                            "regions after it", (unsigned long long)upto);
                goto fail;
            }
            break; /* idle, wait, doorbell: timing only */
        }
    }
    return 1;
fail:
    if (t->restart) {
        t->restart = false;
        sim_errf(e, "LPAR %u vCPU %u: a hypervisor fault blocked the vCPU during the warm-up "
                    "(run.warmup_records); expected pages that need no page-in there",
                 v->b.lpid, v->b.vcpu);
    }
    cpu_thread_finished(t);
    return sim_err_prefix(e, "%s record %llu", tr_path(v->b.trace),
                          (unsigned long long)v->records);
}
