/*
 * comm.c - the comm feature's state: creation (statistics, ops), the per-LPAR
 * tables (an adapter descriptor of 128 bytes in hypervisor memory for each
 * LPAR, the guest's kernel heap in the upper half of its memory), and the
 * feature table with its hcalls and transports (tcp, veth).
 * Invariant: ad, kheap and vl have an entry for every LPAR created since.
 */
#include <stdlib.h>
#include <string.h>

#include "comm_veth_int.h"

#define DESC_BYTES 128

static uint64_t comm_memory_needed(const void *cfg, const hyp_config *hc, unsigned nlpars,
                                   const uint64_t *lpar_memory, const uint64_t *hpt_bytes,
                                   unsigned nthreads)
{
    (void)cfg, (void)hc, (void)lpar_memory, (void)hpt_bytes, (void)nthreads;
    return (uint64_t)DESC_BYTES * nlpars + 4096;
}

static void comm_destroy(void *vf)
{
    comm *c = vf;
    if (!c)
        return;
    for (unsigned i = 0; i < c->nlp; i++) {
        for (unsigned k = 0; c->ad && k < c->ad[i].nq; k++)
            free(c->ad[i].q[k].bd);
        if (c->ad)
            free(c->ad[i].q);
        if (c->vl)
            comm_veth_lpar_free(c->vl[i]);
    }
    free(c->ad);
    free(c->kheap);
    free(c->vl);
    free(c->conns);
    free(c->kfree);
    free(c);
}

static void *comm_create(hyp *h, const void *cfg, bool audit, sim_err *e)
{
    (void)audit;
    comm *c = calloc(1, sizeof *c);
    if (!c) {
        sim_errf(e, "out of host memory");
        return NULL;
    }
    c->h = h;
    c->cfg = *(const comm_config *)cfg;
    /* the guest TCP defaults until the driver sets its own (comm_set_tcp) */
    c->tcp = (comm_tcp_config){1500, 4000, 6000, 8000, 65394, 16384, 131072};
    c->op_setup = ops_declare(h->env.ops, "veth.setup",
                              "opening a TCP connection over the virtual Ethernet (the client's "
                              "handshake work; adapters registered and buffers posted the first "
                              "time an LPAR uses it)", "tx_stack,hcall,rx_stack,wait");
    c->op_teardown = ops_declare(h->env.ops, "veth.teardown", "closing a veth connection",
                                 "tx_stack,hcall");
    c->op_tcp_setup = ops_declare(h->env.ops, "tcp.setup",
                                  "opening a loopback TCP connection (the client's connect)",
                                  "tx_stack,rx_stack");
    if (c->op_setup == OP_INVALID || c->op_tcp_setup == OP_INVALID || c->op_teardown == OP_INVALID ||
        stats_register(h->env.stats, "comm.llan", &comm_stat_table, &c->st) != 0) {
        comm_destroy(c);
        sim_errf(e, "out of host memory");
        return NULL;
    }
    return c;
}

static int comm_lpar_added(void *vf, unsigned lpid, sim_err *e)
{
    comm *c = vf;
    unsigned n = lpid + 1;
    llan_adapter *ad = realloc(c->ad, n * sizeof *ad);
    if (ad)
        c->ad = ad;
    uint64_t *kh = realloc(c->kheap, n * sizeof *kh);
    if (kh)
        c->kheap = kh;
    struct veth_lpar **vl = realloc(c->vl, n * sizeof *vl);
    if (vl)
        c->vl = vl;
    if (!ad || !kh || !vl)
        return sim_errf(e, "out of host memory");
    for (unsigned i = c->nlp; i < n; i++) {
        memset(&c->ad[i], 0, sizeof c->ad[i]);
        c->kheap[i] = 0;
        c->vl[i] = NULL;
    }
    c->nlp = n;
    c->ad[lpid].desc_paddr = lmb_hyp_alloc_top(&c->h->lmb, DESC_BYTES, 128);
    if (c->ad[lpid].desc_paddr == UINT64_MAX)
        return sim_errf(e, "hypervisor.memory: too small for the virtual Ethernet adapter of "
                           "LPAR %u; set it to 0 (automatic)", lpid);
    c->kheap[lpid] = hyp_lpar_memory(c->h, lpid) / 2;
    return 0;
}

static const hyp_transport *const transports[] = {&comm_tcp_transport, &comm_veth_transport};

const hyp_feature comm_feature = {
    .name = "comm",
    .desc = "Virtual Ethernet between LPARs (PAPR logical LAN hcalls) and the guest TCP/IP "
            "model: transports tcp (loopback) and veth.",
    .params = &comm_feature_params,
    .hcalls = comm_hcalls,
    .nhcalls = 4,
    .memory_needed = comm_memory_needed,
    .create = comm_create,
    .destroy = comm_destroy,
    .lpar_added = comm_lpar_added,
    .transports = transports,
    .ntransports = 2,
};
