/*
 * shadow_int.h - TLB coherency mode `shadow` (issue 11, seed 004: the patent
 * literally), private to sim/hyp/coherency. docs/coherency.md "Mode shadow".
 *
 * Roles:
 *   primary   a guest page table in the LPAR's own logical memory, written
 *             by the guest with ordinary stores: a flat array of 8-byte
 *             PTEs at a guest-chosen logical address `pt_la` (4K-aligned),
 *             PTE i translating effective page ea_base + 4096 i:
 *               bit 0 valid, bit 1 writable, bits 12-63 the logical page
 *               (GPPN << 12); a PT page holds 512 PTEs (index i: PT page
 *               i / 512, offset i % 512)
 *   derived   per consumer thread t: its shadow HPTE of PTE i in the LPAR's
 *             HPT (the table the hardware walks) under t's own VSID
 *             (segment context SHADOW_CONTEXT0 + t: per-vCPU shadow page
 *             tables as the patent's 392A-D; KVM PR gives each vCPU its own
 *             host VSIDs the same way), and t's TLB entry loaded from it
 *   producer  the guest's store to a PT page, which the hypervisor traces
 *             (write-protected): it traps, the hypervisor emulates the store
 *             into the primary and then the strategy acts
 *   consumers the threads that hold a shadow HPTE from that PT page
 *             (hidden-fault fills record them: filter tracked), or every
 *             thread (filter all)
 *   events    E4: a guest tlbiel of the page on the consumer (it traps: the
 *             guest runs deprivileged); E2: a dispatch of the LPAR there
 * Hypervisor memory per shadow LPAR (lmb_hyp_alloc_top at attach, sized
 * by hypervisor.coherency.shadow.entries = N and the machine's threads T):
 *   gen       N x 8 B: each PTE's trace generation (394E's reference)
 *   masks     N/512 PT pages x W words: bit t set when thread t filled an
 *             entry from that PT page (the trace's consumers, step 832)
 *   smap      T x N x 8 B: HPTE index + 1 of thread t's shadow HPTE of
 *             PTE i, 0 for none (the hypervisor's own shadow bookkeeping)
 *   channels  patch-channel only: T pending lines (consumer c: bit p set
 *             while channel (p, c) is not empty), then the T x T channels,
 *             consumer-major, each a control line (head, tail) and K
 *             patches: word 0 PTBA (real address of the PT page) | in-use,
 *             word 1 the offset in that page, [394D: the new shadow HPTE's
 *             second word, 0 if the PTE is invalid] [394E: the PTE's trace
 *             generation when 394D was computed]
 * Invariants: a thread's shadow HPTE of PTE i, when smap names one, is a
 * valid HPTE for (its VSID, ea_i); a thread's TLB entry for ea_i under its
 * VSID was loaded from its shadow HPTE; after E4 of page i on t (and after
 * E2 on t, for every i) t's TLB entry and shadow HPTE of i map what the
 * primary PTE maps or are absent (checked by coherency_shadow_audit.c);
 * demands = written + coalesced + fallback_covered, written = applied +
 * pending.
 */
#ifndef LPARSIM_HYP_COHERENCY_SHADOW_INT_H
#define LPARSIM_HYP_COHERENCY_SHADOW_INT_H

#include "coherency_int.h"

#define SH_PTE_VALID 1ull
#define SH_PTE_WRITE 2ull
#define SH_PT_PER_PAGE 512u
#define SH_CONTEXT0 0x40000u /* thread t's shadow segment context: SH_CONTEXT0 + t */
#define SH_LINE 128u
#define SH_INUSE 1ull


/* Per LPAR: coherency.<lpar>.shadow.* */
typedef struct sh_stats {
    uint64_t stores;           /* traced guest stores to the PT (producers) */
    uint64_t store_cycles;     /* their cycles: trap, emulation, the strategy, exit */
    uint64_t tlbies;           /* guest tlbiels trapped (E4) */
    uint64_t tlbie_cycles;     /* their cycles, the drain included */
    uint64_t dispatch_drains;  /* dispatches that drained (E2) */
    uint64_t dispatch_cycles;  /* their cycles */
    uint64_t hidden_faults;    /* touches with no shadow HPTE: walk of the guest PT */
    uint64_t fault_cycles;
    uint64_t touches;          /* guest accesses to the traced pages */
    uint64_t touch_tlb_misses; /* of which missed in the TLB */
    uint64_t touch_cycles;     /* their cycles (hidden faults excluded) */
    uint64_t eager_updates;    /* eager: shadow HPTEs updated by the producer */
    uint64_t global_tlbies;    /* global tlbie sequences (eager, fallback) */
    uint64_t demands, written, coalesced, fallback_covered, applied, pending, overflows;
    uint64_t updated;          /* patches applied by writing 394D into the shadow HPTE */
    uint64_t invalidated;      /* patches applied by removing the shadow HPTE */
    uint64_t derived_stale;    /* of those, with a derived value whose 394E was stale */
    uint64_t absent;           /* patches whose consumer held no shadow HPTE of the PTE */
    uint64_t audit_checks;
    uint64_t use_digest;       /* FNV-1a (32 bits) of every touch's (thread, PTE, real page) */
} sh_stats;

