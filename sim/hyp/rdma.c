/*
 * rdma.c - the machine's RDMA adapter to the other machines of a platform
 * (hyp.h "RDMA to other machines"): RDMA writes read on the sending thread
 * through its caches, carried by the platform's link, landing in the
 * destination LPAR's memory and reported to the receiving side's sink; its
 * parameters (hypervisor.rdma.*) and statistics (rdma.*).
 * Invariants: the bytes that land are the bytes read at the source when
 * the write was posted; a message is delivered once, at or after its
 * arrival cycle is reached by the platform's windows.
 */
#include "hyp_int.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define RD_F(f) offsetof(hyp_rdma_config, f)
static const param_desc rdma_param_all[] = {
    {"post_cycles", PT_UINT, "cycles", "400", 0, 1e9, NULL,
     "The sender posting an RDMA write: the work-queue entry and the doorbell (an MMIO store "
     "to the adapter); assumption, about 100 ns.", RD_F(post_cycles), NULL},
    {"nic_cycles", PT_UINT, "cycles", "950", 0, 1e9, NULL,
     "Each adapter's processing of a message (the sender's fetching it, the receiver's "
     "placing it); assumption, 250 ns each at 3.8 GHz, so that with the link's default "
     "1000 ns a small RDMA write takes about 1.5 us end to end, the order of RoCE "
     "measurements.", RD_F(nic_cycles), NULL},
    {"header_bytes", PT_UINT, "bytes", "78", 0, 4096, NULL,
     "Link bytes per packet beyond the payload: RoCEv2's Ethernet 14, IP 20, UDP 8, BTH 12, "
     "RETH 16, ICRC 4 and FCS 4 (IBTA annex A17), one packet per 4096 bytes of payload.",
     RD_F(header_bytes), NULL},
};
const param_table hyp_rdma_params = {"rdma", sizeof(hyp_rdma_config), rdma_param_all,
                                     PARAM_COUNT(rdma_param_all),
                                     "The RDMA adapter to other machines of a platform."};

#define RS_F(f) offsetof(struct hyp_rdma_stats, f)
static const stat_desc rdma_stat_list[] = {
    {"writes", SK_COUNTER, "writes", "RDMA writes this machine sent", RS_F(writes), NULL},
    {"bytes_sent", SK_COUNTER, "bytes", "payload bytes of those writes", RS_F(bytes_sent), NULL},
    {"delivered", SK_COUNTER, "writes", "RDMA writes from other machines that landed here",
     RS_F(delivered), NULL},
    {"bytes_received", SK_COUNTER, "bytes", "payload bytes of those writes",
     RS_F(bytes_received), NULL},
};
static const stat_table rdma_stat_table = {"rdma", rdma_stat_list, PARAM_COUNT(rdma_stat_list)};

#define RDMA_MTU 4096u

int hyp_rdma_init(hyp *h, sim_err *e)
{
    if (stats_register_if_used(h->env.stats, "rdma", &rdma_stat_table, &h->rdma_st) != 0)
        return sim_errf(e, "out of host memory");
    return 0;
}

void hyp_set_rdma(hyp *h, const hyp_rdma_carrier *c)
{
    if (c)
        h->rdma = *c;
    else
        memset(&h->rdma, 0, sizeof h->rdma);
}

int hyp_rdma_machine(const hyp *h, const char *name)
{
    for (unsigned i = 0; i < h->rdma.n; i++)
        if (h->rdma.names && strcmp(h->rdma.names[i], name) == 0)
            return (int)i;
    return -1;
}

const char *hyp_rdma_self_name(const hyp *h)
{
    return h->rdma.n && h->rdma.names ? h->rdma.names[h->rdma.self] : NULL;
}

int hyp_rdma_set_sink(hyp *h, hyp_rdma_sink fn, void *ctx)
{
    if (h->rdma_sink && fn)
        return -1;
    h->rdma_sink = fn;
    h->rdma_sink_ctx = ctx;
    return 0;
}

/* Real address of [la, la+len) of lpid, one LMB piece at a time: the
 * piece's length in *n, UINT64_MAX outside the LPAR. */
static uint64_t piece(const hyp *h, unsigned lpid, uint64_t la, uint64_t len, uint64_t *n)
{
    uint64_t lmb = h->cfg.lmb_size, room = lmb - la % lmb;
    *n = len < room ? len : room;
    return hyp_logical_to_real(h, lpid, la);
}

static int in_lpar(const hyp *h, unsigned lpid, uint64_t la, uint64_t len)
{
    return lpid < h->nlpars && la < h->lpars[lpid]->memory &&
           len <= h->lpars[lpid]->memory - la;
}

