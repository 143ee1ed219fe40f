/*
 * coherency_bench.c - host cost of the coherency strategies' producer and
 * drain paths, and a long audited run (not a test: figures; used by
 * scripts/coherency_bench.sh).
 *
 * One dedicated LPAR with a vCPU on each of T hardware threads (T SMT1
 * cores). The program acts as the dispatcher, in rounds: the consumers
 * (threads 1..T-1) are put back on their threads (hyp_vcpu_dispatched:
 * patch-channel drains there; timed as "drain"), each loads the round's P
 * pages (TLB fills: the tracked filter records them), the consumers are
 * taken off their threads, then thread 0 removes the P pages one H_REMOVE
 * each (timed as "produce") and enters them again (not timed). With
 * patch-channel and filter all or tracked, every removal sends T-1
 * patches, so the host time per patch is the timed time divided by the
 * patches written (produce) or applied (drain); the same run with
 * eager-tlbie gives the H_REMOVE without a coherency step to compare.
 *
 *   coherency_bench [-t threads] [-p pages] [-n changes] [-s strategy]
 *                   [-f filter] [-k patches] [-a] (auditor on)
 * Prints one line: strategy, filter, changes, patches, host ns per
 * H_REMOVE, per patch produced, per patch drained, audit checks and
 * violations. Exit status 1 on an error or a violation.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hyp/hcall.h"
#include "hyp/hyp_int.h"
#include "machine/machine.h"
#include "mmu/hpt.h"

#define PROCESS 7
#define EA0 0x10000000ull

static const hpte_attrs RW_M = {.pp = 2, .key = 0, .wimg = 2, .noexec = false, .bolted = false};

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int set(machine_config *c, const char *kv)
{
    sim_err e = {{0}};
    if (cfg_set(&machine_config_table, c, kv, &e) != 0) {
        fprintf(stderr, "coherency_bench: %s: %s\n", kv, e.msg);
        return -1;
    }
    return 0;
}

static uint64_t counter(machine *m, const char *name)
{
    uint64_t v = 0;
    stats_get_counter(machine_stats(m), name, &v);
    return v;
}

/* A load by thread t of page p: TLB, else the walk and the fill hook (as
 * the cpu's walk does). */
static void touch(cpu_thread *c, unsigned p)
{
    uint64_t ea = EA0 + (uint64_t)p * 4096, vsid = seg_vsid(PROCESS, ea, false);
    uint64_t vpn = (vsid << 16) | ((ea & 0xfffffff) >> 12);
    if (tlb_lookup_access(c->tlb, c->v->b.lpid, vpn, PSZ_4K, 0))
        return;
    hpt_result r;
    if (hpt_translate(c->v->b.hpt, vsid, ea, 12, false, 1, false, c->port, c->clock, &r) !=
        HPT_XLATE_OK)
        return;
    c->clock += r.cycles;
    tlb_insert(c->tlb, c->v->b.lpid, vpn, PSZ_4K, hpte_real_addr(r.e.r, PSZ_4K) >> 12,
               hpte_prot(r.e.r, 1) & (r.e.r & HPTE_R_C ? ~0u : ~(unsigned)HPTE_PROT_W));
    if (c->on_fill)
        c->clock += c->on_fill(c->fill_ctx, c, r.ptex, vpn, PSZ_4K, c->clock);
}

static long hcall(hyp *h, unsigned t, uint64_t op, const uint64_t *a, uint64_t *rets)
{
    cpu_thread *c = &h->env.threads[t];
    uint64_t cycles = 0;
    long rc = hyp_hcall(h, 0, t, c->clock, op, a, rets, &cycles);
    c->clock += cycles;
    return rc;
}

static long enter(hyp *h, unsigned p, uint64_t *ptex)
{
    uint64_t ea = EA0 + (uint64_t)p * 4096, vsid = seg_vsid(PROCESS, ea, false);
    hpte x = hpte_make(vsid, ea, false, PSZ_4K, PSZ_4K, (uint64_t)p << 12, &RW_M, false);
    uint64_t a[8] = {0, (hpt_hash(vsid, ea, 12, false) & (h->lpars[0]->hpt.size / 128 - 1)) * 8,
                     x.v, x.r}, r[8] = {0};
    long rc = hcall(h, 0, H_ENTER, a, r);
    *ptex = r[0];
    return rc;
}

