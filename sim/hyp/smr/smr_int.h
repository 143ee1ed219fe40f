/*
 * smr_int.h - private layout of the SMR state, the execution context that
 * charges the hypervisor's work, and the strategy interface (sim/hyp/smr
 * only, and white-box tests).
 *
 * Host-side truth: every structure has a host copy (bitmaps, page lists,
 * hash maps) and, for the structures the selected strategy keeps, a real
 * address in hypervisor memory where the modeled accesses are charged.
 * All three strategies keep their host indexes up to date at all times
 * (so the auditor can ask each of them), but only the selected strategy
 * charges cycles for its upkeep and its search.
 */
#ifndef LPARSIM_HYP_SMR_INT_H
#define LPARSIM_HYP_SMR_INT_H

#include "core/u64map.h"
#include "hyp/hyp_int.h"
#include "smr.h"

#define SMR_PAGE_SHIFT 12 /* host indexes are kept per 4K real page */
#define SMR_ATTACH_BUCKETS 65536u /* attachment hash table (16 B buckets) */

typedef struct smr_page {
    uint64_t real;      /* real address of the shared page */
    uint64_t server_la; /* the server's logical address of it */
} smr_page;

typedef struct smr_region {
    bool active;
    uint32_t server;
    uint8_t pshift;     /* page size of the SMR's pages (12, 16, 24) */
    uint64_t npages;    /* high-water mark of the page list; removed pages
                           leave holes (real = UINT64_MAX) that ADD reuses */
    uint64_t nactive;   /* pages currently shared */
    smr_page *pages;    /* max_pages, allocated at creation */
    uint64_t *auth;     /* authorised clients, a bit per lpid */
    uint64_t *ref;      /* reference array row: LPARs that mapped a page */
} smr_region;

/* SMR page sizes (H_SMR_CREATE's page shift): 4K, 64K, 16M. */
enum { SMR_PAGE_SIZES = 3 };
static inline unsigned smr_size_index(unsigned pshift) { return pshift == 12 ? 0 : pshift == 16 ? 1 : 2; }
static inline unsigned smr_size_shift(unsigned k) { return k == 0 ? 12 : k == 1 ? 16 : 24; }

typedef struct smr_lpar {
    int32_t server_slot;  /* -1 until the LPAR creates its first SMR */
    bool alive;
    uint64_t nattach;     /* logical pages attached to shared pages */
    uint64_t nattach_size[SMR_PAGE_SIZES]; /* ... of each SMR page size */
    uint64_t strat_paddr; /* the selected strategy's per-LPAR tables (export
                             vectors; rmap heads + revmap), laid out by it */
} smr_lpar;

/* Targets and hits are the invalidation pipeline's (inval.h). */

/* Hypervisor work is charged to an hcall_ctx; during an invalidation that
 * is a sub-context whose op is smr.invalidate and whose compute/memory
 * parts point at the current phase (find, hpte_remove). A NULL context is
 * a dry run (upkeep of a strategy that is not selected, or the auditor
 * asking a strategy): nothing is charged. */
typedef hcall_ctx smr_exec;

struct smr;

/* A strategy: upkeep hooks (called for every strategy, with a dry exec
 * unless it is the selected one) and its search. */
typedef struct smr_strategy_ops {
    const char *name;
    /* hypervisor bytes of metadata: per LPAR and once */
    uint64_t (*lpar_bytes)(const smr_config *c, uint64_t lmb_size, uint64_t memory,
                           uint64_t hpt_bytes);
    uint64_t (*global_bytes)(const smr_config *c);
    void *(*create)(struct smr *s);
    void (*destroy)(void *st);
    /* an HPTE became valid / was cleared (real = the page it maps) */
    int (*on_insert)(void *st, smr_exec *x, unsigned lpid, uint64_t ptex, uint64_t real);
    void (*on_remove)(void *st, smr_exec *x, unsigned lpid, uint64_t ptex, uint64_t real);
    /* a page joined / left an SMR; a client attached a page of SMR id */
    void (*on_share)(void *st, smr_exec *x, uint64_t id, uint64_t real, bool added);
    void (*on_attach)(void *st, smr_exec *x, uint64_t id, unsigned lpid);
    /* an LPAR's mappings of SMR id are all gone (deauthorise, destroy,
     * termination): the strategy may forget it */
    void (*on_forget)(void *st, smr_exec *x, uint64_t id, unsigned lpid);
    /* every valid HPTE of the target, in (lpid, ptex) order; -1 on host OOM */
    int (*find)(void *st, smr_exec *x, const hyp_target *t, hyp_hits *out);
} smr_strategy_ops;

