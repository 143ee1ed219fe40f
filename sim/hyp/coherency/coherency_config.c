/*
 * coherency_config.c - the parameters of the TLB coherency feature
 * (hypervisor.coherency.*), its per-LPAR statistics (coherency.<lpar>.*)
 * and its auditor's (coherency.audit.*), declared once here. Sources of the
 * defaults: POWER-NOTES.md ("TLBs and invalidation") and the design note
 * seed004-patch-channels.md; assumptions are marked.
 */
#include <stddef.h>

#include "coherency_int.h"

#define I(f) offsetof(coh_ipi_config, f)
static const param_desc ipi_list[] = {
    {"base_cycles", PT_UINT, "cycles", "3800", 0, 1e9, NULL,
     "Initiator of a shootdown: fixed part of the round trip (sending, delivery, the target's "
     "handler with a one-page flush, its acknowledgement): 1 us at 3.8 GHz, from the x86 rule "
     "of thumb 1 us + 0.2 us per target (POWER-NOTES; not a primary source).",
     I(base_cycles), NULL},
    {"per_target_cycles", PT_UINT, "cycles", "760", 0, 1e9, NULL,
     "Initiator of a shootdown: each target thread interrupted: 0.2 us at 3.8 GHz (the same "
     "rule of thumb).", I(per_target_cycles), NULL},
    {"handler_cycles", PT_UINT, "cycles", "1900", 0, 1e9, NULL,
     "Target of a shootdown: taking the interrupt and returning (before and after its tlbiel), "
     "charged to the vCPU it runs; assumption: half the rule of thumb's 1 us round trip (the "
     "other half is the initiator's send and the acknowledgement).", I(handler_cycles), NULL},
};
static const param_table ipi_table = {"ipi", sizeof(coh_ipi_config), ipi_list,
                                      PARAM_COUNT(ipi_list),
                                      "Inter-processor interrupts of the eager-ipi strategy."};

