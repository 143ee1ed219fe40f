/*
 * smr_hcalls.c - the SMR hypervisor calls (see smr.h for their arguments
 * and errors) and the hooks that tie SMRs into H_ENTER: an attached client
 * page translates to the shared page, and an entry for a shared page is
 * refused unless the caller owns it or holds an attachment to it. Each
 * handler charges the hypervisor's own reads and writes of its tables; the
 * auditor (when on) runs after every call.
 */
#include <stdlib.h>
#include <string.h>

#include "hyp/platform.h"
#include "smr_int.h"

static smr *S(hcall_ctx *c) { return c->fs; }

uint64_t smr_attach_bucket(const smr *s, uint64_t key)
{
    uint64_t h = key * 0x9E3779B97F4A7C15ULL;
    return s->attach_paddr + 16 * ((h >> 40) & (SMR_ATTACH_BUCKETS - 1));
}

static uint64_t desc_addr(const smr *s, uint64_t id) { return s->desc_paddr + 64 * id; }
static uint64_t auth_addr(const smr *s, uint64_t id, unsigned lpid)
{
    return s->auth_paddr + id * s->vbytes + 8ull * (lpid / 64);
}

/* The SMR named by a[0], read from its descriptor: active and (if
 * server_only) served by the caller. */
static long region_of(hcall_ctx *c, uint64_t id, bool server_only, smr_region **out)
{
    smr *s = S(c);
    if (id >= s->nsmr)
        return H_NOT_FOUND;
    hcall_mem(c, desc_addr(s, id), 64, MEM_READ);
    hcall_steps(c, 1);
    smr_region *r = &s->r[id];
    if (!r->active)
        return H_NOT_FOUND;
    if (server_only && r->server != c->lpid)
        return H_PRIVILEGE;
    *out = r;
    return H_SUCCESS;
}

static bool valid_client(const smr *s, uint64_t lpid) { return lpid < s->nlp && s->lp[lpid].alive; }

/* H_SMR_CREATE(page_shift) -> rets[0] = id */
static long h_create(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    smr *s = S(c);
    if (a[0] != 12 && a[0] != 16 && a[0] != 24)
        return H_PARAMETER;
    smr_lpar *p = &s->lp[c->lpid];
    if (p->server_slot < 0) {
        /* claim a server slot: scan the slot table */
        hcall_mem(c, s->slots_paddr, (uint32_t)(8 * s->cfg.max_servers), MEM_READ);
        uint64_t k = 0;
        while (k < s->cfg.max_servers && s->slot_lpid[k] != UINT32_MAX)
            k++;
        hcall_steps(c, k + 1);
        if (k == s->cfg.max_servers)
            return H_RESOURCE;
        s->slot_lpid[k] = c->lpid;
        p->server_slot = (int32_t)k;
        hcall_mem(c, s->slots_paddr + 8 * k, 8, MEM_WRITE);
    }
    uint64_t base = (uint64_t)p->server_slot * s->cfg.max_per_server, id = UINT64_MAX;
    for (uint64_t i = 0; i < s->cfg.max_per_server; i++) {
        hcall_mem(c, desc_addr(s, base + i), 8, MEM_READ);
        hcall_steps(c, 1);
        if (!s->r[base + i].active) {
            id = base + i;
            break;
        }
    }
    if (id == UINT64_MAX)
        return H_RESOURCE;
    smr_region *r = &s->r[id];
    if (!r->pages) {
        r->pages = malloc(s->cfg.max_pages * sizeof *r->pages);
        r->auth = calloc(s->vwords, 8);
        r->ref = calloc(s->vwords, 8);
        if (!r->pages || !r->auth || !r->ref) {
            smr_fail(s, "out of host memory for SMR %llu", (unsigned long long)id);
            return H_NO_MEM;
        }
    }
    r->active = true;
    r->server = c->lpid;
    r->pshift = (uint8_t)a[0];
    r->npages = r->nactive = 0;
    memset(r->auth, 0, 8 * s->vwords);
    hcall_mem(c, desc_addr(s, id), 64, MEM_WRITE);
    hcall_mem(c, s->auth_paddr + id * s->vbytes, (uint32_t)s->vbytes, MEM_WRITE);
    s->stt.created++;
    rets[0] = id;
    return H_SUCCESS;
}

