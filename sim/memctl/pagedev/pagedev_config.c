/*
 * pagedev_config.c - the paging device's parameters (pagedev.*) and
 * statistics, declared once here, and the checks a range cannot express.
 *
 * Each preset has its own parameter block (pagedev.ssd.*, pagedev.optane.*,
 * pagedev.hdd.*, pagedev.fixed.*) whose defaults are that preset's
 * calibration; pagedev.preset selects the model and the block it reads.
 * Sources: the design note seed002-paging.md section 3 (device figures),
 * AnandTech 8104 and 11209 (P3700 and P4800X measured latencies), Tom's
 * Hardware's P3700 review (rated >= 450k 4K read IOPS), the HGST Ultrastar
 * C15K600 specification (2.9 ms average read seek), MQSim's and FEMU's
 * stored SSD configs. A parameter "fitted" is solved from an anchor figure
 * given the others; everything else without a source says "assumption".
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>

#include "memctl/pagedev/pagedev_int.h"

#define FL(f) offsetof(pagedev_flash_config, f)
#define SZ(name, def, lo, hi, desc) {#name, PT_SIZE, "bytes", def, lo, hi, NULL, desc, FL(name), NULL}
#define UN(name, unit, def, lo, hi, desc) {#name, PT_UINT, unit, def, lo, hi, NULL, desc, FL(name), NULL}
#define DB(name, unit, def, lo, hi, desc) {#name, PT_DOUBLE, unit, def, lo, hi, NULL, desc, FL(name), NULL}

static const param_desc ssd_list[] = {
    SZ(capacity, "1600G", 1 << 20, 0x1p50, "Capacity (the P3700 family: 400 GB to 2 TB; assumption)."),
    SZ(page_size, "4K", 512, 1 << 20,
       "Flash page: the unit of striping over the units and of one media access (assumption; "
       "MQSim's stored config uses 8 KiB)."),
    UN(channels, "", "8", 1, 256, "Flash channels, each one transfer at a time (MQSim's stored config: 8)."),
    UN(units_per_channel, "", "4", 1, 256,
       "Dies per channel, each one media access at a time; flash page p is on unit p mod "
       "(channels x units_per_channel), channel unit mod channels (MQSim's stored config: 4 "
       "chips per channel)."),
    SZ(write_cache, "16M", 0, 0x1p40,
       "Write cache: a write is acknowledged once its pages are in it and programmed in the "
       "background; a full cache makes writes wait; 0 = writes are programmed before the "
       "acknowledgement (assumption: P3700s have a power-loss-protected DRAM buffer)."),
    DB(ctrl_us, "us", "2.22", 0, 1e6,
       "Controller time per command, one command at a time (caps IOPS at 1/ctrl_us): 1/450k, "
       "the P3700's rated 4K random read IOPS (Tom's Hardware review, 2014)."),
    DB(read_us, "us", "63.38", 0, 1e6,
       "Media read of one flash page: fitted so that ctrl_us + read_us + a 4 KiB transfer = "
       "77.9 us, the P3700's measured QD1 4K random read (AnandTech 11209); the design note "
       "proposed 62, MQSim's config 75."),
    DB(program_us, "us", "200", 0, 1e6, "Media program of one flash page (FEMU bbssd: 200 us)."),
    DB(write_ack_us, "us", "20", 0, 1e6,
       "Write acknowledged this long after the controller, once in the write cache (Intel "
       "P4500 spec: 20 us write latency)."),
    DB(channel_mbps, "MB/s", "333", 1, 1e6,
       "Transfer rate of one channel, 10^6 bytes/s (MQSim's stored config: 333 MT/s x 8 bits)."),
};
static const param_table ssd_table = {"ssd", sizeof(pagedev_flash_config), ssd_list,
                                      PARAM_COUNT(ssd_list),
                                      "NVMe NAND SSD preset (Intel DC P3700 class)."};

static const param_desc optane_list[] = {
    SZ(capacity, "375G", 1 << 20, 0x1p50, "Capacity (P4800X 375 GB)."),
    SZ(page_size, "4K", 512, 1 << 20, "Media access and striping unit (assumption)."),
    UN(channels, "", "7", 1, 256, "Channels (P4800X: 7-channel controller; assumption from reviews)."),
    UN(units_per_channel, "", "4", 1, 256, "3D XPoint dies per channel (assumption)."),
    SZ(write_cache, "0", 0, 0x1p40,
       "Write cache bytes; 0: writes complete after their media write (assumption: "
       "the P4800X writes in place without a DRAM buffer)."),
    DB(ctrl_us, "us", "1.82", 0, 1e6,
       "Controller time per command, one at a time: 1/550k, the P4800X's rated 4K random "
       "read IOPS (Intel spec; AnandTech 11209 measured 584.8k at QD16)."),
    DB(read_us, "us", "1.96", 0, 1e6,
       "Media read of one page: fitted so that ctrl_us + read_us + a 4 KiB transfer = 8.9 us, "
       "the P4800X's measured QD1 4K random read (AnandTech 11209)."),
    DB(program_us, "us", "3.06", 0, 1e6,
       "Media write of one page: fitted so that a QD1 4K write takes 10 us, the P4800X's "
       "rated write latency (Intel spec)."),
    DB(write_ack_us, "us", "0", 0, 1e6, "Write acknowledgement delay with a write cache (unused at 0 bytes; assumption)."),
    DB(channel_mbps, "MB/s", "800", 1, 1e6, "Transfer rate of one channel (assumption)."),
};
static const param_table optane_table = {"optane", sizeof(pagedev_flash_config), optane_list,
                                         PARAM_COUNT(optane_list),
                                         "3D XPoint SSD preset (Intel Optane P4800X class)."};

#define HD(f) offsetof(pagedev_hdd_config, f)
static const param_desc hdd_list[] = {
    {"capacity", PT_SIZE, "bytes", "600G", 1 << 24, 0x1p50, NULL,
     "Capacity (HGST Ultrastar C15K600, 600 GB).", HD(capacity), NULL},
    {"rpm", PT_UINT, "rpm", "15000", 1000, 30000, NULL,
     "Spindle speed (C15K600 spec): one revolution 4 ms, the average rotational wait half "
     "of it (2 ms).",
     HD(rpm), NULL},
    {"heads", PT_UINT, "", "6", 1, 64, NULL,
     "Recording surfaces: a cylinder holds heads tracks (assumption).", HD(heads), NULL},
    {"avg_seek_ms", PT_DOUBLE, "ms", "2.9", 0.01, 100, NULL,
     "Average seek over uniformly random pairs of cylinders (HGST C15K600 spec, read, "
     "typical; Seagate Cheetah 15K.6: 3.4).", HD(avg_seek_ms), NULL},
    {"track_seek_ms", PT_DOUBLE, "ms", "0.2", 0, 50, NULL,
     "Seek of one cylinder, the a of seek(d) = a + b sqrt(d / (cylinders - 1)); b follows "
     "from avg_seek_ms since the mean of sqrt over random pairs is 8/15 (the design note; "
     "assumption).", HD(track_seek_ms), NULL},
    {"overhead_ms", PT_DOUBLE, "ms", "0.1", 0, 100, NULL,
     "Command overhead before each seek (the design note; assumption).", HD(overhead_ms), NULL},
    {"media_mbps", PT_DOUBLE, "MB/s", "150", 1, 1e5, NULL,
     "Media transfer rate, 10^6 bytes/s; with rpm it sets the bytes per track (Seagate "
     "Cheetah 15K.6: 112-171 MB/s; assumption within that range).", HD(media_mbps), NULL},
    {"readahead", PT_SIZE, "bytes", "512K", 0, 1 << 30, NULL,
     "After a read the drive keeps reading the following bytes into its buffer until the "
     "next request needs the head elsewhere; a read inside that window is served from the "
     "buffer as the media delivers it; 0 = none (assumption; the C15K600 has a 128 MB "
     "buffer).", HD(readahead), NULL},
    {"sched", PT_ENUM, "", "fcfs", 0, 0, "fcfs|sptf",
     "Order in which the queued requests are served: first come first served, or shortest "
     "positioning time (seek + rotational wait) first (fcfs: the design note's default).",
     HD(sched), NULL},
};
static const param_table hdd_table = {"hdd", sizeof(pagedev_hdd_config), hdd_list,
                                      PARAM_COUNT(hdd_list),
                                      "15k rpm SAS disk preset (HGST Ultrastar C15K600 class)."};

#define FX(f) offsetof(pagedev_fixed_config, f)
static const param_desc fixed_list[] = {
    {"capacity", PT_SIZE, "bytes", "1T", 1 << 20, 0x1p50, NULL, "Capacity (assumption).",
     FX(capacity), NULL},
    {"latency_us", PT_DOUBLE, "us", "100", 0, 1e7, NULL,
     "Every request completes this long after it starts (assumption).", FX(latency_us), NULL},
    {"iops", PT_DOUBLE, "1/s", "50000", 0, 1e9, NULL,
     "At most this many requests start per second, evenly spaced; 0 = no cap (assumption).",
     FX(iops), NULL},
};
static const param_table fixed_table = {"fixed", sizeof(pagedev_fixed_config), fixed_list,
                                        PARAM_COUNT(fixed_list),
                                        "Fixed-latency device with an IOPS cap."};

#define P(f) offsetof(pagedev_config, f)
static const param_desc pagedev_list[] = {
    {"preset", PT_ENUM, "", "ssd", 0, 0, "ssd|optane|hdd|fixed",
     "Device model and the parameter block it uses (pagedev.<preset>.*): an NVMe NAND SSD "
     "(Intel P3700), a 3D XPoint SSD (Intel P4800X), a 15k rpm SAS disk (HGST C15K600) or a "
     "fixed latency with an IOPS cap.", P(preset), NULL},
    {"queue_depth", PT_UINT, "requests", "32", 1, 65536, NULL,
     "Requests the device holds at once (in service or in its queue); more wait in a FIFO "
     "host queue (the design note's proposal; assumption).", P(queue_depth), NULL},
    {"backing_file", PT_STRING, "path", "", 0, 0, NULL,
     "Keep the written data in this sparse host file (created empty) instead of host "
     "memory; empty = in memory.", P(backing_file), NULL},
    {"ssd", PT_STRUCT, "", NULL, 0, 0, NULL, "NVMe NAND SSD preset.", P(ssd), &ssd_table},
    {"optane", PT_STRUCT, "", NULL, 0, 0, NULL, "3D XPoint SSD preset.", P(optane), &optane_table},
    {"hdd", PT_STRUCT, "", NULL, 0, 0, NULL, "15k rpm SAS disk preset.", P(hdd), &hdd_table},
    {"fixed", PT_STRUCT, "", NULL, 0, 0, NULL, "Fixed latency and IOPS cap.", P(fixed), &fixed_table},
};
const param_table pagedev_param_table = {
    "pagedev", sizeof(pagedev_config), pagedev_list, PARAM_COUNT(pagedev_list),
    "Paging disk device (`lparsim disk`; the hypervisor's paging storage)"};

static double d_util(const void *b)
{
    const pagedev_stats *s = b;
    uint64_t span = s->last_cycle > s->first_cycle ? s->last_cycle - s->first_cycle : 0;
    return span ? (double)s->busy_cycles / (double)span : 0.0;
}

#define C(name, unit, desc) {#name, SK_COUNTER, unit, desc, offsetof(pagedev_stats, name), NULL}
#define H(name, unit, desc) {#name, SK_HIST, unit, desc, offsetof(pagedev_stats, name), NULL}
static const stat_desc pagedev_s[] = {
    C(reads, "requests", "Read requests."),
    C(writes, "requests", "Write requests."),
    C(read_bytes, "bytes", "Bytes read."),
    C(write_bytes, "bytes", "Bytes written."),
    H(read_latency, "cycles", "Read latency, arrival to completion."),
    H(write_latency, "cycles", "Write latency, arrival to acknowledgement."),
    H(queue_depth, "requests", "Requests outstanding at each arrival, the new one included."),
    C(host_queued, "requests", "Requests that waited in the host queue for a device slot."),
    C(host_queue_cycles, "cycles", "Time spent in the host queue."),
    C(busy_cycles, "cycles", "Time with at least one request in service."),
    C(first_cycle, "cycle", "Arrival of the first request."),
    C(last_cycle, "cycle", "Completion of the last request."),
    C(seeks, "seeks", "hdd: head movements of at least one cylinder."),
    C(seek_cycles, "cycles", "hdd: time spent seeking."),
    C(rotation_cycles, "cycles", "hdd: time spent waiting for the sector to come round."),
    C(readahead_hits, "requests", "hdd: reads served from the read-ahead buffer (no seek, no rotation)."),
    C(media_reads, "pages", "ssd/optane: media reads of a flash page."),
    C(media_programs, "pages", "ssd/optane: media programs of a flash page."),
    C(cache_hits, "pages", "ssd/optane: pages read from the write cache (no media access)."),
    C(cache_full_waits, "requests", "ssd/optane: writes that waited for free write-cache slots."),
    C(throttled, "requests", "fixed: requests that waited for the IOPS cap."),
    {"utilization", SK_DERIVED, "ratio", "busy_cycles / (last_cycle - first_cycle); 0 when idle.",
     0, d_util},
};
const stat_table pagedev_stat_table = {"pagedev", pagedev_s, PARAM_COUNT(pagedev_s)};

const char *pagedev_preset_name(unsigned preset)
{
    static const char *n[] = {"ssd", "optane", "hdd", "fixed"};
    return preset < 4 ? n[preset] : "?";
}

uint64_t pagedev_config_capacity(const pagedev_config *c)
{
    switch (c->preset) {
    case PAGEDEV_SSD: return c->ssd.capacity;
    case PAGEDEV_OPTANE: return c->optane.capacity;
    case PAGEDEV_HDD: return c->hdd.capacity;
    default: return c->fixed.capacity;
    }
}

int pagedev_config_validate(const pagedev_config *c, sim_err *e)
{
    if (param_check_ranges(&pagedev_param_table, c, "pagedev", e) != 0)
        return -1;
    const pagedev_flash_config *f[2] = {&c->ssd, &c->optane};
    for (int i = 0; i < 2; i++)
        if (f[i]->capacity < f[i]->page_size)
            return sim_errf(e, "pagedev.%s.capacity: %llu bytes is less than one page_size "
                            "(%llu); expected capacity >= page_size",
                            i ? "optane" : "ssd", (unsigned long long)f[i]->capacity,
                            (unsigned long long)f[i]->page_size);
    const pagedev_hdd_config *h = &c->hdd;
    if (h->avg_seek_ms <= h->track_seek_ms)
        return sim_errf(e, "pagedev.hdd.avg_seek_ms: %g ms is not above track_seek_ms %g ms; "
                        "expected an average seek longer than a one-cylinder seek",
                        h->avg_seek_ms, h->track_seek_ms);
    double cyl = pd_hdd_track_bytes(h) * (double)h->heads;
    if ((double)h->capacity < 2 * cyl)
        return sim_errf(e, "pagedev.hdd.capacity: %llu bytes holds fewer than 2 cylinders of "
                        "%.0f bytes (media_mbps x one revolution x heads); expected at least "
                        "%.0f", (unsigned long long)h->capacity, cyl, 2 * cyl);
    return 0;
}

double pd_hdd_track_bytes(const pagedev_hdd_config *h)
{
    return h->media_mbps * 60.0 / (double)h->rpm * 1e6; /* bytes per revolution */
}
