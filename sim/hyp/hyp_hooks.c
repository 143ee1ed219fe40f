/*
 * hyp_hooks.c - what features attach to the HPT: hooks on every HPTE
 * insert and removal (in the order added, after the core's reverse map),
 * H_ENTER translation redirections and vetoes (hyp_ext), the HPTE-write
 * listeners auditors build their own indexes from, and the TLB-fill
 * listeners (a thread's walk loaded a translation from an HPTE: the
 * threads' fill hook is set only while a listener exists).
 */
#include <string.h>

#include "hyp_int.h"
#include "rmap_int.h"

int hyp_add_ext(hyp *h, const hyp_ext *x)
{
    if (h->next == HYP_MAX_EXTS)
        return -1;
    h->ext[h->next++] = *x;
    return 0;
}

int hyp_add_hpte_listener(hyp *h, hyp_hpte_listener fn, void *ctx)
{
    if (h->nlisten == HYP_MAX_LISTENERS)
        return -1;
    h->listen[h->nlisten++] = (hyp_listener){fn, ctx};
    return 0;
}

void hyp_remove_hpte_listener(hyp *h, hyp_hpte_listener fn, void *ctx)
{
    for (unsigned i = 0; i < h->nlisten; i++)
        if (h->listen[i].fn == fn && h->listen[i].ctx == ctx) {
            memmove(&h->listen[i], &h->listen[i + 1], (h->nlisten - i - 1) * sizeof h->listen[0]);
            h->nlisten--;
            return;
        }
}

void hyp_notify_insert(hcall_ctx *c, uint64_t ptex, hpte e, uint64_t real)
{
    hyp *h = c->h;
    h->st.hptes_inserted++;
    if (h->rmap && hyp_rmap_insert(h->rmap, c, c->lpid, ptex, real) != 0) {
        sim_err err;
        sim_errf(&err, "out of host memory for the reverse map");
        hyp_fail(h, &err);
    }
    for (unsigned i = 0; i < h->next; i++)
        if (h->ext[i].on_insert)
            h->ext[i].on_insert(h->ext[i].ctx, c, ptex, e, real);
}

void hyp_notify_remove(hcall_ctx *c, unsigned lpid, uint64_t ptex, hpte old)
{
    hyp *h = c->h;
    h->st.hptes_removed++;
    /* the hooks see the LPAR that owned the entry */
    unsigned caller = c->lpid;
    c->lpid = lpid;
    if (h->rmap)
        hyp_rmap_remove(h->rmap, c, lpid, ptex);
    int ps = hpte_decode_psize_any(old.v, old.r);
    uint64_t real = ps < 0 ? UINT64_MAX : hpte_real_addr(old.r, (hpt_psize)ps);
    for (unsigned i = 0; i < h->next; i++)
        if (h->ext[i].on_remove)
            h->ext[i].on_remove(h->ext[i].ctx, c, ptex, old, real);
    c->lpid = caller;
}


/* The threads' fill hook while a listener exists: every listener, in the
 * order added, with the LPAR of the vCPU the thread runs. */
static uint64_t on_fill(void *ctx, cpu_thread *t, uint64_t ptex, uint64_t vpn, unsigned psize,
                        uint64_t now)
{
    hyp *h = ctx;
    uint64_t spent = 0;
    for (unsigned i = 0; i < h->nfill; i++)
        spent += h->fill[i].fn(h->fill[i].ctx, t->id, t->v->b.lpid, ptex, vpn, psize, now + spent);
    return spent;
}

static void set_fill_hooks(hyp *h)
{
    for (unsigned i = 0; h->env.threads && i < h->env.nthreads; i++) {
        h->env.threads[i].on_fill = h->nfill ? on_fill : NULL;
        h->env.threads[i].fill_ctx = h->nfill ? h : NULL;
    }
}

void hyp_set_access_oracle(hyp *h, cpu_access_fn fn, void *ctx)
{
    for (unsigned i = 0; h->env.threads && i < h->env.nthreads; i++) {
        h->env.threads[i].on_access = fn;
        h->env.threads[i].access_ctx = fn ? ctx : NULL;
    }
}

int hyp_add_fill_listener(hyp *h, hyp_fill_listener fn, void *ctx)
{
    if (h->nfill == HYP_MAX_LISTENERS)
        return -1;
    h->fill[h->nfill++] = (hyp_fill_entry){fn, ctx};
    set_fill_hooks(h);
    return 0;
}

void hyp_remove_fill_listener(hyp *h, hyp_fill_listener fn, void *ctx)
{
    for (unsigned i = 0; i < h->nfill; i++)
        if (h->fill[i].fn == fn && h->fill[i].ctx == ctx) {
            memmove(&h->fill[i], &h->fill[i + 1], (h->nfill - i - 1) * sizeof h->fill[0]);
            h->nfill--;
            set_fill_hooks(h);
            return;
        }
}
