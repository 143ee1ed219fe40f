/*
 * strategy_latr.c - S5, LATR (Kumar et al., "LATR: Lazy Translation
 * Coherence", ASPLOS'18; code: github sslab-gatech/latr,
 * arch/x86/mm/tlb.c), mapped onto the PAPR hypervisor.
 *
 * LATR: the CPU that unmaps flushes its own TLB and saves a lazy state
 * (mm, range, a mask of the CPUs that must still flush) in its per-CPU
 * ring of LAZY_TLB_NUM_ENTRIES = 256 states instead of sending IPIs; every
 * CPU scans all rings at its scheduler tick and at each context switch,
 * flushes the ranges whose mask names it and clears its bit; the last one
 * invalidates the state; a full ring falls back to IPIs
 * (native_flush_tlb_others); freed pages and VMAs are reused only after
 * every CPU has drained (a lazy free list).
 *
 * Here: a producer is the hardware thread making the hcall (or platform
 * operation); its ring of latr.states states is in hypervisor memory (a
 * header line with the start and end counters, then the states: a line
 * with the LPAR, up to latr.state_pages translations or "flush the LPAR",
 * then the consumer mask, coherency.max_threads bits). Consumers: every
 * hardware thread (filter all: nothing records who filled what).
 *  - produce: the caller tlbiels its own TLB if it runs the LPAR (part
 *    tlb); strict (latr.strict, strict PAPR: a thread running the LPAR is
 *    coherent when the hcall returns, the rule of eager-ipi and
 *    kvm-deferred) the other threads running it are interrupted and tlbiel
 *    (coherency_ipi.c), every other thread gets the lazy state (part mark:
 *    the state's lines and the ring's header written); relaxed (strict
 *    false, LATR's own semantics) a change that only removes translations
 *    is lazy for the running threads too, and a downgrade (H_PROTECT,
 *    H_CLEAR_REF/MOD) is interrupted as under strict, as LATR keeps IPIs
 *    for everything but unmaps. A full ring (LATR's test: the slot after
 *    the end is the start's, so it holds states - 1) falls back to
 *    interrupting every consumer of the change (fallbacks).
 *  - drain pass of thread t (at every tick of latr.tick_us, on every
 *    thread, idle ones too: the hypervisor's decrementer; and when a vCPU
 *    is dispatched on t): read every ring's header, each valid state's
 *    mask word for t; for a state naming t read its line, tlbiel its
 *    translations (part invalidate; a flush state: one tlbiel per set,
 *    part full_flush), clear t's bit; the last consumer invalidates the
 *    state (op coherency.reuse_wait: from its save to now, the time the
 *    lazy free list holds its pages); t advances its own ring's start over
 *    invalid states. Op coherency.drain (parts scan, invalidate,
 *    full_flush), charged to the thread's clock when it runs a vCPU.
 *  - stale window (relaxed only): for each consumer that ran the LPAR when
 *    the state was saved, the cycles until it drained it (a histogram per
 *    LPAR); the auditor counts such entries (coherency.audit.stale_allowed)
 *    instead of stopping the run (the pending hook).
 * Approximations: reuse is measured, not enforced (nothing in the model
 * reuses a freed page before the guest asks; coherency.reuse_wait is how
 * long LATR's lazy list would hold it); LATR's background pass (a state
 * still pending after 2 one-second passes gets IPIs) never triggers,
 * since every thread ticks; ticks run while a thread runs a vCPU or a state
 * is pending (none otherwise: nothing to drain, no vCPU to charge).
 * Invariants: a valid state names at least one consumer; a thread running
 * the LPAR holds no stale entry when the hcall returns (strict); a
 * dispatched thread has drained every state naming it; valid states =
 * saved - invalidated.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coherency_int.h"

/* coherency.<lpar>.latr.* */
typedef struct lt_stats {
    uint64_t states;         /* lazy states saved for its changes */
    uint64_t lazy_consumers; /* consumer bits set in them */
    uint64_t fallbacks;      /* changes that found the producer's ring full */
    uint64_t tick_drains;    /* consumers that drained one of its states at a tick */
    uint64_t dispatch_drains; /* ... at a dispatch */
    uint64_t applied_pages;  /* translations those drains tlbiel'd */
    uint64_t full_flushes;   /* drains of a flush state */
    hist stale_window;       /* relaxed: save -> drain of a consumer running at the save */
} lt_stats;

