/*
 * hcheck_order.c - the traces `lparsim trace hcheck` checks, read and
 * stepped. Several traces are one LPAR's vCPUs (a recording of several
 * vCPUs, docs/linux-guests.md): they share the HPT, so their hcalls are
 * checked in the recording's order, which the K 19 marker before each
 * ordered H gives (docs/trace_format.md). One trace is checked in its own
 * order, its K 19 markers ignored (one vCPU of such a recording alone).
 *
 * Each trace's H records (with the R after each, and the order before
 * each) are read first; then a merge steps them: an H without an order is
 * stepped as soon as its trace comes to it (the idle cede site's calls:
 * no registers, never issued), and of the traces whose next H is ordered,
 * the one holding the LPAR's next order goes. Invariant: ordered hcalls
 * are stepped in order 0, 1, 2, ... with none missing or repeated (else an
 * error naming the order and the traces), each exactly once.
 */
#include <stdlib.h>
#include <string.h>

#include "hcheck.h"

typedef struct hitem {
    tr_rec h, r;
    bool has_r, has_order;
    uint64_t order, record; /* record: 1-based record number of the H */
} hitem;

typedef struct hlist {
    hitem *v;
    size_t n, cap, at;
} hlist;

static int push(hlist *l, const hitem *x)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 1024;
        hitem *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *x;
    return 0;
}

/* Every H of trace r with its R and order; the readers checked the order
 * marker directly precedes its H and the R directly follows it. */
static int collect(tr_reader *r, bool orders, hlist *l, uint64_t *records, uint64_t *nret,
                   sim_err *e)
{
    enum { N = 4096 };
    tr_rec *buf = malloc(N * sizeof *buf);
    if (!buf)
        return sim_errf(e, "out of memory");
    hitem cur = {0};
    bool pend = false, ordered = false;
    uint64_t order = 0, n_rec = 0;
    long n;
    int rc = 0;
    while (!rc && (n = tr_read(r, buf, N, e)) > 0) {
        for (long i = 0; i < n && !rc; i++) {
            const tr_rec *x = &buf[i];
            n_rec++;
            if (orders && x->kind == TR_MARKER && x->word == TR_MARK_HSEQ &&
                tr_version(r) >= 3) {
                ordered = true;
                order = x->addr;
            } else if (x->kind == TR_HCALL) {
                if (pend && push(l, &cur) != 0)
                    rc = sim_errf(e, "out of memory");
                cur = (hitem){.h = *x, .has_order = ordered, .order = order, .record = n_rec};
                pend = true;
                ordered = false;
            } else if (x->kind == TR_HRET) {
                (*nret)++;
                cur.r = *x;
                cur.has_r = true;
            }
        }
    }
    if (!rc && n < 0)
        rc = -1;
    if (!rc && pend && push(l, &cur) != 0)
        rc = sim_errf(e, "out of memory");
    *records += n_rec;
    free(buf);
    return rc;
}

int hcheck_ordered(hcheck *c, tr_reader *const *r, const char *const *paths, unsigned n,
                   uint64_t *records, uint64_t *nret, sim_err *e)
{
    hlist *l = calloc(n, sizeof *l);
    if (!l)
        return sim_errf(e, "out of memory");
    int rc = 0;
    for (unsigned i = 0; i < n && !rc; i++)
        rc = collect(r[i], n > 1, &l[i], records, nret, e);
    uint64_t next = 0;
    while (!rc) {
        unsigned pick = n;
        for (unsigned i = 0; i < n && pick == n; i++) /* unordered first, as they come */
            if (l[i].at < l[i].n && !l[i].v[l[i].at].has_order)
                pick = i;
        for (unsigned i = 0; i < n && pick == n; i++)
            if (l[i].at < l[i].n && l[i].v[l[i].at].order == next)
                pick = i;
        if (pick == n) {
            for (unsigned i = 0; i < n && !rc; i++)
                if (l[i].at < l[i].n)
                    rc = sim_errf(e, "%s record %llu: hcall order %llu, but the LPAR's next is "
                                  "%llu, which no trace holds next; expected the K 19 orders "
                                  "of the traces to be dense from 0 and increasing per trace "
                                  "(the traces of one recording, all given)", paths[i],
                                  (unsigned long long)l[i].v[l[i].at].record,
                                  (unsigned long long)l[i].v[l[i].at].order,
                                  (unsigned long long)next);
            break; /* every trace done */
        }
        const hitem *x = &l[pick].v[l[pick].at++];
        next += x->has_order;
        c->trace = pick;
        if (hcheck_step(c, x->record, &x->h, x->has_r ? &x->r : NULL) != 0)
            rc = sim_errf(e, "out of memory");
    }
    for (unsigned i = 0; i < n; i++)
        free(l[i].v);
    free(l);
    return rc;
}
