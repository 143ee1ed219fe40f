/*
 * migrate.c - the migration feature's life (seed 002, abstract E;
 * docs/migration.md): the state-record buffers it reserves in hypervisor
 * memory (source), creation (ops, statistics, the source's C-bit hooks,
 * the target's RDMA sink), the checks against the built machine (start:
 * the LPAR; the target's vCPUs held off their threads), timed events and
 * the feature table.
 * Invariant: nothing is charged and no state changes on the source before
 * hypervisor.migrate.start_us; on the target before the first message.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate_int.h"

static bool is_source(const migrate_config *c) { return c->to && *c->to; }

static uint64_t buf_bytes(const migrate_config *c)
{
    return is_source(c) ? c->buffers * c->buffer_pages * MIG_PAGE : 0;
}

static uint64_t mig_memory_needed(const void *cfg, const hyp_config *hc, unsigned nlpars,
                                  const uint64_t *lpar_memory, const uint64_t *hpt_bytes,
                                  unsigned nthreads)
{
    (void)hc, (void)nlpars, (void)lpar_memory, (void)hpt_bytes, (void)nthreads;
    return buf_bytes(cfg);
}

void mig_fail(migrate *m, const char *fmt, ...)
{
    if (m->failed)
        return;
    m->failed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->err.msg, sizeof m->err.msg, fmt, ap);
    va_end(ap);
    hyp_fail(m->h, &m->err);
}

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t mig_sum(const void *page)
{
    uint64_t w[MIG_PAGE / 8], s = 0;
    memcpy(w, page, MIG_PAGE);
    for (unsigned i = 0; i < MIG_PAGE / 8; i++)
        s += mix(w[i] ^ ((uint64_t)i << 48));
    return s;
}

/* HPTE hooks of the source: a removed entry's C, or one H_CLEAR_MOD
 * clears, is harvested into the dirty set. */
static void on_remove(void *ctx, hcall_ctx *c, uint64_t ptex, hpte old, uint64_t ra)
{
    (void)ptex;
    migrate *m = ctx;
    uint64_t bytes;
    if (c->lpid == m->lpid && (old.r & HPTE_R_C) && hyp_hpte_real(old, &bytes) != UINT64_MAX)
        mig_src_mark_dirty(m, ra, bytes);
}

static void *mig_create(hyp *h, const void *cfg, bool audit, sim_err *e)
{
    const migrate_config *c = cfg;
    migrate *m = calloc(1, sizeof *m);
    if (!m) {
        sim_errf(e, "out of host memory");
        return NULL;
    }
    m->h = h;
    m->cfg = *c;
    m->cfg.lpar = strdup(c->lpar ? c->lpar : "");
    m->cfg.to = strdup(c->to ? c->to : "");
    m->source = is_source(c);
    m->audit = c->audit || audit;
    m->dest = -1;
    if (!m->cfg.lpar || !m->cfg.to) {
        sim_errf(e, "out of host memory");
        goto fail;
    }
    if (!*m->cfg.lpar) {
        sim_errf(e, "hypervisor.migrate.lpar: missing; expected the name of the LPAR to %s",
                 m->source ? "migrate" : "receive");
        goto fail;
    }
    m->op_page = ops_declare(h->env.ops, "migration.page",
                             "one page migrated (recorded at the target): the source's read "
                             "into a buffer, the wait until the buffer is posted, the link, "
                             "the target's store", "read,buffer,send,write");
    m->op_total = ops_declare(h->env.ops, "migration.total",
                              "the whole migration (recorded at the target): pre-copy until "
                              "suspend, the final copy's arrival, its store until resume",
                              "precopy,final,resume");
    if (m->op_page == OP_INVALID || m->op_total == OP_INVALID ||
        stats_register(h->env.stats, "migration", &migrate_stat_table, &m->st) != 0 ||
        stats_register(h->env.stats, "migration.audit", &migrate_audit_stat_table, &m->ast) !=
            0) {
        sim_errf(e, "out of host memory for the migration's ops and statistics");
        goto fail;
    }
    if (m->source) {
        m->buf_paddr = lmb_hyp_alloc_top(&h->lmb, buf_bytes(c), MIG_PAGE);
        m->buf_free = calloc(c->buffers, sizeof *m->buf_free);
        m->msg = malloc(c->buffer_pages * (MIG_PAGE + MIG_REC_HDR));
        if (!m->buf_free || !m->msg) {
            sim_errf(e, "out of host memory");
            goto fail;
        }
        if (m->buf_paddr == UINT64_MAX) {
            sim_errf(e, "hypervisor.memory: too small for the migration's buffers (%llu bytes); "
                        "raise it or set it to 0 (automatic)",
                     (unsigned long long)buf_bytes(c));
            goto fail;
        }
        hyp_ext x = {.ctx = m, .on_remove = on_remove, .on_clear_mod = on_remove};
        if (hyp_add_ext(h, &x) != 0) {
            sim_errf(e, "hypervisor.migrate: too many HPTE hooks");
            goto fail;
        }
    } else if (hyp_rdma_set_sink(h, mig_dst_sink, m) != 0) {
        sim_errf(e, "hypervisor.migrate: another receiver already takes this machine's RDMA "
                    "writes; expected the migration target to be the only one");
        goto fail;
    }
    return m;
fail:
    free(m->cfg.lpar), free(m->cfg.to), free(m->buf_free), free(m->msg), free(m);
    return NULL;
}

