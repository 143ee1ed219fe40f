/*
 * comm_llan.c - the virtual Ethernet on the hypervisor side: the PAPR
 * logical LAN hcalls with the semantics of QEMU hw/net/spapr_llan.c and
 * Linux ibmveth.c (read, not copied):
 *   H_REGISTER_LOGICAL_LAN(unit, buf_list, rxq_bd, filter_list, mac)
 *   H_FREE_LOGICAL_LAN(unit)
 *   H_ADD_LOGICAL_LAN_BUFFER(unit, bd)
 *   H_SEND_LOGICAL_LAN(unit, bd1..bd6, continue_token)
 * Every LPAR has one adapter (unit hypervisor.comm.unit_address) and all are
 * on one VLAN; a frame goes to the adapter whose MAC (LLAN_MAC(lpid)) its
 * first 6 bytes name. Refusals: an unknown unit, a page or descriptor not
 * aligned or outside the caller's memory, or a continuation token: H_PARAMETER;
 * a second registration, freeing or posting to a closed adapter, a full
 * buffer list, a frame over 64 KiB: H_RESOURCE; a send from a closed adapter,
 * to no open adapter, or with no posted buffer big enough: H_DROPPED
 * (counted). The hypervisor copies the frame (real bytes, hyp_copy) into the
 * smallest posted buffer that holds it plus the 8-byte correlator, writes the
 * receive-queue entry (16 bytes, big-endian, toggle bit) and clears the
 * buffer's slot; the caller's transport reports the interrupt.
 * The buffer list, filter list, receive queue and each posted buffer are
 * critical areas (hyp_crit_area): a shared-memory LPAR's backing feature
 * pins them, or refuses (H_RESOURCE); the hypervisor's own accesses go
 * through hyp_hv_real, which brings a page that is not resident in first.
 */
#include <stdlib.h>
#include <string.h>

#include "comm_int.h"

#define P_COPY 4 /* "compute,memory,tlb,queueing,copy" */

static comm *C(hcall_ctx *c) { return c->fs; }

static bool in_lpar(hcall_ctx *c, uint64_t la, uint64_t len)
{
    uint64_t mem = hyp_lpar_memory(c->h, c->lpid);
    return len <= mem && la <= mem - len;
}