/* H_SMR_ADD(id, la, npages) -> rets[0] = index of the first page */
static long h_add(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    smr *s = S(c);
    smr_region *r;
    long rc = region_of(c, a[0], true, &r);
    if (rc != H_SUCCESS)
        return rc;
    uint64_t psz = 1ull << r->pshift, la = a[1], n = a[2];
    hyp_lpar *lp = c->h->lpars[c->lpid];
    if (n == 0 || la % psz || la >= lp->memory || n > (lp->memory - la) / psz)
        return H_PARAMETER;
    /* a run of n free entries in the page list (holes first) */
    uint64_t first = 0, run = 0;
    for (uint64_t i = 0; i < s->cfg.max_pages && run < n; i++) {
        bool free_e = i >= r->npages || r->pages[i].real == UINT64_MAX;
        run = free_e ? run + 1 : 0;
        if (run == 1)
            first = i;
    }
    hcall_steps(c, first + n);
    if (run < n)
        return H_RESOURCE;
    uint64_t *real = malloc(n * sizeof *real);
    if (!real)
        return H_NO_MEM;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t l = la + i * psz;
        real[i] = hyp_xlate_logical(c, lp, l);
        bool taken = u64map_get(&s->attach, smr_attach_key(c->lpid, l)) != NULL;
        for (uint64_t off = 0; off < psz && !taken; off += 4096)
            taken = u64map_get(&s->page_smr, (real[i] + off) >> 12) != NULL;
        if (taken) {
            free(real);
            return H_PARAMETER; /* already shared, or attached from elsewhere */
        }
    }
    for (uint64_t i = 0; i < n; i++) {
        uint64_t idx = first + i;
        r->pages[idx] = (smr_page){real[i], la + i * psz};
        for (uint64_t off = 0; off < psz; off += 4096)
            u64map_put(&s->page_smr, (real[i] + off) >> 12, a[0] << 32 | idx);
        hcall_mem(c, s->pages_paddr + (a[0] * s->cfg.max_pages + idx) * 8, 8, MEM_WRITE);
        if (idx >= r->npages)
            r->npages = idx + 1;
        r->nactive++;
        for (unsigned k = 0; k < SMR_STRATEGY_COUNT; k++)
            if (s->ops[k]->on_share)
                s->ops[k]->on_share(s->st[k], smr_for(s, k, c), a[0], real[i], true);
    }
    free(real);
    hcall_mem(c, desc_addr(s, a[0]), 8, MEM_WRITE);
    s->stt.pages_shared += n;
    rets[0] = first;
    return H_SUCCESS;
}

/* H_SMR_AUTHORIZE(id, client) */
static long h_authorize(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    (void)rets;
    smr *s = S(c);
    smr_region *r;
    long rc = region_of(c, a[0], true, &r);
    if (rc != H_SUCCESS)
        return rc;
    if (!valid_client(s, a[1]) || a[1] == c->lpid)
        return H_PARAMETER;
    unsigned l = (unsigned)a[1];
    hcall_mem(c, auth_addr(s, a[0], l), 8, MEM_READ);
    hcall_steps(c, 1);
    if (!smr_vbit(r->auth, l)) {
        r->auth[l / 64] |= 1ull << (l % 64);
        hcall_mem(c, auth_addr(s, a[0], l), 8, MEM_WRITE);
    }
    return H_SUCCESS;
}

/* One charged probe of the attachment table: the caller's attachment at
 * logical address la (its value, id << 32 | index), or NULL. */
static const uint64_t *probe_attach(smr *s, hcall_ctx *c, uint64_t la)
{
    uint64_t key = smr_attach_key(c->lpid, la);
    hcall_mem(c, smr_attach_bucket(s, key), 16, MEM_READ);
    hcall_steps(c, 1);
    return u64map_get(&s->attach, key);
}

/* Does [la, la+psz) of the caller overlap one of its attachments of another
 * page size? Probes of the attachment table, for each size it has
 * attachments of: the aligned base for a larger size, every slot of the
 * range for a smaller one (only LPARs that mix sizes pay for this). */
static bool overlaps_attachment(smr *s, hcall_ctx *c, uint64_t la, uint64_t psz)
{
    const smr_lpar *p = &s->lp[c->lpid];
    for (unsigned k = 0; k < SMR_PAGE_SIZES; k++) {
        uint64_t sz = 1ull << smr_size_shift(k);
        if (!p->nattach_size[k] || sz == psz)
            continue;
        uint64_t lo = la & ~(sz - 1), hi = sz > psz ? lo + 1 : la + psz;
        for (uint64_t a = lo; a < hi; a += sz)
            if (probe_attach(s, c, a))
                return true;
    }
    return false;
}

