/*
 * smr_audit.c - the stale-mapping auditor. It keeps its own index of every
 * valid HPTE, built from the raw HPT words as they are written (the
 * hypervisor's store hook), so it depends on neither the hcall code paths
 * nor any strategy. After every sharing operation it checks:
 *  - every HPTE written since the last check maps a page its LPAR owns or
 *    holds an attachment to ("never given");
 *  - no HPTE and no TLB entry of any LPAR maps a page of the ended target
 *    unless still entitled to it (stale mappings); the same before a page
 *    or slot is released for reuse;
 *  - before each invalidation, every strategy finds exactly the mappings
 *    the index holds for the target.
 * The first violation stops the run with a precise message. The index is
 * a u64chain, the same structure as the core's reverse map, but built from
 * the raw writes (an HPTE-write listener), never from the code it checks.
 * Index granularity: a mapping is filed under the 4K real page where its
 * page starts; targets are page-aligned, so that page lies in the target.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/u64chain.h"
#include "smr_int.h"

/* The index: a u64chain of HPTE real addresses (key) by the 4K real page
 * their mapping starts in (group), aux = lpid. */
typedef struct audit {
    smr *s;
    u64chain c;
    uint64_t *dirty; /* HPTE addresses written since the last check */
    size_t ndirty, capdirty;
} audit;

void smr_fail(smr *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sim_err_vlatch(&s->err, &s->failed, fmt, ap);
    va_end(ap);
}

