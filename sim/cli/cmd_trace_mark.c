/*
 * cmd_trace_mark.c - `lparsim trace mark IN OUT --roi B:E[,B:E...]`: copy a
 * native trace, inserting region-of-interest markers (docs/roi.md): region
 * k (ids 1, 2, ... in the order given) covers input records B .. E-1, its
 * begin marker 'K 4 k' written before input record B and its end marker
 * 'K 5 k' before input record E (after the last record when E is the
 * record count). OUT is a binary trace of format version 2 (IN's if higher)
 * with IN's header flags. Invariants: regions are in order and do not overlap (B_k >= E_k-1),
 * B < E <= the record count of IN; IN has no ROI markers of its own.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/trace.h"

#define MAX_REGIONS 4096

typedef struct roi_span {
    uint64_t b, e;
} roi_span;

/* Parse "B:E[,B:E...]" into sp; returns the count, or 0 after printing the
 * error (exit status 2 is the caller's). */
static unsigned parse_spec(const char *spec, roi_span *sp)
{
    unsigned n = 0;
    const char *p = spec;
    for (;;) {
        char *end;
        if (*p < '0' || *p > '9')
            goto bad;
        uint64_t b = strtoull(p, &end, 10);
        if (*end != ':' || end[1] < '0' || end[1] > '9')
            goto bad;
        uint64_t e = strtoull(end + 1, &end, 10);
        if ((*end != ',' && *end) || n == MAX_REGIONS)
            goto bad;
        if (b >= e) {
            cli_usage("--roi %s: region %u (%" PRIu64 ":%" PRIu64 ") is empty; expected "
                      "BEGIN < END", spec, n + 1, b, e);
            return 0;
        }
        if (n && b < sp[n - 1].e) {
            cli_usage("--roi %s: region %u (%" PRIu64 ":%" PRIu64 ") overlaps region %u "
                      "(%" PRIu64 ":%" PRIu64 "); expected regions in order, each beginning "
                      "at or after the previous one's end", spec, n + 1, b, e, n,
                      sp[n - 1].b, sp[n - 1].e);
            return 0;
        }
        sp[n++] = (roi_span){b, e};
        if (!*end)
            return n;
        p = end + 1;
    }
bad:
    cli_usage("--roi %s: expected BEGIN:END[,BEGIN:END...] with decimal record counts "
              "(at most %u regions)", spec, MAX_REGIONS);
    return 0;
}

static int put_marker(tr_writer *w, unsigned kind, uint64_t id, sim_err *e)
{
    tr_rec m;
    memset(&m, 0, sizeof m);
    m.kind = TR_MARKER;
    m.word = kind;
    m.addr = id;
    return tr_write(w, &m, e);
}

/* Copy r into w with the markers of sp[0..n); 0 or -1 with e set. */
static int copy_marked(tr_reader *r, tr_writer *w, const roi_span *sp, unsigned n,
                       const char *in, const char *spec, sim_err *e)
{
    tr_rec buf[1024];
    uint64_t at = 0; /* input records copied */
    unsigned next = 0; /* markers written: 2 per region */
    for (;;) {
        long got = tr_read(r, buf, 1024, e);
        if (got < 0)
            return -1;
        for (long i = 0; i <= got; i++) {
            /* markers due before input record `at` (also after the last one) */
            while (next < 2 * n && (next % 2 ? sp[next / 2].e : sp[next / 2].b) == at) {
                if (put_marker(w, next % 2 ? TR_MARK_ROI_END : TR_MARK_ROI_BEGIN, next / 2 + 1,
                               e) != 0)
                    return -1;
                next++;
            }
            if (i == got)
                break;
            if (tr_version(r) >= 2 && buf[i].kind == TR_MARKER &&
                buf[i].word >= TR_MARK_ROI_BEGIN && buf[i].word <= TR_MARK_RESERVED_LAST &&
                buf[i].word != TR_MARK_FREE)
                return sim_errf(e, "%s record %" PRIu64 ": already a region marker (K %u); "
                                   "expected a trace without them", in, at, buf[i].word);
            if (tr_write(w, &buf[i], e) != 0)
                return -1;
            at++;
        }
        if (got == 0)
            break;
    }
    if (next < 2 * n) {
        unsigned k = next / 2;
        return sim_errf(e, "--roi %s: region %u (%" PRIu64 ":%" PRIu64 ") goes beyond the end "
                           "of %s (%" PRIu64 " records); expected counts up to %" PRIu64,
                        spec, k + 1, sp[k].b, sp[k].e, in, at, at);
    }
    return 0;
}

int cmd_trace_mark(int argc, char **argv)
{
    const char *spec = NULL, *pos[2] = {NULL, NULL};
    int npos = 0;
    for (int i = 0; i < argc; i++) {
        int r;
        if ((r = cli_opt(argc, argv, &i, "--roi", &spec)) != 0) {
            if (r < 0)
                return 2;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage("unknown option '%s'", argv[i]);
        } else if (npos == 2) {
            return cli_usage("trace mark takes one input and one output file");
        } else {
            pos[npos++] = argv[i];
        }
    }
    if (npos != 2 || !spec)
        return cli_usage("usage: lparsim trace mark IN OUT --roi BEGIN:END[,BEGIN:END...]");
    sim_err e;
    sim_err_clear(&e);
    roi_span *sp = malloc(MAX_REGIONS * sizeof *sp);
    if (!sp) {
        sim_errf(&e, "out of host memory");
        return cli_fail(&e);
    }
    unsigned n = parse_spec(spec, sp);
    int st = n ? cli_check_outputs(&pos[1], 1, pos, 1) : 2;
    tr_reader *r = st ? NULL : tr_open(pos[0], &e);
    if (!r) {
        free(sp);
        return st ? st : cli_fail(&e);
    }
    char note[512];
    snprintf(note, sizeof note, "%s%sregions of interest %s marked by lparsim trace mark",
             tr_note(r), tr_note(r)[0] ? "; " : "", spec);
    tr_writer *w = tr_writer_create_version(pos[1], note, 6, tr_flags(r),
                                            tr_version(r) > 2 ? tr_version(r) : 2, &e);
    if (!w) {
        tr_close(r);
        free(sp);
        return cli_fail(&e);
    }
    int rc = copy_marked(r, w, sp, n, pos[0], spec, &e);
    tr_close(r);
    free(sp);
    if (rc != 0) {
        tr_abort(w);
        return cli_fail(&e);
    }
    uint64_t written = tr_written(w);
    if (tr_finish(w, &e) != 0)
        return cli_fail(&e);
    fprintf(stderr, "lparsim: %u regions marked, %" PRIu64 " records written to %s\n", n,
            written, pos[1]);
    return 0;
}