extern const smr_strategy_ops smr_exhaustive_ops, smr_export_vector_ops, smr_rmap_ops;

typedef struct smr_stats {
    uint64_t metadata_bytes;  /* the selected strategy's tables */
    uint64_t table_bytes;     /* SMR descriptors, page lists, authorisations */
    uint64_t created, destroyed, pages_shared, attaches, detaches;
    uint64_t invalidations, mappings_invalidated, lpars_scanned, hpt_lines_scanned;
    uint64_t rmap_entries_walked;
} smr_stats;

typedef struct smr_audit_stats {
    uint64_t checks, violations, hptes_checked, tlb_entries_checked, cross_checks;
} smr_audit_stats;

struct smr {
    hyp *h;
    smr_config cfg;
    uint64_t nsmr;        /* max_per_server x max_servers */
    unsigned vwords;      /* 64-bit words per LPAR vector */
    unsigned evwords;     /* 64-bit words per export vector */
    uint64_t vbytes, evbytes;
    smr_region *r;        /* nsmr */
    smr_lpar *lp;         /* per lpid (grown with the LPARs) */
    unsigned nlp, caplp;
    uint32_t *slot_lpid;  /* server slot -> lpid (UINT32_MAX free) */
    /* real addresses of the common tables */
    uint64_t desc_paddr;  /* 64 B per SMR */
    uint64_t auth_paddr;  /* vbytes per SMR */
    uint64_t pages_paddr; /* 8 B x max_pages per SMR */
    uint64_t slots_paddr; /* 8 B per server slot */
    uint64_t attach_paddr;/* attachment hash table */
    uint64_t strat_paddr; /* the selected strategy's global tables */
    u64map page_smr;      /* real 4K page -> id << 32 | index (shared pages) */
    u64map attach;        /* smr_attach_key(lpid, la) -> id << 32 | index */
    u64map grant;         /* smr_attach_key(lpid, real) -> (la >> 12) + 1 of its attachment */
    u64map client_smr;    /* smr_client_key(lpid, id) -> attachments of lpid to pages of id */
    const smr_strategy_ops *ops[SMR_STRATEGY_COUNT];
    void *st[SMR_STRATEGY_COUNT];
    unsigned sel;
    op_id op_inv;
    smr_stats stt;
    smr_audit_stats ast;
    bool audit;
    void *audit_state;
    bool failed;
    sim_err err;
};

extern const stat_table smr_stat_table, smr_audit_stat_table;
#define SMR_NHCALLS 10
extern const hyp_hcall_desc smr_hcalls[SMR_NHCALLS];

/* smr.c: the feature's life cycle */
void *smr_create(hyp *h, const void *cfg, bool audit, sim_err *e);
void smr_destroy(void *s);
int smr_lpar_added(void *s, unsigned lpid, sim_err *e);
uint64_t smr_memory_needed(const void *cfg, const hyp_config *hc, unsigned nlpars,
                           const uint64_t *lpar_memory, const uint64_t *hpt_bytes,
                           unsigned nthreads);

/* smr.c: charging helpers (no-ops on a NULL context) */
void smr_mem(smr_exec *x, uint64_t paddr, uint32_t size, mem_kind kind);
void smr_steps(smr_exec *x, uint64_t n);
/* Context for upkeep by strategy k: c if k is selected, else NULL. */
smr_exec *smr_for(const smr *s, unsigned k, smr_exec *c);
/* Scan lpid's whole HPT for valid entries mapping the target (the walk
 * the exhaustive and export-vector strategies share; the core's scan,
 * counted in smr.lpars_scanned / hpt_lines_scanned when charged). */
