/*
 * paging_config.c - the `hypervisor.paging` parameters and the paging
 * statistics (paging.*, paging.<lpar>.*, paging.audit.*), declared once
 * here. Defaults: the design note seed002-paging.md §5 (most of them
 * assumptions, marked); the paging device itself is the `pagedev` section.
 */
#include <stddef.h>

#include "paging_int.h"

#define F(f) offsetof(paging_config, f)
static const param_desc list[] = {
    {"enabled", PT_BOOL, "", "false", 0, 0, NULL,
     "Turn hypervisor paging on: LPARs with memory_mode: shared are backed by frames of the "
     "shared memory pool and paged to the paging device (pagedev).", F(enabled), NULL},
    {"pool", PT_SIZE, "bytes", "0", 0, 0x1p50, NULL,
     "Size of the shared memory pool (a multiple of 4K); 0: the shared LPARs' logical memory "
     "divided by overcommit.", F(pool), NULL},
    {"overcommit", PT_DOUBLE, "ratio", "1", 1, 64, NULL,
     "Sum of the shared LPARs' logical memory over the pool, when pool is 0 (IBM: logically "
     "overcommitted while the memory in use fits the pool, physically beyond).",
     F(overcommit), NULL},
    {"policy", PT_ENUM, "", "clock", 0, 0, "fifo|random|clock|clock-notlbie|aging|lru-oracle",
     "Victim choice: oldest page-in, a random resident frame, second chance on the HPTEs' R "
     "bits (clearing R with a tlbie, as KVM's kvmppc_clear_ref_hpte: TLB hits never set R "
     "again), the same without the tlbie (TLB-hot pages look cold), or aging: the clock hand "
     "shifts R into an age_bits counter per frame and takes a frame whose counter is 0; "
     "lru-oracle: the frame least recently accessed, known from every access (no hardware "
     "tells a hypervisor this: a bound, its choice uncharged).",
     F(policy), NULL},
    {"slots", PT_ENUM, "", "static", 0, 0, "static|random",
     "Where a page lives on its LPAR's device: static, at its logical page number (AMS: the "
     "device is at least the LPAR's memory, so no slot allocator, and neighbours stay "
     "neighbours); random, a seeded permutation (placement without locality, H7).",
     F(slots), NULL},
    {"age_bits", PT_UINT, "bits", "2", 1, 8, NULL,
     "aging: bits of each frame's age counter; a referenced page survives that many sweeps "
     "(2: an active and an inactive list, as Linux's LRU; assumption).", F(age_bits), NULL},
    {"share", PT_ENUM, "", "weighted", 0, 0, "weighted|global",
     "weighted: a victim is taken from the shared LPAR furthest above its target, "
     "min(pages touched, pool x weight / sum of weights) (AMS memory weights, notes seed002 "
     "§2.4; I/O entitlement not modeled), then chosen by the policy among its frames; "
     "global: the policy runs over every frame of the pool.", F(share), NULL},
    {"low_wm", PT_DOUBLE, "%", "1", 0, 50, NULL,
     "The background stealer starts when free frames fall below this share of the pool "
     "(notes §5, assumption).", F(low_wm), NULL},
    {"high_wm", PT_DOUBLE, "%", "2", 0, 50, NULL,
     "... and steals until free frames reach this share (notes §5, assumption).", F(high_wm),
     NULL},
    {"skip_clean", PT_BOOL, "", "true", 0, 0, NULL,
     "A victim whose C bits are clear and whose device copy is valid is dropped without a "
     "write; false writes every victim (each such write is a silent write).",
     F(skip_clean), NULL},
    {"fault_cycles", PT_UINT, "cycles", "4000", 0, 1e9, NULL,
     "Hypervisor software of a fault it serves (page-state machine, locking), besides its "
     "modeled accesses and the entry and return (notes §5 hv_fault_cycles, assumption).",
     F(fault_cycles), NULL},
    {"reflect_cycles", PT_UINT, "cycles", "600", 0, 1e9, NULL,
     "Reflecting a miss that is the guest's to the guest's fault handler (DSI state set up "
     "and the return), besides entering, leaving and the PTEG search (notes §5, assumption).",
     F(reflect_cycles), NULL},
    {"vios_us", PT_DOUBLE, "us", "25", 0, 1e6, NULL,
     "Round trip hypervisor -> paging VIOS -> hypervisor added to every device I/O (notes §3, "
     "assumption; 0 = a KVM host's own swap).", F(vios_us), NULL},
    {"thread", PT_UINT, "", "0", 0, 1e6, NULL,
     "Hardware thread whose caches the background stealer's accesses go through (its time "
     "is the hypervisor's, on no vCPU's clock: a simplification).", F(thread), NULL},
    {"seed", PT_UINT, "", "1", 0, 1.8e19, NULL, "Seed of the random policy.", F(seed), NULL},
    {"audit", PT_BOOL, "", "false", 0, 0, NULL,
     "Check every page-in against the auditor's checksum and every page-out's unmapping "
     "(also hypervisor.audit and --audit; docs/paging.md).", F(audit), NULL},
    {"inject", PT_ENUM, "", "none", 0, 0, "none|skip-writeback|skip-tlbie|ignore-pins",
     "Fault injection for testing the auditor: page-outs drop dirty pages without writing "
     "them, leave the TLBs alone, or take pinned pages. Results are wrong on purpose.",
     F(inject), NULL},
    {"pin_critical", PT_BOOL, "", "true", 0, 0, NULL,
     "Transparent pinning (seed 002): the registration hcalls of critical areas (H_REGISTER_VPA, "
     "H_REG_CRQ, H_PUT_TCE) pin their pages; false: they stay pageable and a hypervisor "
     "access to one paged out is a paging.hv_internal_fault (notes §5 pin_critical).",
     F(pin_critical), NULL},
    {"io_entitled", PT_SIZE, "bytes", "1562624", 0, 0x1p50, NULL,
     "Memory each shared LPAR may pin (its I/O-entitled memory); pins beyond it are refused "
     "with H_RESOURCE (an assumption). Default: Linux's VIO_CMO_MIN_ENT, the entitlement of "
     "one virtual I/O device (arch/powerpc/include/asm/vio.h).", F(io_entitled), NULL},
    {"node_tables", PT_BOOL, "", "true", 0, 0, NULL,
     "With numa.enabled: each shared LPAR's PPT on its first home node and each node's "
     "frame-table entries on that node, next to the node's part of the pool (as numa.hpt_home "
     "does for the HPT; assumption: PowerVM's placement of its tables is not documented); "
     "false, or no room there: in hypervisor memory (node 0 with the default layout).",
     F(node_tables), NULL},
};
_Static_assert(sizeof(paging_config) <= HYP_FEATURE_CFG_BYTES, "fits the feature config slot");
const param_table paging_feature_params = {
    "paging", sizeof(paging_config), list, PARAM_COUNT(list),
    "Hypervisor paging of shared-memory LPARs to the paging device (seed 002)."};

