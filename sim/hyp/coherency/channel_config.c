/*
 * channel_config.c - the parameters of the patch channels
 * (hypervisor.coherency.channel.*, strategy patch-channel) and their
 * per-LPAR statistics (coherency.<lpar>.*, registered only with that
 * strategy), declared once here. Sources: the patent (seed 004, paragraph
 * numbers), the design note seed004-patch-channels.md and POWER-NOTES.md;
 * assumptions are marked.
 */
#include <stddef.h>

#include "channel_int.h"

#define C(f) offsetof(coh_channel_config, f)
static const param_desc list[] = {
    {"patches", PT_UINT, "patches", "64", 1, 65536, NULL,
     "Patches per channel (K), a ring. The patent gives no size ([0109]: enough that channels "
     "\"generally do not fill up\"); 64 is the design note's proposal (assumption). A full "
     "channel falls back to a global tlbie of that change.", C(patches), NULL},
    {"derived_value", PT_BOOL, "", "false", 0, 0, NULL,
     "Patches carry the derived value 394D: the HPTE as the change left it (16 bytes). In PAPR "
     "mode the consumer cannot use it (Book3S has no instruction that writes a TLB entry; the "
     "next access reloads it by a walk), so it only costs bytes.", C(derived_value), NULL},
    {"usefulness", PT_BOOL, "", "false", 0, 0, NULL,
     "Patches carry the usefulness indicator 394E: the LPAR's change generation when the "
     "derived value was written (8 bytes).", C(usefulness), NULL},
    {"coalesce", PT_BOOL, "", "true", 0, 0, NULL,
     "A change to a translation already pending in the channel updates that patch instead of "
     "adding one (steps 836/837: the producer scans the channel's pending patches). false: no "
     "scan, every change takes a slot.", C(coalesce), NULL},
    {"postpone", PT_BOOL, "", "true", 0, 0, NULL,
     "At a thread's dispatch, leave the patches of other LPARs for their own dispatch there "
     "(step 868/870: not due, the thread does not run them), so each LPAR pays for its own "
     "changes (assumption: partition isolation); false applies every pending patch at any "
     "dispatch of the thread, which frees channels sooner.", C(postpone), NULL},
    {"running", PT_ENUM, "", "tlbie", 0, 0, "tlbie|doorbell",
     "Consumers running the LPAR when the change is made must be coherent when the hcall "
     "returns (strict PAPR; note section 2, E1): one global tlbie of the change, which reaches "
     "every TLB (no patch is then needed anywhere; as KVM's global_invalidates), or a patch and "
     "a doorbell to each, which drains its channels at once and acknowledges (costs of ipi.*).",
     C(running), NULL},
    {"max_threads", PT_UINT, "threads", "0", 0, 1024, NULL,
     "Hardware threads the channel matrix of each LPAR is sized for in hypervisor memory "
     "(max_threads^2 channels reserved; the machine's threads^2 used); 0: "
     "hypervisor.coherency.max_threads (by default the machine's threads); else at least the "
     "machine's threads.", C(max_threads), NULL},
    {"remote_line_cycles", PT_UINT, "cycles", "209", 0, 1e6, NULL,
     "At least this for a channel line another core modified last (the cache model has no "
     "coherence): remote L3/L4 ~55 ns at 3.8 GHz (POWER-NOTES, memory hierarchy). 0: the caches "
     "alone.", C(remote_line_cycles), NULL},
    {"ptesync_cycles", PT_UINT, "cycles", "20", 0, 1e6, NULL,
     "The producer's ptesync that makes the primary (the HPTE store) visible before its first "
     "patch is published ([0120], part primary_write): cpu.class_cycles.barrier's "
     "assumption.", C(ptesync_cycles), NULL},
};
/* The first channel key set to another value than its default, or NULL. */
const char *coh_channel_key_set(const coh_channel_config *c)
{
    coh_channel_config d;
    sim_err e;
    if (param_defaults(&coh_channel_params, &d, &e) != 0)
        return NULL;
    return c->patches != d.patches                   ? "patches"
           : c->derived_value != d.derived_value     ? "derived_value"
           : c->usefulness != d.usefulness           ? "usefulness"
           : c->coalesce != d.coalesce               ? "coalesce"
           : c->postpone != d.postpone               ? "postpone"
           : c->running != d.running                 ? "running"
           : c->max_threads != d.max_threads         ? "max_threads"
           : c->remote_line_cycles != d.remote_line_cycles ? "remote_line_cycles"
           : c->ptesync_cycles != d.ptesync_cycles   ? "ptesync_cycles"
                                                     : NULL;
}

