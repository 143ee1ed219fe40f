/*
 * ipca_hcalls.c - the H_IPCA_* hcalls (ipca.h has their arguments). Each
 * charges its TABLE 1 and grant reads to the op's validate part, the LMB
 * table read of the caller's buffer to memory, a spin on a held lock to
 * queueing and the copy of real bytes (hyp_copy) to copy. A refusal is
 * counted by reason and moves no byte: every check comes before the copy.
 * Per-IPCA mutual exclusion: each access holds the IPCA's lock from its
 * start (after any spin) to the end of its copy; busy_until is the end of
 * the last such interval or of an explicit H_IPCA_LOCK..UNLOCK hold.
 */
#include <string.h>

#include "ipca_int.h"

static ipca *F_(hcall_ctx *c) { return c->fs; }

static long refuse(ipca *f, unsigned reason, long rc)
{
    f->st.refused[reason]++;
    return rc;
}

static void vmem(hcall_ctx *c, uint64_t pa, uint32_t size, mem_kind k)
{
    op_charge(&c->op, IPCA_P_VALIDATE, mem_access(c->port, pa, size, k, c->op.end));
}

static void vsteps(hcall_ctx *c, uint64_t n)
{
    op_charge(&c->op, IPCA_P_VALIDATE, n * c->h->cfg.step_cycles);
}

/* TABLE 1 entry of lpid t, read: the active area or NULL. */
static ipca_area *entry(hcall_ctx *c, uint64_t t)
{
    ipca *f = F_(c);
    if (t >= f->cfg.max_areas)
        return NULL;
    vmem(c, ipca_entry_addr(f, (unsigned)t), IPCA_TABLE_ENTRY, MEM_READ);
    vsteps(c, 1);
    return f->a[t].active ? &f->a[t] : NULL;
}

/* With acl: may the caller access t's IPCA (reads the grant word)? */
static bool allowed(hcall_ctx *c, unsigned t)
{
    ipca *f = F_(c);
    if (!f->cfg.acl || t == c->lpid || f->cfg.inject == IPCA_INJECT_SKIP_ACL)
        return true;
    vmem(c, ipca_grant_addr(f, t, c->lpid), 8, MEM_READ);
    vsteps(c, 1);
    return c->lpid < f->cfg.max_areas && ipca_bit(f->a[t].grant, c->lpid);
}

/* Is the lock of a free now, spinning if the policy says so? H_SUCCESS or
 * H_BUSY (counted by the caller). */
static long take_lock(hcall_ctx *c, ipca_area *a, uint64_t until)
{
    ipca *f = F_(c);
    if (f->cfg.inject == IPCA_INJECT_SKIP_LOCK)
        return H_SUCCESS;
    if (a->holder >= 0 && a->holder != (int)c->lpid)
        return H_BUSY;
    if (c->op.end >= until)
        return H_SUCCESS;
    if (f->cfg.lock_policy == IPCA_LOCK_RETURN)
        return H_BUSY;
    f->st.busy_spins++;
    f->st.spin_cycles += until - c->op.end;
    f->last_queue += until - c->op.end;
    op_charge(&c->op, c->p_queueing, until - c->op.end);
    return H_SUCCESS;
}

/* H_IPCA_REGISTER(la, size) */
static long h_register(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    (void)rets;
    ipca *f = F_(c);
    uint64_t la = a[0], size = a[1];
    if (c->lpid >= f->cfg.max_areas)
        return refuse(f, IR_RESOURCE, H_RESOURCE);
    if (entry(c, c->lpid))
        return refuse(f, IR_STATE, H_R_STATE);
    hyp_lpar *lp = c->h->lpars[c->lpid];
    vsteps(c, 1);
    if (la % IPCA_PAGE || size % IPCA_PAGE || size < f->cfg.min_size || size > f->cfg.max_size)
        return refuse(f, IR_PARAM, H_PARAMETER);
    if (la >= lp->memory || size > lp->memory - la)
        return refuse(f, IR_PARAM, H_PARAMETER);
    uint64_t real = hyp_xlate_logical(c, lp, la);
    ipca_area *e = &f->a[c->lpid];
    e->active = true;
    e->la = la;
    e->size = size;
    e->real = real;
    e->holder = -1;
    e->scanned = false;
    memset(e->grant, 0, f->gwords * 8ull);
    hcall_mem(c, ipca_entry_addr(f, c->lpid), IPCA_TABLE_ENTRY, MEM_WRITE);
    hcall_mem(c, ipca_grant_addr(f, c->lpid, 0), f->gwords * 8, MEM_WRITE);
    f->st.registered++;
    f->st.pages_pinned += size / IPCA_PAGE;
    if (f->audit)
        ipca_audit_register(f, c->lpid, la, size);
    return H_SUCCESS;
}

