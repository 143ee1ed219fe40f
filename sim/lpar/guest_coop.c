/*
 * guest_coop.c - the guest OS model's frees and its cooperation with
 * hypervisor paging (Linux pseries CMO):
 *  - the free marker (K 6 <ea>, version 2 traces): the page holding EA in
 *    the vCPU's address space is freed: its PTE cleared (a modeled write),
 *    its HPTE removed (H_REMOVE with H_AVPN on the slot its H_ENTER used,
 *    as Linux keeps the slot in its PTE; H_NOT_FOUND when evicted since),
 *    the logical page pushed on the free list (LIFO, as the per-CPU free
 *    lists Linux allocates from); a shared-memory LPAR with
 *    guest.free_hint then issues H_PAGE_INIT set-unused per 4K page (Linux
 *    arch_free_page with cmo_free_hint);
 *  - allocation: the free list first, then pages never handed out;
 *  - the CMM balloon (Linux cmm.c, guest.cmm): every cmm_poll_us it calls
 *    H_GET_MPP and sets its target as cmm_get_mpp does (loan_request /
 *    4K + loaned, 0 if negative, less the pages given back on OOM, never
 *    leaving less than cmm_min_mem); it loans pages from the free list and
 *    then from the top of the never used pages (H_PAGE_INIT set-loaned per
 *    page) or returns pages (set-active) to the free list; out of pages, it
 *    gives back cmm_oom_kb (cmm_oom_notify).
 * Ops page_free and cmm.poll (parts compute, memory, hcall), reported once
 * used; statistics guest.<lpar>.* frees... reported once used.
 * Invariants: see guest_int.h; a page is loaned only while free.
 */
#include <stdlib.h>
#include <string.h>

#include "guest_int.h"
#include "hyp/hcall.h"

#define GC_F(f) offsetof(guest_coop_stats, f)
static const stat_desc coop_stat_list[] = {
    {"frees", SK_COUNTER, "pages", "pages freed by free markers (K 6)", GC_F(frees), NULL},
    {"free_hints", SK_COUNTER, "hcalls", "H_PAGE_INIT set-unused hints issued on frees",
     GC_F(free_hints), NULL},
    {"cmm_polls", SK_COUNTER, "polls", "CMM balloon polls (H_GET_MPP)", GC_F(cmm_polls), NULL},
    {"cmm_loans", SK_COUNTER, "pages", "pages the balloon loaned (H_PAGE_INIT set-loaned)",
     GC_F(cmm_loans), NULL},
    {"cmm_returns", SK_COUNTER, "pages", "loaned pages the balloon took back (set-active)",
     GC_F(cmm_returns), NULL},
    {"cmm_oom_returns", SK_COUNTER, "pages", "of those, given back because the guest ran out "
     "of pages (oom_kb)", GC_F(cmm_oom_returns), NULL},
    {"cmm_loaned", SK_COUNTER, "pages", "pages in the balloon at the end", GC_F(cmm_loaned),
     NULL},
};
static const stat_table coop_stat_table = {"guest.coop", coop_stat_list,
                                           PARAM_COUNT(coop_stat_list)};

int guest_coop_init(guest *g, stats_reg *stats, const char *prefix, sim_err *e)
{
    (void)e;
    g->op_free = ops_declare(g->ops, "page_free",
                             "guest free of a page (free marker): PTE cleared, H_REMOVE, "
                             "H_PAGE_INIT set-unused hints", "compute,memory,hcall");
    g->op_cmm = ops_declare(g->ops, "cmm.poll",
                            "CMM balloon poll: H_GET_MPP, then loans (H_PAGE_INIT set-loaned) "
                            "or returns (set-active)", "compute,memory,hcall");
    if (g->op_free == OP_INVALID || g->op_cmm == OP_INVALID)
        return -1;
    ops_report_if_used(g->ops, g->op_free);
    ops_report_if_used(g->ops, g->op_cmm);
    g->poll_cycles = (uint64_t)(g->cfg.cmm_poll_us * (double)hyp_freq_mhz(g->h) + 0.5);
    if (!g->poll_cycles)
        g->poll_cycles = 1;
    g->next_poll = g->poll_cycles;
    return stats_register_if_used(stats, prefix, &coop_stat_table, &g->cst);
}

void guest_coop_free(guest *g)
{
    free(g->freel);
    free(g->bal);
}

