/*
 * machine_report.c - the run's figures as a JSON tree and as a readable
 * report. JSON layout: machine.* (summary), sim.* (cycles, records), ops.*
 * (per-operation cycle statistics), totals (tlb.total, cache.total,
 * dram.total) and every registered component statistic.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "machine_int.h"

typedef struct totals {
    uint64_t tlb_hits, tlb_misses, tlb_evictions, tlb_invals;
    uint64_t c_hits[4], c_misses[4]; /* l1i l1d l2 l3 */
    uint64_t dram_reads, dram_writes, dram_row_hits, dram_cmds;
    hist dram_lat;
} totals;

static void gather(const machine *m, totals *t)
{
    memset(t, 0, sizeof *t);
    hist_init(&t->dram_lat);
    for (unsigned i = 0; i < m->nthreads; i++) {
        const tlb_stats *s = tlb_get_stats(m->tlbs[i]);
        t->tlb_hits += s->hits;
        t->tlb_misses += s->misses;
        t->tlb_evictions += s->evictions;
        t->tlb_invals += s->invalidations + s->flushed_entries;
    }
    unsigned cores = memhier_cores(m->mh);
    for (unsigned c = 0; c < cores; c++) {
        cache *lv[3] = {memhier_l1i(m->mh, c), memhier_l1d(m->mh, c), memhier_l2(m->mh, c)};
        for (int k = 0; k < 3; k++) {
            t->c_hits[k] += cache_get_stats(lv[k])->hits;
            t->c_misses[k] += cache_get_stats(lv[k])->misses;
        }
    }
    for (unsigned mod = 0; mod < m->topo.modules; mod++) {
        t->c_hits[3] += cache_get_stats(memhier_l3(m->mh, mod))->hits;
        t->c_misses[3] += cache_get_stats(memhier_l3(m->mh, mod))->misses;
    }
    for (unsigned i = 0; i < m->ndrams; i++) {
        const dram_stats *d = dram_get_stats(m->drams[i]);
        t->dram_reads += d->reads;
        t->dram_writes += d->writes;
        t->dram_row_hits += d->read_row_hits + d->write_row_hits;
        t->dram_cmds += d->read_cmds + d->write_cmds;
        hist_merge(&t->dram_lat, &d->read_latency);
    }
}

static double ratio(uint64_t a, uint64_t b)
{
    return b ? (double)a / (double)b : 0.0;
}

static const char *const level_name[4] = {"l1i", "l1d", "l2", "l3"};

void machine_report_json(const machine *m, jtree *j)
{
    char k[256];
    jtree_set_str(j, "machine.name", m->name);
    jtree_set_u64(j, "machine.modules", m->topo.modules);
    jtree_set_u64(j, "machine.cores", m->topo.modules * m->topo.cores_per_module);
    jtree_set_u64(j, "machine.threads", m->nthreads);
    jtree_set_u64(j, "machine.freq_mhz", m->topo.freq_mhz);
    jtree_set_u64(j, "machine.memory_bytes", memmap_total_bytes(m->mm));
    jtree_set_u64(j, "machine.memory_modules", memmap_module_count(m->mm));
    jtree_set_u64(j, "machine.pmbs", memmap_pmb_count(m->mm));
    jtree_set_u64(j, "machine.hypervisor_bytes", hyp_memory_bytes(m->hyp));
    jtree_set_u64(j, "machine.lpar_count", hyp_lpar_count(m->hyp));
    uint64_t hpt_total = 0;
    for (unsigned i = 0; i < hyp_lpar_count(m->hyp); i++)
        hpt_total += hyp_lpar_hpt(m->hyp, i)->size;
    jtree_set_u64(j, "machine.hpt_bytes", hpt_total);
    jtree_set_u64(j, "machine.host_memory_bytes", physmem_bytes_allocated(m->pm));
    for (unsigned i = 0; i < hyp_lpar_count(m->hyp); i++) {
        const char *n = hyp_lpar_name(m->hyp, i);
        snprintf(k, sizeof k, "machine.lpars.%s.lpid", n);
        jtree_set_u64(j, k, i);
        snprintf(k, sizeof k, "machine.lpars.%s.memory_bytes", n);
        jtree_set_u64(j, k, hyp_lpar_memory(m->hyp, i));
        snprintf(k, sizeof k, "machine.lpars.%s.hpt_bytes", n);
        jtree_set_u64(j, k, hyp_lpar_hpt(m->hyp, i)->size);
        snprintf(k, sizeof k, "machine.lpars.%s.hpt_base", n);
        jtree_set_u64(j, k, hyp_lpar_hpt(m->hyp, i)->base);
        snprintf(k, sizeof k, "machine.lpars.%s.pages_used", n);
        jtree_set_u64(j, k, i < m->nguests ? guest_pages_used(m->guests[i]) : 0);
    }
    jtree_set_u64(j, "sim.cycles", machine_cycles(m));
    jtree_set_u64(j, "sim.records", machine_records(m));
    jtree_set_u64(j, "sim.seed", m->topo.seed);
    machine_roi_report(m, j);
    ops_to_json(m->ops, j);
    totals t;
    gather(m, &t);
    jtree_set_u64(j, "tlb.total.hits", t.tlb_hits);
    jtree_set_u64(j, "tlb.total.misses", t.tlb_misses);
    jtree_set_double(j, "tlb.total.hit_rate", ratio(t.tlb_hits, t.tlb_hits + t.tlb_misses));
    jtree_set_u64(j, "tlb.total.evictions", t.tlb_evictions);
    jtree_set_u64(j, "tlb.total.invalidated", t.tlb_invals);
    for (int l = 0; l < 4; l++) {
        snprintf(k, sizeof k, "cache.total.%s.hits", level_name[l]);
        jtree_set_u64(j, k, t.c_hits[l]);
        snprintf(k, sizeof k, "cache.total.%s.misses", level_name[l]);
        jtree_set_u64(j, k, t.c_misses[l]);
        snprintf(k, sizeof k, "cache.total.%s.miss_rate", level_name[l]);
        jtree_set_double(j, k, ratio(t.c_misses[l], t.c_hits[l] + t.c_misses[l]));
    }
    jtree_set_u64(j, "dram.total.reads", t.dram_reads);
    jtree_set_u64(j, "dram.total.writes", t.dram_writes);
    jtree_set_double(j, "dram.total.row_hit_rate", ratio(t.dram_row_hits, t.dram_cmds));
    hist_to_json(&t.dram_lat, j, "dram.total.read_latency");
    hist_free(&t.dram_lat);
    stats_to_json(m->stats, j);
    /* cpu.decode.* only when some trace carried instruction words, so the
     * reports of word-less traces keep their exact form */
    if (m->dec && ppc_decoder_stats(m->dec)->decodes) {
        stats_reg *r = stats_create();
        if (r && stats_register(r, "cpu.decode", &ppc_decode_stat_table,
                                ppc_decoder_stats(m->dec)) == 0)
            stats_to_json(r, j);
        stats_destroy(r);
    }
}

