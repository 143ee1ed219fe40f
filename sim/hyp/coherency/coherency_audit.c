/*
 * coherency_audit.c - the TLB coherency auditor (hypervisor.audit /
 * --audit). It knows nothing of the strategies (no need_flush mask, no
 * interrupt): it compares what a thread's TLB holds with what the LPAR's
 * HPT says, through its own index of the valid HPTEs built from the raw
 * HPT writes (an HPTE-write listener), and checks:
 *  1. after every coherency step (the hcall is about to return), no thread
 *     running a vCPU of the LPAR holds an entry of the change (or, for a
 *     flush, any entry of the LPAR) that disagrees with the HPT;
 *  2. when a vCPU of an LPAR is put on a thread, no entry of that LPAR in
 *     the thread's TLB disagrees with the HPT (deferred work was done
 *     before the vCPU can use the TLB).
 * A strategy whose mode lets a running thread drain after the hcall
 * returns (latr with strict false) says which stale entries it still owes
 * a drain (its pending hook): after a step those are counted
 * (stale_allowed), not violations; so are, in mode remap, the stale
 * entries a hypervisor relocation leaves to running threads that owe its
 * drain (the reuse gate holds the old page: I2, coherency_audit_remap.c);
 * at a dispatch nothing is excused.
 * An entry agrees with the HPT when a valid HPTE of the LPAR maps the same
 * virtual page (same page size) to the same real page, grants every right
 * the entry does, has R set (a TLB hit never sets it again) and, if the
 * entry lets stores through, has C set: what the hardware's walk loads
 * (sim/cpu/thread.c), so a stale entry is exactly one loaded before the
 * HPTE was removed or downgraded.
 * The first violation stops the run (hyp_fail) with the thread, vCPU,
 * translation and reason.
 * Index: a u64chain keyed by HPTE real address, grouped by a hash of
 * (lpid, vpn, page size); a group's members are re-read and compared in
 * full, so hash collisions cost nothing but a look.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "channel_int.h"
#include "core/u64chain.h"
#include "mmu/hpte_vpn.h"

struct coh_audit {
    coh *k;
    u64chain idx;
    pc_audit *pc; /* the channel checks (strategy patch-channel) */
};

static uint64_t tkey(unsigned lpid, uint64_t vpn, unsigned psize)
{
    uint64_t x = vpn * 0x9e3779b97f4a7c15ull ^ ((uint64_t)lpid << 2 | psize) * 0xc2b2ae3d27d4eb4full;
    x ^= x >> 31;
    return x * 0xbf58476d1ce4e5b9ull ^ (x >> 29);
}

/* The LPAR whose HPT holds real address addr, or -1. */
static int lpid_of(const hyp *h, uint64_t addr)
{
    unsigned lo = 0, hi = h->nlpars;
    if (!hi)
        return -1;
    while (hi - lo > 1) { /* HPT bases increase with the lpid */
        unsigned mid = (lo + hi) / 2;
        if (h->lpars[mid]->hpt.base <= addr)
            lo = mid;
        else
            hi = mid;
    }
    const hpt *t = &h->lpars[lo]->hpt;
    return addr >= t->base && addr < t->base + t->size ? (int)lo : -1;
}

uint64_t coh_audit_tkey(unsigned lpid, uint64_t vpn, unsigned psize)
{
    return tkey(lpid, vpn, psize);
}

static hpte read_hpte(const hyp *h, uint64_t addr)
{
    return (hpte){physmem_read64(h->env.pm, addr), physmem_read64(h->env.pm, addr + 8)};
}

