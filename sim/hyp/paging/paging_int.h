/*
 * paging_int.h - hypervisor paging of shared-memory LPARs (seed 002): the
 * feature's state, shared by its files.
 *
 * Memory: a pool of 4K frames in hypervisor memory (no LPAR maps it but
 * through the HPTEs the hypervisor writes), a PPT of one 8-byte word per
 * logical page of each shared LPAR and a frame table of one 8-byte word
 * per frame, both in hypervisor memory: every lookup or update charges its
 * line. One paging device per shared LPAR; a page's slot is its logical
 * page number (AMS: the paging device is at least the LPAR's maximum
 * memory), so no slot allocator.
 *
 * Invariants: a frame is free (on the free ring, possibly still being
 * written: free_at) or owned by exactly one (LPAR, page) whose state is
 * RESIDENT and whose PPT word names it; a valid HPTE of a shared LPAR
 * maps the frame of a RESIDENT page of that LPAR; a page that is not
 * RESIDENT has no valid HPTE (its entries are absent, holding the logical
 * page) and no TLB entry.
 */
#ifndef LPARSIM_HYP_PAGING_INT_H
#define LPARSIM_HYP_PAGING_INT_H

#include "core/rng.h"
#include "hyp/feature.h"
#include "hyp/hyp_int.h"
#include "hyp/inval.h"
#include "hyp/rmap.h"
#include "memctl/pagedev/pagedev.h"

#define PG_PAGE 4096u
#define PG_SHIFT 12
#define PG_NOFRAME UINT32_MAX

enum { /* policy */
    PG_FIFO = 0, PG_RANDOM = 1, PG_CLOCK = 2, PG_CLOCK_NOTLBIE = 3, PG_AGING = 4, PG_LRU_ORACLE = 5
};
enum { PG_INJ_NONE = 0, PG_INJ_SKIP_WRITEBACK = 1, PG_INJ_SKIP_TLBIE = 2, PG_INJ_IGNORE_PINS = 3 };
enum { PG_SHARE_WEIGHTED = 0, PG_SHARE_GLOBAL = 1 };                       /* share */
enum { PG_SLOTS_STATIC = 0, PG_SLOTS_RANDOM = 1 };                         /* slots */
/* page state; LOANED: given back by the guest (H_PAGE_SET_LOANED), no
 * frame, no device copy */
enum { PG_UNBACKED = 0, PG_RESIDENT = 1, PG_PAGED_OUT = 2, PG_LOANED = 3 };
/* per-page hint bits (pg_lpar.hint; paging_coop.c) */
enum {
    PG_HINT_UNUSED = 1, /* H_PAGE_SET_UNUSED on a resident page: its frame is
                           reclaimed first, without a write-back */
    PG_HINT_FREED = 2,  /* accounting: the guest freed it without a hint
                           (a read of it from the device is a stale read) */
};

typedef struct paging_config {
    bool enabled;
    uint64_t pool;          /* bytes; 0: shared logical memory / overcommit */
    double overcommit;
    unsigned policy;        /* PG_* */
    unsigned share;         /* PG_SHARE_* */
    double low_wm, high_wm; /* % of the pool's frames */
    bool skip_clean;
    uint64_t fault_cycles, reflect_cycles;
    double vios_us;
    unsigned thread;        /* hardware thread whose port the stealer's accesses use */
    uint64_t seed;
    bool audit;
    unsigned inject;
    unsigned age_bits;      /* aging: bits of each frame's age counter */
    unsigned slots;         /* PG_SLOTS_*: where a page lives on its device */
    bool pin_critical;      /* registrations of critical areas pin their pages */
    uint64_t io_entitled;   /* bytes each shared LPAR may pin */
    bool node_tables;       /* numa: PPTs and frame-table entries on the nodes */
} paging_config;

extern const param_table paging_feature_params;

typedef struct paging_stats {
    uint64_t pool_frames, free_frames, free_frames_min, resident;
    uint64_t faults, reflects, page_ins, zero_fills, joins, touches;
    uint64_t page_outs, writes, clean_drops, silent_writes, sync_evictions, steals, steal_runs;
    uint64_t scanned, ref_cleared;
    uint64_t disk_wait_cycles;
    uint64_t pinned_pages, pin_requests, pin_refusals, hv_accesses, hv_internal_faults;
} paging_stats;

