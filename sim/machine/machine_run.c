/*
 * machine_run.c - the run loop: the deterministic scheduler always advances
 * the hardware thread furthest behind, for at most one quantum beyond the
 * next thread's clock, until every bound vCPU's trace is replayed; the
 * workload drivers' steps come in between, each once every thread has
 * reached its cycle. The steps are the same whatever the limits a caller
 * runs to (lparsim runs to the end, lparsim-sc quantum by quantum). A
 * thread's clock moved by the hypervisor during another thread's record
 * (an interrupt delivered to it) is re-read when the thread comes up.
 * A thread whose vCPU must wait for another's record (CPU_RECORD_WAIT: a
 * full-system LPAR's hcall order) moves its clock just past the next
 * thread's and tries again when it is furthest behind again (wait_turn).
 */
#include "core/sched.h"
#include "machine_int.h"

#define PROGRESS_PERIOD (1u << 22) /* records between progress callbacks */

uint64_t machine_cycles(const machine *m)
{
    uint64_t c = hyp_drivers_now(m->drivers);
    for (unsigned i = 0; i < m->nthreads; i++)
        if (m->threads[i].clock > c)
            c = m->threads[i].clock;
    return c;
}

uint64_t machine_records(const machine *m)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < m->nthreads; i++)
        r += m->threads[i].st.records;
    return r;
}

static int sched_start(machine *m, sim_err *e)
{
    if (m->sched_ready)
        return 0;
    if (machine_warmup(m, e) != 0)
        return -1;
    if (sched_init(&m->sched, m->nthreads) != 0)
        return sim_errf(e, "out of host memory");
    for (unsigned i = 0; i < m->nthreads; i++)
        if (m->threads[i].bound && !m->threads[i].done)
            sched_set(&m->sched, i, m->threads[i].clock);
    m->sched_ready = true;
    m->next_report = PROGRESS_PERIOD;
    return 0;
}

uint64_t machine_now(const machine *m)
{
    uint64_t next = hyp_drivers_next(m->drivers), hnext = hyp_next_event(m->hyp);
    if (hnext < next)
        next = hnext;
    if (m->sched_ready && sched_size(&m->sched) > 0) {
        uint64_t t = sched_min_clock(&m->sched);
        return t < next ? t : next;
    }
    return next != UINT64_MAX ? next : machine_cycles(m);
}

/* Thread t came back waiting (its vCPU may not replay its next record
 * before another vCPU has acted, CPU_RECORD_WAIT): its clock moves just past
 * the next thread's, so that the others run first (not past `event`, which
 * comes first when no other thread runs: it may bring one back). Every
 * remaining thread waiting with no record replayed in between (more waits
 * in a row than twice the threads), or nobody left to wake it: t's vCPU's
 * stuck hook says why. 0 or -1. */
static int wait_turn(machine *m, cpu_thread *t, uint64_t event, sim_err *e)
{
    uint64_t other = sched_second_clock(&m->sched), to = other;
    if (other != UINT64_MAX)
        m->wait_streak++;
    if (other == UINT64_MAX ? event == UINT64_MAX
                            : m->wait_streak > 2 * (uint64_t)sched_size(&m->sched)) {
        if (t->v->b.stuck)
            return t->v->b.stuck(t->v->b.ctx, t, e);
        return sim_errf(e, "LPAR %u vCPU %u waits for another vCPU, which none can reach",
                        t->v->b.lpid, t->v->b.vcpu);
    }
    if (other != UINT64_MAX)
        to = other + 1;
    if (event < to)
        to = event;
    if (to <= t->clock)
        to = t->clock + 1;
    t->clock = to;
    return 0;
}

/* The threads alone, until the one furthest behind reaches limit: 1 then,
 * 0 when every trace is finished, -1 on an error. No thread runs past
 * `event` (the next hypervisor or driver event) by more than a record. */
