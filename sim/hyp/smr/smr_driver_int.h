/*
 * smr_driver_int.h - the SMR workload driver's configuration (drivers.smr.*)
 * and statistics, declared in smr_driver_config.c (sim/hyp/smr only).
 */
#ifndef LPARSIM_HYP_SMR_DRIVER_INT_H
#define LPARSIM_HYP_SMR_DRIVER_INT_H

#include "smr_int.h"

typedef struct scenario_mix {
    uint64_t map, unmap, unshare, deauthorize, destroy, terminate, reclaim;
} scenario_mix;

typedef struct scenario_config {
    bool enabled;             /* first field (feature.h) */
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
_Static_assert(sizeof(scenario_config) <= HYP_FEATURE_CFG_BYTES, "fits the driver config slot");

typedef struct scen_stats {
    uint64_t ops, by_kind[7], restores, refused, hcalls;
} scen_stats;

extern const param_table smr_driver_params;
extern const stat_table scen_stat_table;

#endif
