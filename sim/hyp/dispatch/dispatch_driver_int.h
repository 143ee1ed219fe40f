/*
 * dispatch_driver_int.h - the consolidation workload driver
 * (drivers.dispatch, sim/hyp/dispatch only): N shared LPARs whose vCPUs
 * alternate busy phases (replaying a trace) and idle phases (ceded).
 */
#ifndef LPARSIM_HYP_DISPATCH_DRIVER_INT_H
#define LPARSIM_HYP_DISPATCH_DRIVER_INT_H

#include "core/rng.h"
#include "dispatch_int.h"

enum { DDRV_EXPONENTIAL = 0, DDRV_FIXED = 1 };

typedef struct ddrv_config {
    bool enabled;              /* first field (feature.h) */
    char *name;                /* LPAR name prefix: <name>0, <name>1, ... */
    uint64_t lpars;
    uint64_t vcpus;            /* per LPAR */
    uint64_t virtual_processors; /* per LPAR; 0: vcpus / threads_per_core, rounded up */
    double entitlement;        /* per LPAR; 0: the free cores shared equally */
    bool capped;
    uint64_t weight;
    uint64_t memory;           /* per LPAR */
    char *trace;
    uint64_t repeat;
    uint64_t busy_us;          /* mean run time of a busy phase */
    uint64_t idle_us;          /* mean idle time between two */
    unsigned distribution;     /* DDRV_* */
    uint64_t phases;           /* busy phases per vCPU */
} ddrv_config;

extern const param_table dispatch_driver_params;

typedef struct ddrv_stats {
    uint64_t phases;           /* busy phases completed */
    uint64_t busy_cycles;      /* run time of the completed phases */
    uint64_t idle_cycles;      /* idle time asked for (cedes) */
    uint64_t trace_ends;       /* vCPUs whose trace ended before their phases */
} ddrv_stats;

extern const stat_table ddrv_stat_table;

#endif
