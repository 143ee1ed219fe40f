/*
 * dispatch_int.h - the shared-processor dispatcher's state (sim/hyp/dispatch
 * only). See dispatch.c for the policy and its invariants.
 */
#ifndef LPARSIM_HYP_DISPATCH_INT_H
#define LPARSIM_HYP_DISPATCH_INT_H

#include "hyp/hyp_int.h"

#define DISPATCH_MAX_SMT 8

typedef struct dispatch_config {
    bool enabled;              /* first field (feature.h) */
    uint64_t wheel_us;         /* dispatch wheel period */
    uint64_t slice_us;         /* longest slice on unused (uncapped) capacity */
    uint64_t switch_cycles;    /* compute per thread switched */
    uint64_t save_bytes;       /* architected state saved/restored per vCPU */
    uint64_t max_vcpus;        /* shared vCPUs the save areas hold */
    char *pool;                /* "0-7,12": the pool's cores; "" = automatic */
    char *dtl;                 /* dispatch trace log CSV file; "" = none */
} dispatch_config;

extern const param_table dispatch_feature_params;

/* Per shared LPAR: lparcfg-style statistics. */
typedef struct dispatch_lpar_stats {
    uint64_t entitled_cycles;  /* entitlement x cycles elapsed */
    uint64_t consumed_cycles;  /* core cycles its virtual processors were dispatched (PURR) */
    uint64_t dispatches;       /* virtual processors put on a core */
    uint64_t dispersions;      /* ... on another core than the last time */
    uint64_t preemptions;      /* taken off a core while it still had work */
    uint64_t cedes, confers, prods, interrupts;
} dispatch_lpar_stats;

extern const stat_table dispatch_lpar_stat_table;

typedef struct dlpar {
    unsigned lpid;
    double entitlement;
    bool capped;
    uint64_t weight;
    char prefix[96];           /* "dispatch.<name>" */
    dispatch_lpar_stats st;
} dlpar;

/* A shared vCPU: running (when its VP is dispatched), or waiting (ceded,
 * blocked) until wake_at or a prod / an interrupt. */
typedef struct dvcpu {
    cpu_vcpu *v;
    unsigned vp, slot;         /* its VP and thread within it */
    bool waiting;
    bool blocked;              /* a timed wait: only wake_at ends it */
    uint64_t wake_at;          /* UINT64_MAX: only a prod or an interrupt */
    uint64_t woke_at;          /* woken, not yet running again (UINT64_MAX: no) */
    int thread;                /* the hardware thread running it, or -1 */
    uint64_t run_from;         /* ... since this cycle */
    uint64_t ran;              /* cycles on a thread in earlier runs */
    uint8_t off_why;           /* DTL_OFF_*: why it last left a thread */
    uint8_t wake_why;          /* DTL_ON_* of its pending wake, or 0 */
    uint64_t wait_from;        /* ceded / blocked since */
    uint64_t waited;           /* ... until its wake (for the log) */
    bool irq_pending;          /* interrupted while its VP was off a core: taken
                                  when next dispatched */
} dvcpu;

/* A virtual processor: up to threads_per_core vCPUs dispatched together. */
typedef struct dvp {
    unsigned lp;               /* index into the dispatcher's LPARs */
    unsigned index;            /* within its LPAR */
    cpu_vcpu *v[DISPATCH_MAX_SMT];
    unsigned dv[DISPATCH_MAX_SMT]; /* their dvcpu indices */
    unsigned nv;
    int core;                  /* pool index while dispatched, else -1 */
    int last_core;
    uint64_t per_wheel;        /* entitled core cycles per wheel period */
    uint64_t budget;           /* entitled cycles left in this period */
    uint64_t pass;             /* stride-scheduling pass for unused capacity */
    uint64_t ready_since;      /* runnable and waiting since */
    uint64_t save_paddr;       /* save areas of its vCPUs */
    bool ran;                  /* has been on a core (has state to restore) */
    bool conferred;            /* its slice ended by H_CONFER */
} dvp;

