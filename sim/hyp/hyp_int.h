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
};

/* hcall_hpt.c: registers H_ENTER ... H_BULK_REMOVE. */
int hyp_register_hpt_hcalls(hyp *h);

/* Real address for logical address la of LPAR lp, charging the LMB-table
 * read to c; UINT64_MAX if la is outside the LPAR's memory. */
uint64_t hyp_xlate_logical(hcall_ctx *c, hyp_lpar *lp, uint64_t la);

#endif
