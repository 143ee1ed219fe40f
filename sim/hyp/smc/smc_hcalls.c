/*
 * smc_hcalls.c - the SMC control hcalls (pool, membership, SMB life):
 * H_SM_POOL, H_SM_POOL_FREE, H_SM_JOIN, H_SM_QUERY_GID, H_SM_CREATE,
 * H_SM_BIND, H_SM_ACCEPT, H_SM_UNBIND, H_SM_DESTROY, the token check they
 * and the data hcalls (smc_data.c) share, and the hcall table.
 * Tokens (64 bit): type:4 gen:12 smb:28 lpid:20; valid iff lpid is the
 * caller, gen the SMB's current generation, and the state fits. A token's
 * validation reads the SMB descriptor line (charged to part validate).
 * Every refusal is counted by reason (smc_count_rc) and changes nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "smc_int.h"

uint64_t smc_token(unsigned type, uint64_t gen, uint64_t smb, unsigned lpid)
{
    return (uint64_t)type << 60 | (gen & 0xFFF) << 48 | (smb & 0xFFFFFFF) << 20 |
           (lpid & 0xFFFFF);
}

long smc_check_token(hcall_ctx *c, uint64_t tok, unsigned types, uint64_t *smb)
{
    smc *s = smc_of(c);
    unsigned type = (unsigned)(tok >> 60), lpid = (unsigned)(tok & 0xFFFFF);
    uint64_t gen = (tok >> 48) & 0xFFF, i = (tok >> 20) & 0xFFFFFFF;
    op_charge(&c->op, SMC_P_VALIDATE, c->h->cfg.step_cycles);
    if (!(types & (1u << type)) || i >= s->nsmb_total || lpid != c->lpid)
        return H_AUTHORITY;
    op_charge(&c->op, SMC_P_VALIDATE,
              mem_access(c->port, smc_desc_addr(s, i), SMC_DESC_BYTES, MEM_READ, c->op.end));
    const smc_smb *b = &s->smb[i];
    if (gen != b->gen || b->state == SMB_FREE)
        return H_RESCINDED;
    bool owner = b->owner == lpid, peer = b->state >= SMB_OFFERED && b->peer == lpid;
    if ((type == SMC_TOK_OWNER && !owner) || (type == SMC_TOK_OFFER && !peer) ||
        ((type == SMC_TOK_PEER || type == SMC_TOK_SIG) && !owner && !peer))
        return H_AUTHORITY;
    *smb = i;
    return H_SUCCESS;
}

long smc_token_smb(hcall_ctx *c, uint64_t tok, unsigned types, unsigned states, uint64_t *smb)
{
    long rc = smc_check_token(c, tok, types, smb);
    if (rc != H_SUCCESS)
        return rc;
    return !states || (states & 1u << smc_of(c)->smb[*smb].state) ? H_SUCCESS : H_R_STATE;
}

static bool is_admin(hcall_ctx *c) { return c->lpid == smc_of(c)->cfg.admin_lpid; }

static void issued(smc *s, unsigned n) { s->st.tokens_issued += n; }

/* H_SM_POOL(vlan, bytes, smb_size): the administrator (re)enables a pool
 * inside the region reserved for it. */
static long h_pool(hcall_ctx *c, const uint64_t *a, uint64_t *r)
{
    smc *s = smc_of(c);
    (void)r;
    if (!is_admin(c))
        return H_PRIVILEGE;
    if (a[0] >= s->cfg.vlans || a[2] != s->cfg.smb_size || !a[1] || a[1] % a[2])
        return H_PARAMETER;
    smc_pool *p = &s->pool[a[0]];
    hcall_mem(c, smc_desc_addr(s, p->first), SMC_DESC_BYTES, MEM_READ);
    if (p->enabled)
        return H_R_STATE;
    if (a[1] > p->bytes)
        return H_RESOURCE;
    p->nsmb = a[1] / a[2];
    p->enabled = true;
    mem_copy_cfg cc = hyp_copy_cfg(s->h);
    op_charge(&c->op, c->p_memory,
              mem_touch(c->port, smc_desc_addr(s, p->first), p->nsmb * SMC_DESC_BYTES, MEM_WRITE,
                        &cc, c->op.end, NULL));
    s->st.smbs += p->nsmb;
    return H_SUCCESS;
}