extern const stat_table sh_stat_table;

typedef struct sh_audit sh_audit;

typedef struct sh_lpar {
    unsigned lpid;
    bool attached;
    uint64_t pt_la, pt_real;   /* the guest PT (logical, real: LMB-contiguous) */
    uint64_t entries;          /* PTEs in use (<= shadow.entries) */
    uint64_t cap;              /* shadow.entries: the bookkeeping's PTEs */
    uint64_t ea_base;
    uint64_t gen, masks, smap; /* hypervisor addresses (see above) */
    uint64_t pend, chans;      /* patch-channel: pending lines, channels */
    unsigned words;            /* 64-bit words of a mask / pending line */
    uint64_t chan_bytes;
    unsigned patch_bytes;
    uint64_t region_lines;     /* lines of the pending lines and channels */
    int16_t *owner;            /* per such line: core that wrote it last, -1 none */
    uint64_t *scratch_vpn;     /* drain: T x K */
    uint8_t *scratch_ps;
    sh_stats st;
    sh_audit *audit;
} sh_lpar;

typedef struct sh_state {
    unsigned T;
    sh_lpar **lp;              /* by lpid (NULL: not a shadow LPAR) */
    unsigned nlp;
    op_id op_store, op_tlbie, op_fault;
} sh_state;

/* Parts of op coherency.shadow.store (one traced store; trap: entry and
 * exit). */
enum { SH_S_TRAP, SH_S_EMULATE, SH_S_PRIMARY, SH_S_SCAN, SH_S_PATCH, SH_S_UPDATE, SH_S_TLB,
       SH_S_QUEUE };
#define SH_STORE_PARTS "trap,emulate,primary_write,scan,patch_write,shadow_update,tlb,queueing"
/* (an overflow fallback's HPTE write: shadow_update, its tlbie: tlb) */
/* Parts of op coherency.shadow.tlbie (a guest tlbiel: E4). */
enum { SH_T_ENTRY, SH_T_SCAN, SH_T_UPDATE, SH_T_INVALIDATE, SH_T_TLB, SH_T_EXIT };
#define SH_TLBIE_PARTS "entry,scan,update,invalidate,tlb,exit"
/* Parts of op coherency.shadow.fault (a hidden fault). */
enum { SH_F_ENTRY, SH_F_WALK, SH_F_BUILD, SH_F_TRACK, SH_F_EXIT };
#define SH_FAULT_PARTS "entry,walk,build,track,exit"

/* ---- coherency_shadow.c ---- */

uint64_t sh_memory(const coh_config *c, unsigned nlpars, unsigned nthreads);
int sh_create(coh *k, sim_err *e);
void sh_destroy(coh *k);
/* The shadow LPAR of lpid, or NULL. */
sh_lpar *sh_of(const coh *k, unsigned lpid);
/* Thread t's VSID and TLB tag (vpn) of PTE i. */
uint64_t sh_vsid(const sh_lpar *sl, unsigned t);
uint64_t sh_vpn(const sh_lpar *sl, unsigned t, uint64_t i);
/* The real page PTE i of the primary maps now (host read; UINT64_MAX:
 * invalid), and the shadow HPTE second word it derives. */
uint64_t sh_primary_real(const coh *k, const sh_lpar *sl, uint64_t i);
/* Charged accesses of a hypervisor operation: 8-byte words of the
 * bookkeeping, through x's port into part `part`. */
uint64_t sh_rd(coh *k, hcall_ctx *x, unsigned part, uint64_t a);
void sh_wr(coh *k, hcall_ctx *x, unsigned part, uint64_t a, uint64_t v);
/* Thread t's shadow HPTE of PTE i: rewritten with second word r (update),
 * or removed (r == 0, smap cleared); charged to part. false: t has none. */
