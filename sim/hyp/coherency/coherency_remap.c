/*
 * coherency_remap.c - mode remap (the design note's mode C, deferral class
 * (c)): the hypervisor relocates real pages of an LPAR on its own
 * initiative (drivers.coherency pattern remap, coherency_driver_remap.c),
 * and because it controls when the old real page is reused it may defer
 * the TLB work of *running* consumers too, behind a reuse gate.
 *
 *   primary   the LPAR's logical->real mapping, held in its HPTEs' RPNs
 *   derived   the threads' TLB entries (RPN) of those translations
 *   producer  the hypervisor, on the thread whose vCPU the relocation
 *             interrupted (the driver's producer), with k->hyp_change set
 *             during the coherency step (coh_defer_running)
 *   consumers the threads whose TLBs may hold the translation (the filter)
 *   key       the real page: a gate is per old real page and names the
 *             translation (lpid, vpn, page size) that mapped it, which the
 *             patches and TLB entries are tagged with
 *   394D/394E the new HPTE (its RPN) / the LPAR's change generation
 *
 * Strategies: patch-channel sends patches to running targets as to the
 * others, the producer's own thread included (no E1 tlbie, no tlbiel);
 * kvm-deferred marks every thread need_flush (eager-ipi with filter
 * running marks those not running, and interrupts the others);
 * eager-tlbie and eager-ipi (all, tracked) stay synchronous, so their
 * gates open at once.
 * tlb-gen and latr are refused (coh_remap_refusal says why).
 *
 * The gate: a relocation clears the HPTE, runs the coherency step, and
 * records which threads still owe a drain naming the translation
 * (coh_remap_owers: a pending patch in their column, or a need_flush
 * mark). The old page may not be copied, freed or reused while one does.
 * When the hypervisor needs it (its free pool is empty, or a vCPU faults
 * on the page being moved) it forces the gate open (coh_remap_force): a
 * doorbell to each thread that still owes, which drains at once (running
 * or idle), with the eager-ipi round-trip costs. Threads also drain by
 * themselves at their coherency events (a dispatch of the LPAR).
 * Invariants: a page leaves the gate only when no thread owes a drain of
 * its translation (or inject reuse-before-drain, on purpose); the
 * auditor checks at each reuse that no TLB maps the page and no undrained
 * patch names it (I2), and that no entry reaches a page another owner
 * holds (I6), coherency_audit_remap.c.
 */
#include <stddef.h>
#include <stdlib.h>

#include "coherency_int.h"

const char *coh_remap_refusal(const coh_config *c)
{
    if (c->strategy == COH_TLB_GEN)
        return "its one log keeps the last generation only and no record of which thread "
               "still owes which page, so the reuse gate could not tell when an old page is "
               "free; expected eager-tlbie, eager-ipi, kvm-deferred or patch-channel";
    if (c->strategy == COH_LATR)
        return "it delays reuse by itself (LATR's lazy list, drained at ticks); the reuse gate "
               "would duplicate it; expected eager-tlbie, eager-ipi, kvm-deferred or "
               "patch-channel";
    return NULL;
}

#define S(f) offsetof(coh_remap_stats, f)
static const stat_desc stats[] = {
    {"gates", SK_COUNTER, "pages", "Old real pages of relocations held by the reuse gate.",
     S(gates), NULL},
    {"gates_open", SK_COUNTER, "pages",
     "... that no thread owed a drain when the coherency step returned (synchronous "
     "strategies).", S(gates_open), NULL},
    {"forced", SK_COUNTER, "gates",
     "Gates forced open because the hypervisor needed the page (doorbells sent).", S(forced),
     NULL},
    {"forced_threads", SK_COUNTER, "doorbells", "Doorbells sent by those forces.",
     S(forced_threads), NULL},
    {"reuses", SK_COUNTER, "pages", "Pages given out again from the hypervisor's free pool.",
     S(reuses), NULL},
    {"stale_allowed", SK_COUNTER, "entries",
     "Stale entries of running threads after a relocation's step, allowed because the gate "
     "holds the old page (also in coherency.audit.stale_allowed).", S(stale_allowed), NULL},
};
static const stat_table remap_stat_table = {"coherency.remap", stats, PARAM_COUNT(stats)};

