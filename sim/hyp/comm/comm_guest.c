/*
 * comm_guest.c - what the guest models of the comm feature share: copies and
 * touches of an LPAR's logical ranges (translated by the host lookup and
 * split at LMB boundaries; the guests' own translation and TLB costs are not
 * modeled for these copies), the guest kernel's memory (a bump allocator in
 * the upper half of each LPAR: the lower half is the workload's user
 * buffers), and a checked hcall for the guest side (a refusal is an error
 * naming the hcall and its return code).
 */
#include <stdlib.h>

#include "comm_int.h"

/* bytes of [la, la+len) before the next LMB boundary of either range */
static uint64_t piece(const hyp *h, uint64_t a, uint64_t b, uint64_t len)
{
    uint64_t l = hyp_lmb_size(h), n = len;
    if (l - a % l < n)
        n = l - a % l;
    if (l - b % l < n)
        n = l - b % l;
    return n;
}

uint64_t comm_copy_la(hyp *h, unsigned thread, uint64_t now, unsigned dlp, uint64_t dla,
                      unsigned slp, uint64_t sla, uint64_t len, uint64_t *lines)
{
    mem_copy_res r;
    hyp_copy_la(h, thread, now, dlp, dla, slp, sla, len, &r); /* the driver's own buffers */
    if (lines)
        *lines += r.lines_written;
    return r.cycles;
}

uint64_t comm_touch_la(hyp *h, unsigned thread, uint64_t now, unsigned lp, uint64_t la,
                       uint64_t len, mem_kind kind)
{
    mem_copy_cfg cfg = hyp_copy_cfg(h);
    uint64_t t = now;
    while (len) {
        uint64_t n = piece(h, la, la, len);
        t += mem_touch(h->env.ports[thread], hyp_logical_to_real(h, lp, la), n, kind, &cfg, t,
                       NULL);
        la += n;
        len -= n;
    }
    return t - now;
}

void comm_read_la(hyp *h, unsigned lp, uint64_t la, void *dst, uint64_t len)
{
    unsigned char *d = dst;
    while (len) {
        uint64_t n = piece(h, la, la, len);
        physmem_read_bytes(h->env.pm, hyp_logical_to_real(h, lp, la), d, n);
        d += n;
        la += n;
        len -= n;
    }
}

int comm_write_la(hyp *h, unsigned lp, uint64_t la, const void *src, uint64_t len)
{
    const unsigned char *s = src;
    while (len) {
        uint64_t n = piece(h, la, la, len);
        if (physmem_write_bytes(h->env.pm, hyp_logical_to_real(h, lp, la), s, n) != 0)
            return -1;
        s += n;
        la += n;
        len -= n;
    }
    return 0;
}

uint64_t comm_kalloc(comm *c, unsigned lpid, uint64_t bytes, uint64_t align, sim_err *e)
{
    for (unsigned i = c->nkfree; i-- > 0;)
        if (c->kfree[i].lpid == lpid && c->kfree[i].bytes == bytes && c->kfree[i].la % align == 0) {
            uint64_t la = c->kfree[i].la;
            c->kfree[i] = c->kfree[--c->nkfree];
            return la;
        }
    uint64_t mem = hyp_lpar_memory(c->h, lpid), l = hyp_lmb_size(c->h);
    uint64_t a = (c->kheap[lpid] + align - 1) / align * align;
    if (bytes <= l && a / l != (a + bytes - 1) / l) /* keep a block inside one LMB */
        a = (a + l - 1) / l * l;
    if (a + bytes > mem) {
        sim_errf(e, "drivers.comm.lpar_memory: LPAR %s has no room for %llu more bytes of guest "
                    "kernel buffers (upper half of its memory); expected a larger lpar_memory",
                 hyp_lpar_name(c->h, lpid), (unsigned long long)bytes);
        return UINT64_MAX;
    }
    c->kheap[lpid] = a + bytes;
    return a;
}

void comm_kfree(comm *c, unsigned lpid, uint64_t la, uint64_t bytes)
{
    if (c->nkfree == c->capkfree) {
        unsigned cap = c->capkfree ? 2 * c->capkfree : 64;
        struct kblock *v = realloc(c->kfree, cap * sizeof *v);
        if (!v)
            return; /* the block is lost to the guest: its heap only grows */
        c->kfree = v;
        c->capkfree = cap;
    }
    c->kfree[c->nkfree++] = (struct kblock){lpid, la, bytes};
}

void comm_set_tcp(comm *c, const comm_tcp_config *t) { c->tcp = *t; }

uint64_t comm_segments(const comm *c, uint64_t bytes)
{
    return bytes ? (bytes + c->tcp.mss - 1) / c->tcp.mss : 1;
}

long comm_hcall(comm *c, unsigned lpid, unsigned thread, uint64_t now, uint64_t op,
                const uint64_t *args, uint64_t *cycles, sim_err *e)
{
    uint64_t rets[8] = {0};
    long rc = hyp_hcall(c->h, lpid, thread, now, op, args, rets, cycles);
    if (rc != H_SUCCESS && e) {
        const char *n = hcall_name(op);
        sim_errf(e, "drivers.comm: the guest's %s by LPAR %s was refused (%ld)", n ? n : "hcall",
                 hyp_lpar_name(c->h, lpid), rc);
    }
    return rc;
}

int comm_conn_add(comm *c, void *conn, unsigned *id)
{
    if (c->nconns == c->capconns) {
        unsigned cap = c->capconns ? 2 * c->capconns : 16;
        void **v = realloc(c->conns, cap * sizeof *v);
        if (!v)
            return -1;
        c->conns = v;
        c->capconns = cap;
    }
    *id = c->nconns;
    c->conns[c->nconns++] = conn;
    return 0;
}
