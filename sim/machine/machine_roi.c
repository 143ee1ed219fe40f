/*
 * machine_roi.c - warm-up (run.warmup_records) and regions of interest
 * (ROI markers of version 2 traces); docs/roi.md is the user's view.
 *
 * Warm-up: before the first scheduler step every dedicated vCPU's first
 * run.warmup_records records (or its own lpars[].vcpus[].warmup_records)
 * are replayed functionally (cpu_thread_warm), the threads taking turns
 * WARM_CHUNK records at a time (a deterministic stand-in for their
 * interleaving in the shared L3 and DRAM; a vCPU that must wait for
 * another's hcall, CPU_RECORD_WAIT, ends its turn early), with the
 * cache hierarchy in functional mode (memhier_set_functional: DRAM rows
 * opened, nothing timed). Then every statistic and op record is reset and
 * the detailed replay starts from the threads' clocks.
 *
 * Regions: a region is machine-wide and keyed by its id. It begins at the
 * first begin marker of that id that any vCPU replays (a snapshot of every
 * op type and registered statistic) and ends when every vCPU that began it
 * has replayed its end marker; its figures are then the differences from
 * the snapshot, kept in roi_out. Nothing of the model is reset, so regions
 * of different ids may overlap and the run's own figures are unchanged.
 * Invariants: regions[] holds the open regions, each with inside >= 1; an
 * id is open at most once; roi_done counts the regions written to roi_out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine_int.h"

#define WARM_CHUNK 4096u /* records per thread turn during the warm-up */

typedef struct machine_region {
    uint64_t id;
    unsigned inside;             /* vCPUs between its begin and end markers */
    uint64_t begin_cycle, begin_records;
    ops_snap *ops;
    stats_snap *stats;
} machine_region;

void machine_roi_free(machine *m)
{
    for (unsigned i = 0; i < m->nregions; i++) {
        ops_snap_free(m->regions[i].ops);
        stats_snap_free(m->regions[i].stats);
    }
    free(m->regions);
    m->regions = NULL;
    m->nregions = 0;
    jtree_destroy(m->roi_out);
    m->roi_out = NULL;
}

/* No vCPU of the warm-up can go on: the first waiting one's reason (its
 * binding's stuck hook), which may also be a warm-up count too short. */
static int warm_stuck(cpu_thread *t, sim_err *e)
{
    if (t->v->b.stuck)
        t->v->b.stuck(t->v->b.ctx, t, e);
    else
        sim_errf(e, "LPAR %u vCPU %u waits for another vCPU, which none can reach",
                 t->v->b.lpid, t->v->b.vcpu);
    size_t n = strlen(e->msg);
    snprintf(e->msg + n, sizeof e->msg - n, " (in the warm-up: or warm-up counts, "
             "lpars[].vcpus[].warmup_records, that replay the hcalls it waits for)");
    return -1;
}

int machine_warmup(machine *m, sim_err *e)
{
    if (m->warmed || !m->warm_max)
        return 0;
    m->warmed = true;
    memhier_set_functional(m->mh, true);
    int rc = 0;
    /* rounds: every thread up to `upto` (or its own count), until each has
     * replayed its count or finished; a vCPU that waits for another's hcall
     * (CPU_RECORD_WAIT) tries again in the next round */
    for (uint64_t upto = 0;;) {
        uint64_t prev = upto;
        upto = m->warm_max - upto > WARM_CHUNK ? upto + WARM_CHUNK : m->warm_max;
        bool pending = false, progress = false;
        cpu_thread *stuck = NULL;
        for (unsigned i = 0; i < m->nthreads; i++) {
            cpu_thread *t = &m->threads[i];
            if (!t->bound || t->done)
                continue;
            uint64_t want = upto < m->warm_to[i] ? upto : m->warm_to[i], before = t->st.records;
            int r = cpu_thread_warm(t, want, e);
            if (r < 0) {
                rc = -1;
                break;
            }
            progress |= t->st.records != before;
            if (r == 0) {
                hyp_thread_idle(m->hyp, i, t->clock); /* its trace ended in the warm-up */
            } else if (t->v->records < m->warm_to[i]) {
                pending = true; /* at its count for this round, or waiting */
                if (!stuck || (t->waiting && !stuck->waiting))
                    stuck = t;
            }
        }
        if (rc != 0 || !pending)
            break;
        if (!progress && upto == prev) { /* counts reached: only waiting ones pend */
            rc = warm_stuck(stuck, e);
            break;
        }
    }
    memhier_set_functional(m->mh, false);
    if (rc != 0)
        return -1;
    m->warm_records = machine_records(m);
    m->warm_cycles = machine_cycles(m);
    /* the detailed replay's figures start here */
    stats_reset(m->stats);
    ops_reset(m->ops);
    return 0;
}