/* Hand m to the carrier: its arrival, or -1 with e set (m's data freed). */
static int post(hyp *h, unsigned dest, hyp_rdma_msg *m, uint64_t *arrival, sim_err *e)
{
    uint64_t len = m->len, packets = len ? (len + RDMA_MTU - 1) / RDMA_MTU : 1;
    m->arrival = h->cfg.rdma.nic_cycles;
    uint64_t at = h->rdma.send(h->rdma.ctx, dest, m, len + packets * h->cfg.rdma.header_bytes);
    if (at == UINT64_MAX) {
        free(m->data);
        return sim_errf(e, "RDMA write: no link joins machine '%s' and machine '%s'",
                        h->rdma.names ? h->rdma.names[h->rdma.self] : "?",
                        h->rdma.names ? h->rdma.names[dest] : "?");
    }
    *arrival = at;
    h->rdma_st.writes++;
    h->rdma_st.bytes_sent += len;
    return 0;
}

static int can_send(const hyp *h, unsigned dest, sim_err *e)
{
    if (!h->rdma.n || !h->rdma.send)
        return sim_errf(e, "RDMA write: this machine is not on a platform with other machines");
    if (dest >= h->rdma.n || dest == h->rdma.self)
        return sim_errf(e, "RDMA write: machine %u is not another machine of the platform", dest);
    return 0;
}

int hyp_rdma_control(hyp *h, uint64_t now, unsigned dest, const void *data, uint64_t len,
                     uint64_t tag, uint64_t *cycles, uint64_t *arrival, sim_err *e)
{
    if (can_send(h, dest, e) != 0)
        return -1;
    hyp_rdma_msg m = {h->rdma.self, HYP_RDMA_CONTROL, 0, len, tag, 0, 0, NULL};
    if (len && !(m.data = malloc(len)))
        return sim_errf(e, "out of host memory");
    if (len)
        memcpy(m.data, data, len);
    *cycles = h->cfg.rdma.post_cycles;
    m.sent = now + *cycles + h->cfg.rdma.nic_cycles;
    return post(h, dest, &m, arrival, e);
}

int hyp_rdma_write(hyp *h, unsigned thread, uint64_t now, unsigned lpid, uint64_t src_la,
                   unsigned dest, unsigned dest_lpid, uint64_t dest_la, uint64_t len,
                   uint64_t tag, uint64_t *cycles, uint64_t *arrival, sim_err *e)
{
    if (can_send(h, dest, e) != 0)
        return -1;
    if (!in_lpar(h, lpid, src_la, len))
        return sim_errf(e, "RDMA write: source 0x%llx+%llu outside LPAR %u's memory",
                        (unsigned long long)src_la, (unsigned long long)len, lpid);
    hyp_rdma_msg m = {h->rdma.self, dest_lpid, dest_la, len, tag, 0, 0, NULL};
    if (len && !(m.data = malloc(len)))
        return sim_errf(e, "out of host memory");
    mem_copy_cfg cc = hyp_copy_cfg(h);
    uint64_t t = now + h->cfg.rdma.post_cycles;
    for (uint64_t off = 0, n; off < len; off += n) {
        uint64_t ra = piece(h, lpid, src_la + off, len - off, &n);
        physmem_read_bytes(h->env.pm, ra, m.data + off, n);
        t += mem_touch(h->env.ports[thread], ra, n, MEM_READ, &cc, t, NULL);
    }
    *cycles = t - now;
    m.sent = t + h->cfg.rdma.nic_cycles;
    return post(h, dest, &m, arrival, e);
}

int hyp_rdma_deliver(hyp *h, const hyp_rdma_msg *m, sim_err *e)
{
    if (!h->rdma_sink)
        return sim_errf(e, "an RDMA write from machine %u arrived, but nothing on this machine "
                        "receives RDMA writes", m->src);
    if (m->lpid != HYP_RDMA_CONTROL && !in_lpar(h, m->lpid, m->la, m->len))
        return sim_errf(e, "an RDMA write from machine %u to 0x%llx+%llu lies outside LPAR "
                        "%u's memory", m->src, (unsigned long long)m->la,
                        (unsigned long long)m->len, m->lpid);
    for (uint64_t off = 0, n; m->lpid != HYP_RDMA_CONTROL && off < m->len; off += n) {
        uint64_t ra = piece(h, m->lpid, m->la + off, m->len - off, &n);
        if (physmem_write_bytes(h->env.pm, ra, m->data + off, n) != 0)
            return sim_errf(e, "out of host memory");
    }
    h->rdma_st.delivered++;
    h->rdma_st.bytes_received += m->len;
    return h->rdma_sink(h->rdma_sink_ctx, m, e);
}
