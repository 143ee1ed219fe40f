/*
 * feature.h - the plug-in interfaces of the hypervisor: a hypervisor
 * feature (sim/hyp/<feature>/) is one ops table, and a workload driver (a
 * seeded generator of hcalls and accesses, in its feature's folder) is
 * another. The registry (registry.h, one line per feature) lists them; the
 * hypervisor core and the machine loop over it and name no feature.
 *
 * Life of an enabled feature (hypervisor.<name>.enabled: true):
 *   memory_needed  before anything is built: hypervisor bytes of its tables
 *   create         after the core (hcalls of its range registered by the
 *                  core from its hcall table, then create registers its
 *                  stats, ops, HPTE hooks and listeners)
 *   lpar_added     after each LPAR is created (its HPT and LMB table exist)
 *   platform hooks the core's LPAR termination/restart, PMB reclaim and LMB
 *                  moves notify every feature (platform.c)
 *   hyp_entered    at every hypervisor entry of a thread (hcall, wake-up
 *                  in place), before the hcall's own work
 *   check_error    after every hcall: a violation found by the feature's
 *                  auditor stops the run with its message
 *   destroy
 * A disabled feature is never created: it reserves no memory, registers no
 * hcall, and reports no statistic or op.
 */
#ifndef LPARSIM_HYP_FEATURE_H
#define LPARSIM_HYP_FEATURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/param.h"
#include "hyp/hyp.h"
#include "hyp/inval.h"
#include "hyp/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One hcall of a feature (or of PAPR): number, names and handler. The op
 * is op_name ("hcall.<NAME>" when NULL) with parts (NULL: the four
 * standard ones compute,memory,tlb,queueing, which must come first). */
typedef struct hyp_hcall_desc {
    uint64_t opcode;
    const char *name;      /* "H_SMR_CREATE" */
    const char *op_name;
    const char *parts;
    hcall_fn fn;
} hyp_hcall_desc;

/* What a feature hears from the core's platform operations (any may be
 * NULL). Mappings are removed by the core's invalidation pipeline; these
 * hooks keep the feature's own tables right. */
typedef struct hyp_platform_hooks {
    /* An LPAR is terminating: add to *t the real ranges whose mappings by
     * other LPARs must go too (pages it shares); 0 or -1 (host OOM). */
    int (*terminating)(void *f, hcall_ctx *c, unsigned lpid, hyp_ranges *shared);
    /* Its mappings are gone (its HPT is wiped, shared ranges invalidated);
     * drop what the feature held for it, before its memory is released. */
    void (*terminated)(void *f, hcall_ctx *c, unsigned lpid);
    /* The LPAR runs again, empty, on fresh LMBs. */
    void (*restarted)(void *f, hcall_ctx *c, unsigned lpid);
    /* Every mapping of [base, base+len) is gone (PMB reclaim), before its
     * LMBs move: the feature drops what it has there. */
    void (*reclaimed)(void *f, hcall_ctx *c, uint64_t base, uint64_t len);
    /* LMB k of lpid moved from real address `from` to `to`. */
    void (*lmb_moved)(void *f, hcall_ctx *c, unsigned lpid, uint64_t k, uint64_t from,
                      uint64_t to);
    /* Memory [base, base+len) is about to be reused (auditor: nothing may
     * still map it); `what` names it in a message. */
    void (*releasing)(void *f, uint64_t base, uint64_t len, const char *what);
    /* After a platform operation whose target was t (auditor). */
    void (*after)(void *f, const hyp_target *t);
} hyp_platform_hooks;

#define HYP_HVF_NOT_MINE 3
#define HYP_BACKING_PAGE 4096u /* hyp_feature.page_read / page_import */

/* Guest cooperation with the backing feature of shared-memory LPARs (the
 * core's H_PAGE_INIT, H_GET_MPP, H_SET_MPP forward to it): what H_PAGE_INIT
 * asks of one 4K logical page. */
