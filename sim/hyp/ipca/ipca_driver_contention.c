/*
 * ipca_driver_contention.c - drivers.ipca pattern contention (H8): M
 * writers, closed loop with think time, into one reader's IPCA or each into
 * its own reader's; a writer whose target is full sleeps until the
 * reader's poll frees a slot; readers sleep until the poll tick a write
 * notified. The driver runs these events in time order (ipca_driver.c).
 * Invariant: each connection's messages in flight are a FIFO, delivered in
 * order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipca_driver_int.h"

/* ---- contention ---- */

unsigned idrv_reader_of(const ictx *d, unsigned i)
{
    return d->c.target == IDRV_ONE ? 0 : i;
}

uint64_t idrv_draw(ictx *d)
{
    return d->c.think ? rng_below(&d->r, 2 * d->c.think + 1) : 0;
}

static int push(iconn *c, uint64_t start, uint64_t len)
{
    if (c->qt - c->qh == c->qcap) {
        uint64_t cap = c->qcap ? 2 * c->qcap : 16;
        imsg *q = malloc(cap * sizeof *q);
        if (!q)
            return -1;
        for (uint64_t i = 0; i < c->qt - c->qh; i++)
            q[i] = c->q[(c->qh + i) % c->qcap];
        free(c->q);
        c->q = q;
        c->qt -= c->qh;
        c->qh = 0;
        c->qcap = cap;
    }
    imsg *m = &c->q[c->qt++ % c->qcap];
    memset(m, 0, sizeof *m);
    m->start = start;
    m->left = len;
    return 0;
}

int idrv_writer_step(ictx *d, unsigned i)
{
    iconn *c = &d->cn[i];
    uint64_t t = d->wnext[i], len = d->c.msg_bytes;
    if (!d->wcur[i]) {
        if (push(c, t, len) != 0)
            return sim_errf(&d->err, "out of host memory");
        if (idrv_produce(d, i, 0, IDRV_BUF_LA, c->sent[0], len) != 0)
            return -1;
        if (!d->st.first_send || t < d->st.first_send)
            d->st.first_send = t;
    }
    hyp_xport_io io = hyp_xport_io_at(t, len - d->wcur[i]);
    if (ipca_transport.send(c->x, 0, IDRV_BUF_LA + d->wcur[i], &io, &d->err) != 0)
        return -1;
    idrv_add_parts(c->q[(c->qt - 1) % c->qcap].part, &io);
    idrv_count(d, &io, true);
    c->sent[0] += io.bytes;
    d->wcur[i] += io.bytes;
    t += idrv_psum(io.part);
    if (t > d->now)
        d->now = t;
    if (io.notify_at != UINT64_MAX) {
        unsigned j = idrv_reader_of(d, i);
        if (io.notify_at < d->rnext[j])
            d->rnext[j] = io.notify_at;
    }
    if (d->wcur[i] == len) {
        d->wcur[i] = 0;
        d->done++;
        d->wnext[i] = ++d->wsent[i] < d->c.ops ? t + idrv_draw(d) : UINT64_MAX;
        return 0;
    }
    hyp_xport_io w = hyp_xport_io_at(t, 0);
    if (ipca_transport.wait(c->x, 0, true, &w)) {
        d->st.room_waits++;
        d->wnext[i] = UINT64_MAX; /* until the reader's poll frees a slot */
    } else {
        d->wnext[i] = t;
    }
    return 0;
}

int idrv_reader_step(ictx *d, unsigned j)
{
    uint64_t t = d->rnext[j], room = (d->c.msg_bytes + 4095) / 4096 * 4096;
    d->st.reader_polls++;
    for (unsigned k = 0; k < d->ncn; k++) {
        if (idrv_reader_of(d, k) != j)
            continue;
        iconn *c = &d->cn[k];
        uint64_t p;
        while ((p = ipca_transport.pending(c->x, 1)) > 0) {
            hyp_xport_io rv = hyp_xport_io_at(t, p < room ? p : room);
            if (ipca_transport.recv(c->x, 1, idrv_rbuf(d, k), &rv, &d->err) != 0 ||
                idrv_check(d, k, 0, idrv_rbuf(d, k), c->recvd[1], rv.bytes) != 0)
                return -1;
            c->recvd[1] += rv.bytes;
            t += idrv_psum(rv.part);
            idrv_count(d, &rv, false);
            if (rv.notify_at != UINT64_MAX && d->wnext[k] == UINT64_MAX &&
                d->wsent[k] < d->c.ops)
                d->wnext[k] = rv.notify_at;
            bool first = true;
            for (uint64_t got = rv.bytes; got;) {
                imsg *m = &c->q[c->qh % c->qcap];
                uint64_t take = m->left < got ? m->left : got;
                if (first)
                    idrv_add_parts(m->part, &rv);
                first = false;
                m->left -= take;
                got -= take;
                if (!m->left) {
                    idrv_record_msg(d, m->start, t, m->part, d->c.msg_bytes);
                    c->qh++;
                }
            }
        }
        hyp_xport_io w = hyp_xport_io_at(t, 0);
        ipca_transport.wait(c->x, 1, false, &w);
    }
    d->rnext[j] = UINT64_MAX;
    if (t > d->now)
        d->now = t;
    return 0;
}