/* H_SMR_MAP(id, index, la): attach the caller's logical page la */
static long h_map(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    (void)rets;
    smr *s = S(c);
    smr_region *r;
    long rc = region_of(c, a[0], false, &r);
    if (rc != H_SUCCESS)
        return rc;
    if (a[1] >= r->npages || r->pages[a[1]].real == UINT64_MAX)
        return H_NOT_FOUND;
    if (r->server == c->lpid)
        return H_PARAMETER;
    hcall_mem(c, auth_addr(s, a[0], c->lpid), 8, MEM_READ);
    hcall_steps(c, 1);
    if (!smr_vbit(r->auth, c->lpid))
        return H_PRIVILEGE;
    uint64_t psz = 1ull << r->pshift, la = a[2], real = r->pages[a[1]].real;
    const hyp_lpar *lp = c->h->lpars[c->lpid];
    if (la % psz || la >= lp->memory)
        return H_PARAMETER;
    uint64_t key = smr_attach_key(c->lpid, la);
    hcall_mem(c, smr_attach_bucket(s, key), 16, MEM_READ);
    if (u64map_get(&s->attach, key) || u64map_get(&s->grant, smr_attach_key(c->lpid, real)) ||
        overlaps_attachment(s, c, la, psz))
        return H_PARAMETER; /* double map */
    uint64_t own = hyp_logical_to_real(c->h, c->lpid, la);
    if (u64map_get(&s->page_smr, own >> 12))
        return H_PARAMETER; /* the caller shares that page itself */
    uint64_t ck = smr_client_key(c->lpid, a[0]);
    uint64_t *cnt = u64map_get(&s->client_smr, ck);
    if (u64map_put(&s->client_smr, ck, cnt ? *cnt + 1 : 1) != 0 ||
        u64map_put(&s->attach, key, a[0] << 32 | a[1]) != 0 ||
        u64map_put(&s->grant, smr_attach_key(c->lpid, real), (la >> 12) + 1) != 0) {
        smr_fail(s, "out of host memory for an SMR attachment");
        return H_NO_MEM;
    }
    hcall_mem(c, smr_attach_bucket(s, key), 16, MEM_WRITE);
    s->lp[c->lpid].nattach++;
    s->lp[c->lpid].nattach_size[smr_size_index(r->pshift)]++;
    s->stt.attaches++;
    /* FIG. 4, 408: record the mapping state */
    for (unsigned k = 0; k < SMR_STRATEGY_COUNT; k++)
        if (s->ops[k]->on_attach)
            s->ops[k]->on_attach(s->st[k], smr_for(s, k, c), a[0], c->lpid);
    return H_SUCCESS;
}

/* H_SMR_UNMAP(la): the caller detaches; its mappings of the page go */
static long h_unmap(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    (void)rets;
    smr *s = S(c);
    if (a[0] >= c->h->lpars[c->lpid]->memory)
        return H_PARAMETER; /* (its key would alias another LPAR's) */
    uint64_t key = smr_attach_key(c->lpid, a[0] & ~4095ull);
    hcall_mem(c, smr_attach_bucket(s, key), 16, MEM_READ);
    hcall_steps(c, 1);
    uint64_t *v = u64map_get(&s->attach, key);
    if (!v)
        return H_NOT_FOUND;
    uint64_t id = *v >> 32, idx = *v & 0xffffffffu;
    hyp_range rg = {s->r[id].pages[idx].real, 1ull << s->r[id].pshift};
    hyp_target t = {&rg, 1, (int)c->lpid, -1};
    if (smr_end_sharing(s, c, &t) != 0)
        return H_NO_MEM;
    smr_detach(s, c, c->lpid, a[0] & ~4095ull);
    if (s->audit)
        smr_audit_after(s, &t);
    return H_SUCCESS;
}

/* H_SMR_DEAUTHORIZE(id, client) */
static long h_deauthorize(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    (void)rets;
    smr *s = S(c);
    smr_region *r;
    long rc = region_of(c, a[0], true, &r);
    if (rc != H_SUCCESS)
        return rc;
    if (!valid_client(s, a[1]))
        return H_PARAMETER;
    unsigned l = (unsigned)a[1];
    hcall_mem(c, auth_addr(s, a[0], l), 8, MEM_READ);
    if (!smr_vbit(r->auth, l))
        return H_NOT_FOUND;
    unsigned n;
    hyp_range *rg = smr_region_ranges(s, a[0], 0, r->npages, &n);
    if (!rg)
        return H_NO_MEM;
    hyp_target t = {rg, n, (int)l, -1};
    if (smr_end_sharing(s, c, &t) != 0) {
        free(rg);
        return H_NO_MEM;
    }
    for (uint64_t i = 0; i < r->npages; i++) {
        uint64_t real = r->pages[i].real;
        uint64_t *g = real == UINT64_MAX ? NULL : u64map_get(&s->grant, smr_attach_key(l, real));
        if (g)
            smr_detach(s, c, l, (*g - 1) << 12);
    }
    r->auth[l / 64] &= ~(1ull << (l % 64));
    hcall_mem(c, auth_addr(s, a[0], l), 8, MEM_WRITE);
    if (s->audit)
        smr_audit_after(s, &t);
    free(rg);
    return H_SUCCESS;
}

