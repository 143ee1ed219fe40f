/*
 * smc.c - the SMC feature's life: hypervisor memory it reserves (the
 * pools, one per VLAN, the SMB descriptors and the status bit arrays, all
 * from lmb_hyp_alloc: no LPAR's LMB table holds them, so H_ENTER of pool
 * memory is refused by the core), creation, the platform hooks
 * (termination tears down every SMB the LPAR took part in), and the
 * release of an SMB (generation bump, SBA bits dropped, zeroing).
 * Invariant: smb[i].real lies in pool[smb[i].vlan]; st.smbs_in_use counts
 * the SMBs not FREE.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smc_int.h"

extern const stat_table smc_stat_table, smc_audit_stat_table;

static uint64_t r128(uint64_t x) { return (x + 127) & ~127ull; }

static uint64_t cap_of(const smc_config *c) { return c->pool_bytes / c->smb_size; }

static uint64_t sba_bytes_of(const smc_config *c) { return r128(16 + (cap_of(c) + 63) / 64 * 8); }

static uint64_t smc_memory_needed(const void *cfg, const hyp_config *hc, unsigned nlpars,
                                  const uint64_t *lpar_memory, const uint64_t *hpt_bytes,
                                  unsigned nthreads)
{
    (void)hc, (void)nlpars, (void)lpar_memory, (void)hpt_bytes, (void)nthreads;
    const smc_config *c = cfg;
    uint64_t pools = c->vlans * (c->pool_bytes + 4096);
    return pools + r128(c->vlans * cap_of(c) * SMC_DESC_BYTES) +
           c->vlans * c->max_members * sba_bytes_of(c) + 4096;
}

smc *smc_of(hcall_ctx *c) { return c->fs; }

void smc_fail(smc *s, const char *fmt, ...)
{
    s->ast.violations++;
    va_list ap;
    va_start(ap, fmt);
    sim_err_vlatch(&s->err, &s->failed, fmt, ap);
    va_end(ap);
}

uint64_t smc_desc_addr(const smc *s, uint64_t i) { return s->desc_paddr + SMC_DESC_BYTES * i; }
uint64_t smc_ring(const smc *s) { return s->cfg.smbe_ring; }
uint64_t smc_dir_base(const smc *s, unsigned dir) { return dir * (SMC_CTL + s->cfg.smbe_ring); }

smc_member *smc_member_of(smc *s, unsigned lpid, unsigned vlan)
{
    if (lpid >= s->cfg.max_members || vlan >= s->cfg.vlans)
        return NULL;
    return &s->mem[lpid * s->cfg.vlans + vlan];
}

void smc_count_rc(smc *s, long rc)
{
    switch (rc) {
    case H_RESCINDED: s->st.refused_stale++; break;
    case H_AUTHORITY: s->st.refused_authority++; break;
    case H_PARAMETER: s->st.refused_parameter++; break;
    case H_PERMISSION: s->st.refused_permission++; break;
    case H_R_STATE: s->st.refused_state++; break;
    case H_NOT_FOUND: s->st.refused_not_found++; break;
    case H_RESOURCE: s->st.refused_resource++; break;
    case H_PRIVILEGE: s->st.refused_privilege++; break;
    default: break;
    }
}

static void charge(smc *s, hcall_ctx *c, unsigned part, uint64_t cyc)
{
    (void)s;
    if (c)
        op_charge(&c->op, part, cyc);
}

void smc_smb_release(smc *s, hcall_ctx *c, uint64_t i, unsigned part)
{
    smc_smb *b = &s->smb[i];
    if (b->state == SMB_FREE)
        return;
    /* SBA bits of both sides dropped */
    unsigned who[2] = {b->owner, b->state >= SMB_OFFERED ? b->peer : b->owner};
    for (unsigned k = 0; k < 2; k++) {
        smc_member *m = smc_member_of(s, who[k], b->vlan);
        uint64_t rel = i - s->pool[b->vlan].first;
        if (m && m->bits && (m->bits[rel / 64] >> (rel % 64)) & 1) {
            m->bits[rel / 64] &= ~(1ull << (rel % 64));
            if (c)
                charge(s, c, SMC_P_SIGNAL,
                       mem_access(c->port, m->sba_paddr + 16 + rel / 64 * 8, 8, MEM_WRITE,
                                  c->op.end));
        }
    }
    if (s->cfg.inject != SMC_INJ_SKIP_GEN) {
        b->gen = (b->gen + 1) & 0xFFF;
        s->st.tokens_rescinded++;
    }
    smc_audit_revoke(s, i);
    if (s->cfg.inject != SMC_INJ_SKIP_ZERO) {
        /* zeroed before reuse: dcbz-like stores over the whole SMB */
        if (c) {
            mem_copy_cfg cc = hyp_copy_cfg(s->h);
            charge(s, c, part,
                   mem_touch(c->port, b->real, s->cfg.smb_size, MEM_ZERO, &cc, c->op.end, NULL));
        }
        static const unsigned char z[4096];
        for (uint64_t o = 0; o < s->cfg.smb_size; o += sizeof z)
            if (physmem_write_bytes(s->h->env.pm, b->real + o, z, sizeof z) != 0)
                smc_fail(s, "out of host memory zeroing SMB %llu", (unsigned long long)i);
        s->st.bytes_zeroed += s->cfg.smb_size;
    }
    b->state = SMB_FREE;
    if (c)
        charge(s, c, c->p_memory,
               mem_access(c->port, smc_desc_addr(s, i), SMC_DESC_BYTES, MEM_WRITE, c->op.end));
    s->st.destroyed++;
    s->st.smbs_in_use--;
}