/* coherency.latr.* */
typedef struct lt_global {
    uint64_t ticks, passes;
} lt_global;

typedef struct lt_state {
    bool valid;
    unsigned lpid, n;
    bool flush;
    unsigned pending;        /* consumers that have not drained it */
    uint64_t saved;          /* cycle it was saved */
    uint64_t *vpn;           /* state_pages */
    uint8_t *ps;
    uint64_t *mask;          /* consumers still to drain (words) */
    uint64_t *ran;           /* consumers running the LPAR at the save (stale window) */
} lt_state;

typedef struct lt_ring {
    uint64_t paddr;          /* header line; states follow */
    uint64_t start, end;     /* LATR's counters: states [start, end) in use */
    lt_state *s;
} lt_ring;

typedef struct lt_lpar {
    char prefix[112];
    lt_stats st;
} lt_lpar;

typedef struct latr {
    lt_ring *ring;           /* per hardware thread */
    unsigned nt, words;
    uint64_t cap;            /* states per ring */
    uint64_t head_bytes, state_bytes, ring_bytes;
    uint64_t tick, tick_next;
    uint64_t valid;          /* valid states, all rings */
    unsigned removed;        /* translations removed since the last step (relaxed) */
    op_id op_reuse;
    lt_global gst;
    uint64_t *lazy, *now_ipi; /* scratch masks of a change */
    /* host storage of the states' fields */
    uint64_t *vpn_pool, *mask_pool;
    uint8_t *ps_pool;
} latr;

static uint64_t lines(uint64_t bytes)
{
    return (bytes + 127) & ~127ull;
}

static uint64_t head_bytes(const coh_config *c)
{
    return lines(32 + 8 * c->latr.state_pages);
}

static uint64_t state_bytes(const coh_config *c)
{
    return head_bytes(c) + lines((c->max_threads + 7) / 8);
}

static uint64_t ring_bytes(const coh_config *c)
{
    return 128 + c->latr.states * state_bytes(c);
}

/* Rings for max_threads producers (the machine's threads are not known
 * when the hypervisor is sized). */
static uint64_t memory(const coh_config *c, unsigned nlpars, const uint64_t *hpt_bytes)
{
    (void)nlpars, (void)hpt_bytes;
    return c->max_threads * ring_bytes(c);
}

static bool bit(const uint64_t *m, unsigned t)
{
    return m[t / 64] >> (t % 64) & 1;
}

static uint64_t state_paddr(const latr *l, unsigned p, uint64_t i)
{
    return l->ring[p].paddr + 128 + (i % l->cap) * l->state_bytes;
}

static lt_stats *st_of(coh *k, unsigned lpid)
{
    return &((lt_lpar *)k->lp[lpid]->sx)->st;
}

/* Restart the ticks (stopped while nothing ran) at the next period after at. */
static void wake_ticks(coh *k, latr *l, uint64_t at)
{
    if (l->tick_next != UINT64_MAX)
        return;
    l->tick_next = (at / l->tick + 1) * l->tick;
    hyp_request_event(k->h, l->tick_next);
}

/* ---- produce ---- */

/* Save the change as a lazy state in thread p's ring for the consumers in
 * mask (x's memory part); false if the ring is full. */
static bool save(coh *k, latr *l, hcall_ctx *x, unsigned p, const coh_change *ch,
                 const uint64_t *mask, unsigned consumers)
{
    lt_ring *r = &l->ring[p];
    uint64_t cap = l->cap;
    if (r->end - r->start >= cap - 1)
        return false;
    lt_state *s = &r->s[r->end % cap];
    s->valid = true;
    s->lpid = ch->lpid;
    s->flush = ch->flush || ch->n > k->cfg.latr.state_pages;
    s->n = s->flush ? 0 : ch->n;
    for (unsigned i = 0; i < s->n; i++) {
        s->vpn[i] = ch->vpns[i];
        s->ps[i] = ch->psizes[i];
    }
    memcpy(s->mask, mask, l->words * sizeof *mask);
    for (unsigned w = 0; w < l->words; w++)
        s->ran[w] = 0;
    for (unsigned t = 0; t < l->nt; t++)
        if (bit(mask, t) && coh_runs(k, t, ch->lpid))
            s->ran[t / 64] |= 1ull << (t % 64);
    s->pending = consumers;
    s->saved = x->op.end;
    uint64_t a = state_paddr(l, p, r->end);
    hcall_mem(x, a, (uint32_t)l->head_bytes > 128 ? 128 : (uint32_t)l->head_bytes, MEM_WRITE);
    for (uint64_t off = 128; off < l->head_bytes; off += 128)
        hcall_mem(x, a + off, 128, MEM_WRITE);
    uint64_t mb = (uint64_t)l->words * 8;
    for (uint64_t off = 0; off < mb; off += 128)
        hcall_mem(x, a + l->head_bytes + off, (uint32_t)(mb - off < 128 ? mb - off : 128),
                  MEM_WRITE);
    r->end++;
    hcall_mem(x, r->paddr, 16, MEM_WRITE); /* publish the end */
    l->valid++;
    lt_stats *st = st_of(k, ch->lpid);
    st->states++;
    st->lazy_consumers += consumers;
    wake_ticks(k, l, x->op.end);
    return true;
}

