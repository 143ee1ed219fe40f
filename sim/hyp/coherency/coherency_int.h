/*
 * coherency_int.h - TLB coherency strategies (issue 11, seed 004), PAPR
 * mode: the LPAR's HPT is the primary data, the threads' TLBs are derived
 * from it; mode remap (coherency_remap.c) adds the hypervisor's own page
 * relocations, deferred behind a reuse gate. Private to sim/hyp/coherency.
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
 * A strategy with state of its own (tlb-gen, latr, patch-channel) adds a
 * coh_strategy_ext beside it: hypervisor memory, create/destroy, per-LPAR
 * state, its op part lists, timed events (latr's ticks) and, for the
 * auditor, the stale entries its mode lets a running thread keep. The produce/drain part
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

#include "core/u64map.h"
#include "hyp/hyp_int.h"

typedef enum coh_strategy_kind {
    COH_EAGER_TLBIE = 0,  /* today's global tlbie (the default) */
    COH_EAGER_IPI = 1,    /* x86-style shootdown: interrupt each target, it tlbiels */
    COH_KVM_DEFERRED = 2, /* KVM Book3S HV: tlbiel where it runs, need_flush elsewhere */
    COH_TLB_GEN = 3,      /* Linux x86 tlb_gen: per-LPAR change log with a generation */
    COH_LATR = 4,         /* LATR: lazy per-thread states drained at ticks and dispatch */
    COH_PATCH_CHANNEL = 5, /* the patent: producer x consumer patch channels (channel_int.h) */
    COH_NSTRATEGIES
} coh_strategy_kind;

typedef enum coh_filter {
    COH_FILTER_ALL = 0,
    COH_FILTER_RUNNING = 1,
    COH_FILTER_TRACKED = 2, /* the threads that filled the HPTE (coherency_tracked.c) */
    COH_NFILTERS
} coh_filter;

/* Fault injection (tests of the auditor): a deliberately broken build. */
typedef enum coh_inject {
    COH_INJECT_NONE = 0,
    COH_INJECT_SKIP_DISPATCH_FLUSH = 1, /* a marked thread's flush at dispatch is skipped */
    COH_INJECT_SKIP_IPI_TLBIEL = 2,     /* the first IPI target acknowledges without tlbiel */
    /* patch-channel (channel_int.h) */
    COH_INJECT_SKIP_DRAIN = 3,          /* each drain frees its first patch without its tlbiel */
    COH_INJECT_PUBLISH_FIRST = 4,       /* the primary HPTE is stored again after its patch */
    COH_INJECT_OVERWRITE_FULL = 5,      /* a full channel's newest patch is overwritten */
    COH_INJECT_SKIP_FALLBACK = 6,       /* the overflow fallback issues no tlbie */
    COH_INJECT_SKIP_SHADOW_UPDATE = 7,  /* mode shadow: a drain leaves the shadow HPTE as it was */
    /* mode remap (coherency_remap.c) */
    COH_INJECT_REUSE_BEFORE_DRAIN = 8,  /* a relocation completes (old page freed) undrained */
} coh_inject;

/* hypervisor.coherency.mode: which data is primary and which derived (the
 * notes' table "Three modes of the model"). */
typedef enum coh_mode {
    COH_MODE_PAPR = 0,   /* the LPAR's HPT primary, thread TLBs derived (hcall producers) */
    COH_MODE_REMAP = 1,  /* hypervisor-initiated remaps: reuse waits for every drain */
    COH_MODE_SHADOW = 2, /* guest page table primary, shadow HPT + TLBs derived */
    COH_NMODES
} coh_mode;

typedef struct coh_ipi_config {
    uint64_t base_cycles;       /* initiator: fixed part of the shootdown round trip */
    uint64_t per_target_cycles; /* initiator: each target */
    uint64_t handler_cycles;    /* target: taking the interrupt, before its tlbiel */
} coh_ipi_config;

/* hypervisor.coherency.tlb_gen.* (strategy_tlb_gen.c) */
typedef struct coh_tlb_gen_config {
    uint64_t log_size;    /* translations the log holds for one generation */
    uint64_t lock_cycles; /* taking the log's lock (beyond its line's accesses) */
} coh_tlb_gen_config;

