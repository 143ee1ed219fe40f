/*
 * coherency_int.h - TLB coherency strategies (issue 11, seed 004), PAPR
 * mode: the LPAR's HPT is the primary data, the threads' TLBs are derived
 * from it. Private to sim/hyp/coherency.
 *
 * The feature replaces the coherency step of the hypervisor's invalidation
 * pipeline (inval.h, hyp_set_coherency): after HPTEs of an LPAR were
 * cleared or downgraded, coh_invalidate (coherency.c) hands the change to
 * the selected strategy, records op coherency.produce and lets the auditor
 * check. When the dispatcher puts a vCPU on a thread the core tells every
 * feature (hyp_vcpu_dispatched); a strategy that defers work (need_flush
 * marks) does it there, recorded as op coherency.drain.
 *
 * A strategy is one file (strategy_<name>.c) behind coh_strategy:
 *   filters     the filters it applies with (others are refused, naming
 *               the combination and why)
 *   marks       whether it marks threads need_flush with a config (its
 *               masks are then reserved in hypervisor memory)
 *   invalidate  make every TLB that may hold the change coherent, as the
 *               strategy does, before returning: strict PAPR, so every
 *               thread running a vCPU of the LPAR is coherent when the
 *               hcall returns; others may be left marked (coh_mark_others)
 *               and flushed at their next dispatch. Charges x->op's parts
 *               (COH_P_*): x is a copy of the hcall's context whose op is
 *               the coherency.produce record.
 *   at_dispatch a vCPU of lpid was put on `thread`: charge o's parts
 *               (COH_D_*) with what the thread does first (coh_drain_marks).
 * A strategy with state of its own (tlb-gen, latr) adds a
 * coh_strategy_hooks beside it: hypervisor memory, init/fini, per-LPAR
 * state, timed events (latr's ticks) and, for the auditor, the stale
 * entries its mode lets a running thread keep. The produce/drain part
 * lists grow with the strategies (at most OP_MAX_PARTS).
 *
 * Definitions used by every strategy:
 *  - a thread *runs* LPAR l when it is bound to a vCPU of l whose trace is
 *    not finished (coh_runs); only a running thread uses its TLB for l;
 *  - filter `all`: every hardware thread of the machine may hold any
 *    LPAR's entries (nothing records who filled what);
 *  - filter `running`: only the threads running the LPAR now are
 *    invalidated at once; every other thread is marked need_flush and
 *    flushes the LPAR's entries at its next dispatch of the LPAR.
 * Invariant (checked by the auditor, coherency_audit.c): after the step no
 * thread running the LPAR holds a TLB entry that disagrees with the HPT,
 * and no vCPU starts on a thread whose TLB holds such an entry of its LPAR.
 */
#ifndef LPARSIM_HYP_COHERENCY_INT_H
#define LPARSIM_HYP_COHERENCY_INT_H

#include "hyp/hyp_int.h"

typedef enum coh_strategy_kind {
    COH_EAGER_TLBIE = 0,  /* today's global tlbie (the default) */
    COH_EAGER_IPI = 1,    /* x86-style shootdown: interrupt each target, it tlbiels */
    COH_KVM_DEFERRED = 2, /* KVM Book3S HV: tlbiel where it runs, need_flush elsewhere */
    COH_TLB_GEN = 3,      /* Linux x86 tlb_gen: per-LPAR change log with a generation */
    COH_LATR = 4,         /* LATR: lazy per-thread states drained at ticks and dispatch */
    COH_NSTRATEGIES
} coh_strategy_kind;

typedef enum coh_filter { COH_FILTER_ALL = 0, COH_FILTER_RUNNING = 1, COH_NFILTERS } coh_filter;

/* Fault injection (tests of the auditor): a deliberately broken build. */
typedef enum coh_inject {
    COH_INJECT_NONE = 0,
    COH_INJECT_SKIP_DISPATCH_FLUSH = 1, /* a marked thread's flush at dispatch is skipped */
    COH_INJECT_SKIP_IPI_TLBIEL = 2,     /* the first IPI target acknowledges without tlbiel */
} coh_inject;

typedef struct coh_ipi_config {
    uint64_t base_cycles;       /* initiator: fixed part of the shootdown round trip */
    uint64_t per_target_cycles; /* initiator: each target */
    uint64_t handler_cycles;    /* target: taking the interrupt, before its tlbiel */
} coh_ipi_config;

/* hypervisor.coherency.tlb_gen.* (strategy_tlb_gen.c) */
typedef struct coh_tlb_gen_config {
    uint64_t log_size;    /* translations the log holds for one generation */
} coh_tlb_gen_config;

