/*
 * migrate_src.c - the source side of a migration (migrate_int.h has the
 * steps): HELLO, C-bit harvests (a charged HPT scan, C cleared through the
 * invalidation pipeline: one tlbie batch, so that the next store sets C
 * again), buffers filled through the memory model and posted over the
 * platform's RDMA carrier, the suspend (the LPAR's vCPUs leave their
 * threads) and the final copy; the auditor's stamps and checksums.
 * Invariant: a page is in the dirty set from the harvest (or HPTE removal)
 * that saw its C bit until the pass that sends it.
 */
#include <stdlib.h>
#include <string.h>

#include "migrate_int.h"

static void ctx_at(migrate *m, hcall_ctx *c, uint64_t at)
{
    hyp_ctx_begin(m->h, c, m->lpid, (unsigned)m->cfg.thread, at);
    c->fs = m;
}

void mig_src_mark_dirty(migrate *m, uint64_t ra, uint64_t bytes)
{
    if (!m->dirty)
        return;
    uint64_t base = ra & ~(bytes - 1);
    bool shared = hyp_lpar_shared(m->h, m->lpid);
    for (uint64_t off = 0; off < bytes; off += MIG_PAGE) {
        uint64_t la = shared ? hyp_backing_ra_to_la(m->h, m->lpid, base + off)
                             : hyp_real_to_logical(m->h, m->lpid, base + off);
        if (la != UINT64_MAX && la / MIG_PAGE < m->npages)
            m->dirty[la / MIG_PAGE] = 1;
    }
}

/* The auditor's stand-in for stores (traces carry no data): a TLB fill of
 * the LPAR whose HPTE has C set lets stores through, so a stamp is written
 * into the page (C is set: the next harvest sees the page dirty). */
uint64_t mig_src_fill(void *ctx, unsigned thread, unsigned lpid, uint64_t ptex, uint64_t vpn,
                      unsigned psize, uint64_t now)
{
    (void)thread, (void)vpn, (void)psize, (void)now;
    migrate *m = ctx;
    if (lpid != m->lpid || m->phase == MS_DONE)
        return 0;
    hpte x = hpt_read(hyp_lpar_hpt(m->h, lpid), ptex);
    uint64_t bytes, ra = hyp_hpte_real(x, &bytes);
    if (ra == UINT64_MAX || !(x.r & HPTE_R_C))
        return 0;
    uint64_t v = (m->ast.stamps * 0x9e3779b97f4a7c15ULL) | 1;
    physmem_write_bytes(m->h->env.pm, (ra & ~(bytes - 1)) + 8 * (m->ast.stamps % (bytes / 8)), &v,
                        8);
    m->ast.stamps++;
    return 0;
}

typedef struct harvest {
    hyp_hits hits;
    unsigned lpid;
} harvest;

static int collect(void *ctx, unsigned lpid, uint64_t ptex, hpte e)
{
    harvest *hv = ctx;
    if (e.r & HPTE_R_C)
        return hyp_hits_push(&hv->hits, lpid, ptex);
    return 0;
}

/* Scan the LPAR's HPT (charged), move every C bit into the dirty set and
 * clear it with one tlbie batch. */
static void harvest_c(migrate *m, hcall_ctx *c)
{
    hyp *h = m->h;
    const hpt *t = hyp_lpar_hpt(h, m->lpid);
    hyp_stream(h, c, t->base, t->size, MEM_READ);
    hcall_steps(c, t->size / (HPT_HPTE_BYTES * 8)); /* one step per PTEG */
    harvest hv = {{0}, m->lpid};
    if (hyp_each_valid_hpte(h, m->lpid, collect, &hv) != 0) {
        free(hv.hits.v);
        mig_fail(m, "out of host memory harvesting C bits");
        return;
    }
    hyp_batch b;
    hyp_batch_init(&b, c, m->lpid);
    for (size_t i = 0; i < hv.hits.n; i++) {
        uint64_t ptex = hv.hits.v[i].ptex, bytes;
        hpte x = hpt_read(t, ptex);
        uint64_t ra = hyp_hpte_real(x, &bytes);
        mig_src_mark_dirty(m, ra, bytes);
        hpte n = {x.v, x.r & ~HPTE_R_C};
        hyp_batch_downgrade(&b, ptex, x, n);
        m->st.hptes_cleaned++;
    }
    free(hv.hits.v);
    if (b.n)
        m->st.tlbies++;
    if (hyp_batch_commit(&b) != 0)
        mig_fail(m, "out of host memory for a harvest's tlbie batch");
}

