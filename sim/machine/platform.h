/*
 * platform.h - several machines (CECs) in one simulation, joined by links.
 *
 * A platform file is YAML whose top level is `platform:` (docs/platform.md):
 * a list of machines, each a name and a machine config file (relative to
 * the platform file) with optional --set style overrides, and links
 * between pairs of machines (latency, bandwidth).
 *
 * Time base: every machine must have the same machine.freq_mhz; platform
 * time is that clock's cycles, counted from 0 for every machine. Link
 * latencies (ns) are converted to cycles of that clock (rounded up).
 *
 * Lockstep rule (conservative): the run loop advances the machines in
 * windows of W cycles, W = the smallest link latency in cycles (no links:
 * one window to the end). In window k every machine runs, in list order,
 * with machine_run_until(m, k*W); so no machine is ever more than W cycles
 * ahead of another, and a message sent over a link during window k (at
 * t >= (k-1)*W) arrives at or after t + latency >= k*W: it can be
 * delivered by the window hook before any machine passes its arrival.
 * Caveat: machine_run_until stops on its furthest-behind thread, and one
 * scheduler step may carry a thread past the limit (up to cpu.quantum past
 * the next thread, 64 quanta alone); those steps never depend on the
 * limit, which keeps each machine bit-identical to its run alone. A
 * feature delivering messages must account for it (docs/platform.md).
 *
 * Link model: each direction of a link is a resource with a next-free
 * time; B bytes sent at t start at s = max(t, free), occupy the direction
 * for ceil(B / bandwidth) cycles and arrive at s + that + latency.
 *
 * Invariants: the machines never interact unless a feature sends over a
 * link (nothing does yet), so each machine's results are bit-identical to
 * running its config alone; no globals; all state hangs off the platform.
 */
#ifndef LPARSIM_MACHINE_PLATFORM_H
#define LPARSIM_MACHINE_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "core/jtree.h"
#include "core/param.h"
#include "core/resource.h"
#include "core/stats.h"
#include "machine.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- configuration (platform_config.c) ---- */

typedef struct platform_name_config {
    char *machine;
} platform_name_config;

typedef struct platform_set_config {
    char *assignment;
} platform_set_config;

typedef struct platform_machine_config {
    char *name;
    char *config;    /* resolved against the platform file's directory */
    param_list set;  /* of platform_set_config */
} platform_machine_config;

typedef struct platform_link_config {
    param_list between; /* of platform_name_config: exactly two machines */
    uint64_t latency_ns;
    double bandwidth_gbps;
} platform_link_config;

typedef struct platform_body_config {
    param_list machines; /* of platform_machine_config */
    param_list links;    /* of platform_link_config */
} platform_body_config;

typedef struct platform_config {
    platform_body_config platform;
} platform_config;

extern const param_table platform_config_table; /* the root of a platform file */

/* Does the file's top level hold a `platform:` key? False for anything
 * else, unreadable or malformed files included (the machine loader then
 * reports those). */
bool platform_file_detect(const char *path);

/* ---- links (platform_link.c) ---- */

typedef struct plink_dir_stats {
    uint64_t transfers, bytes;
    uint64_t busy_cycles;   /* serialisation time occupied */
    uint64_t waits, wait_cycles; /* transfers that queued, and their queueing time */
    uint64_t horizon;       /* platform cycles at the report (for utilisation) */
} plink_dir_stats;

typedef struct plink {
    unsigned a, b;             /* machine indices, as listed in `between` */
    uint64_t latency_cycles;
    double bytes_per_cycle;
    resource dir[2];           /* 0: a->b, 1: b->a */
    plink_dir_stats st[2];
} plink;

extern const stat_table plink_stat_table;

/* Serialisation time of `bytes` on l, in cycles (rounded up). */
uint64_t plink_busy_cycles(const plink *l, uint64_t bytes);
/* Send `bytes` over direction dir (0 a->b, 1 b->a) at cycle t: returns the
 * arrival cycle max(t, free) + busy + latency, and counts the transfer. */
uint64_t plink_send(plink *l, unsigned dir, uint64_t bytes, uint64_t t);

/* ---- the platform (platform.c, platform_report.c) ---- */

typedef struct platform platform;

/* Load the platform file, apply the command line's overrides (each
 * "NAME.KEY=VALUE" to machine NAME, any other "KEY=VALUE" to every
 * machine), check it and build every machine. NULL with e set (errors
 * name the platform file and line, then the machine file's). */
platform *platform_open(const char *path, const char *const *sets, unsigned nsets, sim_err *e);
void platform_destroy(platform *p);

unsigned platform_machines(const platform *p);
machine *platform_machine(platform *p, unsigned i);
const char *platform_machine_name(const platform *p, unsigned i);
/* Index of the machine called name, or -1. */
int platform_find(const platform *p, const char *name);
unsigned platform_links(const platform *p);
plink *platform_link(platform *p, unsigned i);
/* Send bytes from machine `from` to machine `to` at cycle t over the link
 * between them: 0 and *arrival set, or -1 if no link joins them. */
int platform_send(platform *p, unsigned from, unsigned to, uint64_t bytes, uint64_t t,
                  uint64_t *arrival);
/* Lockstep window in cycles (UINT64_MAX without links). */
uint64_t platform_window(const platform *p);
uint64_t platform_windows_run(const platform *p);
/* Host seconds spent running machine i. */
double platform_machine_host_seconds(const platform *p, unsigned i);

/* Called after every window with the window's end (every machine has run
 * up to it): where cross-machine messages will be delivered. */
typedef void (*platform_window_fn)(void *ctx, platform *p, uint64_t window_end);

/* Run every machine to its end (or run.max_cycles) in lockstep windows,
 * then machine_finish each. 0 or -1 with e set ("NAME: message"). */
int platform_run(platform *p, platform_window_fn hook, void *hctx, machine_progress_fn fn,
                 void *ctx, sim_err *e);

/* Machine i's report, as `lparsim run` of its config alone writes it
 * (sim.host_seconds from that machine's share of the run). */
void platform_machine_json(const platform *p, unsigned i, jtree *j);
/* The whole report: machines.<name>.<key>, links.<a>-<b>.<stat> (a->b) and
 * links.<b>-<a>.<stat>, platform.* totals (host_seconds is the caller's). */
void platform_report_json(const platform *p, jtree *j);
void platform_report_text(const platform *p, FILE *f);

#ifdef __cplusplus
}
#endif
#endif
