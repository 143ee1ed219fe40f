/*
 * guest_fullsys.c - an LPAR whose vCPUs replay full-system traces (a real
 * kernel recorded under QEMU pseries, docs/linux-guests.md) instead of the
 * guest OS model (lpars[].guest: full-system).
 *
 * The trace is the guest: its hcall records (the kernel's own H_ENTER,
 * H_REMOVE, ... with its arguments: its PTEG choices, flags and VPNs) go
 * straight to the hypervisor; its slbmte markers give the segments
 * (cpu.h, binding recorded_slb); kernel and user instructions both run on
 * the timed machine. Nothing is invented: no page fault is taken for the
 * guest (the recorded guest's fault handlers and their H_ENTERs are in the
 * trace), so a translation the guest's HPT cannot make is an error naming
 * the EA. Each hcall's recorded result (the TR_HRET after it, what QEMU
 * returned) is compared with lparsim's: return code, and for H_ENTER the
 * slot (PTE index); agreements and disagreements are counted, never hidden
 * (`lparsim trace hcheck` compares the returned values in full).
 * Several vCPUs share the HPT, so the order of their hcalls matters: an
 * hcall order marker (K 19 <n>, version 3) before an H record makes that
 * hcall wait (CPU_RECORD_WAIT) until the LPAR's hcalls 0..n-1 have run.
 * Invariants: per vCPU, a TR_HRET compares with the hcall that vCPU made
 * last (readers guarantee it follows its TR_HCALL directly); the LPAR's
 * ordered hcalls run in the order of their K 19 values, each exactly once.
 */
#include "guest_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hyp/hcall.h"

#define FS_F(f) offsetof(guest_fs_stats, f)
static const stat_desc fs_stat_list[] = {
    {"hcalls", SK_COUNTER, "hcalls", "the trace's hcalls made on the hypervisor",
     FS_F(hcalls), NULL},
    {"returns_checked", SK_COUNTER, "hcalls",
     "hcalls whose recorded result (R record) was compared with lparsim's",
     FS_F(checked), NULL},
    {"rc_agree", SK_COUNTER, "hcalls", "recorded and lparsim return codes equal",
     FS_F(rc_agree), NULL},
    {"rc_disagree", SK_COUNTER, "hcalls",
     "recorded and lparsim return codes differ (not counting unmodelled hcalls)",
     FS_F(rc_disagree), NULL},
    {"unmodelled", SK_COUNTER, "hcalls",
     "hcalls lparsim does not implement (it returned H_FUNCTION, the recording did not)",
     FS_F(unmodelled), NULL},
    {"slot_agree", SK_COUNTER, "hcalls",
     "successful H_ENTERs whose PTE index equals the recorded one", FS_F(slot_agree), NULL},
    {"slot_disagree", SK_COUNTER, "hcalls",
     "successful H_ENTERs whose PTE index differs from the recorded one",
     FS_F(slot_disagree), NULL},
    {"first_disagreement", SK_COUNTER, "record",
     "record number (1-based, in its vCPU's trace) of the first return code or slot "
     "disagreement; 0: none", FS_F(first_disagreement), NULL},
    {"markers", SK_COUNTER, "records", "marker records other than slbmte (ignored)",
     FS_F(markers), NULL},
};
static const stat_table fs_stat_table = {"recorded", fs_stat_list, PARAM_COUNT(fs_stat_list)};

#define FO_F(f) offsetof(guest_fs_order_stats, f)
static const stat_desc fs_order_list[] = {
    {"order_waits", SK_COUNTER, "hcalls",
     "hcalls whose vCPU had to wait for the LPAR's hcall order (K 19) to reach them",
     FO_F(waits), NULL},
    {"order_wait_cycles", SK_COUNTER, "cycles",
     "cycles those vCPUs spent waiting (from the first try of the hcall to its run)",
     FO_F(wait_cycles), NULL},
};
static const stat_table fs_order_table = {"recorded", fs_order_list,
                                          PARAM_COUNT(fs_order_list)};

int guest_fs_init(guest *g, stats_reg *stats, const char *prefix, sim_err *e)
{
    char p[200];
    snprintf(p, sizeof p, "%s.recorded", prefix); /* guest.<lpar>.recorded.* */
    if (stats_register(stats, p, &fs_stat_table, &g->fs) != 0 ||
        stats_register_if_used(stats, p, &fs_order_table, &g->fs_order) != 0)
        return sim_errf(e, "out of host memory");
    return 0;
}

void guest_fs_free(guest *g)
{
    free(g->fs_last);
}

/* The vCPU's last hcall (for its R record). */
static guest_fs_call *last_call(guest *g, unsigned vcpu)
{
    if (vcpu >= g->nfs_last) {
        unsigned n = vcpu + 1;
        guest_fs_call *p = realloc(g->fs_last, n * sizeof *p);
        if (!p)
            return NULL;
        memset(p + g->nfs_last, 0, (n - g->nfs_last) * sizeof *p);
        g->fs_last = p;
        g->nfs_last = n;
    }
    return &g->fs_last[vcpu];
}

