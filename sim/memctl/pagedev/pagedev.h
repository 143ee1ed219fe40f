/*
 * pagedev.h - the paging disk device (memory layer), public API.
 *
 * One block device that the hypervisor's paging will read pages from and
 * write pages to. Four models, chosen by pagedev.preset:
 *  - ssd, optane: NAND / 3D XPoint SSD: a controller that serves one command
 *    at a time, then per flash page a media access on its unit (die) and a
 *    transfer on its channel; writes acknowledged into a write cache and
 *    drained (programmed) in the background, or synchronous without one;
 *  - hdd: one actuator; seek a + b*sqrt(d/D), rotation from the platter's
 *    angle at the time the head arrives, media transfer; queue order FCFS
 *    or shortest-positioning-time-first;
 *  - fixed: a latency plus an IOPS cap.
 * At most pagedev.queue_depth requests are in the device; the rest wait in
 * a FIFO host queue.
 *
 * Time is in core cycles (the machine clock, machine.freq_mhz): the
 * parameters in us/ms are converted once at creation. The device is
 * deterministic: no random choice inside; same requests, same cycles.
 *
 * Data: the device keeps the bytes written to it (sparse, in host memory or
 * in a sparse host file, pagedev.backing_file); never-written bytes read as
 * zero. Data effects apply in submission order (a read returns what every
 * earlier-submitted write left), whatever order the timing model serves
 * them in.
 *
 * Invariants: completions are delivered in non-decreasing cycle order;
 * every submitted request completes exactly once; a request never
 * completes before its arrival.
 */
#ifndef LPARSIM_MEMCTL_PAGEDEV_H
#define LPARSIM_MEMCTL_PAGEDEV_H

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

enum { PAGEDEV_SSD = 0, PAGEDEV_OPTANE = 1, PAGEDEV_HDD = 2, PAGEDEV_FIXED = 3 }; /* preset */
enum { PAGEDEV_FCFS = 0, PAGEDEV_SPTF = 1 };                                  /* hdd.sched */
enum { PAGEDEV_READ = 0, PAGEDEV_WRITE = 1 };

/* ssd and optane (same model, each its own defaults). */
typedef struct pagedev_flash_config {
    uint64_t capacity, page_size, channels, units_per_channel, write_cache;
    double ctrl_us, read_us, program_us, write_ack_us, channel_mbps;
} pagedev_flash_config;

typedef struct pagedev_hdd_config {
    uint64_t capacity, rpm, heads, readahead;
    double avg_seek_ms, track_seek_ms, overhead_ms, media_mbps;
    unsigned sched; /* PAGEDEV_FCFS / PAGEDEV_SPTF */
} pagedev_hdd_config;

typedef struct pagedev_fixed_config {
    uint64_t capacity;
    double latency_us, iops;
} pagedev_fixed_config;

/* Described by pagedev_param_table (the `pagedev` section of a config). */
typedef struct pagedev_config {
    unsigned preset;       /* PAGEDEV_SSD ... PAGEDEV_FIXED */
    uint64_t queue_depth;
    char *backing_file;    /* "" = keep the data in host memory */
    pagedev_flash_config ssd, optane;
    pagedev_hdd_config hdd;
    pagedev_fixed_config fixed;
} pagedev_config;

extern const param_table pagedev_param_table;

/* Ranges (param_check_ranges) and the relations a range cannot express
 * (hdd: avg_seek_ms > track_seek_ms; capacity at least one page / track).
 * Messages start with the key ("pagedev.hdd.avg_seek_ms: ..."). 0 or -1. */
int pagedev_config_validate(const pagedev_config *c, sim_err *e);
/* Capacity in bytes of the selected preset. */
uint64_t pagedev_config_capacity(const pagedev_config *c);
/* "ssd", "optane", "hdd", "fixed". */
const char *pagedev_preset_name(unsigned preset);

/* Statistics of one device (pagedev_stat_table). Latencies in cycles from
 * arrival to completion (a write: acknowledged). */
typedef struct pagedev_stats {
    uint64_t reads, writes, read_bytes, write_bytes;
    hist read_latency, write_latency;
    hist queue_depth;          /* requests outstanding at each arrival, itself included */
    uint64_t host_queued, host_queue_cycles; /* waited for a slot (queue_depth cap) */
    uint64_t busy_cycles;      /* at least one request in service */
    uint64_t first_cycle, last_cycle; /* first arrival, last completion */
    uint64_t seeks, seek_cycles, rotation_cycles, readahead_hits; /* hdd */
    uint64_t media_reads, media_programs, cache_hits, cache_full_waits; /* ssd/optane */
    uint64_t throttled;        /* fixed: waited for the IOPS cap */
} pagedev_stats;

extern const stat_table pagedev_stat_table;

typedef struct pagedev pagedev;

