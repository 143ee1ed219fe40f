/*
 * comm_remote.c - drivers.comm across machines (drivers.comm.remote): this
 * machine runs one endpoint (role client or server) of a connection whose
 * other endpoint is the comm driver of another machine of the platform,
 * and the bytes take the RDMA path (seed 001 S12: a peer on another CEC is
 * reached by RDMA to its remote memory buffer, SMC-R's RMB):
 *  - set-up: the client's proposal and the server's accept, control
 *    messages carrying each side's LPAR and buffer addresses (the CLC
 *    handshake SMC-R does over TCP): one round trip before the first
 *    message;
 *  - a message: the sender copies it from its user buffer to its send
 *    buffer (copy_tx), posts an RDMA write of it into the peer's RMB at its
 *    producer cursor (two where the ring wraps: tx_stack) and one of a CDC
 *    message into the peer's CDC slot (signal); the receiving adapter's
 *    completion interrupts the receiver if it waits (delivery, handler,
 *    and the wake-up from cede after snooze_cycles), which copies the bytes
 *    from its RMB to its user buffer (copy_rx), checked by the auditor.
 * Pattern pingpong only. The receiver records the message op
 * <transport>.msg from the send start and the sender's parts, which the
 * CDC carries (the machines share one clock): the op spans both machines,
 * and the adapters' and the link's time is its wait part. The CDC is 64
 * bytes here (SMC-R's is 44): its extra words are those timing figures.
 * Determinism: the audit stream's seed comes from the two machine names,
 * so both sides generate the same bytes whatever their machine.seed.
 * Invariant: a side never writes more than rmb bytes ahead of what the
 * peer has consumed (the CDC carries the consumer cursor back).
 */
#include <stdlib.h>
#include <string.h>

#include "comm_driver_int.h"

enum { EV_PROPOSE = 1, EV_ACCEPT = 2, EV_DATA = 3, EV_CDC = 4 };
enum { ST_INIT, ST_WAIT_ACCEPT, ST_SEND, ST_WAIT_MSG, ST_WAIT_PROPOSE, ST_DONE };
#define CDC_BYTES 64u

static uint64_t max64(uint64_t a, uint64_t b) { return a > b ? a : b; }

static int sink(void *ctx, const hyp_rdma_msg *m, sim_err *e)
{
    comm_drv *d = ctx;
    comm_remote *r = d->rm;
    if (m->tag == EV_DATA)
        return 0; /* bytes landed in our RMB; the CDC behind them tells */
    if (r->n == r->cap) {
        unsigned cap = r->cap ? 2 * r->cap : 8;
        rmt_ev *q = malloc(cap * sizeof *q);
        if (!q)
            return sim_errf(e, "out of host memory");
        for (unsigned i = 0; i < r->n; i++)
            q[i] = r->q[(r->head + i) % r->cap];
        free(r->q);
        r->q = q;
        r->cap = cap;
        r->head = 0;
    }
    rmt_ev *v = &r->q[(r->head + r->n++) % r->cap];
    memset(v, 0, sizeof *v);
    v->at = m->arrival;
    v->type = (unsigned)m->tag;
    if (m->lpid == HYP_RDMA_CONTROL)
        memcpy(v->w, m->data, m->len < sizeof v->w ? m->len : sizeof v->w);
    else /* the CDC landed in our slot: read it from memory */
        comm_read_la(d->h, d->ep[0].lpid, r->cdc_la, v->w, CDC_BYTES);
    return 0;
}