/* Guest cooperation and the read pathologies (paging.*, reported once one
 * is non-zero, so runs without them report as before; paging_coop.c). */
typedef struct pg_coop_stats {
    uint64_t false_reads, stale_reads;
    uint64_t unused_hints, unused_drops, loans, loan_returns, loaned_touches;
    uint64_t zero_pages, discards, mpp_calls;
} pg_coop_stats;
extern const stat_table pg_coop_stat_table;
extern const stat_table paging_stat_table;

/* Per shared LPAR (paging.<name>.*, as Linux's lparcfg names them). */
typedef struct pg_lpar_stats {
    uint64_t resident, cmo_faults, cmo_fault_time_usec, fault_cycles, page_outs;
} pg_lpar_stats;
typedef struct pg_lpar_coop_stats {
    uint64_t loaned_kb, loan_request_kb, target_kb; /* at the end; the last H_GET_MPP's */
} pg_lpar_coop_stats;
extern const stat_table pg_lpar_coop_stat_table;
extern const stat_table pg_lpar_stat_table;

typedef struct paging_audit_stats {
    uint64_t checks, violations, stamps;
} paging_audit_stats;
extern const stat_table paging_audit_stat_table;

/* Per LPAR with numa on (paging.<name>.node.*, paging_node.c). */
typedef struct pg_lnode_stats {
    uint64_t below_level, home, away;  /* frames taken: on a home node below its level, on a
                                          home node at or above it, off its home nodes */
    uint64_t home_frames, away_frames; /* at the end: resident on / off its home nodes */
} pg_lnode_stats;
extern const stat_table pg_lnode_stat_table;

/* One node's part of the pool (numa on, paging_node.c): frames
 * [first, first + n) on LMB slots of the node (their real bases in
 * ascending order, lmb_size / 4K frames each, the last one possibly in
 * part), its own free ring. */
typedef struct pg_node_stats {
    uint64_t frames, used, allocs, free_min;
} pg_node_stats;
extern const stat_table pg_node_stat_table;

typedef struct pg_node {
    uint64_t first, n;
    uint64_t *slot, nslot;  /* real base of each LMB slot */
    uint64_t ftab;          /* its frames' frame-table entries (0: at f->ftab_paddr) */
    uint32_t *ring;         /* free frames in the order they were freed */
    uint64_t head, nfree;
    pg_node_stats st;
} pg_node;

typedef struct pg_lpar {
    unsigned lpid;
    unsigned index;         /* in paging.lp */
    uint64_t npages;
    uint64_t ppt_paddr;     /* 8 B per logical page */
    uint32_t *frame;        /* host copy of the PPT: frame per page */
    uint8_t *state;         /* PG_* */
    uint8_t *copy_valid;    /* the device holds the page as it is in its frame */
    pagedev *dev;
    uint64_t resident, demand;  /* pages in frames; pages ever touched */
    struct pg_fifo_ent {    /* policy fifo: its frames in page-in order; an entry */
        uint32_t fr;        /* is stale once the frame's seq differs (the frame */
        uint64_t seq;       /* left the LPAR by a hint, a loan or a discard) */
    } *fifo;
    uint64_t fifo_head, nfifo;
    uint64_t hand;          /* its clock hand (share weighted) */
    pg_lpar_stats st;
    uint64_t *shadow;       /* auditor: checksum of each page's expected bytes */
    uint16_t *pins;         /* pin count per page (NULL until the first pin) */
    uint32_t *slot;         /* slots: random: each page's slot (NULL: its page number) */
    uint64_t pinned;        /* pages with a pin count */
    uint8_t *hint;          /* PG_HINT_* bits */
    uint64_t loaned;        /* pages in state LOANED */
    uint64_t entitled;      /* H_SET_MPP's entitlement (bytes; reported only) */
    pg_lpar_coop_stats cst;
    uint64_t *node_used;    /* numa: its frames on each node (paging_node.c) */
    pg_lnode_stats nst;
} pg_lpar;

typedef struct pg_frame {
    uint32_t owner;         /* index in f->lp + 1; 0: free */
    uint32_t lpn;
    uint64_t free_at;       /* free: the cycle its last write-back read it out */
    uint64_t seq;           /* page-in order */
    uint8_t age;            /* aging: R history, newest in the top bit */
    uint64_t last;          /* lru-oracle: cycle of its last access (0: none since page-in) */
} pg_frame;

