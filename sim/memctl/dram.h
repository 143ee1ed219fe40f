/*
 * dram.h - DDR DRAM controller model (DRAMsim3-style), public API.
 *
 * Models one or more channels, each with ranks x bank groups x banks, an
 * open-page (or close-page) row policy, FR-FCFS command scheduling over
 * per-bank command queues fed by a read queue and a write buffer with
 * DRAMsim3's write-drain policy, and per-rank staggered refresh. Every
 * time inside is in DRAM command-clock cycles (tCK); callers convert.
 *
 * The model is event-driven: it never ticks through idle cycles. From the
 * current state it computes the earliest cycle at which any command can
 * legally issue (or a refresh falls due) and jumps there; within such a
 * cycle it behaves like DRAMsim3's per-cycle controller.
 *
 * Two entry points share one timing state (use one of them per instance):
 *  - a queued controller for trace replay: dram_try_enqueue(), a completion
 *    callback, dram_run_until() / dram_next_event() / dram_drain();
 *  - a blocking access for the CPU model: dram_access() returns the cycle
 *    a read's data is back (or a write is posted), charging banks and bus
 *    through the queued controller (write buffer, read priority, FR-FCFS),
 *    run until the read's data cycle is known (dram_access.c).
 *
 * Invariants: bank/rank "not before" times never decrease; a request is
 * never visible to the controller before its arrival cycle.
 */
#ifndef LPARSIM_MEMCTL_DRAM_H
#define LPARSIM_MEMCTL_DRAM_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/hist.h"
#include "core/jtree.h"
#include "core/param.h"
#include "core/stats.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { DRAM_OPEN_PAGE = 0, DRAM_CLOSE_PAGE = 1 };          /* row_policy */
enum { DRAM_REFRESH_STAGGERED = 0, DRAM_REFRESH_NONE = 1 }; /* refresh */
enum { DRAM_WRITES_BUFFERED = 0, DRAM_WRITES_FCFS = 1 };    /* write_policy */

/* Described field by field by dram_param_table. Timings in tCK cycles. */
typedef struct dram_config {
    uint64_t channels, ranks, bankgroups, banks_per_group, rows, columns;
    uint64_t device_width, bus_width, BL;
    uint64_t tCK; /* picoseconds */
    uint64_t AL, CL, CWL, tRCD, tRP, tRAS, tRFC, tREFI;
    uint64_t tRRD_S, tRRD_L, tCCD_S, tCCD_L, tWTR_S, tWTR_L;
    uint64_t tFAW, tWR, tRTP, tRTRS;
    char *address_mapping; /* e.g. "rochrababgco", high to low bits */
    unsigned row_policy;   /* DRAM_OPEN_PAGE / DRAM_CLOSE_PAGE */
    unsigned refresh;      /* DRAM_REFRESH_STAGGERED / DRAM_REFRESH_NONE */
    uint64_t trans_queue_size, cmd_queue_size, write_drain_min;
    unsigned write_policy; /* DRAM_WRITES_BUFFERED / DRAM_WRITES_FCFS (blocking access) */
    char *trace_out;       /* request log (read by the machine, not by dram) */
} dram_config;

extern const param_table dram_param_table;

/* The declared ranges (param_check_ranges, for configs filled by code),
 * then the checks a range cannot express: the address mapping string,
 * powers of two, _L >= _S timings, refresh feasibility, address bits.
 * Every declared minimum and maximum passes when the other keys allow it
 * (tests/unit/check_param_tables.c). 0 or -1. */
int dram_config_validate(const dram_config *c, sim_err *e);

/* Capacity in bytes and request (burst) size in bytes of a valid config. */
uint64_t dram_config_capacity(const dram_config *c);
uint32_t dram_config_request_bytes(const dram_config *c);

/* Decoded location of a byte address under the config's mapping. */
typedef struct dram_loc {
    uint32_t channel, rank, bankgroup, bank, row, column;
} dram_loc;

/* Statistics of one dram instance (dram_stat_table describes them). */
typedef struct dram_stats {
    uint64_t reads, writes;           /* requests accepted */
    uint64_t read_cmds, write_cmds;   /* column commands issued */
    uint64_t read_row_hits, write_row_hits;
    uint64_t acts, pres, refs;
    uint64_t forwarded_reads;         /* served from a pending write */
    uint64_t merged_reads, merged_writes;
    uint64_t queue_full;              /* requests refused (a retry counts once) */
    uint64_t queue_full_cycles;       /* from their first refusal to acceptance */
    uint64_t out_of_order, out_of_order_cycles; /* dram_access: arrivals stepping back */
    uint64_t ahead_reads;             /* dram_access: beyond the horizon, unloaded */
    uint64_t behind_reads;            /* dram_access: behind its time, placed directly */
    hist read_latency;                /* arrival -> data back, cycles */
} dram_stats;

extern const stat_table dram_stat_table;

typedef struct dram dram;

/* Completion callback: called once per request with its tag and the cycle
 * it completes (read: last data beat returned; write: accepted/posted).
 * It may be called before the controller's time reaches done_cycle (as
 * soon as the cycle is known); done_cycle itself is exact. */