static int push(uint64_t **v, uint64_t *n, uint64_t *cap, uint64_t x)
{
    if (*n == *cap) {
        uint64_t c = *cap ? 2 * *cap : 256;
        uint64_t *nv = realloc(*v, c * sizeof *nv);
        if (!nv)
            return -1;
        *v = nv;
        *cap = c;
    }
    (*v)[(*n)++] = x;
    return 0;
}

/* H_PAGE_INIT(flags) on every 4K page of logical page lpn; -1: refused. */
static int page_init(guest *g, cpu_thread *t, op_rec *o, uint64_t flags, uint64_t lpn,
                     sim_err *e)
{
    for (uint64_t off = 0; off < (1ULL << g->shift); off += 4096) {
        uint64_t args[8] = {flags, (lpn << g->shift) + off, 0}, rets[8];
        long rc = guest_hcall(g, t, o, H_PAGE_INIT, args, rets);
        if (rc != H_SUCCESS)
            return sim_errf(e, "LPAR %s: H_PAGE_INIT 0x%llx on logical 0x%llx returned %ld",
                            g->name, (unsigned long long)flags,
                            (unsigned long long)((lpn << g->shift) + off), rc);
    }
    return hyp_check_error(g->h, e);
}

/* Return n pages of the balloon to the free list (set-active); how many. */
static uint64_t balloon_return(guest *g, cpu_thread *t, op_rec *o, uint64_t n, sim_err *e)
{
    uint64_t k = 0;
    for (; k < n && g->nbal; k++) {
        uint64_t lpn = g->bal[--g->nbal];
        if (page_init(g, t, o, H_PAGE_SET_ACTIVE, lpn, e) != 0 ||
            push(&g->freel, &g->nfreel, &g->capfreel, lpn) != 0)
            return UINT64_MAX;
        g->cst.cmm_returns++;
    }
    g->cst.cmm_loaned = g->nbal;
    return k;
}

uint64_t guest_alloc_lpn(guest *g, cpu_thread *t, op_rec *o, sim_err *e)
{
    if (!g->nfreel && g->next_lpn >= g->top && g->nbal) { /* out of pages: cmm_oom_notify */
        uint64_t want = g->cfg.cmm_oom_kb * 1024 >> g->shift;
        uint64_t k = balloon_return(g, t, o, want ? want : 1, e);
        if (k == UINT64_MAX)
            return GUEST_NOLPN;
        g->oom_freed += k;
        g->cst.cmm_oom_returns += k;
    }
    if (g->nfreel)
        return g->freel[--g->nfreel];
    if (g->next_lpn < g->top)
        return g->next_lpn++;
    sim_errf(e, "LPAR %s is out of memory: all %llu pages of %llu bytes are in use "
                "(guest paging is not modeled); give it more memory",
             g->name, (unsigned long long)g->npages, 1ULL << g->shift);
    return GUEST_NOLPN;
}

