/*
 * dram_replay.c - replay of a DRAMsim3 text trace through the queued
 * controller (`lparsim dram`), and its result as a jtree.
 *
 * The trace is read and parsed by dram_reader.c. Requests enter in file
 * order, never before their cycle and at most one per cycle (DRAMsim3's
 * trace CPU); when a queue is full the head waits and later ones queue
 * behind it. Cycles must not decrease; addresses must be below the
 * capacity.
 */
#include <string.h>

#include "memctl/dram_internal.h"

typedef struct replay {
    dram *d;
    const char *path;
    uint64_t line, prev, last_in, held;
    uint64_t read_wait; /* reads' cycles from their stamp to acceptance */
    bool any;
} replay;

/* One request, in file order (the sink of dram_trace_read). */
static int replay_req(void *ctx, const dram_treq *q, sim_err *e)
{
    replay *r = ctx;
    uint64_t addr = q->addr, cyc = q->cyc;
    bool wr = q->wr;
    r->line = q->line;
    if (r->any && cyc < r->prev)
        return sim_errf(e, "%s:%llu: cycle %llu is before the previous request's cycle %llu; "
                        "expected non-decreasing cycles", r->path, (unsigned long long)r->line,
                        (unsigned long long)cyc, (unsigned long long)r->prev);
    if (addr >= r->d->capacity)
        return sim_errf(e, "%s:%llu: address 0x%llx is beyond the configured capacity of "
                        "%llu bytes (0x%llx); expected an address below it", r->path,
                        (unsigned long long)r->line, (unsigned long long)addr,
                        (unsigned long long)r->d->capacity, (unsigned long long)r->d->capacity);
    uint64_t a = cyc;
    if (r->any && a <= r->last_in)
        a = r->last_in + 1;
    while (!dram_try_enqueue(r->d, addr, wr, a, r->line)) {
        if (r->d->oom)
            return sim_errf(e, "%s:%llu: out of memory", r->path, (unsigned long long)r->line);
        a = dram_next_event(r->d) + 1;
    }
    if (a > cyc) {
        r->held++;
        if (!wr)
            r->read_wait += a - cyc;
    }
    r->prev = cyc;
    r->last_in = a;
    r->any = true;
    return 0;
}

int dram_replay_file(const dram_config *cfg, const char *path, dram_replay_result *out,
                     sim_err *e)
{
    memset(out, 0, sizeof *out);
    hist_init(&out->stats.read_latency);
    replay r = {.path = path};
    r.d = dram_create(cfg, e);
    if (!r.d)
        return -1;
    if (dram_trace_read(path, replay_req, &r, e) != 0) {
        dram_destroy(r.d);
        return -1;
    }
    dram *d = r.d;
    dram_drain(d);
    dram_stats *s = &d->st;
    out->stats = *s;
    hist_init(&s->read_latency); /* ownership moved to out */
    out->reads = s->reads;
    out->writes = s->writes;
    out->held_back = r.held;
    out->cycles = d->last_done;
    double bytes = (double)(s->reads + s->writes) * d->req_bytes;
    out->bandwidth_gbps = out->cycles ? bytes * 1000.0 / ((double)out->cycles * (double)cfg->tCK) : 0;
    out->read_row_hit_rate = s->read_cmds ? (double)s->read_row_hits / (double)s->read_cmds : 0;
    uint64_t cols = s->read_cmds + s->write_cmds;
    out->row_hit_rate = cols ? (double)(s->read_row_hits + s->write_row_hits) / (double)cols : 0;
    const hist *h = &out->stats.read_latency;
    out->lat_mean = hist_mean(h);
    out->lat_mean_from_stamp = h->count ? out->lat_mean + (double)r.read_wait / (double)h->count : 0;
    out->lat_min = h->count ? h->min : 0;
    out->lat_p50 = hist_pct(h, 0.50);
    out->lat_p90 = hist_pct(h, 0.90);
    out->lat_p99 = hist_pct(h, 0.99);
    out->lat_max = h->count ? h->max : 0;
    dram_destroy(d);
    return 0;
}

void dram_replay_result_free(dram_replay_result *r)
{
    if (r)
        hist_free(&r->stats.read_latency);
}

void dram_replay_to_jtree(const dram_replay_result *r, jtree *j)
{
    jtree_set_double(j, "dram.read_latency.mean", r->lat_mean);
    jtree_set_double(j, "dram.read_latency_from_stamp.mean", r->lat_mean_from_stamp);
    jtree_set_u64(j, "dram.read_latency.min", r->lat_min);
    jtree_set_u64(j, "dram.read_latency.p50", r->lat_p50);
    jtree_set_u64(j, "dram.read_latency.p90", r->lat_p90);
    jtree_set_u64(j, "dram.read_latency.p99", r->lat_p99);
    jtree_set_u64(j, "dram.read_latency.max", r->lat_max);
    jtree_set_double(j, "dram.bandwidth_gbps", r->bandwidth_gbps);
    jtree_set_double(j, "dram.row_hit_rate", r->row_hit_rate);
    jtree_set_double(j, "dram.read_row_hit_rate", r->read_row_hit_rate);
    jtree_set_u64(j, "dram.reads", r->reads);
    jtree_set_u64(j, "dram.writes", r->writes);
    jtree_set_u64(j, "dram.cycles", r->cycles);
    jtree_set_u64(j, "dram.held_back", r->held_back);
}
