/*
 * smr.c - the SMR state inside the hypervisor: creation and layout of its
 * tables in hypervisor memory, the charging helpers (memory accesses through
 * the calling thread's caches, HPT scans as prefetched streams), the hooks
 * that keep every strategy's index current on H_ENTER / H_REMOVE, and the
 * redirection of attached client pages on H_ENTER.
 * Invariants: an SMR id is active iff its region has active = true; a real
 * 4K page is in page_smr iff it lies in a page of an active SMR; attach and
 * grant describe the same attachments (grant counts them per real page).
 */
#include <stdlib.h>
#include <string.h>

#include "smr_int.h"

extern const stat_table smr_stat_table, smr_audit_stat_table;

const char *smr_strategy_name(unsigned kind)
{
    static const char *const n[] = {"exhaustive", "export-vector", "rmap"};
    return kind < SMR_STRATEGY_COUNT ? n[kind] : "?";
}

static const smr_strategy_ops *strategy_ops(unsigned k)
{
    return k == SMR_EXHAUSTIVE ? &smr_exhaustive_ops
           : k == SMR_EXPORT_VECTOR ? &smr_export_vector_ops
                                    : &smr_rmap_ops;
}

static uint64_t vec_bytes(uint64_t bits)
{
    return (bits + 63) / 64 * 8;
}

/* The common tables: descriptors, authorisations, page lists, server
 * slots, attachment hash. */
static uint64_t common_bytes(const smr_config *c)
{
    uint64_t nsmr = c->max_per_server * c->max_servers;
    return nsmr * (64 + vec_bytes(c->max_lpars) + 8 * c->max_pages) + 8 * c->max_servers +
           16ull * SMR_ATTACH_BUCKETS;
}

uint64_t smr_memory_needed(const smr_config *c, uint64_t lmb_size, unsigned nlpars,
                           const uint64_t *lpar_memory, const uint64_t *hpt_bytes)
{
    const smr_strategy_ops *o = strategy_ops(c->strategy);
    uint64_t need = common_bytes(c) + o->global_bytes(c) + 4096;
    for (unsigned i = 0; i < nlpars; i++)
        need += (o->lpar_bytes(c, lmb_size, lpar_memory[i], hpt_bytes ? hpt_bytes[i] : 0) + 127) &
                ~127ull;
    return need;
}

