/*
 * machine.h - the whole simulated machine, built from one config: processor
 * modules, cores and SMT threads (with TLBs), caches, memory modules with
 * one DRAM controller each, the hypervisor, and LPARs whose vCPUs replay
 * traces. All state hangs off the machine object; two machines can live in
 * one process.
 */
#ifndef LPARSIM_MACHINE_MACHINE_H
#define LPARSIM_MACHINE_MACHINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "core/jtree.h"
#include "core/param.h"
#include "cpu/cpu.h"
#include "hyp/hyp.h"
#include "lpar/guest.h"
#include "memctl/dram.h"
#include "memctl/memhier.h"
#include "memctl/memmap.h"
#include "memctl/pagedev/pagedev.h"
#include "mmu/mmu_config.h"
#include "tlb/tlb.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct topology_config {
    char *name;
    uint64_t seed;
    uint64_t modules, cores_per_module, threads_per_core;
    uint64_t freq_mhz;
    uint64_t fabric_ns;   /* on-chip fabric + memory-controller latency per DRAM access */
} topology_config;

/* numa.*: memory affinity (machine_numa.c, docs/numa.md) */
typedef struct numa_config {
    bool enabled;
    uint64_t remote_ns;   /* per hop between processor modules */
    bool hpt_home;        /* an LPAR with home nodes: its HPT on the first one */
} numa_config;
extern const param_table numa_params;

typedef struct run_config {
    uint64_t max_records; /* per vCPU; 0 = whole trace */
    uint64_t max_cycles;  /* stop the run at this cycle; 0 = run to the end */
    uint64_t warmup_records; /* per vCPU, replayed functionally first; 0 = none */
} run_config;

typedef struct machine_config {
    topology_config machine;
    cpu_config cpu;
    cache_config cache;
    memory_config memory;
    numa_config numa;
    dram_config dram;
    pagedev_config pagedev;
    tlb_config tlb;
    mmu_config mmu;
    hyp_config hypervisor;
    guest_config guest;
    param_list lpars;     /* of lpar_config */
    run_config run;
    hyp_drivers_config drivers; /* drivers.<name>.*: workload drivers (hyp.h) */
} machine_config;

extern const param_table machine_config_table; /* the root: every key of a config file */

/* Resolve relative trace paths against base_dir (the config file's
 * directory). 0 or -1 (out of memory). */
int machine_config_resolve_paths(machine_config *c, const char *base_dir, sim_err *e);

/* Load a config file into c (which holds defaults), apply `--set`
 * assignments in order, resolve trace paths against the file's directory
 * and require at least one LPAR. src (may be NULL) records key lines.
 * 0 or -1 with e set (file:line: path: ...). */
int machine_config_load(machine_config *c, const char *path, const char *const *sets,
                        unsigned nsets, cfg_src *src, sim_err *e);

/* Defaults for every parameter (lists empty). */
int machine_config_init(machine_config *c, sim_err *e);
void machine_config_free(machine_config *c);

typedef struct machine machine;

/* Build the machine; src (may be NULL) gives file:line for semantic errors.
 * Opens every trace (errors name the trace file). */
machine *machine_create(const machine_config *c, const cfg_src *src, sim_err *e);
void machine_destroy(machine *m);

/* Progress callback: called about every `period` simulated records, and
 * every 256 steps of the workload drivers (machine_driver_progress). */
typedef void (*machine_progress_fn)(void *ctx, uint64_t records, uint64_t cycles);

/* The run ended (machine_run returned 0, or a caller of machine_run_until
 * reached the end or run.max_cycles): the hypervisor's features write
 * their output files (e.g. hypervisor.dispatch.dtl). Call it once, before
 * the report; 0 or -1 with e set (the message names the key and the file). */
int machine_finish(machine *m, sim_err *e);

/* Replay every bound vCPU's trace to its end, running the enabled workload
 * drivers' steps in between (each at its cycle: every vCPU has run up to it
 * first). 0 or -1 with e set (the statistics gathered so far stay
 * readable); a feature's check failing after an hcall (an auditor
 * violation) stops the run with its message. */
int machine_run(machine *m, machine_progress_fn fn, void *ctx, sim_err *e);

/* Run scheduler steps while the thread furthest behind is before cycle
 * `limit`, then stop (the steps are the same whatever the limits, so a run
 * in pieces gives results identical to one machine_run). Returns 1 if work
 * remains, 0 when every trace is finished, -1 on an error. */
int machine_run_until(machine *m, uint64_t limit, machine_progress_fn fn, void *ctx,
                      sim_err *e);

/* The cycle the machine has reached: the clock of the thread furthest
 * behind or the next driver step, whichever is earlier; once everything is
 * finished, machine_cycles. */
uint64_t machine_now(const machine *m);

/* Replace the memory below the last-level cache (the DRAM controllers and
 * the fabric latency) by the caller's model: access() receives line-aligned
 * real addresses, write = true for posted writebacks, and the core cycle
 * the request leaves the L3; it returns the fill latency in core cycles.
 * Used by the SystemC bindings to send that traffic out through a TLM
 * initiator socket. Call before machine_run. */
void machine_set_memory_below(machine *m, memhier_below below);

/* Simulated cycles (the latest thread clock, or the end of the last driver
 * operation if later) and records replayed. */
uint64_t machine_cycles(const machine *m);
uint64_t machine_records(const machine *m);
uint64_t machine_total_records_hint(const machine *m); /* 0 if unknown */
/* run.max_cycles (0: none): a front end running in pieces stops there. */
uint64_t machine_max_cycles(const machine *m);
/* The drivers' operations done and configured; false without drivers. */
bool machine_driver_progress(const machine *m, uint64_t *done, uint64_t *total);

/* Every figure of the run (machine summary, ops, component stats) into j;
 * host timing (sim.host_seconds ...) is added by the caller. */
void machine_report_json(const machine *m, jtree *j);
/* Human-readable report. */
void machine_report_text(const machine *m, const jtree *j, FILE *f);

/* Access for tests and front ends. */
hyp *machine_hyp(machine *m);
/* The machine's physical memory contents (tests, front ends). */
physmem *machine_physmem(machine *m);
unsigned machine_threads(const machine *m);
cpu_thread *machine_thread(machine *m, unsigned i);
const ops_reg *machine_ops(const machine *m);
const stats_reg *machine_stats(const machine *m);

#ifdef __cplusplus
}
#endif
#endif
