/*
 * cpu.h - hardware threads replaying traces.
 *
 * A cpu_thread is one SMT thread of a core of a processor module, with its
 * own TLB and local clock. When a vCPU is bound to it, it replays that
 * vCPU's trace: loads, stores and instruction fetches are translated
 * (segment -> TLB -> HPT search on a miss -> the guest's page fault when
 * the HPT has no entry) and then go through the core's caches and DRAM.
 *
 * Timing (in-order, blocking, cycle-approximate):
 *   instruction   insn_cycles (or class_cycles) + fetch stall; a one-cycle
 *                 instruction takes max(1/thread_width, k/issue_width)
 *                 cycles when k threads of the core are replaying (SMT
 *                 threads share the core's issue slots)
 *   load          stall = latency beyond hidden_latency (an L1 hit is hidden)
 *   store         posted: no stall beyond translation (the store queue drains
 *                 in the background), but its cache/DRAM traffic is modeled
 *   TLB miss      op "tlb.miss": PTEG probes (+ R/C write) and page-fault time;
 *                 a miss is a lookup without a translation allowing the
 *                 access (tlb_lookup_access: none, or a store through an
 *                 entry loaded while C = 0), so ops.tlb.miss.count equals
 *                 the threads' tlb misses
 * Records that are not memory accesses (hcalls, markers) go to the binding's
 * record hook (the guest OS), which may make the vCPU wait for another
 * (CPU_RECORD_WAIT: the record is undone, the caller runs the others). The instruction word, when a trace carries it,
 * is handed to an optional decode hook (the Capstone front end of decode.h
 * plugs in there, with cycles per instruction class from class_cycles);
 * without a word or a hook, every instruction costs insn_cycles.
 *   SLB miss      op "slb.miss" (cpu.slb, slb.h): a segment not in the
 *                 thread's SLB costs cpu.slb.miss_cycles (the guest's
 *                 handler) before the access translates
 * TLB and SLB management instructions in a trace act on the model: the
 * operand (RB) is not traced, so tlbiel drops the thread's entries of its
 * LPAR (tlbiel_flush_threshold semantics, one tlbiel per set), tlbie does a
 * global LPAR-scoped flush through the binding's tlbie hook, slbia flushes
 * the SLB, slbie/slbieg (target unknown) invalidate nothing but the
 * segment lookasides. Markers give the operand: K 16 EA (slbie of EA's
 * segment) and K 17 (slbia), see docs/trace_format.md.
 * Full-system traces (binding recorded_slb): the guest's own slbmte
 * operands (K 18 RB RS) give each segment's VSID and size (Linux mixes 1 TB
 * kernel and 256 MB user segments); the latest load covering an EA is its
 * translation (a successful access in the recording always follows its
 * segment's load, so slbie/slbia need not be replayed); an access to a
 * segment the trace never loaded is an error.
 * SLB and partition switch: when another vCPU comes onto the thread its
 * SLB is flushed (PowerVM restores only the bolted entries, from the SLB
 * shadow buffer the OS registers with H_REGISTER_VPA; see docs/memory.md).
 * Invariant: a thread's clock never decreases.
 */
#ifndef LPARSIM_CPU_CPU_H
#define LPARSIM_CPU_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/memport.h"
#include "core/ops.h"
#include "core/param.h"
#include "core/stats.h"
#include "core/trace.h"
#include "mmu/hpt.h"
#include "slb.h"
#include "tlb/tlb.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Cycles of an instruction by class when its word is decoded, in the
 * order of ppc_class (decode.h) then divide, so that a copy of the struct
 * is the array ppc_decoder_set_cycles takes (checked in thread.c). */
typedef struct cpu_class_cycles {
    uint64_t load, store, branch, integer, mul, fp, vector, barrier, tlb, syscall, other,
        invalid, div;
} cpu_class_cycles;

typedef struct cpu_config {
    uint64_t insn_cycles;    /* cycles per instruction (non-memory work) */
    uint64_t hidden_latency; /* load/fetch latency hidden by the pipeline */
    uint64_t quantum;        /* scheduler: cycles a thread may run ahead */
    uint64_t thread_width;   /* instructions one thread may issue per cycle */
    uint64_t issue_width;    /* issue slots per core cycle, shared by its SMT threads */
    bool decode;             /* decode instruction words (traces that carry them) */
    cpu_class_cycles class_cycles;
    cpu_slb_config slb;
} cpu_config;

extern const param_table cpu_params; /* "cpu" */


struct cpu_thread;

enum cpu_access { CPU_LOAD = 0, CPU_STORE = 1, CPU_IFETCH = 2 };

/* Guest page fault: make the page at ea present in the HPT (or fail).
 * Returns the cycles spent, or UINT64_MAX with e set. */
