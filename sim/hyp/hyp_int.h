/*
 * hyp_int.h - private layout of the hypervisor object, shared by the core's
 * files (hyp.c, hcall_hpt.c, inval.c, platform.c, rmap.c) and the feature
 * folders (which may include it; never included outside sim/hyp).
 */
#ifndef LPARSIM_HYP_INT_H
#define LPARSIM_HYP_INT_H

#include "core/u64map.h"
#include "feature.h"
#include "hcall.h"
#include "hyp.h"
#include "inval.h"
#include "lmb.h"
#include "rmap.h"

#define HYP_MAX_HCALLS 128
#define HYP_MAX_EXTS 8
#define HYP_MAX_LISTENERS 8

typedef struct hyp_lpar {
    char *name;
    uint64_t memory;        /* bytes */
    uint64_t nlmbs;
    uint64_t lmbtab_paddr;  /* real address of the LMB table (8 B per LMB) */
    uint64_t *lmb_base;     /* host copy of the table (real base per LMB) */
    uint64_t rmap_paddr;    /* reverse-map tables (heads, revmap) when charged */
    hpt hpt;
    hyp_procs procs;        /* dedicated unless set (hyp_lpar_set_procs) */
    cpu_vcpu **vcpus;       /* its vCPUs in index order (owned by the machine) */
    unsigned *vcpu_thread;  /* the thread a dedicated vCPU owns, else HYP_NO_THREAD */
    unsigned nvcpus;
    bool shared;            /* shared memory: no LMBs, a feature backs it */
    unsigned memory_weight; /* shared memory: 0..255 */
    unsigned nhome;         /* home nodes (hyp_home.c); 0: none */
    unsigned *home;         /* nhome processor modules */
    uint64_t *home_pages;   /* desired 4K pages on each home node */
    u64map crit;            /* registered critical areas (hcall_crit.c) */
} hyp_lpar;

typedef struct hyp_hcall_entry {
    uint64_t opcode;
    hcall_fn fn;
    void *fs;               /* owning feature's state (NULL: core) */
    op_id op;
    unsigned p_features;    /* hcall_ctx.p_features of its calls */
} hyp_hcall_entry;

typedef struct hyp_stats {
    uint64_t hcalls;
    uint64_t hcall_errors;      /* returned something other than H_SUCCESS */
    uint64_t hcalls_unsupported;/* H_FUNCTION: no such hcall */
    uint64_t hptes_inserted;
    uint64_t hptes_removed;
} hyp_stats;

/* interrupts.* (irq.c) */
typedef struct hyp_irq_stats {
    uint64_t raised[HYP_IRQ_KINDS];  /* by kind (hyp_irq_kind order) */
    uint64_t doorbell_msgsnd;        /* doorbells to a vCPU that is not a sibling */
} hyp_irq_stats;

typedef struct hyp_listener {
    hyp_hpte_listener fn;
    void *ctx;
} hyp_listener;

typedef struct hyp_fill_entry {
    hyp_fill_listener fn;
    void *ctx;
} hyp_fill_entry;

/* hcall numbers owned by a feature (registry.h) */
typedef struct hyp_hcall_range {
    uint64_t first, last;
} hyp_hcall_range;

struct hyp {
    hyp_config cfg;
    hyp_env env;
    lmb_space lmb;
    hyp_lpar **lpars;                   /* each allocated apart: pointers into
                                           an LPAR (its hpt) stay valid */
    unsigned nlpars, cap;
    hyp_hcall_entry hcalls[HYP_MAX_HCALLS];
    unsigned nhcalls;
    hyp_ext ext[HYP_MAX_EXTS];
    unsigned next;
    hyp_listener listen[HYP_MAX_LISTENERS];
    unsigned nlisten;
    hyp_fill_entry fill[HYP_MAX_LISTENERS]; /* TLB-fill listeners (hyp_hooks.c) */
    unsigned nfill;
    hyp_stats st;
    hyp_irq_stats irq;
    op_id op_deliver;                   /* interrupt.deliver */
    void *feat[HYP_NFEATURES];          /* enabled features' state, else NULL */
    const hyp_coherency_ops *coh;
    void *coh_ctx;
    hyp_rmap *rmap;                     /* NULL unless a feature wants it */
    u64map scan_cursor;                 /* stream start -> line its next sample starts at */
    bool shared_claimed;                /* a feature dispatches shared LPARs */
    bool bare_driver;                   /* a workload driver uses threads' TLBs for LPARs
                                           that have no vCPU (never dispatched) */
    uint64_t event_req;                 /* earliest event asked for (hyp_request_event) */
    hyp_rdma_carrier rdma;              /* the platform's carrier (n == 0: alone) */
    hyp_rdma_sink rdma_sink;
    void *rdma_sink_ctx;
    struct hyp_rdma_stats {
        uint64_t writes, bytes_sent, delivered, bytes_received;
    } rdma_st;
    struct hyp_crit_stats {
        uint64_t registered, released, refused, vpa_writes;
    } crit;
    bool failed;                        /* a feature check failed: err holds why */
    sim_err err;
};

/* registry.c */
extern const hyp_feature *const hyp_features[HYP_NFEATURES];
extern const hyp_hcall_range hyp_feature_ranges[HYP_NFEATURES];
extern const hyp_driver *const hyp_driver_table[HYP_NFEATURES];
/* Check that the features' hcall ranges are disjoint from each other and
 * from the core's PAPR hcalls, and each feature's hcalls lie in its range
 * and are unique. 0 or -1 with e naming both owners. */