/* H_SM_POOL_FREE(vlan): every SMB torn down (claim 4), the pool disabled. */
static long h_pool_free(hcall_ctx *c, const uint64_t *a, uint64_t *r)
{
    smc *s = smc_of(c);
    (void)r;
    if (!is_admin(c))
        return H_PRIVILEGE;
    if (a[0] >= s->cfg.vlans)
        return H_PARAMETER;
    smc_pool *p = &s->pool[a[0]];
    if (!p->enabled)
        return H_R_STATE;
    for (uint64_t k = 0; k < p->cap; k++) {
        hcall_mem(c, smc_desc_addr(s, p->first + k), 8, MEM_READ);
        smc_smb_release(s, c, p->first + k, SMC_P_COPY);
    }
    hcall_steps(c, p->cap);
    s->st.smbs -= p->nsmb;
    p->enabled = false;
    p->nsmb = 0;
    return H_SUCCESS;
}

/* H_SM_JOIN(vlan) -> gid */
static long h_join(hcall_ctx *c, const uint64_t *a, uint64_t *r)
{
    smc *s = smc_of(c);
    if (a[0] >= s->cfg.vlans)
        return H_PARAMETER;
    smc_member *m = smc_member_of(s, c->lpid, (unsigned)a[0]);
    if (!m)
        return H_PRIVILEGE;
    if (!s->pool[a[0]].enabled)
        return H_NOT_FOUND;
    if (!m->joined) {
        if (!m->bits && !(m->bits = calloc((s->pool[a[0]].cap + 63) / 64, 8)))
            return H_NO_MEM;
        uint64_t salt = (c->lpid * 0x9E3779B97F4A7C15ull + a[0] * 0xC2B2AE3D27D4EB4Full) >> 48;
        m->gid = a[0] << 36 | (uint64_t)c->lpid << 16 | salt;
        m->joined = true;
        m->summary = m->event = 0;
        mem_copy_cfg cc = hyp_copy_cfg(s->h);
        op_charge(&c->op, c->p_memory,
                  mem_touch(c->port, m->sba_paddr, s->sba_bytes, MEM_WRITE, &cc, c->op.end, NULL));
        s->st.joins++;
    }
    r[0] = m->gid;
    return H_SUCCESS;
}

/* The member a gid names on vlan (LOCAL), or NULL. */
static smc_member *member_of_gid(smc *s, uint64_t vlan, uint64_t gid)
{
    if (gid & ~(SMC_REMOTE_CEC - 1) || (gid >> 36 & 0xFFF) != vlan)
        return NULL;
    smc_member *m = smc_member_of(s, (unsigned)(gid >> 16 & 0xFFFFF), (unsigned)vlan);
    return m && m->joined && m->gid == gid ? m : NULL;
}

/* H_SM_QUERY_GID(vlan, gid) -> 0 LOCAL, 1 REMOTE */
static long h_query_gid(hcall_ctx *c, const uint64_t *a, uint64_t *r)
{
    smc *s = smc_of(c);
    if (a[0] >= s->cfg.vlans)
        return H_PARAMETER;
    smc_member *me = smc_member_of(s, c->lpid, (unsigned)a[0]);
    if (!me || !me->joined)
        return H_PRIVILEGE;
    hcall_steps(c, 1);
    if (a[1] >= SMC_REMOTE_CEC) {
        r[0] = 1;
        return H_SUCCESS;
    }
    smc_member *m = member_of_gid(s, a[0], a[1]);
    if (!m)
        return H_NOT_FOUND;
    hcall_mem(c, m->sba_paddr, 16, MEM_READ);
    r[0] = 0;
    return H_SUCCESS;
}