smr *smr_create(hyp *h, sim_err *e)
{
    const smr_config *c = &h->cfg.smr;
    if (c->max_per_server % 64 || c->max_lpars % 64) {
        sim_errf(e, "hypervisor.smr: max_per_server %llu and max_lpars %llu; expected multiples "
                    "of 64", (unsigned long long)c->max_per_server,
                 (unsigned long long)c->max_lpars);
        return NULL;
    }
    smr *s = calloc(1, sizeof *s);
    if (!s) {
        sim_errf(e, "out of host memory");
        return NULL;
    }
    s->h = h;
    s->cfg = *c;
    s->nsmr = c->max_per_server * c->max_servers;
    s->vwords = (unsigned)(c->max_lpars / 64);
    s->evwords = (unsigned)(c->max_per_server / 64);
    s->vbytes = vec_bytes(c->max_lpars);
    s->evbytes = vec_bytes(c->max_per_server);
    s->sel = c->strategy;
    s->r = calloc(s->nsmr, sizeof *s->r);
    s->slot_lpid = malloc(c->max_servers * sizeof *s->slot_lpid);
    u64map_init(&s->page_smr);
    u64map_init(&s->attach);
    u64map_init(&s->grant);
    u64map_init(&s->client_smr);
    u64map_init(&s->scan_cursor);
    if (!s->r || !s->slot_lpid)
        goto oom;
    for (uint64_t i = 0; i < c->max_servers; i++)
        s->slot_lpid[i] = UINT32_MAX;
    lmb_space *l = &h->lmb;
    s->desc_paddr = lmb_hyp_alloc_top(l, 64 * s->nsmr, 128);
    s->auth_paddr = lmb_hyp_alloc_top(l, s->vbytes * s->nsmr, 128);
    s->pages_paddr = lmb_hyp_alloc_top(l, 8 * c->max_pages * s->nsmr, 128);
    s->slots_paddr = lmb_hyp_alloc_top(l, 8 * c->max_servers, 128);
    s->attach_paddr = lmb_hyp_alloc_top(l, 16ull * SMR_ATTACH_BUCKETS, 128);
    for (unsigned k = 0; k < SMR_STRATEGY_COUNT; k++)
        s->ops[k] = strategy_ops(k);
    uint64_t g = s->ops[s->sel]->global_bytes(c);
    s->strat_paddr = g ? lmb_hyp_alloc_top(l, g, 128) : 0;
    if (s->desc_paddr == UINT64_MAX || s->auth_paddr == UINT64_MAX ||
        s->pages_paddr == UINT64_MAX || s->slots_paddr == UINT64_MAX ||
        s->attach_paddr == UINT64_MAX || s->strat_paddr == UINT64_MAX) {
        smr_destroy(s);
        sim_errf(e, "hypervisor.memory: too small for the SMR tables (%llu bytes); raise it or "
                    "set it to 0 (automatic)", (unsigned long long)(common_bytes(c) + g));
        return NULL;
    }
    s->stt.table_bytes = common_bytes(c);
    s->stt.metadata_bytes = g;
    for (unsigned k = 0; k < SMR_STRATEGY_COUNT; k++)
        if (!(s->st[k] = s->ops[k]->create(s)))
            goto oom;
    s->op_inv = ops_declare(h->env.ops, "smr.invalidate",
                            "finding and invalidating every mapping of pages whose sharing ends "
                            "(one per triggering operation)",
                            "find,hpte_remove,tlb_invalidate,queueing");
    if (s->op_inv == OP_INVALID ||
        stats_register(h->env.stats, "smr", &smr_stat_table, &s->stt) != 0 ||
        stats_register(h->env.stats, "audit", &smr_audit_stat_table, &s->ast) != 0 ||
        smr_register_hcalls(s) != 0)
        goto oom;
    smr_set_audit(s, c->audit);
    if (s->audit && !s->audit_state)
        goto oom;
    return s;
oom:
    smr_destroy(s);
    sim_errf(e, "out of host memory for the SMR tables");
    return NULL;
}

void smr_destroy(smr *s)
{
    if (!s)
        return;
    for (unsigned k = 0; k < SMR_STRATEGY_COUNT; k++)
        if (s->st[k])
            s->ops[k]->destroy(s->st[k]);
    for (uint64_t i = 0; s->r && i < s->nsmr; i++) {
        free(s->r[i].pages);
        free(s->r[i].auth);
        free(s->r[i].ref);
    }
    free(s->r);
    free(s->lp);
    free(s->slot_lpid);
    u64map_free(&s->page_smr);
    u64map_free(&s->attach);
    u64map_free(&s->grant);
    u64map_free(&s->client_smr);
    u64map_free(&s->scan_cursor);
    smr_audit_destroy(s->audit_state);
    free(s);
}

int smr_lpar_added(smr *s, unsigned lpid, sim_err *e)
{
    if (lpid >= s->caplp) {
        unsigned cap = s->caplp ? 2 * s->caplp : 16;
        while (cap <= lpid)
            cap *= 2;
        smr_lpar *v = realloc(s->lp, cap * sizeof *v);
        if (!v)
            return sim_errf(e, "out of host memory");
        s->lp = v;
        s->caplp = cap;
    }
    smr_lpar *p = &s->lp[lpid];
    memset(p, 0, sizeof *p);
    p->server_slot = -1;
    p->alive = true;
    s->nlp = lpid + 1;
    const hyp_lpar *hl = &s->h->lpars[lpid];
    uint64_t b = s->ops[s->sel]->lpar_bytes(&s->cfg, s->h->cfg.lmb_size, hl->memory, hl->hpt.size);
    if (b) {
        p->strat_paddr = lmb_hyp_alloc_top(&s->h->lmb, b, 128);
        if (p->strat_paddr == UINT64_MAX)
            return sim_errf(e, "hypervisor memory is too small for the %s tables of LPAR %u "
                               "(%llu bytes); set hypervisor.memory to 0 (automatic)",
                            smr_strategy_name(s->sel), lpid, (unsigned long long)b);
    }
    s->stt.metadata_bytes += b;
    return 0;
}

smr *hyp_smr(hyp *h) { return h->smr; }

