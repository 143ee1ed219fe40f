/*
 * ipca.c - the IPCA feature's state: TABLE 1 and the grant bitmaps in
 * hypervisor memory, creation, the platform hooks (a terminated LPAR's
 * IPCA is dropped, and its grants everywhere), the copy helper the hcalls
 * use, and the feature table.
 * Invariant: TABLE 1 entry l lives at table_paddr + 64 l, its grant bitmap
 * at grant_paddr + l x gwords x 8; every hcall charges the lines it reads
 * or writes there.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipca_int.h"

static unsigned gwords_of(const ipca_config *c) { return (unsigned)((c->max_areas + 63) / 64); }

static uint64_t table_bytes(const ipca_config *c)
{
    return c->max_areas * IPCA_TABLE_ENTRY + c->max_areas * gwords_of(c) * 8ull;
}

static uint64_t ipca_memory_needed(const void *cfg, const hyp_config *hc, unsigned nlpars,
                                   const uint64_t *lpar_memory, const uint64_t *hpt_bytes,
                                   unsigned nthreads)
{
    (void)hc, (void)nlpars, (void)lpar_memory, (void)hpt_bytes, (void)nthreads;
    return table_bytes(cfg) + 4096;
}

ipca *hyp_ipca(hyp *h) { return hyp_feature_state(h, HYP_FEATURE_ipca); }

bool ipca_area_of(const ipca *f, unsigned lpid, uint64_t *la, uint64_t *size)
{
    if (!f || lpid >= f->cfg.max_areas || !f->a[lpid].active)
        return false;
    if (la)
        *la = f->a[lpid].la;
    if (size)
        *size = f->a[lpid].size;
    return true;
}

int ipca_holder(const ipca *f, unsigned lpid)
{
    return f && lpid < f->cfg.max_areas ? f->a[lpid].holder : -1;
}

int ipca_fail(ipca *f, const char *fmt, ...)
{
    f->ast.violations++;
    va_list ap;
    va_start(ap, fmt);
    sim_err_vlatch(&f->err, &f->failed, fmt, ap);
    va_end(ap);
    return -1;
}

void *ipca_create(hyp *h, const void *cfg, bool audit, sim_err *e)
{
    const ipca_config *c = cfg;
    if (c->min_size > c->max_size || c->min_size % IPCA_PAGE || c->max_size % IPCA_PAGE) {
        sim_errf(e, "hypervisor.ipca: min_size %llu and max_size %llu; expected multiples of 4K "
                    "with min_size <= max_size", (unsigned long long)c->min_size,
                 (unsigned long long)c->max_size);
        return NULL;
    }
    if (c->slot_bytes % 128 || c->size % c->slot_bytes || c->size < 2 * c->slot_bytes ||
        c->size % IPCA_PAGE || c->size < c->min_size || c->size > c->max_size) {
        sim_errf(e, "hypervisor.ipca: size %llu and slot_bytes %llu; expected slot_bytes a "
                    "multiple of 128, size a multiple of 4K and of slot_bytes, at least two "
                    "slots, within [min_size, max_size]", (unsigned long long)c->size,
                 (unsigned long long)c->slot_bytes);
        return NULL;
    }
    ipca *f = calloc(1, sizeof *f);
    if (!f) {
        sim_errf(e, "out of host memory");
        return NULL;
    }
    f->h = h;
    f->cfg = *c;
    f->gwords = gwords_of(c);
    f->a = calloc(c->max_areas, sizeof *f->a);
    if (!f->a)
        goto oom;
    for (uint64_t i = 0; i < c->max_areas; i++) {
        f->a[i].holder = -1;
        if (!(f->a[i].grant = calloc(f->gwords, 8)))
            goto oom;
    }
    f->table_paddr = lmb_hyp_alloc_top(&h->lmb, c->max_areas * IPCA_TABLE_ENTRY, 128);
    f->grant_paddr = lmb_hyp_alloc_top(&h->lmb, c->max_areas * f->gwords * 8ull, 128);
    if (f->table_paddr == UINT64_MAX || f->grant_paddr == UINT64_MAX) {
        ipca_destroy(f);
        sim_errf(e, "hypervisor.memory: too small for TABLE 1 (%llu bytes); raise it or set it "
                    "to 0 (automatic)", (unsigned long long)table_bytes(c));
        return NULL;
    }
    f->st.table_bytes = table_bytes(c);
    const char *p = "lookup,lock_wait,copy,scan";
    f->op_write = ops_declare(h->env.ops, "ipca.write",
                              "a guest's write of a slot into a peer's IPCA (lookup and "
                              "validation, waiting for the lock, the copy)", p);
    f->op_read = ops_declare(h->env.ops, "ipca.read",
                             "a guest's read of another partition's IPCA", p);
    f->op_poll = ops_declare(h->env.ops, "ipca.poll",
                             "an owner's poll of its own IPCA: lock, header scan, copies of "
                             "new payloads to the user buffer", p);
    if (f->op_write == OP_INVALID || f->op_read == OP_INVALID || f->op_poll == OP_INVALID ||
        stats_register(h->env.stats, "ipca", &ipca_stat_table, &f->st) != 0 ||
        stats_register(h->env.stats, "ipca.audit", &ipca_audit_stat_table, &f->ast) != 0 ||
        ipca_audit_set(f, c->audit || audit) != 0)
        goto oom;
    return f;
oom:
    ipca_destroy(f);
    sim_errf(e, "out of host memory for the IPCA tables");
    return NULL;
}

void ipca_destroy(void *vf)
{
    ipca *f = vf;
    if (!f)
        return;
    for (uint64_t i = 0; f->a && i < f->cfg.max_areas; i++)
        free(f->a[i].grant);
    free(f->a);
    ipca_audit_set(f, false);
    free(f);
}

void ipca_record(ipca *f, op_id id, uint64_t start, uint64_t lookup, uint64_t lock_wait,
                 uint64_t copy, uint64_t scan)
{
    op_rec o;
    op_begin(&o, start);
    op_charge(&o, 0, lookup);
    op_charge(&o, 1, lock_wait);
    op_charge(&o, 2, copy);
    op_charge(&o, 3, scan);
    ops_record(f->h->env.ops, id, &o);
}

int ipca_copy_la(ipca *f, hcall_ctx *c, unsigned dl, uint64_t dla, unsigned sl, uint64_t sla,
                 uint64_t len)
{
    mem_copy_res r;
    int rc = hyp_copy_la(f->h, c->thread, c->op.end, dl, dla, sl, sla, len, &r);
    if (rc == -2)
        return ipca_fail(f, "ipca: copy outside an LPAR's memory (checked before; a bug)");
    if (rc != 0)
        return ipca_fail(f, "out of host memory for an IPCA copy");
    op_charge(&c->op, IPCA_P_COPY, r.cycles);
    f->st.lines_copied += r.lines_written;
    f->last_copy += r.cycles;
    f->last_lines += r.lines_written;
    return 0;
}

/* ---- platform hooks ---- */