/* H_SM_CREATE(vlan) -> owner token */
static long h_create(hcall_ctx *c, const uint64_t *a, uint64_t *r)
{
    smc *s = smc_of(c);
    if (a[0] >= s->cfg.vlans)
        return H_PARAMETER;
    smc_member *me = smc_member_of(s, c->lpid, (unsigned)a[0]);
    if (!me || !me->joined)
        return H_PRIVILEGE;
    smc_pool *p = &s->pool[a[0]];
    if (!p->enabled)
        return H_NOT_FOUND;
    uint64_t i = UINT64_MAX;
    for (uint64_t k = 0; k < p->nsmb; k++) {
        hcall_mem(c, smc_desc_addr(s, p->first + k), 8, MEM_READ);
        hcall_steps(c, 1);
        if (s->smb[p->first + k].state == SMB_FREE) {
            i = p->first + k;
            break;
        }
    }
    if (i == UINT64_MAX)
        return H_RESOURCE;
    smc_smb *b = &s->smb[i];
    b->state = SMB_OWNED;
    b->owner = c->lpid;
    b->peer = UINT32_MAX;
    hcall_mem(c, smc_desc_addr(s, i), SMC_DESC_BYTES, MEM_WRITE);
    s->st.created++;
    if (++s->st.smbs_in_use > s->st.smbs_high_water)
        s->st.smbs_high_water = s->st.smbs_in_use;
    issued(s, 1);
    smc_audit_created(s, i);
    smc_audit_grant(s, c->lpid, i, b->gen);
    r[0] = smc_token(SMC_TOK_OWNER, b->gen, i, c->lpid);
    return H_SUCCESS;
}

/* H_SM_BIND(owner token, peer gid) -> offer token (for the peer), the
 * owner's signal token */
static long h_bind(hcall_ctx *c, const uint64_t *a, uint64_t *r)
{
    smc *s = smc_of(c);
    uint64_t i;
    long rc = smc_token_smb(c, a[0], 1u << SMC_TOK_OWNER, 1u << SMB_OWNED, &i);
    if (rc != H_SUCCESS)
        return rc;
    smc_smb *b = &s->smb[i];
    smc_member *m = member_of_gid(s, b->vlan, a[1]);
    hcall_steps(c, 1);
    if (!m || m == smc_member_of(s, c->lpid, b->vlan))
        return H_PARAMETER; /* REMOTE, another VLAN, unknown, or itself */
    unsigned peer = (unsigned)(a[1] >> 16 & 0xFFFFF);
    b->state = SMB_OFFERED;
    b->peer = peer;
    b->offer_at = c->op.end;
    hcall_mem(c, smc_desc_addr(s, i), SMC_DESC_BYTES, MEM_WRITE);
    hcall_mem(c, m->sba_paddr, 16, MEM_WRITE); /* the pair's SBA extended */
    issued(s, 2);
    r[0] = smc_token(SMC_TOK_OFFER, b->gen, i, peer);
    r[1] = smc_token(SMC_TOK_SIG, b->gen, i, c->lpid);
    return H_SUCCESS;
}

/* H_SM_ACCEPT(offer token, yes) -> peer token, the peer's signal token */
static long h_accept(hcall_ctx *c, const uint64_t *a, uint64_t *r)
{
    smc *s = smc_of(c);
    uint64_t i;
    long rc = smc_token_smb(c, a[0], 1u << SMC_TOK_OFFER, 1u << SMB_OFFERED, &i);
    if (rc != H_SUCCESS)
        return rc;
    smc_smb *b = &s->smb[i];
    bool expired = c->op.end - b->offer_at > s->cfg.offer_timeout;
    if (expired || !a[1]) {
        b->state = SMB_OWNED;
        b->peer = UINT32_MAX;
        hcall_mem(c, smc_desc_addr(s, i), SMC_DESC_BYTES, MEM_WRITE);
        s->st.rejected++;
        return expired ? H_NOT_FOUND : H_SUCCESS;
    }
    b->state = SMB_BOUND;
    hcall_mem(c, smc_desc_addr(s, i), SMC_DESC_BYTES, MEM_WRITE);
    s->st.bound++;
    issued(s, 2);
    smc_audit_grant(s, c->lpid, i, b->gen);
    r[0] = smc_token(SMC_TOK_PEER, b->gen, i, c->lpid);
    r[1] = smc_token(SMC_TOK_SIG, b->gen, i, c->lpid);
    return H_SUCCESS;
}

/* H_SM_UNBIND(owner token) -> a new owner token: every token of the SMB
 * rescinded, SBA bits dropped, the peer gets a CLOSED event. */
