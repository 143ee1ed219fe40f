/*
 * dram_replay.c - replay of a DRAMsim3 text trace through the queued
 * controller (`lparsim dram`), and its result as a jtree.
 *
 * Trace lines: "<hex address> <READ|WRITE> <decimal cycle>", plain or
 * gzip (zlib gzopen reads both), streamed in chunks. Blank lines and
 * lines starting with '#' are skipped. Requests enter in file order, never
 * before their cycle and at most one per cycle (DRAMsim3's trace CPU);
 * when a queue is full the head waits and later ones queue behind it.
 * Cycles must not decrease; addresses must be below the capacity.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "memctl/dram_internal.h"

#define CHUNK (1u << 20)

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch |= 0x20;
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* Parse one line [s, end). 1 = request, 0 = skip, -1 = malformed. */
static int parse_line(const char *s, const char *end, uint64_t *addr, bool *wr, uint64_t *cyc)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    while (end > s && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (s == end || *s == '#')
        return 0;
    if (end - s > 2 && s[0] == '0' && (s[1] | 0x20) == 'x')
        s += 2;
    uint64_t a = 0;
    int n = 0, v;
    for (; s < end && (v = hexval(*s)) >= 0; s++, n++)
        a = a << 4 | (uint64_t)v;
    if (n == 0 || n > 16 || s == end || (*s != ' ' && *s != '\t'))
        return -1;
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    if (end - s >= 4 && !strncmp(s, "READ", 4) && (end - s == 4 || s[4] == ' ' || s[4] == '\t')) {
        *wr = false;
        s += 4;
    } else if (end - s >= 5 && !strncmp(s, "WRITE", 5) &&
               (end - s == 5 || s[5] == ' ' || s[5] == '\t')) {
        *wr = true;
        s += 5;
    } else {
        return -1;
    }
    if (s == end || (*s != ' ' && *s != '\t'))
        return -1;
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    uint64_t c = 0;
    for (n = 0; s < end && *s >= '0' && *s <= '9'; s++, n++)
        c = c * 10 + (uint64_t)(*s - '0');
    if (n == 0 || n > 19 || s != end)
        return -1;
    *addr = a;
    *cyc = c;
    return 1;
}

typedef struct replay {
    dram *d;
    const char *path;
    uint64_t line, prev, last_in, held;
    bool any;
} replay;

static int replay_line(replay *r, const char *s, const char *end, sim_err *e)
{
    uint64_t addr, cyc;
    bool wr;
    r->line++;
    int k = parse_line(s, end, &addr, &wr, &cyc);
    if (k == 0)
        return 0;
    if (k < 0) {
        int len = (int)(end - s);
        if (len && end[-1] == '\r')
            len--;
        return sim_errf(e, "%s:%llu: expected '<hex address> <READ|WRITE> <cycle>', got '%.*s%s'",
                        r->path, (unsigned long long)r->line, len > 80 ? 80 : len, s,
                        len > 80 ? "..." : "");
    }
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
    if (a > cyc)
        r->held++;
    r->prev = cyc;
    r->last_in = a;
    r->any = true;
    return 0;
}

static int replay_stream(replay *r, gzFile f, sim_err *e)
{
    char *buf = malloc(CHUNK + 1);
    if (!buf)
        return sim_errf(e, "%s: out of memory", r->path);
    size_t have = 0;
    int rc = 0;
    for (;;) {
        int n = gzread(f, buf + have, (unsigned)(CHUNK - have));
        if (n < 0) {
            int zerr;
            const char *msg = gzerror(f, &zerr);
            rc = sim_errf(e, "%s: read error: %s", r->path,
                          zerr == Z_ERRNO ? strerror(errno) : msg);
            break;
        }
        have += (size_t)n;
        char *s = buf, *end = buf + have, *nl;
        while ((nl = memchr(s, '\n', (size_t)(end - s))) != NULL) {
            if ((rc = replay_line(r, s, nl, e)) != 0)
                goto out;
            s = nl + 1;
        }
        size_t rest = (size_t)(end - s);
        if (n == 0) { /* end of file: a last line without newline */
            if (rest)
                rc = replay_line(r, s, end, e);
            break;
        }
        if (rest == CHUNK) {
            rc = sim_errf(e, "%s:%llu: line longer than %u bytes; expected "
                          "'<hex address> <READ|WRITE> <cycle>'", r->path,
                          (unsigned long long)r->line + 1, CHUNK);
            break;
        }
        memmove(buf, s, rest);
        have = rest;
    }
out:
    free(buf);
    return rc;
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
    gzFile f = gzopen(path, "rb");
    if (!f) {
        sim_errf(e, "%s: cannot open: %s", path, errno ? strerror(errno) : "gzopen failed");
        dram_destroy(r.d);
        return -1;
    }
    gzbuffer(f, 1u << 18);
    int rc = replay_stream(&r, f, e);
    gzclose(f);
    if (rc != 0) {
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
