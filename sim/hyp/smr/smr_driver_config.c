/*
 * smr_driver_config.c - the SMR workload driver's parameters
 * (drivers.smr.*) and statistics (drivers.smr.*), declared once here.
 */
#include <stddef.h>

#include "smr_driver_int.h"

#define SF(f) offsetof(scenario_config, f)
#define XF(f) offsetof(scenario_mix, f)
static const param_desc mix_list[] = {
    {"map", PT_UINT, "weight", "40", 0, 1e9, NULL, "A client attaches and maps a shared page.", XF(map), NULL},
    {"unmap", PT_UINT, "weight", "20", 0, 1e9, NULL, "A client unmaps (detaches) a shared page.", XF(unmap), NULL},
    {"unshare", PT_UINT, "weight", "10", 0, 1e9, NULL, "A server unshares all pages of an SMR.", XF(unshare), NULL},
    {"deauthorize", PT_UINT, "weight", "10", 0, 1e9, NULL, "A server de-authorises a client.", XF(deauthorize), NULL},
    {"destroy", PT_UINT, "weight", "5", 0, 1e9, NULL, "A server destroys an SMR.", XF(destroy), NULL},
    {"terminate", PT_UINT, "weight", "3", 0, 1e9, NULL, "A generated LPAR terminates (and restarts).", XF(terminate), NULL},
    {"reclaim", PT_UINT, "weight", "2", 0, 1e9, NULL, "The hypervisor reclaims the PMB of a shared page.", XF(reclaim), NULL},
};
static const param_table mix_table = {"mix", sizeof(scenario_mix), mix_list, PARAM_COUNT(mix_list),
                                      "Relative weights of the sharing operations."};

static const param_desc scen_list[] = {
    {"enabled", PT_BOOL, "", "false", 0, 0, NULL,
     "Run the SMR workload (needs hypervisor.smr.enabled).", SF(enabled), NULL},
    {"lpars", PT_UINT, "LPARs", "16", 2, 1048576, NULL,
     "Generated LPARs g0, g1, ... added after the configured ones.", SF(lpars), NULL},
    {"lpar_memory", PT_SIZE, "bytes", "256M", 16777216.0, 0x1p50, NULL,
     "Memory of each generated LPAR (whole LMBs).", SF(lpar_memory), NULL},
    {"hpt_size", PT_SIZE, "bytes", "0", 0, 0x1p46, NULL,
     "HPT of each generated LPAR; 0 = hypervisor default (memory / hpt_ratio).", SF(hpt_size), NULL},
    {"servers", PT_UINT, "LPARs", "1", 1, 65536, NULL,
     "The first this many generated LPARs are servers; the others are clients.", SF(servers), NULL},
    {"smrs_per_server", PT_UINT, "SMRs", "1", 1, 65536, NULL, "SMRs each server creates.",
     SF(smrs_per_server), NULL},
    {"pages_per_smr", PT_UINT, "pages", "16", 1, 1048576, NULL, "4K pages in each SMR.",
     SF(pages_per_smr), NULL},
    {"clients_per_smr", PT_UINT, "LPARs", "4", 0, 1048576, NULL,
     "Client LPARs authorised for each SMR (taken in turn from the clients).",
     SF(clients_per_smr), NULL},
    {"map_fraction", PT_DOUBLE, "", "1.0", 0, 1, NULL,
     "Fraction of each SMR's authorised clients that attach and map all its pages.",
     SF(map_fraction), NULL},
    {"ops", PT_UINT, "ops", "1000", 0, 1e12, NULL, "Sharing operations after the set-up (0: the set-up alone, e.g. to time it).",
     SF(ops), NULL},
    {"interval", PT_UINT, "cycles", "100000", 1, 1e15, NULL,
     "Cycles between two sharing operations (their rate); traced vCPUs run in between.",
     SF(interval), NULL},
    {"traffic", PT_UINT, "accesses", "16", 0, 1e9, NULL,
     "Loads by mapping LPARs to their shared pages between two operations (through the TLB "
     "and caches).", SF(traffic), NULL},
    {"mix", PT_STRUCT, NULL, NULL, 0, 0, NULL, "Operation mix.", SF(mix), &mix_table},
};
const param_table smr_driver_params = {"smr", sizeof(scenario_config), scen_list,
                                       PARAM_COUNT(scen_list),
                                       "Seeded SMR sharing workload on generated LPARs."};

#define ST(f) offsetof(scen_stats, f)
static const stat_desc scen_stat_list[] = {
    {"ops", SK_COUNTER, "ops", "Sharing operations issued after the set-up.", ST(ops), NULL},
    {"maps", SK_COUNTER, "ops", "map operations.", ST(by_kind[0]), NULL},
    {"unmaps", SK_COUNTER, "ops", "unmap operations.", ST(by_kind[1]), NULL},
    {"unshares", SK_COUNTER, "ops", "unshare operations.", ST(by_kind[2]), NULL},
    {"deauthorizes", SK_COUNTER, "ops", "de-authorise operations.", ST(by_kind[3]), NULL},
    {"destroys", SK_COUNTER, "ops", "destroy operations.", ST(by_kind[4]), NULL},
    {"terminates", SK_COUNTER, "ops", "LPAR terminations.", ST(by_kind[5]), NULL},
    {"reclaims", SK_COUNTER, "ops", "PMB reclaims.", ST(by_kind[6]), NULL},
    {"restores", SK_COUNTER, "SMRs", "SMR set-ups restored after an operation ended sharing.",
     ST(restores), NULL},
    {"refused", SK_COUNTER, "hcalls", "hcalls the hypervisor refused (full PTEGs, limits); each "
     "is counted, none is fatal.", ST(refused), NULL},
    {"hcalls", SK_COUNTER, "hcalls", "hcalls the generator made.", ST(hcalls), NULL},
};
const stat_table scen_stat_table = {"drivers.smr", scen_stat_list,
                                           PARAM_COUNT(scen_stat_list)};