/* hypervisor.coherency.latr.* (strategy_latr.c) */
typedef struct coh_latr_config {
    uint64_t states;      /* states in each hardware thread's ring */
    uint64_t state_pages; /* translations one state lists */
    uint64_t tick_us;     /* period of the drain tick */
    bool strict;          /* running consumers interrupted (strict PAPR) */
} coh_latr_config;
/* hypervisor.coherency.channel.* (patch-channel; channel_config.c) */
typedef struct coh_channel_config {
    uint64_t patches;            /* K: patches per channel (a ring) */
    bool derived_value;          /* patches carry the new HPTE (394D) */
    bool usefulness;             /* patches carry the LPAR's change generation (394E) */
    bool coalesce;               /* a change already pending in the channel updates it */
    bool postpone;               /* leave patches not due at an event (868/870) */
    unsigned running;            /* coh_channel_running: consumers running the LPAR now */
    uint64_t max_threads;        /* matrix dimension the hypervisor memory is sized for */
    uint64_t remote_line_cycles; /* a channel line last written by another core */
    uint64_t ptesync_cycles;     /* the primary made visible before the first patch */
} coh_channel_config;

/* hypervisor.coherency.shadow.* (mode shadow; coherency_shadow_config.c) */
typedef struct coh_shadow_config {
    uint64_t entries;           /* guest PTEs per LPAR the bookkeeping is sized for */
    uint64_t trap_entry_cycles; /* a traced store or a guest tlbiel enters the hypervisor */
    uint64_t trap_exit_cycles;
    uint64_t emulate_cycles;    /* decoding the trapped instruction */
} coh_shadow_config;

typedef enum coh_channel_running { COH_RUNNING_TLBIE = 0, COH_RUNNING_DOORBELL = 1 } coh_channel_running;

typedef struct coh_config {
    bool enabled;         /* first field (feature.h) */
    unsigned strategy;    /* coh_strategy_kind */
    unsigned filter;      /* coh_filter */
    unsigned mode;        /* coh_mode */
    coh_ipi_config ipi;
    uint64_t max_threads; /* bits of each LPAR's need_flush mask in hypervisor memory */
    unsigned inject;      /* coh_inject */
    coh_tlb_gen_config tlb_gen;
    coh_latr_config latr;
    coh_channel_config channel;
    bool drain_at_entry;  /* E3: drain at every hypervisor entry (coherency_events.c) */
    coh_shadow_config shadow;
} coh_config;

extern const param_table coh_channel_params;
/* channel_config.c: the first channel.* key not at its default, or NULL. */
const char *coh_channel_key_set(const coh_channel_config *c);

extern const param_table coherency_feature_params;
extern const param_table coh_tlb_gen_params, coh_latr_params; /* their strategy files */
extern const param_table coh_shadow_params; /* coherency_shadow_config.c */

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
    uint64_t tracked_paddr; /* filter tracked: its per-HPTE filled-by records */
    void *sx;            /* the strategy's per-LPAR state (coh_strategy.lpar_added) */
    coh_lpar_stats st;
} coh_lpar;

/* One change handed to the coherency step: translations (vpns, psizes)
 * [0, n) of lpid, or all of lpid's entries (flush). */
