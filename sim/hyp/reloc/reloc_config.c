/*
 * reloc_config.c - the parameters of LMB relocation (hypervisor.reloc.*),
 * its statistics (reloc.*) and its auditor's (reloc.audit.*), declared once
 * here. Sources: the design note seed002-paging.md (section 1.B, H8, the
 * granule default 64K proposed there); the rest are assumptions, marked.
 */
#include <stddef.h>

#include "reloc_int.h"

#define F(f) offsetof(reloc_config, f)
static const param_desc list[] = {
    {"enabled", PT_BOOL, "", "false", 0, 0, NULL,
     "Turn the feature on: relocate LMB(s) of a dedicated-memory LPAR in granules while it "
     "runs (seed 002, LMB relocation; docs/reloc.md).", F(enabled), NULL},
    {"granule", PT_SIZE, "bytes", "64K", 4096, 16777216, NULL,
     "Relocation granule: the bytes blocked, copied and retargeted as one step (a power of "
     "two dividing hypervisor.lmb_size). Default 64K: assumption, the value the design note "
     "seed002-paging.md proposes (the abstract gives none).", F(granule), NULL},
    {"lpar", PT_STRING, "", "0", 0, 0, NULL,
     "The LPAR whose memory moves: its name, or its index in lpars[]; its memory must be "
     "dedicated (memory_mode dedicated).", F(lpar), NULL},
    {"lmb", PT_UINT, "", "0", 0, 1e12, NULL,
     "The first logical LMB to move (index in the LPAR's LMB table).", F(lmb), NULL},
    {"count", PT_UINT, "LMBs", "1", 1, 1e6, NULL,
     "LMBs to move, lmb .. lmb+count-1, one after another, each to a free slot chosen "
     "automatically (the first free slot outside the source's PMB, else any free slot).",
     F(count), NULL},
    {"at", PT_UINT, "cycles", "0", 0, 1e18, NULL,
     "Cycle at which the first move starts (the management console's order; assumption: "
     "chosen by the experiment).", F(at), NULL},
    {"thread", PT_UINT, "", "0", 0, 1048576, NULL,
     "Hardware thread whose core runs the relocation's work (its caches and memory port); "
     "that thread's own clock is not advanced (assumption: a hypervisor task on a spare "
     "hardware thread of that core).", F(thread), NULL},
    {"find", PT_ENUM, "", "rmap", 0, 0, "rmap|scan",
     "How the HPTEs of a granule are found: the core's reverse map (charged chain walks, its "
     "upkeep charged to every H_ENTER/H_REMOVE), or a scan of the LPAR's whole HPT per "
     "granule (charged stream, hypervisor.scan_*).", F(find), NULL},
    {"audit", PT_BOOL, "", "false", 0, 0, NULL,
     "The relocation's auditor (also on with hypervisor.audit / --audit): after each "
     "granule no valid HPTE or TLB entry maps a granule in transit or the source of a moved "
     "one, the target holds the bytes the source had at copy time, and the LMB table is "
     "consistent after each LMB.", F(audit), NULL},
    {"inject", PT_ENUM, "", "none", 0, 0, "none|skip-block|skip-tlbie",
     "Fault injection for testing the auditor: HPTEs stay valid while their granule moves "
     "(no block), or they are made absent without the tlbie batch. Results are wrong on "
     "purpose; meant to be run with the auditor, which stops it.", F(inject), NULL},
};
_Static_assert(sizeof(reloc_config) <= HYP_FEATURE_CFG_BYTES, "fits the feature config slot");
const param_table reloc_feature_params = {
    "reloc", sizeof(reloc_config), list, PARAM_COUNT(list),
    "LMB relocation in granules (seed 002): block, absent HPTEs, tlbie, copy, retarget; "
    "translation misses on a granule in transit wait."};

#define S(f) offsetof(reloc_stats, f)
#define C(n, u, d, f) {n, SK_COUNTER, u, d, S(f), NULL}
static const stat_desc stat_list[] = {
    C("lmbs_moved", "LMBs", "LMBs whose relocation completed.", lmbs_moved),
    C("granules", "granules", "Granules moved.", granules),
    C("bytes_copied", "bytes", "Bytes copied source to target (hyp_copy, charged).",
      bytes_copied),
    C("hptes_found", "HPTEs", "Valid HPTEs found mapping granules about to move.", hptes_found),
    C("hptes_absented", "HPTEs", "HPTEs made absent (blocked) for a move.", hptes_absented),
    C("hptes_retargeted", "HPTEs", "Absent HPTEs made valid at the target by the relocation "
      "(after each granule).", hptes_retargeted),
    C("hptes_refaulted", "HPTEs", "Absent HPTEs made valid by a translation miss (the "
      "hypervisor's fault path).", hptes_refaulted),
    C("tlbies", "batches", "tlbie batches (coherency steps) issued, one per granule with "
      "mappings.", tlbies),
    C("tlbie_pages", "pages", "Translations those batches named.", tlbie_pages),
    C("faults", "misses", "Translation misses of the moving LPAR intercepted (reloc.fault).",
      faults),
    C("stalls", "misses", "Intercepted misses that waited for a granule in transit.", stalls),
    C("stall_cycles", "cycles", "Cycles those misses waited.", stall_cycles),
    C("max_stall_cycles", "cycles", "Longest single wait.", max_stall_cycles),
    C("enter_absent", "hcalls", "H_ENTERs on a granule in transit (an absent HPTE written).",
      enter_absent),
    C("enter_redirected", "hcalls", "H_ENTERs on the moving LMB translated by the tracker.",
      enter_redirected),
    C("pin_waits", "granules", "Granules that waited for their pin count to drop (nothing "
      "pins yet: 0).", pin_waits),
    C("leftover_absent", "HPTEs", "Absent HPTEs retargeted by the sweep at an LMB's end.",
      leftover_absent),
    C("total_cycles", "cycles", "Cycles of the relocation's own work (sum of its events).",
      total_cycles),
    C("max_granule_cycles", "cycles", "Longest block of one granule (its start event).",
      max_granule_cycles),
};
const stat_table reloc_stat_table = {"reloc", stat_list, PARAM_COUNT(stat_list)};

#define A(f) offsetof(reloc_audit_stats, f)
static const stat_desc audit_list[] = {
    {"checks", SK_COUNTER, "checks", "Granule and LMB checks run.", A(checks), NULL},
    {"violations", SK_COUNTER, "violations",
     "Mappings of a granule in transit or of a moved source, copies that differ, LMB tables "
     "out of step; the run stops at the first.", A(violations), NULL},
};
const stat_table reloc_audit_stat_table = {"reloc.audit", audit_list, PARAM_COUNT(audit_list)};