uint64_t guest_free_marker(guest *g, cpu_thread *t, uint64_t ea, uint64_t now, sim_err *e)
{
    uint32_t context = t->v->b.context;
    uint64_t epn = ea >> g->shift;
    bool found = false;
    gpte *p = NULL;
    {
        uint64_t mask = g->cap - 1, i = guest_mix(epn ^ ((uint64_t)context << 44)) & mask;
        for (;; i = (i + 1) & mask) {
            if (g->map[i].epn == 0)
                break;
            if (g->map[i].epn == epn + 1 && g->map[i].context == context) {
                p = &g->map[i];
                found = p->lpn != GUEST_NOLPN;
                break;
            }
        }
    }
    if (!found) {
        sim_errf(e, "free marker (K %d) for EA 0x%llx: the vCPU's address space has no page "
                    "there; expected an EA it touched and has not freed since",
                 TR_MARK_FREE, (unsigned long long)ea);
        return UINT64_MAX;
    }
    op_rec o;
    op_begin(&o, now);
    uint64_t pte_la = g->pt_base + 8 * (guest_mix(epn ^ ((uint64_t)context << 44)) % g->pt_entries);
    if (guest_mem(g, t, &o, pte_la, 8, MEM_WRITE, e) != 0)
        return UINT64_MAX;
    uint64_t lpn = p->lpn;
    if (p->ptex1) { /* the HPTE, if still there (H_AVPN: only this translation) */
        const hpt *ht = hyp_lpar_hpt(g->h, g->lpid);
        const seg_entry *se = seg_lookup(g->seg, context, ea); /* touched: it exists */
        uint64_t ptex = p->ptex1 - 1, vsid = se ? se->vsid : 0;
        uint64_t hash = hpt_hash(vsid, ea, g->shift, g->seg_1t);
        int sec = ptex / HPT_PTEG_SLOTS == hpt_pteg_index(ht, hash, 0) ? 0 : 1;
        hpte_attrs at = {.pp = 2, .key = 0, .wimg = 2, .noexec = false, .bolted = false};
        hpt_psize base = g->psize == PSZ_64K ? PSZ_64K : PSZ_4K;
        hpte x = hpte_make(vsid, ea, g->seg_1t, base, g->psize, lpn << g->shift, &at, sec);
        uint64_t args[8] = {H_AVPN, ptex, x.v & ~0x7fULL}, rets[8];
        guest_hcall(g, t, &o, H_REMOVE, args, rets); /* H_NOT_FOUND: evicted since */
    }
    p->lpn = GUEST_NOLPN;
    p->ptex1 = 0;
    if (push(&g->freel, &g->nfreel, &g->capfreel, lpn) != 0) {
        sim_errf(e, "out of host memory");
        return UINT64_MAX;
    }
    g->cst.frees++;
    if (g->shared && g->cfg.free_hint) {
        if (page_init(g, t, &o, H_PAGE_SET_UNUSED, lpn, e) != 0)
            return UINT64_MAX;
        g->cst.free_hints += (1ULL << g->shift) / 4096;
    } else if (g->shared) {
        for (uint64_t off = 0; off < (1ULL << g->shift); off += 4096)
            hyp_guest_freed(g->h, g->lpid, (lpn << g->shift) + off);
    }
    if (hyp_check_error(g->h, e) != 0)
        return UINT64_MAX;
    ops_record(g->ops, g->op_free, &o);
    return o.end - now;
}

/* Loan n free pages (free list first, then the top of the never used
 * ones); how many, UINT64_MAX on error. */
static uint64_t balloon_loan(guest *g, cpu_thread *t, op_rec *o, uint64_t n, sim_err *e)
{
    uint64_t k = 0;
    for (; k < n; k++) {
        uint64_t lpn;
        if (g->nfreel)
            lpn = g->freel[--g->nfreel];
        else if (g->top > g->next_lpn)
            lpn = --g->top;
        else
            break; /* no free page: cmm_alloc_pages stops */
        if (page_init(g, t, o, H_PAGE_SET_LOANED, lpn, e) != 0 ||
            push(&g->bal, &g->nbal, &g->capbal, lpn) != 0)
            return UINT64_MAX;
        g->cst.cmm_loans++;
    }
    g->cst.cmm_loaned = g->nbal;
    return k;
}

uint64_t guest_cmm_poll(guest *g, cpu_thread *t, uint64_t now, sim_err *e)
{
    if (!g->cfg.cmm || !g->shared || now < g->next_poll)
        return 0;
    g->next_poll = now + g->poll_cycles;
    op_rec o;
    op_begin(&o, now);
    g->cst.cmm_polls++;
    uint64_t args[8] = {0}, rets[8];
    if (guest_hcall(g, t, &o, H_GET_MPP, args, rets) == H_SUCCESS) {
        /* cmm_get_mpp */
        int64_t loaned = (int64_t)g->nbal, total = (int64_t)g->npages;
        int64_t min_pages = (int64_t)(g->cfg.cmm_min_mem >> g->shift);
        int64_t target = (int64_t)rets[5] / (int64_t)(1ULL << g->shift) + loaned;
        if (target < 0 || total < min_pages)
            target = 0;
        target = target > (int64_t)g->oom_freed ? target - (int64_t)g->oom_freed : 0;
        if (min_pages > total - target)
            target = total - min_pages;
        if (target < 0)
            target = 0;
        uint64_t k = 0;
        if (target > loaned)
            k = balloon_loan(g, t, &o, (uint64_t)(target - loaned), e);
        else if (target < loaned)
            k = balloon_return(g, t, &o, (uint64_t)(loaned - target), e);
        if (k == UINT64_MAX)
            return UINT64_MAX;
    }
    if (hyp_check_error(g->h, e) != 0)
        return UINT64_MAX;
    ops_record(g->ops, g->op_cmm, &o);
    return o.end - now;
}
