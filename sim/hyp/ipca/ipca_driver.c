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

#include "ipca_driver_int.h"

unsigned idrv_thread_of(const ictx *d, unsigned lpid) { return lpid % d->env->nthreads; }

static uint8_t pat(unsigned conn, unsigned side, uint64_t pos)
{
    uint64_t x = (pos + 1) * 0x9E3779B97F4A7C15ull ^ ((uint64_t)conn << 32 | side);
    return (uint8_t)(x >> 56);
}

/* The application's data: stream bytes [pos, pos+len) of conn/side into
 * lpid's buffer at la (host-side: producing data is not the transport's). */
int idrv_produce(ictx *d, unsigned k, unsigned side, uint64_t la, uint64_t pos, uint64_t len)
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

int idrv_check(ictx *d, unsigned k, unsigned side, uint64_t la, uint64_t pos, uint64_t len)
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

uint64_t idrv_psum(const uint64_t *p)
{
    uint64_t s = 0;
    for (unsigned i = 0; i < XP_NPARTS; i++)
        s += p[i];
    return s;
}

void idrv_record_msg(ictx *d, uint64_t start, uint64_t end, uint64_t *part, uint64_t bytes)
{
    op_rec o;
    op_begin(&o, start);
    uint64_t other = idrv_psum(part) - part[XP_WAIT];
    part[XP_WAIT] = end - start > other ? end - start - other : 0;
    for (unsigned i = 0; i < XP_NPARTS; i++)
        op_charge(&o, i, part[i]);
    ops_record(d->env->ops, d->op_msg, &o);
    d->st.messages++;
    d->st.bytes += bytes;
    if (end > d->st.last_delivery)
        d->st.last_delivery = end;
}

void idrv_count(ictx *d, const hyp_xport_io *io, bool tx)
{
    d->st.lines_copied += io->lines_copied;
    if (tx)
        d->st.tx_cycles += idrv_psum(io->part);
    else
        d->st.rx_cycles += idrv_psum(io->part);
}

void idrv_add_parts(uint64_t *to, const hyp_xport_io *io)
{
    for (unsigned i = 0; i < XP_NPARTS; i++)
        to[i] += io->part[i];
}

/* Receive buffer of connection k on its receiving side s. */
uint64_t idrv_rbuf(const ictx *d, unsigned k)
{
    return IDRV_BUF_LA + (1 + k) * ((d->c.msg_bytes + 4095) / 4096 * 4096);
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
            hyp_xport_io io = hyp_xport_io_at(d->now, 0);
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
    hyp_xport_end ends[2] = {{a, idrv_thread_of(d, a), IDRV_BUF_LA, d->c.msg_bytes},
                             {b, idrv_thread_of(d, b), idrv_rbuf(d, k), d->c.msg_bytes}};
    hyp_xport_io io = hyp_xport_io_at(d->now, 0);
    unsigned reason = 0;
    if (ipca_transport.open(d->f, ends, &io, &c->x, &reason, e) != 0)
        return sim_err_prefix(e, "drivers.ipca");
    d->now += idrv_psum(io.part);
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
    uint64_t top = IDRV_BUF_LA + (1 + ncn) * room, lim = c->lpar_memory - f->cfg.size -
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
                            HYP_XPORT_MSG_DESC, parts);
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
            if (open_conn(d, i, d->first + i, d->first + m + idrv_reader_of(d, i), e) != 0)
                goto fail;
        for (unsigned i = 0; i < m; i++) {
            hyp_xport_io w = hyp_xport_io_at(d->now, 0);
            ipca_transport.wait(d->cn[i].x, 1, false, &w);
            d->wnext[i] = c->ops ? d->now + idrv_draw(d) : UINT64_MAX;
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
        rc = idrv_notice_round(d);
        d->done++;
        d->now += idrv_draw(d);
    } else {
        idrv_next_who(d, &who);
        if (who < 0)
            return 0;
        rc = (unsigned)who < d->c.writers ? idrv_writer_step(d, (unsigned)who)
                                          : idrv_reader_step(d, (unsigned)who - (unsigned)d->c.writers);
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