/* Unshare pages [first, first+count) of SMR id (count 0 = to the end). */
static long unshare(hcall_ctx *c, uint64_t id, uint64_t first, uint64_t count, bool destroy)
{
    smr *s = S(c);
    smr_region *r = &s->r[id];
    unsigned n;
    hyp_range *rg = smr_region_ranges(s, id, first, count, &n);
    if (!rg)
        return H_NO_MEM;
    hyp_target t = {rg, n, -1, (int)r->server};
    int rc = smr_end_sharing(s, c, &t);
    for (uint64_t i = first; rc == 0 && i < first + count && i < r->npages; i++)
        smr_drop_page(s, c, id, i);
    if (destroy && rc == 0) {
        /* every client's reference bit and authorisation go with it */
        for (unsigned l = 0; l < s->nlp; l++)
            for (unsigned k = 0; k < SMR_STRATEGY_COUNT; k++)
                if (s->ops[k]->on_forget && smr_vbit(r->ref, l))
                    s->ops[k]->on_forget(s->st[k], smr_for(s, k, c), id, l);
        memset(r->auth, 0, 8 * s->vwords);
        memset(r->ref, 0, 8 * s->vwords);
        r->active = false;
        r->npages = 0;
        hcall_mem(c, desc_addr(s, id), 64, MEM_WRITE);
        s->stt.destroyed++;
    }
    if (rc == 0 && s->audit)
        smr_audit_after(s, &t);
    free(rg);
    return rc == 0 ? H_SUCCESS : H_NO_MEM;
}

/* H_SMR_UNSHARE(id, first, count) */
static long h_unshare(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    (void)rets;
    smr_region *r;
    long rc = region_of(c, a[0], true, &r);
    if (rc != H_SUCCESS)
        return rc;
    uint64_t first = a[1], count = a[2] ? a[2] : (r->npages > first ? r->npages - first : 0);
    if (first >= r->npages || count > r->npages - first)
        return H_PARAMETER;
    return unshare(c, a[0], first, count, false);
}

/* H_SMR_DESTROY(id) */
static long h_destroy(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    (void)rets;
    smr_region *r;
    long rc = region_of(c, a[0], true, &r);
    if (rc != H_SUCCESS)
        return rc;
    return unshare(c, a[0], 0, r->npages, true);
}

long smr_destroy_region(hcall_ctx *c, uint64_t id)
{
    return unshare(c, id, 0, S(c)->r[id].npages, true);
}

/* The platform triggers: the core's operations, the SMR auditor told
 * through the feature's platform hooks. */
static long h_terminate(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    (void)rets;
    if (!valid_client(S(c), a[0]))
        return H_PARAMETER;
    return hyp_lpar_terminate(c, (unsigned)a[0], S(c)->op_inv, SMR_PART_INVALIDATE);
}

static long h_reclaim(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    (void)rets;
    return hyp_pmb_reclaim(c, a[0], S(c)->op_inv, SMR_PART_INVALIDATE);
}

/* ---- H_ENTER hooks ---- */

static uint64_t hook_xlate(void *ctx, hcall_ctx *c, uint64_t la)
{
    smr *s = ctx;
    const smr_lpar *p = &s->lp[c->lpid];
    if (!p->nattach)
        return UINT64_MAX;
    /* one probe of the attachment table per SMR page size the LPAR has
     * attachments of (its per-size counts sit in its descriptor): a 4K
     * H_ENTER inside a 64K attachment lands in the shared page, where
     * check_enter refuses the size mismatch */
    for (unsigned k = 0; k < SMR_PAGE_SIZES; k++) {
        if (!p->nattach_size[k])
            continue;
        uint64_t base = la & ~((1ull << smr_size_shift(k)) - 1);
        const uint64_t *v = probe_attach(s, c, base);
        if (!v)
            continue;
        const smr_region *r = &s->r[*v >> 32];
        if (r->pshift == smr_size_shift(k))
            return r->pages[*v & 0xffffffffu].real + (la - base);
    }
    return UINT64_MAX;
}

