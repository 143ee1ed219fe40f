/*
 * platform_rdma.c - the platform as the carrier of RDMA writes between its
 * machines (hyp.h "RDMA to other machines"): a write is sent over the
 * link joining the two machines (platform_send: latency, bandwidth,
 * queueing per direction) and held until the lockstep windows reach its
 * arrival: after each window, every message arriving before the next
 * window's end is delivered to its machine's hypervisor, in arrival order
 * (ties in send order), and that machine runs again if it had stopped.
 * Invariant: a message sent during window k arrives at or after its end
 * (latency >= the window), so it is delivered before its receiver passes
 * its arrival (up to the overrun platform.h describes).
 */
#include <stdlib.h>
#include <string.h>

#include "platform_int.h"

static int before(const platform_msg *a, const platform_msg *b)
{
    return a->m.arrival != b->m.arrival ? a->m.arrival < b->m.arrival : a->seq < b->seq;
}

static void sift_up(platform_msg *v, size_t i)
{
    while (i && before(&v[i], &v[(i - 1) / 2])) {
        platform_msg t = v[i];
        v[i] = v[(i - 1) / 2];
        v[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static void sift_down(platform_msg *v, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, s = i;
        if (l < n && before(&v[l], &v[s]))
            s = l;
        if (r < n && before(&v[r], &v[s]))
            s = r;
        if (s == i)
            return;
        platform_msg t = v[i];
        v[i] = v[s];
        v[s] = t;
        i = s;
    }
}

static uint64_t carry(void *ctx, unsigned dest, hyp_rdma_msg *m, uint64_t wire_bytes)
{
    platform_carrier *c = ctx;
    platform *p = c->p;
    uint64_t at;
    if (platform_send(p, c->self, dest, wire_bytes, m->sent, &at) != 0)
        return UINT64_MAX;
    if (p->npending == p->cappending) {
        size_t cap = p->cappending ? 2 * p->cappending : 64;
        platform_msg *v = realloc(p->pending, cap * sizeof *v);
        if (!v)
            return UINT64_MAX;
        p->pending = v;
        p->cappending = cap;
    }
    m->arrival += at;
    platform_msg *x = &p->pending[p->npending];
    x->m = *m;
    x->dest = dest;
    x->seq = p->msg_seq++;
    sift_up(p->pending, p->npending++);
    return m->arrival;
}

int platform_rdma_init(platform *p, sim_err *e)
{
    p->carriers = calloc(p->n, sizeof *p->carriers);
    p->names = calloc(p->n, sizeof *p->names);
    if (!p->carriers || !p->names)
        return sim_errf(e, "out of host memory");
    for (unsigned i = 0; i < p->n; i++)
        p->names[i] = p->mach[i].name;
    for (unsigned i = 0; i < p->n; i++) {
        p->carriers[i] = (platform_carrier){p, i};
        hyp_rdma_carrier c = {carry, &p->carriers[i], i, p->n, p->names};
        hyp_set_rdma(machine_hyp(p->mach[i].m), &c);
    }
    return 0;
}

uint64_t platform_rdma_first(const platform *p)
{
    return p->npending ? p->pending[0].m.arrival : UINT64_MAX;
}

int platform_rdma_deliver(platform *p, uint64_t upto, sim_err *e)
{
    while (p->npending && p->pending[0].m.arrival < upto) {
        platform_msg x = p->pending[0];
        p->pending[0] = p->pending[--p->npending];
        sift_down(p->pending, p->npending, 0);
        pmach *pm = &p->mach[x.dest];
        sim_err le;
        sim_err_clear(&le);
        int rc = hyp_rdma_deliver(machine_hyp(pm->m), &x.m, &le);
        free(x.m.data);
        if (rc != 0)
            return sim_errf(e, "%s: %s", pm->name, le.msg);
        if (!pm->capped)
            pm->active = true;
    }
    return 0;
}

void platform_rdma_free(platform *p)
{
    for (size_t i = 0; i < p->npending; i++)
        free(p->pending[i].m.data);
    free(p->pending);
    free(p->carriers);
    free(p->names);
}