static int threads_run_until(machine *m, uint64_t limit, uint64_t event, machine_progress_fn fn,
                             void *ctx, sim_err *e)
{
    sched *s = &m->sched;
    uint64_t q = m->cpu_cfg.quantum;
    while (sched_size(s) > 0) {
        uint32_t id = sched_min(s);
        cpu_thread *t = &m->threads[id];
        if (t->clock != sched_min_clock(s)) {
            /* an interrupt delivered from another thread's record moved
             * this clock on (hyp_interrupt): a key is never above its
             * clock, so refreshing it when it comes up keeps the order */
            sched_set(s, id, t->clock);
            continue;
        }
        if (t->clock >= limit)
            return 1;
        uint64_t req = hyp_event_requested(m->hyp);
        if (req < event)
            event = req; /* an hcall asked for an earlier event: nobody runs past it, however
                            far this call may run (limit) */
        uint64_t other = sched_second_clock(s);
        uint64_t until = other == UINT64_MAX ? t->clock + 64 * q : other + q;
        if (until > event)
            until = event; /* not past the next event: it sees the threads at its cycle
                              (the event, not the caller's limit, so that running in pieces
                              takes the same steps) */
        if (until <= t->clock)
            until = t->clock + 1;
        uint64_t before = t->st.records;
        m->dram_horizon = until; /* the other threads may still bring requests up to it */
        m->numa_thread = id;     /* whose LPAR the fills are (numa.lpar.*) */
        int r = cpu_thread_run(t, until, e);
        m->numa_thread = UINT32_MAX;
        m->dram_horizon = UINT64_MAX;
        m->run_records += t->st.records - before;
        if (r < 0)
            return -1;
        if (t->st.records != before)
            m->wait_streak = 0;
        if (r == 1 && t->waiting && wait_turn(m, t, event, e) != 0)
            return -1;
        if (r == 0) {
            sched_remove(s, id);
            hyp_thread_idle(m->hyp, id, t->clock); /* its vCPU finished or left it */
        } else
            sched_set(s, id, t->clock);
        if (fn && m->run_records >= m->next_report) {
            fn(ctx, m->run_records, machine_cycles(m));
            m->next_report = m->run_records + PROGRESS_PERIOD;
        }
        if (hyp_event_requested(m->hyp) < limit)
            return 1; /* an hcall asked for a hypervisor event before limit */
    }
    return 0;
}

/* After a hypervisor event (a dispatch) threads may have got or lost a
 * vCPU and moved their clocks: the scheduler follows. */
static void resync(machine *m)
{
    sched *s = &m->sched;
    for (unsigned i = 0; i < m->nthreads; i++) {
        const cpu_thread *t = &m->threads[i];
        if (t->bound && !t->done)
            sched_set(s, i, t->clock);
        else if (s->pos[i] != UINT32_MAX)
            sched_remove(s, i);
    }
}

int machine_run_until(machine *m, uint64_t limit, machine_progress_fn fn, void *ctx,
                      sim_err *e)
{
    if (sched_start(m, e) != 0)
        return -1;
    for (;;) {
        uint64_t dnext = hyp_drivers_next(m->drivers), hnext = hyp_next_event(m->hyp);
        uint64_t next = dnext < hnext ? dnext : hnext;
        uint64_t stop = next < limit ? next : limit;
        int r = threads_run_until(m, stop, next, fn, ctx, e);
        if (r < 0)
            return -1;
        if (hyp_event_requested(m->hyp) < stop)
            continue; /* an hcall asked for an earlier hypervisor event */
        if (next >= limit || next == UINT64_MAX)
            return r == 1 || next != UINT64_MAX ? 1 : 0;
        /* every thread has reached the event's cycle (or finished): the
         * hypervisor's events first (dispatch), then the drivers' */
        if (hnext == next) {
            if (hyp_event(m->hyp, next, e) != 0)
                return -1;
            resync(m);
        }
        if (dnext == next) {
            if (hyp_drivers_step(m->drivers, next, e) != 0 || hyp_check_error(m->hyp, e) != 0)
                return -1;
            resync(m); /* a driver's hcalls may have moved vCPUs and clocks */
            if (fn && hyp_drivers_steps(m->drivers) % 256 == 0)
                fn(ctx, machine_records(m), machine_cycles(m));
        }
    }
}

bool machine_driver_progress(const machine *m, uint64_t *done, uint64_t *total)
{
    return hyp_drivers_progress(m->drivers, done, total);
}

int machine_run(machine *m, machine_progress_fn fn, void *ctx, sim_err *e)
{
    uint64_t limit = m->max_cycles ? m->max_cycles : UINT64_MAX;
    return machine_run_until(m, limit, fn, ctx, e) < 0 ? -1 : 0;
}

uint64_t machine_max_cycles(const machine *m)
{
    return m->max_cycles;
}

int machine_finish(machine *m, sim_err *e)
{
    int rc = hyp_finish(m->hyp, e);
    for (unsigned i = 0; i < m->ndrams; i++)
        dram_access_flush(m->drams[i]);
    if (rc == 0)
        rc = machine_dramlog_commit(m, e);
    return rc;
}
