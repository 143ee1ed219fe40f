/*
 * migrate_dst.c - the target side of a migration: the RDMA sink that takes
 * the source's messages (HELLO checked against the receiving LPAR, pages
 * stored, LAST, the auditor's checksums), the resume (the LPAR's vCPUs put
 * back on their threads), the statistics and the auditor's comparison.
 * Pages are stored by hardware thread hypervisor.migrate.thread's core,
 * one message after another from its arrival: before the final copy into
 * the paging device (target_storage paging) or frames, after suspend into
 * frames. Resume waits for every store the hypervisor makes; paging-device
 * writes still queued complete after it (a page-in of such a page queues
 * behind its write in the device: migration.device_backlog_cycles).
 * Invariant: the LPAR's vCPUs run only after resume; at resume every page
 * holds the bytes of its last copy sent.
 */
#include <stdlib.h>
#include <string.h>

#include "migrate_int.h"

static int check_hello(migrate *m, const hyp_rdma_msg *msg, sim_err *e)
{
    hyp *h = m->h;
    mig_hello hl;
    if (msg->len != sizeof hl)
        return sim_errf(e, "hypervisor.migrate: a malformed HELLO from machine %u", msg->src);
    memcpy(&hl, msg->data, sizeof hl);
    hl.name[MIG_NAME - 1] = 0;
    if (strcmp(hl.name, m->cfg.lpar) != 0)
        return sim_errf(e, "hypervisor.migrate.lpar: the source migrates LPAR '%s' but this "
                           "machine receives '%s'; expected an LPAR '%s' here with "
                           "hypervisor.migrate.lpar naming it", hl.name, m->cfg.lpar, hl.name);
    uint64_t mem = h->lpars[m->lpid]->memory;
    if (mem != hl.memory)
        return sim_errf(e, "hypervisor.migrate.lpar: LPAR '%s' has %llu bytes here but %llu at "
                           "the source; expected equal memory sizes", hl.name,
                        (unsigned long long)mem, (unsigned long long)hl.memory);
    if (hl.storage == MIG_STORE_PAGING && !hyp_lpar_shared(h, m->lpid))
        return sim_errf(e, "hypervisor.migrate.target_storage: paging, but LPAR '%s' here has "
                           "dedicated memory; expected memory_mode shared on the target (or "
                           "target_storage memory)", hl.name);
    m->hello = true;
    m->storage = hl.storage;
    m->st.start_cycle = hl.start;
    return 0;
}

/* Store one page of the LPAR, charged to c; *done: when it is stored. */
static int store(migrate *m, hcall_ctx *c, uint64_t lpn, const void *bytes, bool to_memory,
                 uint64_t *done, sim_err *e)
{
    hyp *h = m->h;
    if (hyp_lpar_shared(h, m->lpid)) {
        if (hyp_backing_import(h, c, m->lpid, lpn * MIG_PAGE, bytes, to_memory, done, e) != 0)
            return -1;
    } else {
        uint64_t ra = hyp_logical_to_real(h, m->lpid, lpn * MIG_PAGE);
        if (physmem_write_bytes(h->env.pm, ra, bytes, MIG_PAGE) != 0)
            return sim_errf(e, "out of host memory");
        mem_copy_cfg cc = hyp_copy_cfg(h);
        op_charge(&c->op, c->p_memory,
                  mem_touch(c->port, ra, MIG_PAGE, MEM_WRITE, &cc, c->op.end, NULL));
        *done = c->op.end;
        to_memory = true;
    }
    if (to_memory)
        m->st.to_memory++;
    else
        m->st.to_device++;
    return 0;
}

static int pages(migrate *m, const hyp_rdma_msg *msg, unsigned kind, sim_err *e)
{
    hyp *h = m->h;
    if (!m->hello)
        return sim_errf(e, "hypervisor.migrate: pages from machine %u before its HELLO",
                        msg->src);
    bool to_memory = kind != MIG_PAGES || m->storage == MIG_STORE_MEMORY;
    uint64_t t = msg->arrival > m->busy ? msg->arrival : m->busy;
    const unsigned char *p = msg->data, *end = msg->data + msg->len;
    for (; p + MIG_REC_HDR + MIG_PAGE <= end; p += MIG_REC_HDR + MIG_PAGE) {
        mig_rec rec;
        memcpy(&rec, p, sizeof rec);
        if (rec.lpn >= m->npages)
            return sim_errf(e, "hypervisor.migrate: page %u beyond LPAR '%s'", rec.lpn,
                            m->cfg.lpar);
        hcall_ctx c;
        hyp_ctx_begin(h, &c, m->lpid, (unsigned)m->cfg.thread, t);
        c.fs = m;
        hcall_use_part(&c, MPP_WRITE);
        uint64_t done;
        if (store(m, &c, rec.lpn, p + MIG_REC_HDR, to_memory, &done, e) != 0)
            return -1;
        t = c.op.end;
        if (done > m->dev_done)
            m->dev_done = done;
        /* the page's life: read at the source, in its buffer, on the link,
         * stored here (the write part ends when the store is done) */
        op_rec o;
        op_begin(&o, rec.read_start);
        uint64_t read_end = rec.read_start + rec.read_cycles;
        op_charge(&o, MPP_READ, rec.read_cycles);
        op_charge(&o, MPP_BUFFER, msg->sent > read_end ? msg->sent - read_end : 0);
        op_charge(&o, MPP_SEND, msg->arrival - o.end);
        op_charge(&o, MPP_WRITE, (done > t ? done : t) - msg->arrival);
        ops_record(h->env.ops, m->op_page, &o);
        m->st.pages_received++;
    }
    m->busy = t;
    if (kind == MIG_PAGES) {
        uint64_t res = 0, ins;
        if (hyp_lpar_shared(h, m->lpid))
            hyp_backing_counts(h, m->lpid, &res, &ins);
        else
            res = m->st.to_memory;
        if (res > m->st.precopy_frames)
            m->st.precopy_frames = res;
    }
    if (kind == MIG_LAST) {
        m->last = true;
        m->suspend = msg->tag >> MIG_TAG_SHIFT;
        m->last_arrival = msg->arrival;
        m->resume_at = m->busy; /* device writes still queued finish after it */
        hyp_request_event(h, m->resume_at);
    }
    return 0;
}