static void disagree(guest *g, const cpu_thread *t)
{
    if (!g->fs.first_disagreement)
        g->fs.first_disagreement = t->v->records;
}

static uint64_t fs_record(void *ctx, cpu_thread *t, const tr_rec *r, uint64_t now, sim_err *e)
{
    guest *g = ctx;
    guest_fs_call *c = last_call(g, t->v->b.vcpu);
    if (!c) {
        sim_errf(e, "out of host memory");
        return UINT64_MAX;
    }
    if (r->kind == TR_MARKER && r->word == TR_MARK_HSEQ && t->v->b.hseq_markers) {
        c->has_order = true; /* for the H record right after it (readers check) */
        c->order = r->addr;
        return 0;
    }
    if (r->kind == TR_HCALL && c->has_order) {
        if (g->fs_next_order < c->order) { /* another vCPU's hcall comes first */
            if (!c->waiting) {
                c->waiting = true;
                c->wait_since = now;
                g->fs_order.waits++;
            }
            return CPU_RECORD_WAIT;
        }
        if (g->fs_next_order > c->order) {
            sim_errf(e, "LPAR %s vCPU %u: hcall order %llu already passed (the LPAR's next "
                        "is %llu); expected the K 19 orders of the LPAR's traces to be dense "
                        "from 0 and increasing per vCPU", g->name, t->v->b.vcpu,
                     (unsigned long long)c->order, (unsigned long long)g->fs_next_order);
            return UINT64_MAX;
        }
        if (c->waiting)
            g->fs_order.wait_cycles += now - c->wait_since;
        c->waiting = c->has_order = false;
        g->fs_next_order++;
    }
    if (r->kind == TR_HCALL) {
        uint64_t args[TR_MAX_ARGS > 8 ? TR_MAX_ARGS : 8] = {0}, cyc;
        for (unsigned i = 0; i < r->nargs && i < TR_MAX_ARGS; i++)
            args[i] = r->args[i];
        memset(c->rets, 0, sizeof c->rets);
        c->op = r->word;
        c->rc = hyp_hcall(g->h, g->lpid, t->id, now, r->word, args, c->rets, &cyc);
        c->valid = true;
        g->fs.hcalls++;
        if (hyp_check_error(g->h, e) != 0)
            return UINT64_MAX;
        return cyc;
    }
    if (r->kind == TR_HRET) {
        if (!c->valid)
            return 0;
        c->valid = false;
        g->fs.checked++;
        long want = tr_hret_rc(r);
        if (c->rc == H_FUNCTION && want != H_FUNCTION) {
            g->fs.unmodelled++;
        } else if (c->rc != want) {
            g->fs.rc_disagree++;
            disagree(g, t);
        } else {
            g->fs.rc_agree++;
            if (c->op == H_ENTER && c->rc == H_SUCCESS && r->nargs >= 1) {
                if (c->rets[0] == r->args[0]) {
                    g->fs.slot_agree++;
                } else {
                    g->fs.slot_disagree++;
                    disagree(g, t);
                }
            }
        }
        return 0;
    }
    g->fs.markers++; /* idle, wait, doorbell: the recording's own hcalls stand for them */
    return 0;
}

/* A waiting vCPU nobody can release (cpu_stuck_fn). */
static int fs_stuck(void *ctx, cpu_thread *t, sim_err *e)
{
    guest *g = ctx;
    unsigned v = t->v->b.vcpu;
    unsigned long long n = v < g->nfs_last ? g->fs_last[v].order : 0;
    sim_errf(e, "LPAR %s: vCPU %u waits for hcall order %llu, which no vCPU can reach (the "
                "LPAR's next is %llu); expected the K 19 orders of the LPAR's traces to be "
                "dense from 0 and increasing per vCPU", g->name, v, n,
             (unsigned long long)g->fs_next_order);
    return sim_err_prefix(e, "%s record %llu", tr_path(t->v->b.trace),
                          (unsigned long long)t->v->records + 1);
}

static uint64_t fs_fault(void *ctx, cpu_thread *t, uint64_t ea, enum cpu_access acc,
                         uint64_t now, sim_err *e)
{
    guest *g = ctx;
    (void)now;
    sim_errf(e, "LPAR %s vCPU %u: %s at EA 0x%llx found no entry in the guest's HPT, but the "
                "recorded guest made it without a fault; expected the trace's own H_ENTERs "
                "(its prologue from reset included) to map it (a full-system LPAR takes no "
                "modeled page faults)", g->name, t->v->b.vcpu,
             acc == CPU_STORE ? "store" : acc == CPU_IFETCH ? "instruction fetch" : "load",
             (unsigned long long)ea);
    return UINT64_MAX;
}

void guest_fs_binding(guest *g, cpu_binding *b)
{
    b->ctx = g;
    b->fault = fs_fault;
    b->record = fs_record;
    b->stuck = fs_stuck;
    b->recorded_slb = true;
}