static void drop_area(ipca *f, unsigned l)
{
    ipca_area *a = &f->a[l];
    if (a->active) {
        f->st.deregistered++;
        f->st.pages_pinned -= a->size / IPCA_PAGE;
    }
    a->active = false;
    a->holder = -1;
    a->scanned = false;
    a->gen++;
    memset(a->grant, 0, f->gwords * 8ull);
    if (f->audit)
        ipca_audit_register(f, l, 0, 0);
}

static void on_terminated(void *vf, hcall_ctx *c, unsigned lpid)
{
    ipca *f = vf;
    (void)c;
    if (lpid < f->cfg.max_areas)
        drop_area(f, lpid);
    for (uint64_t o = 0; o < f->cfg.max_areas && lpid < f->cfg.max_areas; o++) {
        f->a[o].grant[lpid / 64] &= ~(1ull << (lpid % 64));
        if (f->a[o].holder == (int)lpid)
            f->a[o].holder = -1;
        if (f->audit)
            ipca_audit_grant(f, (unsigned)o, lpid, false);
    }
}

void ipca_deregister(ipca *f, unsigned l) { drop_area(f, l); }

static int check_error(const void *vf, sim_err *e)
{
    const ipca *f = vf;
    if (!f->failed)
        return 0;
    if (e)
        *e = f->err;
    return -1;
}

static void set_audit(void *vf, bool on) { ipca_audit_set(vf, on); }

static const hyp_transport *const transports[] = {&ipca_transport};

const hyp_feature ipca_feature = {
    .name = "ipca",
    .desc = "Inter-partition communication areas and the virtual shared resource (seed 003): "
            "TABLE 1, copy hcalls with per-IPCA locking, auditor, transport \"ipca\".",
    .params = &ipca_feature_params,
    .hcalls = ipca_hcalls,
    .nhcalls = IPCA_NHCALLS,
    .memory_needed = ipca_memory_needed,
    .create = ipca_create,
    .destroy = ipca_destroy,
    .platform = {.terminated = on_terminated},
    .check_error = check_error,
    .set_audit = set_audit,
    .transports = transports,
    .ntransports = 1,
};
