/*
 * ipca_driver_notices.c - drivers.ipca pattern notices: one round per step,
 * host-atomic and after the previous one. A DLPAR-style notice X -> Y (Y
 * finds it at its next poll tick and replies, X finds the reply at its
 * next tick), or a broadcast to ALL in slot 0 of every IPCA (each receiver
 * reads it at its next tick), and optionally an outsider (one more
 * generated LPAR, no IPCA, no connection) reading Y's IPCA (H9).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipca_driver_int.h"

/* ---- notices ---- */

/* One message on connection k from side s at *t: sent, found at the
 * receiver's next poll tick, received; *t becomes the delivery cycle. */
static int one_way(ictx *d, unsigned k, unsigned s, uint64_t *t, uint64_t *part)
{
    iconn *c = &d->cn[k];
    uint64_t len = d->c.msg_bytes, start = *t, got = 0, mp[XP_NPARTS] = {0};
    hyp_xport_io w = hyp_xport_io_at(*t, 0);
    ipca_transport.wait(c->x, 1 - s, false, &w); /* the receiver sleeps */
    if (idrv_produce(d, k, s, IDRV_BUF_LA, c->sent[s], len) != 0)
        return -1;
    hyp_xport_io io = hyp_xport_io_at(*t, len);
    if (ipca_transport.send(c->x, s, IDRV_BUF_LA, &io, &d->err) != 0)
        return -1;
    if (io.bytes != len)
        return sim_errf(&d->err, "drivers.ipca: a notice of %llu bytes did not fit the peer's "
                                 "free slots; expected a smaller msg_bytes or a larger "
                                 "hypervisor.ipca.size", (unsigned long long)len);
    idrv_add_parts(mp, &io);
    idrv_count(d, &io, true);
    uint64_t at = io.notify_at != UINT64_MAX ? io.notify_at : *t + idrv_psum(io.part);
    while (got < len) {
        hyp_xport_io rv = hyp_xport_io_at(at, len - got);
        if (ipca_transport.recv(c->x, 1 - s, idrv_rbuf(d, k) + got, &rv, &d->err) != 0)
            return -1;
        idrv_add_parts(mp, &rv);
        idrv_count(d, &rv, false);
        at += idrv_psum(rv.part);
        got += rv.bytes;
        if (!rv.bytes)
            return sim_errf(&d->err, "drivers.ipca: a notice was not found by its receiver");
    }
    if (idrv_check(d, k, s, idrv_rbuf(d, k), c->sent[s], len) != 0)
        return -1;
    c->sent[s] += len;
    memcpy(part, mp, sizeof mp);
    idrv_record_msg(d, start, at, mp, len);
    *t = at;
    return 0;
}

static unsigned pair_conn(const ictx *d, unsigned x, unsigned y, unsigned *side)
{
    *side = 0;
    for (unsigned k = 0; k < d->ncn; k++)
        if ((d->cn[k].lp[0] == x && d->cn[k].lp[1] == y) ||
            (d->cn[k].lp[1] == x && d->cn[k].lp[0] == y)) {
            *side = d->cn[k].lp[0] == x ? 0 : 1;
            return k;
        }
    return 0;
}

static int broadcast(ictx *d, unsigned x, uint64_t t)
{
    ipca *f = d->f;
    uint64_t len = d->c.msg_bytes, la, size, start = t, last = t;
    ipca_area_of(f, x, &la, &size);
    uint64_t stage = la - f->cfg.slot_bytes, args[8] = {IPCA_ALL, 0, stage, IPCA_HDR + len},
             rets[8] = {0}, cyc = 0;
    uint8_t hdr[IPCA_HDR] = {1};
    physmem_write_bytes(d->env->pm, hyp_logical_to_real(d->h, x, stage), hdr, sizeof hdr);
    t += mem_access(d->env->ports[idrv_thread_of(d, x)], hyp_logical_to_real(d->h, x, stage),
                    IPCA_HDR, MEM_WRITE, t);
    long rc;
    while ((rc = hyp_hcall(d->h, x, idrv_thread_of(d, x), t, H_IPCA_WRITE, args, rets, &cyc)) ==
           H_BUSY)
        t += cyc;
    t += cyc;
    if (rc != H_SUCCESS)
        return sim_errf(&d->err, "drivers.ipca: a broadcast's H_IPCA_WRITE by %s was refused "
                                 "(%ld)", hyp_lpar_name(d->h, x), rc);
    /* each receiver finds slot 0 at its next tick: scan, copy out, mark read */
    for (unsigned i = 0; i < d->n; i++) {
        unsigned z = d->first + i;
        uint64_t zl, zs;
        if (z == x || !ipca_area_of(f, z, &zl, &zs))
            continue;
        uint64_t at = ipca_next_poll(f, z, t);
        at += zs / f->cfg.slot_bytes * f->cfg.scan_cycles_per_slot;
        mem_copy_res r;
        if (hyp_copy(d->h, idrv_thread_of(d, z), at, hyp_logical_to_real(d->h, z, IDRV_BUF_LA),
                     hyp_logical_to_real(d->h, z, zl + IPCA_HDR), len, &r) != 0)
            return sim_errf(&d->err, "out of host memory");
        at += r.cycles;
        uint8_t zero[IPCA_HDR] = {0};
        physmem_write_bytes(d->env->pm, hyp_logical_to_real(d->h, z, zl), zero, sizeof zero);
        if (at > last)
            last = at;
        d->st.broadcast_deliveries++;
    }
    op_rec o;
    op_begin(&o, start);
    op_charge(&o, 0, last - start);
    ops_record(d->env->ops, d->op_bcast, &o);
    d->now = last;
    return 0;
}

int idrv_notice_round(ictx *d)
{
    unsigned x = d->first + (unsigned)rng_below(&d->r, d->n), y;
    do
        y = d->first + (unsigned)rng_below(&d->r, d->n);
    while (y == x);
    double u = rng_double(&d->r), v = rng_double(&d->r);
    uint64_t t = d->now;
    if (!d->st.first_send)
        d->st.first_send = t;
    if (u < d->c.broadcast_fraction) {
        d->st.broadcasts++;
        return broadcast(d, x, t);
    }
    if (v < d->c.snoop_fraction) {
        unsigned z = d->first + d->n; /* the outsider */
        uint64_t args[8] = {y, 0, IDRV_BUF_LA, 128}, rets[8], cyc = 0;
        ipca *f = d->f;
        f->last_copy = f->last_queue = 0;
        long rc = hyp_hcall(d->h, z, idrv_thread_of(d, z), t, H_IPCA_READ, args, rets, &cyc);
        ipca_record(f, f->op_read, t, cyc - f->last_copy - f->last_queue, f->last_queue,
                    f->last_copy, 0);
        if (rc == H_SUCCESS)
            d->st.snoops++;
        else if (rc == H_AUTHORITY)
            d->st.snoops_refused++;
        else if (rc != H_BUSY)
            return sim_errf(&d->err, "drivers.ipca: a third-party H_IPCA_READ by %s was "
                                     "refused (%ld)", hyp_lpar_name(d->h, z), rc);
    }
    unsigned s, k = pair_conn(d, x, y, &s);
    uint64_t p1[XP_NPARTS], p2[XP_NPARTS], start = t;
    if (one_way(d, k, s, &t, p1) != 0 || one_way(d, k, 1 - s, &t, p2) != 0)
        return -1;
    op_rec o;
    op_begin(&o, start);
    op_charge(&o, 0, t - start);
    ops_record(d->env->ops, d->op_notice, &o);
    d->st.notices++;
    d->now = t;
    return 0;
}

