/*
 * coherency_shadow_audit.c - the auditor of mode shadow (hypervisor.audit /
 * --audit), independent of the strategies: it reads the primary (the
 * guest PTE in memory), the threads' TLBs, the shadow HPTEs the
 * bookkeeping names and the channel memory, and checks:
 *  S1 no stale use after its event: a thread that touches the page of PTE
 *     i through a translation (TLB entry or shadow HPTE) that maps another
 *     real page than the primary does must still owe an event for i: the
 *     PTE was stored since the thread's last E4 of i and its last E2 (the
 *     patent's rule [0087]: before the event the virtual platform would be
 *     as incoherent). After E4 of i on t (and after E2 on t, for every i),
 *     t's TLB entry and shadow HPTE of i map what the primary maps, or
 *     are absent;
 *  S2 ordering: when a patch is published the primary already holds the
 *     value the guest stored;
 *  S3 conservation: demands = written + coalesced + fallback_covered and
 *     written = applied + pending, pending equal to the in-use patches in
 *     channel memory.
 * The first violation stops the run (coh_audit_violation).
 */
#include <stdio.h>
#include <stdlib.h>

#include "channel_int.h"
#include "shadow_int.h"

struct sh_audit {
    uint8_t *owed; /* T x cap: thread t owes an event for PTE i */
    unsigned T;
};

sh_audit *sh_audit_create(coh *k, sh_lpar *sl)
{
    sh_audit *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->T = ((sh_state *)k->shx)->T;
    a->owed = calloc((size_t)a->T * sl->cap, 1);
    if (!a->owed) {
        free(a);
        return NULL;
    }
    return a;
}

void sh_audit_destroy(sh_audit *a)
{
    if (!a)
        return;
    free(a->owed);
    free(a);
}

void sh_audit_store(coh *k, sh_lpar *sl, uint64_t i, uint64_t pte)
{
    (void)k, (void)pte;
    if (!sl->audit)
        return;
    for (unsigned t = 0; t < sl->audit->T; t++)
        sl->audit->owed[(size_t)t * sl->cap + i] = 1;
}

void sh_audit_publish(coh *k, sh_lpar *sl, uint64_t i, uint64_t pte)
{
    sl->st.audit_checks++;
    if (physmem_read64(k->h->env.pm, sl->pt_real + 8 * i) != pte) {
        char m[200];
        snprintf(m, sizeof m, "mode shadow: a patch of LPAR %s's PTE %llu is published before "
                              "the primary holds the stored value",
                 hyp_lpar_name(k->h, sl->lpid), (unsigned long long)i);
        coh_audit_violation(k, m);
    }
}

static uint64_t expect_rpn(const coh *k, const sh_lpar *sl, uint64_t i)
{
    uint64_t r = sh_primary_real(k, sl, i);
    return r == UINT64_MAX ? UINT64_MAX : r >> 12;
}

void sh_audit_use(coh *k, sh_lpar *sl, unsigned t, uint64_t i, uint64_t rpn)
{
    sl->st.audit_checks++;
    if (!sl->audit || rpn == expect_rpn(k, sl, i) || sl->audit->owed[(size_t)t * sl->cap + i])
        return;
    char m[240];
    snprintf(m, sizeof m, "mode shadow: thread %u used a stale translation of LPAR %s's PTE %llu "
                          "(real page 0x%llx, the primary maps 0x%llx) after its coherency event",
             t, hyp_lpar_name(k->h, sl->lpid), (unsigned long long)i, (unsigned long long)rpn,
             (unsigned long long)expect_rpn(k, sl, i));
    coh_audit_violation(k, m);
}

/* t's TLB entry and shadow HPTE of PTE i against the primary. */
static void check_one(coh *k, sh_lpar *sl, unsigned t, uint64_t i, const char *when)
{
    uint64_t exp = expect_rpn(k, sl, i), vpn = sh_vpn(sl, t, i);
    const tlb *tb = k->h->env.tlbs[t];
    size_t n;
    const tlb_entry *e = tlb_entries(tb, &n);
    uint64_t ways = tlb_get_config(tb)->ways, mask = tlb_sets(tb) - 1;
    uint32_t ctx = tlb_make_ctx(sl->lpid, PSZ_4K);
    const char *bad = NULL;
    uint64_t got = 0;
    for (uint64_t w = 0; e && w < ways && !bad; w++) {
        const tlb_entry *x = &e[(vpn & mask) * ways + w];
        if (x->ctx == ctx && x->vpn == vpn && x->rpn != exp)
            bad = "TLB entry", got = x->rpn;
    }
    uint64_t slot = physmem_read64(k->h->env.pm, sl->smap + ((uint64_t)t * sl->cap + i) * 8);
    if (!bad && slot) {
        hpte h = hpt_read(hyp_lpar_hpt(k->h, sl->lpid), slot - 1);
        if ((h.v & HPTE_V_VALID) && hpte_real_addr(h.r, PSZ_4K) >> 12 != exp)
            bad = "shadow HPTE", got = hpte_real_addr(h.r, PSZ_4K) >> 12;
    }
    sl->st.audit_checks++;
    if (!bad)
        return;
    char m[260];
    snprintf(m, sizeof m, "mode shadow: thread %u's %s of LPAR %s's PTE %llu maps real page "
                          "0x%llx %s, but the primary maps 0x%llx",
             t, bad, hyp_lpar_name(k->h, sl->lpid), (unsigned long long)i,
             (unsigned long long)got, when, (unsigned long long)exp);
    coh_audit_violation(k, m);
}

void sh_audit_event(coh *k, sh_lpar *sl, unsigned t, uint64_t i)
{
    if (!sl->audit)
        return;
    uint8_t *o = sl->audit->owed + (size_t)t * sl->cap;
    if (i != UINT64_MAX) {
        o[i] = 0;
        check_one(k, sl, t, i, "after its guest tlbiel (E4)");
        return;
    }
    for (uint64_t j = 0; j < sl->entries && !k->failed; j++) {
        o[j] = 0;
        check_one(k, sl, t, j, "after its dispatch (E2)");
    }
}

void sh_audit_conserve(coh *k, sh_lpar *sl, const char *when)
{
    if (k->cfg.strategy != COH_PATCH_CHANNEL || k->failed)
        return;
    const sh_stats *s = &sl->st;
    sl->st.audit_checks++;
    uint64_t mem = sh_pc_in_use(k, sl);
    if (s->demands == s->written + s->coalesced + s->fallback_covered &&
        s->written == s->applied + s->pending && s->pending == mem)
        return;
    char m[320];
    snprintf(m, sizeof m, "mode shadow: LPAR %s's patches not conserved %s: demands %llu, "
                          "written %llu, coalesced %llu, fallback-covered %llu, applied %llu, "
                          "pending %llu, in use in channel memory %llu",
             hyp_lpar_name(k->h, sl->lpid), when, (unsigned long long)s->demands,
             (unsigned long long)s->written, (unsigned long long)s->coalesced,
             (unsigned long long)s->fallback_covered, (unsigned long long)s->applied,
             (unsigned long long)s->pending, (unsigned long long)mem);
    coh_audit_violation(k, m);
}