static void suspend(migrate *m, uint64_t at)
{
    hyp *h = m->h;
    const hyp_lpar *lp = h->lpars[m->lpid];
    for (unsigned i = 0; i < lp->nvcpus; i++)
        cpu_thread_switch(&h->env.threads[lp->vcpu_thread[i]], NULL);
    m->st.suspend_cycle = at;
    if (m->audit) {
        m->src_sum = calloc(m->npages, sizeof *m->src_sum);
        unsigned char page[MIG_PAGE];
        sim_err e = {{0}};
        for (uint64_t p = 0; m->src_sum && p < m->npages; p++) {
            if (!lp->shared)
                physmem_read_bytes(h->env.pm, hyp_logical_to_real(h, m->lpid, p * MIG_PAGE),
                                   page, MIG_PAGE);
            else if (hyp_backing_read(h, NULL, m->lpid, p * MIG_PAGE, page, &e) != 0) {
                mig_fail(m, "migration audit: %s", e.msg);
                return;
            }
            m->src_sum[p] = mig_sum(page);
        }
        if (!m->src_sum)
            mig_fail(m, "out of host memory for the migration auditor");
    }
}

static int post(migrate *m, uint64_t now, uint64_t tag, const void *data, uint64_t len,
                uint64_t *arrival, sim_err *e)
{
    uint64_t cycles;
    if (hyp_rdma_control(m->h, now, (unsigned)m->dest, data, len, tag, &cycles, arrival, e) !=
        0) {
        sim_err_prefix(e, "hypervisor.migrate");
        return -1;
    }
    return 0;
}

static uint64_t count(const uint8_t *v, uint64_t n)
{
    uint64_t k = 0;
    for (uint64_t i = 0; i < n; i++)
        k += v[i];
    return k;
}

/* Start of a pass (or the migration): harvest, decide, take the send set. */
static int begin_pass(migrate *m, uint64_t at, sim_err *e)
{
    hcall_ctx c;
    ctx_at(m, &c, at);
    if (m->phase == MS_IDLE) {
        hyp *h = m->h;
        const char *self = hyp_rdma_self_name(h);
        if (!self)
            return sim_errf(e, "hypervisor.migrate.to: '%s', but this machine is not on a "
                               "platform; expected `lparsim run PLATFORM.yaml` with a machine "
                               "'%s' joined to this one by a link", m->cfg.to, m->cfg.to);
        m->dest = hyp_rdma_machine(h, m->cfg.to);
        if (m->dest < 0 || strcmp(self, m->cfg.to) == 0)
            return sim_errf(e, "hypervisor.migrate.to: '%s' is not another machine of the "
                               "platform; expected a name of platform.machines other than '%s'",
                            m->cfg.to, self);
        mig_hello hl = {h->lpars[m->lpid]->memory, at, m->cfg.target_storage, {0}};
        strncpy(hl.name, m->cfg.lpar, MIG_NAME - 1);
        uint64_t arr;
        if (post(m, at, MIG_HELLO, &hl, sizeof hl, &arr, e) != 0)
            return -1;
        harvest_c(m, &c); /* dirty tracking starts: what C held is sent anyway */
        memset(m->sendset, 1, m->npages);
        memset(m->dirty, 0, m->npages);
        m->phase = MS_PRECOPY;
    } else {
        harvest_c(m, &c);
        uint64_t nd = count(m->dirty, m->npages);
        if (nd <= m->cfg.stop_pages || m->st.passes >= m->cfg.max_passes) {
            suspend(m, at);
            m->phase = MS_FINAL;
            m->st.final_pages = m->cfg.inject == MIG_INJ_SKIP_RESEND ? 0 : nd;
        }
        if (m->cfg.inject == MIG_INJ_SKIP_RESEND)
            memset(m->dirty, 0, m->npages); /* the bug: dirtied pages forgotten */
        memcpy(m->sendset, m->dirty, m->npages);
        memset(m->dirty, 0, m->npages);
    }
    if (m->phase == MS_PRECOPY)
        m->st.passes++;
    m->cursor = 0;
    m->next_at = c.op.end;
    return 0;
}