int comm_remote_create(comm_drv *d, sim_err *e)
{
    const comm_driver_config *c = &d->c;
    if (!d->t->rdma_across)
        return sim_errf(e, "drivers.comm.remote: transport %s has no path to another machine; "
                           "expected a transport with an RDMA path (docs/comm.md)", d->t->name);
    if (c->pattern != PAT_PINGPONG)
        return sim_errf(e, "drivers.comm.pattern: only pingpong runs across machines "
                           "(drivers.comm.remote) so far");
    if (d->msgmax > c->rmb)
        return sim_errf(e, "drivers.comm.rmb: %llu bytes, but messages of %llu bytes cross "
                           "machines; expected rmb >= the largest message",
                        (unsigned long long)c->rmb, (unsigned long long)d->msgmax);
    endpoint *ep = &d->ep[0];
    uint64_t base = ep->region, end = base + 2 * c->rmb + 2 * CDC_BYTES;
    if (end > c->lpar_memory / 2 || end > hyp_lmb_size(d->h))
        return sim_errf(e, "drivers.comm.rmb: %llu bytes do not fit beside the user buffers in "
                           "the first LMB and the lower half of lpar_memory",
                        (unsigned long long)c->rmb);
    comm_remote *r = calloc(1, sizeof *r);
    if (!r)
        return sim_errf(e, "out of host memory");
    d->rm = r;
    r->peer = -1;
    r->sndbuf_la = base;
    r->rmb_la = base + c->rmb;
    r->cdc_la = base + 2 * c->rmb;
    if (hyp_rdma_set_sink(d->h, sink, d) != 0)
        return sim_errf(e, "drivers.comm.remote: another driver of this machine receives its "
                           "RDMA writes");
    char name[96];
    snprintf(name, sizeof name, "%s.msg", d->t->name);
    r->op = ops_declare(d->env->ops, name, HYP_XPORT_MSG_DESC, HYP_XPORT_PARTS);
    if (r->op == OP_INVALID)
        return sim_errf(e, "drivers.comm: op %s declared with other parts", name);
    return 0;
}

void comm_remote_destroy(comm_drv *d)
{
    if (d->rm) {
        hyp_rdma_set_sink(d->h, NULL, NULL);
        free(d->rm->q);
        free(d->rm);
        d->rm = NULL;
    }
}

uint64_t comm_remote_next(const comm_drv *d)
{
    const comm_remote *r = d->rm;
    if (d->failed || r->state == ST_DONE)
        return UINT64_MAX;
    if (r->state == ST_INIT || r->state == ST_SEND)
        return d->ep[0].clock;
    return r->n ? max64(r->q[r->head].at, d->ep[0].clock) : UINT64_MAX;
}

static uint64_t name_hash(const char *s)
{
    uint64_t x = 1469598103934665603ull;
    for (; *s; s++)
        x = (x ^ (unsigned char)*s) * 1099511628211ull;
    return x;
}

/* The peer's index; the audit seed from both names in a fixed order, so
 * both sides draw the same stream. */
static int resolve(comm_drv *d, sim_err *e)
{
    comm_remote *r = d->rm;
    const char *self = hyp_rdma_self_name(d->h);
    r->peer = self ? hyp_rdma_machine(d->h, d->c.remote) : -1;
    if (r->peer < 0 || !strcmp(self, d->c.remote))
        return sim_errf(e, "drivers.comm.remote: '%s' is not another machine of this platform "
                           "(run a platform file whose machines include it)", d->c.remote);
    bool lo = strcmp(self, d->c.remote) < 0;
    uint64_t a = name_hash(lo ? self : d->c.remote), b = name_hash(lo ? d->c.remote : self);
    d->seed = rng_derive(a * 31 + b, 0x52444d41);
    return 0;
}

static int control(comm_drv *d, unsigned type, sim_err *e)
{
    comm_remote *r = d->rm;
    endpoint *ep = &d->ep[0];
    uint64_t w[4] = {ep->lpid, r->rmb_la, r->cdc_la, d->c.rmb}, cyc, arr;
    if (hyp_rdma_control(d->h, ep->clock, (unsigned)r->peer, w, sizeof w, type, &cyc, &arr, e))
        return -1;
    ep->clock += cyc;
    return 0;
}