/* The auditor: the target's pages against the source's checksums. */
static void compare(migrate *m)
{
    for (uint64_t p = 0; p < m->npages && !m->failed; p++) {
        m->ast.checks++;
        if (m->dst_sum[p] != m->want_sum[p]) {
            m->ast.violations++;
            mig_fail(m, "migration audit: page %llu of LPAR '%s' differs at the target from "
                        "the source's at suspend (checksum 0x%016llx, expected 0x%016llx)",
                     (unsigned long long)p, m->cfg.lpar, (unsigned long long)m->dst_sum[p],
                     (unsigned long long)m->want_sum[p]);
        }
    }
}

int mig_dst_sink(void *ctx, const hyp_rdma_msg *msg, sim_err *e)
{
    migrate *m = ctx;
    unsigned kind = (unsigned)(msg->tag & ((1u << MIG_TAG_SHIFT) - 1));
    switch (kind) {
    case MIG_HELLO: return check_hello(m, msg, e);
    case MIG_PAGES:
    case MIG_FINAL:
    case MIG_LAST: return pages(m, msg, kind, e);
    case MIG_AUDIT:
        if (msg->len != m->npages * sizeof *m->want_sum || !m->npages)
            return sim_errf(e, "hypervisor.migrate: malformed audit checksums");
        m->want_sum = malloc(msg->len);
        if (!m->want_sum)
            return sim_errf(e, "out of host memory");
        memcpy(m->want_sum, msg->data, msg->len);
        if (m->dst_sum)
            compare(m);
        return 0;
    default: return sim_errf(e, "hypervisor.migrate: unknown message %u", kind);
    }
}

int mig_dst_resume(migrate *m, uint64_t at, sim_err *e)
{
    hyp *h = m->h;
    cpu_vcpu *const *v;
    unsigned n = hyp_lpar_vcpus(h, m->lpid, &v);
    const hyp_lpar *lp = h->lpars[m->lpid];
    for (unsigned i = 0; i < n; i++) {
        cpu_thread *t = &h->env.threads[lp->vcpu_thread[i]];
        cpu_thread_switch(t, v[i]);
        if (t->clock < at)
            t->clock = at;
    }
    m->resumed = true;
    m->st.resume_cycle = at;
    m->st.total_cycles = at - m->st.start_cycle;
    m->st.downtime_cycles = at - m->suspend;
    m->st.device_backlog_cycles = m->dev_done > at ? m->dev_done - at : 0;
    op_rec o;
    op_begin(&o, m->st.start_cycle);
    op_charge(&o, MPT_PRECOPY, m->suspend - m->st.start_cycle);
    op_charge(&o, MPT_FINAL, m->last_arrival - m->suspend);
    op_charge(&o, MPT_RESUME, at - m->last_arrival);
    ops_record(h->env.ops, m->op_total, &o);
    uint64_t res;
    if (hyp_lpar_shared(h, m->lpid))
        hyp_backing_counts(h, m->lpid, &res, &m->page_ins0);
    if (m->audit) {
        m->dst_sum = calloc(m->npages, sizeof *m->dst_sum);
        if (!m->dst_sum)
            return sim_errf(e, "out of host memory");
        unsigned char page[MIG_PAGE];
        for (uint64_t p = 0; p < m->npages; p++) {
            if (hyp_lpar_shared(h, m->lpid)) {
                if (hyp_backing_read(h, NULL, m->lpid, p * MIG_PAGE, page, e) != 0)
                    return -1;
            } else
                physmem_read_bytes(h->env.pm, hyp_logical_to_real(h, m->lpid, p * MIG_PAGE),
                                   page, MIG_PAGE);
            m->dst_sum[p] = mig_sum(page);
        }
        if (m->want_sum)
            compare(m);
    }
    return 0;
}

void mig_dst_finish(migrate *m)
{
    uint64_t res, ins;
    if (hyp_lpar_shared(m->h, m->lpid)) {
        hyp_backing_counts(m->h, m->lpid, &res, &ins);
        m->st.post_resume_page_ins = ins - m->page_ins0;
    }
}
