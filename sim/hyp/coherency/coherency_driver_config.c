/*
 * coherency_driver_config.c - the coherency driver's parameters
 * (drivers.coherency.*) and statistics (drivers.coherency.*), declared
 * once. Sources of the defaults are cited; the rest are assumptions.
 */
#include <stddef.h>

#include "coherency_driver_int.h"

#define F(f) offsetof(cdrv_config, f)
static const param_desc list[] = {
    {"enabled", PT_BOOL, "", "false", 0, 0, NULL,
     "Run the coherency workload: generated LPARs whose vCPUs map, touch and change a set of "
     "shared pages (the TLB coherency strategies' test bench).", F(enabled), NULL},
    {"name", PT_STRING, "", "c", 0, 0, NULL,
     "Prefix of the generated LPARs' names (c0, c1, ...); they follow the configured LPARs.",
     F(name), NULL},
    {"lpars", PT_UINT, "LPARs", "1", 1, 1024, NULL, "Generated LPARs.", F(lpars), NULL},
    {"vcpus", PT_UINT, "vCPUs", "4", 1, 1024, NULL,
     "vCPUs of each LPAR, all sharing its pages (the threads of one process).", F(vcpus), NULL},
    {"processors", PT_ENUM, "", "dedicated", 0, 0, "dedicated|shared",
     "dedicated: each vCPU owns the next free hardware thread (always running: the negative "
     "control of deferral); shared: virtual processors dispatched on the shared pool "
     "(hypervisor.dispatch), more of them than cores is the overcommitted variant.",
     F(processors), NULL},
    {"virtual_processors", PT_UINT, "VPs", "0", 0, 1024, NULL,
     "Shared: virtual processors of each LPAR; 0: vcpus / machine.threads_per_core, rounded "
     "up.", F(virtual_processors), NULL},
    {"entitlement", PT_DOUBLE, "processing units", "0", 0, 1024, NULL,
     "Shared: entitlement of each LPAR (uncapped, weight 128); 0: the cores no dedicated vCPU "
     "uses, shared equally, within 0.05 to 1 per virtual processor.", F(entitlement), NULL},
    {"memory", PT_SIZE, "bytes", "256M", 16777216.0, 0x1p50, NULL,
     "Memory of each LPAR (whole LMBs); the driver's pages are its top logical pages, the "
     "guest allocates from the bottom.", F(memory), NULL},
    {"hpt_size", PT_SIZE, "bytes", "0", 0, 0x1p46, NULL,
     "HPT of each LPAR; 0: the hypervisor's default for its memory.", F(hpt_size), NULL},
    {"trace", PT_STRING, "path", "", 0, 0, NULL,
     "Native trace every vCPU replays between the driver's rounds, each in its own address "
     "space (a relative path is relative to the config file's directory); the vCPUs stop when "
     "the rounds are done.", F(trace), NULL},
    {"repeat", PT_UINT, "passes", "1000000", 1, 1e9, NULL,
     "Passes over the trace a vCPU may make before the rounds are done; an LPAR whose vCPUs "
     "all end first stops its rounds (drivers.coherency.trace_ends).", F(repeat), NULL},
    {"pattern", PT_ENUM, "", "map-unmap", 0, 0, "map-unmap|mprotect|reclaim|shadow|remap",
     "map-unmap: each round maps the pages (H_ENTER), every running vCPU loads each, the "
     "producer unmaps them (H_BULK_REMOVE, 4 per call), as LATR's mmap/munmap benchmark and "
     "will-it-scale's tlb_flush; mprotect: the pages stay mapped, each round the vCPUs store "
     "to them, the producer makes them read-only (H_PROTECT), the vCPUs load, the producer "
     "makes them writable again; reclaim: each round the evicted pages are mapped again, the "
     "vCPUs load a seeded half of them, the producer clears every R bit (H_CLEAR_REF) and "
     "evicts (H_REMOVE) those whose R was clear (a clock scan); shadow (needs "
     "hypervisor.coherency.mode shadow): the pages are mapped by a guest page table in the "
     "LPAR's memory, the vCPUs touch them once, then each round the producer remaps every page "
     "to its other logical page with an ordinary (traced) store, every running vCPU issues a "
     "tlbiel of each (E4) and touches each again with probability retouch; remap (hypervisor.coherency.mode "
     "remap): the pages stay mapped, each round the vCPUs store to and load them, and the "
     "hypervisor relocates `relocate` of them (seeded) to real pages of its free pool, the "
     "old page gated until every consumer drained, then copied and freed to the pool.",
     F(pattern), NULL},
    {"pages", PT_UINT, "pages", "16", 1, 65536, NULL,
     "Shared 4K pages of each LPAR; assumption (LATR's benchmark unmaps 1 page, will-it-scale's "
     "tlb_flush2 128 KB = 32 pages).", F(pages), NULL},
    {"rounds", PT_UINT, "rounds", "100", 1, 1e9, NULL,
     "Rounds of the pattern per LPAR; the run ends when every LPAR has done them.", F(rounds),
     NULL},
    {"rate", PT_UINT, "rounds/s", "20000", 1, 1e9, NULL,
     "Mean rounds per second of each LPAR (the change rate; one every 50 us by default, "
     "assumption); a round comes when a vCPU of the LPAR runs, from the lowest-numbered one "
     "(the producer).", F(rate), NULL},
    {"distribution", PT_ENUM, "", "exponential", 0, 0, "exponential|fixed",
     "exponential: the gaps between rounds drawn with mean 1/rate (seeded by machine.seed); "
     "fixed: exactly 1/rate.", F(distribution), NULL},
    {"touchers", PT_UINT, "vCPUs", "0", 0, 1024, NULL,
     "Only vCPUs 0 .. touchers-1 (when running) touch the pages, so at most that many threads "
     "cache them whatever vcpus is (the fixed-sharer points of the coherency sweep); 0: every "
     "vCPU.", F(touchers), NULL},
    {"producers", PT_UINT, "vCPUs", "1", 1, 64, NULL,
     "Running vCPUs of an LPAR (the lowest-numbered) that make a round's changes concurrently, "
     "each hcall of the round drawn to one of them (seeded by machine.seed), each on its own "
     "thread at its own clock (hypothesis H3: tlb-gen's log lock against the lock-free patch "
     "channels); 1: the lowest-numbered running vCPU makes them all, in order. Assumption.",
     F(producers), NULL},
    {"retouch", PT_DOUBLE, "", "1", 0, 1, NULL,
     "Pattern shadow: the chance that a running vCPU touches a changed page again after its "
     "tlbiel (seeded draws per LPAR and round); the knob of hypothesis H6. Assumption.",
     F(retouch), NULL},
    {"relocate", PT_UINT, "pages", "4", 1, 65536, NULL,
     "remap: pages the hypervisor relocates per round, in one coherency step (assumption; as "
     "the map-unmap pattern's H_BULK_REMOVE batch of 4).", F(relocate), NULL},
    {"spare", PT_UINT, "pages", "16", 1, 65536, NULL,
     "remap: real pages each LPAR adds to the hypervisor's free pool (the logical pages below "
     "the driver's), which relocations take destinations from (FIFO) and give old pages back "
     "to; shared by every driver LPAR, so a page can move to another LPAR (assumption).",
     F(spare), NULL},
};
_Static_assert(sizeof(cdrv_config) <= HYP_FEATURE_CFG_BYTES, "fits the driver config slot");
const param_table coherency_driver_params = {
    "coherency", sizeof(cdrv_config), list, PARAM_COUNT(list),
    "Coherency workload: LPARs whose vCPUs share pages that one of them keeps changing."};

