/*
 * ipca_config.c - the `hypervisor.ipca` parameters, the IPCA statistics
 * (ipca.*) and its auditor's (ipca.audit.*), declared once here. Sources
 * of the defaults: the design note seed001-003-smc-ipca.md §5 (itself from
 * the patent's example and assumptions); assumptions are marked.
 */
#include <stddef.h>

#include "ipca_int.h"

#define F(f) offsetof(ipca_config, f)
static const param_desc list[] = {
    {"enabled", PT_BOOL, "", "false", 0, 0, NULL,
     "Turn the feature on: TABLE 1 in hypervisor memory, the H_IPCA_* hcalls, transport "
     "\"ipca\", statistics and ops exist only when enabled.", F(enabled), NULL},
    {"size", PT_SIZE, "bytes", "1M", 4096, 0x1p40, NULL,
     "IPCA the transport registers for an LPAR that has none (at the top of its memory); "
     "notes §5 (assumption; the patent's example is 128 MB of 1 GB).", F(size), NULL},
    {"min_size", PT_SIZE, "bytes", "4K", 4096, 0x1p40, NULL,
     "Smallest IPCA H_IPCA_REGISTER accepts (one page; assumption).", F(min_size), NULL},
    {"max_size", PT_SIZE, "bytes", "256M", 4096, 0x1p40, NULL,
     "Largest IPCA H_IPCA_REGISTER accepts; notes §5 (assumption).", F(max_size), NULL},
    {"poll_period", PT_UINT, "cycles", "100000", 1, 1e15, NULL,
     "Cycles between two polls of an owner's event-scan routine over its own IPCA (the "
     "patent: it 'periodically checks'); notes §5 (assumption, 26 us at 3.8 GHz).",
     F(poll_period), NULL},
    {"scan_cycles_per_slot", PT_UINT, "cycles", "20", 0, 1e9, NULL,
     "Guest compute per slot header examined by a poll (besides the header line's load "
     "through the caches); notes §5 (assumption).", F(scan_cycles_per_slot), NULL},
    {"slot_bytes", PT_SIZE, "bytes", "4K", 256, 0x1p30, NULL,
     "Slot of the transport's protocol: a 128 B header {valid, read, src, seq, type, len} "
     "and the payload; a multiple of 128 (assumption: one page).", F(slot_bytes), NULL},
    {"lock_policy", PT_ENUM, "", "return", 0, 0, "return|spin",
     "An access to an IPCA whose lock is held: H_BUSY (the caller retries), or the hcall "
     "spins until the holder's release (charged to its queueing part); notes §5. An explicit "
     "H_IPCA_LOCK still held is always H_BUSY.", F(lock_policy), NULL},
    {"access_mode", PT_ENUM, "", "copy", 0, 0, "copy",
     "How the hypervisor 'provides necessary access': it copies the bytes inside the hcall "
     "(the notes' grant variant, a temporary HPTE, is not modeled).", F(access_mode), NULL},
    {"acl", PT_BOOL, "", "false", 0, 0, NULL,
     "Only LPARs the owner granted (H_IPCA_GRANT) may access its IPCA, others get "
     "H_AUTHORITY. false is the patent ('705 claim 3: any partition may read and write any "
     "IPCA).", F(acl), NULL},
    {"max_areas", PT_UINT, "entries", "64", 1, 65536, NULL,
     "TABLE 1 entries, one per lpid below it (an LPAR at or above it gets H_RESOURCE); "
     "assumption (64 B each in hypervisor memory, plus a grant bitmap of as many bits).",
     F(max_areas), NULL},
    {"audit", PT_BOOL, "", "false", 0, 0, NULL,
     "Check every access against the auditor's own records of registrations, grants and lock "
     "intervals (also hypervisor.audit and --audit).", F(audit), NULL},
    {"inject", PT_ENUM, "", "none", 0, 0, "none|skip-range-check|skip-lock|skip-acl",
     "Fault injection for testing the auditor: H_IPCA_WRITE/READ skip the range check (only "
     "the owner's memory bounds hold), or the lock, or the acl check. Results are wrong on "
     "purpose; meant to be run with the auditor, which stops it.", F(inject), NULL},
};
_Static_assert(sizeof(ipca_config) <= HYP_FEATURE_CFG_BYTES, "fits the feature config slot");
const param_table ipca_feature_params = {
    "ipca", sizeof(ipca_config), list, PARAM_COUNT(list),
    "Inter-partition communication areas and the virtual shared resource (seed 003)."};