static void *smc_create(hyp *h, const void *cfg, bool audit, sim_err *e)
{
    const smc_config *c = cfg;
    if (2 * (SMC_CTL + c->smbe_ring) > c->smb_size) {
        sim_errf(e, "hypervisor.smc.smbe_ring: %llu; expected two rings and two 128-byte "
                    "control lines to fit hypervisor.smc.smb_size (%llu)",
                 (unsigned long long)c->smbe_ring, (unsigned long long)c->smb_size);
        return NULL;
    }
    if (c->pool_bytes % c->smb_size || c->smb_size % 4096) {
        sim_errf(e, "hypervisor.smc.pool_bytes: %llu; expected a multiple of smb_size (%llu, "
                    "itself a multiple of 4K)",
                 (unsigned long long)c->pool_bytes, (unsigned long long)c->smb_size);
        return NULL;
    }
    if (c->pool_node >= (int64_t)memmap_nodes(h->env.mm)) {
        sim_errf(e, "hypervisor.smc.pool_node: node %lld does not exist; expected -1 (any) or "
                    "a processor module 0..%u", (long long)c->pool_node,
                 memmap_nodes(h->env.mm) - 1);
        return NULL;
    }
    smc *s = calloc(1, sizeof *s);
    if (!s) {
        sim_errf(e, "out of host memory");
        return NULL;
    }
    s->h = h;
    s->cfg = *c;
    uint64_t cap = cap_of(c);
    s->nsmb_total = cap * c->vlans;
    s->sba_bytes = sba_bytes_of(c);
    s->pool = calloc(c->vlans, sizeof *s->pool);
    s->smb = calloc(s->nsmb_total, sizeof *s->smb);
    s->mem = calloc(c->max_members * c->vlans, sizeof *s->mem);
    if (!s->pool || !s->smb || !s->mem)
        goto oom;
    lmb_space *l = &h->lmb;
    s->desc_paddr = lmb_hyp_alloc_top(l, r128(s->nsmb_total * SMC_DESC_BYTES), 128);
    s->sba_paddr = lmb_hyp_alloc_top(l, c->vlans * c->max_members * s->sba_bytes, 128);
    bool ok = s->desc_paddr != UINT64_MAX && s->sba_paddr != UINT64_MAX;
    for (uint64_t v = 0; ok && v < c->vlans; v++) {
        smc_pool *p = &s->pool[v];
        p->real = c->pool_node < 0 ? lmb_hyp_alloc(l, c->pool_bytes, 4096)
                                   : lmb_hyp_alloc_node(l, c->pool_bytes, 4096,
                                                        (unsigned)c->pool_node);
        ok = p->real != UINT64_MAX;
        p->bytes = c->pool_bytes;
        p->cap = p->nsmb = cap;
        p->first = v * cap;
        p->enabled = true; /* S5/S6: enabled and carved at configuration */
        for (uint64_t i = 0; i < cap; i++) {
            s->smb[p->first + i].real = p->real + i * c->smb_size;
            s->smb[p->first + i].vlan = (unsigned)v;
        }
    }
    if (!ok && c->pool_node >= 0) {
        free(s->pool), free(s->smb), free(s->mem), free(s);
        sim_errf(e, "hypervisor.smc.pool_node: node %lld has no %llu bytes of free LMBs in a "
                    "row for a pool; expected memory.modules with that much room on it",
                 (long long)c->pool_node, (unsigned long long)c->pool_bytes);
        return NULL;
    }
    if (!ok) {
        free(s->pool), free(s->smb), free(s->mem), free(s);
        sim_errf(e, "hypervisor.memory: too small for the SMC pools (%llu bytes); raise it or "
                    "set it to 0 (automatic)",
                 (unsigned long long)smc_memory_needed(c, NULL, 0, NULL, NULL, 0));
        return NULL;
    }
    for (uint64_t k = 0; k < c->max_members * c->vlans; k++)
        s->mem[k].sba_paddr = s->sba_paddr + k * s->sba_bytes;
    s->st.pool_bytes = c->vlans * c->pool_bytes;
    s->st.smbs = s->nsmb_total;
    s->op_setup = ops_declare(h->env.ops, "smc.setup",
                              "opening an SMC connection: TCP handshake (the driver's), CLC, "
                              "QUERY_GID, CREATE, BIND, ACCEPT",
                              "tcp_handshake,clc,gid_query,create,bind,accept");
    s->op_teardown = ops_declare(h->env.ops, "smc.teardown",
                                 "closing an SMC connection: UNBIND, DESTROY (zeroing), the SBA "
                                 "bits dropped",
                                 "unbind,zero,sba_clear");
    if (s->op_setup == OP_INVALID || s->op_teardown == OP_INVALID ||
        stats_register(h->env.stats, "smc", &smc_stat_table, &s->st) != 0 ||
        stats_register(h->env.stats, "smc.audit", &smc_audit_stat_table, &s->ast) != 0)
        goto oom;
    if ((c->audit || audit) && smc_audit_create(s) != 0)
        goto oom;
    return s;
oom:
    free(s->pool), free(s->smb), free(s->mem), free(s);
    sim_errf(e, "out of host memory for the SMC tables");
    return NULL;
}