static double per_change(const void *base)
{
    const cdrv_stats *s = base;
    if (!s->changes)
        return 0;
    return (double)(s->change_cycles + cdrv_consumer_cycles(s->owner)) / (double)s->changes;
}

#define S(f) offsetof(cdrv_stats, f)
static const stat_desc stats[] = {
    {"rounds", SK_COUNTER, "rounds", "Rounds of the pattern done (all LPARs).", S(rounds), NULL},
    {"postponed", SK_COUNTER, "rounds",
     "Rounds put off to the next arrival because no vCPU of the LPAR was running.",
     S(postponed), NULL},
    {"maps", SK_COUNTER, "hcalls", "H_ENTERs of the driver's pages.", S(maps), NULL},
    {"changes", SK_COUNTER, "translations",
     "Translations the driver's hcalls removed or downgraded (each made the TLBs coherent).",
     S(changes), NULL},
    {"change_hcalls", SK_COUNTER, "hcalls", "Hcalls that made those changes (op coherency.change).",
     S(change_hcalls), NULL},
    {"change_cycles", SK_COUNTER, "cycles", "Their cycles on the producing vCPU.",
     S(change_cycles), NULL},
    {"touches", SK_COUNTER, "accesses", "Accesses of the vCPUs to the driver's pages.",
     S(touches), NULL},
    {"touch_misses", SK_COUNTER, "accesses", "... that missed in the thread's TLB (a walk).",
     S(touch_misses), NULL},
    {"touch_cycles", SK_COUNTER, "cycles", "Cycles of those accesses, walks included.",
     S(touch_cycles), NULL},
    {"evictions", SK_COUNTER, "pages", "reclaim: pages evicted because their R bit was clear.",
     S(evictions), NULL},
    {"trace_ends", SK_COUNTER, "LPARs",
     "LPARs whose vCPUs all ended their traces before their rounds (raise repeat).",
     S(trace_ends), NULL},
    {"hpt_digest", SK_COUNTER, "",
     "32-bit digest of the driver's translations at the end (per page: mapped, logical page, "
     "protection, R, C; not the slot): equal runs of different strategies must agree.",
     S(hpt_digest), NULL},
    {"relocations", SK_COUNTER, "pages", "remap: relocations completed (copied, remapped).",
     S(relocations), NULL},
    {"remap_faults", SK_COUNTER, "accesses",
     "remap: touches whose page was being moved and not in the thread's TLB (the hypervisor "
     "then completes the LPAR's relocations, forcing their gates, before the access).",
     S(remap_faults), NULL},
    {"stale_touches", SK_COUNTER, "accesses",
     "remap: touches served by a TLB entry of a page being moved (its old real page, held by "
     "the gate; stores there are copied after the drains).", S(stale_touches), NULL},
    {"copy_cycles", SK_COUNTER, "cycles",
     "remap: cycles of the page copies (4K read, 4K written through the caches) and the new "
     "HPTEs (PTEG read, entry written).", S(copy_cycles), NULL},
    {"lost_stores", SK_COUNTER, "pages",
     "remap: pages whose last store (a sequence number written at the page's first word) is "
     "not in the real page that maps them at the end: 0 unless the gate is broken.",
     S(lost_stores), NULL},
    {"data_digest", SK_COUNTER, "",
     "remap: 32-bit digest of the pages' data words at the end (each page's first word in the "
     "real page mapping it; the LPARs' digests summed): strategies that keep the gate agree.",
     S(data_digest), NULL},
    {"cycles_per_change", SK_DERIVED, "cycles",
     "Total coherency cycles per change: the change hcalls plus what every thread spent for "
     "the coherency feature (coherency.drain's total, the interrupt cycles), over changes.", 0,
     per_change},
};
const stat_table cdrv_stat_table = {"drivers.coherency", stats, PARAM_COUNT(stats)};
