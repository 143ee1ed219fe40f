/*
 * machine_run.c - the run loop: the deterministic scheduler always advances
 * the hardware thread furthest behind, for at most one quantum beyond the
 * next thread's clock, until every bound vCPU's trace is replayed.
 */
#include "core/sched.h"
#include "machine_int.h"

#define PROGRESS_PERIOD (1u << 22) /* records between progress callbacks */

uint64_t machine_cycles(const machine *m)
{
    uint64_t c = 0;
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

int machine_run(machine *m, machine_progress_fn fn, void *ctx, sim_err *e)
{
    sched s;
    if (sched_init(&s, m->nthreads) != 0)
        return sim_errf(e, "out of host memory");
    for (unsigned i = 0; i < m->nthreads; i++)
        if (m->threads[i].bound && !m->threads[i].done)
            sched_set(&s, i, m->threads[i].clock);
    uint64_t q = m->cpu_cfg.quantum, next_report = PROGRESS_PERIOD, records = 0;
    int rc = 0;
    while (sched_size(&s) > 0) {
        uint32_t id = sched_min(&s);
        cpu_thread *t = &m->threads[id];
        uint64_t other = sched_second_clock(&s);
        uint64_t until = other == UINT64_MAX ? t->clock + 64 * q : other + q;
        if (until <= t->clock)
            until = t->clock + 1;
        uint64_t before = t->st.records;
        int r = cpu_thread_run(t, until, e);
        records += t->st.records - before;
        if (r < 0) {
            rc = -1;
            break;
        }
        if (r == 0)
            sched_remove(&s, id);
        else
            sched_set(&s, id, t->clock);
        if (fn && records >= next_report) {
            fn(ctx, records, machine_cycles(m));
            next_report = records + PROGRESS_PERIOD;
        }
    }
    sched_free(&s);
    return rc;
}
