/* machine_int.h - private layout of the machine object (sim/machine only). */
#ifndef LPARSIM_MACHINE_INT_H
#define LPARSIM_MACHINE_INT_H

#include "core/ops.h"
#include "core/sched.h"
#include "core/stats.h"
#include "cpu/decode.h"
#include "machine.h"
#include "memctl/physmem.h"


typedef struct machine_dramlog machine_dramlog;

/* numa.* counters (machine_numa.c): demand DRAM reads by locality */
typedef struct machine_numa_stats {
    uint64_t local, remote, remote_cycles;
} machine_numa_stats;

struct machine {
    topology_config topo;
    cpu_config cpu_cfg;
    ops_reg *ops;
    stats_reg *stats;
    memmap *mm;
    physmem *pm;
    dram **drams;                /* one per memory module */
    unsigned ndrams;
    uint64_t dram_capacity;
    uint64_t fabric_cycles;
    uint64_t dram_tck_ps;
    memhier *mh;
    tlb **tlbs;
    tlbie_fabric *fabric;
    cpu_thread *threads;
    const mem_port **ports;
    unsigned nthreads;
    ppc_decoder *dec;            /* instruction-word decoder shared by all threads (cpu.decode) */
    hyp *hyp;
    guest **guests;
    unsigned nguests, cap_guests;
    cpu_vcpu **svcpus;           /* shared LPARs' vCPUs (the dispatcher places them) */
    unsigned nsvcpus, cap_svcpus;
    tr_reader **traces;
    unsigned ntraces, cap_traces;
    const machine_config *cfg;   /* while building (the drivers' LPARs) */
    unsigned next_thread;        /* a driver's dedicated vCPUs: the next free thread */
    uint64_t max_records;
    uint64_t max_cycles;         /* run.max_cycles (0: none) */
    memhier_below ext_below;     /* replaces the DRAM controllers when set */
    unsigned *core_active;       /* per core: its threads still replaying */
    sched sched;                 /* threads still replaying, by clock */
    bool sched_ready;
    uint64_t run_records, next_report;
    char *name;
    hyp_drivers *drivers;        /* the enabled workload drivers (may be empty) */
    machine_dramlog *dramlog;    /* dram.trace_out (NULL: none) */
    uint64_t dram_horizon;       /* while a thread runs: how far the others may still come */
    /* warm-up and regions of interest (machine_roi.c) */
    uint64_t warmup;             /* run.warmup_records */
    uint64_t *warm_to;           /* per thread: its vCPU's warm-up records (run.warmup_records
                                  * or lpars[].vcpus[].warmup_records) */
    uint64_t warm_max;           /* the largest of them and run.warmup_records (0: none) */
    unsigned wait_streak;        /* threads come back waiting (CPU_RECORD_WAIT) since the
                                  * last record replayed (machine_run.c) */
    bool warmed;                 /* the warm-up has been done */
    uint64_t warm_records, warm_cycles;
    struct machine_region *regions; /* regions open now */
    unsigned nregions, cap_regions;
    jtree *roi_out;              /* regions ended: "<k>.<figure>" */
    unsigned roi_done;
    /* memory affinity (machine_numa.c) */
    bool numa_on;                /* numa.enabled */
    unsigned numa_cpm;           /* cores per processor module */
    uint64_t numa_hop_cycles;    /* numa.remote_ns in core cycles */
    machine_numa_stats numa_all, *numa_core; /* in all; per core */
    machine_numa_stats **numa_lpar; /* per LPAR (by lpid; each apart: registered) */
    unsigned nnuma_lpar;
    unsigned numa_thread;        /* the thread whose record runs (UINT32_MAX: none) */
};

/* machine_dramlog.c: the DRAM request log (dram.trace_out) */
int machine_dramlog_open(machine *m, const char *path, sim_err *e);
int machine_dramlog_commit(machine *m, sim_err *e);
/* Requests written at a later cycle than theirs (out of order beyond the
 * reorder window), so far. */
uint64_t machine_dramlog_clamped(const machine *m);
void machine_dramlog_abort(machine *m);

/* machine_roi.c: the ROI hook a binding of a version 2 trace gets. */
int machine_roi_marker(void *ctx, cpu_thread *t, bool begin, uint64_t id, sim_err *e);
/* The warm-up, once, before the first scheduler step (machine_run.c). */
int machine_warmup(machine *m, sim_err *e);
/* "sim.warmup.*" and "regions.*" into the report (machine_report.c). */
void machine_roi_report(const machine *m, jtree *j);
void machine_roi_free(machine *m);

/* machine_numa.c: numa.* (nothing when numa.enabled is false); the hop a
 * read fill of line_paddr by `core` pays (0 when local), counted. */
extern const stat_table machine_numa_stat_table;
int machine_numa_init(machine *m, const machine_config *c, sim_err *e);
void machine_numa_free(machine *m);
uint64_t machine_numa_charge(machine *m, unsigned core, uint64_t line_paddr);
/* numa.lpar.<name>.*: the fills made while a vCPU of LPAR lpid ran a
 * record (dedicated or shared; hypervisor events outside a record, like
 * the dispatcher's or paging's stealer, are in numa.* only). 0 or -1. */
int machine_numa_lpar(machine *m, unsigned lpid, const char *name, sim_err *e);
/* lpars[i].home_nodes and node_pages against numa.enabled and the
 * machine (an error located by src). 0 or -1. */
int machine_numa_check_lpar(const machine_config *c, size_t i, const cfg_src *src, sim_err *e);
/* The thread for dedicated vCPU v of an LPAR with home nodes (none given):
 * the free thread of lowest SMT index, then lowest core, on home node
 * nodes[v % n], else on any of its home nodes. 0, or -1 when all are
 * taken. */
int machine_numa_thread(const machine *m, const unsigned *nodes, unsigned n, unsigned v,
                        uint64_t *thread);

/* machine_memory.c: the hypervisor bytes to reserve and the memory the
 * hypervisor, the LPARs and the spare LMBs need in all. 0, or -1 with an
 * error at the key that asks for the most when no memory can hold that. */
/* Logical memory of the configured LPARs with memory_mode: shared. */
uint64_t machine_shared_bytes(const machine_config *c);
int machine_size_memory(const machine_config *c, const cfg_src *src, uint64_t *hyp_bytes,
                        uint64_t *need, sim_err *e);

#endif