/* hypervisor.coherency.latr.* (strategy_latr.c) */
typedef struct coh_latr_config {
    uint64_t states;      /* states in each hardware thread's ring */
    uint64_t state_pages; /* translations one state lists */
    uint64_t tick_us;     /* period of the drain tick */
    bool strict;          /* running consumers interrupted (strict PAPR) */
} coh_latr_config;

typedef struct coh_config {
    bool enabled;         /* first field (feature.h) */
    unsigned strategy;    /* coh_strategy_kind */
    unsigned filter;      /* coh_filter */
    coh_ipi_config ipi;
    uint64_t max_threads; /* bits of each LPAR's need_flush mask in hypervisor memory */
    unsigned inject;      /* coh_inject */
    coh_tlb_gen_config tlb_gen;
    coh_latr_config latr;
} coh_config;

extern const param_table coherency_feature_params;
extern const param_table coh_tlb_gen_params, coh_latr_params; /* their strategy files */

/* Parts of op coherency.produce (the coherency step of one change). */
enum { COH_P_TLB = 0, COH_P_IPI = 1, COH_P_WAIT = 2, COH_P_MARK = 3, COH_P_QUEUE = 4 };
#define COH_PRODUCE_PARTS "tlb,ipi,wait,mark,queueing"
/* Parts of op coherency.drain (a dispatch's deferred work). */
enum { COH_D_SCAN = 0, COH_D_FULL_FLUSH = 1, COH_D_INVALIDATE = 2 };
#define COH_DRAIN_PARTS "scan,full_flush,invalidate"

/* Per LPAR: coherency.<lpar>.* */
typedef struct coh_lpar_stats {
    uint64_t invalidations;    /* coherency steps for its changes */
    uint64_t pages;            /* translations they named */
    uint64_t flushes;          /* steps for all of its entries */
    uint64_t tlbie_global;     /* global tlbie sequences issued */
    uint64_t tlbiel_local;     /* local tlbiels on the initiating thread */
    uint64_t interrupts_sent;  /* shootdown IPIs its changes sent */
    uint64_t interrupts_taken; /* IPIs taken by threads running its vCPUs */
    uint64_t interrupt_cycles; /* cycles its vCPUs lost to them */
    uint64_t marks;            /* threads newly marked need_flush */
    uint64_t dispatch_checks;  /* dispatches that read its need_flush bit */
    uint64_t dispatch_flushes; /* flushes of its entries done at a dispatch */
    uint64_t dispatch_flush_cycles;
    uint64_t dispatch_flushed_entries;
} coh_lpar_stats;

extern const stat_table coh_lpar_stat_table;

typedef struct coh_audit_stats {
    uint64_t checks;              /* coherency steps and dispatches audited */
    uint64_t tlb_entries_checked; /* TLB entries compared with the HPT */
    uint64_t violations;
    uint64_t stale_allowed;       /* stale entries a relaxed strategy still owes a drain */
} coh_audit_stats;

extern const stat_table coh_audit_stat_table;

typedef struct coh_lpar {
    char prefix[96];     /* "coherency.<name>" */
    uint64_t mask_paddr; /* its need_flush mask in hypervisor memory (deferring) */
    uint64_t *need;      /* host copy of the mask: a bit per hardware thread */
    coh_lpar_stats st;
    void *sx;            /* the strategy's own per-LPAR state (lpar_added hook) */
} coh_lpar;

/* One change handed to the coherency step: translations (vpns, psizes)
 * [0, n) of lpid, or all of lpid's entries (flush). */
typedef struct coh_change {
    unsigned lpid;
    const uint64_t *vpns;
    const uint8_t *psizes;
    unsigned n;
    bool flush;
} coh_change;

typedef struct coh coh;

typedef struct coh_strategy {
    const char *name;
    unsigned filters;   /* bit (1 << coh_filter) per filter it applies with */
    const char *why;    /* why the other filters do not apply (error message) */
    /* Does it mark threads need_flush with config c (the masks are then
     * reserved in hypervisor memory)? NULL: never. */
    bool (*marks)(const coh_config *c);
    void (*invalidate)(coh *k, hcall_ctx *x, const coh_change *ch);
    /* A vCPU of lpid was put on `thread`: charge o with what the thread
     * does first; true if it did anything (op coherency.drain recorded).
     * NULL: nothing at dispatch. */
    bool (*at_dispatch)(coh *k, unsigned thread, unsigned lpid, op_rec *o);
} coh_strategy;

/* The optional hooks of a strategy with state of its own (tlb-gen, latr;
 * any may be NULL), beside its coh_strategy. */