/* H_IPCA_DEREGISTER() */
static long h_deregister(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    (void)a, (void)rets;
    ipca *f = F_(c);
    ipca_area *e = entry(c, c->lpid);
    if (!e)
        return refuse(f, IR_NOT_FOUND, H_NOT_FOUND);
    if (e->holder >= 0 && e->holder != (int)c->lpid)
        return refuse(f, IR_BUSY, H_BUSY);
    hcall_mem(c, ipca_entry_addr(f, c->lpid), IPCA_TABLE_ENTRY, MEM_WRITE);
    ipca_deregister(f, c->lpid);
    return H_SUCCESS;
}

/* H_IPCA_LOOKUP(lpid) -> la, size */
static long h_lookup(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    ipca *f = F_(c);
    ipca_area *e = entry(c, a[0]);
    if (!e)
        return refuse(f, IR_NOT_FOUND, H_NOT_FOUND);
    rets[0] = e->la;
    rets[1] = e->size;
    return H_SUCCESS;
}

/* The checks of one access to t's IPCA [off, off+len) with the caller's
 * buffer la: H_SUCCESS or the refusal (counted). */
static long check_range(hcall_ctx *c, uint64_t t, ipca_area *e, uint64_t off, uint64_t la,
                        uint64_t len)
{
    ipca *f = F_(c);
    vsteps(c, 1);
    uint64_t lim = f->cfg.inject == IPCA_INJECT_SKIP_RANGE
                       ? c->h->lpars[t]->memory - e->la /* only the owner's memory */
                       : e->size;
    if (len == 0 || off > lim || len > lim - off)
        return refuse(f, IR_RANGE, H_PARAMETER);
    hyp_lpar *lp = c->h->lpars[c->lpid];
    if (la >= lp->memory || len > lp->memory - la)
        return refuse(f, IR_PARAM, H_PARAMETER);
    return H_SUCCESS;
}

/* One locked copy into (write) or out of t's IPCA. */
static long do_access(hcall_ctx *c, unsigned t, uint64_t off, uint64_t la, uint64_t len,
                      bool write)
{
    ipca *f = F_(c);
    ipca_area *e = &f->a[t];
    uint64_t start = c->op.end;
    int rc = write ? ipca_copy_la(f, c, t, e->la + off, c->lpid, la, len)
                   : ipca_copy_la(f, c, c->lpid, la, t, e->la + off, len);
    if (rc != 0)
        return H_HARDWARE;
    if (f->audit)
        ipca_audit_access(f, c->lpid, t, off, len, hyp_logical_to_real(c->h, t, e->la + off),
                          start, c->op.end, write);
    if (e->busy_until < c->op.end)
        e->busy_until = c->op.end;
    return H_SUCCESS;
}

/* H_IPCA_WRITE(dst, off, la, len) / H_IPCA_READ(src, off, la, len) */
static long access(hcall_ctx *c, const uint64_t *a, uint64_t *rets, bool write)
{
    ipca *f = F_(c);
    uint64_t t = a[0], off = a[1], la = a[2], len = a[3];
    if (write && t == IPCA_ALL) {
        /* broadcast: every other registered IPCA (granted ones with acl),
         * all checked and locked before any byte moves */
        uint64_t until = 0, n = 0;
        for (uint64_t k = 0; k < f->cfg.max_areas; k++) {
            ipca_area *e = k == c->lpid ? NULL : entry(c, k);
            if (!e || !allowed(c, (unsigned)k))
                continue;
            long rc = check_range(c, k, e, off, la, len);
            if (rc != H_SUCCESS)
                return rc;
            if (e->holder >= 0 && e->holder != (int)c->lpid &&
                f->cfg.inject != IPCA_INJECT_SKIP_LOCK)
                return refuse(f, IR_BUSY, H_BUSY);
            if (e->busy_until > until)
                until = e->busy_until;
            n++;
        }
        if (!n)
            return refuse(f, IR_NOT_FOUND, H_NOT_FOUND);
        ipca_area none = {.holder = -1};
        if (take_lock(c, &none, until) != H_SUCCESS)
            return refuse(f, IR_BUSY, H_BUSY);
        hyp_xlate_logical(c, c->h->lpars[c->lpid], la);
        for (uint64_t k = 0; k < f->cfg.max_areas; k++)
            if (k != c->lpid && f->a[k].active &&
                (!f->cfg.acl || f->cfg.inject == IPCA_INJECT_SKIP_ACL ||
                 ipca_bit(f->a[k].grant, c->lpid)))
                if (do_access(c, (unsigned)k, off, la, len, true) != H_SUCCESS)
                    return H_HARDWARE;
        f->st.broadcasts++;
        f->st.broadcast_targets += n;
        f->st.writes++;
        f->st.bytes_written += n * len;
        rets[0] = n;
        return H_SUCCESS;
    }
    ipca_area *e = entry(c, t);
    if (!e)
        return refuse(f, IR_NOT_FOUND, H_NOT_FOUND);
    if (!allowed(c, (unsigned)t))
        return refuse(f, IR_AUTHORITY, H_AUTHORITY);
    long rc = check_range(c, t, e, off, la, len);
    if (rc != H_SUCCESS)
        return rc;
    if (take_lock(c, e, e->busy_until) != H_SUCCESS)
        return refuse(f, IR_BUSY, H_BUSY);
    hyp_xlate_logical(c, c->h->lpars[c->lpid], la);
    if (do_access(c, (unsigned)t, off, la, len, write) != H_SUCCESS)
        return H_HARDWARE;
    if (write) {
        f->st.writes++;
        f->st.bytes_written += len;
    } else {
        f->st.reads++;
        f->st.bytes_read += len;
    }
    rets[0] = 1;
    return H_SUCCESS;
}