#define S(f) offsetof(ipca_stats, f)
static const stat_desc stats[] = {
    {"table_bytes", SK_COUNTER, "bytes", "Hypervisor memory of TABLE 1 and the grant bitmaps.",
     S(table_bytes), NULL},
    {"registered", SK_COUNTER, "IPCAs", "Successful H_IPCA_REGISTERs.", S(registered), NULL},
    {"deregistered", SK_COUNTER, "IPCAs", "IPCAs removed (H_IPCA_DEREGISTER or termination).",
     S(deregistered), NULL},
    {"pages_pinned", SK_COUNTER, "pages", "4K pages of the IPCAs registered now (pinned).",
     S(pages_pinned), NULL},
    {"writes", SK_COUNTER, "hcalls", "Successful H_IPCA_WRITEs (a broadcast counts once).",
     S(writes), NULL},
    {"reads", SK_COUNTER, "hcalls", "Successful H_IPCA_READs.", S(reads), NULL},
    {"broadcasts", SK_COUNTER, "hcalls", "Successful H_IPCA_WRITEs to ALL.", S(broadcasts),
     NULL},
    {"broadcast_targets", SK_COUNTER, "IPCAs", "IPCAs written by broadcasts.",
     S(broadcast_targets), NULL},
    {"bytes_written", SK_COUNTER, "bytes", "Bytes copied into IPCAs.", S(bytes_written), NULL},
    {"bytes_read", SK_COUNTER, "bytes", "Bytes copied out of IPCAs by H_IPCA_READ.",
     S(bytes_read), NULL},
    {"lines_copied", SK_COUNTER, "lines", "Cache lines the hcalls' copies stored.",
     S(lines_copied), NULL},
    {"locks", SK_COUNTER, "hcalls", "Successful H_IPCA_LOCKs.", S(locks), NULL},
    {"unlocks", SK_COUNTER, "hcalls", "Successful H_IPCA_UNLOCKs.", S(unlocks), NULL},
    {"grants", SK_COUNTER, "hcalls", "H_IPCA_GRANTs that granted.", S(grants), NULL},
    {"revokes", SK_COUNTER, "hcalls", "H_IPCA_GRANTs that revoked.", S(revokes), NULL},
    {"busy_spins", SK_COUNTER, "hcalls", "Accesses that spun on a held lock (lock_policy spin).",
     S(busy_spins), NULL},
    {"spin_cycles", SK_COUNTER, "cycles", "Cycles those spins took (queueing part).",
     S(spin_cycles), NULL},
    {"refused_range", SK_COUNTER, "hcalls", "Refused: range outside the IPCA (H_PARAMETER).",
     S(refused[IR_RANGE]), NULL},
    {"refused_not_found", SK_COUNTER, "hcalls", "Refused: no IPCA registered (H_NOT_FOUND).",
     S(refused[IR_NOT_FOUND]), NULL},
    {"refused_param", SK_COUNTER, "hcalls",
     "Refused: unaligned or oversized area, outside the caller's LMBs, bad lpid (H_PARAMETER).",
     S(refused[IR_PARAM]), NULL},
    {"refused_state", SK_COUNTER, "hcalls", "Refused: already registered (H_R_STATE).",
     S(refused[IR_STATE]), NULL},
    {"refused_resource", SK_COUNTER, "hcalls", "Refused: TABLE 1 has no entry (H_RESOURCE).",
     S(refused[IR_RESOURCE]), NULL},
    {"refused_busy", SK_COUNTER, "hcalls", "Refused: the IPCA's lock is held (H_BUSY).",
     S(refused[IR_BUSY]), NULL},
    {"refused_authority", SK_COUNTER, "hcalls", "Refused: not granted, acl on (H_AUTHORITY).",
     S(refused[IR_AUTHORITY]), NULL},
    {"slots_written", SK_COUNTER, "slots", "Transport: slots written into peers' IPCAs.",
     S(slots_written), NULL},
    {"slots_read", SK_COUNTER, "slots", "Transport: slots consumed by their owner.",
     S(slots_read), NULL},
    {"polls", SK_COUNTER, "polls", "Transport: scans of an owner's IPCA (one per poll tick).",
     S(polls), NULL},
    {"polls_hit", SK_COUNTER, "polls", "Transport: scans that found a new slot.", S(polls_hit),
     NULL},
    {"polls_empty_idle", SK_COUNTER, "polls",
     "Transport: poll ticks a waiting side spent finding nothing (counted, their cycles are "
     "not charged to any message).", S(polls_empty_idle), NULL},
    {"slots_scanned", SK_COUNTER, "slots", "Transport: slot headers examined by scans.",
     S(slots_scanned), NULL},
    {"room_waits", SK_COUNTER, "waits", "Transport: writers that waited for a free slot.",
     S(room_waits), NULL},
    {"partial_sends", SK_COUNTER, "sends", "Transport: sends that moved less than offered "
     "(the peer's IPCA had too few free slots: the message is split).", S(partial_sends), NULL},
    {"busy_retries", SK_COUNTER, "hcalls", "Transport: H_BUSY answers retried.",
     S(busy_retries), NULL},
};
const stat_table ipca_stat_table = {"ipca", stats, PARAM_COUNT(stats)};

#define A(f) offsetof(ipca_audit_stats, f)
static const stat_desc audit_stats[] = {
    {"checks", SK_COUNTER, "accesses", "IPCA accesses and lock intervals audited.", A(checks),
     NULL},
    {"violations", SK_COUNTER, "violations",
     "Accesses outside a recorded registration or grant, or overlapping lock intervals; the "
     "run stops at the first.", A(violations), NULL},
    {"lock_intervals", SK_COUNTER, "intervals", "Lock intervals checked for overlap.",
     A(lock_intervals), NULL},
    {"ungranted_reads", SK_COUNTER, "accesses",
     "Observation (acl false, the patent): reads of an IPCA by an LPAR its owner never "
     "granted (H9: any partition can read any IPCA). Not a violation.", A(ungranted_reads),
     NULL},
    {"ungranted_writes", SK_COUNTER, "accesses",
     "Observation (acl false): writes into an IPCA by an LPAR its owner never granted.",
     A(ungranted_writes), NULL},
};
const stat_table ipca_audit_stat_table = {"ipca.audit", audit_stats, PARAM_COUNT(audit_stats)};