int smr_scan_hpt(smr *s, smr_exec *x, unsigned lpid, const hyp_target *t, hyp_hits *out);
/* The lpid owning real address ra (LMB_FREE/LMB_HYP otherwise). */
uint32_t smr_slot_owner(const smr *s, uint64_t ra);
/* Logical LMB index of slot holding ra in its owner (host lookup). */
uint64_t smr_lmb_index(const smr *s, uint32_t lpid, uint64_t ra);

/* smr_inval.c: find and invalidate every mapping of the target through
 * the core's pipeline (one smr.invalidate op, added to c's "invalidate"
 * part). 0 or -1 (host OOM). */
int smr_end_sharing(smr *s, hcall_ctx *c, const hyp_target *t);
#define SMR_PART_INVALIDATE 4
/* The finder the pipeline calls: the selected strategy's search, checked
 * against every other strategy by the auditor (when on). */
int smr_find(void *s, hcall_ctx *x, const hyp_target *t, hyp_hits *out);

/* smr_platform.c: the hooks of the core's platform operations */
int smr_on_terminating(void *s, hcall_ctx *c, unsigned lpid, hyp_ranges *shared);
void smr_on_terminated(void *s, hcall_ctx *c, unsigned lpid);
void smr_on_reclaimed(void *s, hcall_ctx *c, uint64_t base, uint64_t len);
void smr_on_releasing(void *s, uint64_t base, uint64_t len, const char *what);
void smr_on_after(void *s, const hyp_target *t);
/* Remove page index of SMR id (after its mappings were invalidated):
 * detach every client attached to it, update the tables. */
void smr_drop_page(smr *s, smr_exec *x, uint64_t id, uint64_t index);
/* Drop lpid's attachment of logical page la (its mappings already gone). */
void smr_detach(smr *s, smr_exec *x, unsigned lpid, uint64_t la);
/* Target ranges of pages [first, first+count) of SMR id (skipping holes),
 * merged; *n receives the count. Caller frees. */
hyp_range *smr_region_ranges(const smr *s, uint64_t id, uint64_t first, uint64_t count,
                             unsigned *n);
uint64_t smr_attach_bucket(const smr *s, uint64_t key);
/* Key of (lpid, 4K page of address a): lpids are below 2^20 (max_lpars),
 * addresses below 2^56 (LPAR memory; real memory in practice). Callers
 * check a logical address against the LPAR's memory first, so no address
 * can alias another LPAR's key. */
#define SMR_KEY_SHIFT 44
static inline uint64_t smr_attach_key(unsigned lpid, uint64_t a)
{
    return (uint64_t)lpid << SMR_KEY_SHIFT | a >> 12;
}
static inline unsigned smr_key_lpid(uint64_t key) { return (unsigned)(key >> SMR_KEY_SHIFT); }
static inline uint64_t smr_key_addr(uint64_t key)
{
    return (key & ((1ull << SMR_KEY_SHIFT) - 1)) << 12;
}
/* ids range up to max_per_server x max_servers = 2^32, lpids below 2^20 */
static inline uint64_t smr_client_key(unsigned lpid, uint64_t id) { return (uint64_t)lpid << 32 | id; }

/* smr_hcalls.c */
int smr_register_hcalls(smr *s);
/* Destroy SMR id as its server would (a trigger of its own). */
long smr_destroy_region(hcall_ctx *c, uint64_t id);

/* smr_audit.c */
void *smr_audit_create(smr *s);
void smr_audit_hpte_listener(void *a, uint64_t hpte_paddr);
void smr_audit_destroy(void *a);
/* after a sharing op; the target (may be NULL) is what ended */
void smr_audit_after(smr *s, const hyp_target *t);
/* before invalidating: every strategy must find `hits` */
void smr_audit_cross(smr *s, const hyp_target *t, const hyp_hits *hits);
/* before a slot or page is reused: nothing may map it */
void smr_audit_free(smr *s, uint64_t base, uint64_t len, const char *what);
bool smr_entitled(const smr *s, unsigned lpid, uint64_t real);
void smr_fail(smr *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* For tests: replace the selected strategy's operations (e.g. a broken
 * one); the state stays the original's. */
void smr_test_set_ops(smr *s, const smr_strategy_ops *ops);

static inline uint64_t smr_vbit(const uint64_t *v, unsigned i) { return v[i / 64] >> (i % 64) & 1; }

#endif