typedef struct coh_strategy_hooks {
    /* Hypervisor bytes its tables need for nlpars LPARs (memory_needed). */
    uint64_t (*memory)(const coh_config *c, unsigned nlpars);
    /* At create (k->cfg, k->h set): its state in k->sx, its ops; 0 or -1. */
    int (*init)(coh *k, sim_err *e);
    void (*fini)(coh *k);
    /* After coh_lpar_added made k->lp[lpid]: its per-LPAR state in sx. */
    int (*lpar_added)(coh *k, unsigned lpid, sim_err *e);
    /* Timed events (the feature's next_event/event). */
    uint64_t (*next_event)(const coh *k);
    int (*event)(coh *k, uint64_t at, sim_err *e);
    /* For the auditor: does thread t still owe a drain that names (lpid,
     * vpn, psize), which its mode lets it do after the hcall returns (a
     * stale window allowed, counted, not a violation)? */
    bool (*pending)(const coh *k, unsigned t, unsigned lpid, uint64_t vpn, unsigned psize);
} coh_strategy_hooks;

extern const coh_strategy coh_eager_tlbie, coh_eager_ipi, coh_kvm_deferred, coh_tlb_gen,
    coh_latr;
extern const coh_strategy_hooks coh_tlb_gen_hooks, coh_latr_hooks;

typedef struct coh_audit coh_audit;

struct coh {
    hyp *h;
    coh_config cfg;
    const coh_strategy *strat;
    const coh_strategy_hooks *hooks; /* never NULL (all-NULL hooks for none) */
    hyp_coherency_ops step;  /* what the pipeline calls (coh_invalidate) */
    bool defers;         /* strat->marks(cfg): masks in hypervisor memory */
    unsigned words;      /* 64-bit words of a need_flush mask (the machine's threads) */
    coh_lpar **lp;       /* by lpid, each allocated apart */
    unsigned nlp, caplp;
    op_id op_produce, op_drain;
    coh_audit *audit;    /* non-NULL while the auditor is on */
    coh_audit_stats ast;
    bool failed;
    sim_err err;
    void *sx;            /* the strategy's own state (init hook) */
};

/* ---- threads, local invalidation and need_flush marks (coherency_defer.c) ---- */

/* Does hardware thread t run a vCPU of lpid now (bound, trace not done)? */
bool coh_runs(const coh *k, unsigned t, unsigned lpid);
/* Does thread t run any vCPU now (its clock is what an interrupt delays)? */
bool coh_busy(const coh *k, unsigned t);
/* Cycles of a local tlbiel of the change on one TLB (the whole LPAR: one
 * tlbiel per set). */
uint64_t coh_tlbiel_work(const coh *k, const coh_change *ch);
/* Do the local tlbiel of the change on thread t's TLB; returns its cycles. */
uint64_t coh_tlbiel(coh *k, unsigned t, const coh_change *ch);
/* Mark every thread that does not run lpid now need_flush for lpid (KVM's
 * cpumask_setall minus the running ones): the mask's lines are written
 * through x's port (x's memory part). */
void coh_mark_others(coh *k, hcall_ctx *x, unsigned lpid);
/* At a dispatch of lpid on thread t: read its need_flush bit (scan) and,
 * if set, flush lpid's entries from t's TLB and clear it (full_flush). */
bool coh_drain_marks(coh *k, unsigned t, unsigned lpid, op_rec *o);

/* ---- shootdown interrupts (coherency_ipi.c) ---- */

/* Thread t takes a shootdown interrupt whose handler works `work` cycles
 * (its tlbiel or flush): a thread running a vCPU loses handler + work
 * (its clock; interrupts_taken, interrupt_cycles of that vCPU's LPAR), an
 * idle one absorbs it. Returns the cycles added to t's clock. */
uint64_t coh_ipi_take(coh *k, unsigned t, uint64_t work);
/* The initiator's side of a shootdown of `targets` threads whose slowest
 * handler works `work` cycles: parts ipi (base + per_target x targets) and
 * wait (work beyond the one-page flush the round trip includes) of x's op;
 * interrupts_sent of lpid. Nothing when targets is 0. */
void coh_ipi_send(coh *k, hcall_ctx *x, unsigned lpid, uint64_t targets, uint64_t work);

/* ---- the auditor (coherency_audit.c) ---- */

coh_audit *coh_audit_create(coh *k);
void coh_audit_destroy(coh_audit *a);
void coh_audit_hpte_listener(void *a, uint64_t hpte_paddr);
/* After a coherency step: the threads running ch->lpid hold no TLB entry
 * of the change that disagrees with the HPT. */
void coh_audit_after_step(coh *k, const coh_change *ch, unsigned thread, uint64_t at);
/* A vCPU of lpid starts on thread t: no entry of lpid in its TLB disagrees
 * with the HPT. */
void coh_audit_at_dispatch(coh *k, unsigned t, unsigned lpid, uint64_t at);

#endif
