/*
 * guest.h - the guest OS model of one LPAR, and the LPAR/vCPU config.
 *
 * The guest keeps, per address space (process context), a Linux-like page
 * table mapping effective pages to logical pages. On a page fault (the HPT
 * has no entry) it looks the page up (a modeled read of its PTE), allocates
 * a logical page on first touch (optionally zeroing it, modeled line by
 * line), and inserts the translation with H_ENTER using Linux's policy:
 * primary PTEG; if full, the secondary PTEG (H set); if both are full,
 * H_REMOVE a non-bolted entry of a randomly chosen group starting at a
 * random slot (H_ANDCOND with BOLTED, as pSeries Linux does), then retry.
 * Each fault is one op "page_fault" (parts compute, memory, hcall).
 * Trace records of kind hcall are issued to the hypervisor as they are.
 * Markers (core/trace.h): idle and wait cede the vCPU (H_CEDE, timed or
 * not); a doorbell marker sends a doorbell to another vCPU of the LPAR
 * (hyp_doorbell), a vCPU the LPAR does not have being an error.
 * Invariants: a (context, effective page) maps to at most one logical page;
 * logical pages are never handed out twice; the guest only names logical
 * addresses inside its own memory.
 */
#ifndef LPARSIM_LPAR_GUEST_H
#define LPARSIM_LPAR_GUEST_H

#include <stdint.h>

#include "core/err.h"
#include "core/ops.h"
#include "core/param.h"
#include "core/stats.h"
#include "cpu/cpu.h"
#include "hyp/hyp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct guest_config {
    uint64_t fault_cycles;   /* guest kernel work per page fault */
    bool zero_new_pages;     /* clear a page on first touch (modeled stores) */
    unsigned vpa;            /* GUEST_VPA_*: register a VPA per vCPU */
    bool free_hint;          /* shared LPARs: H_PAGE_INIT set-unused on each free */
    bool cmm;                /* shared LPARs: the CMM balloon */
    double cmm_poll_us;
    uint64_t cmm_min_mem;    /* bytes */
    uint64_t cmm_oom_kb;
} guest_config;
enum { GUEST_VPA_AUTO = 0, GUEST_VPA_ON = 1, GUEST_VPA_OFF = 2 };

extern const param_table guest_params; /* "guest" */

typedef struct vcpu_config {
    uint64_t thread;       /* hardware thread (global index) */
    char *trace;           /* native trace file */
    uint64_t process;      /* address-space id; 0 = a private one per vCPU */
    uint64_t repeat;       /* passes over the trace */
    int64_t warmup_records; /* records of its warm-up; -1: run.warmup_records */
} vcpu_config;

enum { LPAR_PAGE_4K = 0, LPAR_PAGE_64K = 1, LPAR_PAGE_16M = 2 };
enum { LPAR_SEG_256M = 0, LPAR_SEG_1T = 1 };
enum { LPAR_MEM_DEDICATED = 0, LPAR_MEM_SHARED = 1 };
enum { LPAR_GUEST_MODEL = 0, LPAR_GUEST_FULL_SYSTEM = 1 };

typedef struct lpar_config {
    char *name;
    uint64_t memory;      /* bytes, whole LMBs */
    unsigned page_size;   /* LPAR_PAGE_* */
    unsigned segment;     /* LPAR_SEG_* */
    uint64_t hpt_size;    /* bytes; 0 = hypervisor default */
    hyp_procs processors; /* dedicated or shared */
    unsigned memory_mode; /* LPAR_MEM_* */
    unsigned guest;       /* LPAR_GUEST_*: the guest model, or full-system traces */
    uint64_t memory_weight; /* shared memory: 0..255 */
    param_list vcpus;     /* of vcpu_config */
    param_list home_nodes; /* of lpar_node_config: processor modules (numa.enabled) */
    param_list node_pages; /* of lpar_pages_config: desired 4K pages per home node */
} lpar_config;

/* One element of lpars[].home_nodes and of lpars[].node_pages (written
 * as bare scalars: home_nodes: [0, 1]). */
typedef struct lpar_node_config {
    uint64_t node;
} lpar_node_config;
typedef struct lpar_pages_config {
    uint64_t pages;
} lpar_pages_config;

extern const param_table vcpu_params;
extern const param_table lpar_params; /* one element of "lpars" */

typedef struct guest guest;

guest *guest_create(const guest_config *c, hyp *h, unsigned lpid, const lpar_config *lc,
                    uint64_t seed, ops_reg *ops, stats_reg *stats, sim_err *e);
void guest_destroy(guest *g);

/* Fill a cpu_binding for vCPU `vcpu` of this guest: fault and record
 * handlers, HPT, segment table, address-space id, page size. The caller
 * adds the trace, repeat and max_records. */
void guest_binding(guest *g, unsigned vcpu, uint32_t context, cpu_binding *b);

/* Logical pages handed out so far. */
uint64_t guest_pages_used(const guest *g);

#ifdef __cplusplus
}
#endif
#endif
