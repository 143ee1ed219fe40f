/* lpar_config.c - declared parameters of LPARs, their vCPUs and the guest OS
 * model (see guest.h). */
#include <stddef.h>

#include "guest.h"

#define G_F(f) offsetof(guest_config, f)
static const param_desc guest_param_list[] = {
    {"fault_cycles", PT_UINT, "cycles", "1200", 0, 1e7, NULL,
     "Guest kernel compute per page fault (exception entry, VMA lookup, page-table update, "
     "return), on top of its modeled memory accesses and hcalls; assumption of the order of "
     "a Linux minor fault.", G_F(fault_cycles), NULL},
    {"zero_new_pages", PT_BOOL, "", "true", 0, 0, NULL,
     "Clear a logical page on first touch as Linux does (dcbz per 128-byte line through the "
     "faulting thread's caches: no DRAM read, dirty lines written back later).",
     G_F(zero_new_pages), NULL},
    {"vpa", PT_ENUM, "", "auto", 0, 0, "auto|on|off",
     "Register a VPA per vCPU (H_REGISTER_VPA on a fresh page, at the vCPU's first fault), as "
     "pSeries Linux does at boot (vpa_init); the hypervisor then writes it at every dispatch. "
     "auto: shared-memory LPARs only (dedicated-memory results stay as they were).",
     G_F(vpa), NULL},
    {"free_hint", PT_BOOL, "", "true", 0, 0, NULL,
     "A shared-memory LPAR's guest tells the hypervisor of each page it frees (a free marker, "
     "K 6) with H_PAGE_INIT set-unused per 4K page, as Linux arch_free_page does when "
     "cmo_free_hint is on (its default; pseries lpar.c).", G_F(free_hint), NULL},
    {"cmm", PT_BOOL, "", "false", 0, 0, NULL,
     "Run the CMM balloon in shared-memory LPARs (Linux pseries cmm.c): poll H_GET_MPP every "
     "cmm_poll_us, loan free pages (H_PAGE_INIT set-loaned) to follow the hypervisor's loan "
     "request, never below cmm_min_mem, give cmm_oom_kb back when out of memory "
     "(docs/paging.md).", G_F(cmm), NULL},
    {"cmm_poll_us", PT_DOUBLE, "us", "1000", 1, 1e9, NULL,
     "CMM poll period. Linux cmm.c's `delay` is 1 s; scaled by 1/1000 here (assumption: a "
     "run lasts about 1 s of simulated time, 3.8e9 cycles, so a 1 s poll would run about "
     "once). The poll runs at the LPAR's first page fault or marker after the period.",
     G_F(cmm_poll_us), NULL},
    {"cmm_min_mem", PT_SIZE, "bytes", "256M", 0, 0x1p50, NULL,
     "The balloon never leaves the guest less than this (Linux cmm.c min_mem_mb, default "
     "256).", G_F(cmm_min_mem), NULL},
    {"cmm_oom_kb", PT_UINT, "KiB", "1024", 0, 1e9, NULL,
     "Memory the balloon gives back when the guest runs out of pages (Linux cmm.c oom_kb, "
     "default 1024).", G_F(cmm_oom_kb), NULL},
};
const param_table guest_params = {"guest", sizeof(guest_config), guest_param_list,
                                  PARAM_COUNT(guest_param_list),
                                  "The guest OS model in every LPAR: page-fault handling, "
                                  "frees and the CMM balloon."};

#define V_F(f) offsetof(vcpu_config, f)
static const param_desc vcpu_param_list[] = {
    {"thread", PT_UINT, "", "0", 0, 1e6, NULL,
     "Hardware thread (global index: module, core, SMT thread in order) the vCPU is bound to; "
     "at most one vCPU per thread (dedicated LPARs only: a shared LPAR's vCPUs are "
     "dispatched).", V_F(thread), NULL},
    {"trace", PT_STRING, "path", "", 0, 0, NULL,
     "Native trace file the vCPU replays (a relative path is relative to the config file's "
     "directory); see `lparsim trace import`.", V_F(trace), NULL},
    {"process", PT_UINT, "", "0", 0, 500000, NULL,
     "Address-space (process context) id; vCPUs of one LPAR with the same non-zero id share "
     "an address space; 0 gives the vCPU a private one.", V_F(process), NULL},
    {"repeat", PT_UINT, "passes", "1", 1, 1e6, NULL,
     "Number of passes over the trace (later passes find warm caches, TLB and HPT).",
     V_F(repeat), NULL},
    {"warmup_records", PT_INT, "records", "-1", -1, 0x1p62, NULL,
     "Records of this vCPU's trace the warm-up replays functionally (its own "
     "run.warmup_records, e.g. the length of a full-system recording's prologue, which "
     "differs per vCPU); -1 = run.warmup_records. Same rules as run.warmup_records.",
     V_F(warmup_records), NULL},
};
const param_table vcpu_params = {"vcpu", sizeof(vcpu_config), vcpu_param_list,
                                 PARAM_COUNT(vcpu_param_list), "One virtual CPU of an LPAR."};

