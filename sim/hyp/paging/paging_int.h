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

enum { PG_FIFO = 0, PG_RANDOM = 1, PG_CLOCK = 2, PG_CLOCK_NOTLBIE = 3 };     /* policy */
enum { PG_INJ_NONE = 0, PG_INJ_SKIP_WRITEBACK = 1, PG_INJ_SKIP_TLBIE = 2 }; /* inject */
enum { PG_SHARE_WEIGHTED = 0, PG_SHARE_GLOBAL = 1 };                       /* share */
enum { PG_UNBACKED = 0, PG_RESIDENT = 1, PG_PAGED_OUT = 2 };               /* page state */

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
} paging_config;

extern const param_table paging_feature_params;

typedef struct paging_stats {
    uint64_t pool_frames, free_frames, free_frames_min, resident;
    uint64_t faults, reflects, page_ins, zero_fills, joins, touches;
    uint64_t page_outs, writes, clean_drops, silent_writes, sync_evictions, steals, steal_runs;
    uint64_t scanned, ref_cleared;
    uint64_t disk_wait_cycles;
} paging_stats;
extern const stat_table paging_stat_table;

/* Per shared LPAR (paging.<name>.*, as Linux's lparcfg names them). */
typedef struct pg_lpar_stats {
    uint64_t resident, cmo_faults, cmo_fault_time_usec, fault_cycles, page_outs;
} pg_lpar_stats;
extern const stat_table pg_lpar_stat_table;

typedef struct paging_audit_stats {
    uint64_t checks, violations, stamps;
} paging_audit_stats;
extern const stat_table paging_audit_stat_table;

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
    uint32_t *fifo;         /* its frames in page-in order (policy fifo) */
    uint64_t fifo_head, nfifo;
    uint64_t hand;          /* its clock hand (share weighted) */
    pg_lpar_stats st;
    uint64_t *shadow;       /* auditor: checksum of each page's expected bytes */
} pg_lpar;

typedef struct pg_frame {
    uint32_t owner;         /* index in f->lp + 1; 0: free */
    uint32_t lpn;
    uint64_t free_at;       /* free: the cycle its last write-back read it out */
    uint64_t seq;           /* page-in order */
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
    op_id op_fault, op_reflect, op_pageout, op_steal;
    paging_stats st;
    paging_audit_stats ast;
    bool audit, failed;
    sim_err err;
    hyp_hits hits;          /* scratch */
    unsigned char buf[PG_PAGE];
} paging;

/* paging.c */
pg_lpar *pg_lpar_of(const paging *f, unsigned lpid);
uint64_t pg_frame_addr(const paging *f, uint32_t fr);
int pg_fail(paging *f, const char *fmt, ...);
void pg_ppt_access(paging *f, hcall_ctx *c, pg_lpar *l, uint64_t lpn, mem_kind k);
/* paging_fault.c */
int pg_hv_fault(void *vf, hcall_ctx *c, uint64_t vsid, uint64_t ea, unsigned shift, bool seg_1t,
                bool store, sim_err *e);
uint64_t pg_touch(void *vf, hcall_ctx *c, uint64_t la, bool store, sim_err *e);
/* paging_out.c: a free frame for a page-in at c->op.end: *ready the cycle
 * it can be written (a victim's write-back read it out), or PG_NOFRAME
 * with e set. Evicts synchronously when none is free. */
uint32_t pg_alloc(paging *f, hcall_ctx *c, uint64_t *ready, sim_err *e);
void pg_frame_resident(paging *f, uint32_t fr);
int pg_steal(paging *f, uint64_t at, sim_err *e);
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