typedef void (*dram_done_fn)(void *ctx, uint64_t tag, uint64_t done_cycle);

/* Validates cfg (dram_config_validate) and copies what it needs. */
dram *dram_create(const dram_config *cfg, sim_err *e);
void dram_destroy(dram *d);

void dram_set_callback(dram *d, dram_done_fn fn, void *ctx);
int dram_decode(const dram *d, uint64_t addr, dram_loc *out);

/* ---- queued controller (trace replay) ---- */

/* Advance the controller through every cycle < arrival_cycle, then offer
 * the request at arrival_cycle (an earlier cycle is treated as the
 * current one). Returns false, leaving the request with the caller, if its
 * read queue or write buffer is full; retry at dram_next_event(d) + 1. */
bool dram_try_enqueue(dram *d, uint64_t addr, bool is_write,
                      uint64_t arrival_cycle, uint64_t tag);
/* Whether a request would be accepted now (queue space in its channel). */
bool dram_will_accept(const dram *d, uint64_t addr, bool is_write);
/* Process every controller cycle < cycle. */
void dram_run_until(dram *d, uint64_t cycle);
/* Earliest cycle >= dram_now() at which the controller can do anything
 * (issue a command, move a transaction, start a refresh); UINT64_MAX if
 * it has nothing to do, ever. */
uint64_t dram_next_event(const dram *d);
/* First cycle not yet processed. */
uint64_t dram_now(const dram *d);
/* Issue everything still queued (writes are drained even below the drain
 * threshold). Returns the last completion cycle seen so far. */
uint64_t dram_drain(dram *d);
/* Last completion cycle (read data back / write data written). */
uint64_t dram_last_done(const dram *d);

/* ---- blocking access (CPU model) ---- */

/* One 64-byte (request-size) access arriving at arrival_cycle. Returns
 * the completion cycle: read data back, or the write posted. Arrivals may
 * be out of order: one earlier than a request already taken is served as
 * arriving with it (out_of_order counts them). Not to be mixed with the
 * queued entry points or a callback on the same instance. */
uint64_t dram_access(dram *d, uint64_t addr, bool is_write, uint64_t arrival_cycle);
/* What the callers may still bring (dram_access): no request arriving
 * before `floor` (held posted writes up to it enter the controller), and
 * none after `horizon` that an earlier one could follow: reads arriving
 * after it are served from the bank state without queueing and without
 * moving the controller's time. Default 0 and UINT64_MAX: none known. */
void dram_set_horizon(dram *d, uint64_t floor, uint64_t horizon);
/* Hand the posted writes dram_access still holds (arriving later than any
 * read so far) to the controller: at the end of a run, so that the
 * statistics count them. */
void dram_access_flush(dram *d);

/* Called by dram_access with every request: the (folded) address and its
 * arrival cycle, as the caller gave them. */
typedef void (*dram_request_fn)(void *ctx, uint64_t addr, bool is_write, uint64_t cycle);
void dram_set_request_hook(dram *d, dram_request_fn fn, void *ctx);

/* Functional access (run.warmup_records): the row the access at addr
 * would leave open is open in its bank (open-page policy; close-page
 * leaves the bank as it is), as if activated long ago. No command is
 * timed, no statistic counted, no queue or refresh state changes. */
void dram_touch(dram *d, uint64_t addr);

const dram_stats *dram_get_stats(const dram *d);

/* ---- trace replay (`lparsim dram`) ---- */

typedef struct dram_replay_result {
    uint64_t reads, writes, held_back;
    uint64_t cycles;           /* simulated time: last completion cycle */
    double bandwidth_gbps;     /* bytes moved / (cycles * tCK) */
    double read_row_hit_rate;  /* read column commands that hit an open row */
    double row_hit_rate;       /* same over reads and writes */
    double lat_mean;           /* read latency from acceptance, cycles */
    double lat_mean_from_stamp; /* the same from the trace's cycle (held back included) */
    uint64_t lat_min, lat_p50, lat_p90, lat_p99, lat_max;
    dram_stats stats;          /* full statistics (owns a hist) */
} dram_replay_result;

/* Replay a DRAMsim3 text trace ("<hex addr> <READ|WRITE> <cycle>" lines,
 * plain or gzip). Requests enter in file order, never before their cycle,
 * at most one per cycle; when a queue is full the head waits. 0 or -1. */
int dram_replay_file(const dram_config *cfg, const char *path,
                     dram_replay_result *out, sim_err *e);
void dram_replay_result_free(dram_replay_result *r);
/* Write "dram.read_latency.{mean,min,p50,p90,p99,max}",
 * "dram.read_latency_from_stamp.mean", "dram.bandwidth_gbps",
 * "dram.row_hit_rate", "dram.read_row_hit_rate", "dram.reads",
 * "dram.writes", "dram.cycles", "dram.held_back". */
void dram_replay_to_jtree(const dram_replay_result *r, jtree *j);

#ifdef __cplusplus
}
#endif
#endif