static void invalidate(coh *k, hcall_ctx *x, const coh_change *ch)
{
    latr *l = k->sx;
    coh_lpar *lp = k->lp[ch->lpid];
    unsigned self = x->thread;
    bool runs_self = coh_runs(k, self, ch->lpid);
    /* relaxed: an unmap is lazy for the running threads too */
    bool lazy_running = !k->cfg.latr.strict && !ch->flush && ch->n && l->removed >= ch->n;
    l->removed = 0;
    if (runs_self) {
        op_charge(&x->op, COH_P_TLB, coh_tlbiel(k, self, ch));
        lp->st.tlbiel_local++;
    }
    uint64_t *mask = l->lazy, *now_ipi = l->now_ipi;
    memset(mask, 0, l->words * sizeof *mask);
    memset(now_ipi, 0, l->words * sizeof *now_ipi);
    unsigned lazy = 0;
    for (unsigned t = 0; t < l->nt; t++) {
        if (t == self && runs_self)
            continue;
        if (t != self && coh_runs(k, t, ch->lpid) && !lazy_running) {
            now_ipi[t / 64] |= 1ull << (t % 64);
        } else {
            mask[t / 64] |= 1ull << (t % 64);
            lazy++;
        }
    }
    if (lazy && !save(k, l, x, self, ch, mask, lazy)) {
        /* a full ring: every consumer of the change is interrupted */
        st_of(k, ch->lpid)->fallbacks++;
        for (unsigned w = 0; w < l->words; w++)
            now_ipi[w] |= mask[w];
        now_ipi[self / 64] &= ~(1ull << (self % 64)); /* its own TLB: a tlbiel, no interrupt */
        if (!runs_self) {
            op_charge(&x->op, COH_P_TLB, coh_tlbiel(k, self, ch));
            lp->st.tlbiel_local++;
        }
    }
    uint64_t w = coh_tlbiel_work(k, ch), targets = 0;
    for (unsigned t = 0; t < l->nt; t++)
        if (bit(now_ipi, t)) {
            coh_tlbiel(k, t, ch);
            coh_ipi_take(k, t, w);
            targets++;
        }
    coh_ipi_send(k, x, ch->lpid, targets, w);
}

/* ---- drain ---- */

/* Thread t's drain pass from o->end (LATR's native_flush_saved_states);
 * at_tick says which kind. skip: inject skip-dispatch-flush. */
