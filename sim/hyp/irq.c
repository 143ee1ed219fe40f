/*
 * irq.c - interrupts as events delivered to vCPUs: the parameters
 * (hypervisor.interrupts.*), the statistics (interrupts.*, per kind) and
 * the op interrupt.deliver, declared once here; hyp_interrupt, the one
 * call every source uses (H_IPI in hcall_irq.c, the doorbell marker through
 * hyp_doorbell, features); and the charge of a delivery (hyp_irq_deliver).
 *
 * Model. An interrupt of a kind (external, doorbell, timer) is raised for
 * a vCPU at cycle `at`:
 *  - a running vCPU takes it on the hardware thread running it (a
 *    dedicated vCPU: the thread it owns; a shared one: the pool thread the
 *    dispatcher has it on): that thread's clock advances by deliver_cycles,
 *    one op interrupt.deliver (part deliver). The handler's own work is in
 *    the vCPU's trace, as every guest instruction is.
 *  - a shared vCPU not on a thread is the dispatcher's (feature hook
 *    `interrupt`): one that ceded wakes and pays the delivery when it runs
 *    again (the dispatcher's wake op, part deliver: never charged twice);
 *    one whose virtual processor is off a core takes it when next
 *    dispatched (interrupt.deliver then; interrupts that arrive meanwhile
 *    are taken together, one delivery, as pending exceptions are); one in a
 *    timed wait (a blocking hcall, a timed cede) does not take it.
 *  - a finished vCPU (its trace replayed) does not take it.
 * Every interrupt raised is counted by kind, delivered or not.
 *
 * Approximation (timing). The delivery is charged to the target thread at
 * once, wherever its clock is. The machine runs the thread furthest behind
 * and lets none run more than one scheduler quantum (cpu.quantum) ahead of
 * the next, so the target's clock is within about a quantum (plus one
 * record, e.g. a long hcall) of `at`: a target that is behind `at` takes
 * the interrupt early in its own time, by at most that; one that is ahead
 * takes it late, by its lead. A target thread running in the same
 * hypervisor call as the sender (an IPI to itself) takes it at the call's
 * start. The machine's scheduler re-reads a clock moved this way when that
 * thread comes up (machine_run.c).
 * Invariants: a thread's clock only grows; every interrupt.deliver op is
 * exactly deliver_cycles long; interrupts.* count raises, so they are at
 * least the deliveries (interrupt.deliver plus the dispatcher's wakes by
 * interrupts).
 */
#include "hyp_int.h"

#include <stddef.h>

#define IRQ_F(f) offsetof(hyp_irq_config, f)
static const param_desc irq_param_all[] = {
    {"deliver_cycles", PT_UINT, "cycles", "5092", 0, 1e9, NULL,
     "Delivering an interrupt or a prod to a vCPU (real-mode interrupt handling, 1.34 us at "
     "3.8 GHz, POWER8 KVM measurement): a running vCPU's thread is charged this much; a ceded "
     "vCPU resumes this long after the wake, plus the dispatch wait of its virtual processor.",
     IRQ_F(deliver_cycles), NULL},
    {"doorbell_cycles", PT_UINT, "cycles", "100", 0, 1e6, NULL,
     "Sender's cost of a doorbell (trace marker K 3): the sync Linux issues so the target sees "
     "its earlier stores, then msgsndp/msgsnd; assumption (of the order of a store drain to "
     "the L2).", IRQ_F(doorbell_cycles), NULL},
};
const param_table hyp_irq_params = {"interrupts", sizeof(hyp_irq_config), irq_param_all,
                                    PARAM_COUNT(irq_param_all),
                                    "Interrupts delivered to vCPUs: delivery and doorbell costs."};