static const param_desc node_param_list[] = {
    {"node", PT_UINT, "", "0", 0, 63, NULL,
     "A home node: a processor module index (0..machine.modules-1).",
     offsetof(lpar_node_config, node), NULL},
};
static const param_table node_params = {"home_nodes", sizeof(lpar_node_config), node_param_list,
                                        PARAM_COUNT(node_param_list),
                                        "A home node of the LPAR (a bare number)."};
static const param_desc pages_param_list[] = {
    {"pages", PT_UINT, "pages", "0", 0, 0x1p52, NULL,
     "Desired 4K pages on the home node of the same index.",
     offsetof(lpar_pages_config, pages), NULL},
};
static const param_table pages_params = {"node_pages", sizeof(lpar_pages_config),
                                         pages_param_list, PARAM_COUNT(pages_param_list),
                                         "Desired pages on one home node (a bare number)."};

#define L_F(f) offsetof(lpar_config, f)
static const param_desc lpar_param_list[] = {
    {"name", PT_STRING, "", "lpar", 0, 0, NULL, "Name used in reports.", L_F(name), NULL},
    {"memory", PT_SIZE, "bytes", "256M", 16777216.0, 0x1p56, NULL,
     "Logical memory of the LPAR, a whole number of LMBs (hypervisor.lmb_size).",
     L_F(memory), NULL},
    {"page_size", PT_ENUM, "", "4K", 0, 0, "4K|64K|16M",
     "Page size the guest maps its memory with (segment base page size: 64K for 64K pages, "
     "4K for 4K and 16M pages).", L_F(page_size), NULL},
    {"segment", PT_ENUM, "", "256M", 0, 0, "256M|1T", "Segment size of the LPAR's SLB entries.",
     L_F(segment), NULL},
    {"hpt_size", PT_SIZE, "bytes", "0", 0, 0x1p46, NULL,
     "Size of the LPAR's HPT (a power of two, 256K..64T); 0 = memory / hypervisor.hpt_ratio.",
     L_F(hpt_size), NULL},
    {"memory_mode", PT_ENUM, "", "dedicated", 0, 0, "dedicated|shared",
     "dedicated: the LPAR owns its LMBs; shared: its logical memory is backed page by page "
     "(4K) from the hypervisor's shared memory pool and may be paged out to the paging "
     "device (PowerVM Active Memory Sharing; needs a feature that backs shared memory, "
     "docs/paging.md).", L_F(memory_mode), NULL},
    {"memory_weight", PT_UINT, "", "128", 0, 255, NULL,
     "Shared memory: the LPAR's weight in the pool; the hypervisor takes pages first from "
     "the LPAR furthest above its weighted share (AMS memory weight 0-255; default 128 an "
     "assumption, notes seed002 §2.4). Only with memory_mode: shared.", L_F(memory_weight),
     NULL},
    {"guest", PT_ENUM, "", "model", 0, 0, "model|full-system",
     "model: lparsim's guest OS model turns the vCPUs' user-mode traces into page faults and "
     "hcalls; full-system: the traces are a whole guest recorded under QEMU pseries "
     "(scripts/record-linux-guest.sh, format version 3): their hcalls go to the hypervisor "
     "as recorded, their slbmte markers give the segments, no fault is modeled "
     "(docs/linux-guests.md).", L_F(guest), NULL},
    {"processors", PT_STRUCT, "", NULL, 0, 0, NULL,
     "How the LPAR gets processors: dedicated (default) or shared.", L_F(processors),
     &hyp_procs_params},
    {"vcpus", PT_LIST, "", NULL, 0, 0, NULL, "The LPAR's virtual CPUs.", L_F(vcpus),
     &vcpu_params},
    {"home_nodes", PT_LIST, "", NULL, 0, 0, NULL,
     "Home nodes (processor modules) of the LPAR, e.g. [1] (numa.enabled only): its LMBs are "
     "taken on memory attached to them and its dedicated vCPUs without a thread go on their "
     "cores; empty (default): today's placement. docs/numa.md.", L_F(home_nodes),
     &node_params},
    {"node_pages", PT_LIST, "", NULL, 0, 0, NULL,
     "Desired 4K pages on each home node, in home_nodes order (same length; at most the "
     "LPAR's memory in all); empty: the memory spread evenly over the home nodes. Splits the "
     "LMBs and is the level the hypervisor's page-in keeps per node.", L_F(node_pages),
     &pages_params},
};
const param_table lpar_params = {"lpar", sizeof(lpar_config), lpar_param_list,
                                 PARAM_COUNT(lpar_param_list), "One logical partition."};
