/*
 * hyp_int.h - private layout of the hypervisor object, shared by hyp.c and
 * the hcall implementation files (never included outside sim/hyp).
 */
#ifndef LPARSIM_HYP_INT_H
#define LPARSIM_HYP_INT_H

#include "hcall.h"
#include "hyp.h"
#include "lmb.h"

#define HYP_MAX_HCALLS 64
#define HYP_MAX_EXTS 8

typedef struct hyp_lpar {
    char *name;
    uint64_t memory;        /* bytes */
    uint64_t nlmbs;
    uint64_t lmbtab_paddr;  /* real address of the LMB table (8 B per LMB) */
    uint64_t *lmb_base;     /* host copy of the table (real base per LMB) */
    hpt hpt;
} hyp_lpar;

typedef struct hyp_hcall_entry {
    uint64_t opcode;
    hcall_fn fn;
    op_id op;
} hyp_hcall_entry;

typedef struct hyp_stats {
    uint64_t hcalls;
    uint64_t hcall_errors;      /* returned something other than H_SUCCESS */
    uint64_t hcalls_unsupported;/* H_FUNCTION: no such hcall */
    uint64_t hptes_inserted;
    uint64_t hptes_removed;
} hyp_stats;

struct hyp {
    hyp_config cfg;
    hyp_env env;
    lmb_space lmb;
    hyp_lpar *lpars;
    unsigned nlpars, cap;
    hyp_hcall_entry hcalls[HYP_MAX_HCALLS];
    unsigned nhcalls;
    hyp_ext ext[HYP_MAX_EXTS];
    unsigned next;
    hyp_stats st;
    struct smr *smr;
    /* every HPTE word written (the SMR auditor's independent index) */
    void (*hpte_write_hook)(void *ctx, uint64_t paddr);
    void *hpte_write_ctx;
};

/* smr.c: the SMR feature's life cycle inside the hypervisor. */
struct smr *smr_create(hyp *h, sim_err *e);
void smr_destroy(struct smr *s);
int smr_lpar_added(struct smr *s, unsigned lpid, sim_err *e);

/* hcall_hpt.c: registers H_ENTER ... H_BULK_REMOVE. */
int hyp_register_hpt_hcalls(hyp *h);

/* Real address for logical address la of LPAR lp, charging the LMB-table
 * read to c; UINT64_MAX if la is outside the LPAR's memory. */
uint64_t hyp_xlate_logical(hcall_ctx *c, hyp_lpar *lp, uint64_t la);
/* The same, honouring hyp_ext xlate redirections (H_ENTER's translation). */
uint64_t hyp_xlate_enter(hcall_ctx *c, hyp_lpar *lp, uint64_t la);
/* Clear HPTE ptex of lpid (modeled write, hooks notified), for features that
 * remove entries of LPARs other than the caller. */
void hyp_clear_hpte(hcall_ctx *c, unsigned lpid, uint64_t ptex, hpte old);

#endif