/* ---- charging ---- */

void smr_mem(smr_exec *x, uint64_t paddr, uint32_t size, mem_kind kind)
{
    if (x)
        hcall_mem(x, paddr, size, kind);
}

void smr_steps(smr_exec *x, uint64_t n)
{
    if (x)
        hcall_steps(x, n);
}

smr_exec *smr_for(const smr *s, unsigned k, smr_exec *c)
{
    return k == s->sel ? c : NULL;
}

void smr_stream(smr *s, smr_exec *x, uint64_t paddr, uint64_t bytes, mem_kind kind)
{
    if (!x)
        return;
    uint64_t win = s->cfg.scan_outstanding, sample = s->cfg.scan_sample_lines;
    uint64_t total = (bytes + HPT_PTEG_BYTES - 1) / HPT_PTEG_BYTES, first = 0, n = total;
    if (sample && total > sample) {
        /* sample the lines after those the previous scan of this region
         * sampled: they have not been touched since its last full pass */
        if (!u64map_get(&s->scan_cursor, paddr) && u64map_put(&s->scan_cursor, paddr, 0) != 0) {
            smr_fail(s, "out of host memory for the scan sampler");
            return;
        }
        uint64_t *cur = u64map_get(&s->scan_cursor, paddr);
        first = *cur;
        n = sample;
        *cur = (first + sample) % total;
    }
    uint64_t windows = 0, spent = 0;
    for (uint64_t done = 0; done < n;) {
        /* a window of lines issued together; the stream advances by the
         * slowest, so DRAM bank and bus contention set the pace */
        uint64_t now = x->op.end, worst = 0;
        for (uint64_t i = 0; i < win && done < n; i++, done++) {
            uint64_t line = (first + done) % total;
            uint64_t lat = mem_access(x->port, paddr + line * HPT_PTEG_BYTES, HPT_PTEG_BYTES,
                                      kind, now);
            if (lat > worst)
                worst = lat;
        }
        op_charge(&x->op, x->p_memory, worst);
        spent += worst;
        windows++;
    }
    if (n < total) {
        /* the rest of the stream at the mean window time of the sample */
        uint64_t rest = (total - n + win - 1) / win;
        op_charge(&x->op, x->p_memory, (uint64_t)((unsigned __int128)spent * rest / windows));
    }
}

/* ---- targets and hits ---- */

bool smr_target_wants(const smr_target *t, unsigned lpid)
{
    return (t->only < 0 || (unsigned)t->only == lpid) && (t->except < 0 || (unsigned)t->except != lpid);
}

bool smr_target_covers(const smr_target *t, uint64_t real)
{
    for (unsigned i = 0; i < t->n; i++)
        if (real - t->r[i].base < t->r[i].len)
            return true;
    return false;
}

int smr_hits_push(smr_hits *h, uint32_t lpid, uint64_t ptex)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 64;
        smr_hit *v = realloc(h->v, cap * sizeof *v);
        if (!v)
            return -1;
        h->v = v;
        h->cap = cap;
    }
    h->v[h->n++] = (smr_hit){lpid, ptex};
    return 0;
}

static int hit_cmp(const void *a, const void *b)
{
    const smr_hit *x = a, *y = b;
    if (x->lpid != y->lpid)
        return x->lpid < y->lpid ? -1 : 1;
    return x->ptex < y->ptex ? -1 : x->ptex > y->ptex;
}

void smr_hits_sort(smr_hits *h)
{
    if (h->n > 1)
        qsort(h->v, h->n, sizeof *h->v, hit_cmp);
}

uint64_t smr_hpte_real(hpte x, uint64_t *bytes)
{
    if (!(x.v & HPTE_V_VALID))
        return UINT64_MAX;
    int ps = hpte_decode_psize_any(x.v, x.r);
    if (ps < 0)
        return UINT64_MAX;
    if (bytes)
        *bytes = 1ull << hpt_psize_shift((hpt_psize)ps);
    return hpte_real_addr(x.r, (hpt_psize)ps);
}

uint32_t smr_slot_owner(const smr *s, uint64_t ra)
{
    uint64_t slot = ra / s->h->cfg.lmb_size;
    return slot < s->h->lmb.nslots ? s->h->lmb.owner[slot] : LMB_FREE;
}