#define S(f) offsetof(paging_stats, f)
static const stat_desc stats[] = {
    {"pool_frames", SK_COUNTER, "frames", "4K frames of the shared memory pool.",
     S(pool_frames), NULL},
    {"free_frames", SK_COUNTER, "frames", "Free frames at the end.", S(free_frames), NULL},
    {"free_frames_min", SK_COUNTER, "frames", "Fewest free frames seen.", S(free_frames_min),
     NULL},
    {"resident", SK_COUNTER, "pages", "Resident pages at the end.", S(resident), NULL},
    {"faults", SK_COUNTER, "faults", "Misses the hypervisor served (an absent HPTE found).",
     S(faults), NULL},
    {"reflects", SK_COUNTER, "faults", "Misses reflected to the guest (no absent HPTE).",
     S(reflects), NULL},
    {"page_ins", SK_COUNTER, "pages", "Pages read back from the paging device.", S(page_ins),
     NULL},
    {"zero_fills", SK_COUNTER, "pages", "First touches: a frame zeroed, no device read.",
     S(zero_fills), NULL},
    {"joins", SK_COUNTER, "faults", "Faults on a page already resident (another HPTE of it "
     "brought it in): the entry made valid, no I/O.", S(joins), NULL},
    {"touches", SK_COUNTER, "accesses", "Accesses outside a guest miss that made a page "
     "resident (op paging.fault): the guest kernel's own (hyp_guest_real) and pins of "
     "critical areas (pin_critical).", S(touches), NULL},
    {"page_outs", SK_COUNTER, "pages", "Pages taken from their frames.", S(page_outs), NULL},
    {"writes", SK_COUNTER, "pages", "Page-outs written to the device.", S(writes), NULL},
    {"clean_drops", SK_COUNTER, "pages", "Page-outs dropped: clean, device copy valid.",
     S(clean_drops), NULL},
    {"silent_writes", SK_COUNTER, "pages", "Writes of a clean page whose device copy was "
     "valid (VSwapper's silent swap writes; only with skip_clean: false).", S(silent_writes),
     NULL},
    {"sync_evictions", SK_COUNTER, "pages", "Page-outs a fault waited for (no free frame).",
     S(sync_evictions), NULL},
    {"steals", SK_COUNTER, "pages", "Page-outs of the background stealer.", S(steals), NULL},
    {"steal_runs", SK_COUNTER, "runs", "Background stealer runs.", S(steal_runs), NULL},
    {"scanned", SK_COUNTER, "frames", "Frames the policy examined.", S(scanned), NULL},
    {"ref_cleared", SK_COUNTER, "frames", "clock: frames given a second chance (R cleared).",
     S(ref_cleared), NULL},
    {"disk_wait_cycles", SK_COUNTER, "cycles", "Cycles faults waited for the device.",
     S(disk_wait_cycles), NULL},
    {"pinned_pages", SK_COUNTER, "pages", "Pages pinned by critical-area registrations at the "
     "end.", S(pinned_pages), NULL},
    {"pin_requests", SK_COUNTER, "hcalls", "Registrations asking for pins (pin_critical).",
     S(pin_requests), NULL},
    {"pin_refusals", SK_COUNTER, "hcalls", "Pins refused: over the LPAR's io_entitled.",
     S(pin_refusals), NULL},
    {"hv_accesses", SK_COUNTER, "accesses", "The hypervisor's own accesses to shared LPARs' "
     "critical areas (VPA writes at dispatch).", S(hv_accesses), NULL},
    {"hv_internal_faults", SK_COUNTER, "faults", "Those that found the page not resident and "
     "waited for it (op paging.hv_internal_fault).", S(hv_internal_faults), NULL},
};
const stat_table paging_stat_table = {"paging", stats, sizeof stats / sizeof stats[0]};

