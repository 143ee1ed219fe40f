/*
 * ipca_driver.c - the IPCA workload driver (drivers.ipca): seeded,
 * deterministic traffic over transport "ipca" between generated bare LPARs
 * i0, i1, ... (no vCPUs, as the SMR driver's): each makes its hcalls at its
 * own clock on hardware thread lpid % threads.
 *  - notices: rounds, one per step, each host-atomic and after the previous
 *    one: a DLPAR-style notice X -> Y (Y finds it at its next poll tick and
 *    replies, X finds the reply at its next tick), or a broadcast to ALL in
 *    slot 0 of every IPCA (each receiver reads it at its next tick), and
 *    optionally an outsider (one more generated LPAR, no IPCA, no
 *    connection) reading Y's IPCA (H9).
 *  - contention: M writers, closed loop with think time, into one reader's
 *    IPCA or each into its own reader's; readers sleep until the poll tick
 *    a write notified; events run in time order (H8).
 * Every message is checked byte for byte against what its connection sent
 * (a stream pattern), and recorded as op ipca.msg (HYP_XPORT_PARTS; wait is
 * what the other parts leave of send start -> last byte delivered).
 * Errors: any unexpected refusal stops the run naming the hcall.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "ipca_driver_int.h"

#define BUF_LA (1ull << 20) /* every LPAR's buffers start at logical 1M */

typedef struct imsg {
    uint64_t start, left, part[XP_NPARTS];
} imsg;

typedef struct iconn {
    void *x;
    unsigned lp[2];           /* lpids of side 0 and side 1 */
    uint64_t sent[2], recvd[2]; /* stream positions by sending / receiving side */
    imsg *q;                  /* contention: messages in flight (side 0 -> 1) */
    uint64_t qh, qt, qcap;
} iconn;

typedef struct ictx {
    hyp *h;
    const hyp_env *env;
    ipca *f;
    idrv_config c;
    rng r;
    unsigned first, n;        /* lpid of i0, LPARs */
    iconn *cn;
    unsigned ncn;
    uint64_t now, done, total;
    op_id op_msg, op_notice, op_bcast;
    /* contention */
    uint64_t *wnext, *wsent, *wcur; /* per writer: next event, messages sent, bytes of current */
    uint64_t *rnext;                /* per reader */
    unsigned nreaders;
    idrv_stats st;
    sim_err err;
} ictx;

static unsigned thread_of(const ictx *d, unsigned lpid) { return lpid % d->env->nthreads; }

static uint8_t pat(unsigned conn, unsigned side, uint64_t pos)
{
    uint64_t x = (pos + 1) * 0x9E3779B97F4A7C15ull ^ ((uint64_t)conn << 32 | side);
    return (uint8_t)(x >> 56);
}

/* The application's data: stream bytes [pos, pos+len) of conn/side into
 * lpid's buffer at la (host-side: producing data is not the transport's). */
static int produce(ictx *d, unsigned k, unsigned side, uint64_t la, uint64_t pos, uint64_t len)
{
    uint8_t b[4096];
    for (uint64_t o = 0; o < len; o += sizeof b) {
        uint64_t n = len - o < sizeof b ? len - o : sizeof b;
        for (uint64_t i = 0; i < n; i++)
            b[i] = pat(k, side, pos + o + i);
        uint64_t ra = hyp_logical_to_real(d->h, d->cn[k].lp[side], la + o);
        if (physmem_write_bytes(d->env->pm, ra, b, n) != 0)
            return sim_errf(&d->err, "out of host memory");
    }
    return 0;
}

static int check(ictx *d, unsigned k, unsigned side, uint64_t la, uint64_t pos, uint64_t len)
{
    uint8_t b[4096];
    unsigned rx = d->cn[k].lp[1 - side];
    for (uint64_t o = 0; o < len; o += sizeof b) {
        uint64_t n = len - o < sizeof b ? len - o : sizeof b;
        physmem_read_bytes(d->env->pm, hyp_logical_to_real(d->h, rx, la + o), b, n);
        for (uint64_t i = 0; i < n; i++)
            if (b[i] != pat(k, side, pos + o + i))
                return sim_errf(&d->err, "drivers.ipca: connection %u: byte %llu received by "
                                         "%s differs from the one sent",
                                k, (unsigned long long)(pos + o + i), hyp_lpar_name(d->h, rx));
    }
    return 0;
}

