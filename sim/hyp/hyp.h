/*
 * hyp.h - the simulated hypervisor: LPARs, their LMBs and HPTs, and the
 * PAPR hcall dispatcher.
 *
 * The hypervisor runs on the hardware thread that made the hcall: its memory
 * accesses (LMB table, HPTEs) go through that thread's caches at real
 * addresses in hypervisor memory, and its invalidations go through the
 * tlbie fabric to every thread's TLB. Each hcall is one op record
 * "hcall.<NAME>" (parts compute, memory, tlb, queueing).
 *
 * Extension: hypervisor features (sim/hyp/smr, smc, ipca, paging,
 * coherency) add hcalls with hyp_register_hcall() and observe HPT changes
 * through hyp_ext hooks; they never patch this file.
 * Ordering rule (Linux mm style): an HPTE is removed, then the TLB entries
 * that may hold it are invalidated, and only then can its slot or page be
 * reused.
 */
#ifndef LPARSIM_HYP_HYP_H
#define LPARSIM_HYP_HYP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/memport.h"
#include "core/ops.h"
#include "core/param.h"
#include "core/stats.h"
#include "memctl/memmap.h"
#include "memctl/physmem.h"
#include "mmu/hpt.h"
#include "tlb/tlb.h"
#include "hyp/smr/smr_config.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hyp_config {
    uint64_t memory;            /* bytes reserved for the hypervisor; 0 = just enough */
    uint64_t lmb_size;          /* bytes per LMB */
    uint64_t hcall_entry_cycles;
    uint64_t hcall_exit_cycles;
    uint64_t step_cycles;       /* compute per HPTE / table entry examined */
    uint64_t hpt_ratio;         /* default HPT bytes = LPAR memory / ratio */
    uint64_t spare_lmbs;        /* free LMB slots beyond the LPARs' (reclaim, restart) */
    smr_config smr;             /* shared memory regions (hypervisor.smr.*) */
} hyp_config;

extern const param_table hyp_params; /* "hypervisor" */

/* What the machine hands the hypervisor. Arrays are indexed by hardware
 * thread and must outlive the hypervisor. */
typedef struct hyp_env {
    const memmap *mm;
    physmem *pm;
    tlb **tlbs;                       /* nthreads TLBs */
    const mem_port *const *ports;     /* nthreads ports (the thread's core) */
    unsigned nthreads;
    tlbie_fabric *fabric;
    ops_reg *ops;
    stats_reg *stats;
} hyp_env;

typedef struct hyp hyp;

/* hyp_bytes: the hypervisor memory to reserve (from hyp_memory_needed or
 * the config). */
hyp *hyp_create(const hyp_config *c, const hyp_env *env, uint64_t hyp_bytes, sim_err *e);
void hyp_destroy(hyp *h);

/* HPT size for an LPAR: hpt_bytes if non-zero, else memory / hpt_ratio
 * rounded up to a power of two and clamped to the architected range. */
uint64_t hyp_hpt_size(const hyp_config *c, uint64_t lpar_memory, uint64_t hpt_bytes);
/* Hypervisor memory (bytes, a multiple of the LMB size) that holds the given
 * LPARs' HPTs and LMB tables. */
uint64_t hyp_memory_needed(const hyp_config *c, unsigned nlpars, const uint64_t *lpar_memory,
                           const uint64_t *hpt_bytes);

/* Create an LPAR of `memory` bytes (a multiple of the LMB size) with an HPT
 * of hpt_bytes (0 = default size). Returns its lpid (0, 1, ...) or -1. */
int hyp_lpar_create(hyp *h, const char *name, uint64_t memory, uint64_t hpt_bytes, sim_err *e);

unsigned hyp_lpar_count(const hyp *h);
const char *hyp_lpar_name(const hyp *h, unsigned lpid);
const hpt *hyp_lpar_hpt(const hyp *h, unsigned lpid);
uint64_t hyp_lpar_memory(const hyp *h, unsigned lpid);
/* Real address of logical address la of an LPAR, or UINT64_MAX outside its
 * memory (host-side lookup: no cycles charged; for checks and tests). */
