/*
 * slb.h - the segment lookaside buffer of one hardware thread (ESID ->
 * VSID), as the guest OS manages it on POWER hash MMUs.
 *
 * Model: `entries` slots (cpu.slb.entries, POWER9: 32), of which `bolted`
 * hold the kernel's bolted segments (Linux SLB_NUM_BOLTED = 2: the linear
 * mapping and the kernel stack) and are never replaced or invalidated by
 * the model; the remaining n = entries - bolted hold the trace's segments.
 * An SLB miss raises a segment interrupt, taken by the guest's handler
 * (Linux do_slb_fault -> slb_allocate_user -> slb_insert_entry), which
 * computes the VSID arithmetically (no table walk) and writes the entry
 * with slbmte into a free slot if there is one (Linux's slb_used_bitmap,
 * lowest free first), else into the round-robin victim (Linux's
 * paca->stab_rr, cycling over the non-bolted slots). Its cost is
 * cpu.slb.miss_cycles (see the parameter), charged by thread.c.
 * Keys are ESID + 1 (0 = invalid) for the segment size of the vCPU
 * running on the thread.
 * Invariants: a key is in at most one slot; 0 <= rr < n; the SLB holds the
 * entries of one vCPU (the thread flushes it when another vCPU comes).
 */
#ifndef LPARSIM_CPU_SLB_H
#define LPARSIM_CPU_SLB_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/param.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cpu_slb_config {
    bool enabled;         /* false: no SLB, no misses (segments are free, as before issue 14) */
    uint64_t entries;     /* SLB slots, bolted included */
    uint64_t bolted;      /* slots the guest kernel keeps bolted */
    uint64_t miss_cycles; /* cost of one SLB miss (the guest's handler) */
} cpu_slb_config;

extern const param_table cpu_slb_params; /* "cpu.slb" */

/* Check what the declared ranges cannot: bolted < entries. Errors name
 * the key (cpu.slb.bolted). 0 or -1. */
int cpu_slb_config_check(const cpu_slb_config *c, sim_err *e);

typedef struct cpu_slb_entry {
    uint64_t key;  /* ESID + 1, 0 = free */
    uint64_t vsid;
} cpu_slb_entry;

typedef struct cpu_slb {
    cpu_slb_entry *e; /* n non-bolted slots */
    unsigned n;       /* 0: no SLB modeled */
    unsigned used;    /* slots holding an entry */
    unsigned rr;      /* next round-robin victim */
} cpu_slb;

/* n = entries - bolted slots, or none when !c->enabled. 0 or -1 (memory). */
int cpu_slb_init(cpu_slb *s, const cpu_slb_config *c, sim_err *e);
void cpu_slb_free(cpu_slb *s);

/* The entry holding key, or NULL. */
const cpu_slb_entry *cpu_slb_find(const cpu_slb *s, uint64_t key);
/* Install key -> vsid (key not present) in the lowest free slot, else in
 * the round-robin victim; returns the key it replaced (0: a free slot). */
uint64_t cpu_slb_insert(cpu_slb *s, uint64_t key, uint64_t vsid);
/* slbie: drop key; returns whether it was there. */
bool cpu_slb_inval(cpu_slb *s, uint64_t key);
/* slbia / partition switch: drop every non-bolted entry; the round robin
 * restarts at the first slot (Linux resets slb_used_bitmap and stab_rr
 * refills from the free slots). */
void cpu_slb_flush(cpu_slb *s);

#ifdef __cplusplus
}
#endif
#endif