#define IS_F(f) offsetof(hyp_irq_stats, f)
static const stat_desc irq_stat_list[] = {
    {"external", SK_COUNTER, "interrupts",
     "External interrupts raised for vCPUs (H_IPI with an mfrr other than 0xFF, features).",
     IS_F(raised[HYP_IRQ_EXTERNAL]), NULL},
    {"doorbell", SK_COUNTER, "interrupts", "Doorbell interrupts raised (doorbell markers).",
     IS_F(raised[HYP_IRQ_DOORBELL]), NULL},
    {"timer", SK_COUNTER, "interrupts",
     "Timer interrupts raised through hyp_interrupt (the decrementer ending a timed cede is "
     "the dispatching feature's own, counted by it).", IS_F(raised[HYP_IRQ_TIMER]), NULL},
    {"doorbell_msgsnd", SK_COUNTER, "interrupts",
     "Doorbells to a vCPU that is not a sibling thread of the sender (msgsnd, which a PowerVM "
     "guest would replace by H_IPI); included in doorbell.", IS_F(doorbell_msgsnd), NULL},
};
static const stat_table irq_stat_table = {"interrupts", irq_stat_list,
                                          PARAM_COUNT(irq_stat_list)};

int hyp_irq_init(hyp *h, sim_err *e)
{
    h->op_deliver = ops_declare(h->env.ops, "interrupt.deliver",
                                "a running vCPU taking an interrupt on its hardware thread",
                                "deliver");
    if (h->op_deliver == OP_INVALID ||
        stats_register_if_used(h->env.stats, "interrupts", &irq_stat_table, &h->irq) != 0)
        return sim_errf(e, "out of host memory");
    ops_report_if_used(h->env.ops, h->op_deliver);
    return 0;
}

void hyp_irq_deliver(hyp *h, unsigned thread)
{
    cpu_thread *t = &h->env.threads[thread];
    op_rec o;
    op_begin(&o, t->clock);
    op_charge(&o, 0, h->cfg.interrupts.deliver_cycles);
    t->clock = o.end;
    ops_record(h->env.ops, h->op_deliver, &o);
}

int hyp_interrupt(hyp *h, unsigned lpid, unsigned vcpu, hyp_irq_kind kind, uint64_t at)
{
    if (lpid >= h->nlpars || vcpu >= h->lpars[lpid]->nvcpus || kind >= HYP_IRQ_KINDS)
        return -1;
    const hyp_lpar *lp = h->lpars[lpid];
    h->irq.raised[kind]++;
    unsigned thread = lp->vcpu_thread[vcpu];
    if (thread == HYP_NO_THREAD) /* shared: where it is, the dispatcher knows */
        for (unsigned f = 0; f < HYP_NFEATURES; f++)
            if (h->feat[f] && hyp_features[f]->interrupt &&
                hyp_features[f]->interrupt(h->feat[f], lpid, vcpu, kind, at, &thread))
                break;
    if (thread == HYP_NO_THREAD)
        return 0;
    const cpu_thread *t = &h->env.threads[thread];
    if (t->v == lp->vcpus[vcpu] && !t->v->done)
        hyp_irq_deliver(h, thread);
    return 0;
}

/* Is vCPU `to` of lp a sibling thread of the vCPU v running on `thread`:
 * a dedicated vCPU's on the same core, a shared one's on the same virtual
 * processor (vCPU i rides on virtual processor i / threads_per_core)? */
static bool sibling(const hyp *h, const hyp_lpar *lp, unsigned thread, const cpu_vcpu *v,
                    unsigned to)
{
    unsigned tpc = h->env.threads_per_core;
    if (lp->vcpu_thread[to] != HYP_NO_THREAD)
        return lp->vcpu_thread[to] / tpc == thread / tpc;
    return v && v->b.vcpu / tpc == to / tpc;
}

uint64_t hyp_doorbell(hyp *h, unsigned lpid, unsigned thread, uint64_t to_vcpu, uint64_t now)
{
    if (lpid >= h->nlpars || to_vcpu >= h->lpars[lpid]->nvcpus)
        return UINT64_MAX;
    const hyp_lpar *lp = h->lpars[lpid];
    if (!sibling(h, lp, thread, h->env.threads[thread].v, (unsigned)to_vcpu))
        h->irq.doorbell_msgsnd++;
    uint64_t cyc = h->cfg.interrupts.doorbell_cycles;
    hyp_interrupt(h, lpid, (unsigned)to_vcpu, HYP_IRQ_DOORBELL, now + cyc);
    return cyc;
}
