/*
 * dram_reader.c - reading and parsing a DRAMsim3 text trace for
 * `lparsim dram` (dram_replay.c), pipelined with the replay.
 *
 * Trace lines: "<hex address> <READ|WRITE> <decimal cycle>" ("0x"
 * optional; blank lines and '#' comments skipped), plain or gzip (core/gzin.h:
 * a cut gzip stream or bytes after it are errors), streamed in chunks. The common form "0x<hex>
 * READ|WRITE <cycle>\n" takes a fast path (the cycle's digits converted
 * eight bytes at a time); anything else goes through the general parser,
 * which also words the errors.
 *
 * Pipelining: a helper thread inflates and parses the trace into batches
 * of requests, handed over in file order through a small ring, while the
 * calling thread replays them; the requests, their order and every error
 * (the first one in file order wins) are exactly those of reading the
 * file inline, which is what happens if the thread cannot be started, or
 * if the process may run on one host CPU only (taskset -c 0).
 */
#include <errno.h>
#include <pthread.h>
#if defined(__linux__)
#include <sched.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/gzin.h"
#include "memctl/dram_internal.h"

#define CHUNK (1u << 20)
#define TR_BATCH 8192u /* requests per batch */
#define TR_SLOTS 4u    /* batches in the ring */

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

/* Hex digit values, 255 for anything else. */
static const unsigned char hexv[256] = {
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 255, 255, 255, 255, 255, 255,
    255, 10, 11, 12, 13, 14, 15, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 10, 11, 12, 13, 14, 15, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
};

/* The decimal digits at s (8 bytes readable), in one go: their count (0-7)
 * and value in *out, or -1 if the first 8 bytes are all digits. In each
 * byte minus '0' a non-digit is >= 10 (or borrowed, >= 0x80); borrows
 * only go to later bytes, so the first non-digit is found exactly. */
static int dec_swar(const char *s, uint64_t *out)
{
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    (void)s;
    (void)out;
    return -1; /* the digit loop instead */
#endif
    uint64_t w;
    memcpy(&w, s, 8);
    uint64_t x = w - 0x3030303030303030ULL;
    uint64_t m = ((x + 0x7676767676767676ULL) | x) & 0x8080808080808080ULL;
    if (!m)
        return -1;
    unsigned n = (unsigned)__builtin_ctzll(m) / 8;
    if (!n)
        return 0;
    x <<= (8 - n) * 8; /* the digits, leading zeros below them (little endian) */
    x = (x * 2561) >> 8 & 0x00FF00FF00FF00FFULL;     /* pairs: 10 a + b */
    x = (x * 6553601) >> 16 & 0x0000FFFF0000FFFFULL; /* quads: 100 a + b */
    *out = (x * 42949672960001ULL) >> 32;             /* 10000 a + b */
    return (int)n;
}

/* The common line "0x<hex> READ|WRITE <decimal>\n" starting at s, parsed
 * without looking for its end first; returns the character after the
 * newline, or NULL if the line is anything else (then parse_line decides). */
static const char *parse_fast(const char *s, const char *end, uint64_t *addr, bool *wr,
                              uint64_t *cyc)
{
    if (end - s < 64 || s[0] != '0' || s[1] != 'x')
        return NULL; /* the caller falls back near the buffer's end */
    s += 2;
    uint64_t a = 0;
    unsigned v, n = 0;
    while (n < 16 && (v = hexv[(unsigned char)s[n]]) < 16) {
        a = a << 4 | v;
        n++;
    }
    s += n;
    if (n == 0 || *s != ' ')
        return NULL;
    s++;
    if (!memcmp(s, "READ ", 5)) {
        *wr = false;
        s += 5;
    } else if (!memcmp(s, "WRITE ", 6)) {
        *wr = true;
        s += 6;
    } else {
        return NULL;
    }
    uint64_t c = 0;
    const char *d = s;
    int k = dec_swar(s, &c); /* s is at most 25 bytes into the 64 checked */
    if (k >= 0) {
        s += k;
    } else {
        while ((unsigned)(*s - '0') < 10 && s - d < 19) {
            c = c * 10 + (uint64_t)(*s - '0');
            s++;
        }
    }
    if (s == d || *s != '\n')
        return NULL;
    *addr = a;
    *cyc = c;
    return s + 1;
}

