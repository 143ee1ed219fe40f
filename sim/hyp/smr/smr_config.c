/*
 * smr_config.c - the `hypervisor.smr` parameters and the SMR statistics
 * (declared once here; validation, `lparsim params` and docs come from
 * these tables).
 */
#include <stddef.h>

#include "smr_int.h"

#define F(f) offsetof(smr_config, f)
static const param_desc smr_param_list[] = {
    {"enabled", PT_BOOL, "", "false", 0, 0, NULL,
     "Turn the feature on: its hcalls, tables in hypervisor memory, statistics and ops exist "
     "only when enabled.", F(enabled), NULL},
    {"strategy", PT_ENUM, "", "export-vector", 0, 0, "exhaustive|export-vector|rmap",
     "How the hypervisor finds the mappings of pages whose sharing ends: scan every LPAR's HPT, "
     "the seed's export vectors + reference array, or a per-page reverse map (KVM).",
     F(strategy), NULL},
    {"max_per_server", PT_UINT, "SMRs", "256", 64, 65536, NULL,
     "SMRs one server LPAR may create; the bits of each LMB's export vector (multiple of 64).",
     F(max_per_server), NULL},
    {"max_servers", PT_UINT, "LPARs", "64", 1, 65536, NULL,
     "LPARs that may act as servers; SMR ids range over max_per_server x max_servers "
     "(seed: 256 x 64 = 16K).", F(max_servers), NULL},
    {"max_lpars", PT_UINT, "LPARs", "1024", 64, 1048576, NULL,
     "Bits of each SMR's reference-array row and authorisation vector, so the most LPARs the "
     "machine may have (multiple of 64).", F(max_lpars), NULL},
    {"max_pages", PT_UINT, "pages", "256", 1, 1048576, NULL,
     "Pages one SMR may hold (capacity of its page list in hypervisor memory).",
     F(max_pages), NULL},
    {"audit", PT_BOOL, "", "false", 0, 0, NULL,
     "Check after every sharing operation that no HPTE or TLB entry maps a page its LPAR was "
     "not given, and that every strategy finds the same mappings (slow; also "
     "hypervisor.audit and --audit).",
     F(audit), NULL},
};
_Static_assert(sizeof(smr_config) <= HYP_FEATURE_CFG_BYTES, "fits the feature config slot");
const param_table smr_feature_params = {"smr", sizeof(smr_config), smr_param_list,
                                PARAM_COUNT(smr_param_list),
                                "Shared memory regions: limits, invalidation strategy, auditor."};

#define S(f) offsetof(smr_stats, f)
static const stat_desc smr_stat_list[] = {
    {"metadata_bytes", SK_COUNTER, "bytes",
     "Hypervisor memory of the selected strategy's tables (export vectors and reference array, "
     "or reverse map; 0 for exhaustive).", S(metadata_bytes), NULL},
    {"table_bytes", SK_COUNTER, "bytes",
     "Hypervisor memory of the tables every strategy needs (SMR descriptors, page lists, "
     "authorisations, attachment hash).", S(table_bytes), NULL},
    {"created", SK_COUNTER, "SMRs", "SMRs created.", S(created), NULL},
    {"destroyed", SK_COUNTER, "SMRs", "SMRs destroyed (by the server or a termination).",
     S(destroyed), NULL},
    {"pages_shared", SK_COUNTER, "pages", "Pages added to SMRs.", S(pages_shared), NULL},
    {"attaches", SK_COUNTER, "pages", "Client logical pages attached to shared pages.",
     S(attaches), NULL},
    {"detaches", SK_COUNTER, "pages", "Attachments ended (unmap or end of sharing).",
     S(detaches), NULL},
    {"invalidations", SK_COUNTER, "ops", "Triggering operations (smr.invalidate records).",
     S(invalidations), NULL},
    {"mappings_invalidated", SK_COUNTER, "HPTEs", "HPTEs removed by invalidations.",
     S(mappings_invalidated), NULL},
    {"lpars_scanned", SK_COUNTER, "HPTs", "Whole-HPT scans made by the strategy.",
     S(lpars_scanned), NULL},
    {"hpt_lines_scanned", SK_COUNTER, "lines", "PTEG lines read by HPT scans.",
     S(hpt_lines_scanned), NULL},
    {"rmap_entries_walked", SK_COUNTER, "entries", "Reverse-map entries followed.",
     S(rmap_entries_walked), NULL},
};
const stat_table smr_stat_table = {"smr", smr_stat_list, PARAM_COUNT(smr_stat_list)};

#define A(f) offsetof(smr_audit_stats, f)
static const stat_desc audit_stat_list[] = {
    {"violations", SK_COUNTER, "violations",
     "Stale or unauthorised mappings (or strategies disagreeing) the auditor found; the run "
     "stops at the first.", A(violations), NULL},
    {"checks", SK_COUNTER, "ops", "Sharing operations audited.", A(checks), NULL},
    {"hptes_checked", SK_COUNTER, "HPTEs", "HPTEs the auditor examined.", A(hptes_checked), NULL},
    {"tlb_entries_checked", SK_COUNTER, "entries", "TLB entries the auditor examined.",
     A(tlb_entries_checked), NULL},
    {"cross_checks", SK_COUNTER, "finds", "Invalidations whose mappings every strategy was asked "
     "to find and agreed on.", A(cross_checks), NULL},
};
const stat_table smr_audit_stat_table = {"audit", audit_stat_list, PARAM_COUNT(audit_stat_list)};
