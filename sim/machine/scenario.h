/*
 * scenario.h - a seeded generator of SMR sharing workloads (config section
 * `scenario`): it adds generated LPARs to the machine, sets up servers,
 * their SMRs and clients that attach and map the shared pages, then issues
 * a random mix of sharing operations at a fixed rate while the traced
 * vCPUs (if any) run, with memory traffic by the mapping LPARs between
 * operations. After each operation that ends sharing it restores the
 * sharing set-up, so every invalidation sees the same population.
 * Determinism: all choices come from machine.seed.
 */
#ifndef LPARSIM_MACHINE_SCENARIO_H
#define LPARSIM_MACHINE_SCENARIO_H

#include <stdint.h>

#include "core/err.h"
#include "core/param.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct scenario_mix {
    uint64_t map, unmap, unshare, deauthorize, destroy, terminate, reclaim;
} scenario_mix;

typedef struct scenario_config {
    uint64_t lpars;           /* generated LPARs (g0, g1, ...) */
    uint64_t lpar_memory;     /* bytes each */
    uint64_t hpt_size;        /* bytes each; 0 = hypervisor default */
    uint64_t servers;         /* the first `servers` generated LPARs serve */
    uint64_t smrs_per_server;
    uint64_t pages_per_smr;   /* 4K pages */
    uint64_t clients_per_smr; /* clients authorised per SMR */
    double map_fraction;      /* of those, the fraction that attach and map every page */
    uint64_t ops;             /* sharing operations after the set-up */
    uint64_t interval;        /* cycles between operations */
    uint64_t traffic;         /* accesses to mapped shared pages between operations */
    scenario_mix mix;
} scenario_config;

extern const param_table scenario_params; /* "scenario" */

struct machine;
typedef struct scenario scenario;

/* Create the generated LPARs (called by machine_create when lpars > 0). */
scenario *scenario_create(struct machine *m, const scenario_config *c, uint64_t seed, sim_err *e);
void scenario_destroy(scenario *s);
/* Set up, then run the operations interleaved with the traced vCPUs,
 * calling fn (a machine_progress_fn, may be NULL) every 256 operations with
 * the records replayed and the cycle reached. 0 or -1 with e set (an
 * auditor violation or a failed set-up). */
int scenario_run(scenario *s, void (*fn)(void *ctx, uint64_t records, uint64_t cycles), void *ctx,
                 sim_err *e);
/* Operations done so far and configured. */
void scenario_progress(const scenario *s, uint64_t *done, uint64_t *total);

#ifdef __cplusplus
}
#endif
#endif