#define F(f) offsetof(coh_config, f)
static const param_desc list[] = {
    {"enabled", PT_BOOL, "", "false", 0, 0, NULL,
     "Turn the feature on: the coherency step of every invalidation goes through the selected "
     "strategy, with its statistics, ops and auditor.", F(enabled), NULL},
    {"strategy", PT_ENUM, "", "eager-tlbie", 0, 0,
     "eager-tlbie|eager-ipi|kvm-deferred|tlb-gen|latr|patch-channel",
     "How the TLBs are made coherent after an HPTE is removed or downgraded: one global "
     "LPAR-scoped tlbie (today's model, results unchanged), an x86-style shootdown (the "
     "initiator interrupts each target thread, which tlbiels and acknowledges), or KVM Book3S "
     "HV's deferral (tlbiel on the caller when no other thread runs the LPAR, every other "
     "thread marked need_flush and flushing the LPAR's entries at its next dispatch; a global "
     "tlbie otherwise), Linux x86's TLB generations (a per-LPAR change log: the running "
     "threads interrupted, the others catch up at their next dispatch, one generation behind "
     "by applying the log, further behind by a flush), or LATR (lazy per-thread states drained "
     "at ticks and dispatches, interrupts when a ring is full), or the patent's patch "
     "channels (seed 004: threads not running the LPAR are sent patches they apply at their "
     "next dispatch; channel.*).", F(strategy), NULL},
    {"filter", PT_ENUM, "", "all", 0, 0, "all|running|tracked",
     "Which threads the invalidation reaches at once: all hardware threads, or those running "
     "a vCPU of the LPAR now (the others are marked need_flush and flush at their next "
     "dispatch, as KVM's PV TLB flush skips preempted vCPUs), or the threads whose walk filled "
     "a TLB entry from the HPTE (a per-HPTE record, as patent step 832, DiDi and ABIS). "
     "eager-tlbie and kvm-deferred take all only; eager-ipi all, running and tracked; "
     "patch-channel all and tracked.", F(filter), NULL},
    {"mode", PT_ENUM, "", "papr", 0, 0, "papr|remap|shadow",
     "Which data is primary and which derived: papr, the LPAR's HPT is primary and the "
     "threads' TLBs are derived from it; the producer is the hypervisor inside H_REMOVE, "
     "H_PROTECT, H_BULK_REMOVE and H_CLEAR_* and strict PAPR makes every running consumer "
     "coherent when the hcall returns. remap: as papr for the guest's hcalls; the "
     "hypervisor's own relocations of real pages (drivers.coherency pattern remap) are "
     "deferred for running consumers too, the old page held by a reuse gate until every "
     "consumer drained (docs/coherency.md, Mode remap). shadow (the patent literally, "
     "shadow.*): the guest's own page table in its memory is primary, each thread's shadow "
     "HPTEs and TLB are derived, a guest store to a write-protected page-table page is the "
     "producer and a guest tlbiel of the page (E4) or a dispatch (E2) the consumer's "
     "coherency event (strategies eager-tlbie and patch-channel; the pages of "
     "drivers.coherency pattern shadow).", F(mode), NULL},
    {"ipi", PT_STRUCT, "", NULL, 0, 0, NULL, "Shootdown interrupt costs (eager-ipi).", F(ipi),
     &ipi_table},
    {"max_threads", PT_UINT, "threads", "0", 0, 1048576, NULL,
     "Hardware threads the hypervisor's coherency tables are sized for: each LPAR's need_flush "
     "mask (a bit each; kvm-deferred, or filter running), tlb-gen's per-LPAR generation array "
     "(8 bytes each), latr's rings (one per thread, each state with a mask of this many "
     "bits). 0: the machine's threads; else at least that many.", F(max_threads),
     NULL},
    {"inject", PT_ENUM, "", "none", 0, 0,
     "none|skip-dispatch-flush|skip-ipi-tlbiel|skip-drain|publish-before-primary|"
     "overwrite-on-full|skip-fallback|skip-shadow-update|reuse-before-drain",
     "Fault injection for testing the auditor: a marked thread's flush at dispatch is skipped, "
     "or the first target of each shootdown acknowledges without its tlbiel; patch-channel: "
     "each drain frees its first patch without its tlbiel, the primary HPTE is stored again "
     "after its first patch is published, a full channel's newest patch is overwritten "
     "instead of falling back, or the overflow fallback issues no tlbie; mode shadow: a "
     "drain leaves the consumer's shadow HPTE as it was (neither updated nor removed); mode "
     "remap: a relocation completes and frees the old real page without waiting for the "
     "drains (the reuse gate broken). Results are "
     "wrong on purpose; meant to be run with hypervisor.audit, which stops it.", F(inject),
     NULL},
    {"drain_at_entry", PT_BOOL, "", "false", 0, 0, NULL,
     "Coherency event E3: a thread running a vCPU drains what it owes (what the strategy does "
     "at a dispatch of that vCPU's LPAR) whenever it enters the hypervisor: at every hcall, "
     "before the hcall's own work, and when a wait in place ends (a dedicated vCPU's H_CEDE); "
     "charged to the hcall's coherency part. Default false, an assumption: under strict PAPR "
     "the LPAR a thread runs is never owed anything at its hcalls (the producer makes running "
     "consumers coherent at once), so E3 only drains what patch-channel postpones for other "
     "LPARs (channel.postpone: false) or latr's lazy states (latr.strict: false), and would "
     "otherwise cost every hcall a read for nothing (docs/coherency.md, E3).",
     F(drain_at_entry), NULL},
    {"tlb_gen", PT_STRUCT, "", NULL, 0, 0, NULL, "Strategy tlb-gen's change log.", F(tlb_gen),
     &coh_tlb_gen_params},
    {"latr", PT_STRUCT, "", NULL, 0, 0, NULL, "Strategy latr's lazy states and tick.", F(latr),
     &coh_latr_params},
    {"channel", PT_STRUCT, "", NULL, 0, 0, NULL,
     "Patch channels of strategy patch-channel (seed 004).", F(channel), &coh_channel_params},
    {"shadow", PT_STRUCT, "", NULL, 0, 0, NULL, "Mode shadow: traps and bookkeeping.", F(shadow),
     &coh_shadow_params},
};
_Static_assert(sizeof(coh_config) <= HYP_FEATURE_CFG_BYTES, "fits the feature config slot");
const param_table coherency_feature_params = {
    "coherency", sizeof(coh_config), list, PARAM_COUNT(list),
    "TLB coherency after HPT changes (seed 004): the strategy of the invalidation pipeline's "
    "coherency step, its filter, costs and fault injection."};