typedef uint64_t (*cpu_fault_fn)(void *ctx, struct cpu_thread *t, uint64_t ea,
                                 enum cpu_access acc, uint64_t now, sim_err *e);
/* The hypervisor's intercept of a translation miss (an HDSI/HISI the
 * hypervisor takes first, as KVM's kvmppc_hpte_hv_fault does for an LPAR
 * whose HPT may hold entries it made absent: paging, relocation). Called
 * before the guest's fault with the access that missed (vsid: its
 * segment's). *cycles receives the time the thread spent (never a blocked
 * vCPU's wait). Returns CPU_HVF_REFLECT (not the hypervisor's: the guest's
 * fault follows), CPU_HVF_RETRY (the translation was made present: walk
 * again), CPU_HVF_BLOCKED (the vCPU was taken off the thread until the
 * page arrives: the record is abandoned and replayed from its start when
 * the vCPU runs again, as the faulting instruction restarts), or -1 with
 * e set. */
enum cpu_hv_fault { CPU_HVF_REFLECT = 0, CPU_HVF_RETRY = 1, CPU_HVF_BLOCKED = 2 };
typedef int (*cpu_hv_fault_fn)(void *ctx, struct cpu_thread *t, uint64_t ea, uint64_t vsid,
                               enum cpu_access acc, uint64_t now, uint64_t *cycles, sim_err *e);
/* A trace record that is not a memory access (TR_HCALL, TR_MARKER).
 * Returns cycles, or UINT64_MAX with e set, or CPU_RECORD_WAIT: the vCPU
 * may not replay the record yet (another vCPU must act first: a
 * full-system LPAR's hcall order, K 19). The record is then undone as a
 * blocked record is (its counts back, replayed from its start next time),
 * t->waiting is set and cpu_thread_run / cpu_thread_warm return 1; the
 * caller lets the other threads run and comes back. The hook sets no error
 * for a wait; the binding's stuck hook says why when nobody can release it. */
#define CPU_RECORD_WAIT (UINT64_MAX - 1)
typedef uint64_t (*cpu_record_fn)(void *ctx, struct cpu_thread *t, const tr_rec *r,
                                  uint64_t now, sim_err *e);
/* A vCPU that waits (CPU_RECORD_WAIT) and that no other vCPU can release
 * (the caller found every thread waiting, or none left to run): set e to
 * why (naming its LPAR, vCPU and what it waits for). Returns -1. */
typedef int (*cpu_stuck_fn)(void *ctx, struct cpu_thread *t, sim_err *e);
/* A traced tlbie (global, LPAR-scoped): invalidate the LPAR's entries in
 * every thread's TLB through the tlbie fabric; returns the cycles. */
typedef uint64_t (*cpu_tlbie_fn)(void *ctx, struct cpu_thread *t, uint64_t now);

/* A TLB-fill listener (cpu_thread.on_fill): told after a walk installed a
 * translation in the thread's TLB, with the HPTE slot it was loaded from
 * (ptex, in the vCPU's HPT) and its tag (vpn, psize); returns the cycles it
 * adds to that miss (part walk of op tlb.miss). */
typedef uint64_t (*cpu_fill_fn)(void *ctx, struct cpu_thread *t, uint64_t ptex, uint64_t vpn,
                                unsigned psize, uint64_t now);

/* An access listener (cpu_thread.on_access): told of every memory access
 * of a replayed record at its real address (each page of it), at `now`.
 * Observation only: it adds no cycles (an oracle's knowledge, e.g. the
 * paging lru-oracle bound; NULL on every thread otherwise). */
typedef void (*cpu_access_fn)(void *ctx, unsigned lpid, uint64_t pa, uint64_t now);

/* A region-of-interest marker (version 2 traces, docs/roi.md) that passed
 * the vCPU's own checks (no nesting, an end matches the open begin): begin
 * or end of region `id` at the thread's clock. 0, or -1 with e set. */
typedef int (*cpu_roi_fn)(void *ctx, struct cpu_thread *t, bool begin, uint64_t id,
                          sim_err *e);