static machine_region *find_open(machine *m, uint64_t id)
{
    for (unsigned i = 0; i < m->nregions; i++)
        if (m->regions[i].id == id)
            return &m->regions[i];
    return NULL;
}

/* The figures of region g from its snapshots to now under "<prefix>". */
static int region_json(const machine *m, const machine_region *g, uint64_t end_cycle,
                       bool complete, jtree *j, const char *prefix)
{
    char k[160];
    snprintf(k, sizeof k, "%s.id", prefix);
    jtree_set_u64(j, k, g->id);
    snprintf(k, sizeof k, "%s.complete", prefix);
    jtree_set_bool(j, k, complete);
    snprintf(k, sizeof k, "%s.begin_cycle", prefix);
    jtree_set_u64(j, k, g->begin_cycle);
    snprintf(k, sizeof k, "%s.end_cycle", prefix);
    jtree_set_u64(j, k, end_cycle);
    snprintf(k, sizeof k, "%s.cycles", prefix);
    jtree_set_u64(j, k, end_cycle > g->begin_cycle ? end_cycle - g->begin_cycle : 0);
    snprintf(k, sizeof k, "%s.records", prefix);
    jtree_set_u64(j, k, machine_records(m) - g->begin_records);
    if (ops_snap_delta_json(m->ops, g->ops, j, prefix) != 0 ||
        stats_snap_delta_json(m->stats, g->stats, j, prefix) != 0)
        return -1;
    return 0;
}

int machine_roi_marker(void *ctx, cpu_thread *t, bool begin, uint64_t id, sim_err *e)
{
    machine *m = ctx;
    machine_region *g = find_open(m, id);
    if (begin) {
        if (g) {
            g->inside++;
            return 0;
        }
        if (m->nregions == m->cap_regions) {
            unsigned cap = m->cap_regions ? 2 * m->cap_regions : 4;
            machine_region *v = realloc(m->regions, cap * sizeof *v);
            if (!v)
                return sim_errf(e, "out of host memory");
            m->regions = v;
            m->cap_regions = cap;
        }
        g = &m->regions[m->nregions];
        *g = (machine_region){id, 1, t->clock, machine_records(m), ops_snap_take(m->ops),
                              stats_snap_take(m->stats)};
        if (!g->ops || !g->stats) {
            ops_snap_free(g->ops);
            stats_snap_free(g->stats);
            return sim_errf(e, "out of host memory");
        }
        m->nregions++;
        return 0;
    }
    /* the vCPU checked that it is inside region id: g exists */
    if (!g || --g->inside > 0)
        return 0;
    if (!m->roi_out && !(m->roi_out = jtree_create()))
        return sim_errf(e, "out of host memory");
    char prefix[32];
    snprintf(prefix, sizeof prefix, "%u", m->roi_done++);
    int rc = region_json(m, g, t->clock, true, m->roi_out, prefix);
    ops_snap_free(g->ops);
    stats_snap_free(g->stats);
    *g = m->regions[--m->nregions];
    return rc == 0 ? 0 : sim_errf(e, "out of host memory");
}

void machine_roi_report(const machine *m, jtree *j)
{
    if (m->warm_max) {
        jtree_set_u64(j, "sim.warmup.records", m->warm_records);
        jtree_set_u64(j, "sim.warmup.cycles", m->warm_cycles);
    }
    if (!m->roi_done && !m->nregions)
        return;
    jtree_set_object(j, "regions");
    if (m->roi_out)
        jtree_graft(j, "regions", m->roi_out);
    /* regions still open (the run was cut by run.max_records or max_cycles) */
    char prefix[48];
    for (unsigned i = 0; i < m->nregions; i++) {
        snprintf(prefix, sizeof prefix, "regions.%u", m->roi_done + i);
        region_json(m, &m->regions[i], machine_cycles(m), false, j, prefix);
    }
}
