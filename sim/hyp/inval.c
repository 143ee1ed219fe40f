/*
 * inval.c - the invalidation pipeline (see inval.h): targets and hits, the
 * HPTE clear/downgrade steps, the coherency step with its default (eager,
 * LPAR-scoped global tlbie through the tlbie fabric), HPT streams and
 * scans, and hyp_invalidate, which runs find -> clear -> cohere as one op.
 */
#include <stdlib.h>
#include <string.h>

#include "hyp_int.h"
#include "mmu/hpte_vpn.h"

int hyp_ranges_push(hyp_ranges *r, uint64_t base, uint64_t len)
{
    if (r->n == r->cap) {
        unsigned cap = r->cap ? 2 * r->cap : 8;
        hyp_range *v = realloc(r->v, cap * sizeof *v);
        if (!v)
            return -1;
        r->v = v;
        r->cap = cap;
    }
    r->v[r->n++] = (hyp_range){base, len};
    return 0;
}

bool hyp_target_wants(const hyp_target *t, unsigned lpid)
{
    return (t->only < 0 || (unsigned)t->only == lpid) &&
           (t->except < 0 || (unsigned)t->except != lpid);
}

uint64_t hyp_hpte_real(hpte x, uint64_t *bytes)
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

bool hyp_target_hits(const hyp_target *t, hpte x)
{
    uint64_t sz;
    uint64_t ra = hyp_hpte_real(x, &sz);
    if (ra == UINT64_MAX)
        return false;
    for (unsigned i = 0; i < t->n; i++)
        if (ra < t->r[i].base + t->r[i].len && t->r[i].base < ra + sz)
            return true;
    return false;
}

int hyp_hits_push(hyp_hits *h, uint32_t lpid, uint64_t ptex)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 64;
        hyp_hit *v = realloc(h->v, cap * sizeof *v);
        if (!v)
            return -1;
        h->v = v;
        h->cap = cap;
    }
    h->v[h->n++] = (hyp_hit){lpid, ptex};
    return 0;
}

static int hit_cmp(const void *a, const void *b)
{
    const hyp_hit *x = a, *y = b;
    if (x->lpid != y->lpid)
        return x->lpid < y->lpid ? -1 : 1;
    return x->ptex < y->ptex ? -1 : x->ptex > y->ptex;
}

void hyp_hits_sort(hyp_hits *h)
{
    if (h->n > 1)
        qsort(h->v, h->n, sizeof *h->v, hit_cmp);
}

/* ---- coherency ---- */

static void eager_invalidate(void *ctx, hcall_ctx *c, unsigned lpid, const uint64_t *vpns,
                             const uint8_t *psizes, unsigned n, bool flush)
{
    (void)ctx;
    hyp *h = c->h;
    tlbie_cost cost = {0, 0, 0};
    if (flush)
        tlbie_global_flush(h->env.fabric, h->env.tlbs, h->env.nthreads, lpid, c->op.end, &cost);
    else if (n)
        tlbie_global(h->env.fabric, h->env.tlbs, h->env.nthreads, lpid, vpns, psizes, n,
                     c->op.end, &cost);
    else
        return;
    op_charge(&c->op, c->p_queueing, cost.queueing);
    op_charge(&c->op, c->p_tlb, cost.work);
}

const hyp_coherency_ops hyp_eager_tlbie = {"eager-tlbie", eager_invalidate, NULL};

void hyp_set_coherency(hyp *h, const hyp_coherency_ops *ops, void *ctx)
{
    h->coh = ops;
    h->coh_ctx = ctx;
}

/* ---- batches ---- */

void hyp_batch_init(hyp_batch *b, hcall_ctx *c, unsigned lpid)
{
    memset(b, 0, sizeof *b);
    b->c = c;
    b->lpid = lpid;
    b->vpn = b->vpn_small;
    b->ps = b->ps_small;
    b->ptex = b->ptex_small;
    b->cap = 4;
}