static void violation(smr *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void violation(smr *s, const char *fmt, ...)
{
    s->ast.violations++;
    if (s->failed)
        return;
    char buf[SIM_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    smr_fail(s, "audit (strategy %s): %s", smr_strategy_name(s->sel), buf);
}

static unsigned lpid_of_hpte(const smr *s, uint64_t addr)
{
    const hyp *h = s->h;
    unsigned lo = 0, hi = h->nlpars;
    while (hi - lo > 1) { /* HPT bases increase with the lpid */
        unsigned mid = (lo + hi) / 2;
        if (h->lpars[mid]->hpt.base <= addr)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

void smr_audit_hpte_listener(void *va, uint64_t pa)
{
    audit *a = va;
    smr *s = a->s;
    uint64_t addr = pa & ~(uint64_t)(HPT_HPTE_BYTES - 1);
    hpte x = {physmem_read64(s->h->env.pm, addr), physmem_read64(s->h->env.pm, addr + 8)};
    uint64_t real = hyp_hpte_real(x, NULL);
    uint32_t cur = u64chain_find(&a->c, addr);
    if (cur != U64CHAIN_NIL && u64chain_at(&a->c, cur)->group == real >> 12)
        return; /* R/C or protection change of the same mapping */
    u64chain_unlink(&a->c, addr, NULL);
    if (real == UINT64_MAX)
        return;
    if (u64chain_link(&a->c, addr, real >> 12, lpid_of_hpte(s, addr), NULL) != 0) {
        smr_fail(s, "out of host memory for the auditor's index");
        return;
    }
    if (a->ndirty == a->capdirty) {
        size_t cap = a->capdirty ? 2 * a->capdirty : 256;
        uint64_t *d = realloc(a->dirty, cap * sizeof *d);
        if (!d) {
            smr_fail(s, "out of host memory for the auditor");
            return;
        }
        a->dirty = d;
        a->capdirty = cap;
    }
    a->dirty[a->ndirty++] = addr;
}

static int index_one(void *ctx, unsigned lpid, uint64_t ptex, hpte e)
{
    audit *a = ctx;
    (void)e;
    smr_audit_hpte_listener(a, hpt_hpte_addr(&a->s->h->lpars[lpid]->hpt, ptex));
    return 0;
}

static void index_existing(audit *a)
{
    for (unsigned l = 0; l < a->s->h->nlpars; l++)
        hyp_each_valid_hpte(a->s->h, l, index_one, a);
}

void *smr_audit_create(smr *s)
{
    audit *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->s = s;
    u64chain_init(&a->c);
    return a;
}

void smr_audit_destroy(void *va)
{
    audit *a = va;
    if (!a)
        return;
    if (a->s->h)
        hyp_remove_hpte_listener(a->s->h, smr_audit_hpte_listener, a);
    u64chain_free(&a->c);
    free(a->dirty);
    free(a);
}

void smr_set_audit(smr *s, bool on)
{
    if (on && !s->audit_state) {
        s->audit_state = smr_audit_create(s);
        if (!s->audit_state)
            return;
        if (hyp_add_hpte_listener(s->h, smr_audit_hpte_listener, s->audit_state) != 0) {
            smr_audit_destroy(s->audit_state);
            s->audit_state = NULL;
            smr_fail(s, "no room for another HPTE-write listener");
            return;
        }
        index_existing(s->audit_state);
    }
    s->audit = on && s->audit_state;
}

bool smr_entitled(const smr *s, unsigned lpid, uint64_t real)
{
    return smr_slot_owner(s, real) == lpid ||
           u64map_get(&s->grant, smr_attach_key(lpid, real)) != NULL;
}

static uint64_t ptex_of(const smr *s, unsigned lpid, uint64_t addr)
{
    return (addr - s->h->lpars[lpid]->hpt.base) / HPT_HPTE_BYTES;
}

static void check_node(smr *s, const u64chain_node *n, const char *what)
{
    s->ast.hptes_checked++;
    if (!smr_entitled(s, n->aux, n->group << 12))
        violation(s, "%s: LPAR %u (%s) HPTE 0x%llx maps real page 0x%llx, which it does not own "
                     "and holds no attachment to",
                  what, n->aux, s->h->lpars[n->aux]->name,
                  (unsigned long long)ptex_of(s, n->aux, n->key),
                  (unsigned long long)(n->group << 12));
}

/* every HPTE and TLB entry mapping [base, base+len) */
static void check_range(smr *s, uint64_t base, uint64_t len, const char *what)
{
    audit *a = s->audit_state;
    uint64_t *pages;
    size_t np = u64map_keys_between(&a->c.heads, base >> 12, (base + len + 4095) >> 12, &pages);
    if (np == SIZE_MAX) {
        smr_fail(s, "out of host memory in the auditor");
        return;
    }
    for (size_t k = 0; k < np; k++) {
        for (uint32_t i = u64chain_first(&a->c, pages[k]); i != U64CHAIN_NIL;
             i = u64chain_at(&a->c, i)->next)
            check_node(s, u64chain_at(&a->c, i), what);
    }
    free(pages);
    for (unsigned th = 0; th < s->h->env.nthreads; th++) {
        size_t n;
        const tlb_entry *e = tlb_entries(s->h->env.tlbs[th], &n);
        for (size_t i = 0; i < n; i++) {
            if (!e[i].ctx)
                continue;
            s->ast.tlb_entries_checked++;
            uint64_t ra = e[i].rpn << hpt_psize_shift((hpt_psize)tlb_entry_psize(&e[i]));
            unsigned l = tlb_entry_lpid(&e[i]);
            if (ra - base < len && !smr_entitled(s, l, ra))
                violation(s, "%s: the TLB of thread %u still holds LPAR %u's translation of "
                             "VPN 0x%llx to real page 0x%llx",
                          what, th, l, (unsigned long long)e[i].vpn, (unsigned long long)ra);
        }
    }
}

void smr_audit_free(smr *s, uint64_t base, uint64_t len, const char *what)
{
    check_range(s, base, len, what);
}

void smr_audit_after(smr *s, const hyp_target *t)
{
    audit *a = s->audit_state;
    s->ast.checks++;
    for (size_t i = 0; i < a->ndirty; i++) {
        uint32_t iv = u64chain_find(&a->c, a->dirty[i]);
        if (iv != U64CHAIN_NIL)
            check_node(s, u64chain_at(&a->c, iv), "after a sharing operation");
    }
    a->ndirty = 0;
    for (unsigned i = 0; t && i < t->n; i++)
        check_range(s, t->r[i].base, t->r[i].len, "after sharing ended");
}

static void describe_diff(smr *s, const char *who, const hyp_hits *x, const hyp_hits *ref)
{
    size_t i = 0, j = 0;
    while (i < x->n && j < ref->n && x->v[i].lpid == ref->v[j].lpid && x->v[i].ptex == ref->v[j].ptex)
        i++, j++;
    if (j < ref->n && (i == x->n || x->v[i].lpid > ref->v[j].lpid ||
                       (x->v[i].lpid == ref->v[j].lpid && x->v[i].ptex > ref->v[j].ptex)))
        violation(s, "strategy %s found %zu mappings of the pages whose sharing ends, the HPTs "
                     "hold %zu: it misses LPAR %u HPTE 0x%llx",
                  who, x->n, ref->n, ref->v[j].lpid, (unsigned long long)ref->v[j].ptex);
    else
        violation(s, "strategy %s found %zu mappings of the pages whose sharing ends, the HPTs "
                     "hold %zu: LPAR %u HPTE 0x%llx is not one of them",
                  who, x->n, ref->n, x->v[i].lpid, (unsigned long long)x->v[i].ptex);
}

static bool same(const hyp_hits *a, const hyp_hits *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i].lpid != b->v[i].lpid || a->v[i].ptex != b->v[i].ptex)
            return false;
    return true;
}

void smr_audit_cross(smr *s, const hyp_target *t, const hyp_hits *hits)
{
    audit *a = s->audit_state;
    hyp_hits ref = {0}, sorted = {0}; /* both freed at oom */
    for (unsigned r = 0; r < t->n; r++) {
        uint64_t *pages;
        size_t np = u64map_keys_between(&a->c.heads, t->r[r].base >> 12,
                                        (t->r[r].base + t->r[r].len + 4095) >> 12, &pages);
        if (np == SIZE_MAX)
            goto oom;
        for (size_t k = 0; k < np; k++) {
            for (uint32_t i = u64chain_first(&a->c, pages[k]); i != U64CHAIN_NIL;
                 i = u64chain_at(&a->c, i)->next) {
                const u64chain_node *n = u64chain_at(&a->c, i);
                if (hyp_target_wants(t, n->aux) && s->lp[n->aux].alive &&
                    hyp_hits_push(&ref, n->aux, ptex_of(s, n->aux, n->key))) {
                    free(pages);
                    goto oom;
                }
            }
        }
        free(pages);
    }
    hyp_hits_sort(&ref);
    for (size_t i = 0; i < hits->n; i++)
        if (hyp_hits_push(&sorted, hits->v[i].lpid, hits->v[i].ptex))
            goto oom;
    hyp_hits_sort(&sorted);
    if (!same(&sorted, &ref))
        describe_diff(s, s->ops[s->sel]->name, &sorted, &ref);
    for (unsigned k = 0; k < SMR_STRATEGY_COUNT && !s->failed; k++) {
        if (k == s->sel)
            continue;
        hyp_hits o = {0};
        if (s->ops[k]->find(s->st[k], NULL, t, &o) != 0) {
            free(o.v);
            goto oom;
        }
        hyp_hits_sort(&o);
        if (!same(&o, &ref))
            describe_diff(s, s->ops[k]->name, &o, &ref);
        free(o.v);
    }
    s->ast.cross_checks++;
    free(ref.v);
    free(sorted.v);
    return;
oom:
    free(ref.v);
    free(sorted.v);
    smr_fail(s, "out of host memory in the auditor");
}