static void smc_destroy(void *vs)
{
    smc *s = vs;
    if (!s)
        return;
    for (uint64_t k = 0; s->mem && k < s->cfg.max_members * s->cfg.vlans; k++)
        free(s->mem[k].bits);
    smc_audit_destroy(s->audit);
    free(s->pool), free(s->smb), free(s->mem), free(s);
}

/* Termination: every SMB the LPAR owns or is bound to goes back to FREE
 * (the other side's tokens are rescinded); its memberships end. */
static void smc_on_terminated(void *vs, hcall_ctx *c, unsigned lpid)
{
    smc *s = vs;
    for (uint64_t i = 0; i < s->nsmb_total; i++) {
        smc_smb *b = &s->smb[i];
        if (b->state != SMB_FREE && (b->owner == lpid || (b->state >= SMB_OFFERED && b->peer == lpid)))
            smc_smb_release(s, c, i, c ? c->p_memory : 0);
    }
    for (uint64_t v = 0; v < s->cfg.vlans; v++) {
        smc_member *m = smc_member_of(s, lpid, (unsigned)v);
        if (m) {
            m->joined = false;
            m->summary = m->event = 0;
        }
    }
}

static int check_error(const void *vs, sim_err *e)
{
    const smc *s = vs;
    if (!s->failed)
        return 0;
    if (e)
        *e = s->err;
    return -1;
}

static void set_audit(void *vs, bool on)
{
    smc *s = vs;
    if (on && !s->audit && smc_audit_create(s) != 0)
        smc_fail(s, "out of host memory for the SMC auditor");
    if (!on && s->audit) {
        smc_audit_destroy(s->audit);
        s->audit = NULL;
    }
}

static const hyp_transport *const smc_transports[] = {&smc_xport_smc, &smc_xport_smcd};

const hyp_feature smc_feature = {
    .name = "smc",
    .desc = "SMC over a VLAN shared-memory pool (seed 001): pools, SMBs, tokens, signals, "
            "auditor, transports smc and smcd-linux.",
    .params = &smc_feature_params,
    .hcalls = smc_hcalls,
    .nhcalls = SMC_NHCALLS,
    .memory_needed = smc_memory_needed,
    .create = smc_create,
    .destroy = smc_destroy,
    .platform = {.terminated = smc_on_terminated},
    .check_error = check_error,
    .set_audit = set_audit,
    .transports = smc_transports,
    .ntransports = 2,
};
