/*
 * dispatch_driver_config.c - the consolidation driver's parameters
 * (drivers.dispatch.*) and statistics (drivers.dispatch.*), declared once.
 */
#include <stddef.h>

#include "dispatch_driver_int.h"

#define F(f) offsetof(ddrv_config, f)
static const param_desc list[] = {
    {"enabled", PT_BOOL, "", "false", 0, 0, NULL,
     "Run the consolidation workload: generated shared LPARs whose vCPUs alternate busy and "
     "idle phases (needs hypervisor.dispatch.enabled).", F(enabled), NULL},
    {"name", PT_STRING, "", "s", 0, 0, NULL,
     "Prefix of the generated LPARs' names (s0, s1, ...); they follow the configured LPARs.",
     F(name), NULL},
    {"lpars", PT_UINT, "LPARs", "8", 1, 4096, NULL, "Generated shared LPARs.", F(lpars), NULL},
    {"vcpus", PT_UINT, "vCPUs", "4", 1, 1024, NULL, "vCPUs of each generated LPAR.", F(vcpus),
     NULL},
    {"virtual_processors", PT_UINT, "VPs", "0", 0, 1024, NULL,
     "Virtual processors of each LPAR; 0: vcpus / machine.threads_per_core, rounded up (as "
     "PowerVM packs a VP's SMT threads).", F(virtual_processors), NULL},
    {"entitlement", PT_DOUBLE, "processing units", "0", 0, 1024, NULL,
     "Entitlement of each LPAR; 0: the shared pool's cores (hypervisor.dispatch.pool) shared "
     "equally, within 0.05 to 1 per virtual processor.", F(entitlement), NULL},
    {"capped", PT_BOOL, "", "false", 0, 0, NULL,
     "Capped LPARs never run beyond their entitlement.", F(capped), NULL},
    {"weight", PT_UINT, "", "128", 0, 255, NULL,
     "Uncapped weight of each LPAR (PowerVM's default variable capacity weight is 128).",
     F(weight), NULL},
    {"memory", PT_SIZE, "bytes", "256M", 16777216.0, 0x1p50, NULL,
     "Memory of each generated LPAR (whole LMBs).", F(memory), NULL},
    {"trace", PT_STRING, "path", "", 0, 0, NULL,
     "Native trace every vCPU replays while busy, each in its own address space (a relative "
     "path is relative to the config file's directory).", F(trace), NULL},
    {"repeat", PT_UINT, "passes", "1000", 1, 1e6, NULL,
     "Passes over the trace a vCPU may make; a vCPU whose trace ends before its phases stops "
     "(counted in drivers.dispatch.trace_ends).", F(repeat), NULL},
    {"busy_us", PT_UINT, "us", "1000", 1, 1e9, NULL,
     "Mean run time of a busy phase (time on a hardware thread, so a phase lasts longer when "
     "its vCPU waits for a core); assumption.", F(busy_us), NULL},
    {"idle_us", PT_UINT, "us", "1000", 0, 1e9, NULL,
     "Mean idle time after a busy phase (the vCPU cedes: H_CEDE with a timeout); 0: always "
     "busy; assumption.", F(idle_us), NULL},
    {"distribution", PT_ENUM, "", "exponential", 0, 0, "exponential|fixed",
     "exponential: phase lengths drawn with these means (seeded by machine.seed); fixed: "
     "exactly the means.", F(distribution), NULL},
    {"phases", PT_UINT, "phases", "10", 1, 1e9, NULL,
     "Busy phases per vCPU; the run ends when every vCPU has done them.", F(phases), NULL},
};
_Static_assert(sizeof(ddrv_config) <= HYP_FEATURE_CFG_BYTES, "fits the driver config slot");
const param_table dispatch_driver_params = {"dispatch", sizeof(ddrv_config), list,
                                            PARAM_COUNT(list),
                                            "Consolidation workload: shared LPARs with busy and "
                                            "idle phases."};

#define S(f) offsetof(ddrv_stats, f)
static const stat_desc stats[] = {
    {"phases", SK_COUNTER, "phases", "Busy phases completed (all vCPUs).", S(phases), NULL},
    {"busy_cycles", SK_COUNTER, "cycles", "Run time of the completed busy phases.",
     S(busy_cycles), NULL},
    {"idle_cycles", SK_COUNTER, "cycles", "Idle time the vCPUs ceded for between phases.",
     S(idle_cycles), NULL},
    {"trace_ends", SK_COUNTER, "vCPUs",
     "vCPUs whose trace ended before their phases were done (raise repeat).", S(trace_ends),
     NULL},
};
const stat_table ddrv_stat_table = {"drivers.dispatch", stats, PARAM_COUNT(stats)};