static long h_unbind(hcall_ctx *c, const uint64_t *a, uint64_t *r)
{
    smc *s = smc_of(c);
    uint64_t i;
    long rc = smc_token_smb(c, a[0], 1u << SMC_TOK_OWNER, 1u << SMB_BOUND | 1u << SMB_OFFERED,
                            &i);
    if (rc != H_SUCCESS)
        return rc;
    smc_smb *b = &s->smb[i];
    uint64_t rel = i - s->pool[b->vlan].first;
    unsigned who[2] = {b->owner, b->peer};
    for (unsigned k = 0; k < 2; k++) {
        smc_member *m = smc_member_of(s, who[k], b->vlan);
        if (!m || !m->bits)
            continue;
        m->bits[rel / 64] &= ~(1ull << (rel % 64));
        op_charge(&c->op, SMC_P_SIGNAL,
                  mem_access(c->port, m->sba_paddr + 16 + rel / 64 * 8, 8, MEM_WRITE, c->op.end));
        if (k == 1)
            m->event = 1; /* CLOSED */
    }
    if (s->cfg.inject != SMC_INJ_SKIP_GEN) {
        b->gen = (b->gen + 1) & 0xFFF;
        s->st.tokens_rescinded++;
    }
    smc_audit_revoke(s, i);
    b->state = SMB_OWNED;
    b->peer = UINT32_MAX;
    hcall_mem(c, smc_desc_addr(s, i), SMC_DESC_BYTES, MEM_WRITE);
    smc_audit_grant(s, c->lpid, i, b->gen);
    issued(s, 1);
    r[0] = smc_token(SMC_TOK_OWNER, b->gen, i, c->lpid);
    return H_SUCCESS;
}

/* H_SM_DESTROY(owner token): zeroed and FREE (tokens rescinded). */
static long h_destroy(hcall_ctx *c, const uint64_t *a, uint64_t *r)
{
    smc *s = smc_of(c);
    (void)r;
    uint64_t i;
    long rc = smc_check_token(c, a[0], 1u << SMC_TOK_OWNER, &i);
    if (rc != H_SUCCESS)
        return rc;
    smc_smb_release(s, c, i, SMC_P_COPY);
    return H_SUCCESS;
}

/* Every SMC hcall: reset the host-side notes, run, count a refusal. */
#define SMC_CALL(fn)                                                                               \
    static long call_##fn(hcall_ctx *c, const uint64_t *a, uint64_t *r)                            \
    {                                                                                              \
        smc *s = smc_of(c);                                                                        \
        s->last_copy = s->last_signal = s->last_lines = 0;                                         \
        s->last_irq = false;                                                                       \
        long rc = fn(c, a, r);                                                                     \
        smc_count_rc(s, rc);                                                                       \
        return rc;                                                                                 \
    }
SMC_CALL(h_pool)
SMC_CALL(h_pool_free)
SMC_CALL(h_join)
SMC_CALL(h_query_gid)
SMC_CALL(h_create)
SMC_CALL(h_bind)
SMC_CALL(h_accept)
SMC_CALL(smc_h_move)
SMC_CALL(smc_h_cs_move)
SMC_CALL(smc_h_signal)
SMC_CALL(smc_h_sba)
SMC_CALL(h_unbind)
SMC_CALL(h_destroy)

#define P "compute,memory,tlb,queueing,validate,copy,signal"
const hyp_hcall_desc smc_hcalls[SMC_NHCALLS] = {
    {H_SM_POOL, "H_SM_POOL", NULL, P, call_h_pool},
    {H_SM_POOL_FREE, "H_SM_POOL_FREE", NULL, P, call_h_pool_free},
    {H_SM_JOIN, "H_SM_JOIN", NULL, P, call_h_join},
    {H_SM_QUERY_GID, "H_SM_QUERY_GID", NULL, P, call_h_query_gid},
    {H_SM_CREATE, "H_SM_CREATE", NULL, P, call_h_create},
    {H_SM_BIND, "H_SM_BIND", NULL, P, call_h_bind},
    {H_SM_ACCEPT, "H_SM_ACCEPT", NULL, P, call_h_accept},
    {H_SM_MOVE, "H_SM_MOVE", NULL, P, call_smc_h_move},
    {H_SM_CS_MOVE, "H_SM_CS_MOVE", NULL, P, call_smc_h_cs_move},
    {H_SM_SIGNAL, "H_SM_SIGNAL", NULL, P, call_smc_h_signal},
    {H_SM_SBA, "H_SM_SBA", NULL, P, call_smc_h_sba},
    {H_SM_UNBIND, "H_SM_UNBIND", NULL, P, call_h_unbind},
    {H_SM_DESTROY, "H_SM_DESTROY", NULL, P, call_h_destroy},
};