const param_table coh_channel_params = {
    "channel", sizeof(coh_channel_config), list, PARAM_COUNT(list),
    "Patch channels of strategy patch-channel: a producer x consumer matrix per LPAR in "
    "hypervisor memory (seed 004, Figs. 9-12)."};

#define S(f) offsetof(pc_stats, f)
static const stat_desc stats[] = {
    {"demands", SK_COUNTER, "pairs",
     "(translation, consumer) pairs its changes asked the channels for: written + coalesced + "
     "fallback_covered.", S(demands), NULL},
    {"patches_written", SK_COUNTER, "patches", "Patches published into a free slot.", S(written),
     NULL},
    {"patches_coalesced", SK_COUNTER, "pairs",
     "Pairs absorbed by a patch already pending for the same translation.", S(coalesced), NULL},
    {"fallback_covered", SK_COUNTER, "pairs",
     "Pairs left to an overflow fallback's global tlbie (the full channel's and the consumers "
     "after it).", S(fallback_covered), NULL},
    {"patches_applied", SK_COUNTER, "patches", "Patches consumers read, freed and applied.",
     S(applied), NULL},
    {"patches_postponed", SK_COUNTER, "patches",
     "Patches a thread's dispatch of another LPAR left pending (channel.postpone), each counted "
     "once.", S(postponed), NULL},
    {"patches_pending", SK_COUNTER, "patches", "Patches in use at the end: written - applied.",
     S(pending), NULL},
    {"overflows", SK_COUNTER, "publishes", "Publishes that found the channel full.", S(overflows),
     NULL},
    {"fallbacks", SK_COUNTER, "sequences", "Global tlbies issued by the overflow fallback.",
     S(fallbacks), NULL},
    {"sync_tlbies", SK_COUNTER, "sequences",
     "Global tlbies for consumers running the LPAR (channel.running tlbie).", S(sync_tlbies),
     NULL},
    {"doorbells", SK_COUNTER, "doorbells",
     "Doorbells to consumers running the LPAR (channel.running doorbell).", S(doorbells), NULL},
    {"drains", SK_COUNTER, "columns", "A consumer's channels of this LPAR drained.", S(drains),
     NULL},
    {"full_flushes", SK_COUNTER, "drains",
     "Drains that flushed all of its entries (a flush patch, or more patches than "
     "tlb.tlbiel_flush_threshold).", S(full_flushes), NULL},
    {"channel_bytes", SK_COUNTER, "bytes",
     "Hypervisor memory of its channels: T pending lines + T^2 x (control line + patches).",
     S(channel_bytes), NULL},
    {"occupancy", SK_HIST, "patches", "In-use patches of the channel after each publish.",
     S(occupancy), NULL},
    {"stale_window", SK_HIST, "cycles",
     "From a patch's first change to the drain that applied it (the consumer's TLB may hold "
     "the old translation meanwhile, while it does not run the LPAR).", S(stale_window), NULL},
    {"drain_patches", SK_HIST, "patches", "Patches applied per drained column.",
     S(drain_patches), NULL},
};
const stat_table pc_stat_table = {"coherency", stats, PARAM_COUNT(stats)};
