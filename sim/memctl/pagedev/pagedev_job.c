/*
 * pagedev_job.c - a fio-style job run on one paging device alone (the
 * engine of `lparsim disk`): closed loop at a fixed I/O depth, random or
 * sequential offsets aligned to the block size, an optional read/write
 * mix; latency percentiles, IOPS, bandwidth, utilization and queue depth.
 *
 * The loop: iodepth I/Os are submitted at cycle 0; each completion submits
 * the next at its cycle, until number_ios are issued; the job ends at the
 * last completion. Offsets and the mix come from one seeded stream, so the
 * same job and seed give the same result. Writes carry a pattern (a hash
 * of offset and sequence number), so the device's data store is exercised.
 * Invariant: the device sees exactly number_ios requests.
 */
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "memctl/pagedev/pagedev_int.h"

static const char *const rw_names[] = {"randread", "randwrite", "read", "write", "randrw"};

int pagedev_job_rw_parse(const char *s, unsigned *rw)
{
    for (unsigned i = 0; i < 5; i++)
        if (!strcmp(s, rw_names[i])) {
            *rw = i;
            return 0;
        }
    return -1;
}

const char *pagedev_job_rw_name(unsigned rw) { return rw < 5 ? rw_names[rw] : "?"; }

static void fill_pattern(unsigned char *buf, uint64_t len, uint64_t off, uint64_t seq)
{
    uint64_t x = off * 0x9e3779b97f4a7c15ULL ^ seq;
    for (uint64_t i = 0; i < len; i += 8) {
        uint64_t w = rng__splitmix(&x);
        memcpy(buf + i, &w, len - i < 8 ? len - i : 8);
    }
}

static void lat_of(const hist *h, pagedev_lat *l)
{
    l->count = h->count;
    l->min = h->count ? h->min : 0;
    l->mean = hist_mean(h);
    l->p50 = hist_pct(h, 0.50);
    l->p90 = hist_pct(h, 0.90);
    l->p99 = hist_pct(h, 0.99);
    l->max = h->count ? h->max : 0;
}

int pagedev_job_check(const pagedev_job *j, uint64_t cap, uint64_t *size, sim_err *e)
{
    *size = j->size ? j->size : cap;
    if (*size > cap)
        return sim_errf(e, "--size: %llu bytes is more than the device's capacity of %llu "
                        "bytes; expected at most that", (unsigned long long)*size,
                        (unsigned long long)cap);
    if (j->bs == 0 || j->bs > *size)
        return sim_errf(e, "--bs: %llu bytes; expected between 1 and the job's size (%llu)",
                        (unsigned long long)j->bs, (unsigned long long)*size);
    if (j->iodepth == 0 || j->number_ios == 0)
        return sim_errf(e, "--%s: 0; expected at least 1", j->iodepth ? "number-ios" : "iodepth");
    if (j->rw > PAGEDEV_RANDRW)
        return sim_errf(e, "--rw: unknown mode %u; expected randread, randwrite, read, write or "
                        "randrw", j->rw);
    if (j->rwmixread > 100)
        return sim_errf(e, "--rwmixread: %llu; expected a percentage from 0 to 100",
                        (unsigned long long)j->rwmixread);
    return 0;
}