/* Validates cfg and copies what it needs; freq_mhz is the core clock the
 * cycles are counted in. A backing file is created (truncated) here. */
pagedev *pagedev_create(const pagedev_config *cfg, uint64_t freq_mhz, sim_err *e);
void pagedev_destroy(pagedev *d);
uint64_t pagedev_capacity(const pagedev *d);

/* Submit a read or write of len bytes at byte offset off arriving at cycle.
 * A write copies len bytes from buf; a read fills buf now (data in
 * submission order). Arrivals earlier than the previous one are treated as
 * arriving with it (FIFO host queue). The completion is delivered by
 * pagedev_next_done with this tag; if done is not NULL and the completion
 * cycle is already known (every preset but hdd), it is stored there, else
 * UINT64_MAX. 0, or -1 (range, host I/O error, out of memory). */
int pagedev_submit(pagedev *d, int op, uint64_t off, uint64_t len, void *buf, uint64_t cycle,
                   uint64_t tag, uint64_t *done, sim_err *e);

/* Deliver the earliest completion not yet delivered: false when nothing is
 * outstanding. The caller must have submitted every request arriving
 * before that completion (a closed loop submits at completion cycles). */
bool pagedev_next_done(pagedev *d, uint64_t *tag, uint64_t *done_cycle);

/* Blocking I/O: submit, then let the device run until this request's
 * completion cycle is known, which is returned in *done (pagedev_next_done
 * does not deliver it again). 0 or -1. */
int pagedev_io(pagedev *d, int op, uint64_t off, uint64_t len, void *buf, uint64_t cycle,
               uint64_t *done, sim_err *e);

/* The bytes the device holds at [off, off+len), host side: no request,
 * no timing, no statistic (auditors). 0 or -1 with e set. */
int pagedev_peek(pagedev *d, uint64_t off, uint64_t len, void *buf, sim_err *e);
const pagedev_stats *pagedev_get_stats(const pagedev *d);
/* Cycles per microsecond of the clock the device counts in. */
uint64_t pagedev_freq_mhz(const pagedev *d);

/* ---- fio-style job (`lparsim disk`) ---- */

enum { PAGEDEV_RANDREAD, PAGEDEV_RANDWRITE, PAGEDEV_SEQREAD, PAGEDEV_SEQWRITE, PAGEDEV_RANDRW };

typedef struct pagedev_job {
    unsigned rw;          /* PAGEDEV_RANDREAD ... */
    uint64_t bs;          /* bytes per I/O */
    uint64_t iodepth;     /* I/Os kept outstanding (closed loop) */
    uint64_t size;        /* region [0, size) the I/Os fall in; 0 = the whole device */
    uint64_t number_ios;  /* I/Os issued */
    uint64_t seed;        /* random offsets and the read/write mix */
    uint64_t rwmixread;   /* randrw: percentage of reads */
} pagedev_job;

/* "randread" ... into *rw; -1 if unknown. */
int pagedev_job_rw_parse(const char *s, unsigned *rw);
const char *pagedev_job_rw_name(unsigned rw);

typedef struct pagedev_lat {
    uint64_t count, min, p50, p90, p99, max; /* cycles */
    double mean;
} pagedev_lat;

typedef struct pagedev_job_result {
    uint64_t ios, reads, writes, bytes, size;
    uint64_t cycles;            /* first submission to last completion */
    uint64_t freq_mhz;
    double iops, mb_per_s, utilization, mean_queue_depth;
    uint64_t max_queue_depth;
    pagedev_lat all, read, write;
    pagedev_stats stats;        /* the device's statistics (owns its hists) */
} pagedev_job_result;

/* The job's options against a device of capacity cap: *size gets the
 * region (size, or cap when 0). Messages name the option ("--bs: ...").
 * 0 or -1. */
int pagedev_job_check(const pagedev_job *j, uint64_t cap, uint64_t *size, sim_err *e);

/* Run job j on a fresh device built from cfg: iodepth I/Os submitted at
 * cycle 0, each completion submitting the next at its cycle, until
 * number_ios are done. Writes carry a pattern derived from offset and
 * sequence number. 0, or -1 with e naming the job option at fault
 * ("--bs: ...") or the device error. */
int pagedev_run_job(const pagedev_config *cfg, uint64_t freq_mhz, const pagedev_job *j,
                    pagedev_job_result *out, sim_err *e);
void pagedev_job_result_free(pagedev_job_result *r);
/* "disk.ios", "disk.iops", "disk.mb_per_s", "disk.latency_us.{mean,...}",
 * "disk.read.latency_us...", "disk.write.latency_us...", then every device
 * statistic under "pagedev.". */
void pagedev_job_to_jtree(const pagedev_job_result *r, jtree *j);

#ifdef __cplusplus
}
#endif
#endif
