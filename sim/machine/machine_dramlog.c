/*
 * machine_dramlog.c - the DRAM request log (dram.trace_out): every request
 * that reaches a memory module's controller, in DRAMsim3's text trace
 * format ("0x<device address> READ|WRITE <DRAM cycle>"), one file per
 * controller, so that `lparsim dram` (or DRAMsim3) can replay the same
 * stream open loop.
 *
 * The cycle is the request's arrival as the thread issued it. Threads
 * interleave within the scheduler quantum, so arrivals reach the
 * controller slightly out of order while a trace must not step back:
 * lines pass through a reorder window (a min-heap of WINDOW requests by
 * cycle, then call order) and leave it oldest first. A request older
 * than a line already written (out of order by more than the window,
 * which the quantum keeps far from) is written at that line's cycle and
 * counted (machine_dramlog_clamped). The files are written through
 * outfile: a run that fails leaves no partial log behind a name, one that
 * finishes commits them (machine_finish).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/outfile.h"
#include "machine_int.h"

#define WINDOW 65536u

typedef struct logreq {
    uint64_t cycle, seq, addr;
    bool write;
} logreq;

typedef struct dramlog_file {
    FILE *f;
    logreq *heap;
    uint32_t n;
    uint64_t seq, last, clamped;
} dramlog_file;

struct machine_dramlog {
    unsigned n;
    outfile **o;
    dramlog_file *f;
    char **names;
};

static bool before(const logreq *a, const logreq *b)
{
    return a->cycle != b->cycle ? a->cycle < b->cycle : a->seq < b->seq;
}

static void emit(dramlog_file *lf, const logreq *r)
{
    uint64_t c = r->cycle;
    if (c < lf->last) {
        c = lf->last;
        lf->clamped++;
    }
    lf->last = c;
    fprintf(lf->f, "0x%" PRIx64 " %s %" PRIu64 "\n", r->addr, r->write ? "WRITE" : "READ", c);
}

/* Write the oldest request and remove it from the heap. */
static void pop(dramlog_file *lf)
{
    logreq *h = lf->heap;
    emit(lf, &h[0]);
    h[0] = h[--lf->n];
    for (uint32_t i = 0;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < lf->n && before(&h[l], &h[m]))
            m = l;
        if (r < lf->n && before(&h[r], &h[m]))
            m = r;
        if (m == i)
            break;
        logreq t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void put(void *ctx, uint64_t addr, bool write, uint64_t cycle)
{
    dramlog_file *lf = ctx;
    if (lf->n == WINDOW)
        pop(lf);
    logreq *h = lf->heap;
    uint32_t i = lf->n++;
    h[i] = (logreq){cycle, lf->seq++, addr, write};
    while (i && before(&h[i], &h[(i - 1) / 2])) {
        logreq t = h[i];
        h[i] = h[(i - 1) / 2];
        h[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static void unhook(machine *m)
{
    for (unsigned i = 0; i < m->ndrams; i++)
        dram_set_request_hook(m->drams[i], NULL, NULL);
}

static void dramlog_free(machine_dramlog *l, bool abort_files)
{
    if (!l)
        return;
    for (unsigned i = 0; i < l->n; i++) {
        if (abort_files)
            outfile_abort(l->o[i]);
        free(l->names[i]);
        free(l->f[i].heap);
    }
    free(l->o);
    free(l->f);
    free(l->names);
    free(l);
}

int machine_dramlog_open(machine *m, const char *path, sim_err *e)
{
    if (!path || !*path)
        return 0;
    machine_dramlog *l = calloc(1, sizeof *l);
    if (!l)
        return sim_errf(e, "out of host memory");
    l->o = calloc(m->ndrams, sizeof *l->o);
    l->f = calloc(m->ndrams, sizeof *l->f);
    l->names = calloc(m->ndrams, sizeof *l->names);
    if (!l->o || !l->f || !l->names) {
        dramlog_free(l, true);
        return sim_errf(e, "out of host memory");
    }
    for (unsigned i = 0; i < m->ndrams; i++) {
        size_t len = strlen(path) + 16;
        l->n++;
        l->names[i] = malloc(len);
        l->f[i].heap = malloc(WINDOW * sizeof *l->f[i].heap);
        if (!l->names[i] || !l->f[i].heap) {
            dramlog_free(l, true);
            return sim_errf(e, "out of host memory");
        }
        if (m->ndrams == 1)
            snprintf(l->names[i], len, "%s", path);
        else
            snprintf(l->names[i], len, "%s.%u", path, i);
        if (!(l->o[i] = outfile_open(l->names[i], e)) ||
            !(l->f[i].f = outfile_stream(l->o[i], e))) {
            dramlog_free(l, true);
            return sim_err_prefix(e, "dram.trace_out");
        }
    }
    for (unsigned i = 0; i < m->ndrams; i++)
        dram_set_request_hook(m->drams[i], put, &l->f[i]);
    m->dramlog = l;
    return 0;
}

uint64_t machine_dramlog_clamped(const machine *m)
{
    uint64_t n = 0;
    if (m->dramlog)
        for (unsigned i = 0; i < m->dramlog->n; i++)
            n += m->dramlog->f[i].clamped;
    return n;
}

int machine_dramlog_commit(machine *m, sim_err *e)
{
    machine_dramlog *l = m->dramlog;
    if (!l)
        return 0;
    unhook(m);
    m->dramlog = NULL;
    int rc = 0;
    for (unsigned i = 0; i < l->n; i++) {
        while (l->f[i].n)
            pop(&l->f[i]);
        if (rc == 0 && outfile_commit(l->o[i], e) != 0)
            rc = -1;
        else if (rc != 0)
            outfile_abort(l->o[i]);
        l->o[i] = NULL;
    }
    dramlog_free(l, false);
    return rc;
}

void machine_dramlog_abort(machine *m)
{
    if (m->dramlog)
        unhook(m);
    dramlog_free(m->dramlog, true);
    m->dramlog = NULL;
}