typedef struct paging {
    hyp *h;
    paging_config cfg;
    uint64_t pool_base, nframes, ftab_paddr;
    pg_frame *fr;
    uint32_t *free_ring;    /* frames in the order they were freed */
    uint64_t free_head, nfree;
    uint64_t seq;           /* page-ins so far (pg_frame.seq) */
    uint64_t hand;          /* clock hand (frame index; share global) */
    uint64_t low, high;     /* watermarks in frames */
    pg_lpar **lp;           /* each apart: its stats are registered by address */
    unsigned nlp;
    int *lp_of;             /* lpid -> index in lp, or -1 */
    unsigned nlp_of;
    uint64_t vios_cycles;
    rng rng;
    uint64_t steal_at;      /* next background steal (UINT64_MAX: none) */
    uint64_t oracle_now;    /* lru-oracle: the latest access cycle heard */
    uint64_t pinned;        /* pages pinned in the whole pool (sum of pg_lpar.pinned) */
    op_id op_fault, op_reflect, op_pageout, op_steal, op_hvint;
    paging_stats st;
    pg_coop_stats cst;
    paging_audit_stats ast;
    bool audit, failed;
    sim_err err;
    uint32_t *unused_ring;  /* frames hinted unused, oldest first (may be stale) */
    uint64_t unused_head, nunused;
    pg_node *node;          /* numa on: the pool per node (nnode = the nodes); else NULL */
    unsigned nnode;
    bool node_prefer;       /* victim choice: only frames off their owner's level (scratch) */
    hyp_hits hits;          /* scratch */
    unsigned char buf[PG_PAGE];
} paging;

/* paging.c */
pg_lpar *pg_lpar_of(const paging *f, unsigned lpid);
uint64_t pg_frame_addr(const paging *f, uint32_t fr);
int pg_fail(paging *f, const char *fmt, ...);
void pg_ppt_access(paging *f, hcall_ctx *c, pg_lpar *l, uint64_t lpn, mem_kind k);
uint32_t pg_frame_of(const paging *f, uint64_t ra); /* PG_NOFRAME: not in the pool */
uint64_t pg_ftab_addr(const paging *f, uint32_t fr); /* frame fr's frame-table word */
/* paging_node.c: the pool per node (numa on; every call a no-op or unused
 * when f->nnode is 0). carve: at start, each node's part on its memory;
 * take: a free frame for lpid's page-in by node preference (f->nfree > 0);
 * push: a freed frame back on its node's ring; own/disown: frame fr
 * gets / loses its owner (the LPAR's count per node); prefer: set
 * f->node_prefer before a victim choice (among `only`'s frames, or all);
 * misplaced: fr is off its owner's home nodes or above the level there. */
int pg_node_carve(paging *f, sim_err *e);
void pg_node_free(paging *f);
uint64_t pg_node_frame_addr(const paging *f, uint32_t fr);
uint64_t pg_node_ftab_addr(const paging *f, uint32_t fr);
uint32_t pg_node_frame_of(const paging *f, uint64_t ra);
uint32_t pg_node_take(paging *f, unsigned lpid);
void pg_node_push(paging *f, uint32_t fr);
void pg_node_own(paging *f, uint32_t fr, unsigned lpid);
void pg_node_disown(paging *f, uint32_t fr);
void pg_node_prefer(paging *f, const pg_lpar *only);
bool pg_node_misplaced(const paging *f, uint32_t fr);
void pg_node_finish(paging *f);
/* paging_fault.c */
int pg_hv_fault(void *vf, hcall_ctx *c, uint64_t vsid, uint64_t ea, unsigned shift, bool seg_1t,
                bool store, sim_err *e);
uint64_t pg_touch(void *vf, hcall_ctx *c, uint64_t la, unsigned access, sim_err *e);
/* The same, recorded as op `op` (pg_touch: paging.fault). */
uint64_t pg_touch_as(paging *f, hcall_ctx *c, uint64_t la, unsigned access, op_id op,
                     sim_err *e);