static long h_write(hcall_ctx *c, const uint64_t *a, uint64_t *r) { return access(c, a, r, true); }
static long h_read(hcall_ctx *c, const uint64_t *a, uint64_t *r) { return access(c, a, r, false); }

/* H_IPCA_LOCK(lpid) */
static long h_lock(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    (void)rets;
    ipca *f = F_(c);
    ipca_area *e = entry(c, a[0]);
    if (!e)
        return refuse(f, IR_NOT_FOUND, H_NOT_FOUND);
    if (!allowed(c, (unsigned)a[0]))
        return refuse(f, IR_AUTHORITY, H_AUTHORITY);
    if (e->holder >= 0 || take_lock(c, e, e->busy_until) != H_SUCCESS)
        return refuse(f, IR_BUSY, H_BUSY);
    hcall_mem(c, ipca_entry_addr(f, (unsigned)a[0]), 8, MEM_WRITE);
    e->holder = (int)c->lpid;
    e->lock_start = c->op.end;
    f->st.locks++;
    return H_SUCCESS;
}

/* H_IPCA_UNLOCK(lpid) */
static long h_unlock(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    (void)rets;
    ipca *f = F_(c);
    ipca_area *e = entry(c, a[0]);
    if (!e)
        return refuse(f, IR_NOT_FOUND, H_NOT_FOUND);
    if (e->holder != (int)c->lpid)
        return refuse(f, IR_PARAM, H_PARAMETER);
    hcall_mem(c, ipca_entry_addr(f, (unsigned)a[0]), 8, MEM_WRITE);
    e->holder = -1;
    if (f->audit)
        ipca_audit_lock(f, (unsigned)a[0], e->lock_start, c->op.end);
    if (e->busy_until < c->op.end)
        e->busy_until = c->op.end;
    f->st.unlocks++;
    return H_SUCCESS;
}

/* H_IPCA_GRANT(lpid, on) */
static long h_grant(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    (void)rets;
    ipca *f = F_(c);
    ipca_area *e = entry(c, c->lpid);
    if (!e)
        return refuse(f, IR_NOT_FOUND, H_NOT_FOUND);
    if (a[0] >= f->cfg.max_areas || a[0] >= c->h->nlpars || a[1] > 1)
        return refuse(f, IR_PARAM, H_PARAMETER);
    unsigned l = (unsigned)a[0];
    vmem(c, ipca_grant_addr(f, c->lpid, l), 8, MEM_READ);
    if (a[1])
        e->grant[l / 64] |= 1ull << (l % 64);
    else
        e->grant[l / 64] &= ~(1ull << (l % 64));
    hcall_mem(c, ipca_grant_addr(f, c->lpid, l), 8, MEM_WRITE);
    if (a[1])
        f->st.grants++;
    else
        f->st.revokes++;
    if (f->audit)
        ipca_audit_grant(f, c->lpid, l, a[1] != 0);
    return H_SUCCESS;
}

static const char parts[] = "compute,memory,tlb,queueing,validate,copy";
const hyp_hcall_desc ipca_hcalls[IPCA_NHCALLS] = {
    {H_IPCA_REGISTER, "H_IPCA_REGISTER", NULL, parts, h_register},
    {H_IPCA_DEREGISTER, "H_IPCA_DEREGISTER", NULL, parts, h_deregister},
    {H_IPCA_LOOKUP, "H_IPCA_LOOKUP", NULL, parts, h_lookup},
    {H_IPCA_WRITE, "H_IPCA_WRITE", NULL, parts, h_write},
    {H_IPCA_READ, "H_IPCA_READ", NULL, parts, h_read},
    {H_IPCA_LOCK, "H_IPCA_LOCK", NULL, parts, h_lock},
    {H_IPCA_UNLOCK, "H_IPCA_UNLOCK", NULL, parts, h_unlock},
    {H_IPCA_GRANT, "H_IPCA_GRANT", NULL, parts, h_grant},
};