static void fail(coh *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(coh *k, const char *fmt, ...)
{
    k->ast.violations++;
    if (k->failed)
        return;
    char buf[SIM_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    k->failed = true;
    sim_errf(&k->err, "coherency audit (strategy %s): %s", k->strat->name, buf);
    hyp_fail(k->h, &k->err); /* also outside an hcall (a dispatch) */
}

void coh_audit_violation(coh *k, const char *msg)
{
    fail(k, "%s", msg);
}

pc_audit *coh_audit_pc(const coh *k)
{
    return k->audit ? k->audit->pc : NULL;
}

/* (Re)index the HPTE at addr from its current words. */
static void index_at(coh_audit *a, uint64_t addr)
{
    hyp *h = a->k->h;
    u64chain_node was;
    uint64_t was_key = u64chain_unlink(&a->idx, addr, &was) ? was.group : UINT64_MAX;
    int lpid = lpid_of(h, addr);
    if (lpid < 0)
        return;
    hpte x = read_hpte(h, addr);
    int ps = (x.v & HPTE_V_VALID) ? hpte_decode_psize_any(x.v, x.r) : -1;
    if (ps < 0) {
        if (a->pc)
            pc_audit_hpte_written(a->pc, addr, was_key, UINT64_MAX);
        return;
    }
    const hpt *t = &h->lpars[lpid]->hpt;
    uint64_t vpn = hpte_slot_vpn(t, x.v, (addr - t->base) / HPT_HPTE_BYTES, (hpt_psize)ps);
    uint64_t key = tkey((unsigned)lpid, vpn, (unsigned)ps);
    if (a->pc)
        pc_audit_hpte_written(a->pc, addr, was_key, key);
    if (u64chain_link(&a->idx, addr, key, (uint32_t)lpid, NULL) != 0) {
        a->k->failed = true;
        sim_errf(&a->k->err, "out of host memory for the coherency auditor's index");
        hyp_fail(h, &a->k->err);
    }
}

void coh_audit_hpte_listener(void *va, uint64_t pa)
{
    index_at(va, pa & ~(uint64_t)(HPT_HPTE_BYTES - 1));
}

static int index_one(void *va, unsigned lpid, uint64_t ptex, hpte e)
{
    coh_audit *a = va;
    (void)e;
    index_at(a, hpt_hpte_addr(&a->k->h->lpars[lpid]->hpt, ptex));
    return 0;
}

coh_audit *coh_audit_create(coh *k)
{
    coh_audit *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->k = k;
    u64chain_init(&a->idx);
    if (k->strat == &coh_patch_channel && !(a->pc = pc_audit_create(k))) {
        free(a);
        return NULL;
    }
    for (unsigned l = 0; l < k->h->nlpars; l++) /* LPARs made before the auditor was on */
        hyp_each_valid_hpte(k->h, l, index_one, a);
    return a;
}

void coh_audit_destroy(coh_audit *a)
{
    if (!a)
        return;
    u64chain_free(&a->idx);
    pc_audit_destroy(a->pc);
    free(a);
}

/* NULL if TLB entry e of lpid agrees with the HPT, else why not. */
static const char *stale(coh_audit *a, unsigned lpid, const tlb_entry *e)
{
    const hyp *h = a->k->h;
    const hpt *t = &h->lpars[lpid]->hpt;
    unsigned ps = tlb_entry_psize(e), shift = hpt_psize_shift((hpt_psize)ps);
    const char *why = "no valid HPTE of the LPAR maps its page";
    for (uint32_t i = u64chain_first(&a->idx, tkey(lpid, e->vpn, ps)); i != U64CHAIN_NIL;
         i = u64chain_at(&a->idx, i)->next) {
        const u64chain_node *n = u64chain_at(&a->idx, i);
        hpte x = read_hpte(h, n->key);
        if (n->aux != lpid || !(x.v & HPTE_V_VALID) || hpte_decode_psize_any(x.v, x.r) != (int)ps ||
            hpte_slot_vpn(t, x.v, (n->key - t->base) / HPT_HPTE_BYTES, (hpt_psize)ps) != e->vpn)
            continue;
        if (hpte_real_addr(x.r, (hpt_psize)ps) >> shift != e->rpn)
            why = "the HPTE maps another real page";
        else if (e->prot & ~hpte_prot(x.r, 1))
            why = "it grants more than the HPTE's protection";
        else if (!(x.r & HPTE_R_R))
            why = "the HPTE's R bit is clear (a TLB hit would not set it again)";
        else if ((e->prot & HPTE_PROT_W) && !(x.r & HPTE_R_C))
            why = "it lets stores through while the HPTE's C bit is clear";
        else
            return NULL;
    }
    return why;
}

/* allow: after a step, a stale entry the strategy still owes a drain in a
 * mode that lets it (its pending hook) is counted, not a violation. */
static void check_entry(coh *k, unsigned th, unsigned lpid, const tlb_entry *e, const char *when,
                        bool allow)
{
    k->ast.tlb_entries_checked++;
    const char *why = stale(k->audit, lpid, e);
    if (!why)
        return;
    if (allow && k->ext->pending && k->ext->pending(k, th, lpid, e->vpn, tlb_entry_psize(e))) {
        k->ast.stale_allowed++;
        return;
    }
    /* mode remap: a hypervisor relocation's old page is gated until every
     * consumer drained (I2 checks the gate at the reuse) */
    if (allow && coh_defer_running(k) && coh_remap_owes(k, th, lpid, e->vpn, tlb_entry_psize(e))) {
        k->ast.stale_allowed++;
        k->rst.stale_allowed++;
        return;
    }
    const cpu_thread *t = k->h->env.threads ? &k->h->env.threads[th] : NULL;
    unsigned shift = hpt_psize_shift((hpt_psize)tlb_entry_psize(e));
    char who[160];
    if (coh_runs(k, th, lpid))
        snprintf(who, sizeof who, "running LPAR %s vCPU %u", hyp_lpar_name(k->h, lpid),
                 t && t->v ? t->v->b.vcpu : 0);
    else
        snprintf(who, sizeof who, "(not running LPAR %s)", hyp_lpar_name(k->h, lpid));
    fail(k, "thread %u %s holds, %s, a stale TLB entry (vpn 0x%llx, %lluK page, rpn 0x%llx): %s",
         th, who, when, (unsigned long long)e->vpn, 1ull << (shift - 10),
         (unsigned long long)e->rpn, why);
}

/* Every entry of lpid in thread th's TLB (vpn set: only those of the
 * change, else all). */
static void check_tlb(coh *k, unsigned th, const coh_change *ch, unsigned lpid, const char *when,
                      bool allow)
{
    const tlb *tb = k->h->env.tlbs[th];
    size_t n;
    const tlb_entry *e = tlb_entries(tb, &n);
    if (!e)
        return;
    if (!ch || ch->flush) {
        for (size_t i = 0; i < n; i++)
            if (e[i].ctx && tlb_entry_lpid(&e[i]) == lpid)
                check_entry(k, th, lpid, &e[i], when, allow);
        return;
    }
    uint64_t ways = tlb_get_config(tb)->ways, mask = tlb_sets(tb) - 1;
    for (unsigned p = 0; p < ch->n; p++) {
        uint32_t ctx = tlb_make_ctx(lpid, ch->psizes[p]);
        const tlb_entry *set = &e[(ch->vpns[p] & mask) * ways];
        for (uint64_t w = 0; w < ways; w++)
            if (set[w].ctx == ctx && set[w].vpn == ch->vpns[p])
                check_entry(k, th, lpid, &set[w], when, allow);
    }
}

void coh_audit_after_step(coh *k, const coh_change *ch, unsigned thread, uint64_t at)
{
    k->ast.checks++;
    char when[96];
    snprintf(when, sizeof when, "after the coherency step of thread %u at cycle %llu", thread,
             (unsigned long long)at);
    for (unsigned t = 0; t < k->h->env.nthreads && !k->failed; t++)
        if (coh_runs(k, t, ch->lpid))
            check_tlb(k, t, ch, ch->lpid, when, true);
}

void coh_audit_at_dispatch(coh *k, unsigned t, unsigned lpid, uint64_t at)
{
    k->ast.checks++;
    char when[96];
    snprintf(when, sizeof when, "when dispatched at cycle %llu", (unsigned long long)at);
    if (!k->failed)
        check_tlb(k, t, NULL, lpid, when, false);
}

void coh_audit_key_everywhere(coh *k, unsigned lpid, uint64_t vpn, unsigned psize,
                              const char *when)
{
    k->ast.checks++;
    coh_change ch = {lpid, &vpn, (const uint8_t *)&(uint8_t){(uint8_t)psize}, 1, false, NULL};
    for (unsigned t = 0; t < k->h->env.nthreads && !k->failed; t++)
        check_tlb(k, t, &ch, lpid, when, false);
}
