/*
 * smc_int.h - private state of the SMC feature (seed 001, US 8,930,507):
 * per-VLAN shared-memory pools carved from hypervisor memory, SMBs with
 * owner/peer/signal tokens, status bit arrays, the hcalls over them, the
 * auditor, and the transports "smc" and "smcd-linux" (docs/smc.md).
 *
 * Layout of one SMB (smb_size bytes, real, in a pool):
 *   [ctl line dir 0 (128 B)][ring dir 0][ctl line dir 1 (128 B)][ring dir 1]
 * direction 0 is produced by the owner (written into by it, read by the
 * peer), direction 1 by the peer. A control line holds the producer's
 * word PROD (offset 0) and the consumer's word CONS (offset 8): bits 0..47
 * a byte count (monotonic), bit 63 WAITING (on PROD: the consumer sleeps
 * until PROD changes; on CONS: the producer is write-blocked).
 * Invariants: a token is valid iff its lpid is the caller, its generation
 * is the SMB's and the SMB's state fits; every state change that ends a
 * binding bumps the generation (rescinding every token); an SMB is zeroed
 * when it goes back to FREE, so a new owner reads zeroes.
 */
#ifndef LPARSIM_HYP_SMC_INT_H
#define LPARSIM_HYP_SMC_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "hyp/hyp_int.h"

/* hcall numbers (registry range 0xE200..0xE23C) */
#define H_SM_POOL 0xE200
#define H_SM_POOL_FREE 0xE204
#define H_SM_JOIN 0xE208
#define H_SM_QUERY_GID 0xE20C
#define H_SM_CREATE 0xE210
#define H_SM_BIND 0xE214
#define H_SM_ACCEPT 0xE218
#define H_SM_MOVE 0xE21C
#define H_SM_CS_MOVE 0xE220
#define H_SM_SIGNAL 0xE224
#define H_SM_SBA 0xE228
#define H_SM_UNBIND 0xE22C
#define H_SM_DESTROY 0xE230
#define SMC_NHCALLS 13

/* token types */
enum { SMC_TOK_OWNER = 1, SMC_TOK_PEER = 2, SMC_TOK_SIG = 3, SMC_TOK_OFFER = 4 };
/* H_SM_MOVE directions and H_SM_CS_MOVE flags */
enum { SMC_TO_SMB = 0, SMC_FROM_SMB = 1 };
#define SMC_SIG_IF_WAITING 1ull
#define SMC_WAITING (1ull << 63)
#define SMC_COUNT_MASK ((1ull << 48) - 1)
#define SMC_CTL 128u             /* control line bytes */
#define SMC_DESC_BYTES 128u      /* SMB descriptor in hypervisor memory */
#define SMC_REMOTE_CEC (1ull << 48) /* gid cec field != 0: another CEC */

enum { SMB_FREE = 0, SMB_OWNED, SMB_OFFERED, SMB_BOUND };
enum { SMC_SIG_CS = 0, SMC_SIG_ALWAYS = 1, SMC_SIG_NEVER = 2 };
enum { SMC_INJ_NONE = 0, SMC_INJ_SKIP_ZERO = 1, SMC_INJ_SKIP_GEN = 2 };
/* op parts of every H_SM_* hcall after the four standard ones */
enum { SMC_P_VALIDATE = 4, SMC_P_COPY = 5, SMC_P_SIGNAL = 6 };

typedef struct smc_config {
    bool enabled;
    uint64_t vlans;             /* internal VLANs, each with its own pool */
    uint64_t pool_bytes;        /* per VLAN */
    uint64_t smb_size;
    uint64_t smbe_ring;         /* ring bytes per direction */
    unsigned signal_policy;     /* SMC_SIG_* (transport "smc") */
    uint64_t signal_cycles;
    uint64_t cons_update_limit; /* percent of the ring */
    uint64_t offer_timeout;     /* cycles */
    bool direction_check;
    bool mapped_rx;             /* polls are loads (ablation of hcall-only access) */
    uint64_t admin_lpid;        /* the LPAR allowed H_SM_POOL / H_SM_POOL_FREE */
    uint64_t max_members;       /* LPARs (lpid < this) that may join; SBAs reserved */
    uint64_t page_bytes;        /* smcd-linux: ism_move chunk bound */
    bool audit;
    unsigned inject;            /* SMC_INJ_*: a deliberately broken build */
    int64_t pool_node;          /* processor module the pools are placed on; -1: any */
} smc_config;

extern const param_table smc_feature_params;

typedef struct smc_stats {
    uint64_t pool_bytes, smbs, smbs_in_use, smbs_high_water;
    uint64_t joins, created, bound, rejected, destroyed;
    uint64_t tokens_issued, tokens_rescinded;
    uint64_t refused_stale, refused_authority, refused_parameter, refused_permission;
    uint64_t refused_state, refused_not_found, refused_resource, refused_privilege;
    uint64_t moves, bytes_moved, cs_moves, cs_failures;
    uint64_t signals_raised, signals_skipped, interrupts, sba_scans, bytes_zeroed;
    uint64_t fallback[5];       /* by smc_fallback_names index */
    uint64_t setups, teardowns;
} smc_stats;