static double jget(const jtree *j, const char *path)
{
    double d = 0;
    jtree_get_double(j, path, &d);
    return d;
}

void machine_report_text(const machine *m, const jtree *j, FILE *f)
{
    fprintf(f, "machine %s: %" PRIu64 " modules x %" PRIu64 " cores x %" PRIu64
               " threads = %u hardware threads at %" PRIu64 " MHz\n",
            m->name, m->topo.modules, m->topo.cores_per_module, m->topo.threads_per_core,
            m->nthreads, m->topo.freq_mhz);
    fprintf(f, "memory: %" PRIu64 " MiB in %u modules, %zu PMBs; hypervisor %" PRIu64
               " MiB; %u LPARs\n",
            memmap_total_bytes(m->mm) >> 20, memmap_module_count(m->mm), memmap_pmb_count(m->mm),
            hyp_memory_bytes(m->hyp) >> 20, hyp_lpar_count(m->hyp));
    for (unsigned i = 0; i < hyp_lpar_count(m->hyp); i++) {
        const hpt *h = hyp_lpar_hpt(m->hyp, i);
        fprintf(f, "  LPAR %u %-12s %8" PRIu64 " MiB, HPT %" PRIu64 " KiB at 0x%" PRIx64
                   ", %" PRIu64 " pages touched\n",
                i, hyp_lpar_name(m->hyp, i), hyp_lpar_memory(m->hyp, i) >> 20, h->size >> 10,
                h->base, i < m->nguests ? guest_pages_used(m->guests[i]) : 0);
    }
    uint64_t cyc = machine_cycles(m);
    fprintf(f, "simulated: %" PRIu64 " cycles (%.3f ms), %" PRIu64 " records\n", cyc,
            (double)cyc / ((double)m->topo.freq_mhz * 1e3), machine_records(m));
    double hs = jget(j, "sim.host_seconds");
    if (hs > 0)
        fprintf(f, "host: %.3f s, %.2f M records per host second\n", hs,
                jget(j, "sim.records_per_host_second") / 1e6);
    fprintf(f, "\noperations (core cycles):\n");
    ops_print_table(m->ops, f);
    fprintf(f, "\nTLB: %.0f hits, %.0f misses (hit rate %.4f), %.0f evictions, %.0f invalidated\n",
            jget(j, "tlb.total.hits"), jget(j, "tlb.total.misses"), jget(j, "tlb.total.hit_rate"),
            jget(j, "tlb.total.evictions"), jget(j, "tlb.total.invalidated"));
    fprintf(f, "caches:");
    char k[128];
    for (int l = 0; l < 4; l++) {
        snprintf(k, sizeof k, "cache.total.%s.misses", level_name[l]);
        double mi = jget(j, k);
        snprintf(k, sizeof k, "cache.total.%s.miss_rate", level_name[l]);
        fprintf(f, " %s %.0f misses (%.4f)%s", level_name[l], mi, jget(j, k), l < 3 ? "," : "\n");
    }
    fprintf(f, "DRAM: %.0f reads, %.0f writes, row-hit rate %.4f, read latency mean %.1f "
               "p99 %.0f DRAM cycles\n",
            jget(j, "dram.total.reads"), jget(j, "dram.total.writes"),
            jget(j, "dram.total.row_hit_rate"), jget(j, "dram.total.read_latency.mean"),
            jget(j, "dram.total.read_latency.p99"));
    const ppc_decode_stats *ds = m->dec ? ppc_decoder_stats(m->dec) : NULL;
    if (ds && ds->decodes) {
        fprintf(f, "decode: %" PRIu64 " words (%" PRIu64 " distinct, cache hit rate %.4f): "
                   "Capstone %.4f, fallback %.4f, %" PRIu64 " invalid\n  classes:",
                ds->decodes, ds->distinct_words, ratio(ds->cache_hits, ds->decodes),
                ratio(ds->capstone, ds->decodes), ratio(ds->fallback, ds->decodes),
                ds->invalid);
        for (int c = 0; c < PPC_CLASS_COUNT; c++)
            if (ds->by_class[c])
                fprintf(f, " %s %" PRIu64, ppc_class_name((ppc_class)c), ds->by_class[c]);
        fprintf(f, "\n");
    }
}
