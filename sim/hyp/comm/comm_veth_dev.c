/*
 * comm_veth_dev.c - the guest's ibmveth driver in each LPAR, as far as the
 * transport needs it: bring-up (a buffer-list page, a filter page and a
 * receive queue of 16 bytes per posted buffer in guest kernel memory,
 * H_REGISTER_LOGICAL_LAN, then every buffer of the active pools posted with
 * H_ADD_LOGICAL_LAN_BUFFER, its correlator (pool << 32 | index) in its
 * first 8 bytes), the receive poll (NAPI: valid entries with the current
 * toggle, each frame queued on its connection by the id in its header),
 * the replenish, and the transmit of one frame. Active pools: the first
 * hypervisor.comm.pools_active, plus the smallest that holds a frame of
 * mss bytes (ibmveth activates the pools its MTU needs).
 * Invariant: every posted buffer is in the hypervisor's list or holds one
 * frame queued on a connection (or being freed).
 */
#include <stdlib.h>
#include <string.h>

#include "comm_veth_int.h"

static uint64_t get_be(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static void put_be(unsigned char *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

static uint64_t ucall(comm *c, unsigned lpid, unsigned thread, uint64_t at, uint64_t op,
                      const uint64_t *args, sim_err *e, bool *ok)
{
    uint64_t cyc = 0;
    *ok = comm_hcall(c, lpid, thread, at, op, args, &cyc, e) == H_SUCCESS;
    return cyc;
}

unsigned veth_pool_of(const comm *c, unsigned lpid, uint64_t len)
{
    const veth_lpar *v = c->vl[lpid];
    unsigned p = 0;
    while (p + 1 < v->npools && v->pool[p].bytes < len + 8)
        p++;
    return p;
}

veth_lpar *veth_up(comm *c, unsigned lpid, unsigned thread, uint64_t at, sim_err *e)
{
    if (c->vl[lpid])
        return c->vl[lpid];
    veth_lpar *v = calloc(1, sizeof *v);
    if (!v) {
        sim_errf(e, "out of host memory");
        return NULL;
    }
    v->lpid = lpid;
    v->toggle = true;
    uint64_t frame = c->tcp.mss + LLAN_HDR + 8, nbuf = 0;
    bool fits = false;
    for (unsigned p = 0; p < LLAN_NPOOLS; p++) {
        bool need = !fits && c->cfg.pool_bytes[p] >= frame;
        if ((p < c->cfg.pools_active || need) && c->cfg.pool_count[p]) {
            v->pool[v->npools++] = (veth_pool){c->cfg.pool_bytes[p], c->cfg.pool_count[p], 0};
            nbuf += c->cfg.pool_count[p];
            fits |= c->cfg.pool_bytes[p] >= frame;
        }
    }
    c->vl[lpid] = v;
    if (!fits) {
        sim_errf(e, "hypervisor.comm: no receive pool holds a frame of drivers.comm.tcp.mss = "
                    "%llu bytes (+24); expected a pool of at least %llu bytes",
                 (unsigned long long)c->tcp.mss, (unsigned long long)frame);
        return NULL;
    }
    v->rxq_len = 16 * (nbuf + 1);
    if ((v->buf_list_la = comm_kalloc(c, lpid, 4096, 4096, e)) == UINT64_MAX ||
        (v->filter_la = comm_kalloc(c, lpid, 4096, 4096, e)) == UINT64_MAX ||
        (v->rxq_la = comm_kalloc(c, lpid, v->rxq_len, 4096, e)) == UINT64_MAX)
        return NULL;
    for (unsigned p = 0; p < v->npools; p++)
        if ((v->pool[p].base_la = comm_kalloc(c, lpid, v->pool[p].bytes * v->pool[p].count,
                                              4096, e)) == UINT64_MAX)
            return NULL;
    bool ok;
    uint64_t a[8] = {c->cfg.unit_address, v->buf_list_la, LLAN_BD(v->rxq_la, v->rxq_len),
                     v->filter_la, LLAN_MAC(lpid)};
    at += ucall(c, lpid, thread, at, H_REGISTER_LOGICAL_LAN, a, e, &ok);
    if (!ok)
        return NULL;
    for (unsigned p = 0; p < v->npools; p++)
        for (uint64_t i = 0; i < v->pool[p].count; i++) {
            uint64_t la = v->pool[p].base_la + i * v->pool[p].bytes;
            unsigned char corr[8];
            put_be(corr, (uint64_t)p << 32 | i, 8);
            comm_write_la(c->h, lpid, la, corr, 8);
            uint64_t b[8] = {c->cfg.unit_address, LLAN_BD(la, v->pool[p].bytes)};
            at += ucall(c, lpid, thread, at, H_ADD_LOGICAL_LAN_BUFFER, b, e, &ok);
            if (!ok)
                return NULL;
        }
    return v;
}

int veth_replenish(comm *c, veth_lpar *v, unsigned thread, uint64_t at, uint64_t buf_la,
                   uint64_t bytes, uint64_t *cycles, sim_err *e)
{
    bool ok;
    uint64_t b[8] = {c->cfg.unit_address, LLAN_BD(buf_la, bytes)};
    *cycles += ucall(c, v->lpid, thread, at, H_ADD_LOGICAL_LAN_BUFFER, b, e, &ok);
    return ok ? 0 : -1;
}

static int queue_frame(veth_dir *d, const veth_frame *f)
{
    if (d->n == d->cap) {
        unsigned cap = d->cap ? 2 * d->cap : 16;
        veth_frame *q = malloc(cap * sizeof *q);
        if (!q)
            return -1;
        for (unsigned i = 0; i < d->n; i++)
            q[i] = d->fq[(d->head + i) % d->cap];
        free(d->fq);
        d->fq = q;
        d->cap = cap;
        d->head = 0;
    }
    d->fq[(d->head + d->n++) % d->cap] = *f;
    return 0;
}

int veth_poll(comm *c, veth_lpar *v, unsigned thread, uint64_t at, uint64_t *cycles,
              sim_err *e)
{
    uint64_t t = at;
    while (v->polled < v->delivered) {
        unsigned char q[16], hdr[LLAN_HDR];
        uint64_t ea = v->rxq_la + v->rxq_ptr;
        t += comm_touch_la(c->h, thread, t, v->lpid, ea, 16, MEM_READ);
        comm_read_la(c->h, v->lpid, ea, q, 16);
        bool tog = (q[0] & LLAN_RXQC_TOGGLE) != 0;
        if (!(q[0] & LLAN_RXQC_VALID) || tog != v->toggle)
            return sim_errf(e, "drivers.comm: LPAR %s's receive queue entry %llu is not valid "
                               "though the hypervisor delivered a frame there",
                            hyp_lpar_name(c->h, v->lpid), (unsigned long long)v->rxq_ptr / 16);
        if ((v->rxq_ptr += 16) >= v->rxq_len) {
            v->rxq_ptr = 0;
            v->toggle = !v->toggle;
        }
        v->polled++;
        uint64_t off = get_be(q + 2, 2), len = get_be(q + 4, 4), corr = get_be(q + 8, 8);
        unsigned p = (unsigned)(corr >> 32);
        uint64_t i = corr & 0xffffffffULL;
        if (p >= v->npools || i >= v->pool[p].count || len < LLAN_HDR)
            return sim_errf(e, "drivers.comm: LPAR %s received a frame with a bad correlator "
                               "or length", hyp_lpar_name(c->h, v->lpid));
        uint64_t buf = v->pool[p].base_la + i * v->pool[p].bytes;
        t += comm_touch_la(c->h, thread, t, v->lpid, buf + off, LLAN_HDR, MEM_READ);
        comm_read_la(c->h, v->lpid, buf + off, hdr, LLAN_HDR);
        unsigned id = (unsigned)get_be(hdr + 14, 2);
        veth_conn *k = id < c->nconns ? c->conns[id] : NULL;
        if (len == LLAN_HDR || !k) { /* an ACK, or for a closed connection: freed */
            if (veth_replenish(c, v, thread, t, buf, v->pool[p].bytes, &t, e) != 0)
                return -1;
            continue;
        }
        t += c->tcp.rx_cycles;
        unsigned dir = k->e[0].lpid == v->lpid ? 1 : 0; /* sent by the other side */
        veth_frame f = {buf, v->pool[p].bytes, buf + off + LLAN_HDR, len - LLAN_HDR, 0,
                        veth_pool_of(c, v->lpid, len)};
        if (queue_frame(&k->d[dir], &f) != 0)
            return sim_errf(e, "out of host memory");
    }
    *cycles += t - at;
    return 0;
}

int veth_xmit(veth_conn *k, unsigned s, uint64_t payload, uint64_t at, uint64_t *hcall,
              uint64_t *copy, uint64_t *lines, sim_err *e)
{
    comm *c = k->c;
    unsigned char hdr[LLAN_HDR];
    put_be(hdr, LLAN_MAC(k->e[1 - s].lpid), 6);
    put_be(hdr + 6, LLAN_MAC(k->e[s].lpid), 6);
    put_be(hdr + 12, 0x0800, 2);
    put_be(hdr + 14, k->id, 2);
    comm_write_la(c->h, k->e[s].lpid, k->skb_la[s], hdr, LLAN_HDR);
    uint64_t a[8] = {c->cfg.unit_address, LLAN_BD(k->skb_la[s], LLAN_HDR + payload)}, cyc = 0;
    if (comm_hcall(c, k->e[s].lpid, k->e[s].thread, at, H_SEND_LOGICAL_LAN, a, &cyc, e) !=
        H_SUCCESS)
        return -1;
    *hcall += cyc - c->last_copy_cycles;
    *copy += c->last_copy_cycles;
    *lines += c->last_copy_lines;
    c->vl[k->e[1 - s].lpid]->delivered++;
    return 0;
}

void comm_veth_lpar_free(veth_lpar *v) { free(v); }
