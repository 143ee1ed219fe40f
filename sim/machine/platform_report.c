/*
 * platform_report.c - a platform's reports (platform.h): each machine's own
 * report nested under machines.<name>, the links' statistics per direction,
 * and platform totals; the text report headed per machine.
 */
#include <string.h>

#include "platform_int.h"

void platform_machine_json(const platform *p, unsigned i, jtree *j)
{
    const machine *m = p->mach[i].m;
    double host = p->mach[i].host;
    machine_report_json(m, j);
    jtree_set_double(j, "sim.host_seconds", host);
    jtree_set_double(j, "sim.records_per_host_second",
                     host > 0 ? (double)machine_records(m) / host : 0.0);
}

void platform_report_json(const platform *p, jtree *j)
{
    uint64_t cycles = 0, records = 0;
    for (unsigned i = 0; i < p->n; i++) {
        jtree *t = jtree_create();
        platform_machine_json(p, i, t);
        char path[128];
        snprintf(path, sizeof path, "machines.%s", p->mach[i].name);
        jtree_graft(j, path, t);
        jtree_destroy(t);
        if (machine_cycles(p->mach[i].m) > cycles)
            cycles = machine_cycles(p->mach[i].m);
        records += machine_records(p->mach[i].m);
    }
    stats_to_json(p->stats, j);
    jtree_set_u64(j, "platform.machines", p->n);
    jtree_set_u64(j, "platform.links", p->nlinks);
    jtree_set_u64(j, "platform.freq_mhz", p->freq_mhz);
    jtree_set_u64(j, "platform.window_cycles", p->window == UINT64_MAX ? 0 : p->window);
    jtree_set_u64(j, "platform.windows", p->windows);
    jtree_set_u64(j, "platform.cycles", cycles);
    jtree_set_u64(j, "platform.records", records);
}

void platform_report_text(const platform *p, FILE *f)
{
    for (unsigned i = 0; i < p->n; i++) {
        fprintf(f, "%s==== machine %s (%s) ====\n", i ? "\n" : "", p->mach[i].name,
                p->mach[i].config);
        jtree *t = jtree_create();
        platform_machine_json(p, i, t);
        machine_report_text(p->mach[i].m, t, f);
        jtree_destroy(t);
    }
    fprintf(f, "\n==== platform: %u machines, %u links ====\n", p->n, p->nlinks);
    if (p->window == UINT64_MAX)
        fprintf(f, "lockstep: no links, each machine ran alone (%llu window)\n",
                (unsigned long long)p->windows);
    else
        fprintf(f, "lockstep: windows of %llu cycles at %llu MHz, %llu windows\n",
                (unsigned long long)p->window, (unsigned long long)p->freq_mhz,
                (unsigned long long)p->windows);
    for (unsigned i = 0; i < p->nlinks; i++) {
        const plink *l = &p->links[i];
        for (unsigned d = 0; d < 2; d++) {
            const plink_dir_stats *s = &l->st[d];
            unsigned from = d ? l->b : l->a, to = d ? l->a : l->b;
            fprintf(f, "link %s -> %s: latency %llu cycles, %.3f bytes/cycle; %llu transfers, "
                       "%llu bytes, busy %llu cycles (%.2f%%), queued %llu cycles\n",
                    p->mach[from].name, p->mach[to].name,
                    (unsigned long long)l->latency_cycles, l->bytes_per_cycle,
                    (unsigned long long)s->transfers, (unsigned long long)s->bytes,
                    (unsigned long long)s->busy_cycles,
                    s->horizon ? 100.0 * (double)s->busy_cycles / (double)s->horizon : 0.0,
                    (unsigned long long)s->wait_cycles);
        }
    }
}