typedef struct cpu_binding {
    uint32_t lpid;
    uint32_t vcpu;        /* index within the LPAR */
    const hpt *hpt;
    struct seg_table *seg;
    uint32_t context;     /* address-space (process) id for VSIDs */
    bool seg_1t;
    hpt_psize psize;      /* page size of the LPAR's mappings */
    tr_reader *trace;     /* owned by the binder */
    uint64_t repeat;      /* passes over the trace (>= 1) */
    uint64_t max_records; /* stop after this many records (0 = no limit) */
    cpu_fault_fn fault;
    cpu_hv_fault_fn hv_fault; /* NULL: misses go to the guest's fault directly */
    cpu_record_fn record;
    cpu_stuck_fn stuck;   /* why a waiting vCPU cannot go on (NULL: a generic message) */
    void *ctx;            /* for fault / record / stuck */
    struct ppc_decoder *decoder; /* instruction words' cycles (decode.h); NULL: every
                                  * instruction costs cpu.insn_cycles */
    cpu_tlbie_fn tlbie;   /* traced tlbie (NULL: TLB left alone) */
    bool roi_markers;     /* the trace's markers 4..15 are ROI markers (version 2) */
    bool recorded_slb;    /* full-system trace: segments come from its slbmte markers
                           * (K 18), not from seg/context; no SLB miss is charged (the
                           * guest's handler is in the trace) */
    bool hseq_markers;    /* the trace's K 19 markers are hcall orders (version 3): the
                           * warm-up hands them to the record hook too */
    cpu_roi_fn roi;       /* told of each ROI marker (NULL: checked only) */
    void *roi_ctx;
} cpu_binding;

typedef struct cpu_thread_stats {
    uint64_t records, insns, loads, stores, modifies, other_records;
    uint64_t page_crossings;   /* accesses that touched two pages */
    uint64_t traced_tlbie, traced_tlbiel, traced_slb; /* TLB/SLB management in the trace */
    uint64_t slb_misses;       /* segments not in the SLB (cpu.slb.enabled) */
    uint64_t tlb_miss_cycles;  /* cycles in tlb.miss ops */
    uint64_t stall_cycles;     /* load/fetch latency beyond the hidden part */
    uint64_t busy_cycles;      /* clock advance while running the trace */
} cpu_thread_stats;

extern const stat_table cpu_thread_stat_table;

#define CPU_TRACE_BUF 256 /* records decoded per batch (22 KiB: few fresh pages) */

/* A vCPU's own state: what it replays and how far it got. A dedicated
 * vCPU lives in its hardware thread (cpu_thread_bind); a dispatcher may
 * put another vCPU on a thread (cpu_thread_switch): the trace position,
 * pass and record count go with the vCPU, the clock, TLB, SLB, caches,
 * issue slots and statistics stay with the thread. */
typedef struct cpu_vcpu {
    cpu_binding b;
    bool done;                        /* its trace is finished */
    uint64_t pass;                    /* current pass over the trace */
    uint64_t records;                 /* records replayed (for max_records) */
    unsigned page_shift, seg_shift;   /* from the binding, for the hit path */
    /* trace buffer (allocated by the first refill) */
    tr_rec *buf;
    long pos, len;
    uint32_t tag;                     /* the dispatcher's index of it */
    bool roi_in;                      /* inside region roi_id, begun at record roi_rec */
    uint64_t roi_id, roi_rec;
    /* b.recorded_slb: the latest slbmte per segment; no two overlap */
    struct cpu_rseg *rslb;
    unsigned nrslb, caprslb;
} cpu_vcpu;

/* A segment a full-system trace loaded (thread_slb.c). */
typedef struct cpu_rseg {
    uint64_t esid;  /* ea >> shift */
    unsigned shift; /* 28 (256 MB) or 40 (1 TB) */
    unsigned key;   /* storage key of its accesses (0/1) */
    uint64_t vsid;
} cpu_rseg;

/* Make v a fresh vCPU replaying b's trace from its start. */
void cpu_vcpu_init(cpu_vcpu *v, const cpu_binding *b);
void cpu_vcpu_free(cpu_vcpu *v);