static void drain(coh *k, latr *l, unsigned t, op_rec *o, bool at_tick, bool skip)
{
    const mem_port *port = k->h->env.ports[t];
    tlb *tb = k->h->env.tlbs[t];
    uint64_t cap = l->cap;
    l->gst.passes++;
    for (unsigned p = 0; p < l->nt; p++) {
        lt_ring *r = &l->ring[p];
        op_charge(o, COH_D_SCAN, mem_access(port, r->paddr, 16, MEM_READ, o->end));
        for (uint64_t i = r->start; i != r->end; i++) {
            lt_state *s = &r->s[i % cap];
            uint64_t a = state_paddr(l, p, i);
            op_charge(o, COH_D_SCAN, mem_access(port, a, 8, MEM_READ, o->end)); /* valid */
            if (!s->valid)
                continue;
            uint64_t mw = a + l->head_bytes + (uint64_t)(t / 64) * 8;
            op_charge(o, COH_D_SCAN, mem_access(port, mw, 8, MEM_READ, o->end));
            if (!bit(s->mask, t))
                continue;
            /* the state's translations, applied to t's TLB */
            op_charge(o, COH_D_SCAN,
                      mem_access(port, a, (uint32_t)(l->head_bytes > 128 ? 128 : l->head_bytes),
                                 MEM_READ, o->end));
            lt_stats *st = st_of(k, s->lpid);
            if (skip) {
                /* the broken build: the bit goes, the entries stay */
            } else if (s->flush) {
                op_charge(o, COH_D_FULL_FLUSH,
                          tlbiel_local(tb, s->lpid, NULL, NULL, 0xffffffffu, o->end));
                st->full_flushes++;
            } else {
                op_charge(o, COH_D_INVALIDATE, tlbiel_local(tb, s->lpid, s->vpn, s->ps, s->n,
                                                            o->end));
                st->applied_pages += s->n;
            }
            if (at_tick)
                st->tick_drains++;
            else
                st->dispatch_drains++;
            /* (a thread may drain at a tick before the cycle a thread
             * running ahead saved the state: no window then) */
            if (bit(s->ran, t))
                hist_add(&st->stale_window, o->end > s->saved ? o->end - s->saved : 0);
            s->mask[t / 64] &= ~(1ull << (t % 64));
            op_charge(o, COH_D_SCAN, mem_access(port, mw, 8, MEM_WRITE, o->end));
            if (--s->pending == 0) {
                s->valid = false;
                l->valid--;
                op_charge(o, COH_D_SCAN, mem_access(port, a, 8, MEM_WRITE, o->end));
                op_rec w;
                op_begin(&w, s->saved);
                op_charge(&w, 0, o->end > s->saved ? o->end - s->saved : 0);
                ops_record(k->h->env.ops, l->op_reuse, &w);
            }
        }
    }
    /* its own ring: the start moves over invalid states */
    lt_ring *own = &l->ring[t];
    bool moved = false;
    while (own->start != own->end && !own->s[own->start % cap].valid) {
        own->start++;
        moved = true;
    }
    if (moved)
        op_charge(o, COH_D_SCAN, mem_access(port, own->paddr, 16, MEM_WRITE, o->end));
}

static bool at_dispatch(coh *k, unsigned thread, unsigned lpid, op_rec *o)
{
    (void)lpid; /* a context switch drains every state naming the thread */
    latr *l = k->sx;
    drain(k, l, thread, o, false, k->cfg.inject == COH_INJECT_SKIP_DISPATCH_FLUSH);
    wake_ticks(k, l, o->start);
    return true;
}

/* ---- ticks ---- */

static uint64_t next_event(const coh *k)
{
    return ((const latr *)k->sx)->tick_next;
}

static int event(coh *k, uint64_t at, sim_err *e)
{
    (void)e;
    latr *l = k->sx;
    l->gst.ticks++;
    bool busy = false;
    for (unsigned t = 0; t < l->nt; t++) {
        cpu_thread *th = &k->h->env.threads[t];
        bool b = coh_busy(k, t);
        op_rec o;
        op_begin(&o, b && th->clock > at ? th->clock : at);
        drain(k, l, t, &o, true, false);
        ops_record(k->h->env.ops, k->op_drain, &o);
        if (b)
            th->clock = o.end;
        busy |= coh_busy(k, t);
    }
    l->tick_next = busy || l->valid ? at + l->tick : UINT64_MAX;
    return 0;
}

/* ---- the auditor's allowance (relaxed) ---- */

static bool pending(const coh *k, unsigned t, unsigned lpid, uint64_t vpn, unsigned psize)
{
    const latr *l = k->sx;
    uint64_t cap = l->cap;
    for (unsigned p = 0; p < l->nt; p++) {
        const lt_ring *r = &l->ring[p];
        for (uint64_t i = r->start; i != r->end; i++) {
            const lt_state *s = &r->s[i % cap];
            if (!s->valid || s->lpid != lpid || !bit(s->mask, t))
                continue;
            if (s->flush)
                return true;
            for (unsigned j = 0; j < s->n; j++)
                if (s->vpn[j] == vpn && s->ps[j] == psize)
                    return true;
        }
    }
    return false;
}

/* relaxed: which changes only remove translations (hyp_ext on_remove) */
static void on_remove(void *ctx, hcall_ctx *c, uint64_t ptex, hpte old, uint64_t real)
{
    (void)c, (void)ptex, (void)old, (void)real;
    ((latr *)ctx)->removed++;
}

/* ---- set-up ---- */

