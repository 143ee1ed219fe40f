/*
 * coherency_shadow_config.c - the parameters of TLB coherency mode shadow
 * (hypervisor.coherency.shadow.*) and its per-LPAR statistics
 * (coherency.<lpar>.shadow.*), declared once here (shadow_int.h has the
 * model). Sources: the hypervisor's own hcall entry/exit assumptions
 * (hyp.c), the design note seed004-patch-channels.md; assumptions marked.
 */
#include <stddef.h>

#include "shadow_int.h"

#define C(f) offsetof(coh_shadow_config, f)
static const param_desc list[] = {
    {"entries", PT_UINT, "PTEs", "4096", 512, 1048576, NULL,
     "Guest page-table entries per shadow LPAR the hypervisor's bookkeeping is sized for in "
     "hypervisor memory (per PTE: a trace generation, 8 bytes, and a shadow-HPTE index per "
     "hardware thread, 8 bytes each; per 512-PTE page: a consumer mask); assumption (16 MB of "
     "4K pages).", C(entries), NULL},
    {"trap_entry_cycles", PT_UINT, "cycles", "150", 0, 1e6, NULL,
     "Entering the hypervisor on a trapped guest access (the store to a write-protected page-"
     "table page, a privileged tlbiel, a hidden fault): assumption, as "
     "hypervisor.hcall_entry_cycles (an interrupt into the hypervisor saves and dispatches as "
     "an hcall does).", C(trap_entry_cycles), NULL},
    {"trap_exit_cycles", PT_UINT, "cycles", "100", 0, 1e6, NULL,
     "Returning from such a trap to the guest: assumption, as hypervisor.hcall_exit_cycles.",
     C(trap_exit_cycles), NULL},
    {"emulate_cycles", PT_UINT, "cycles", "100", 0, 1e6, NULL,
     "Decoding the trapped store or tlbiel (the instruction word, its operands) before the "
     "hypervisor emulates it; assumption (of the order of the entry).", C(emulate_cycles), NULL},
};
const param_table coh_shadow_params = {
    "shadow", sizeof(coh_shadow_config), list, PARAM_COUNT(list),
    "Mode shadow (seed 004 literally): the guest's own page table traced, shadow HPTEs derived."};

#define S(f) offsetof(sh_stats, f)
static double per_change(const void *base)
{
    const sh_stats *s = base;
    if (!s->stores)
        return 0;
    return (double)(s->store_cycles + s->tlbie_cycles + s->dispatch_cycles + s->fault_cycles) /
           (double)s->stores;
}

static const stat_desc stats[] = {
    {"stores", SK_COUNTER, "stores", "Traced guest stores to its page table (producers).",
     S(stores), NULL},
    {"store_cycles", SK_COUNTER, "cycles",
     "Their cycles on the storing vCPU: trap, emulation, the strategy's work, return.",
     S(store_cycles), NULL},
    {"tlbies", SK_COUNTER, "traps", "Guest tlbiels of a traced page trapped (event E4).",
     S(tlbies), NULL},
    {"tlbie_cycles", SK_COUNTER, "cycles", "Their cycles, the consumer's drain included.",
     S(tlbie_cycles), NULL},
    {"dispatch_drains", SK_COUNTER, "drains", "Dispatches of its vCPUs that drained (E2).",
     S(dispatch_drains), NULL},
    {"dispatch_cycles", SK_COUNTER, "cycles", "Their drain cycles.", S(dispatch_cycles), NULL},
    {"hidden_faults", SK_COUNTER, "faults",
     "Accesses that found no shadow HPTE: the hypervisor walked the guest page table and built "
     "one.", S(hidden_faults), NULL},
    {"fault_cycles", SK_COUNTER, "cycles", "Their cycles (trap, walk, build, return).",
     S(fault_cycles), NULL},
    {"touches", SK_COUNTER, "accesses", "Guest accesses to the pages its page table maps.",
     S(touches), NULL},
    {"touch_tlb_misses", SK_COUNTER, "misses", "Of which missed in the thread's TLB.",
     S(touch_tlb_misses), NULL},
    {"touch_cycles", SK_COUNTER, "cycles",
     "Their cycles: instruction, TLB, HPT walk, the access (hidden faults not included).",
     S(touch_cycles), NULL},
    {"eager_updates", SK_COUNTER, "HPTEs",
     "eager-tlbie: shadow HPTEs the producer rewrote (the shadow page table shutdown).",
     S(eager_updates), NULL},
    {"global_tlbies", SK_COUNTER, "sequences",
     "Global tlbie sequences (eager-tlbie's, patch-channel's overflow fallbacks).",
     S(global_tlbies), NULL},
    {"demands", SK_COUNTER, "pairs",
     "(PTE, consumer) pairs the producers served by patch: written + coalesced + "
     "fallback_covered.", S(demands), NULL},
    {"patches_written", SK_COUNTER, "patches", "Patches published into a free slot.", S(written),
     NULL},
    {"patches_coalesced", SK_COUNTER, "pairs", "Pairs absorbed by a pending patch of the PTE.",
     S(coalesced), NULL},
    {"fallback_covered", SK_COUNTER, "pairs",
     "Pairs a full channel left to the fallback (the consumer's shadow HPTE updated and a "
     "global tlbie by the producer).", S(fallback_covered), NULL},
    {"patches_applied", SK_COUNTER, "patches", "Patches consumers read, freed and applied.",
     S(applied), NULL},
    {"patches_pending", SK_COUNTER, "patches", "Patches in use at the end.", S(pending), NULL},
    {"overflows", SK_COUNTER, "publishes", "Publishes that found the channel full.",
     S(overflows), NULL},
    {"updated", SK_COUNTER, "patches",
     "Patches applied by writing the derived value 394D into the consumer's shadow HPTE "
     "(its usefulness 394E current); the TLB entry is still invalidated (no TLB write on "
     "Book3S).", S(updated), NULL},
    {"invalidated", SK_COUNTER, "patches",
     "Patches applied by removing the consumer's shadow HPTE (no derived value, or a stale "
     "one): its next access takes a hidden fault.", S(invalidated), NULL},
    {"derived_stale", SK_COUNTER, "patches",
     "Patches with a derived value whose usefulness 394E no longer matched the PTE's trace "
     "generation (invalidated instead).", S(derived_stale), NULL},
    {"absent", SK_COUNTER, "patches",
     "Patches whose consumer held no shadow HPTE of the PTE (nothing to update or remove).",
     S(absent), NULL},
    {"audit_checks", SK_COUNTER, "checks",
     "Shadow auditor checks (uses, events, conservation).", S(audit_checks), NULL},
    {"use_digest", SK_COUNTER, "",
     "32-bit digest of what the touches used, in order (thread, PTE, logical page of the real "
     "page used): every strategy that keeps the rule gives the same digest for the same driver "
     "draws, whatever the hypervisor memory it reserves moves the LPAR's LMBs to.",
     S(use_digest), NULL},
    {"cycles_per_change", SK_DERIVED, "cycles",
     "(store + tlbie + dispatch drain + hidden fault cycles) / stores.", 0, per_change},
};
const stat_table sh_stat_table = {"shadow", stats, PARAM_COUNT(stats)};
