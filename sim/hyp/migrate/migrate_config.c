/*
 * migrate_config.c - the parameters of LPAR migration (hypervisor.migrate.*),
 * its statistics (migration.*) and its auditor's (migration.audit.*),
 * declared once here. Sources: the design note seed002-paging.md (section
 * 1.E, H10; buffer_pages 64 proposed there); the rest are assumptions,
 * marked. The link (bandwidth, latency) is the platform's (docs/platform.md)
 * and the adapter's costs are hypervisor.rdma.*.
 */
#include <stddef.h>

#include "migrate_int.h"

#define F(f) offsetof(migrate_config, f)
static const param_desc list[] = {
    {"enabled", PT_BOOL, "", "false", 0, 0, NULL,
     "Turn the feature on: migrate an LPAR to another machine of a platform (source, with "
     "`to`) or receive one (target, without `to`) (seed 002, migration; docs/migration.md).",
     F(enabled), NULL},
    {"lpar", PT_STRING, "", "", 0, 0, NULL,
     "Source: the LPAR to migrate (its name; dedicated processors). Target: the "
     "LPAR receiving it (same name and memory size; shared memory with target_storage "
     "paging; dedicated processors, held off their threads until resume).", F(lpar), NULL},
    {"to", PT_STRING, "", "", 0, 0, NULL,
     "Source: the target machine's name in the platform (platform.machines[].name); empty: "
     "this machine is the target.", F(to), NULL},
    {"start_us", PT_DOUBLE, "us", "0", 0, 1e9, NULL,
     "Source: when the migration starts (the management console's order; assumption: chosen "
     "by the experiment).", F(start_us), NULL},
    {"buffer_pages", PT_UINT, "pages", "64", 1, 65536, NULL,
     "4K pages per state-record buffer (one RDMA message); 64 is the value the design note "
     "seed002-paging.md proposes (the abstract gives none).", F(buffer_pages), NULL},
    {"buffers", PT_UINT, "buffers", "2", 1, 1024, NULL,
     "State-record buffers in flight: a buffer is refilled once its previous message has "
     "arrived (assumption: double buffering).", F(buffers), NULL},
    {"max_passes", PT_UINT, "passes", "8", 1, 1000, NULL,
     "Pre-copy passes (the first sends every page) after which the LPAR is suspended whatever "
     "remains dirty (assumption; Xen's xc_domain_save bounds its iterations the same way).",
     F(max_passes), NULL},
    {"stop_pages", PT_UINT, "pages", "64", 0, 1e12, NULL,
     "Suspend when a harvest finds at most this many dirty pages (assumption: one buffer).",
     F(stop_pages), NULL},
    {"target_storage", PT_ENUM, "", "paging", 0, 0, "paging|memory",
     "Target: where pages received while the source still runs go: the target LPAR's paging "
     "device (abstract E; the LPAR must have shared memory) or frames of its memory. After "
     "suspend they always go to memory. Set on the source (sent to the target).",
     F(target_storage), NULL},
    {"thread", PT_UINT, "", "0", 0, 1048576, NULL,
     "Hardware thread whose core does the migration's work on this machine (its caches and "
     "memory port); its own clock is not advanced (assumption: a hypervisor task on a spare "
     "thread).", F(thread), NULL},
    {"audit", PT_BOOL, "", "false", 0, 0, NULL,
     "The migration's auditor (also on with hypervisor.audit / --audit): the source stamps a "
     "page at every TLB fill that lets stores through (traces carry no data), takes every "
     "page's checksum at suspend and sends them; the target compares them with its pages' "
     "bytes (frame or paging device) at resume.", F(audit), NULL},
    {"inject", PT_ENUM, "", "none", 0, 0, "none|skip-resend",
     "Fault injection for testing the auditor: pages dirtied after they were sent are never "
     "sent again. Results are wrong on purpose.", F(inject), NULL},
};
_Static_assert(sizeof(migrate_config) <= HYP_FEATURE_CFG_BYTES, "fits the feature config slot");
const param_table migrate_feature_params = {
    "migrate", sizeof(migrate_config), list, PARAM_COUNT(list),
    "LPAR migration between machines (seed 002): pre-copy through state-record buffers over "
    "the platform's link, dirty pages from harvested C bits re-sent, suspend, final copy, "
    "resume on the target."};

#define S(f) offsetof(migrate_stats, f)
#define C(n, u, d, f) {n, SK_COUNTER, u, d, S(f), NULL}
static const stat_desc stat_list[] = {
    C("pages_sent", "pages", "Source: pages sent (every pass and the final copy).", pages_sent),
    C("pages_resent", "pages", "Source: pages sent again (dirtied after an earlier send).",
      pages_resent),
    C("bytes_sent", "bytes", "Source: payload bytes sent (pages and their 16-byte record "
      "headers; the link adds RoCE headers, hypervisor.rdma.header_bytes).", bytes_sent),
    C("buffers_sent", "buffers", "Source: state-record buffers sent.", buffers_sent),
    C("passes", "passes", "Source: pre-copy passes made.", passes),
    C("hptes_cleaned", "HPTEs", "Source: HPTEs whose C bit a harvest cleared.", hptes_cleaned),
    C("tlbies", "batches", "Source: tlbie batches of the harvests.", tlbies),
    C("final_pages", "pages", "Source: pages of the final copy (dirty at suspend).",
      final_pages),
    C("suspend_cycle", "cycles", "Source: cycle the LPAR was suspended.", suspend_cycle),
    C("read_not_resident", "pages", "Source (shared memory): pages read while not in a frame "
      "(from its paging device, or never touched: zeros), without paging them in.",
      read_not_resident),
    C("pages_received", "pages", "Target: pages received.", pages_received),
    C("to_device", "pages", "Target: pages written to the paging device.", to_device),
    C("to_memory", "pages", "Target: pages written to memory.", to_memory),
    C("precopy_frames", "pages", "Target: most frames the LPAR held before the final copy.",
      precopy_frames),
    C("start_cycle", "cycles", "Target: cycle the source started (from its HELLO).",
      start_cycle),
    C("resume_cycle", "cycles", "Target: cycle the LPAR resumed.", resume_cycle),
    C("total_cycles", "cycles", "Target: start to resume.", total_cycles),
    C("downtime_cycles", "cycles", "Target: suspend to resume.", downtime_cycles),
    C("post_resume_page_ins", "pages", "Target: page-ins of the LPAR after resume (faults "
      "that read its paging device), counted at the run's end.", post_resume_page_ins),
    C("device_backlog_cycles", "cycles", "Target: how long after resume the paging device "
      "was still writing pages received before suspend (0: none queued).",
      device_backlog_cycles),
};
const stat_table migrate_stat_table = {"migration", stat_list, PARAM_COUNT(stat_list)};

#define A(f) offsetof(migrate_audit_stats, f)
static const stat_desc audit_list[] = {
    {"checks", SK_COUNTER, "pages", "Target pages compared with the source's checksums.",
     A(checks), NULL},
    {"violations", SK_COUNTER, "pages",
     "Pages whose bytes at the target differ from the source's at suspend; the run stops at "
     "the first.", A(violations), NULL},
    {"stamps", SK_COUNTER, "stamps", "Source: stamps written for TLB fills that let stores "
     "through.", A(stamps), NULL},
};
const stat_table migrate_audit_stat_table = {"migration.audit", audit_list,
                                             PARAM_COUNT(audit_list)};
