/*
 * coherency_audit_remap.c - the auditor's checks of mode remap's reuse
 * gate (design note invariants I2 and I6), from the threads' TLBs and the
 * channels' memory, trusting the hypervisor only for who owns a real page
 * (k->owner, kept by the relocations, coherency_remap.c):
 *  I2 reuse gate: when a real page is taken from the hypervisor's free
 *     pool for a new owner, no thread's TLB (running or not, any LPAR)
 *     maps it and no undrained patch names the translation that last
 *     mapped it; and when a relocation copies it, no TLB maps it (copy
 *     after drain: a store through a stale entry would be lost);
 *  I6 isolation: when a vCPU of an LPAR is put on a thread, no entry of
 *     that LPAR in the thread's TLB reaches a real page now owned by
 *     another LPAR or by the free pool (checked before I1, which would
 *     call it merely stale).
 * Stale uses the gate allows (a running thread's entry of a page whose
 * relocation it still owes a drain) are I1's, counted as stale_allowed
 * (coherency_audit.c). Only the driver's pages (4K, in the owner map) are
 * checked.
 */
#include <stdio.h>

#include "channel_int.h"

static const char *owner_name(const coh *k, uint64_t owner, char *buf, size_t n)
{
    if (owner == COH_POOL)
        return "the hypervisor's free pool";
    snprintf(buf, n, "LPAR %s", hyp_lpar_name(k->h, (unsigned)owner));
    return buf;
}

void coh_audit_owner_at_dispatch(coh *k, unsigned t, unsigned lpid, uint64_t at)
{
    if (!k->owner.n || k->failed)
        return;
    size_t n;
    const tlb_entry *e = tlb_entries(k->h->env.tlbs[t], &n);
    for (size_t i = 0; e && i < n; i++) {
        if (!e[i].ctx || tlb_entry_lpid(&e[i]) != lpid || tlb_entry_psize(&e[i]) != PSZ_4K)
            continue;
        const uint64_t *o = u64map_get(&k->owner, e[i].rpn);
        if (!o || *o == lpid)
            continue;
        char buf[SIM_ERR_MAX / 2], name[96];
        snprintf(buf, sizeof buf,
                 "I6 (isolation): thread %u holds, when LPAR %s is dispatched at cycle %llu, a "
                 "TLB entry (vpn 0x%llx, rpn 0x%llx) reaching a real page now owned by %s",
                 t, hyp_lpar_name(k->h, lpid), (unsigned long long)at,
                 (unsigned long long)e[i].vpn, (unsigned long long)e[i].rpn,
                 owner_name(k, *o, name, sizeof name));
        coh_audit_violation(k, buf);
        return;
    }
}

/* Does any thread's TLB map real page rpn? Reports it (I2) as `what`. */
static bool mapped_anywhere(coh *k, uint64_t rpn, const char *what, unsigned new_owner,
                            uint64_t at)
{
    char buf[SIM_ERR_MAX / 2];
    for (unsigned t = 0; t < k->h->env.nthreads && !k->failed; t++) {
        size_t n;
        const tlb_entry *e = tlb_entries(k->h->env.tlbs[t], &n);
        for (size_t i = 0; e && i < n; i++) {
            if (!e[i].ctx || tlb_entry_psize(&e[i]) != PSZ_4K)
                continue;
            k->ast.tlb_entries_checked++;
            if (e[i].rpn != rpn)
                continue;
            unsigned l = tlb_entry_lpid(&e[i]);
            snprintf(buf, sizeof buf,
                     "I2 (reuse gate): real page 0x%llx is %s at cycle %llu while thread %u (%s "
                     "LPAR %s) still maps it in its TLB (vpn 0x%llx)%s",
                     (unsigned long long)rpn, what, (unsigned long long)at, t,
                     coh_runs(k, t, l) ? "running" : "not running", hyp_lpar_name(k->h, l),
                     (unsigned long long)e[i].vpn,
                     new_owner != UINT32_MAX - 1 && l != new_owner
                         ? "; I6: a page now owned by another LPAR"
                         : "");
            coh_audit_violation(k, buf);
            return true;
        }
    }
    return false;
}

void coh_audit_copy(coh *k, uint64_t rpn, uint64_t at)
{
    k->ast.checks++;
    mapped_anywhere(k, rpn, "copied to its new page (copy after drain)", UINT32_MAX - 1, at);
}

void coh_audit_reuse(coh *k, uint64_t rpn, unsigned last_lpid, uint64_t last_vpn,
                     unsigned last_psize, unsigned new_owner, uint64_t at)
{
    k->ast.checks++;
    char buf[SIM_ERR_MAX / 2], name[96], what[128];
    snprintf(what, sizeof what, "reused for %s", owner_name(k, new_owner, name, sizeof name));
    if (mapped_anywhere(k, rpn, what, new_owner, at))
        return;
    if (k->cfg.strategy != COH_PATCH_CHANNEL || last_lpid >= k->nlp)
        return;
    for (unsigned t = 0; t < k->h->env.nthreads && !k->failed; t++)
        if (pc_owes(k, t, last_lpid, last_vpn, last_psize)) {
            snprintf(buf, sizeof buf,
                     "I2 (reuse gate): real page 0x%llx is reused for %s at cycle %llu while an "
                     "undrained patch in thread %u's column of LPAR %s names its last "
                     "translation (vpn 0x%llx)",
                     (unsigned long long)rpn, owner_name(k, new_owner, name, sizeof name),
                     (unsigned long long)at, t, hyp_lpar_name(k->h, last_lpid),
                     (unsigned long long)last_vpn);
            coh_audit_violation(k, buf);
            return;
        }
}