#define S(f) offsetof(lt_stats, f)
static const stat_desc stats[] = {
    {"states", SK_COUNTER, "states", "Lazy states saved for the LPAR's changes.", S(states),
     NULL},
    {"lazy_consumers", SK_COUNTER, "threads", "Consumer bits set in those states.",
     S(lazy_consumers), NULL},
    {"fallbacks", SK_COUNTER, "changes",
     "Changes that found the producer's ring full: every consumer interrupted instead.",
     S(fallbacks), NULL},
    {"tick_drains", SK_COUNTER, "drains", "Consumers that drained one of its states at a tick.",
     S(tick_drains), NULL},
    {"dispatch_drains", SK_COUNTER, "drains",
     "Consumers that drained one of its states when a vCPU was dispatched on them.",
     S(dispatch_drains), NULL},
    {"applied_pages", SK_COUNTER, "translations", "Translations those drains tlbiel'd.",
     S(applied_pages), NULL},
    {"full_flushes", SK_COUNTER, "drains",
     "Drains of a state that flushes the LPAR (an LPAR flush, or more translations than "
     "latr.state_pages): one tlbiel per TLB set.", S(full_flushes), NULL},
    {"stale_window", SK_HIST, "cycles",
     "latr.strict false: for each consumer running the LPAR when a state was saved, the cycles "
     "until it drained it (it could use the old translation meanwhile).", S(stale_window),
     NULL},
};
static const stat_table lpar_stat_table = {"coherency.latr", stats, PARAM_COUNT(stats)};

#define G(f) offsetof(lt_global, f)
static const stat_desc gstats[] = {
    {"ticks", SK_COUNTER, "ticks", "Drain ticks (every thread drains at each).", G(ticks), NULL},
    {"passes", SK_COUNTER, "passes", "Drain passes (a thread at a tick or a dispatch).",
     G(passes), NULL},
};
static const stat_table gstat_table = {"coherency.latr", gstats, PARAM_COUNT(gstats)};

static void fini(coh *k)
{
    latr *l = k->sx;
    for (unsigned i = 0; i < k->nlp; i++)
        if (k->lp[i] && k->lp[i]->sx) {
            hist_free(&((lt_lpar *)k->lp[i]->sx)->st.stale_window);
            free(k->lp[i]->sx);
            k->lp[i]->sx = NULL;
        }
    if (!l)
        return;
    if (l->ring)
        for (unsigned t = 0; t < l->nt; t++)
            free(l->ring[t].s);
    free(l->ring);
    free(l->vpn_pool);
    free(l->ps_pool);
    free(l->mask_pool);
    free(l->lazy);
    free(l);
    k->sx = NULL;
}

static int init(coh *k, sim_err *e)
{
    hyp *h = k->h;
    const coh_latr_config *c = &k->cfg.latr;
    latr *l = k->sx = calloc(1, sizeof *l);
    if (!l)
        return sim_errf(e, "out of host memory");
    l->nt = h->env.nthreads;
    l->words = (l->nt + 63) / 64;
    l->head_bytes = head_bytes(&k->cfg);
    l->state_bytes = state_bytes(&k->cfg);
    l->ring_bytes = ring_bytes(&k->cfg);
    l->cap = c->states;
    l->tick = c->tick_us * h->env.freq_mhz;
    if (!l->tick)
        l->tick = 1;
    l->tick_next = l->tick;
    uint64_t nst = (uint64_t)l->nt * c->states;
    l->ring = calloc(l->nt ? l->nt : 1, sizeof *l->ring);
    l->vpn_pool = calloc(nst * c->state_pages + 1, sizeof *l->vpn_pool);
    l->ps_pool = calloc(nst * c->state_pages + 1, 1);
    l->mask_pool = calloc(nst * 2 * (l->words ? l->words : 1) + 1, sizeof *l->mask_pool);
    l->lazy = calloc(2 * (l->words ? l->words : 1), sizeof *l->lazy);
    l->now_ipi = l->lazy ? l->lazy + (l->words ? l->words : 1) : NULL;
    if (!l->ring || !l->vpn_pool || !l->ps_pool || !l->mask_pool || !l->lazy)
        return sim_errf(e, "out of host memory for %llu LATR states",
                        (unsigned long long)nst);
    uint64_t base = lmb_hyp_alloc_top(&h->lmb, l->nt * l->ring_bytes, 128);
    if (base == UINT64_MAX)
        return sim_errf(e, "hypervisor memory is too small for the LATR rings (%llu bytes); "
                           "set hypervisor.memory to 0 (automatic)",
                        (unsigned long long)(l->nt * l->ring_bytes));
    uint64_t k_st = 0;
    for (unsigned t = 0; t < l->nt; t++) {
        lt_ring *r = &l->ring[t];
        r->paddr = base + t * l->ring_bytes;
        if (!(r->s = calloc(c->states, sizeof *r->s)))
            return sim_errf(e, "out of host memory");
        for (uint64_t i = 0; i < c->states; i++, k_st++) {
            r->s[i].vpn = l->vpn_pool + k_st * c->state_pages;
            r->s[i].ps = l->ps_pool + k_st * c->state_pages;
            r->s[i].mask = l->mask_pool + k_st * 2 * l->words;
            r->s[i].ran = r->s[i].mask + l->words;
        }
    }
    l->op_reuse = ops_declare(h->env.ops, "coherency.reuse_wait",
                              "latr: a lazy state from its save to its last consumer's drain, "
                              "the time LATR's lazy free list holds the pages it removed",
                              "wait");
    if (l->op_reuse == OP_INVALID ||
        stats_register(h->env.stats, "coherency.latr", &gstat_table, &l->gst) != 0)
        return sim_errf(e, "out of host memory");
    if (!c->strict) {
        hyp_ext x = {.ctx = l, .on_remove = on_remove};
        if (hyp_add_ext(h, &x) != 0)
            return sim_errf(e, "hypervisor.coherency.latr.strict: false needs an HPTE hook, but "
                               "no room is left for another");
    }
    return 0;
}