typedef int (*tr_sink)(void *ctx, const dram_treq *q, sim_err *e);

/* A line the fast path did not take: parse it, pass a request to sink. */
static int tr_line(const char *path, uint64_t line, const char *s, const char *end,
                   tr_sink sink, void *ctx, sim_err *e)
{
    dram_treq q = {.line = line};
    int k = parse_line(s, end, &q.addr, &q.wr, &q.cyc);
    if (k == 0)
        return 0;
    if (k < 0) {
        int len = (int)(end - s);
        if (len && end[-1] == '\r')
            len--;
        return sim_errf(e, "%s:%llu: expected '<hex address> <READ|WRITE> <cycle>', got '%.*s%s'",
                        path, (unsigned long long)line, len > 80 ? 80 : len, s,
                        len > 80 ? "..." : "");
    }
    return sink(ctx, &q, e);
}


/* Read and parse the whole trace, passing each request in file order to
 * sink. 0, a trace error (-1, in e) or the sink's first nonzero result. */
static int tr_stream(tr_gzin *f, const char *path, tr_sink sink, void *ctx, sim_err *e)
{
    char *buf = malloc(CHUNK + 1);
    if (!buf)
        return sim_errf(e, "%s: out of memory", path);
    size_t have = 0;
    uint64_t line = 0;
    int rc = 0;
    for (;;) {
        long n = tr_gzin_read(f, buf + have, CHUNK - have);
        if (n < 0) {
            rc = sim_errf(e, "%s: %s: %s", path,
                          tr_gzin_error(f) == TR_GZ_ERRNO ? "read error" : "corrupt input",
                          tr_gzin_msg(f));
            break;
        }
        if (n == 0 && tr_gzin_cut(f)) {
            rc = sim_errf(e, "%s: the gzip stream ends early (truncated file); expected a "
                             "complete gzip file", path);
            break;
        }
        have += (size_t)n;
        char *s = buf, *end = buf + have, *nl;
        for (;;) {
            dram_treq q;
            const char *next = parse_fast(s, end, &q.addr, &q.wr, &q.cyc);
            if (next) {
                q.line = ++line;
                if ((rc = sink(ctx, &q, e)) != 0)
                    goto out;
                s = (char *)next;
                continue;
            }
            if (!(nl = memchr(s, '\n', (size_t)(end - s))))
                break;
            if ((rc = tr_line(path, ++line, s, nl, sink, ctx, e)) != 0)
                goto out;
            s = nl + 1;
        }
        size_t rest = (size_t)(end - s);
        if (n == 0) { /* end of file: a last line without newline */
            if (rest)
                rc = tr_line(path, ++line, s, end, sink, ctx, e);
            break;
        }
        if (rest == CHUNK) {
            rc = sim_errf(e, "%s:%llu: line longer than %u bytes; expected "
                          "'<hex address> <READ|WRITE> <cycle>'", path,
                          (unsigned long long)line + 1, CHUNK);
            break;
        }
        memmove(buf, s, rest);
        have = rest;
    }
out:
    free(buf);
    return rc;
}

/* ---- the pipeline ---- */

typedef struct tr_batch {
    uint32_t n;
    dram_treq q[TR_BATCH];
} tr_batch;

typedef struct tr_pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    tr_batch *slot;       /* TR_SLOTS; filled: [head, head + count) */
    uint32_t head, count;
    tr_batch *cur;        /* the producer's batch being filled */
    bool done, stop;      /* producer finished; consumer gave up */
    int rc;               /* producer's result (trace error: -1 in err) */
    sim_err err;
    tr_gzin *f;
    const char *path;
} tr_pipe;