typedef struct smc_audit_stats {
    uint64_t checks, violations, grants, revokes, hptes_checked;
} smc_audit_stats;

typedef struct smc_smb {
    unsigned state, vlan;
    uint32_t owner, peer;
    uint64_t gen;
    uint64_t real;              /* base in the pool */
    uint64_t offer_at;          /* cycle of the bind (offer expiry) */
} smc_smb;

typedef struct smc_pool {
    uint64_t real, bytes;       /* reserved region */
    uint64_t first, nsmb;       /* global SMB index of its first, count in use */
    uint64_t cap;               /* SMBs the reserved region holds */
    bool enabled;
} smc_pool;

typedef struct smc_member {
    bool joined;
    uint64_t gid;
    uint64_t sba_paddr;         /* summary, event, then a bit per SMB */
    uint64_t summary, event;
    uint64_t *bits;             /* host copy of the per-SMB bits */
} smc_member;

typedef struct smc_audit smc_audit;

typedef struct smc {
    hyp *h;
    smc_config cfg;
    smc_pool *pool;             /* cfg.vlans */
    smc_smb *smb;               /* every pool's SMBs, by global index */
    uint64_t nsmb_total;        /* capacity over all pools */
    uint64_t desc_paddr;        /* SMB descriptors (128 B each) */
    uint64_t sba_bytes;         /* per member per VLAN */
    uint64_t sba_paddr;         /* max_members x vlans SBAs */
    smc_member *mem;            /* [lpid * vlans + vlan], max_members x vlans */
    smc_stats st;
    smc_audit_stats ast;
    smc_audit *audit;
    bool failed;
    sim_err err;
    /* host-side notes of the last hcall for the transports' accounting */
    uint64_t last_copy, last_signal, last_lines;
    bool last_irq;
    unsigned last_irq_lpid;
    op_id op_setup, op_teardown;
} smc;

/* smc.c */
smc *smc_of(hcall_ctx *c);
void smc_fail(smc *s, const char *fmt, ...);
uint64_t smc_desc_addr(const smc *s, uint64_t i);
smc_member *smc_member_of(smc *s, unsigned lpid, unsigned vlan);
uint64_t smc_ring(const smc *s);
uint64_t smc_dir_base(const smc *s, unsigned dir); /* offset of dir's ctl line */
/* Tear down SMB i (gen++, SBA bits dropped, zeroed, FREE), charged to c
 * when not NULL (part `part`). */
void smc_smb_release(smc *s, hcall_ctx *c, uint64_t i, unsigned part);
void smc_count_rc(smc *s, long rc);

/* smc_hcalls.c / smc_data.c */
extern const hyp_hcall_desc smc_hcalls[SMC_NHCALLS];
uint64_t smc_token(unsigned type, uint64_t gen, uint64_t smb, unsigned lpid);
/* Validate a token for the caller (charged to validate): H_SUCCESS with
 * *smb, or the refusal. types: bit mask of accepted types. */
long smc_check_token(hcall_ctx *c, uint64_t tok, unsigned types, uint64_t *smb);
/* The same, and the SMB's state in `states` (bit mask of SMB_*; 0: any):
 * else H_R_STATE. */
long smc_token_smb(hcall_ctx *c, uint64_t tok, unsigned types, unsigned states, uint64_t *smb);
long smc_h_move(hcall_ctx *c, const uint64_t *a, uint64_t *r);
long smc_h_cs_move(hcall_ctx *c, const uint64_t *a, uint64_t *r);
long smc_h_signal(hcall_ctx *c, const uint64_t *a, uint64_t *r);
long smc_h_sba(hcall_ctx *c, const uint64_t *a, uint64_t *r);
/* Raise SMB i's bit at lpid's SBA (charged to c's signal part); true if
 * the summary went 0 -> 1 (an interrupt). */
bool smc_raise(smc *s, hcall_ctx *c, uint64_t i, unsigned lpid);

/* smc_audit.c */
int smc_audit_create(smc *s);
void smc_audit_destroy(smc_audit *a);
void smc_audit_grant(smc *s, unsigned lpid, uint64_t smb, uint64_t gen);
void smc_audit_revoke(smc *s, uint64_t smb);
void smc_audit_access(smc *s, unsigned lpid, uint64_t smb, uint64_t gen, uint64_t off,
                      uint64_t len, const char *what);
void smc_audit_cursor(smc *s, uint64_t smb, unsigned dir, unsigned word, uint64_t val);
void smc_audit_created(smc *s, uint64_t smb);

/* smc_xport*.c */
extern const hyp_transport smc_xport_smc, smc_xport_smcd;
extern const char *const smc_fallback_names[5];
enum { SMC_FB_PEERNOSMC = 0, SMC_FB_NOSMCDDEV, SMC_FB_MEM, SMC_FB_ISMVLANERR, SMC_FB_DIFFPREFIX };

#endif