static void mig_destroy(void *f)
{
    migrate *m = f;
    if (!m)
        return;
    free(m->cfg.lpar), free(m->cfg.to), free(m->buf_free), free(m->msg);
    free(m->dirty), free(m->sent), free(m->sendset), free(m->src_sum), free(m->dst_sum);
    free(m->want_sum);
    free(m);
}

static int mig_start(void *f, sim_err *e)
{
    migrate *m = f;
    hyp *h = m->h;
    const char *name = m->cfg.lpar;
    unsigned n = hyp_lpar_count(h), lpid = n;
    for (unsigned i = 0; i < n; i++)
        if (strcmp(hyp_lpar_name(h, i), name) == 0)
            lpid = i;
    if (lpid == n)
        return sim_errf(e, "hypervisor.migrate.lpar: '%s' is not an LPAR of this machine; "
                           "expected one of lpars[].name", name);
    if (m->cfg.thread >= h->env.nthreads)
        return sim_errf(e, "hypervisor.migrate.thread: %llu; expected a hardware thread below "
                           "%u", (unsigned long long)m->cfg.thread, h->env.nthreads);
    const hyp_lpar *lp = h->lpars[lpid];
    for (unsigned i = 0; i < lp->nvcpus; i++)
        if (lp->vcpu_thread[i] == HYP_NO_THREAD)
            return sim_errf(e, "hypervisor.migrate.lpar: '%s' has shared processors; expected "
                               "dedicated ones (processors.mode dedicated)", name);
    m->lpid = lpid;
    m->npages = lp->memory / MIG_PAGE;
    if (m->source) {
        m->dirty = calloc(m->npages, 1);
        m->sent = calloc(m->npages, 1);
        m->sendset = calloc(m->npages, 1);
        if (!m->dirty || !m->sent || !m->sendset)
            return sim_errf(e, "out of host memory");
        /* a shared LPAR's stores are stamped by its backer's auditor */
        if (m->audit && !lp->shared && hyp_add_fill_listener(h, mig_src_fill, m) != 0)
            return sim_errf(e, "hypervisor.migrate: too many TLB-fill listeners");
        m->phase = MS_IDLE;
        m->next_at = (uint64_t)(m->cfg.start_us * (double)h->env.freq_mhz);
    } else {
        /* held until resume: off their threads (the machine runs them again
         * when the resume event puts them back) */
        for (unsigned i = 0; i < lp->nvcpus; i++)
            cpu_thread_switch(&h->env.threads[lp->vcpu_thread[i]], NULL);
    }
    return 0;
}

static uint64_t mig_next_event(const void *f)
{
    const migrate *m = f;
    if (m->source)
        return m->phase == MS_DONE ? UINT64_MAX : m->next_at;
    return m->last && !m->resumed ? m->resume_at : UINT64_MAX;
}

static int mig_event(void *f, uint64_t at, sim_err *e)
{
    migrate *m = f;
    return m->source ? mig_src_event(m, at, e) : mig_dst_resume(m, at, e);
}

static int mig_finish(void *f, sim_err *e)
{
    migrate *m = f;
    if (m->source) {
        if (m->phase != MS_DONE && !m->failed)
            return sim_errf(e, "hypervisor.migrate: LPAR '%s' was not migrated (the run ended "
                               "before cycle %llu, or during the migration); expected "
                               "start_us within the run", m->cfg.lpar,
                            (unsigned long long)m->next_at);
        return 0;
    }
    if (!m->resumed && !m->failed)
        return sim_errf(e, "hypervisor.migrate: LPAR '%s' was never migrated here (no source "
                           "sent it); expected a source machine with hypervisor.migrate.to "
                           "naming this one", m->cfg.lpar);
    mig_dst_finish(m);
    return 0;
}

static int mig_check_error(const void *f, sim_err *e)
{
    const migrate *m = f;
    if (!m->failed)
        return 0;
    if (e)
        *e = m->err;
    return -1;
}

static void mig_set_audit(void *f, bool on)
{
    migrate *m = f;
    bool now = on || m->cfg.audit;
    if (m->source && m->dirty && now != m->audit && !hyp_lpar_shared(m->h, m->lpid)) {
        if (now)
            hyp_add_fill_listener(m->h, mig_src_fill, m);
        else
            hyp_remove_fill_listener(m->h, mig_src_fill, m);
    }
    m->audit = now;
}

const hyp_feature migrate_feature = {
    .name = "migrate",
    .desc = "LPAR migration between machines (seed 002): pre-copy, dirty re-send, suspend, "
            "final copy, resume.",
    .params = &migrate_feature_params,
    .memory_needed = mig_memory_needed,
    .create = mig_create,
    .destroy = mig_destroy,
    .start = mig_start,
    .finish = mig_finish,
    .next_event = mig_next_event,
    .event = mig_event,
    .check_error = mig_check_error,
    .set_audit = mig_set_audit,
};