/* Page lpn's bytes into data and into the buffer at real address buf,
 * from cycle t; *cycles: the time taken. A dedicated LPAR's page is copied
 * (hyp_copy: its real address read, the buffer written); a shared one's is
 * read wherever it is (a frame, or its paging device, waited for, without
 * paging it in) and then written to the buffer. */
static int read_page(migrate *m, uint64_t lpn, uint64_t t, uint64_t buf, unsigned char *data,
                     uint64_t *cycles, sim_err *e)
{
    hyp *h = m->h;
    if (!hyp_lpar_shared(h, m->lpid)) {
        uint64_t ra = hyp_logical_to_real(h, m->lpid, lpn * MIG_PAGE);
        mem_copy_res r;
        if (hyp_copy(h, (unsigned)m->cfg.thread, t, buf, ra, MIG_PAGE, &r) != 0)
            return sim_errf(e, "out of host memory");
        physmem_read_bytes(h->env.pm, ra, data, MIG_PAGE);
        *cycles = r.cycles;
        return 0;
    }
    if (hyp_shared_la_to_ra(h, m->lpid, lpn * MIG_PAGE) == UINT64_MAX)
        m->st.read_not_resident++;
    hcall_ctx c;
    ctx_at(m, &c, t);
    if (hyp_backing_read(h, &c, m->lpid, lpn * MIG_PAGE, data, e) != 0)
        return -1;
    mem_copy_cfg cc = hyp_copy_cfg(h);
    op_charge(&c.op, c.p_memory, mem_touch(c.port, buf, MIG_PAGE, MEM_WRITE, &cc, c.op.end, NULL));
    *cycles = c.op.end - t;
    return 0;
}

/* One buffer: copy up to buffer_pages pages of the send set, post it. */
static int fill(migrate *m, uint64_t at, sim_err *e)
{
    uint64_t b = m->nextbuf;
    if (m->buf_free[b] > at) { /* its previous message is still on its way */
        m->next_at = m->buf_free[b];
        return 0;
    }
    uint64_t t = at;
    uint64_t bufpa = m->buf_paddr + b * m->cfg.buffer_pages * MIG_PAGE, k = 0;
    unsigned char *p = m->msg;
    while (k < m->cfg.buffer_pages && m->cursor < m->npages) {
        uint64_t lpn = m->cursor++;
        if (!m->sendset[lpn])
            continue;
        uint64_t cycles = 0;
        if (read_page(m, lpn, t, bufpa + k * MIG_PAGE, p + MIG_REC_HDR, &cycles, e) != 0)
            return -1;
        mig_rec rec = {(uint32_t)lpn, (uint32_t)cycles, t};
        memcpy(p, &rec, sizeof rec);
        p += MIG_REC_HDR + MIG_PAGE;
        t += cycles;
        if (m->sent[lpn])
            m->st.pages_resent++;
        m->sent[lpn] = 1;
        m->st.pages_sent++;
        k++;
    }
    bool done = m->cursor >= m->npages;
    bool last = done && m->phase == MS_FINAL;
    uint64_t len = (uint64_t)(p - m->msg), arr = t;
    if (k || last) {
        uint64_t tag = last ? MIG_LAST | m->st.suspend_cycle << MIG_TAG_SHIFT
                            : m->phase == MS_FINAL ? MIG_FINAL : MIG_PAGES;
        if (post(m, t, tag, m->msg, len, &arr, e) != 0)
            return -1;
        m->st.bytes_sent += len;
        m->st.buffers_sent++;
        m->buf_free[b] = arr;
        m->nextbuf = (b + 1) % m->cfg.buffers;
    }
    if (last && m->audit) {
        uint64_t a2;
        if (post(m, t, MIG_AUDIT, m->src_sum, m->npages * sizeof *m->src_sum, &a2, e) != 0)
            return -1;
    }
    m->next_at = t > at ? t : at + 1;
    if (last)
        m->phase = MS_DONE;
    else if (done)
        m->cursor = UINT64_MAX; /* the next event begins a pass */
    return 0;
}

int mig_src_event(migrate *m, uint64_t at, sim_err *e)
{
    if (m->phase == MS_IDLE || m->cursor == UINT64_MAX)
        return begin_pass(m, at, e);
    return fill(m, at, e);
}