/* paging_pin.c: critical areas (hyp_feature.pin, hv_access) */
long pg_pin(void *vf, hcall_ctx *c, uint64_t la, uint64_t bytes, bool pin);
uint64_t pg_hv_access(void *vf, hcall_ctx *c, uint64_t la, bool store, sim_err *e);
static inline bool pg_pinned(const pg_lpar *l, uint64_t lpn) { return l->pins && l->pins[lpn]; }
/* The byte offset of page lpn's slot on its LPAR's device. */
static inline uint64_t pg_slot(const pg_lpar *l, uint64_t lpn)
{
    return (l->slot ? l->slot[lpn] : lpn) * (uint64_t)PG_PAGE;
}
/* paging_out.c: slots: random: a seeded permutation of each LPAR's slots
 * (at start). 0 or -1 with e set. */
int pg_slots_init(paging *f, sim_err *e);
/* paging_out.c: lru-oracle's access hook (hyp_set_access_oracle). */
void pg_oracle_access(void *vf, unsigned lpid, uint64_t pa, uint64_t now);
/* paging_out.c: a free frame for a page-in at c->op.end: *ready the cycle
 * it can be written (a victim's write-back read it out), or PG_NOFRAME
 * with e set. Evicts synchronously when none is free. */
uint32_t pg_alloc(paging *f, hcall_ctx *c, uint64_t *ready, sim_err *e);
void pg_frame_resident(paging *f, uint32_t fr);
int pg_steal(paging *f, uint64_t at, sim_err *e);
/* paging_coop.c: guest cooperation (H_PAGE_INIT states, H_GET_MPP) */
long pg_page_state(void *vf, hcall_ctx *c, uint64_t la, hyp_page_op op);
long pg_mpp(void *vf, hcall_ctx *c, bool set, hyp_mpp *m);
void pg_guest_freed(void *vf, unsigned lpid, uint64_t la);
/* l's weighted share of the pool in frames (pool x weight / sum of the
 * shared LPARs' weights); its target is min(demand, share). */
double pg_target(const paging *f, const pg_lpar *l);
/* A frame hinted unused to reclaim (PG_NOFRAME: none). */
uint32_t pg_unused_victim(paging *f);
/* A page made resident by make_resident: how it came (read from the
 * device or not) and the first access (HYP_ACC_*), for the pathologies;
 * from H_ENTER's translation of a resident page (the guest maps it: in
 * use again). */
void pg_coop_paged_in(paging *f, pg_lpar *l, uint64_t lpn, bool read, int access);
void pg_coop_mapped(paging *f, pg_lpar *l, uint64_t lpn);
/* paging_out.c: take frame fr's page out now (c's op gets the page-out's
 * parts): discard (no write-back, the page becomes `state`), or the usual
 * page-out; the cycle the frame may be reused or UINT64_MAX with e set. */
uint64_t pg_page_out(paging *f, hcall_ctx *c, uint32_t fr, bool discard, unsigned state,
                     sim_err *e);
void pg_free_push(paging *f, uint32_t fr, uint64_t at);
/* From inside an hcall: discard frame fr's page (it becomes `state`) as
 * its own op paging.pageout, its cycles charged to c's compute part, and
 * free the frame. The frame's reuse cycle or UINT64_MAX with e set. */
uint64_t pg_discard_frame(paging *f, hcall_ctx *c, uint32_t fr, unsigned state, sim_err *e);
/* paging_audit.c */
void pg_audit_fill(paging *f, unsigned lpid, uint64_t ra);
void pg_audit_paged_in(paging *f, pg_lpar *l, uint64_t lpn, uint32_t fr);
void pg_audit_paged_out(paging *f, pg_lpar *l, uint64_t lpn, uint32_t fr);
int pg_audit_set(paging *f, bool on);
void pg_audit_full(paging *f);
/* The auditor's checksum of a page's bytes (0 for a zero page). */
uint64_t pg_page_sum_bytes(const void *page);
/* paging_export.c: hyp_feature.page_read / page_import / backing_counts /
 * ra_to_la */
int pg_page_read(void *vf, hcall_ctx *c, unsigned lpid, uint64_t la, void *buf, sim_err *e);
int pg_page_import(void *vf, hcall_ctx *c, unsigned lpid, uint64_t la, const void *buf,
                   bool to_memory, uint64_t *done, sim_err *e);
void pg_backing_counts(const void *vf, unsigned lpid, uint64_t *resident, uint64_t *page_ins);
uint64_t pg_ra_to_la(const void *vf, unsigned lpid, uint64_t ra);

#endif