typedef enum hyp_page_op {
    HYP_PAGE_ACTIVE = 0, /* H_PAGE_SET_ACTIVE: in use again */
    HYP_PAGE_UNUSED = 1, /* H_PAGE_SET_UNUSED: content discardable */
    HYP_PAGE_LOANED = 2, /* H_PAGE_SET_LOANED: the frame given back */
    HYP_PAGE_ZERO = 3,   /* H_ZERO_PAGE: the page's content becomes zero */
} hyp_page_op;

/* H_GET_MPP's figures (Linux struct hvcall_mpp_data, lpar.c h_get_mpp);
 * bytes unless said. */
typedef struct hyp_mpp {
    uint64_t entitled_mem, mapped_mem;
    unsigned group_num, pool_num;       /* 16 bits each */
    unsigned mem_weight, unallocated_mem_weight; /* 8 bits each */
    uint64_t unallocated_entitlement;   /* 48 bits */
    uint64_t pool_size;
    int64_t loan_request;               /* > 0: loan that much more; < 0: take back */
    uint64_t backing_mem;
} hyp_mpp;

typedef struct hyp_feature {
    const char *name;               /* config key hypervisor.<name>; stat/op prefix */
    const char *desc;               /* one line */
    const param_table *params;      /* first parameter: "enabled" (PT_BOOL at offset 0) */
    const hyp_hcall_desc *hcalls;   /* inside the feature's registry range */
    size_t nhcalls;
    /* Hypervisor bytes of its tables for these LPARs on a machine of
     * nthreads hardware threads (cfg: its config). */
    uint64_t (*memory_needed)(const void *cfg, const hyp_config *hc, unsigned nlpars,
                              const uint64_t *lpar_memory, const uint64_t *hpt_bytes,
                              unsigned nthreads);
    /* Does it need the core's reverse map (real page -> HPTE slots)?
     * *charged: its upkeep is charged to the hcalls (the tables are
     * allocated in hypervisor memory), else a host-only index. */
    bool (*wants_rmap)(const void *cfg, bool *charged);
    void *(*create)(hyp *h, const void *cfg, bool audit, sim_err *e);
    void (*destroy)(void *f);
    int (*lpar_added)(void *f, unsigned lpid, sim_err *e);
    /* Mapping finder for invalidations the core runs for platform
     * operations (NULL: the core scans every HPT). */
    int (*find)(void *f, hcall_ctx *c, const hyp_target *t, hyp_hits *out);
    hyp_platform_hooks platform;
    /* After the machine is built (every LPAR and vCPU known). */
    int (*start)(void *f, sim_err *e);
    /* The run ended (every trace replayed, or run.max_cycles): write and
     * close the feature's own output files; 0 or -1 with e set. */
    int (*finish)(void *f, sim_err *e);
    /* Timed events (the dispatcher's): the earliest due (UINT64_MAX: none)
     * and running those due at `at` (every thread has reached it). */
    uint64_t (*next_event)(const void *f);
    int (*event)(void *f, uint64_t at, sim_err *e);
    /* Blocking and interrupts (the dispatcher's): take the calling vCPU
     * off its thread until `until` (true), or false if it stays (a
     * dedicated vCPU: its thread waits).
     * An interrupt of `kind` (hyp_irq_kind) at `at` for a vCPU without a
     * thread of its own (shared): false if the feature does not dispatch
     * it; else true, with *thread the hardware thread running it now, for
     * the core to charge the delivery to (hyp_interrupt), or HYP_NO_THREAD
     * when the feature deals with it (a ceded vCPU woken, its delivery
     * charged when it runs again; one off a core takes it when next
     * dispatched, through hyp_irq_deliver; one in a timed wait does not). */
    bool (*block)(void *f, hcall_ctx *c, uint64_t until);
    bool (*interrupt)(void *f, unsigned lpid, unsigned vcpu, unsigned kind, uint64_t at,
                      unsigned *thread);
    /* A hardware thread ran out of work at `at` (its vCPU's trace ended). */
    void (*thread_idle)(void *f, unsigned thread, uint64_t at);
    /* A vCPU of lpid was put on hardware thread `thread` at `at` (by the
     * dispatcher): the cycles the thread spends before the vCPU runs (a
     * deferred TLB flush), charged to the dispatch; 0 for nothing. */
    uint64_t (*vcpu_dispatched)(void *f, unsigned thread, unsigned lpid, uint64_t at);
    /* Hardware thread c->thread, running a vCPU of c->lpid or making an
     * hcall for it, entered the hypervisor (why: hyp_entry_why): an hcall,
     * after the entry cycles and before the hcall's own work; or a wait in
     * place in the hypervisor ended (hyp_block of a vCPU that stays on its
     * thread: a dedicated vCPU's H_CEDE wake-up), at c->op.end. What the
     * feature does there it charges to c's op (its hcall part,
     * hyp_hcall_part, when it declares one). */
    void (*hyp_entered)(void *f, hcall_ctx *c, unsigned why);
    /* A part the feature adds, when enabled, to the op of every hcall (the
     * core's and every feature's, after their own parts), for the cycles
     * it spends inside hcalls; its index: hyp_hcall_part. NULL: none (the
     * hcalls' part lists are unchanged). */
    const char *hcall_part;
    /* 0, or -1 with e set: the run must stop (auditor violation). */
    int (*check_error)(const void *f, sim_err *e);
    /* Turn the feature's auditor on or off (hypervisor.audit / --audit). */
    void (*set_audit)(void *f, bool on);
    /* Shared-memory LPARs (hyp_lpar_create_shared): the feature backs them.
     * la_to_ra: host-side translation of a logical address (UINT64_MAX: not
     * resident). touch: make la resident for the LPAR's own kernel (charged
     * to c; a wait in place); its real address, or UINT64_MAX with e set. */
    bool shared_memory;
    uint64_t (*la_to_ra)(const void *f, unsigned lpid, uint64_t la);
    uint64_t (*touch)(void *f, hcall_ctx *c, uint64_t la, unsigned access, sim_err *e);
    /* A translation miss (hyp_hv_fault) of c->lpid's vCPU on c->thread:
     * HYP_HVF_NOT_MINE (nothing charged), or CPU_HVF_* having charged c
     * and recorded its own op; the feature blocks the vCPU with hyp_block
     * (CPU_HVF_BLOCKED when c->off_thread > 0 after it). -1: e set. */
    int (*hv_fault)(void *f, hcall_ctx *c, uint64_t vsid, uint64_t ea, unsigned page_shift,
                    bool seg_1t, bool store, sim_err *e);
    /* Critical areas (hyp_crit.c): a registration hcall of c->lpid names
     * [la, la+bytes) as memory the hypervisor will reach (pin true), or
     * ends that (false). The backing feature may pin the pages (charged
     * to c): H_SUCCESS, H_RESOURCE (over the LPAR's I/O entitlement). The
     * hypervisor's own access to la of c->lpid (a VPA write at dispatch):
     * its real address, the page made resident first when it is not
     * (charged to c, a wait in place); UINT64_MAX with e set. */
    long (*pin)(void *f, hcall_ctx *c, uint64_t la, uint64_t bytes, bool pin);
    uint64_t (*hv_access)(void *f, hcall_ctx *c, uint64_t la, bool store, sim_err *e);
    /* Guest cooperation (shared-memory LPARs only; NULL: H_FUNCTION).
     * page_state: H_PAGE_INIT's request `op` for the 4K page at logical la
     * of c->lpid (inside its memory, 4K-aligned), charged to c; a PAPR
     * return code. mpp: fill *m for c->lpid (H_GET_MPP); with set, first
     * take m->entitled_mem as its entitlement (H_SET_MPP; the core has
     * checked and set the weight); a PAPR return code. guest_freed:
     * accounting only (hyp_guest_freed). */
    long (*page_state)(void *f, hcall_ctx *c, uint64_t la, hyp_page_op op);
    long (*mpp)(void *f, hcall_ctx *c, bool set, hyp_mpp *m);
    void (*guest_freed)(void *f, unsigned lpid, uint64_t la);
    /* Moving a shared-memory LPAR's pages in and out of its backing
     * (migration between machines; NULL: the backer cannot). Pages are
     * 4K (HYP_BACKING_PAGE), la page-aligned.
     * page_read: the bytes of page la of lpid wherever they are (a frame:
     * read through c's port; the paging device: a device read waited for in
     * place, the page not paged in; never touched: zeros), charged to c;
     * c NULL: host side, nothing charged, counted or timed (auditors).
     * page_import: store a page's bytes as lpid's page la: into a frame
     * (to_memory, or when the page is resident: the copy charged, no HPTE
     * made) or onto its paging device (state paged out; *done: the write's
     * completion, else c's end). 0, or -1 with e set.
     * backing_counts: lpid's pages in frames now and its page-ins so far
     * (device reads of its faults).
     * ra_to_la: the logical address real address ra holds for lpid (ra in
     * a frame of one of its pages), else UINT64_MAX; host side. */
    int (*page_read)(void *f, hcall_ctx *c, unsigned lpid, uint64_t la, void *buf, sim_err *e);
    int (*page_import)(void *f, hcall_ctx *c, unsigned lpid, uint64_t la, const void *buf,
                       bool to_memory, uint64_t *done, sim_err *e);
    void (*backing_counts)(const void *f, unsigned lpid, uint64_t *resident, uint64_t *page_ins);
    uint64_t (*ra_to_la)(const void *f, unsigned lpid, uint64_t ra);
    /* Guest-to-guest transports it provides (transport.h), found by name. */
    const hyp_transport *const *transports;
    size_t ntransports;
} hyp_feature;