uint64_t smr_lmb_index(const smr *s, uint32_t lpid, uint64_t ra)
{
    return lmb_index_of(&s->h->lmb, lpid, ra);
}

/* Does a valid HPTE (whatever its page size) overlap the target? */
static bool entry_hits(const smr_target *t, hpte x)
{
    uint64_t sz;
    uint64_t ra = smr_hpte_real(x, &sz);
    if (ra == UINT64_MAX)
        return false;
    for (unsigned i = 0; i < t->n; i++)
        if (ra < t->r[i].base + t->r[i].len && t->r[i].base < ra + sz)
            return true;
    return false;
}

typedef struct scan_ctx {
    const smr_target *t;
    smr_hits *out;
} scan_ctx;

static int scan_one(void *ctx, unsigned lpid, uint64_t ptex, hpte e)
{
    scan_ctx *sc = ctx;
    return entry_hits(sc->t, e) ? smr_hits_push(sc->out, lpid, ptex) : 0;
}

int smr_scan_hpt(smr *s, smr_exec *x, unsigned lpid, const smr_target *t, smr_hits *out)
{
    const hpt *tb = &s->h->lpars[lpid].hpt;
    uint64_t lines = tb->size / HPT_PTEG_BYTES;
    if (x) {
        s->stt.lpars_scanned++;
        s->stt.hpt_lines_scanned += lines;
    }
    smr_stream(s, x, tb->base, tb->size, MEM_READ);
    smr_steps(x, lines); /* one step per PTEG: 8 compares against the target */
    scan_ctx sc = {t, out};
    return smr_each_valid_hpte(s, lpid, scan_one, &sc);
}

int smr_each_valid_hpte(smr *s, unsigned lpid, smr_hpte_fn fn, void *ctx)
{
    const hpt *tb = &s->h->lpars[lpid].hpt;
    for (uint64_t off = 0; off < tb->size; off += PHYSMEM_CHUNK_BYTES) {
        uint64_t n = (tb->size - off < PHYSMEM_CHUNK_BYTES ? tb->size - off : PHYSMEM_CHUNK_BYTES) /
                     HPT_HPTE_BYTES;
        for (uint64_t i = 0; i < n; i++) {
            /* looked up per entry: clearing the last word frees a chunk */
            const uint64_t *w = physmem_chunk(s->h->env.pm, tb->base + off);
            if (!w)
                break;
            hpte e = {w[2 * i], w[2 * i + 1]};
            int rc = (e.v & HPTE_V_VALID) ? fn(ctx, lpid, off / HPT_HPTE_BYTES + i, e) : 0;
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* ---- queries ---- */

uint64_t smr_metadata_bytes(const smr *s) { return s->stt.metadata_bytes; }
uint64_t smr_capacity(const smr *s) { return s->nsmr; }
bool smr_is_active(const smr *s, uint64_t id) { return id < s->nsmr && s->r[id].active; }
uint32_t smr_server_of(const smr *s, uint64_t id)
{
    return smr_is_active(s, id) ? s->r[id].server : UINT32_MAX;
}
uint64_t smr_page_count(const smr *s, uint64_t id)
{
    return smr_is_active(s, id) ? s->r[id].npages : 0;
}
uint64_t smr_page_real(const smr *s, uint64_t id, uint64_t index)
{
    return smr_is_active(s, id) && index < s->r[id].npages ? s->r[id].pages[index].real : UINT64_MAX;
}
bool smr_is_authorized(const smr *s, uint64_t id, unsigned lpid)
{
    return smr_is_active(s, id) && lpid < s->cfg.max_lpars && smr_vbit(s->r[id].auth, lpid);
}
bool smr_lpar_alive(const smr *s, unsigned lpid) { return lpid < s->nlp && s->lp[lpid].alive; }

bool smr_attached(const smr *s, unsigned lpid, uint64_t la)
{
    return u64map_get(&s->attach, smr_attach_key(lpid, la)) != NULL;
}

int smr_check_error(const smr *s, sim_err *e)
{
    if (!s->failed)
        return 0;
    if (e)
        *e = s->err;
    return -1;
}

void smr_test_set_ops(smr *s, const smr_strategy_ops *ops)
{
    s->ops[s->sel] = ops;
}