static void queue(hyp_batch *b, uint64_t ptex, hpte old)
{
    if (b->flush)
        return;
    if (b->n == b->cap) {
        unsigned cap = 2 * b->cap;
        uint64_t *v = malloc(cap * sizeof *v), *x = malloc(cap * sizeof *x);
        uint8_t *p = malloc(cap);
        if (!v || !p || !x) {
            free(v), free(p), free(x);
            b->flush = b->oom = true; /* flush the LPAR instead */
            return;
        }
        memcpy(v, b->vpn, b->n * sizeof *v);
        memcpy(p, b->ps, b->n);
        memcpy(x, b->ptex, b->n * sizeof *x);
        if (b->vpn != b->vpn_small)
            free(b->vpn), free(b->ps), free(b->ptex);
        b->vpn = v;
        b->ps = p;
        b->ptex = x;
        b->cap = cap;
    }
    const hpt *t = &b->c->h->lpars[b->lpid]->hpt;
    int ps = hpte_decode_psize_any(old.v, old.r);
    b->ps[b->n] = (uint8_t)(ps < 0 ? PSZ_4K : ps);
    b->vpn[b->n] = hpte_slot_vpn(t, old.v, ptex, (hpt_psize)b->ps[b->n]);
    b->ptex[b->n] = ptex;
    b->n++;
}

void hyp_write_hpte(hcall_ctx *c, unsigned lpid, uint64_t ptex, hpte x)
{
    const hpt *t = &c->h->lpars[lpid]->hpt;
    hcall_mem(c, hpt_hpte_addr(t, ptex), HPT_HPTE_BYTES, MEM_WRITE);
    hpt_write(t, ptex, x);
}

void hyp_batch_clear(hyp_batch *b, uint64_t ptex, hpte old)
{
    hyp_write_hpte(b->c, b->lpid, ptex, (hpte){0, 0});
    queue(b, ptex, old);
    hyp_notify_remove(b->c, b->lpid, ptex, old);
}

void hyp_batch_downgrade(hyp_batch *b, uint64_t ptex, hpte old, hpte now)
{
    hyp_write_hpte(b->c, b->lpid, ptex, now);
    queue(b, ptex, old);
}

int hyp_batch_commit(hyp_batch *b)
{
    hyp *h = b->c->h;
    if (h->coh->invalidate_slots)
        h->coh->invalidate_slots(h->coh_ctx, b->c, b->lpid, b->vpn, b->ps,
                                 b->flush ? NULL : b->ptex, b->n, b->flush);
    else
        h->coh->invalidate(h->coh_ctx, b->c, b->lpid, b->vpn, b->ps, b->n, b->flush);
    if (b->vpn != b->vpn_small)
        free(b->vpn), free(b->ps), free(b->ptex);
    int rc = b->oom ? -1 : 0;
    hyp_batch_init(b, b->c, b->lpid);
    return rc;
}

/* ---- streams and scans ---- */

void hyp_stream(hyp *h, hcall_ctx *x, uint64_t paddr, uint64_t bytes, mem_kind kind)
{
    if (!x)
        return;
    uint64_t win = h->cfg.scan_outstanding, sample = h->cfg.scan_sample_lines;
    uint64_t total = (bytes + HPT_PTEG_BYTES - 1) / HPT_PTEG_BYTES, first = 0, n = total;
    if (sample && total > sample) {
        /* sample the lines after those the previous scan of this region
         * sampled: they have not been touched since its last full pass */
        uint64_t *cur = u64map_get(&h->scan_cursor, paddr);
        if (!cur) {
            if (u64map_put(&h->scan_cursor, paddr, 0) != 0) {
                sim_err e;
                sim_errf(&e, "out of host memory for the HPT scan sampler");
                hyp_fail(h, &e);
                return;
            }
            cur = u64map_get(&h->scan_cursor, paddr);
        }
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
        uint64_t rest = (total - n + win - 1) / win, at = x->op.end;
        uint64_t charge = (uint64_t)((unsigned __int128)spent * rest / windows);
        op_charge(&x->op, x->p_memory, charge);
        /* and it leaves the caches as streaming it would (mem_stream):
         * lines first+n .. total-1, then 0 .. first-1, over the charge */
        uint64_t s = (first + n) % total, r = total - n, a = total - s < r ? total - s : r;
        uint64_t c1 = (uint64_t)((unsigned __int128)charge * a / r);
        mem_stream(x->port, paddr + s * HPT_PTEG_BYTES, a * HPT_PTEG_BYTES, kind, at, c1);
        if (r > a)
            mem_stream(x->port, paddr, (r - a) * HPT_PTEG_BYTES, kind, at + c1, charge - c1);
    }
}