int main(int argc, char **argv)
{
    unsigned T = 8, P = 32;
    uint64_t N = 100000;
    const char *strategy = "patch-channel", *filter = "all", *patches = "64";
    bool audit = false;
    for (int o; (o = getopt(argc, argv, "t:p:n:s:f:k:a")) != -1;) {
        switch (o) {
        case 't': T = (unsigned)strtoul(optarg, NULL, 0); break;
        case 'p': P = (unsigned)strtoul(optarg, NULL, 0); break;
        case 'n': N = strtoull(optarg, NULL, 0); break;
        case 's': strategy = optarg; break;
        case 'f': filter = optarg; break;
        case 'k': patches = optarg; break;
        case 'a': audit = true; break;
        default:
            fprintf(stderr, "usage: coherency_bench [-t threads] [-p pages] [-n changes] "
                            "[-s strategy] [-f filter] [-k patches] [-a]\n");
            return 2;
        }
    }
    if (T < 2 || T > 64 || !P || P > 4096) {
        fprintf(stderr, "coherency_bench: 2 <= threads <= 64, 1 <= pages <= 4096\n");
        return 2;
    }
    char trace[] = "/tmp/coherency_bench_XXXXXX";
    int fd = mkstemp(trace);
    if (fd < 0 || write(fd, "#lparsim-trace v1\nL 0x10000000 8\n", 33) != 33)
        return 1;
    close(fd);
    machine_config c;
    sim_err e = {{0}};
    char kv[512];
    int bad = machine_config_init(&c, &e);
    snprintf(kv, sizeof kv, "machine.cores_per_module=%u", T);
    bad |= set(&c, "machine.modules=1") | set(&c, kv) | set(&c, "machine.threads_per_core=1");
    bad |= set(&c, "hypervisor.lmb_size=256M") | set(&c, "hypervisor.coherency.enabled=true");
    snprintf(kv, sizeof kv, "hypervisor.coherency.strategy=%s", strategy);
    bad |= set(&c, kv);
    snprintf(kv, sizeof kv, "hypervisor.coherency.filter=%s", filter);
    bad |= set(&c, kv);
    if (!strcmp(strategy, "patch-channel")) {
        snprintf(kv, sizeof kv, "hypervisor.coherency.channel.patches=%s", patches);
        bad |= set(&c, kv);
    }
    bad |= set(&c, audit ? "hypervisor.audit=true" : "hypervisor.audit=false");
    bad |= set(&c, "lpars[0].name=x") | set(&c, "lpars[0].memory=256M") |
           set(&c, "lpars[0].hpt_size=1M");
    for (unsigned t = 0; t < T; t++) {
        snprintf(kv, sizeof kv, "lpars[0].vcpus[%u].thread=%u", t, t);
        bad |= set(&c, kv);
        snprintf(kv, sizeof kv, "lpars[0].vcpus[%u].trace=%s", t, trace);
        bad |= set(&c, kv);
        snprintf(kv, sizeof kv, "lpars[0].vcpus[%u].process=%d", t, PROCESS);
        bad |= set(&c, kv);
    }
    machine *m = bad ? NULL : machine_create(&c, NULL, &e);
    machine_config_free(&c);
    unlink(trace);
    if (!m) {
        fprintf(stderr, "coherency_bench: %s\n", e.msg);
        return 1;
    }
    hyp *h = machine_hyp(m);
    uint64_t *ptex = calloc(P, sizeof *ptex);
    for (unsigned p = 0; p < P; p++)
        if (enter(h, p, &ptex[p]) != H_SUCCESS) {
            fprintf(stderr, "coherency_bench: H_ENTER of page %u failed\n", p);
            return 1;
        }
    double t_produce = 0, t_drain = 0;
    uint64_t changes = 0;
    while (changes < N && hyp_check_error(h, &e) == 0) {
        for (unsigned t = 1; t < T; t++) {
            cpu_thread *th = &h->env.threads[t];
            cpu_thread_switch(th, &th->own);
            double t0 = now_ns();
            th->clock += hyp_vcpu_dispatched(h, t, 0, 0, th->clock);
            t_drain += now_ns() - t0;
            for (unsigned p = 0; p < P; p++)
                touch(th, p);
            cpu_thread_switch(th, NULL);
        }
        for (unsigned p = 0; p < P && changes < N; p++, changes++) {
            uint64_t a[8] = {0, ptex[p], 0}, r[8];
            double t0 = now_ns();
            long rc = hcall(h, 0, H_REMOVE, a, r);
            t_produce += now_ns() - t0;
            if (rc != H_SUCCESS || enter(h, p, &ptex[p]) != H_SUCCESS) {
                fprintf(stderr, "coherency_bench: H_REMOVE/H_ENTER of page %u failed\n", p);
                return 1;
            }
        }
    }
    /* the last drains */
    for (unsigned t = 1; t < T; t++) {
        cpu_thread *th = &h->env.threads[t];
        cpu_thread_switch(th, &th->own);
        double t0 = now_ns();
        th->clock += hyp_vcpu_dispatched(h, t, 0, 0, th->clock);
        t_drain += now_ns() - t0;
    }
    int rc = hyp_check_error(h, &e) != 0;
    if (rc)
        fprintf(stderr, "coherency_bench: %s\n", e.msg);
    uint64_t written = counter(m, "coherency.x.patches_written");
    uint64_t applied = counter(m, "coherency.x.patches_applied");
    uint64_t checks = counter(m, "coherency.audit.checks");
    uint64_t viol = counter(m, "coherency.audit.violations");
    printf("%s/%s T=%u: %" PRIu64 " changes, %" PRIu64 " patches written, %" PRIu64
           " applied; host ns per H_REMOVE %.0f, per patch produced %.0f, per patch drained "
           "%.0f; audit checks %" PRIu64 ", violations %" PRIu64 "\n",
           strategy, filter, T, changes, written, applied, t_produce / (changes ? changes : 1),
           written ? t_produce / written : 0.0, applied ? t_drain / applied : 0.0, checks, viol);
    free(ptex);
    machine_destroy(m);
    return rc || viol;
}
