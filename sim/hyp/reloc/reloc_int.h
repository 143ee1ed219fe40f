/*
 * reloc_int.h - private state of the LMB relocation feature (seed 002,
 * abstract B; docs/reloc.md): a dedicated-memory LPAR's LMB moves to a free
 * slot (preferably in another PMB) in relocation granules, one at a time,
 * as timed events on a hypervisor thread. The tracker (per granule: the
 * translation block indicator and a pin count, 16 bytes) lives in
 * hypervisor memory.
 *
 * Per granule (two events):
 *   A (start)  find the HPTEs mapping the granule (core rmap or HPT scan),
 *              set its block indicator, read its pin count, make every such
 *              HPTE absent (r holds the logical page) and issue one tlbie
 *              batch, copy the bytes through the memory model (hyp_copy).
 *              The granule is in transit until A's work ends (block_end).
 *   B (finish) at block_end: the HPTEs A made absent and still absent are
 *              retargeted (valid, RPN = target), the indicator cleared.
 * After the last granule the LMB table entry switches (hyp_lmb_switch).
 *
 * Invariants: a granule is pending (translations use the source), in
 * transit (no valid HPTE or TLB entry maps it: misses wait for block_end)
 * or moved (translations use the target); granules move in index order,
 * so granules below `cur` are moved. Absent entries of the LPAR made by
 * this feature or by H_ENTER during a block hold the logical page and are
 * resolved by the feature's hv_fault (or at the LMB's end).
 */
#ifndef LPARSIM_HYP_RELOC_INT_H
#define LPARSIM_HYP_RELOC_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "hyp/hyp_int.h"

enum { RELOC_FIND_RMAP = 0, RELOC_FIND_SCAN = 1 };
enum { RELOC_INJ_NONE = 0, RELOC_INJ_SKIP_BLOCK = 1, RELOC_INJ_SKIP_TLBIE = 2 };
enum { RG_PENDING = 0, RG_TRANSIT = 1, RG_MOVED = 2 };
enum { RELOC_IDLE = 0, RELOC_RUNNING = 1, RELOC_DONE = 2 };

/* parts of op reloc.lmb (and reloc.granule: the first five) */
enum { RP_FIND = 0, RP_BLOCK, RP_COPY, RP_HPTE, RP_TLB, RP_STALL };
/* parts of op reloc.fault */
enum { RF_SEARCH = 0, RF_WAIT, RF_RETARGET };

typedef struct reloc_config {
    bool enabled;
    uint64_t granule;   /* bytes, power of two, 4K..16M */
    char *lpar;         /* name, or index as text */
    uint64_t lmb;       /* first logical LMB to move */
    uint64_t count;     /* LMBs lmb .. lmb+count-1, one after another */
    uint64_t at;        /* cycle the first move starts */
    uint64_t thread;    /* hardware thread running the relocation */
    unsigned find;      /* RELOC_FIND_* */
    bool audit;
    unsigned inject;    /* RELOC_INJ_* (tests of the auditor) */
} reloc_config;

typedef struct reloc_stats {
    uint64_t lmbs_moved, granules, bytes_copied;
    uint64_t hptes_found, hptes_absented, hptes_retargeted, hptes_refaulted;
    uint64_t tlbies, tlbie_pages;
    uint64_t faults, stalls, stall_cycles, max_stall_cycles;
    uint64_t enter_absent, enter_redirected;
    uint64_t pin_waits, leftover_absent;
    uint64_t total_cycles, max_granule_cycles;
} reloc_stats;

typedef struct reloc_audit_stats {
    uint64_t checks, violations;
} reloc_audit_stats;

typedef struct reloc {
    hyp *h;
    reloc_config cfg;
    bool audit;
    unsigned lpid;          /* resolved at start */
    int state;              /* RELOC_* */
    uint64_t moved_lmbs;    /* of cfg.count */
    /* the LMB in progress */
    uint64_t k;             /* logical LMB index */
    uint64_t src, dst;      /* real bases */
    uint64_t dst_slot;
    uint64_t ngran;
    uint8_t *gstate;        /* RG_* per granule */
    uint32_t *pin;          /* pin count per granule (nothing pins yet: 0) */
    uint64_t cur;           /* granule in transit or next to start */
    int phase;              /* 0: start granule cur next, 1: finish it */
    uint64_t next_at;       /* the next event */
    uint64_t block_end;     /* end of cur's block (phase 1) */
    uint64_t *absent;       /* ptexs made absent for cur */
    uint64_t nabsent, capabsent;
    uint64_t enter_absent_lmb; /* absent entries H_ENTER wrote during this LMB */
    uint64_t tracker_paddr; /* 16 B per granule of the largest LMB */
    uint64_t csum;          /* checksum of cur's source at copy time (audit) */
    op_rec lmb_op;          /* reloc.lmb of the LMB in progress */
    op_id op_lmb, op_granule, op_fault;
    reloc_stats st;
    reloc_audit_stats ast;
    bool failed;
    sim_err err;
} reloc;

extern const param_table reloc_feature_params;
extern const stat_table reloc_stat_table, reloc_audit_stat_table;

/* reloc_move.c: the timed work */
int reloc_event(void *f, uint64_t at, sim_err *e);
/* Retarget absent HPTE ptex of the moving LPAR (value x) to the real
 * address its logical page has now; charged to c. */
void reloc_retarget(reloc *r, hcall_ctx *c, uint64_t ptex, hpte x);
/* The real address logical la of the moving LPAR has for a translation
 * now (source, target) or UINT64_MAX while its granule is in transit. */
uint64_t reloc_real_of(const reloc *r, uint64_t la);
bool reloc_in_lmb(const reloc *r, uint64_t la);

/* reloc_fault.c */
int reloc_hv_fault(void *f, hcall_ctx *c, uint64_t vsid, uint64_t ea, unsigned page_shift,
                   bool seg_1t, bool store, sim_err *e);
uint64_t reloc_xlate(void *ctx, hcall_ctx *c, uint64_t la);

/* reloc_audit.c: after A (nothing maps granule g), after B (the target
 * holds the bytes copied, nothing maps the source), at the LMB's end (the
 * table). */
void reloc_audit_transit(reloc *r, uint64_t g);
void reloc_audit_moved(reloc *r, uint64_t g);
void reloc_audit_lmb(reloc *r);
uint64_t reloc_checksum(const reloc *r, uint64_t real, uint64_t len);

void reloc_fail(reloc *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