static void put_be(unsigned char *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

static long refuse(hcall_ctx *c, long rc)
{
    C(c)->st.refused++;
    if (rc == H_DROPPED)
        C(c)->st.dropped++;
    return rc;
}

/* The hypervisor's charged accesses to [la, la+len) of lpid, a line at a
 * time, translated once per 4K page (hyp_hv_real: a shared-memory LPAR's
 * page is brought in first if it is not resident). */
static void gtouch(hcall_ctx *c, unsigned lpid, uint64_t la, uint64_t len, mem_kind k)
{
    uint64_t page = UINT64_MAX, ra = 0;
    for (uint64_t a = la & ~127ULL; a < la + len; a += 128) {
        if ((a & ~4095ULL) != page) {
            page = a & ~4095ULL;
            ra = hyp_hv_real(c, lpid, page, k != MEM_READ);
            if (ra == UINT64_MAX)
                return; /* the run failed (hyp_check_error) */
        }
        hcall_mem(c, ra + (a - page), 128, k);
    }
}

/* guest memory the hypervisor writes or reads: real bytes and the charges */
static void gwrite(hcall_ctx *c, unsigned lpid, uint64_t la, const void *src, uint64_t len)
{
    gtouch(c, lpid, la, len, MEM_WRITE);
    comm_write_la(c->h, lpid, la, src, len);
}

static void gread(hcall_ctx *c, unsigned lpid, uint64_t la, void *dst, uint64_t len)
{
    gtouch(c, lpid, la, len, MEM_READ);
    comm_read_la(c->h, lpid, la, dst, len);
}

/* The adapter's areas the hypervisor reaches (critical areas: pinned in a
 * shared-memory LPAR, hyp_crit_area): the buffer list, the filter list,
 * the receive queue, and each posted buffer (by its address). */
enum { AREA_BUF_LIST = 1, AREA_FILTER = 2, AREA_RXQ = 3 };
#define AREA_BUFFER(la) ((1ULL << 52) | (la))

static long h_register(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    (void)rets;
    comm *f = C(c);
    llan_adapter *ad = &f->ad[c->lpid];
    if (a[0] != f->cfg.unit_address)
        return refuse(c, H_PARAMETER);
    hcall_mem(c, ad->desc_paddr, 128, MEM_READ);
    if (ad->open)
        return refuse(c, H_RESOURCE);
    uint64_t rq = a[2], rql = LLAN_BD_LEN(rq), rqa = LLAN_BD_ADDR(rq);
    if (a[1] % 4096 || !in_lpar(c, a[1], 4096) || a[3] % 4096 || !in_lpar(c, a[3], 4096) ||
        !(rq & LLAN_BD_VALID) || rqa % 16 || rql % 16 || rql < 16 || !in_lpar(c, rqa, rql))
        return refuse(c, H_PARAMETER);
    long rc = hyp_crit_area(c, AREA_BUF_LIST, a[1], 4096);
    if (rc == H_SUCCESS)
        rc = hyp_crit_area(c, AREA_FILTER, a[3], 4096);
    if (rc == H_SUCCESS)
        rc = hyp_crit_area(c, AREA_RXQ, rqa, rql);
    if (rc != H_SUCCESS) {
        hyp_crit_area(c, AREA_BUF_LIST, 0, 0);
        hyp_crit_area(c, AREA_FILTER, 0, 0);
        return refuse(c, rc);
    }
    ad->open = true;
    ad->buf_list_la = a[1];
    ad->filter_la = a[3];
    ad->rxq_la = rqa;
    ad->rxq_len = rql;
    ad->rxq_ptr = 0;
    ad->rxq_toggle = false;
    ad->posted = 0;
    for (unsigned k = 0; k < ad->nq; k++)
        ad->q[k].n = 0;
    unsigned char hdr[16];
    put_be(hdr, rq & ~LLAN_BD_TOGGLE, 8);
    put_be(hdr + 8, LLAN_BD(a[3], 4096), 8);
    gwrite(c, c->lpid, a[1], hdr, 16);
    unsigned char z[128] = {0};
    for (uint64_t o = 0; o < rql; o += 128) /* the receive queue starts empty */
        gwrite(c, c->lpid, rqa + o, z, rql - o < 128 ? rql - o : 128);
    hcall_mem(c, ad->desc_paddr, 128, MEM_WRITE);
    f->st.registered++;
    return H_SUCCESS;
}

static long h_free(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    (void)rets;
    comm *f = C(c);
    llan_adapter *ad = &f->ad[c->lpid];
    if (a[0] != f->cfg.unit_address)
        return refuse(c, H_PARAMETER);
    hcall_mem(c, ad->desc_paddr, 128, MEM_READ);
    if (!ad->open)
        return refuse(c, H_RESOURCE);
    ad->open = false;
    ad->posted = 0;
    for (unsigned k = 0; k < ad->nq; k++) {
        for (uint32_t i = 0; i < ad->q[k].n; i++)
            hyp_crit_area(c, AREA_BUFFER(LLAN_BD_ADDR(ad->q[k].bd[i])), 0, 0);
        ad->q[k].n = 0;
    }
    for (uint64_t id = AREA_BUF_LIST; id <= AREA_RXQ; id++)
        hyp_crit_area(c, id, 0, 0);
    hcall_mem(c, ad->desc_paddr, 128, MEM_WRITE);
    f->st.freed++;
    return H_SUCCESS;
}

static uint64_t capacity(const comm *f)
{
    uint64_t n = 0;
    for (int i = 0; i < LLAN_NPOOLS; i++)
        n += f->cfg.pool_count[i];
    return n;
}

static long h_add(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    (void)rets;
    comm *f = C(c);
    llan_adapter *ad = &f->ad[c->lpid];
    uint64_t bd = a[1], len = LLAN_BD_LEN(bd), la = LLAN_BD_ADDR(bd);
    if (a[0] != f->cfg.unit_address)
        return refuse(c, H_PARAMETER);
    if (!(bd & LLAN_BD_VALID) || la % 4 || len % 4 || len < 16 || !in_lpar(c, la, len))
        return refuse(c, H_PARAMETER);
    hcall_mem(c, ad->desc_paddr, 128, MEM_READ);
    if (!ad->open || ad->posted >= capacity(f))
        return refuse(c, H_RESOURCE);
    long rc = hyp_crit_area(c, AREA_BUFFER(la), la, len);
    if (rc != H_SUCCESS)
        return refuse(c, rc);
    unsigned k = 0;
    while (k < ad->nq && ad->q[k].len < len)
        k++;
    if (k == ad->nq || ad->q[k].len != len) { /* a new size class, kept in order */
        llan_sizeq *q = realloc(ad->q, (ad->nq + 1) * sizeof *q);
        if (!q)
            return H_NO_MEM;
        ad->q = q;
        memmove(&q[k + 1], &q[k], (ad->nq - k) * sizeof *q);
        q[k] = (llan_sizeq){len, NULL, 0, 0};
        ad->nq++;
    }
    llan_sizeq *q = &ad->q[k];
    if (q->n == q->cap) {
        uint32_t cap = q->cap ? 2 * q->cap : 64;
        uint64_t *v = realloc(q->bd, cap * sizeof *v);
        if (!v)
            return H_NO_MEM;
        q->bd = v;
        q->cap = cap;
    }
    q->bd[q->n++] = bd;
    /* the descriptor goes into a slot of the buffer list page */
    unsigned char b[8];
    put_be(b, bd, 8);
    gwrite(c, c->lpid, ad->buf_list_la + 16 + 8 * (ad->posted % 510), b, 8);
    ad->posted++;
    f->st.buffers_added++;
    return H_SUCCESS;
}

static long h_send(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    (void)rets;
    comm *f = C(c);
    llan_adapter *ad = &f->ad[c->lpid];
    f->last_copy_cycles = f->last_copy_lines = 0;
    if (a[0] != f->cfg.unit_address || a[7] != 0)
        return refuse(c, H_PARAMETER);
    hcall_mem(c, ad->desc_paddr, 128, MEM_READ);
    if (!ad->open)
        return refuse(c, H_DROPPED);
    uint64_t total = 0;
    int nb = 0;
    while (nb < 6 && (a[1 + nb] & LLAN_BD_VALID)) {
        uint64_t len = LLAN_BD_LEN(a[1 + nb]);
        if (!in_lpar(c, LLAN_BD_ADDR(a[1 + nb]), len))
            return refuse(c, H_PARAMETER);
        total += len;
        nb++;
    }
    hcall_steps(c, (uint64_t)nb + 1);
    if (total == 0)
        return H_SUCCESS;
    if (total > LLAN_MAX_FRAME)
        return refuse(c, H_RESOURCE);
    if (LLAN_BD_LEN(a[1]) < 6)
        return refuse(c, H_PARAMETER);
    unsigned char mac[6];
    gread(c, c->lpid, LLAN_BD_ADDR(a[1]), mac, 6);
    uint64_t m = 0;
    for (int i = 0; i < 6; i++)
        m = m << 8 | mac[i];
    uint64_t dst = m & 0xffffffffULL;
    if ((m >> 32) != (LLAN_MAC(0) >> 32) || dst >= f->nlp || !f->ad[dst].open) {
        if (dst < f->nlp)
            hcall_mem(c, f->ad[dst].desc_paddr, 128, MEM_READ);
        return refuse(c, H_DROPPED);
    }
    llan_adapter *d = &f->ad[dst];
    hcall_mem(c, d->desc_paddr, 128, MEM_READ);
    unsigned k = 0;
    while (k < d->nq && (d->q[k].len < total + 8 || d->q[k].n == 0))
        k++;
    hcall_steps(c, k + 1);
    if (k == d->nq)
        return refuse(c, H_DROPPED);
    uint64_t bd = d->q[k].bd[--d->q[k].n];
    d->posted--;
    uint64_t buf = LLAN_BD_ADDR(bd), off = 0;
    /* the buffer's pages, and the sender's, reachable by the copy */
    for (uint64_t pg = buf & ~4095ULL; pg < buf + LLAN_BD_LEN(bd); pg += 4096)
        hyp_hv_real(c, (unsigned)dst, pg, true);
    for (int i = 0; i < nb; i++)
        for (uint64_t pg = LLAN_BD_ADDR(a[1 + i]) & ~4095ULL;
             pg < LLAN_BD_ADDR(a[1 + i]) + LLAN_BD_LEN(a[1 + i]); pg += 4096)
            hyp_hv_real(c, c->lpid, pg, false);
    for (int i = 0; i < nb; i++) {
        uint64_t len = LLAN_BD_LEN(a[1 + i]), lines = 0;
        uint64_t cyc = comm_copy_la(c->h, c->thread, c->op.end, (unsigned)dst, buf + 8 + off,
                                    c->lpid, LLAN_BD_ADDR(a[1 + i]), len, &lines);
        op_charge(&c->op, P_COPY, cyc);
        f->last_copy_cycles += cyc;
        f->last_copy_lines += lines;
        off += len;
    }
    f->st.lines_copied += f->last_copy_lines;
    unsigned char corr[8], e[16];
    gread(c, (unsigned)dst, buf, corr, 8);
    e[0] = (unsigned char)(LLAN_RXQC_VALID | (d->rxq_toggle ? 0 : LLAN_RXQC_TOGGLE));
    e[1] = 0;
    put_be(e + 2, 8, 2);
    put_be(e + 4, total, 4);
    memcpy(e + 8, corr, 8);
    gwrite(c, (unsigned)dst, d->rxq_la + d->rxq_ptr, e, 16);
    d->rxq_ptr += 16;
    if (d->rxq_ptr >= d->rxq_len) {
        d->rxq_ptr = 0;
        d->rxq_toggle = !d->rxq_toggle;
    }
    hcall_mem(c, d->desc_paddr, 128, MEM_WRITE);
    unsigned me = c->lpid; /* the buffer is consumed: the receiver's area goes */
    c->lpid = (unsigned)dst;
    hyp_crit_area(c, AREA_BUFFER(buf), 0, 0);
    c->lpid = me;
    f->st.frames_sent++;
    f->st.bytes_sent += total;
    return H_SUCCESS;
}

static const char parts[] = "compute,memory,tlb,queueing,copy";
const hyp_hcall_desc comm_hcalls[4] = {
    {H_REGISTER_LOGICAL_LAN, "H_REGISTER_LOGICAL_LAN", NULL, parts, h_register},
    {H_FREE_LOGICAL_LAN, "H_FREE_LOGICAL_LAN", NULL, parts, h_free},
    {H_ADD_LOGICAL_LAN_BUFFER, "H_ADD_LOGICAL_LAN_BUFFER", NULL, parts, h_add},
    {H_SEND_LOGICAL_LAN, "H_SEND_LOGICAL_LAN", NULL, parts, h_send},
};