static int send_msg(comm_drv *d, uint64_t size, sim_err *e)
{
    comm_remote *r = d->rm;
    endpoint *ep = &d->ep[0];
    hyp *h = d->h;
    unsigned dir = d->c.role == ROLE_CLIENT ? 0 : 1;
    uint64_t part[XP_NPARTS] = {0}, lines = 0, cyc, arr;
    if (r->prod + size - r->cons > d->c.rmb) /* pingpong never: the peer read it all */
        return sim_errf(e, "drivers.comm: %llu bytes would overrun the peer's RMB",
                        (unsigned long long)size);
    /* the application writes the message */
    comm_audit_fill(d, 0, dir, r->off_tx, d->scratch, size);
    if (comm_write_la(h, ep->lpid, ep->tx_la, d->scratch, size) != 0)
        return sim_errf(e, "out of host memory");
    ep->clock += comm_touch_la(h, ep->thread, ep->clock, ep->lpid, ep->tx_la, size, MEM_WRITE);
    uint64_t start = ep->clock;
    part[XP_TX_STACK] = d->c.tcp.syscall_cycles;
    ep->clock += part[XP_TX_STACK];
    part[XP_COPY_TX] = comm_copy_la(h, ep->thread, ep->clock, ep->lpid, r->sndbuf_la, ep->lpid,
                                    ep->tx_la, size, &lines);
    ep->clock += part[XP_COPY_TX];
    /* into the peer's RMB at the producer cursor, two writes where it wraps */
    uint64_t off = r->prod % d->c.rmb, first = size < d->c.rmb - off ? size : d->c.rmb - off;
    for (uint64_t done = 0, n = first, at = off; done < size;
         done += n, n = size - done, at = 0) {
        if (hyp_rdma_write(h, ep->thread, ep->clock, ep->lpid, r->sndbuf_la + done,
                           (unsigned)r->peer, r->peer_lpid, r->peer_rmb_la + at, n, EV_DATA, &cyc,
                           &arr, e) != 0)
            return -1;
        part[XP_TX_STACK] += h->cfg.rdma.post_cycles;
        ep->clock += h->cfg.rdma.post_cycles;
    }
    r->prod += size;
    r->off_tx += size;
    /* the CDC: cursors and the message's timing so far */
    uint64_t w[8] = {++r->seq, r->prod, size, start, part[XP_TX_STACK], part[XP_COPY_TX],
                     h->cfg.rdma.post_cycles, r->cons};
    uint64_t slot = r->cdc_la + CDC_BYTES; /* our outgoing CDC, beside the incoming one */
    if (comm_write_la(h, ep->lpid, slot, w, sizeof w) != 0)
        return sim_errf(e, "out of host memory");
    if (hyp_rdma_write(h, ep->thread, ep->clock, ep->lpid, slot, (unsigned)r->peer, r->peer_lpid,
                       r->peer_cdc_la, CDC_BYTES, EV_CDC, &cyc, &arr, e) != 0)
        return -1;
    ep->clock += h->cfg.rdma.post_cycles;
    d->st.signals++;
    d->st.lines_copied += lines;
    d->st.tx_cycles += ep->clock - start;
    return 0;
}

static int recv_msg(comm_drv *d, const rmt_ev *v, sim_err *e)
{
    comm_remote *r = d->rm;
    endpoint *ep = &d->ep[0];
    hyp *h = d->h;
    unsigned dir = d->c.role == ROLE_CLIENT ? 1 : 0;
    uint64_t size = v->w[2], lines = 0;
    cmsg m;
    memset(&m, 0, sizeof m);
    m.size = size;
    m.start = v->w[3];
    m.part[XP_TX_STACK] = v->w[4];
    m.part[XP_COPY_TX] = v->w[5];
    m.part[XP_SIGNAL] = v->w[6];
    if (v->w[1] != r->cons + size || size > d->c.rmb)
        return sim_errf(e, "drivers.comm: a CDC message with producer cursor %llu for %llu "
                           "bytes after %llu consumed; expected the next message",
                        (unsigned long long)v->w[1], (unsigned long long)size,
                        (unsigned long long)r->cons);
    if (v->at > ep->clock) { /* it waited: the adapter's completion interrupt */
        m.part[XP_INTERRUPT] = comm_irq_wake(d, v->at - ep->clock);
        ep->clock = v->at + m.part[XP_INTERRUPT];
    }
    uint64_t t0 = ep->clock;
    m.part[XP_RX_STACK] = d->c.tcp.syscall_cycles;
    ep->clock += m.part[XP_RX_STACK];
    uint64_t off = r->cons % d->c.rmb, first = size < d->c.rmb - off ? size : d->c.rmb - off;
    uint64_t c1 = comm_copy_la(h, ep->thread, ep->clock, ep->lpid, ep->rx_la, ep->lpid,
                               r->rmb_la + off, first, &lines);
    uint64_t c2 = size > first ? comm_copy_la(h, ep->thread, ep->clock + c1, ep->lpid,
                                              ep->rx_la + first, ep->lpid, r->rmb_la,
                                              size - first, &lines)
                               : 0;
    m.part[XP_COPY_RX] = c1 + c2;
    ep->clock += c1 + c2;
    comm_read_la(h, ep->lpid, ep->rx_la, d->scratch, size);
    if (comm_audit_check(d, 0, dir, r->off_rx, d->scratch, size, e) != 0)
        return -1;
    r->off_rx += size;
    r->cons += size;
    d->st.lines_copied += lines;
    d->st.rx_cycles += ep->clock - t0;
    comm_record(d, r->op, &m, ep->clock);
    return 0;
}

