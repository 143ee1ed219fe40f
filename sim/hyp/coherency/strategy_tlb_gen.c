/*
 * strategy_tlb_gen.c - S4, Linux x86's TLB generations (arch/x86/mm/tlb.c:
 * mm->context.tlb_gen bumped by every flush request, each CPU's
 * cpu_tlbstate.ctxs[asid].tlb_gen the generation its TLB is current with;
 * flush_tlb_func does the requested range flush when the CPU is exactly
 * one generation behind and the request is the newest, else a full flush
 * of the mm), mapped onto the PAPR hypervisor:
 *  - one change log per LPAR in hypervisor memory: a header line (the
 *    generation, and the log's lock) and the last generation's
 *    translations, up to tlb_gen.log_size (a larger change, or an LPAR
 *    flush, is logged as "flush everything"); producers serialise on the
 *    lock (part queueing of coherency.produce), bump the generation and
 *    write the log (part mark: a read and a write of the header, the
 *    log's lines);
 *  - a consumer is a hardware thread; its generation for the LPAR is a
 *    word of the LPAR's seen array in hypervisor memory;
 *  - strict PAPR (the rule of eager-ipi and kvm-deferred: a thread running
 *    the LPAR is coherent when the hcall returns): the initiator catches
 *    up locally if it runs the LPAR (part tlb), every other thread running
 *    it is interrupted and catches up in its handler (Linux's
 *    flush_tlb_others to mm_cpumask; costs coherency_ipi.c);
 *  - every other thread catches up at its next dispatch of the LPAR (as
 *    switch_mm_irqs_off compares the generations): op coherency.drain.
 * Catching up (tg_catch_up, through the thread's port): read the LPAR's
 * generation and the thread's own (part scan); current: nothing; exactly
 * one behind and the log holds translations: read them (scan) and tlbiel
 * each (part invalidate, a single apply); further behind, or a logged
 * flush: flush the LPAR's entries, one tlbiel per set (part full_flush);
 * then write the new generation (scan).
 * Approximations: a thread that never ran the LPAR has generation 0 and
 * does a full flush at its first dispatch once the LPAR has changed
 * (Linux flushes on a new ASID too); the log lock is a next-free time
 * (core/resource.h's rule), held from its taking (tlb_gen.lock_cycles)
 * through the header's read to its write.
 * Invariants: a running thread is current with its LPAR when the hcall
 * returns; a thread's generation never exceeds its LPAR's; a thread that
 * is exactly one behind never misses a translation of the newest change
 * (the log holds all of them, or the change is logged as a flush).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "coherency_int.h"

/* coherency.<lpar>.tlb_gen.* */
typedef struct tg_stats {
    uint64_t generations;   /* changes logged (the generation's value) */
    uint64_t logged_flushes; /* ... as "flush everything" (too large, or an LPAR flush) */
    uint64_t lock_waits, lock_wait_cycles;
    uint64_t current;       /* catch-ups that found the thread current */
    uint64_t single_applies; /* catch-ups exactly one behind that applied the log */
    uint64_t applied_pages; /* translations those tlbiel'd */
    uint64_t full_flushes;  /* catch-ups further behind (or a logged flush) */
} tg_stats;

typedef struct tg_lpar {
    uint64_t hdr, log, seen; /* real addresses: header line, log, seen array */
    uint64_t gen;            /* host copies of the memory */
    uint64_t *seen_gen;      /* per hardware thread */
    uint64_t *vpn;           /* the log: log_size translations */
    uint8_t *ps;
    unsigned n;
    bool flush;
    uint64_t lock_free;      /* the cycle the log's lock is free */
    char prefix[112];
    tg_stats st;
} tg_lpar;

static uint64_t lines(uint64_t bytes)
{
    return (bytes + 127) & ~127ull;
}

static uint64_t lpar_bytes(const coh_config *c)
{
    return 128 + lines(c->tlb_gen.log_size * 8) + lines(c->max_threads * 8);
}

static uint64_t memory(const coh_config *c, unsigned nlpars, const uint64_t *hpt_bytes)
{
    (void)hpt_bytes;
    return nlpars * lpar_bytes(c);
}

#define TG_ALL_PAGES 0xffffffffu

/* Thread t catches up with its LPAR's generation, through its port from
 * o->end (parts scan, invalidate, full_flush of coherency.drain). False if
 * it was current. skip: the broken build of inject skip-dispatch-flush
 * (the generation is taken without invalidating). */
