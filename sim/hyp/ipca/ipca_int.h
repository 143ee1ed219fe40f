/*
 * ipca_int.h - private layout of the IPCA feature (sim/hyp/ipca only, and
 * white-box tests): its configuration (hypervisor.ipca.*), statistics,
 * TABLE 1 (host copy + real address in hypervisor memory where the
 * modeled accesses are charged), the auditor's independent records and the
 * transport's per-LPAR state.
 * Invariants: area[l].active iff LPAR l has a registered IPCA; an IPCA's
 * last lock interval ends at busy_until; holder >= 0 only between an
 * H_IPCA_LOCK and its H_IPCA_UNLOCK.
 */
#ifndef LPARSIM_HYP_IPCA_INT_H
#define LPARSIM_HYP_IPCA_INT_H

#include "hyp/hyp_int.h"
#include "ipca.h"

enum { IPCA_LOCK_RETURN = 0, IPCA_LOCK_SPIN = 1 };
enum { IPCA_INJECT_NONE = 0, IPCA_INJECT_SKIP_RANGE = 1, IPCA_INJECT_SKIP_LOCK = 2,
       IPCA_INJECT_SKIP_ACL = 3 };
/* hcall op parts after the four standard ones */
enum { IPCA_P_VALIDATE = 4, IPCA_P_COPY = 5 };
#define IPCA_TABLE_ENTRY 64u   /* bytes of a TABLE 1 entry */
#define IPCA_HDR 128u          /* slot header (transport) */
#define IPCA_PAGE 4096u

typedef struct ipca_config {
    bool enabled;              /* first field (feature.h) */
    uint64_t size;             /* IPCA the transport registers */
    uint64_t min_size, max_size;
    uint64_t poll_period;      /* cycles between the owner's polls */
    uint64_t scan_cycles_per_slot;
    uint64_t slot_bytes;       /* transport slot: 128 B header + payload */
    unsigned lock_policy;      /* IPCA_LOCK_* */
    unsigned access_mode;      /* 0: copy (the only mode modeled) */
    bool acl;                  /* only granted LPARs may access */
    uint64_t max_areas;        /* TABLE 1 entries (lpids 0..max_areas-1) */
    bool audit;
    unsigned inject;           /* IPCA_INJECT_* */
} ipca_config;

extern const param_table ipca_feature_params;

/* Refusals by reason (stat ipca.refused_<reason>). */
enum { IR_RANGE, IR_NOT_FOUND, IR_PARAM, IR_STATE, IR_RESOURCE, IR_BUSY, IR_AUTHORITY,
       IR_COUNT };

typedef struct ipca_stats {
    uint64_t table_bytes, registered, deregistered, pages_pinned, writes, reads, broadcasts,
        broadcast_targets, bytes_written, bytes_read, lines_copied, locks, unlocks, grants,
        revokes, busy_spins, spin_cycles, refused[IR_COUNT];
    /* transport */
    uint64_t slots_written, slots_read, polls, polls_hit, polls_empty_idle, slots_scanned,
        room_waits, partial_sends, busy_retries;
} ipca_stats;

typedef struct ipca_audit_stats {
    uint64_t checks, violations, lock_intervals, ungranted_reads, ungranted_writes;
} ipca_audit_stats;

extern const stat_table ipca_stat_table, ipca_audit_stat_table;

typedef struct ipca_area {
    bool active;
    uint64_t la, size, real;   /* logical base, bytes, real of la */
    uint64_t gen;              /* registrations so far (stale access detection) */
    int holder;                /* explicit H_IPCA_LOCK holder, or -1 */
    uint64_t lock_start;       /* start of the current explicit hold */
    uint64_t busy_until;       /* end of the last lock interval */
    uint64_t *grant;           /* bitmap of granted lpids (gwords) */
    /* transport: the owner's last poll tick scanned */
    uint64_t scan_tick;
    bool scanned;
} ipca_area;

/* The auditor's own records, kept from the hcalls' arguments only. */
typedef struct ipca_audit {
    uint64_t *la, *size;       /* registered range per lpid (size 0: none) */
    uint64_t *grant;           /* n x gwords bitmaps */
    uint64_t *lock_end;        /* end of the last lock interval per IPCA */
    uint64_t n;
} ipca_audit;

