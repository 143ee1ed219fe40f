/*
 * guest_int.h - the guest OS model's state (guest.h), shared by guest.c
 * (faults, HPTE insertion, records) and guest_coop.c (frees, unused hints,
 * the CMM balloon).
 * Invariants: a logical page is in exactly one of: mapped by one gpte,
 * the free list, the balloon, or not yet handed out (next_lpn <= p < top).
 */
#ifndef LPARSIM_LPAR_GUEST_INT_H
#define LPARSIM_LPAR_GUEST_INT_H

#include "core/rng.h"
#include "guest.h"

#define GUEST_NOLPN UINT64_MAX /* a freed page's entry: the next touch allocates */

typedef struct gpte {
    uint64_t epn;     /* effective page number + 1 (0 = empty slot) */
    uint32_t context;
    uint64_t lpn;     /* GUEST_NOLPN: freed */
    uint64_t ptex1;   /* HPTE slot + 1 its H_ENTER used (0: none; may be stale) */
} gpte;

typedef struct guest_stats {
    uint64_t page_faults, first_touches, refaults;
    uint64_t hpte_evictions;   /* H_REMOVEs issued to make room */
    uint64_t secondary_inserts;
    uint64_t hcall_records, markers;
} guest_stats;

typedef struct guest_coop_stats {
    uint64_t frees, free_hints, cmm_polls, cmm_loans, cmm_returns, cmm_oom_returns;
    uint64_t cmm_loaned; /* pages in the balloon at the end */
} guest_coop_stats;

/* Full-system LPARs (guest_fullsys.c). */
typedef struct guest_fs_stats {
    uint64_t hcalls, checked, rc_agree, rc_disagree, unmodelled, slot_agree, slot_disagree;
    uint64_t first_disagreement, markers;
} guest_fs_stats;

typedef struct guest_fs_order_stats { /* hcall order (K 19), reported once used */
    uint64_t waits, wait_cycles;
} guest_fs_order_stats;

typedef struct guest_fs_call { /* a vCPU's last hcall, for its R record */
    bool valid;
    uint64_t op;
    long rc;
    uint64_t rets[8];
    /* hcall order: the K 19 before its next hcall (has_order), and whether
     * that hcall waits for the LPAR's order to reach it, since wait_since */
    bool has_order, waiting;
    uint64_t order, wait_since;
} guest_fs_call;

struct guest {
    guest_config cfg;
    hyp *h;
    unsigned lpid;
    char *name;
    hpt_psize psize;
    unsigned shift;
    bool seg_1t;
    seg_table *seg;
    rng rng;
    uint64_t npages, next_lpn;
    uint64_t pt_base, pt_entries;  /* logical area holding the guest page table */
    gpte *map;
    uint64_t cap, used;
    bool vpa;               /* register a VPA per vCPU */
    uint8_t *vpa_done;      /* per vCPU index */
    unsigned nvpa;
    ops_reg *ops;
    op_id op_fault, p_compute, p_memory, p_hcall;
    guest_stats st;
    /* frees and the balloon (guest_coop.c) */
    bool shared;                   /* shared-memory LPAR */
    uint64_t top;                  /* pages >= top were loaned untouched */
    uint64_t *freel, nfreel, capfreel;  /* freed logical pages, LIFO */
    uint64_t *bal, nbal, capbal;   /* the balloon's loaned pages */
    uint64_t oom_freed, next_poll, poll_cycles;
    op_id op_free, op_cmm;
    guest_coop_stats cst;
    /* full-system LPAR (lpars[].guest: full-system): the trace is the guest */
    bool full;
    guest_fs_stats fs;
    guest_fs_call *fs_last;        /* per vCPU index */
    unsigned nfs_last;
    uint64_t fs_next_order;        /* the order (K 19) of the LPAR's next hcall */
    guest_fs_order_stats fs_order;
};


/* guest.c: a modeled access by the guest to its own logical address. */
int guest_mem(guest *g, cpu_thread *t, op_rec *o, uint64_t la, uint32_t size, mem_kind k,
              sim_err *e);
long guest_hcall(guest *g, cpu_thread *t, op_rec *o, uint64_t opcode, const uint64_t *args,
                 uint64_t *rets);
uint64_t guest_mix(uint64_t x);
/* guest_fullsys.c */
int guest_fs_init(guest *g, stats_reg *stats, const char *prefix, sim_err *e);
void guest_fs_free(guest *g);
/* Replace the model's fault and record hooks by the full-system ones. */
void guest_fs_binding(guest *g, cpu_binding *b);
/* guest_coop.c */
int guest_coop_init(guest *g, stats_reg *stats, const char *prefix, sim_err *e);
void guest_coop_free(guest *g);
/* A logical page for a first touch (free list, then never used pages; out
 * of pages: the balloon gives cmm_oom_kb back); GUEST_NOLPN with e set. */
uint64_t guest_alloc_lpn(guest *g, cpu_thread *t, op_rec *o, sim_err *e);
/* The free marker (K 6): cycles, or UINT64_MAX with e set. */
uint64_t guest_free_marker(guest *g, cpu_thread *t, uint64_t ea, uint64_t now, sim_err *e);
/* The balloon's poll, if due at `now`: its cycles (0: not due). */
uint64_t guest_cmm_poll(guest *g, cpu_thread *t, uint64_t now, sim_err *e);

#endif