static bool tg_catch_up(coh *k, unsigned t, unsigned lpid, op_rec *o, bool skip)
{
    tg_lpar *g = k->lp[lpid]->sx;
    const mem_port *port = k->h->env.ports[t];
    uint64_t mine = g->seen + 8ull * t;
    op_charge(o, COH_D_SCAN, mem_access(port, g->hdr, 8, MEM_READ, o->end));
    op_charge(o, COH_D_SCAN, mem_access(port, mine, 8, MEM_READ, o->end));
    if (g->seen_gen[t] == g->gen) {
        g->st.current++;
        return false;
    }
    tlb *tb = k->h->env.tlbs[t];
    if (skip) {
        /* nothing invalidated */
    } else if (g->seen_gen[t] + 1 == g->gen && !g->flush) {
        for (uint64_t off = 0; off < g->n * 8ull; off += 128)
            op_charge(o, COH_D_SCAN,
                      mem_access(port, g->log + off,
                                 (uint32_t)(g->n * 8ull - off < 128 ? g->n * 8ull - off : 128),
                                 MEM_READ, o->end));
        op_charge(o, COH_D_INVALIDATE, tlbiel_local(tb, lpid, g->vpn, g->ps, g->n, o->end));
        g->st.single_applies++;
        g->st.applied_pages += g->n;
    } else {
        op_charge(o, COH_D_FULL_FLUSH, tlbiel_local(tb, lpid, NULL, NULL, TG_ALL_PAGES, o->end));
        g->st.full_flushes++;
    }
    g->seen_gen[t] = g->gen;
    op_charge(o, COH_D_SCAN, mem_access(port, mine, 8, MEM_WRITE, o->end));
    return true;
}

static void invalidate(coh *k, hcall_ctx *x, const coh_change *ch)
{
    tg_lpar *g = k->lp[ch->lpid]->sx;
    /* the log: lock, generation + 1, translations, publish */
    if (g->lock_free > x->op.end) {
        uint64_t q = g->lock_free - x->op.end;
        op_charge(&x->op, COH_P_QUEUE, q);
        g->st.lock_waits++;
        g->st.lock_wait_cycles += q;
    }
    op_charge(&x->op, COH_P_MARK, k->cfg.tlb_gen.lock_cycles); /* the lock taken */
    hcall_mem(x, g->hdr, 8, MEM_READ);
    bool logged_flush = ch->flush || ch->n > k->cfg.tlb_gen.log_size;
    g->flush = logged_flush;
    g->n = logged_flush ? 0 : ch->n;
    for (unsigned i = 0; i < g->n; i++) {
        g->vpn[i] = ch->vpns[i];
        g->ps[i] = ch->psizes[i];
    }
    for (uint64_t off = 0; off < g->n * 8ull; off += 128)
        hcall_mem(x, g->log + off,
                  (uint32_t)(g->n * 8ull - off < 128 ? g->n * 8ull - off : 128), MEM_WRITE);
    g->gen++;
    hcall_mem(x, g->hdr, 8, MEM_WRITE);
    g->lock_free = x->op.end;
    g->st.generations++;
    g->st.logged_flushes += logged_flush;
    /* strict PAPR: the running threads are current before the hcall returns */
    unsigned self = x->thread;
    if (coh_runs(k, self, ch->lpid)) {
        op_rec o;
        op_begin(&o, x->op.end);
        tg_catch_up(k, self, ch->lpid, &o, false);
        op_charge(&x->op, COH_P_MARK, o.part[COH_D_SCAN]);
        op_charge(&x->op, COH_P_TLB, o.part[COH_D_INVALIDATE] + o.part[COH_D_FULL_FLUSH]);
        k->lp[ch->lpid]->st.tlbiel_local++;
    }
    uint64_t targets = 0, slowest = 0;
    for (unsigned t = 0; t < k->h->env.nthreads; t++) {
        if (t == self || !coh_runs(k, t, ch->lpid))
            continue;
        op_rec o;
        op_begin(&o, k->h->env.threads[t].clock);
        tg_catch_up(k, t, ch->lpid, &o, false);
        uint64_t work = o.end - o.start;
        coh_ipi_take(k, t, work);
        if (work > slowest)
            slowest = work;
        targets++;
    }
    coh_ipi_send(k, x, ch->lpid, targets, slowest);
}

static bool at_dispatch(coh *k, unsigned thread, unsigned lpid, op_rec *o)
{
    tg_catch_up(k, thread, lpid, o, k->cfg.inject == COH_INJECT_SKIP_DISPATCH_FLUSH);
    return true;
}

