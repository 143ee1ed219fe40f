/*
 * dispatch_config.c - the shared-processor dispatcher's parameters
 * (hypervisor.dispatch.*) and per-LPAR statistics (dispatch.<lpar>.*,
 * named after Linux's lparcfg), declared once here. The delivery cost of a
 * wake is the core's hypervisor.interrupts.deliver_cycles.
 */
#include <stddef.h>

#include "dispatch_int.h"

#define F(f) offsetof(dispatch_config, f)
static const param_desc list[] = {
    {"enabled", PT_BOOL, "", "false", 0, 0, NULL,
     "Dispatch shared-processor LPARs (lpars[].processors.mode: shared) onto the shared pool "
     "(hypervisor.dispatch.pool).", F(enabled), NULL},
    {"wheel_us", PT_UINT, "us", "10000", 1, 1e7, NULL,
     "Dispatch wheel period: every LPAR gets its entitlement once per period (PowerVM: 10 ms).",
     F(wheel_us), NULL},
    {"slice_us", PT_UINT, "us", "1000", 1, 1e7, NULL,
     "Longest a virtual processor runs on capacity nobody is entitled to (uncapped LPARs) "
     "before the dispatcher picks again by weight; assumption.", F(slice_us), NULL},
    {"switch_cycles", PT_UINT, "cycles", "2000", 0, 1e7, NULL,
     "Hypervisor compute per hardware thread when a core switches virtual processors (exit, "
     "dispatch decision, entry), on top of the state save/restore accesses; assumption of the "
     "order of a KVM POWER9 guest exit + entry (~0.5 us).", F(switch_cycles), NULL},
    {"save_bytes", PT_UINT, "bytes", "1536", 128, 65536, NULL,
     "Architected state saved and restored per vCPU on a switch, through the thread's caches "
     "to its save area in hypervisor memory: 32 GPRs (256 B) + 64 VSRs (1 KiB) + ~256 B of "
     "SPRs (Power ISA 3.0 register file sizes).", F(save_bytes), NULL},
    {"max_vcpus", PT_UINT, "vCPUs", "4096", 1, 1048576, NULL,
     "Shared vCPUs the save areas in hypervisor memory hold (reserved when enabled).",
     F(max_vcpus), NULL},
    {"pool", PT_STRING, "", "", 0, 0, NULL,
     "The shared pool's cores, as global core indices and ranges (\"0-7,12\"; core c holds "
     "threads c x threads_per_core and up), each listed once and running no dedicated vCPU; "
     "a core in neither the pool nor a dedicated LPAR idles. Empty: every core none of whose "
     "threads a dedicated vCPU names (PowerVM's default shared processor pool: every "
     "processor not assigned to a dedicated partition).", F(pool), NULL},
    {"dtl", PT_STRING, "", "", 0, 0, NULL,
     "Dispatch trace log: a CSV file (relative to the working directory) with one row per "
     "shared vCPU put on a hardware thread, the fields of Linux's struct dtl_entry (see "
     "docs/dispatch.md); written when the run ends. Empty: none.", F(dtl), NULL},
};
_Static_assert(sizeof(dispatch_config) <= HYP_FEATURE_CFG_BYTES, "fits the feature config slot");
const param_table dispatch_feature_params = {"dispatch", sizeof(dispatch_config), list,
                                             PARAM_COUNT(list),
                                             "Shared-processor dispatch: wheel, slices, switch "
                                             "costs."};

#define S(f) offsetof(dispatch_lpar_stats, f)
static const stat_desc stats[] = {
    {"entitled_cycles", SK_COUNTER, "cycles",
     "Entitlement x simulated cycles (lparcfg partition_entitled_capacity over time).",
     S(entitled_cycles), NULL},
    {"consumed_cycles", SK_COUNTER, "cycles",
     "Core cycles its virtual processors were dispatched (the PURR of a shared LPAR).",
     S(consumed_cycles), NULL},
    {"dispatches", SK_COUNTER, "dispatches", "Virtual processors put on a core.",
     S(dispatches), NULL},
    {"dispatch_dispersions", SK_COUNTER, "dispatches",
     "Dispatches on another core than the virtual processor's previous one (DTL dispersion).",
     S(dispersions), NULL},
    {"preemptions", SK_COUNTER, "slices",
     "Slices ended while the virtual processor still had work (entitlement used up, the "
     "period ended, or its turn on unused capacity was over).", S(preemptions), NULL},
    {"cedes", SK_COUNTER, "hcalls", "H_CEDE calls (and idle/wait trace markers) by its vCPUs.",
     S(cedes), NULL},
    {"confers", SK_COUNTER, "hcalls", "H_CONFER calls by its vCPUs.", S(confers), NULL},
    {"prods", SK_COUNTER, "wakes", "Its ceded vCPUs woken by H_PROD.", S(prods), NULL},
    {"interrupts", SK_COUNTER, "interrupts",
     "Interrupts delivered to its vCPUs (decrementer wakes of idle markers included).",
     S(interrupts), NULL},
};
const stat_table dispatch_lpar_stat_table = {"dispatch", stats, PARAM_COUNT(stats)};