static uint64_t psum(const uint64_t *p)
{
    uint64_t s = 0;
    for (unsigned i = 0; i < XP_NPARTS; i++)
        s += p[i];
    return s;
}

static void record_msg(ictx *d, uint64_t start, uint64_t end, uint64_t *part, uint64_t bytes)
{
    op_rec o;
    op_begin(&o, start);
    uint64_t other = psum(part) - part[XP_WAIT];
    part[XP_WAIT] = end - start > other ? end - start - other : 0;
    for (unsigned i = 0; i < XP_NPARTS; i++)
        op_charge(&o, i, part[i]);
    ops_record(d->env->ops, d->op_msg, &o);
    d->st.messages++;
    d->st.bytes += bytes;
    if (end > d->st.last_delivery)
        d->st.last_delivery = end;
}

static hyp_xport_io io_at(uint64_t at, uint64_t bytes)
{
    hyp_xport_io io;
    memset(&io, 0, sizeof io);
    io.at = at;
    io.bytes = bytes;
    io.notify_at = UINT64_MAX;
    return io;
}

static void add_parts(uint64_t *to, const hyp_xport_io *io)
{
    for (unsigned i = 0; i < XP_NPARTS; i++)
        to[i] += io->part[i];
}

/* Receive buffer of connection k on its receiving side s. */
static uint64_t rbuf(const ictx *d, unsigned k)
{
    return BUF_LA + (1 + k) * ((d->c.msg_bytes + 4095) / 4096 * 4096);
}

/* ---- notices ---- */

/* One message on connection k from side s at *t: sent, found at the
 * receiver's next poll tick, received; *t becomes the delivery cycle. */