bool sh_set_hpte(coh *k, sh_lpar *sl, hcall_ctx *x, unsigned part, unsigned t, uint64_t i,
                 uint64_t r);
/* Address of the bookkeeping word of thread t's shadow HPTE of PTE i. */
uint64_t sh_smap_addr(const sh_lpar *sl, unsigned t, uint64_t i);
/* Thread t's shadow HPTE of PTE i mapping `real` (R and C set, bolted). */
hpte sh_make_hpte(const sh_lpar *sl, unsigned t, uint64_t i, uint64_t real, bool writable,
                  bool secondary);
/* A trap's context on thread t at cycle `at` (op parts as given; memory
 * and compute both to p_compute). */
void sh_trap_begin(coh *k, hcall_ctx *x, unsigned t, unsigned lpid, unsigned p_compute,
                   unsigned p_tlb, unsigned p_queue, uint64_t at);
/* The shadow HPTE second word for logical page la (charged LMB read). */
uint64_t sh_derive(coh *k, sh_lpar *sl, hcall_ctx *x, unsigned part, uint64_t pte);
/* A vCPU of lpid is put on thread t (E2): drain into o (coherency.drain's
 * parts scan, invalidate, update); true if it did anything. */
bool sh_dispatched(coh *k, unsigned t, unsigned lpid, op_rec *o);

/* ---- coherency_shadow_channel.c (strategy patch-channel) ---- */

void sh_pc_produce(coh *k, sh_lpar *sl, hcall_ctx *x, uint64_t i, uint64_t pte);
/* Drain consumer t's column of sl (E4 or E2): patches applied; the TLB
 * entries of their PTEs (and of `also`, UINT64_MAX: none) dropped by one
 * tlbiel sequence. parts: scan, update, invalidate, tlb of x's op. */
uint64_t sh_pc_drain(coh *k, sh_lpar *sl, hcall_ctx *x, unsigned t, uint64_t also,
                     const unsigned parts[4]);
/* In-use patches of sl in channel memory (the auditor's count). */
uint64_t sh_pc_in_use(const coh *k, const sh_lpar *sl);

/* ---- coherency_shadow_audit.c ---- */

sh_audit *sh_audit_create(coh *k, sh_lpar *sl);
void sh_audit_destroy(sh_audit *a);
/* The guest stored pte into PTE i (primary written): every thread owes. */
void sh_audit_store(coh *k, sh_lpar *sl, uint64_t i, uint64_t pte);
/* A patch of PTE i is about to be published: the primary holds pte. */
void sh_audit_publish(coh *k, sh_lpar *sl, uint64_t i, uint64_t pte);
/* Thread t used real page rpn for PTE i (a touch). */
void sh_audit_use(coh *k, sh_lpar *sl, unsigned t, uint64_t i, uint64_t rpn);
/* E4 of PTE i on t done (i == UINT64_MAX: E2, every PTE). */
void sh_audit_event(coh *k, sh_lpar *sl, unsigned t, uint64_t i);
/* Conservation of sl's patches (after a store or a drain). */
void sh_audit_conserve(coh *k, sh_lpar *sl, const char *when);

/* ---- the driver's entry points (coherency_driver_shadow.c calls them) ---- */

/* Make lpid a shadow LPAR whose guest PT of `entries` PTEs is at logical
 * address pt_la and translates ea_base onwards. */
int coh_shadow_attach(coh *k, unsigned lpid, uint64_t pt_la, uint64_t entries, uint64_t ea_base,
                      sim_err *e);
/* The guest on thread t stores pte into PTE i (a traced write). Advances
 * t's clock. */
void coh_shadow_store(coh *k, unsigned t, unsigned lpid, uint64_t i, uint64_t pte);
/* The guest on thread t issues tlbiel of PTE i's page (E4). */
void coh_shadow_tlbiel(coh *k, unsigned t, unsigned lpid, uint64_t i);
/* The guest on thread t loads (store: stores) the page of PTE i: TLB,
 * walk of t's shadow HPTE, a hidden fault when it has none. 0, or -1 with
 * e set (the PTE is invalid: the guest's own fault, not modeled). */
int coh_shadow_touch(coh *k, unsigned t, unsigned lpid, uint64_t i, bool store, sim_err *e);

#endif