#define S(f) offsetof(coh_lpar_stats, f)
static const stat_desc stats[] = {
    {"invalidations", SK_COUNTER, "steps",
     "Coherency steps for the LPAR's changes (one per hcall or platform batch).",
     S(invalidations), NULL},
    {"pages", SK_COUNTER, "pages", "Translations those steps named.", S(pages), NULL},
    {"flushes", SK_COUNTER, "steps", "Steps for all of the LPAR's entries (a wipe).", S(flushes),
     NULL},
    {"tlbie_global", SK_COUNTER, "sequences", "Global tlbie sequences the steps issued.",
     S(tlbie_global), NULL},
    {"tlbiel_local", SK_COUNTER, "sequences",
     "Local tlbiel sequences on the initiating thread.", S(tlbiel_local), NULL},
    {"interrupts_sent", SK_COUNTER, "interrupts", "Shootdown interrupts the steps sent.",
     S(interrupts_sent), NULL},
    {"interrupts_taken", SK_COUNTER, "interrupts",
     "Shootdown interrupts (any LPAR's) taken by threads running this LPAR's vCPUs.",
     S(interrupts_taken), NULL},
    {"interrupt_cycles", SK_COUNTER, "cycles",
     "Cycles this LPAR's vCPUs lost to shootdown handlers (handler + tlbiel).",
     S(interrupt_cycles), NULL},
    {"marks", SK_COUNTER, "threads", "Threads newly marked need_flush for this LPAR.", S(marks),
     NULL},
    {"dispatch_checks", SK_COUNTER, "dispatches",
     "Dispatches of its vCPUs that read the thread's need_flush bit.", S(dispatch_checks), NULL},
    {"dispatch_flushes", SK_COUNTER, "flushes",
     "Flushes of its entries from a thread's TLB at a dispatch (the bit was set).",
     S(dispatch_flushes), NULL},
    {"dispatch_flush_cycles", SK_COUNTER, "cycles",
     "Cycles of those flushes (one tlbiel per TLB set), charged to the dispatched threads.",
     S(dispatch_flush_cycles),
     NULL},
    {"dispatch_flushed_entries", SK_COUNTER, "entries", "TLB entries those flushes dropped.",
     S(dispatch_flushed_entries), NULL},
};
const stat_table coh_lpar_stat_table = {"coherency", stats, PARAM_COUNT(stats)};

#define A(f) offsetof(coh_audit_stats, f)
static const stat_desc audit_stats[] = {
    {"checks", SK_COUNTER, "checks", "Coherency steps and dispatches audited.", A(checks), NULL},
    {"tlb_entries_checked", SK_COUNTER, "entries", "TLB entries compared with the HPT.",
     A(tlb_entries_checked), NULL},
    {"violations", SK_COUNTER, "violations",
     "Stale TLB entries found where a running vCPU could use them; the run stops at the first.",
     A(violations), NULL},
    {"stale_allowed", SK_COUNTER, "entries",
     "Stale entries of running threads after a step that the strategy's mode lets them drain "
     "later (latr with strict false), counted instead of stopping the run.", A(stale_allowed),
     NULL},
};
const stat_table coh_audit_stat_table = {"coherency.audit", audit_stats,
                                         PARAM_COUNT(audit_stats)};