/* The transport called `name` (any feature's, enabled or not): its table,
 * with *state its feature's state (NULL when that feature is disabled) and
 * *owner its feature's name; NULL if no feature has one by that name. */
const hyp_transport *hyp_transport_find(const hyp *h, const char *name, void **state,
                                        const char **owner);
/* Every transport's name, ", "-separated, in buf (for messages). */
void hyp_transport_names(char *buf, size_t n);

/* ---- workload drivers ---- */

/* What a driver may use: the hypervisor (hcalls, LPAR creation), the
 * threads' TLBs and cache ports, the machine's seed, and the machine's
 * builder of traced LPARs (add_lpar: the new lpid, or -1 with e set; NULL
 * where there is none). */
typedef struct hyp_driver_env {
    hyp *h;
    const hyp_env *env;
    uint64_t seed;
    int (*add_lpar)(void *ctx, const hyp_lpar_spec *s, sim_err *e);
    void *ctx;
} hyp_driver_env;

/* A driver runs in steps. The machine runs every traced vCPU up to the
 * cycle next() returns, then calls step(); a driver whose next() is
 * UINT64_MAX is finished. Ties go to the registry order; so every front end
 * (lparsim, lparsim-sc) runs a driver identically. */
typedef struct hyp_driver {
    const char *name;               /* config key drivers.<name> */
    const param_table *params;      /* first parameter: "enabled" (PT_BOOL at offset 0) */
    /* Extra LPARs the driver will create, with their memory and HPT sizes
     * (for sizing the machine); returns the count, fills up to max. */
    unsigned (*lpars)(const void *cfg, uint64_t *memory, uint64_t *hpt_bytes, unsigned max);
    /* Check the config against the enabled features (cfg_key names the
     * offending key in errors) and create the driver (its LPARs too). */
    void *(*create)(const hyp_driver_env *env, const void *cfg, sim_err *e);
    void (*destroy)(void *d);
    uint64_t (*next)(const void *d);
    int (*step)(void *d, sim_err *e);
    /* The cycle its last operation ended (counts in sim.cycles). */
    uint64_t (*now)(const void *d);
    /* Operations done and configured (progress line). */
    void (*progress)(const void *d, uint64_t *done, uint64_t *total);
    /* Its traffic uses the threads' TLBs for LPARs that have no vCPU (never
     * dispatched), so nothing may be deferred to their dispatch. */
    bool bare_lpars;
} hyp_driver;

#ifdef __cplusplus
}
#endif
#endif