int coh_remap_create(coh *k, sim_err *e)
{
    u64map_init(&k->owner);
    k->op_reuse = ops_declare(k->h->env.ops, "coherency.reuse_wait",
                              "mode remap: an old real page from its gate's closing to the "
                              "moment it may be reused: wait (the time it sat gated) and force "
                              "(the doorbell round trip that drained the threads still owing "
                              "it, when the hypervisor needed the page)",
                              "wait,force");
    if (k->op_reuse == OP_INVALID ||
        stats_register(k->h->env.stats, "coherency.remap", &remap_stat_table, &k->rst) != 0)
        return sim_errf(e, "out of host memory");
    return 0;
}

void coh_remap_destroy(coh *k)
{
    u64map_free(&k->owner);
}

bool coh_remap_owes(const coh *k, unsigned t, unsigned lpid, uint64_t vpn, unsigned psize)
{
    if (lpid >= k->nlp || !k->lp[lpid])
        return false;
    if (k->cfg.strategy == COH_PATCH_CHANNEL)
        return pc_owes(k, t, lpid, vpn, psize);
    const uint64_t *need = k->lp[lpid]->need;
    return k->defers && need && (need[t / 64] >> (t % 64) & 1);
}

unsigned coh_remap_owers(const coh *k, unsigned lpid, uint64_t vpn, unsigned psize,
                         uint64_t *mask)
{
    unsigned n = 0;
    for (unsigned w = 0; w < k->words; w++)
        mask[w] = 0;
    for (unsigned t = 0; t < k->h->env.nthreads; t++)
        if (coh_remap_owes(k, t, lpid, vpn, psize)) {
            mask[t / 64] |= 1ull << (t % 64);
            n++;
        }
    return n;
}

uint64_t coh_remap_force(coh *k, unsigned lpid, uint64_t vpn, unsigned psize, uint64_t *mask,
                         uint64_t now, unsigned self)
{
    hyp *h = k->h;
    uint64_t n = 0, slowest = 0, own = 0;
    for (unsigned t = 0; t < h->env.nthreads; t++) {
        uint64_t bit = 1ull << (t % 64);
        if (!(mask[t / 64] & bit))
            continue;
        mask[t / 64] &= ~bit;
        if (!coh_remap_owes(k, t, lpid, vpn, psize))
            continue; /* drained by itself since */
        cpu_thread *th = &h->env.threads[t];
        op_rec o;
        op_begin(&o, th->clock > now ? th->clock : now);
        if (k->cfg.strategy == COH_PATCH_CHANNEL)
            pc_force_drain(k, t, lpid, &o);
        else
            coh_drain_marks(k, t, lpid, &o);
        ops_record(h->env.ops, k->op_drain, &o);
        uint64_t d = o.end - o.start;
        if (t == self) {
            own = d; /* the forcing thread's own column: no doorbell */
            continue;
        }
        if (d > slowest)
            slowest = d;
        coh_ipi_take(k, t, d);
        n++;
    }
    if (!n)
        return own;
    const coh_ipi_config *ic = &k->cfg.ipi;
    uint64_t page = tlb_get_config(h->env.tlbs[0])->tlbiel_page_cycles;
    k->lp[lpid]->st.interrupts_sent += n;
    k->rst.forced++;
    k->rst.forced_threads += n;
    return own + ic->base_cycles + ic->per_target_cycles * n +
           (slowest > page ? slowest - page : 0);
}

void coh_remap_owner(coh *k, uint64_t rpn, unsigned owner)
{
    if (u64map_put(&k->owner, rpn, owner) != 0 && !k->failed) {
        k->failed = true;
        sim_errf(&k->err, "out of host memory for mode remap's page owners");
        hyp_fail(k->h, &k->err);
    }
}

void coh_remap_reuse(coh *k, uint64_t rpn, unsigned last_lpid, uint64_t last_vpn,
                     unsigned last_psize, unsigned new_owner, uint64_t at)
{
    k->rst.reuses++;
    if (k->audit)
        coh_audit_reuse(k, rpn, last_lpid, last_vpn, last_psize, new_owner, at);
    coh_remap_owner(k, rpn, new_owner);
}