struct ipca {
    hyp *h;
    ipca_config cfg;
    ipca_area *a;              /* max_areas */
    unsigned gwords;           /* 64-bit words of a grant bitmap */
    uint64_t table_paddr, grant_paddr;
    ipca_stats st;
    ipca_audit_stats ast;
    ipca_audit *audit;         /* NULL unless auditing */
    op_id op_write, op_read, op_poll;
    /* the copy and spin cycles (and lines) of the hcalls since the
     * transport last cleared them: how it splits an hcall into its parts */
    uint64_t last_copy, last_queue, last_lines;
    unsigned next_conn;        /* transport connection ids */
    bool failed;
    sim_err err;
};

void *ipca_create(hyp *h, const void *cfg, bool audit, sim_err *e);
void ipca_destroy(void *f);
int ipca_fail(ipca *f, const char *fmt, ...);
/* Drop lpid's IPCA (deregistration, termination): counters, grants, auditor. */
void ipca_deregister(ipca *f, unsigned l);
extern const hyp_hcall_desc ipca_hcalls[IPCA_NHCALLS];

static inline bool ipca_bit(const uint64_t *v, unsigned i) { return (v[i / 64] >> (i % 64)) & 1; }
static inline uint64_t ipca_entry_addr(const ipca *f, unsigned l)
{
    return f->table_paddr + (uint64_t)IPCA_TABLE_ENTRY * l;
}
static inline uint64_t ipca_grant_addr(const ipca *f, unsigned owner, unsigned l)
{
    return f->grant_paddr + (uint64_t)owner * f->gwords * 8 + 8ull * (l / 64);
}

/* Copy len bytes between logical ranges of two LPARs on c's thread from
 * c->op.end, split at LMB boundaries; cycles to the copy part. 0 or -1. */
int ipca_copy_la(ipca *f, hcall_ctx *c, unsigned dl, uint64_t dla, unsigned sl, uint64_t sla,
                 uint64_t len);

/* auditor (ipca_audit.c) */
int ipca_audit_set(ipca *f, bool on);
void ipca_audit_register(ipca *f, unsigned lpid, uint64_t la, uint64_t size);
void ipca_audit_grant(ipca *f, unsigned owner, unsigned lpid, bool on);
/* An access by caller to target's IPCA [off, off+len) whose first byte the
 * hcall reached at real address `real`, holding the lock [start, end). */
void ipca_audit_access(ipca *f, unsigned caller, unsigned target, uint64_t off, uint64_t len,
                       uint64_t real, uint64_t start, uint64_t end, bool write);
void ipca_audit_lock(ipca *f, unsigned target, uint64_t start, uint64_t end);

/* The owner lpid's event scan runs at phase(lpid) + k x poll_period, its
 * own phase: ((lpid + 1) x 2654435761) mod poll_period (a fixed spread;
 * the patent says nothing of phases, and aligned ones would make every
 * reply wait a whole period). The first poll tick after t, and the index
 * of the tick period t lies in. */
static inline uint64_t ipca_phase(const ipca *f, unsigned lpid)
{
    return ((uint64_t)lpid + 1) * 2654435761u % f->cfg.poll_period;
}
static inline uint64_t ipca_tick_index(const ipca *f, unsigned lpid, uint64_t t)
{
    uint64_t ph = ipca_phase(f, lpid);
    return t < ph ? 0 : (t - ph) / f->cfg.poll_period + 1;
}
static inline uint64_t ipca_next_poll(const ipca *f, unsigned lpid, uint64_t t)
{
    return ipca_phase(f, lpid) + ipca_tick_index(f, lpid, t) * f->cfg.poll_period;
}

/* transport (ipca_xport.c) */
extern const hyp_transport ipca_transport;
/* Record op ipca.<write|read|poll> (parts lookup, lock_wait, copy, scan). */
void ipca_record(ipca *f, op_id id, uint64_t start, uint64_t lookup, uint64_t lock_wait,
                 uint64_t copy, uint64_t scan);

#endif