static int one_way(ictx *d, unsigned k, unsigned s, uint64_t *t, uint64_t *part)
{
    iconn *c = &d->cn[k];
    uint64_t len = d->c.msg_bytes, start = *t, got = 0, mp[XP_NPARTS] = {0};
    hyp_xport_io w = io_at(*t, 0);
    ipca_transport.wait(c->x, 1 - s, false, &w); /* the receiver sleeps */
    if (produce(d, k, s, BUF_LA, c->sent[s], len) != 0)
        return -1;
    hyp_xport_io io = io_at(*t, len);
    if (ipca_transport.send(c->x, s, BUF_LA, &io, &d->err) != 0)
        return -1;
    if (io.bytes != len)
        return sim_errf(&d->err, "drivers.ipca: a notice of %llu bytes did not fit the peer's "
                                 "free slots; expected a smaller msg_bytes or a larger "
                                 "hypervisor.ipca.size", (unsigned long long)len);
    add_parts(mp, &io);
    uint64_t at = io.notify_at != UINT64_MAX ? io.notify_at : *t + psum(io.part);
    while (got < len) {
        hyp_xport_io rv = io_at(at, len - got);
        if (ipca_transport.recv(c->x, 1 - s, rbuf(d, k) + got, &rv, &d->err) != 0)
            return -1;
        add_parts(mp, &rv);
        at += psum(rv.part);
        got += rv.bytes;
        if (!rv.bytes)
            return sim_errf(&d->err, "drivers.ipca: a notice was not found by its receiver");
    }
    if (check(d, k, s, rbuf(d, k), c->sent[s], len) != 0)
        return -1;
    c->sent[s] += len;
    memcpy(part, mp, sizeof mp);
    record_msg(d, start, at, mp, len);
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
    t += mem_access(d->env->ports[thread_of(d, x)], hyp_logical_to_real(d->h, x, stage),
                    IPCA_HDR, MEM_WRITE, t);
    long rc;
    while ((rc = hyp_hcall(d->h, x, thread_of(d, x), t, H_IPCA_WRITE, args, rets, &cyc)) ==
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
        if (hyp_copy(d->h, thread_of(d, z), at, hyp_logical_to_real(d->h, z, BUF_LA),
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

static int notice_round(ictx *d)
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
        uint64_t args[8] = {y, 0, BUF_LA, 128}, rets[8], cyc = 0;
        long rc = hyp_hcall(d->h, z, thread_of(d, z), t, H_IPCA_READ, args, rets, &cyc);
        ipca_record(d->f, d->f->op_read, t, cyc, 0, 0, 0);
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

/* ---- contention ---- */

static unsigned reader_of(const ictx *d, unsigned i)
{
    return d->c.target == IDRV_ONE ? 0 : i;
}

static uint64_t draw(ictx *d)
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

static int writer_step(ictx *d, unsigned i)
{
    iconn *c = &d->cn[i];
    uint64_t t = d->wnext[i], len = d->c.msg_bytes;
    if (!d->wcur[i]) {
        if (push(c, t, len) != 0)
            return sim_errf(&d->err, "out of host memory");
        if (produce(d, i, 0, BUF_LA, c->sent[0], len) != 0)
            return -1;
        if (!d->st.first_send || t < d->st.first_send)
            d->st.first_send = t;
    }
    hyp_xport_io io = io_at(t, len - d->wcur[i]);
    if (ipca_transport.send(c->x, 0, BUF_LA + d->wcur[i], &io, &d->err) != 0)
        return -1;
    add_parts(c->q[(c->qt - 1) % c->qcap].part, &io);
    c->sent[0] += io.bytes;
    d->wcur[i] += io.bytes;
    t += psum(io.part);
    if (t > d->now)
        d->now = t;
    if (io.notify_at != UINT64_MAX) {
        unsigned j = reader_of(d, i);
        if (io.notify_at < d->rnext[j])
            d->rnext[j] = io.notify_at;
    }
    if (d->wcur[i] == len) {
        d->wcur[i] = 0;
        d->done++;
        d->wnext[i] = ++d->wsent[i] < d->c.ops ? t + draw(d) : UINT64_MAX;
        return 0;
    }
    hyp_xport_io w = io_at(t, 0);
    if (ipca_transport.wait(c->x, 0, true, &w)) {
        d->st.room_waits++;
        d->wnext[i] = UINT64_MAX; /* until the reader's poll frees a slot */
    } else {
        d->wnext[i] = t;
    }
    return 0;
}

static int reader_step(ictx *d, unsigned j)
{
    uint64_t t = d->rnext[j], room = (d->c.msg_bytes + 4095) / 4096 * 4096;
    d->st.reader_polls++;
    for (unsigned k = 0; k < d->ncn; k++) {
        if (reader_of(d, k) != j)
            continue;
        iconn *c = &d->cn[k];
        uint64_t p;
        while ((p = ipca_transport.pending(c->x, 1)) > 0) {
            hyp_xport_io rv = io_at(t, p < room ? p : room);
            if (ipca_transport.recv(c->x, 1, rbuf(d, k), &rv, &d->err) != 0 ||
                check(d, k, 0, rbuf(d, k), c->recvd[1], rv.bytes) != 0)
                return -1;
            c->recvd[1] += rv.bytes;
            t += psum(rv.part);
            if (rv.notify_at != UINT64_MAX && d->wnext[k] == UINT64_MAX &&
                d->wsent[k] < d->c.ops)
                d->wnext[k] = rv.notify_at;
            bool first = true;
            for (uint64_t got = rv.bytes; got;) {
                imsg *m = &c->q[c->qh % c->qcap];
                uint64_t take = m->left < got ? m->left : got;
                if (first)
                    add_parts(m->part, &rv);
                first = false;
                m->left -= take;
                got -= take;
                if (!m->left) {
                    record_msg(d, m->start, t, m->part, d->c.msg_bytes);
                    c->qh++;
                }
            }
        }
        hyp_xport_io w = io_at(t, 0);
        ipca_transport.wait(c->x, 1, false, &w);
    }
    d->rnext[j] = UINT64_MAX;
    if (t > d->now)
        d->now = t;
    return 0;
}

/* ---- driver ---- */

static unsigned idrv_lpars_fn(const void *cfg, uint64_t *memory, uint64_t *hpt_bytes,
                              unsigned max)
{
    const idrv_config *c = cfg;
    uint64_t n = idrv_lpars(c);
    for (unsigned i = 0; i < n && i < max; i++) {
        memory[i] = c->lpar_memory;
        hpt_bytes[i] = 0;
    }
    return (unsigned)n;
}

static void idrv_destroy(void *vd)
{
    ictx *d = vd;
    if (!d)
        return;
    for (unsigned k = 0; k < d->ncn; k++) {
        if (d->cn[k].x) {
            hyp_xport_io io = io_at(d->now, 0);
            ipca_transport.close(d->cn[k].x, &io, &d->err);
        }
        free(d->cn[k].q);
    }
    free(d->cn);
    free(d->wnext);
    free(d->wsent);
    free(d->wcur);
    free(d->rnext);
    free(d);
}

static int open_conn(ictx *d, unsigned k, unsigned a, unsigned b, sim_err *e)
{
    iconn *c = &d->cn[k];
    c->lp[0] = a;
    c->lp[1] = b;
    hyp_xport_end ends[2] = {{a, thread_of(d, a), BUF_LA, d->c.msg_bytes},
                             {b, thread_of(d, b), rbuf(d, k), d->c.msg_bytes}};
    hyp_xport_io io = io_at(d->now, 0);
    unsigned reason = 0;
    if (ipca_transport.open(d->f, ends, &io, &c->x, &reason, e) != 0)
        return sim_err_prefix(e, "drivers.ipca");
    d->now += psum(io.part);
    return 0;
}

static void *idrv_create(const hyp_driver_env *env, const void *cfg, sim_err *e)
{
    const idrv_config *c = cfg;
    ipca *f = hyp_ipca(env->h);
    if (!f) {
        sim_errf(e, "drivers.ipca.enabled: the IPCA workload needs the IPCA feature; expected "
                    "hypervisor.ipca.enabled: true");
        return NULL;
    }
    uint64_t n = idrv_lpars(c), room = (c->msg_bytes + 4095) / 4096 * 4096;
    uint64_t ncn = c->pattern == IDRV_NOTICES ? c->lpars * (c->lpars - 1) / 2 : c->writers;
    uint64_t top = BUF_LA + (1 + ncn) * room, lim = c->lpar_memory - f->cfg.size -
                                                     f->cfg.slot_bytes;
    if (c->lpar_memory <= f->cfg.size + f->cfg.slot_bytes || top > lim ||
        top > hyp_lmb_size(env->h)) {
        sim_errf(e, "drivers.ipca: %llu connections' buffers of %llu bytes (from 1M) do not fit "
                    "below the IPCA of a %llu-byte LPAR within its first LMB; expected a smaller "
                    "msg_bytes or a larger lpar_memory", (unsigned long long)ncn,
                 (unsigned long long)room, (unsigned long long)c->lpar_memory);
        return NULL;
    }
    uint64_t cap = (f->cfg.size / f->cfg.slot_bytes - 1) * (f->cfg.slot_bytes - IPCA_HDR);
    if (c->pattern == IDRV_NOTICES && c->msg_bytes > cap) {
        sim_errf(e, "drivers.ipca.msg_bytes: %llu; a notice must fit an IPCA's slots (%llu "
                    "bytes with hypervisor.ipca.size and slot_bytes)",
                 (unsigned long long)c->msg_bytes, (unsigned long long)cap);
        return NULL;
    }
    if (c->pattern == IDRV_NOTICES && c->msg_bytes > f->cfg.slot_bytes - IPCA_HDR &&
        c->broadcast_fraction > 0) {
        sim_errf(e, "drivers.ipca.msg_bytes: %llu; a broadcast is one slot (%llu payload bytes); "
                    "expected broadcast_fraction 0 or a smaller msg_bytes",
                 (unsigned long long)c->msg_bytes,
                 (unsigned long long)(f->cfg.slot_bytes - IPCA_HDR));
        return NULL;
    }
    ictx *d = calloc(1, sizeof *d);
    if (!d) {
        sim_errf(e, "out of host memory");
        return NULL;
    }
    d->h = env->h;
    d->env = env->env;
    d->f = f;
    d->c = *c;
    d->n = (unsigned)(c->pattern == IDRV_NOTICES ? c->lpars : n); /* participants */
    d->st.freq_mhz = env->env->freq_mhz;
    rng_seed(&d->r, rng_derive(env->seed, 0x49504341));
    d->first = hyp_lpar_count(env->h);
    for (unsigned i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "i%u", i);
        if (hyp_lpar_create(env->h, name, c->lpar_memory, 0, e) < 0) {
            sim_err_prefix(e, "drivers.ipca: generated LPAR %s", name);
            goto fail;
        }
    }
    d->ncn = (unsigned)ncn;
    d->cn = calloc(ncn, sizeof *d->cn);
    if (!d->cn)
        goto oom;
    const char *parts = HYP_XPORT_PARTS;
    d->op_msg = ops_declare(d->env->ops, "ipca.msg",
                            "one message of transport ipca: send start to the last byte in the "
                            "receiver's user buffer", parts);
    d->op_notice = ops_declare(d->env->ops, "ipca.notice",
                               "drivers.ipca: a notice and its reply, round trip", "total");
    d->op_bcast = ops_declare(d->env->ops, "ipca.broadcast",
                              "drivers.ipca: a broadcast, send start to the last receiver's "
                              "copy", "total");
    if (d->op_msg == OP_INVALID || d->op_notice == OP_INVALID || d->op_bcast == OP_INVALID ||
        stats_register(d->env->stats, "drivers.ipca", &idrv_stat_table, &d->st) != 0)
        goto oom;
    if (c->pattern == IDRV_NOTICES) {
        unsigned k = 0;
        for (unsigned a = 0; a < d->n; a++)
            for (unsigned b = a + 1; b < d->n; b++)
                if (open_conn(d, k++, d->first + a, d->first + b, e) != 0)
                    goto fail;
        d->total = c->ops;
    } else {
        unsigned m = (unsigned)c->writers, nr = c->target == IDRV_ONE ? 1 : m;
        d->nreaders = nr;
        d->wnext = calloc(m, 8);
        d->wsent = calloc(m, 8);
        d->wcur = calloc(m, 8);
        d->rnext = calloc(nr, 8);
        if (!d->wnext || !d->wsent || !d->wcur || !d->rnext)
            goto oom;
        for (unsigned i = 0; i < m; i++)
            if (open_conn(d, i, d->first + i, d->first + m + reader_of(d, i), e) != 0)
                goto fail;
        for (unsigned i = 0; i < m; i++) {
            hyp_xport_io w = io_at(d->now, 0);
            ipca_transport.wait(d->cn[i].x, 1, false, &w);
            d->wnext[i] = c->ops ? d->now + draw(d) : UINT64_MAX;
        }
        for (unsigned j = 0; j < nr; j++)
            d->rnext[j] = UINT64_MAX;
        d->total = c->ops * m;
    }
    return d;
oom:
    sim_errf(e, "out of host memory");
fail:
    idrv_destroy(d);
    return NULL;
}

/* The next event: notices, the next round; contention, the earliest
 * writer or reader (writers first on ties, then by index). */
static uint64_t idrv_next_who(const ictx *d, int *who)
{
    uint64_t best = UINT64_MAX;
    *who = -1;
    if (d->c.pattern == IDRV_NOTICES)
        return d->done < d->total ? d->now : UINT64_MAX;
    for (unsigned i = 0; i < d->c.writers; i++)
        if (d->wnext[i] < best)
            best = d->wnext[i], *who = (int)i;
    for (unsigned j = 0; j < d->nreaders; j++)
        if (d->rnext[j] < best)
            best = d->rnext[j], *who = (int)(d->c.writers + j);
    return best;
}

static uint64_t idrv_next(const void *vd)
{
    int who;
    return idrv_next_who(vd, &who);
}

static int idrv_step(void *vd, sim_err *e)
{
    ictx *d = vd;
    int who, rc;
    if (d->c.pattern == IDRV_NOTICES) {
        rc = notice_round(d);
        d->done++;
        d->now += draw(d);
    } else {
        idrv_next_who(d, &who);
        if (who < 0)
            return 0;
        rc = (unsigned)who < d->c.writers ? writer_step(d, (unsigned)who)
                                          : reader_step(d, (unsigned)who - (unsigned)d->c.writers);
    }
    if (rc != 0 || d->err.msg[0]) {
        *e = d->err;
        return -1;
    }
    return 0;
}

static uint64_t idrv_now(const void *vd) { return ((const ictx *)vd)->now; }

static void idrv_progress(const void *vd, uint64_t *done, uint64_t *total)
{
    const ictx *d = vd;
    *done = d->done;
    *total = d->total;
}

const hyp_driver ipca_driver = {
    .name = "ipca",
    .params = &ipca_driver_params,
    .lpars = idrv_lpars_fn,
    .create = idrv_create,
    .destroy = idrv_destroy,
    .next = idrv_next,
    .step = idrv_step,
    .now = idrv_now,
    .progress = idrv_progress,
    .bare_lpars = true,
};