#define S(f) offsetof(tg_stats, f)
static const stat_desc stats[] = {
    {"generations", SK_COUNTER, "changes",
     "Changes logged: the LPAR's generation (each coherency step bumps it).", S(generations),
     NULL},
    {"logged_flushes", SK_COUNTER, "changes",
     "Changes logged as 'flush everything': an LPAR flush, or more translations than "
     "tlb_gen.log_size.", S(logged_flushes), NULL},
    {"lock_waits", SK_COUNTER, "changes", "Producers that waited for the log's lock.",
     S(lock_waits), NULL},
    {"lock_wait_cycles", SK_COUNTER, "cycles", "Cycles they waited.", S(lock_wait_cycles), NULL},
    {"current", SK_COUNTER, "catch-ups",
     "Catch-ups (dispatch or interrupt) that found the thread current.", S(current), NULL},
    {"single_applies", SK_COUNTER, "catch-ups",
     "Catch-ups exactly one generation behind that tlbiel'd the logged translations.",
     S(single_applies), NULL},
    {"applied_pages", SK_COUNTER, "translations", "Translations those single applies tlbiel'd.",
     S(applied_pages), NULL},
    {"full_flushes", SK_COUNTER, "catch-ups",
     "Catch-ups further behind (or of a logged flush) that flushed the LPAR's entries from the "
     "thread's TLB, one tlbiel per set.", S(full_flushes), NULL},
};
static const stat_table lpar_stat_table = {"coherency.tlb_gen", stats, PARAM_COUNT(stats)};

static int lpar_added(coh *k, unsigned lpid, sim_err *e)
{
    coh_lpar *lp = k->lp[lpid];
    tg_lpar *g = lp->sx = calloc(1, sizeof *g);
    uint64_t n = k->cfg.tlb_gen.log_size;
    if (!g || !(g->seen_gen = calloc(k->h->env.nthreads + 1, sizeof *g->seen_gen)) ||
        !(g->vpn = calloc(n, sizeof *g->vpn)) || !(g->ps = calloc(n, 1)))
        return sim_errf(e, "out of host memory");
    uint64_t b = lpar_bytes(&k->cfg), base = lmb_hyp_alloc_top(&k->h->lmb, b, 128);
    if (base == UINT64_MAX)
        return sim_errf(e, "hypervisor memory is too small for LPAR %u's change log (%llu "
                           "bytes); set hypervisor.memory to 0 (automatic)",
                        lpid, (unsigned long long)b);
    g->hdr = base;
    g->log = base + 128;
    g->seen = g->log + lines(n * 8);
    snprintf(g->prefix, sizeof g->prefix, "%s.tlb_gen", lp->prefix);
    if (stats_register(k->h->env.stats, g->prefix, &lpar_stat_table, &g->st) != 0)
        return sim_errf(e, "out of host memory");
    return 0;
}

static void fini(coh *k)
{
    for (unsigned i = 0; i < k->nlp; i++) {
        tg_lpar *g = k->lp[i] ? k->lp[i]->sx : NULL;
        if (g) {
            free(g->seen_gen);
            free(g->vpn);
            free(g->ps);
            free(g);
            k->lp[i]->sx = NULL;
        }
    }
}

#define P(f) offsetof(coh_tlb_gen_config, f)
static const param_desc params[] = {
    {"log_size", PT_UINT, "translations", "33", 1, 4096, NULL,
     "Translations the LPAR's change log holds for one generation; a larger change is logged "
     "as 'flush everything'. Default: Linux x86's tlb_single_page_flush_ceiling, 33 pages "
     "(arch/x86/mm/tlb.c), above which flush_tlb_mm_range flushes the whole mm.",
     P(log_size), NULL},
    {"lock_cycles", PT_UINT, "cycles", "100", 0, 1e6, NULL,
     "Taking the log's lock (an uncontended lwarx/stwcx. pair with its barriers), beyond the "
     "header line's accesses, which the memory model charges; the lock is held from then to "
     "the header's write (the log's update), and a producer arriving meanwhile waits (part "
     "queueing). Default: the design note's channel.lock_cycles proposal, an assumption.",
     P(lock_cycles), NULL},
};
const param_table coh_tlb_gen_params = {
    "tlb_gen", sizeof(coh_tlb_gen_config), params, PARAM_COUNT(params),
    "The per-LPAR change log of strategy tlb-gen (Linux x86 TLB generations)."};

const coh_strategy coh_tlb_gen = {
    .name = "tlb-gen",
    .filters = 1u << COH_FILTER_ALL,
    .why = "it interrupts the threads running the LPAR and every other thread catches up by "
           "generation at its next dispatch by itself; expected filter all",
    .marks = NULL,
    .invalidate = invalidate,
    .at_dispatch = at_dispatch,
};

const coh_strategy_ext coh_tlb_gen_ext = {
    .memory = memory,
    .lpar_added = lpar_added,
    .destroy = fini,
};