int hyp_each_valid_hpte(hyp *h, unsigned lpid, hyp_hpte_fn fn, void *ctx)
{
    const hpt *tb = &h->lpars[lpid]->hpt;
    for (uint64_t off = 0; off < tb->size; off += PHYSMEM_CHUNK_BYTES) {
        uint64_t n = (tb->size - off < PHYSMEM_CHUNK_BYTES ? tb->size - off : PHYSMEM_CHUNK_BYTES) /
                     HPT_HPTE_BYTES;
        for (uint64_t i = 0; i < n; i++) {
            /* looked up per entry: clearing the last word frees a chunk */
            const uint64_t *w = physmem_chunk(h->env.pm, tb->base + off);
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

typedef struct scan_ctx {
    const hyp_target *t;
    hyp_hits *out;
} scan_ctx;

static int scan_one(void *ctx, unsigned lpid, uint64_t ptex, hpte e)
{
    scan_ctx *sc = ctx;
    return hyp_target_hits(sc->t, e) ? hyp_hits_push(sc->out, lpid, ptex) : 0;
}

int hyp_scan_hpt(hyp *h, hcall_ctx *x, unsigned lpid, const hyp_target *t, hyp_hits *out)
{
    const hpt *tb = &h->lpars[lpid]->hpt;
    hyp_stream(h, x, tb->base, tb->size, MEM_READ);
    if (x)
        hcall_steps(x, tb->size / HPT_PTEG_BYTES); /* a step per PTEG: 8 compares */
    scan_ctx sc = {t, out};
    return hyp_each_valid_hpte(h, lpid, scan_one, &sc);
}

/* ---- the whole pipeline ---- */

enum { P_FIND = 0, P_REMOVE = 1, P_TLB = 2, P_QUEUE = 3 };

static int scan_all(void *ctx, hcall_ctx *x, const hyp_target *t, hyp_hits *out)
{
    hyp *h = ctx;
    if (!t->n)
        return 0; /* nothing but a wipe (an LPAR that shared nothing) */
    for (unsigned l = 0; l < h->nlpars; l++)
        if (hyp_target_wants(t, l) && hyp_scan_hpt(h, x, l, t, out) != 0)
            return -1;
    return 0;
}

static int clear_entry(void *ctx, unsigned lpid, uint64_t ptex, hpte e)
{
    hyp_batch *b = ctx;
    (void)lpid;
    hyp_write_hpte(b->c, b->lpid, ptex, (hpte){0, 0});
    hyp_notify_remove(b->c, b->lpid, ptex, e);
    return 0;
}

int hyp_invalidate(hcall_ctx *c, const hyp_target *t, int wipe_lpid, hyp_find_fn find,
                   void *find_ctx, op_id op, unsigned part, uint64_t *found)
{
    hyp *h = c->h;
    hcall_ctx x = *c;
    op_begin(&x.op, c->op.end);
    x.p_features = 0; /* the platform op has no feature parts */
    x.p_compute = x.p_memory = P_FIND;
    x.p_tlb = P_TLB;
    x.p_queueing = P_QUEUE;
    hyp_hits hits = {0};
    int rc = find ? find(find_ctx, &x, t, &hits) : scan_all(h, &x, t, &hits);
    x.p_compute = x.p_memory = P_REMOVE;
    for (size_t i = 0; rc == 0 && i < hits.n;) {
        unsigned lpid = hits.v[i].lpid;
        const hpt *tb = &h->lpars[lpid]->hpt;
        hyp_batch b;
        hyp_batch_init(&b, &x, lpid);
        for (; i < hits.n && hits.v[i].lpid == lpid; i++) {
            uint64_t ptex = hits.v[i].ptex;
            hcall_mem(&x, hpt_hpte_addr(tb, ptex), HPT_HPTE_BYTES, MEM_READ);
            hcall_steps(&x, 1);
            hyp_batch_clear(&b, ptex, hpt_read(tb, ptex));
        }
        /* only after the HPTEs are gone: the TLBs that may hold them */
        rc = hyp_batch_commit(&b);
    }
    if (rc == 0 && wipe_lpid >= 0) {
        const hpt *tb = &h->lpars[wipe_lpid]->hpt;
        hyp_batch b;
        hyp_batch_init(&b, &x, (unsigned)wipe_lpid);
        hyp_stream(h, &x, tb->base, tb->size, MEM_ZERO);
        hyp_each_valid_hpte(h, (unsigned)wipe_lpid, clear_entry, &b);
        b.flush = true;
        rc = hyp_batch_commit(&b);
    }
    if (found)
        *found = hits.n;
    ops_record(h->env.ops, op, &x.op);
    op_charge(&c->op, part, x.op.end - x.op.start);
    free(hits.v);
    return rc;
}
