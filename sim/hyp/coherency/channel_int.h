/*
 * channel_int.h - the patch channels of strategy patch-channel (seed 004,
 * PAPR mode), private to sim/hyp/coherency: their memory format (read by
 * the strategy and, independently, by the auditor), the strategy's state,
 * and the auditor's channel checks.
 *
 * Memory (hypervisor memory, lmb_hyp_alloc_top; every access charged
 * through the accessing thread's caches, see pc_access):
 *   summary   one 128-byte line per hardware thread (consumer): bit l set
 *             while LPAR l has patches pending for that thread
 *   per LPAR  T pending lines (consumer c: bit p set while channel (p, c)
 *             is not empty), then the T x T channels, consumer-major:
 *             channel (p, c) at base + T*128 + (c*T + p) * chan_bytes
 *   channel   a control line (head: patches the consumer took, tail:
 *             patches the producer published; a ring of K patches, slot =
 *             count % K), then the K patches, patch_bytes each
 *   patch     word 0  PTBA | in-use: the LPAR's HPT base (394B), bit 0 set
 *                     while in use (394F: the base is 256K-aligned, so the
 *                     flag costs no byte); 0 when free
 *             word 1  offset (394C): the TLB tag vpn << 2 | page size, or
 *                     PC_FLUSH_KEY for all of the LPAR's entries
 *             [words 2-3  derived value (394D): the HPTE as the change left
 *                     it (v, r), 0 if removed]      channel.derived_value
 *             [next word  usefulness (394E): the LPAR's change generation
 *                     when the value was written]    channel.usefulness
 * T = the machine's hardware threads, K = channel.patches.
 * Invariants: in each channel, the in-use patches are exactly slots
 * [head, tail) mod K and tail - head <= K; a pending bit is set iff the
 * channel is not empty; a summary bit is set iff the LPAR's pending line
 * of that consumer is not zero; a consumer's column of an LPAR is empty
 * whenever it runs that LPAR (running consumers are made coherent before
 * the hcall returns), except for mode remap's hypervisor relocations,
 * whose patches running consumers drain when the reuse gate forces them
 * (coherency_remap.c).
 */
#ifndef LPARSIM_HYP_COHERENCY_CHANNEL_INT_H
#define LPARSIM_HYP_COHERENCY_CHANNEL_INT_H

#include "coherency_int.h"

#define PC_LINE 128u
#define PC_INUSE 1ull
#define PC_FLUSH_KEY UINT64_MAX
#define PC_MAX_LPARS 1024u /* bits of a thread's summary line */

static inline uint64_t pc_key(uint64_t vpn, unsigned psize)
{
    return vpn << 2 | psize;
}

/* The memory format of one LPAR's channels. */
typedef struct pc_layout {
    uint64_t base;        /* its region: pending lines, then channels */
    uint64_t bytes;
    unsigned threads;     /* T */
    uint64_t patches;     /* K */
    unsigned patch_bytes;
    uint64_t chan_bytes;  /* control line + the patches, whole lines */
    uint64_t ptba;        /* word 0 of its in-use patches: HPT base | PC_INUSE */
} pc_layout;

static inline uint64_t pc_pending_addr(const pc_layout *l, unsigned consumer)
{
    return l->base + (uint64_t)consumer * PC_LINE;
}
static inline uint64_t pc_chan_addr(const pc_layout *l, unsigned producer, unsigned consumer)
{
    return l->base + (uint64_t)l->threads * PC_LINE +
           ((uint64_t)consumer * l->threads + producer) * l->chan_bytes;
}
static inline uint64_t pc_patch_addr(const pc_layout *l, unsigned producer, unsigned consumer,
                                     uint64_t slot)
{
    return pc_chan_addr(l, producer, consumer) + PC_LINE + slot * l->patch_bytes;
}

/* Bytes of a patch with these fields; of a channel; of one LPAR's region. */
unsigned pc_patch_bytes(const coh_channel_config *c);
uint64_t pc_chan_bytes(const coh_channel_config *c);
uint64_t pc_lpar_bytes(const coh_channel_config *c, uint64_t threads);

/* Per LPAR: coherency.<lpar>.* (channel_config.c) */
typedef struct pc_stats {
    uint64_t demands;          /* (translation, consumer) pairs the producers served by patch */
    uint64_t written;          /* patches published into a free slot */
    uint64_t coalesced;        /* pairs absorbed by a patch already pending */
    uint64_t fallback_covered; /* pairs a fallback's global tlbie made unnecessary */
    uint64_t applied;          /* patches consumers read, freed and applied */
    uint64_t postponed;        /* patches left at an event where they were not due (once each) */
    uint64_t pending;          /* patches in use now */
    uint64_t overflows;        /* publishes that found the channel full */
    uint64_t fallbacks;        /* global tlbies issued by the overflow fallback */
    uint64_t sync_tlbies;      /* global tlbies for consumers running the LPAR */
    uint64_t doorbells;        /* doorbells to running consumers (running: doorbell) */
    uint64_t drains;           /* columns of this LPAR a consumer drained */
    uint64_t full_flushes;     /* drains that flushed all of its entries */
    uint64_t channel_bytes;    /* its pending lines and channels */
    hist occupancy;            /* in-use patches of a channel after each publish */
    hist stale_window;         /* cycles from a patch's first change to its drain */
    hist drain_patches;        /* patches applied per drained column */
} pc_stats;

