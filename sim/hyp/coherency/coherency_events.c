/*
 * coherency_events.c - the coherency events at which a consumer (a
 * hardware thread) drains what it owes (design note, "Coherency events"):
 *  E2  a vCPU is put on the thread (the core's hyp_vcpu_dispatched;
 *      coherency.c), counted here;
 *  E3  the thread, running a vCPU of LPAR l, enters the hypervisor (the
 *      core's hyp_entered hook, feature.h): at every hcall it makes, after
 *      the entry cycles and before the hcall's own work, and when a wait
 *      in place in the hypervisor ends (a dedicated vCPU's H_CEDE with a
 *      timeout; a shared vCPU woken from H_CEDE is put on a thread again,
 *      which is E2).
 * At E3 the thread does what the strategy does when a vCPU of l is
 * dispatched on it (coh_strategy.at_dispatch: its need_flush bit, its
 * generation, its lazy states, its patch channels, with the strategy's own
 * postponement rules), recorded as op coherency.drain (as E2) and charged
 * to the hcall's part `coherency`; the auditor then checks the thread as
 * at a dispatch. Switched by hypervisor.coherency.drain_at_entry.
 * The hcalls' part `coherency` (the feature's hcall_part, present while the
 * feature is enabled) holds the coherency step's produce op (coherency.c)
 * and the E3 drain of that hcall, so an hcall's coherency part = its
 * coherency.produce total + its E3 coherency.drain total.
 * Invariants: with drain_at_entry false, with a strategy that does nothing
 * at a dispatch (eager-tlbie, eager-ipi with filter all or tracked), or for
 * a thread that runs no vCPU of the calling LPAR (a driver without vCPUs),
 * E3 does nothing and costs nothing.
 */
#include <limits.h>

#include "coherency_int.h"
#include "hyp/registry.h"

#define E(f) offsetof(coh_event_stats, f)
static const stat_desc stats[] = {
    {"dispatch_drains", SK_COUNTER, "drains",
     "E2: coherency.drain ops at the dispatch of a vCPU on a thread.", E(dispatch_drains), NULL},
    {"entry_drains", SK_COUNTER, "drains",
     "E3: coherency.drain ops at an hcall's entry (drain_at_entry).", E(entry_drains), NULL},
    {"wake_drains", SK_COUNTER, "drains",
     "E3: coherency.drain ops when a wait in place in the hypervisor ended (a dedicated vCPU's "
     "H_CEDE with a timeout).", E(wake_drains), NULL},
    {"entry_cycles", SK_COUNTER, "cycles",
     "Cycles of the E3 drains, charged to the hcalls' coherency part.", E(entry_cycles), NULL},
};
static const stat_table event_stat_table = {"coherency.events", stats, PARAM_COUNT(stats)};

int coh_events_start(coh *k)
{
    return stats_register(k->h->env.stats, "coherency.events", &event_stat_table, &k->est);
}

unsigned coh_hcall_part(const hcall_ctx *c)
{
    return hyp_hcall_part(c, HYP_FEATURE_coherency);
}

void coh_entered(void *vk, hcall_ctx *c, unsigned why)
{
    coh *k = vk;
    unsigned t = c->thread, lpid = c->lpid;
    if (!k->cfg.drain_at_entry || !k->strat->at_dispatch || lpid >= k->nlp || !k->lp[lpid] ||
        !coh_runs(k, t, lpid))
        return;
    op_rec o;
    op_begin(&o, c->op.end);
    if (!k->strat->at_dispatch(k, t, lpid, &o))
        return;
    ops_record(k->h->env.ops, k->op_drain, &o);
    uint64_t spent = o.end - o.start;
    unsigned part = coh_hcall_part(c);
    op_charge(&c->op, part != UINT_MAX ? part : c->p_compute, spent);
    if (why == HYP_ENTRY_WAKE)
        k->est.wake_drains++;
    else
        k->est.entry_drains++;
    k->est.entry_cycles += spent;
    if (k->audit)
        coh_audit_at_dispatch(k, t, lpid, o.end);
}