static long hook_check_enter(void *ctx, hcall_ctx *c, uint64_t ra, uint64_t bytes)
{
    smr *s = ctx;
    if (smr_slot_owner(s, ra) == c->lpid)
        return H_SUCCESS;
    uint64_t *v = u64map_get(&s->page_smr, ra >> 12);
    if (!v)
        return H_PRIVILEGE;
    uint64_t id = *v >> 32, page = ra & ~((1ull << s->r[id].pshift) - 1);
    hcall_mem(c, auth_addr(s, id, c->lpid), 8, MEM_READ);
    if (!smr_vbit(s->r[id].auth, c->lpid) || !u64map_get(&s->grant, smr_attach_key(c->lpid, page)))
        return H_PRIVILEGE;
    return bytes == 1ull << s->r[id].pshift ? H_SUCCESS : H_PARAMETER;
}

static void hook_insert(void *ctx, hcall_ctx *c, uint64_t ptex, hpte e, uint64_t ra)
{
    smr *s = ctx;
    (void)e;
    for (unsigned k = 0; k < SMR_STRATEGY_COUNT; k++)
        if (s->ops[k]->on_insert &&
            s->ops[k]->on_insert(s->st[k], smr_for(s, k, c), c->lpid, ptex, ra) != 0)
            smr_fail(s, "out of host memory for the %s index", s->ops[k]->name);
}

static void hook_remove(void *ctx, hcall_ctx *c, uint64_t ptex, hpte old, uint64_t ra)
{
    smr *s = ctx;
    (void)old;
    for (unsigned k = 0; k < SMR_STRATEGY_COUNT; k++)
        if (s->ops[k]->on_remove)
            s->ops[k]->on_remove(s->st[k], smr_for(s, k, c), c->lpid, ptex, ra);
}

/* Every SMR hcall: the handler, then the auditor's general check. */
#define SMR_CALL(fn)                                                                               \
    static long call_##fn(hcall_ctx *c, const uint64_t *a, uint64_t *rets)                        \
    {                                                                                              \
        long rc = S(c)->lp[c->lpid].alive ? fn(c, a, rets) : H_HARDWARE;                            \
        if (S(c)->audit)                                                                           \
            smr_audit_after(S(c), NULL);                                                           \
        return rc;                                                                                 \
    }
SMR_CALL(h_create)
SMR_CALL(h_add)
SMR_CALL(h_authorize)
SMR_CALL(h_deauthorize)
SMR_CALL(h_map)
SMR_CALL(h_unmap)
SMR_CALL(h_unshare)
SMR_CALL(h_destroy)
SMR_CALL(h_terminate)
SMR_CALL(h_reclaim)

static const char parts[] = "compute,memory,tlb,queueing,invalidate";
const hyp_hcall_desc smr_hcalls[SMR_NHCALLS] = {
    {H_SMR_CREATE, "H_SMR_CREATE", "smr.create", parts, call_h_create},
    {H_SMR_ADD, "H_SMR_ADD", "smr.add", parts, call_h_add},
    {H_SMR_AUTHORIZE, "H_SMR_AUTHORIZE", "smr.authorize", parts, call_h_authorize},
    {H_SMR_DEAUTHORIZE, "H_SMR_DEAUTHORIZE", "smr.deauthorize", parts, call_h_deauthorize},
    {H_SMR_MAP, "H_SMR_MAP", "smr.map", parts, call_h_map},
    {H_SMR_UNMAP, "H_SMR_UNMAP", "smr.unmap", parts, call_h_unmap},
    {H_SMR_UNSHARE, "H_SMR_UNSHARE", "smr.unshare", parts, call_h_unshare},
    {H_SMR_DESTROY, "H_SMR_DESTROY", "smr.destroy", parts, call_h_destroy},
    {H_SMR_TERMINATE, "H_SMR_TERMINATE", "smr.terminate", parts, call_h_terminate},
    {H_SMR_RECLAIM, "H_SMR_RECLAIM", "smr.reclaim", parts, call_h_reclaim},
};

/* The H_ENTER hooks (the hcalls themselves are registered by the core
 * from smr_hcalls). */
int smr_register_hcalls(smr *s)
{
    hyp_ext x = {.ctx = s, .check_enter = hook_check_enter, .on_insert = hook_insert,
                 .on_remove = hook_remove, .xlate = hook_xlate};
    return hyp_add_ext(s->h, &x);
}