int hyp_check_hcall_ranges(const hyp_hcall_range *ranges, const hyp_feature *const *feats,
                           unsigned n, sim_err *e);

/* The core's PAPR hcalls: hcall_hpt.c's (HPT), then hcall_irq.c's
 * (interrupts) and hcall_crit.c's (critical areas), whose ops are reported
 * once used (ops_report_if_used: a report without them is as it was before
 * they existed). hyp_core_hcall gives entry i of all, in that order, NULL
 * past the end; *if_used says whether it is reported only once used. */
extern const hyp_hcall_desc hyp_papr_hcalls[];
extern const size_t hyp_papr_hcall_count;
extern const hyp_hcall_desc hyp_irq_hcalls[];
extern const size_t hyp_irq_hcall_count;
/* hcall_cmo.c: H_PAGE_INIT, H_GET_MPP, H_SET_MPP (after the interrupt
 * hcalls in hyp_core_hcall; reported once used too). */
extern const hyp_hcall_desc hyp_cmo_hcalls[];
extern const size_t hyp_cmo_hcall_count;
const hyp_hcall_desc *hyp_core_hcall(size_t i, bool *if_used);

/* irq.c: the interrupt statistics and op (at creation); a vCPU running on
 * hardware thread `thread` takes an interrupt now: its clock advances by
 * hypervisor.interrupts.deliver_cycles, recorded as op interrupt.deliver
 * (a feature calls it for a vCPU it dispatches with an interrupt pending). */
int hyp_irq_init(hyp *h, sim_err *e);
void hyp_irq_deliver(hyp *h, unsigned thread);

/* rdma.c: statistics rdma.* (at creation). */
int hyp_rdma_init(hyp *h, sim_err *e);
/* hcall_crit.c: the registration hcalls (reported once used), their
 * statistics, and the VPA write at a vCPU's dispatch (its cycles). */
typedef struct hyp_crit_stats hyp_crit_stats;
extern const hyp_hcall_desc hyp_crit_hcalls[];
extern const size_t hyp_crit_hcall_count;
int hyp_crit_init(hyp *h, sim_err *e);
uint64_t hyp_crit_dispatch(hyp *h, unsigned thread, unsigned lpid, unsigned vcpu, uint64_t at);

/* Is the feature config's "enabled" (its first field) true? */
static inline bool hyp_cfg_enabled(const hyp_feature_cfg *c)
{
    return *(const bool *)c->bytes;
}

/* hyp_lpar.c: bytes of an LPAR's LMB table (128-byte multiple). */
uint64_t hyp_lmbtab_bytes(const hyp_config *c, uint64_t memory);
/* hyp_home.c: record lp's home nodes and desired pages and take its LMBs
 * on them (lp->nlmbs, lp->lmbtab_paddr set; lpid h->nlpars). 0 or -1. */
int hyp_home_assign(hyp *h, hyp_lpar *lp, const hyp_lpar_home *home, sim_err *e);

/* Real address for logical address la of LPAR lp, charging the LMB-table
 * read to c; UINT64_MAX if la is outside the LPAR's memory. */
uint64_t hyp_xlate_logical(hcall_ctx *c, hyp_lpar *lp, uint64_t la);
/* Every enabled feature's check_error: the first violation latches. */
void hyp_check_features(hyp *h);
/* The enabled feature backing shared-memory LPARs (NULL: none), and its
 * host-side translation (hyp_fault.c). */
const void *hyp_shared_backer(const hyp *h);
unsigned hyp_backer_index(const hyp *h); /* its registry index, HYP_NFEATURES: none */
uint64_t hyp_shared_la_to_ra(const hyp *h, unsigned lpid, uint64_t la);
/* The shared-memory backer's page_read / page_import / backing_counts /
 * ra_to_la
 * (feature.h) for shared LPAR lpid; -1 with e set when it has none. */
int hyp_backing_read(hyp *h, hcall_ctx *c, unsigned lpid, uint64_t la, void *buf, sim_err *e);
int hyp_backing_import(hyp *h, hcall_ctx *c, unsigned lpid, uint64_t la, const void *buf,
                       bool to_memory, uint64_t *done, sim_err *e);
void hyp_backing_counts(const hyp *h, unsigned lpid, uint64_t *resident, uint64_t *page_ins);
uint64_t hyp_backing_ra_to_la(const hyp *h, unsigned lpid, uint64_t ra);
/* The same, honouring hyp_ext xlate redirections (H_ENTER's translation). */
uint64_t hyp_xlate_enter(hcall_ctx *c, hyp_lpar *lp, uint64_t la);
/* Modeled write of HPTE ptex of lpid (listeners told of both words). */
void hyp_write_hpte(hcall_ctx *c, unsigned lpid, uint64_t ptex, hpte x);
/* An HPTE became valid at ptex of c->lpid (rmap, hooks told). */
void hyp_notify_insert(hcall_ctx *c, uint64_t ptex, hpte e, uint64_t real);
/* HPTE ptex of lpid (old value `old`) was cleared: rmap and hooks told. */
void hyp_notify_remove(hcall_ctx *c, unsigned lpid, uint64_t ptex, hpte old);
/* The calling feature dispatches shared-processor LPARs (hyp_start
 * refuses shared LPARs that nobody claims). */
void hyp_claim_shared(hyp *h);
/* A feature needs its event hook run at `at` (earlier than the machine
 * would otherwise stop): the run loop stops running threads past it. */
void hyp_request_event(hyp *h, uint64_t at);
/* Latch the first feature error (a violation found outside an hcall). */
void hyp_fail(hyp *h, const sim_err *e);

#endif