extern const stat_table pc_stat_table;

/* A strategy's per-LPAR state (coh_lpar.sx). */
typedef struct pc_lpar {
    pc_layout L;
    int16_t *owner;     /* per line of the region: core holding it modified, -1 none */
    uint64_t *stamp;    /* per patch slot (T*T*K): cycle of its first change */
    uint8_t *postponed; /* per patch slot: counted as postponed already */
    uint64_t gen;       /* change generation (usefulness) */
    pc_stats st;
} pc_lpar;

/* The strategy's state (coh.sx). */
typedef struct pc {
    coh_channel_config cfg;
    unsigned T;
    uint64_t summary;      /* T summary lines */
    int16_t *sum_owner;
    unsigned sum_words;    /* 64-bit words of a summary line in use */
    uint64_t *vpn;         /* drain scratch: T*K translations */
    uint8_t *ps;
    uint64_t *slot_of;     /* drain scratch: slot index of each (for the stale window) */
} pc;

/* Cycles of a modeled access by hardware thread `thread` to [paddr,
 * paddr+size) of a channel region (owner: its per-line array, region at
 * base), line by line through the thread's caches; a line another core
 * modified last costs at least channel.remote_line_cycles (the cache model
 * has no coherence: this is the transfer). */
uint64_t pc_access(coh *k, int16_t *owner, uint64_t base, unsigned thread, uint64_t paddr,
                   uint32_t size, mem_kind kind, uint64_t now);
/* Store a word of a channel region (host out of memory: the run stops). */
void pc_store(coh *k, uint64_t paddr, uint64_t v);

/* channel.c: the strategy's create/destroy/memory/lpar_added */
uint64_t pc_memory(const coh_config *c, unsigned nlpars, const uint64_t *hpt_bytes);
int pc_create(coh *k, sim_err *e);
void pc_destroy(coh *k);
int pc_lpar_added(coh *k, unsigned lpid, sim_err *e);
/* LPAR lpid's channel layout (for the auditor); NULL if it has none. */
const pc_layout *pc_layout_of(const coh *k, unsigned lpid);

/* ---- the auditor's channel checks (coherency_audit_channel.c) ---- */

typedef struct pc_audit pc_audit;
typedef enum pc_event { PC_EV_WRITTEN, PC_EV_COALESCED, PC_EV_COVERED } pc_event;

pc_audit *pc_audit_create(coh *k);
void pc_audit_destroy(pc_audit *a);
/* An HPTE word at addr was stored; its slot held translation key `was`
 * (UINT64_MAX: none known) and now holds `now` (UINT64_MAX: none). */
void pc_audit_hpte_written(pc_audit *a, uint64_t addr, uint64_t was, uint64_t now);
/* A (translation, consumer) pair of a change served: a patch published
 * into channel (p, c), coalesced into one pending there, or covered by a
 * fallback. key: pc_key or PC_FLUSH_KEY. */
void coh_audit_pc_event(coh *k, pc_event ev, unsigned lpid, unsigned p, unsigned c,
                        uint64_t key);
/* Channel (p, c) of lpid was drained: n patches applied. */
void coh_audit_pc_applied(coh *k, unsigned lpid, unsigned p, unsigned c, uint64_t n);
/* The overflow fallback of translation (vpn, psize) of lpid is done: it
 * must be out of every thread's TLB. */
void coh_audit_pc_fallback(coh *k, unsigned lpid, uint64_t vpn, unsigned psize, uint64_t at);
/* End of a produce step: every patch it published was published after
 * its primary was written, and the primary was not written again after. */
void coh_audit_pc_step_end(coh *k);
/* End of a produce step or a drain: the conservation of lpid's patches
 * against the channels' memory. */
void coh_audit_pc_check(coh *k, unsigned lpid, const char *when);

/* coherency_audit.c, for the channel checks: the index key of a
 * translation, a violation (stops the run), and the check that no thread's
 * TLB (running or not) holds (lpid, vpn, psize) against the HPT. */
uint64_t coh_audit_tkey(unsigned lpid, uint64_t vpn, unsigned psize);
void coh_audit_violation(coh *k, const char *msg);
void coh_audit_key_everywhere(coh *k, unsigned lpid, uint64_t vpn, unsigned psize,
                              const char *when);
pc_audit *coh_audit_pc(const coh *k);

#endif