typedef struct cpu_thread {
    unsigned id, module, core, smt;   /* global id, module, global core, thread in core */
    tlb *tlb;
    const mem_port *port;             /* the core's caches */
    const mem_port *walk_port;        /* what the HPT walk reads through (mmu.walk_from;
                                       * cpu_thread_init: port) */
    uint64_t clock;
    const cpu_config *cfg;
    cpu_vcpu own;                     /* the dedicated vCPU (cpu_thread_bind) */
    cpu_vcpu *v;                      /* the vCPU it runs, or NULL */
    bool bound, done;                 /* has a vCPU; that vCPU has nothing left */
    bool restart;                     /* the record in progress was abandoned: its vCPU
                                       * blocked in a hypervisor fault (CPU_HVF_BLOCKED) */
    bool waiting;                     /* the last run / warm-up stopped at a record its
                                       * vCPU may not replay yet (CPU_RECORD_WAIT) */
    /* two-entry TLB lookaside per access kind (fetch, load, store): the
     * entry last hit and the one hit before it, re-validated by their tags
     * on every use, so they never outlive an invalidation or an eviction;
     * hits still count in the TLB */
    const tlb_entry *la_entry[3], *la_prev[3];
    /* the effective page number and VPN la_entry was last hit for
     * (la_epn UINT64_MAX: none), so that the loop's fast path need not
     * form the VPN again for the same page; forgotten whenever the segment
     * slot is set (cpu_thread_segment) or la_entry cleared */
    uint64_t la_epn[3], la_vpn[3];
    uint32_t la_ctx;
    /* SLB (n = 0 when cpu.slb.enabled is false) and, per access kind, the
     * segment last used (ESID + 1, 0 = none) and its VSID: always an entry
     * of the SLB when it has one; dropped with it, and when another vCPU
     * comes (slb_vcpu: whose segments they are) */
    cpu_slb slb;
    const struct cpu_vcpu *slb_vcpu;
    uint64_t seg_key[3], seg_vsid[3];
    unsigned seg_vshift[3];           /* the segment's size: 28 or 40 (full-system traces
                                       * mix them; otherwise the vCPU's seg_shift) */
    unsigned seg_pkey[3];             /* its storage key for the PP check: 1, or a
                                       * full-system trace's (thread_slb.c) */
    op_id op_slb_miss;
    /* issue slots: single-cycle instructions cost max(1/thread_width,
     * active/issue_width) cycles, kept exactly as a fraction over
     * issue_width * thread_width; core_active counts the core's threads
     * still replaying (shared by the core's threads, owned by the caller) */
    unsigned *core_active;
    uint64_t issue_frac;
    /* the fraction's step and whole for issue_k active threads (UINT_MAX:
     * none yet), recomputed when the count changes */
    unsigned issue_k;
    uint64_t issue_units, issue_whole;
    ops_reg *ops;
    op_id op_tlb_miss;
    /* TLB-fill listener (NULL: none; set by whoever owns the machine's
     * policies, e.g. the hypervisor); stays across vCPU switches */
    cpu_fill_fn on_fill;
    void *fill_ctx;
    cpu_access_fn on_access;          /* access listener (NULL: none) */
    void *access_ctx;
    uint64_t walks;                   /* TLB misses walked (cpu_thread_warm's trackers) */
    unsigned line_shift;              /* log2 of the port's line size (0: unknown yet) */
    cpu_thread_stats st;
} cpu_thread;

int cpu_thread_init(cpu_thread *t, unsigned id, unsigned module, unsigned core, unsigned smt,
                    tlb *tl, const mem_port *port, const cpu_config *cfg, ops_reg *ops,
                    sim_err *e);
void cpu_thread_free(cpu_thread *t);
/* Give the thread its dedicated vCPU, replaying b's trace. */
void cpu_thread_bind(cpu_thread *t, const cpu_binding *b);
/* Run vCPU v on the thread from now on (NULL: none); the thread's TLB
 * lookaside is dropped (its entries stay in the TLB, LPID-tagged). */
void cpu_thread_switch(cpu_thread *t, cpu_vcpu *v);
/* The VSID of the segment the thread's current access of kind acc uses
 * (valid in the fault hook, for the guest's H_ENTER). */
static inline uint64_t cpu_thread_vsid(const cpu_thread *t, enum cpu_access acc)
{
    return t->seg_vsid[acc];
}
/* Share issue slots with the other threads of the core through *active
 * (the number of the core's threads still replaying; the thread adds
 * itself while bound and not done). NULL: no sharing. */
void cpu_thread_share_core(cpu_thread *t, unsigned *active);

/* Run records until the clock reaches `until` (or the trace ends, or the
 * vCPU must wait: t->waiting, see CPU_RECORD_WAIT).
 * Returns 1 if the thread has more to do, 0 when its trace is finished,
 * -1 on an error (e set: a bad trace, a page fault that failed). */
int cpu_thread_run(cpu_thread *t, uint64_t until, sim_err *e);

/* Warm-up (run.warmup_records, docs/roi.md): replay the thread's vCPU's
 * records functionally until it has replayed `upto` records (or its trace
 * ends): translations (TLB, segment lookaside, HPT walks and the guest's
 * page faults), cache accesses and traced TLB/SLB management and hcalls
 * act on the model as in cpu_thread_run; instructions cost nothing, loads
 * stall nothing, other markers are skipped. The clock advances only by the
 * time of walks, faults, hcalls and traced tlbie (the hypervisor's work, so
 * its resources stay ordered); the caller makes the memory below
 * functional (memhier_set_functional). A ROI marker is an error, so is an
 * hcall after which the vCPU leaves the thread. A record the vCPU must wait
 * for (CPU_RECORD_WAIT) stops it early: t->waiting, record undone, 1.
 * Returns 1 if the trace has more, 0 at its end, -1 on an error (e names
 * the trace and record). */
int cpu_thread_warm(cpu_thread *t, uint64_t upto, sim_err *e);

#ifdef __cplusplus
}
#endif
#endif