typedef struct coh_change {
    unsigned lpid;
    const uint64_t *vpns;
    const uint8_t *psizes;
    unsigned n;
    bool flush;
    const uint64_t *ptexs; /* the HPTE slot of each translation (NULL: unknown, or a flush) */
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

/* What a strategy may add (coherency.c's table by strategy kind; none: the
 * defaults). Every member is optional (zero/NULL: the default). */
typedef struct coh_strategy_ext {
    const char *produce_parts; /* op coherency.produce's parts (NULL: COH_PRODUCE_PARTS) */
    unsigned produce_queue;    /* index of part queueing in produce_parts */
    const char *drain_parts;   /* op coherency.drain's parts (NULL: COH_DRAIN_PARTS) */
    /* Does it leave threads that do not run the LPAR to a later event with
     * config c (refused beside a driver whose LPARs are never dispatched)?
     * NULL: when it marks or catches up at dispatch. */
    bool (*defers)(const coh_config *c);
    /* Hypervisor bytes of its own tables for these LPARs (c->max_threads
     * resolved to the machine's threads when 0). */
    uint64_t (*memory)(const coh_config *c, unsigned nlpars, const uint64_t *hpt_bytes);
    /* Its state (k->sx), checks of the config against the machine; errors
     * name their key. Undone by destroy (also after a failed create). */
    int (*create)(coh *k, sim_err *e);
    void (*destroy)(coh *k);
    /* Per-LPAR state (k->lp[lpid]->sx), its tables in hypervisor memory. */
    int (*lpar_added)(coh *k, unsigned lpid, sim_err *e);
    /* Timed events (the feature's next_event/event). */
    uint64_t (*next_event)(const coh *k);
    int (*event)(coh *k, uint64_t at, sim_err *e);
    /* For the auditor: does thread t still owe a drain that names (lpid,
     * vpn, psize), which its mode lets it do after the hcall returns (a
     * stale window allowed, counted, not a violation)? */
    bool (*pending)(const coh *k, unsigned t, unsigned lpid, uint64_t vpn, unsigned psize);
} coh_strategy_ext;

extern const coh_strategy coh_eager_tlbie, coh_eager_ipi, coh_kvm_deferred, coh_tlb_gen,
    coh_latr, coh_patch_channel;
extern const coh_strategy_ext coh_tlb_gen_ext, coh_latr_ext, coh_patch_channel_ext;

typedef struct coh_audit coh_audit;

/* coherency.events.*: drains by coherency event (coherency_events.c). */
typedef struct coh_event_stats {
    uint64_t dispatch_drains; /* E2: coherency.drain ops at a vCPU's dispatch */
    uint64_t entry_drains;    /* E3: ... at an hcall's entry */
    uint64_t wake_drains;     /* E3: ... at a wake-up in place (a dedicated vCPU's H_CEDE) */
    uint64_t entry_cycles;    /* cycles of the E3 drains (in the hcalls' coherency part) */
} coh_event_stats;

/* coherency.remap.* (mode remap; coherency_remap.c) */
typedef struct coh_remap_stats {
    uint64_t gates;          /* old real pages gated (relocations) */
    uint64_t gates_open;     /* ... that no thread owed a drain when gated */
    uint64_t forced;         /* gates forced open (doorbells sent) */
    uint64_t forced_threads; /* doorbells those sent */
    uint64_t reuses;         /* pool pages given out again */
    uint64_t stale_allowed;  /* stale entries of running threads the gate allowed after a step */
} coh_remap_stats;

struct coh {
    hyp *h;
    coh_config cfg;
    const coh_strategy *strat;
    const coh_strategy_ext *ext; /* never NULL (an empty one: the defaults) */
    hyp_coherency_ops step;  /* what the pipeline calls (coh_invalidate) */
    bool defers;         /* strat->marks(cfg): masks in hypervisor memory */
    unsigned words;      /* 64-bit words of a need_flush mask (the machine's threads) */
    coh_lpar **lp;       /* by lpid, each allocated apart */
    unsigned nlp, caplp;
    op_id op_produce, op_drain;
    void *sx;            /* the strategy's state (coh_strategy.create) */
    coh_audit *audit;    /* non-NULL while the auditor is on */
    void *shx;           /* mode shadow's state (shadow_int.h), else NULL */
    /* mode remap (coherency_remap.c) */
    bool hyp_change;     /* a hypervisor-initiated change is in its coherency step */
    op_id op_reuse;      /* coherency.reuse_wait (mode remap) */
    u64map owner;        /* real page number -> owner lpid, or COH_POOL (the driver's pages) */
    coh_remap_stats rst;
    coh_audit_stats ast;
    coh_event_stats est;
    bool failed;
    sim_err err;
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
/* ---- filter tracked: per-HPTE filled-by records (coherency_tracked.c) ---- */

/* Hypervisor bytes of the records for LPARs with these HPTs. */
uint64_t coh_tracked_memory(unsigned nlpars, const uint64_t *hpt_bytes);
/* Start recording fills (a TLB-fill listener); 0 or -1 (no room). */
int coh_tracked_start(coh *k);
void coh_tracked_stop(coh *k);
int coh_tracked_lpar(coh *k, unsigned lpid, sim_err *e);
/* The record of translation i of the change: bit (t % 64) set when
 * thread t may hold it (read through x's port, part x->p_memory); all ones
 * for a flush or when the slot is unknown. */
uint64_t coh_tracked_read(coh *k, hcall_ctx *x, const coh_change *ch, unsigned i);
/* Forget who filled translation i (the change is dealt with everywhere):
 * the record is cleared through x's port. */
void coh_tracked_clear(coh *k, hcall_ctx *x, const coh_change *ch, unsigned i);
static inline bool coh_tracked_has(uint64_t rec, unsigned t)
{
    return rec >> (t % 64) & 1;
}

/* ---- coherency events E2/E3 (coherency_events.c) ---- */

/* Register coherency.events.*; 0 or -1 (host memory). */
int coh_events_start(coh *k);
/* The core's hyp_entered hook (feature.h): E3. */
void coh_entered(void *vk, hcall_ctx *c, unsigned why);
/* The part of c's op the coherency feature charges (its hcall part
 * `coherency`), or UINT_MAX when the op has none. */
unsigned coh_hcall_part(const hcall_ctx *c);
/* ---- mode remap: hypervisor-initiated relocations and the reuse gate
 * (coherency_remap.c; the driver's pattern remap is the producer) ---- */

#define COH_POOL UINT32_MAX /* owner of a real page in the hypervisor's free pool */

/* Is a change now in its coherency step deferrable for running consumers
 * too (mode remap, hypervisor-initiated: the hypervisor controls reuse)? */
static inline bool coh_defer_running(const coh *k)
{
    return k->cfg.mode == COH_MODE_REMAP && k->hyp_change;
}
/* Mode remap: the strategy/filter combinations that do not apply; NULL or
 * why not (an error message's tail). */
const char *coh_remap_refusal(const coh_config *c);
int coh_remap_create(coh *k, sim_err *e);
void coh_remap_destroy(coh *k);
/* Does thread t still owe a drain that names translation (lpid, vpn,
 * psize): a pending patch (patch-channel), a need_flush mark
 * (kvm-deferred)? Host side, no cycles. */
bool coh_remap_owes(const coh *k, unsigned t, unsigned lpid, uint64_t vpn, unsigned psize);
/* The threads that owe it: bit t of mask (k->words words); their count. */
unsigned coh_remap_owers(const coh *k, unsigned lpid, uint64_t vpn, unsigned psize,
                         uint64_t *mask);
/* The gate must open now: every thread of mask that still owes a drain of
 * (lpid, vpn, psize) is sent a doorbell (ipi.* costs: the round trip, base_cycles +
 * per_target_cycles x targets + the slowest drain beyond one tlbiel, is
 * returned for the caller to charge) and drains at once (op
 * coherency.drain; the target loses ipi.handler_cycles + its drain). The
 * forcing thread `self` drains its own column without a doorbell (its
 * drain is added to the returned cycles). Bits of threads done are
 * cleared. */
uint64_t coh_remap_force(coh *k, unsigned lpid, uint64_t vpn, unsigned psize, uint64_t *mask,
                         uint64_t now, unsigned self);
/* Real page rpn now belongs to owner (an lpid or COH_POOL); when it is
 * taken from the pool for new_owner (a reuse) the auditor checks I2 and
 * I6 against its last translation (lpid, vpn, psize) first. */
void coh_remap_owner(coh *k, uint64_t rpn, unsigned owner);
void coh_remap_reuse(coh *k, uint64_t rpn, unsigned last_lpid, uint64_t last_vpn,
                     unsigned last_psize, unsigned new_owner, uint64_t at);
/* patch-channel's side (channel.c, strategy_patch_channel.c) */
bool pc_owes(const coh *k, unsigned t, unsigned lpid, uint64_t vpn, unsigned psize);
void pc_force_drain(coh *k, unsigned t, unsigned lpid, op_rec *o);
/* kvm-deferred in mode remap (coherency_defer.c): mark every thread but
 * `self` when it runs lpid (UINT_MAX: none), running ones too. */
void coh_mark_except(coh *k, hcall_ctx *x, unsigned lpid, unsigned self);

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
/* Mode remap (coherency_audit_remap.c): I6 at a dispatch (no entry of
 * lpid in t's TLB reaches a page another owner holds), and I2 + I6 when
 * real page rpn is reused for new_owner (no TLB maps it, no undrained
 * patch names its last translation). */
void coh_audit_owner_at_dispatch(coh *k, unsigned t, unsigned lpid, uint64_t at);
void coh_audit_reuse(coh *k, uint64_t rpn, unsigned last_lpid, uint64_t last_vpn,
                     unsigned last_psize, unsigned new_owner, uint64_t at);
/* I2's copy after drain: real page rpn is about to be copied (a
 * relocation completes): no TLB maps it. */
void coh_audit_copy(coh *k, uint64_t rpn, uint64_t at);

#endif