int pagedev_run_job(const pagedev_config *cfg, uint64_t freq_mhz, const pagedev_job *j,
                    pagedev_job_result *out, sim_err *e)
{
    memset(out, 0, sizeof *out);
    hist_init(&out->stats.read_latency);
    hist_init(&out->stats.write_latency);
    hist_init(&out->stats.queue_depth);
    pagedev *d = pagedev_create(cfg, freq_mhz, e);
    if (!d)
        return -1;
    uint64_t size;
    if (pagedev_job_check(j, pagedev_capacity(d), &size, e) != 0) {
        pagedev_destroy(d);
        return -1;
    }
    unsigned char *buf = malloc(j->bs);
    if (!buf) {
        pagedev_destroy(d);
        return sim_errf(e, "--bs: out of host memory for a %llu-byte buffer",
                        (unsigned long long)j->bs);
    }
    rng r;
    rng_seed(&r, j->seed);
    uint64_t nblocks = size / j->bs, issued = 0, done_ios = 0, tag, when;
    int rc = 0;
    for (uint64_t t = 0;; ) {
        while (rc == 0 && issued < j->number_ios && issued - done_ios < j->iodepth) {
            bool rand = j->rw == PAGEDEV_RANDREAD || j->rw == PAGEDEV_RANDWRITE ||
                        j->rw == PAGEDEV_RANDRW;
            uint64_t off = (rand ? rng_below(&r, nblocks) : issued % nblocks) * j->bs;
            int op = j->rw == PAGEDEV_RANDWRITE || j->rw == PAGEDEV_SEQWRITE ? PAGEDEV_WRITE
                     : j->rw == PAGEDEV_RANDRW && rng_below(&r, 100) >= j->rwmixread
                         ? PAGEDEV_WRITE
                         : PAGEDEV_READ;
            if (op == PAGEDEV_WRITE)
                fill_pattern(buf, j->bs, off, issued);
            rc = pagedev_submit(d, op, off, j->bs, buf, t, issued, NULL, e);
            issued++;
        }
        if (rc != 0 || !pagedev_next_done(d, &tag, &when))
            break;
        done_ios++;
        t = when;
    }
    free(buf);
    if (rc == 0 && done_ios != j->number_ios)
        rc = sim_errf(e, "pagedev: %llu of %llu I/Os completed (out of host memory?)",
                      (unsigned long long)done_ios, (unsigned long long)j->number_ios);
    if (rc != 0) {
        pagedev_destroy(d);
        return -1;
    }
    /* move the statistics (and their histograms) out of the device */
    out->stats = d->st;
    hist_init(&d->st.read_latency);
    hist_init(&d->st.write_latency);
    hist_init(&d->st.queue_depth);
    pagedev_destroy(d);
    const pagedev_stats *s = &out->stats;
    out->ios = done_ios;
    out->reads = s->reads;
    out->writes = s->writes;
    out->bytes = s->read_bytes + s->write_bytes;
    out->size = size;
    out->cycles = s->last_cycle - s->first_cycle;
    out->freq_mhz = freq_mhz;
    double secs = (double)out->cycles / ((double)freq_mhz * 1e6);
    out->iops = secs > 0 ? (double)out->ios / secs : 0;
    out->mb_per_s = secs > 0 ? (double)out->bytes / secs / 1e6 : 0;
    out->utilization = out->cycles ? (double)s->busy_cycles / (double)out->cycles : 0;
    out->mean_queue_depth = hist_mean(&s->queue_depth);
    out->max_queue_depth = s->queue_depth.count ? s->queue_depth.max : 0;
    lat_of(&s->read_latency, &out->read);
    lat_of(&s->write_latency, &out->write);
    hist all;
    hist_init(&all);
    if (hist_merge(&all, &s->read_latency) != 0 || hist_merge(&all, &s->write_latency) != 0) {
        hist_free(&all);
        pagedev_job_result_free(out);
        return sim_errf(e, "out of host memory");
    }
    lat_of(&all, &out->all);
    hist_free(&all);
    return 0;
}

void pagedev_job_result_free(pagedev_job_result *r)
{
    if (!r)
        return;
    hist_free(&r->stats.read_latency);
    hist_free(&r->stats.write_latency);
    hist_free(&r->stats.queue_depth);
}

static void lat_json(jtree *j, const char *pfx, const pagedev_lat *l, uint64_t mhz)
{
    char k[96];
    double f = (double)mhz;
    const struct { const char *n; double v; } v[] = {
        {"mean", l->mean / f}, {"min", (double)l->min / f}, {"p50", (double)l->p50 / f},
        {"p90", (double)l->p90 / f}, {"p99", (double)l->p99 / f}, {"max", (double)l->max / f}};
    snprintf(k, sizeof k, "%s.count", pfx);
    jtree_set_u64(j, k, l->count);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        snprintf(k, sizeof k, "%s.latency_us.%s", pfx, v[i].n);
        jtree_set_double(j, k, v[i].v);
    }
}

void pagedev_job_to_jtree(const pagedev_job_result *r, jtree *j)
{
    jtree_set_u64(j, "disk.ios", r->ios);
    jtree_set_u64(j, "disk.bytes", r->bytes);
    jtree_set_u64(j, "disk.size", r->size);
    jtree_set_u64(j, "disk.cycles", r->cycles);
    jtree_set_u64(j, "disk.freq_mhz", r->freq_mhz);
    jtree_set_double(j, "disk.iops", r->iops);
    jtree_set_double(j, "disk.mb_per_s", r->mb_per_s);
    jtree_set_double(j, "disk.utilization", r->utilization);
    jtree_set_double(j, "disk.mean_queue_depth", r->mean_queue_depth);
    jtree_set_u64(j, "disk.max_queue_depth", r->max_queue_depth);
    lat_json(j, "disk.all", &r->all, r->freq_mhz);
    lat_json(j, "disk.read", &r->read, r->freq_mhz);
    lat_json(j, "disk.write", &r->write, r->freq_mhz);
    stats_reg *reg = stats_create();
    if (reg && stats_register(reg, "pagedev", &pagedev_stat_table, &r->stats) == 0)
        stats_to_json(reg, j);
    stats_destroy(reg);
}