static int lpar_added(coh *k, unsigned lpid, sim_err *e)
{
    coh_lpar *lp = k->lp[lpid];
    lt_lpar *x = lp->sx = calloc(1, sizeof *x);
    if (!x)
        return sim_errf(e, "out of host memory");
    hist_init(&x->st.stale_window);
    snprintf(x->prefix, sizeof x->prefix, "%s.latr", lp->prefix);
    if (stats_register(k->h->env.stats, x->prefix, &lpar_stat_table, &x->st) != 0)
        return sim_errf(e, "out of host memory");
    return 0;
}

#define P(f) offsetof(coh_latr_config, f)
static const param_desc params[] = {
    {"states", PT_UINT, "states", "256", 2, 65536, NULL,
     "Lazy states in each hardware thread's ring (it holds states - 1, LATR's full-ring test); "
     "a change finding it full interrupts its consumers instead. Default: LATR's "
     "LAZY_TLB_NUM_ENTRIES, 256 (github sslab-gatech/latr, arch/x86/include/asm/tlbflush.h).",
     P(states), NULL},
    {"state_pages", PT_UINT, "translations", "12", 1, 1024, NULL,
     "Translations one state lists (its first line: a 32-byte header and 12 8-byte VPNs); a "
     "larger change is saved as 'flush the LPAR'. Assumption: LATR saves a range (start, end) "
     "and flushes the whole mm above the 33-page ceiling; HPT changes are not contiguous, so "
     "the state lists them.", P(state_pages), NULL},
    {"tick_us", PT_UINT, "us", "1000", 1, 1e9, NULL,
     "Period of the drain tick every thread runs. Default: the 1 ms scheduler tick LATR drains "
     "at (HZ = 1000; Kumar et al., ASPLOS'18).", P(tick_us), NULL},
    {"strict", PT_BOOL, "", "true", 0, 0, NULL,
     "true: strict PAPR, the threads running the LPAR are interrupted so that they are "
     "coherent when the hcall returns, only the others are lazy; false: LATR's own semantics, "
     "an unmap is lazy for running threads too (they may use the old translation until their "
     "next tick: the stale window is reported, the auditor counts such entries instead of "
     "stopping).", P(strict), NULL},
};
const param_table coh_latr_params = {"latr", sizeof(coh_latr_config), params,
                                     PARAM_COUNT(params),
                                     "Lazy per-thread states of strategy latr (LATR, ASPLOS'18)."};

const coh_strategy coh_latr = {
    .name = "latr",
    .filters = 1u << COH_FILTER_ALL,
    .why = "every thread is a consumer and drains its lazy states at its ticks and dispatches "
           "by itself; expected filter all",
    .marks = NULL,
    .invalidate = invalidate,
    .at_dispatch = at_dispatch,
};

const coh_strategy_ext coh_latr_ext = {
    .memory = memory,
    .create = init,
    .destroy = fini,
    .lpar_added = lpar_added,
    .next_event = next_event,
    .event = event,
    .pending = pending,
};