typedef struct dcore {
    unsigned core;             /* global core index */
    int vp;                    /* dispatched virtual processor, or -1 */
    int prev_vp;               /* the last one it ran (state still in its threads) */
    uint64_t start, end;       /* the current slice */
    bool entitled;             /* on entitled capacity (else: unused capacity) */
} dcore;

typedef struct dispatch {
    hyp *h;
    dispatch_config cfg;
    uint64_t wheel, slice_max; /* cycles */
    uint64_t wheel_end;
    uint64_t save_base;        /* hypervisor memory for save areas */
    dlpar *lp;
    unsigned nlp;
    dvp *vp;
    unsigned nvp;
    dvcpu *dv;
    unsigned ndv;
    uint64_t resched_at;       /* a VP went idle or woke: dispatch again then */
    char *pool_spec;           /* hypervisor.dispatch.pool (owned); NULL: automatic */
    dcore *pool;               /* ascending global core index */
    unsigned npool;
    bool started;
    op_id op_switch, op_wait, op_wake;
    struct dispatch_dtl *dtl;  /* the dispatch trace log, or NULL */
    uint8_t why_on, why_off;   /* the reasons of the switch being made */
    uint64_t enq_wait;         /* its VP's wait for a core (dispatches) */
} dispatch;

/* Dispatch trace log reasons (dispatch_dtl.c names them). */
enum { DTL_ON_ENTITLED = 1, DTL_ON_UNCAPPED, DTL_ON_PROD, DTL_ON_INTERRUPT, DTL_ON_TIMER };
enum { DTL_OFF_NONE = 0, DTL_OFF_CEDE, DTL_OFF_BLOCK, DTL_OFF_SLICE, DTL_OFF_CONFER };

/* dispatch_dtl.c: hypervisor.dispatch.dtl. open: at start (0, or -1 with
 * e naming the key); row: vCPU x put on thread t at `at`; finish: write
 * it into place; close: abandon it (a failed run). */
int dispatch_dtl_open(dispatch *d, sim_err *e);
void dispatch_dtl_row(dispatch *d, const dvcpu *x, unsigned thread, uint64_t at);
int dispatch_dtl_finish(dispatch *d, sim_err *e);
void dispatch_dtl_close(dispatch *d);

/* A shared vCPU as the dispatch driver sees it. */
typedef struct dispatch_vcpu_view {
    int thread;                /* the hardware thread running it, or -1 */
    uint64_t ran;              /* cycles it has held a thread, up to that thread's clock */
    uint64_t run_from;         /* when running: the cycle this run began */
    uint64_t ran_before;       /* ... and the cycles of its earlier runs */
    bool waiting;              /* ceded or blocked */
    uint64_t wake_at;          /* when waiting: its timed wake (UINT64_MAX: a prod) */
} dispatch_vcpu_view;

/* vCPU `vcpu` of lpid: 0, or -1 if it is not a shared vCPU. */
int dispatch_vcpu(const dispatch *d, unsigned lpid, unsigned vcpu, dispatch_vcpu_view *out);
/* Build d->pool (dispatch_pool.c): hypervisor.dispatch.pool's cores, or
 * every core none of whose threads runs a dedicated vCPU when it is empty;
 * the explicit list is checked against the machine (syntax, range,
 * duplicates, dedicated threads). Errors name hypervisor.dispatch.pool. */
int dispatch_build_pool(dispatch *d, sim_err *e);
/* Memory affinity (dispatch_pool.c, docs/dispatch.md): the free pool core
 * for VP vp of an LPAR with home nodes: its last core when free and on a
 * home node, else the first free pool core on a home node; -1 when none
 * is free or the LPAR has no home nodes (the usual choice then). */
int dispatch_home_core(const dispatch *d, const dvp *vp);

#endif