static void pipe_publish(tr_pipe *p)
{
    pthread_mutex_lock(&p->mu);
    p->count++;
    p->cur = NULL;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* Producer's sink: append to the current batch, waiting for a free one. */
static int pipe_put(void *ctx, const dram_treq *q, sim_err *e)
{
    tr_pipe *p = ctx;
    (void)e;
    if (!p->cur) {
        pthread_mutex_lock(&p->mu);
        while (p->count == TR_SLOTS && !p->stop)
            pthread_cond_wait(&p->cv, &p->mu);
        bool stop = p->stop;
        if (!stop) {
            p->cur = &p->slot[(p->head + p->count) % TR_SLOTS];
            p->cur->n = 0;
        }
        pthread_mutex_unlock(&p->mu);
        if (stop)
            return 1; /* the consumer is gone: quit reading */
    }
    p->cur->q[p->cur->n++] = *q;
    if (p->cur->n == TR_BATCH)
        pipe_publish(p);
    return 0;
}

static void *pipe_producer(void *arg)
{
    tr_pipe *p = arg;
    int rc = tr_stream(p->f, p->path, pipe_put, p, &p->err);
    if (p->cur)
        pipe_publish(p);
    pthread_mutex_lock(&p->mu);
    p->rc = rc;
    p->done = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Consume the batches in order; stop the producer on a sink error. */
static int pipe_consume(tr_pipe *p, tr_sink sink, void *ctx, sim_err *e)
{
    int rc = 0;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (!p->count && !p->done)
            pthread_cond_wait(&p->cv, &p->mu);
        if (!p->count) { /* done, all consumed: the producer's result */
            rc = p->rc;
            pthread_mutex_unlock(&p->mu);
            if (rc < 0 && e)
                *e = p->err;
            return rc;
        }
        const tr_batch *b = &p->slot[p->head];
        pthread_mutex_unlock(&p->mu);
        for (uint32_t i = 0; i < b->n && !rc; i++)
            rc = sink(ctx, &b->q[i], e);
        pthread_mutex_lock(&p->mu);
        p->head = (p->head + 1) % TR_SLOTS;
        p->count--;
        if (rc)
            p->stop = true;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        if (rc)
            return rc;
    }
}

/* Whether this process may run on two or more host CPUs (its affinity
 * mask): with one, the reader thread would only take turns with the
 * replay on it, and copy every batch for nothing. */
static bool two_cpus(void)
{
#if defined(__linux__) && defined(CPU_COUNT)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        return CPU_COUNT(&set) >= 2;
#endif
    return sysconf(_SC_NPROCESSORS_ONLN) >= 2;
}

int dram_trace_read(const char *path, int (*sink)(void *ctx, const dram_treq *q, sim_err *e),
                    void *ctx, sim_err *e)
{
    tr_gzin *f = tr_gzin_open(path);
    if (!f)
        return sim_errf(e, "%s: cannot open: %s", path, strerror(errno));
    tr_pipe p = {.f = f, .path = path};
    p.slot = malloc(TR_SLOTS * sizeof *p.slot);
    pthread_t th;
    bool threaded = p.slot && two_cpus() && pthread_mutex_init(&p.mu, NULL) == 0;
    if (threaded && pthread_cond_init(&p.cv, NULL) != 0) {
        pthread_mutex_destroy(&p.mu);
        threaded = false;
    }
    if (threaded && pthread_create(&th, NULL, pipe_producer, &p) != 0) {
        pthread_cond_destroy(&p.cv);
        pthread_mutex_destroy(&p.mu);
        threaded = false;
    }
    int rc;
    if (threaded) {
        rc = pipe_consume(&p, sink, ctx, e);
        pthread_join(th, NULL);
        pthread_cond_destroy(&p.cv);
        pthread_mutex_destroy(&p.mu);
    } else {
        rc = tr_stream(f, path, sink, ctx, e); /* no thread: read inline */
    }
    free(p.slot);
    tr_gzin_close(f);
    return rc;
}