static rmt_ev pop(comm_remote *r)
{
    rmt_ev v = r->q[r->head];
    r->head = (r->head + 1) % r->cap;
    r->n--;
    return v;
}

static int peer_info(comm_drv *d, const rmt_ev *v, unsigned want, sim_err *e)
{
    comm_remote *r = d->rm;
    if (v->type != want)
        return sim_errf(e, "drivers.comm: message %u from machine '%s' during the handshake; "
                           "expected %s (are both machines' roles right?)", v->type, d->c.remote,
                        want == EV_PROPOSE ? "a proposal" : "an accept");
    r->peer_lpid = (unsigned)v->w[0];
    r->peer_rmb_la = v->w[1];
    r->peer_cdc_la = v->w[2];
    if (v->w[3] != d->c.rmb)
        return sim_errf(e, "drivers.comm.rmb: %llu bytes here, %llu on machine '%s'; expected "
                           "the same on both", (unsigned long long)d->c.rmb,
                        (unsigned long long)v->w[3], d->c.remote);
    d->ep[0].clock = max64(d->ep[0].clock, v->at);
    return 0;
}

int comm_remote_step(comm_drv *d, sim_err *e)
{
    comm_remote *r = d->rm;
    bool client = d->c.role == ROLE_CLIENT;
    if (r->state == ST_INIT) {
        if (resolve(d, e) != 0)
            return -1;
        if (!client) {
            r->state = ST_WAIT_PROPOSE;
            return 0;
        }
        r->state = ST_WAIT_ACCEPT;
        return control(d, EV_PROPOSE, e);
    }
    if (r->state == ST_SEND) {
        if (d->resp == d->c.messages) {
            r->state = ST_DONE;
            return 0;
        }
        d->sent++;
        r->state = ST_WAIT_MSG;
        return send_msg(d, comm_request_size(d), e);
    }
    rmt_ev v = pop(r);
    if (r->state == ST_WAIT_PROPOSE) {
        if (peer_info(d, &v, EV_PROPOSE, e) != 0)
            return -1;
        r->state = d->c.messages ? ST_WAIT_MSG : ST_DONE;
        return control(d, EV_ACCEPT, e);
    }
    if (r->state == ST_WAIT_ACCEPT) {
        if (peer_info(d, &v, EV_ACCEPT, e) != 0)
            return -1;
        r->state = ST_SEND;
        return 0;
    }
    if (v.type != EV_CDC)
        return sim_errf(e, "drivers.comm: message %u from machine '%s' during the exchange; "
                           "expected a CDC message", v.type, d->c.remote);
    if (recv_msg(d, &v, e) != 0)
        return -1;
    if (client) {
        d->resp++;
        r->state = ST_SEND;
        return 0;
    }
    d->srv++;
    if (send_msg(d, v.w[2], e) != 0)
        return -1;
    r->state = d->srv == d->c.messages ? ST_DONE : ST_WAIT_MSG;
    return 0;
}