uint64_t hyp_logical_to_real(const hyp *h, unsigned lpid, uint64_t la);
/* True if real address ra lies in an LMB owned by lpid. */
bool hyp_real_owned_by(const hyp *h, unsigned lpid, uint64_t ra);
uint64_t hyp_lmb_size(const hyp *h);
uint64_t hyp_memory_bytes(const hyp *h);

/* Make an hcall on behalf of lpid from hardware thread `thread` at cycle
 * `now`. args/rets as PAPR (up to 8 each). Returns the PAPR return code;
 * *cycles receives the hcall's duration (also recorded as its op). */
long hyp_hcall(hyp *h, unsigned lpid, unsigned thread, uint64_t now, uint64_t opcode,
               const uint64_t *args, uint64_t *rets, uint64_t *cycles);

/* A tlbie executed by the partition itself (traced guest kernel code):
 * an LPAR-scoped global flush through the tlbie fabric, queueing on the
 * LPAR's tlbie lock. Returns the cycles, queueing included. */
uint64_t hyp_partition_tlbie(hyp *h, unsigned lpid, uint64_t now);

/* ---- extension interface ---- */

/* Execution context of one hcall, for handlers. */
typedef struct hcall_ctx {
    hyp *h;
    unsigned lpid;
    unsigned thread;
    const mem_port *port;
    op_rec op;           /* op.end is "now" */
    unsigned p_compute, p_memory, p_tlb, p_queueing;
} hcall_ctx;

typedef long (*hcall_fn)(hcall_ctx *c, const uint64_t *args, uint64_t *rets);

/* Register an hcall handler (op name "hcall.<name>", parts
 * compute,memory,tlb,queueing). Returns 0, or -1 if the number is taken,
 * the table is full or ops_declare refuses the op (OP_INVALID: its name is
 * declared with other parts, or no memory). */
int hyp_register_hcall(hyp *h, uint64_t opcode, const char *name, hcall_fn fn);
/* The same with the op's full name (e.g. "smr.create") and its parts: the
 * first four must be compute,memory,tlb,queueing; NULL = just those. */
int hyp_register_hcall_op(hyp *h, uint64_t opcode, const char *op_name, const char *parts,
                          hcall_fn fn);

/* After an hcall: 0, or -1 with e set if a hypervisor check (the SMR
 * auditor) found a violation; the run must stop. */
int hyp_check_error(const hyp *h, sim_err *e);

/* Charge helpers for handlers. */
void hcall_mem(hcall_ctx *c, uint64_t paddr, uint32_t size, mem_kind kind);
void hcall_steps(hcall_ctx *c, uint64_t n);
/* Invalidate VPNs of the calling LPAR in every thread's TLB (global tlbie,
 * serialised per LPAR); charges tlb and queueing parts. */
void hcall_tlbie(hcall_ctx *c, const uint64_t *vpns, const uint8_t *psizes, unsigned n);

/* Hooks: features that keep metadata about HPTEs (reverse maps, SMR
 * reference arrays) observe every insert and removal. */
typedef struct hyp_ext {
    void *ctx;
    /* Called before an H_ENTER writes its entry, with the real page address;
     * returns H_SUCCESS or an hcall error to refuse the mapping. */
    long (*check_enter)(void *ctx, hcall_ctx *c, uint64_t real_addr, uint64_t page_bytes);
    void (*on_insert)(void *ctx, hcall_ctx *c, uint64_t ptex, hpte e, uint64_t real_addr);
    void (*on_remove)(void *ctx, hcall_ctx *c, uint64_t ptex, hpte old, uint64_t real_addr);
    /* H_ENTER's translation of a logical address: the real address when the
     * feature redirects it (a client page attached to a shared page), or
     * UINT64_MAX to use the LPAR's own LMB table. */
    uint64_t (*xlate)(void *ctx, hcall_ctx *c, uint64_t la);
} hyp_ext;

int hyp_add_ext(hyp *h, const hyp_ext *x);

#ifdef __cplusplus
}
#endif
#endif