#define L(f) offsetof(pg_lpar_stats, f)
static const stat_desc lstats[] = {
    {"resident", SK_COUNTER, "pages", "Its resident pages at the end.", L(resident), NULL},
    {"cmo_faults", SK_COUNTER, "faults", "Faults that waited for a page-in (lparcfg's "
     "cmo_faults).", L(cmo_faults), NULL},
    {"cmo_fault_time_usec", SK_COUNTER, "us", "Time those faults took (lparcfg's "
     "cmo_fault_time_usec).", L(cmo_fault_time_usec), NULL},
    {"fault_cycles", SK_COUNTER, "cycles", "The same in cycles.", L(fault_cycles), NULL},
    {"page_outs", SK_COUNTER, "pages", "Its pages taken from their frames.", L(page_outs),
     NULL},
};
const stat_table pg_lpar_stat_table = {"paging.lpar", lstats, sizeof lstats / sizeof lstats[0]};

#define A(f) offsetof(paging_audit_stats, f)
static const stat_desc astats[] = {
    {"checks", SK_COUNTER, "checks", "Auditor checks (page-ins, page-outs, sweeps).",
     A(checks), NULL},
    {"violations", SK_COUNTER, "violations", "Auditor violations (the run stops at the first).",
     A(violations), NULL},
    {"stamps", SK_COUNTER, "stamps", "Stores stood for by a stamp in a page (a TLB fill "
     "allowing stores).", A(stamps), NULL},
};
const stat_table paging_audit_stat_table = {"paging.audit", astats,
                                            sizeof astats / sizeof astats[0]};

#define C(f) offsetof(pg_coop_stats, f)
static const stat_desc cstats[] = {
    {"false_reads", SK_COUNTER, "pages", "Pages read from the device whose first guest access "
     "after the read overwrote the whole page (the guest kernel clearing a reallocated "
     "page): VSwapper's false swap reads (Amit et al., ASPLOS'14).", C(false_reads), NULL},
    {"stale_reads", SK_COUNTER, "pages", "Pages read from the device that the guest had freed "
     "without an unused hint: their content no longer mattered (after VSwapper's stale swap "
     "reads, whose content is overwritten by DMA).", C(stale_reads), NULL},
    {"unused_hints", SK_COUNTER, "pages", "H_PAGE_INIT set-unused requests.", C(unused_hints),
     NULL},
    {"unused_drops", SK_COUNTER, "pages", "Frames of pages hinted unused reclaimed without a "
     "write-back (the next touch zero-fills).", C(unused_drops), NULL},
    {"loans", SK_COUNTER, "pages", "Pages loaned by the guest (H_PAGE_SET_LOANED).", C(loans),
     NULL},
    {"loan_returns", SK_COUNTER, "pages", "Loaned pages made active again (H_PAGE_SET_ACTIVE).",
     C(loan_returns), NULL},
    {"loaned_touches", SK_COUNTER, "accesses", "Guest accesses to a loaned page (an error of "
     "the guest: counted, the page zero-filled and active again).", C(loaned_touches), NULL},
    {"zero_pages", SK_COUNTER, "pages", "H_ZERO_PAGE requests on shared-memory pages.",
     C(zero_pages), NULL},
    {"discards", SK_COUNTER, "pages", "Device copies or frames dropped by a hint, a loan or "
     "H_ZERO_PAGE (no read, no write).", C(discards), NULL},
    {"mpp_calls", SK_COUNTER, "calls", "H_GET_MPP and H_SET_MPP calls served.", C(mpp_calls),
     NULL},
};
const stat_table pg_coop_stat_table = {"paging.coop", cstats, sizeof cstats / sizeof cstats[0]};

#define LC(f) offsetof(pg_lpar_coop_stats, f)
static const stat_desc lcstats[] = {
    {"loaned_kb", SK_COUNTER, "KiB", "Its memory loaned to the pool at the end (lparcfg's "
     "cmm loaned memory).", LC(loaned_kb), NULL},
    {"loan_request_kb", SK_COUNTER, "KiB", "The loan request of its last H_GET_MPP (0 when it "
     "was to take back).", LC(loan_request_kb), NULL},
    {"target_kb", SK_COUNTER, "KiB", "Its weighted target at its last H_GET_MPP.",
     LC(target_kb), NULL},
};
const stat_table pg_lpar_coop_stat_table = {"paging.lpar.coop", lcstats,
                                            sizeof lcstats / sizeof lcstats[0]};
