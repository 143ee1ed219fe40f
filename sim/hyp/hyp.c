/*
 * hyp.c - hypervisor object: parameters, memory sizing, creation (the
 * enabled features in registry order, their hcalls registered), hcall
 * dispatch (one check of every feature after each hcall, the first error
 * latched) and the charge helpers shared by hcall handlers (see hyp.h).
 * LPARs: hyp_lpar.c; hooks and listeners: hyp_hooks.c; interrupts: irq.c.
 */
#include "hyp_int.h"
#include "registry_params.h"
#include "rmap_int.h"

#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HYP_F(f) offsetof(hyp_config, f)
static const param_desc hyp_param_all[] = {
    {"memory", PT_SIZE, "bytes", "0", 0, 0x1p62, NULL,
     "Real memory reserved at address 0 for the hypervisor (LMB tables, every LPAR's HPT); "
     "0 reserves just enough, rounded up to whole LMBs.", HYP_F(memory), NULL},
    {"lmb_size", PT_SIZE, "bytes", "256M", 16777216.0, 0x1p40, NULL,
     "Size of a logical memory block; LPAR memory is handed out in whole LMBs "
     "(power of two, at least 16M so any page fits in one LMB).", HYP_F(lmb_size), NULL},
    {"hcall_entry_cycles", PT_UINT, "cycles", "150", 0, 1e6, NULL,
     "Cost of entering the hypervisor on an hcall (sc 1, state save, dispatch); "
     "assumption, of the order of a KVM real-mode hcall entry.", HYP_F(hcall_entry_cycles), NULL},
    {"hcall_exit_cycles", PT_UINT, "cycles", "100", 0, 1e6, NULL,
     "Cost of returning from an hcall to the partition (state restore, hrfid); assumption.",
     HYP_F(hcall_exit_cycles), NULL},
    {"step_cycles", PT_UINT, "cycles", "4", 0, 1e4, NULL,
     "Compute per step of hypervisor work (one HPTE or table entry examined or built), "
     "on top of the modeled memory accesses.", HYP_F(step_cycles), NULL},
    {"hpt_ratio", PT_UINT, "", "128", 16, 4096, NULL,
     "Default HPT size is LPAR memory / hpt_ratio rounded up to a power of two "
     "(128 as QEMU; PAPR recommends 64), clamped to 256K..64T.", HYP_F(hpt_ratio), NULL},
    {"spare_lmbs", PT_UINT, "LMBs", "0", 0, 1e9, NULL,
     "Free LMB slots the machine has beyond what the LPARs take (memory sized automatically): "
     "room for PMB reclaim to move LMBs and for restarted LPARs.", HYP_F(spare_lmbs), NULL},
    {"scan_outstanding", PT_UINT, "lines", "8", 1, 64, NULL,
     "Cache lines a sequential HPT scan or wipe keeps in flight (hardware prefetch / miss "
     "queue); assumption, POWER9 L1D has 8-12 load-miss entries.", HYP_F(scan_outstanding), NULL},
    {"scan_sample_lines", PT_UINT, "lines", "8192", 0, 1e12, NULL,
     "Lines of an HPT scan or wipe that go through the caches and DRAM one by one, each scan of "
     "a region taking the lines after its previous sample; the rest is charged at the mean time "
     "per window measured on them (0 = every line: exact but slow for 512 MiB HPTs).",
     HYP_F(scan_sample_lines), NULL},
    {"audit", PT_BOOL, "", "false", 0, 0, NULL,
     "Turn on the auditor of every enabled feature (also `lparsim run --audit`); the run stops "
     "at the first violation with its message.", HYP_F(audit), NULL},
    {"interrupts", PT_STRUCT, "", NULL, 0, 0, NULL,
     "Interrupts delivered to vCPUs: H_IPI, doorbells, features' interrupts.",
     HYP_F(interrupts), &hyp_irq_params},
    {"copy", PT_STRUCT, "", NULL, 0, 0, NULL,
     "The copy loop of code on a thread: lines in flight, bandwidth floor, dcbz.",
     HYP_F(copy), &hyp_copy_params},
    {"rdma", PT_STRUCT, "", NULL, 0, 0, NULL,
     "The RDMA adapter to other machines of a platform: posting and adapter costs.",
     HYP_F(rdma), &hyp_rdma_params},
    /* hypervisor.<feature>: one entry per registered feature */
    HYP_FEATURE_LIST(HYP_FEATURE_PARAM)
};
const param_table hyp_params = {"hypervisor", sizeof(hyp_config), hyp_param_all,
                                PARAM_COUNT(hyp_param_all),
                                "The hypervisor: its memory, LMBs, hcall costs, HPT sizing and "
                                "features (hypervisor.<feature>, off unless enabled)."};

static const stat_desc hyp_stat_list[] = {
    {"hcalls", SK_COUNTER, "calls", "hcalls made by all LPARs", offsetof(hyp_stats, hcalls), NULL},
    {"hcall_errors", SK_COUNTER, "calls", "hcalls that returned an error code",
     offsetof(hyp_stats, hcall_errors), NULL},
    {"hcalls_unsupported", SK_COUNTER, "calls", "hcalls with an unknown number (H_FUNCTION)",
     offsetof(hyp_stats, hcalls_unsupported), NULL},
    {"hptes_inserted", SK_COUNTER, "entries", "HPTEs written valid by H_ENTER",
     offsetof(hyp_stats, hptes_inserted), NULL},
    {"hptes_removed", SK_COUNTER, "entries",
     "HPTEs cleared through the invalidation pipeline (H_REMOVE, H_BULK_REMOVE, the guest's "
     "evictions, features' and platform invalidations, page-outs)",
     offsetof(hyp_stats, hptes_removed), NULL},
};
static const stat_table hyp_stat_table = {"hypervisor", hyp_stat_list, PARAM_COUNT(hyp_stat_list)};

static uint64_t pow2_ceil(uint64_t v)
{
    uint64_t p = 1;
    while (p < v)
        p <<= 1;
    return p;
}

uint64_t hyp_hpt_size(const hyp_config *c, uint64_t lpar_memory, uint64_t hpt_bytes)
{
    if (hpt_bytes)
        return hpt_bytes;
    uint64_t s = pow2_ceil(lpar_memory / c->hpt_ratio);
    if (s < (1ULL << HPT_MIN_SHIFT))
        s = 1ULL << HPT_MIN_SHIFT;
    if (s > (1ULL << HPT_MAX_SHIFT))
        s = 1ULL << HPT_MAX_SHIFT;
    return s;
}

static uint64_t round128(uint64_t b)
{
    return (b + 127) & ~127ULL;
}

/* Does an enabled feature want the reverse map, and charged? */
static bool wants_rmap(const hyp_config *c, bool *charged)
{
    bool any = false;
    *charged = false;
    for (unsigned f = 0; f < HYP_NFEATURES; f++) {
        bool ch = false;
        if (hyp_cfg_enabled(&c->feature[f]) && hyp_features[f]->wants_rmap &&
            hyp_features[f]->wants_rmap(c->feature[f].bytes, &ch)) {
            any = true;
            *charged |= ch;
        }
    }
    return any;
}

uint64_t hyp_memory_needed(const hyp_config *c, unsigned nlpars, const uint64_t *lpar_memory,
                           const uint64_t *hpt_bytes, unsigned nthreads)
{
    /* HPTs from the bottom (as hyp_lpar_create allocates them), tables from
     * the top: 128-byte multiples below an LMB-aligned top, so no waste */
    uint64_t *sz = calloc((size_t)nlpars + 1, sizeof *sz);
    if (!sz)
        return UINT64_MAX;
    bool charged;
    bool rmap = wants_rmap(c, &charged) && charged;
    uint64_t tables = 0;
    for (unsigned i = 0; i < nlpars; i++) {
        tables += hyp_lmbtab_bytes(c, lpar_memory[i]);
        sz[i] = hyp_hpt_size(c, lpar_memory[i], hpt_bytes ? hpt_bytes[i] : 0);
        if (rmap)
            tables += round128(hyp_rmap_lpar_bytes(lpar_memory[i], sz[i]));
    }
    uint64_t need = lmb_plan(sz, sz, nlpars) + tables;
    for (unsigned f = 0; f < HYP_NFEATURES; f++)
        if (hyp_cfg_enabled(&c->feature[f]) && hyp_features[f]->memory_needed)
            need += round128(hyp_features[f]->memory_needed(c->feature[f].bytes, c, nlpars,
                                                            lpar_memory, sz, nthreads));
    free(sz);
    if (need == 0)
        need = 1;
    return (need + c->lmb_size - 1) / c->lmb_size * c->lmb_size;
}

/* The parts the enabled features add to every hcall's op (hcall_part),
 * in registry order, each after a comma; "" for none. */
static void feature_parts(const hyp *h, char *out, size_t size)
{
    size_t n = 0;
    out[0] = '\0';
    for (unsigned f = 0; f < HYP_NFEATURES; f++)
        if (hyp_cfg_enabled(&h->cfg.feature[f]) && hyp_features[f]->hcall_part && n < size)
            n += (size_t)snprintf(out + n, size - n, ",%s", hyp_features[f]->hcall_part);
}

unsigned hyp_hcall_part(const hcall_ctx *c, unsigned feature)
{
    const hyp *h = c->h;
    if (!c->p_features || feature >= HYP_NFEATURES || !hyp_features[feature]->hcall_part ||
        !hyp_cfg_enabled(&h->cfg.feature[feature]))
        return UINT_MAX;
    unsigned i = c->p_features;
    for (unsigned f = 0; f < feature; f++)
        i += hyp_cfg_enabled(&h->cfg.feature[f]) && hyp_features[f]->hcall_part;
    return i;
}

static int register_hcall(hyp *h, const hyp_hcall_desc *d, void *fs, bool if_used, sim_err *e)
{
    if (h->nhcalls == HYP_MAX_HCALLS)
        return sim_errf(e, "hcall registry: more than %d hcalls", HYP_MAX_HCALLS);
    char op[96], parts[256], extra[128];
    if (!d->op_name)
        snprintf(op, sizeof op, "hcall.%s", d->name);
    const char *own = d->parts ? d->parts : "compute,memory,tlb,queueing";
    feature_parts(h, extra, sizeof extra);
    snprintf(parts, sizeof parts, "%s%s", own, extra);
    unsigned nown = 1;
    for (const char *p = own; *p; p++)
        nown += *p == ',';
    op_id id = ops_declare(h->env.ops, d->op_name ? d->op_name : op, "hypervisor call", parts);
    if (id == OP_INVALID)
        return sim_errf(e, "hcall registry: the op of %s is already declared with other parts, "
                           "or out of host memory", d->name);
    if (if_used)
        ops_report_if_used(h->env.ops, id);
    h->hcalls[h->nhcalls++] = (hyp_hcall_entry){d->opcode, d->fn, fs, id, extra[0] ? nown : 0};
    return 0;
}

/* Every enabled feature hears that c's thread entered the hypervisor. */
static void entered(hyp *h, hcall_ctx *c, hyp_entry_why why)
{
    for (unsigned f = 0; f < HYP_NFEATURES; f++)
        if (h->feat[f] && hyp_features[f]->hyp_entered)
            hyp_features[f]->hyp_entered(h->feat[f], c, why);
}

static int create_features(hyp *h, sim_err *e)
{
    if (hyp_check_hcall_ranges(hyp_feature_ranges, hyp_features, HYP_NFEATURES, e) != 0)
        return -1;
    const hyp_hcall_desc *core;
    bool if_used;
    for (size_t i = 0; (core = hyp_core_hcall(i, &if_used)); i++)
        if (register_hcall(h, core, NULL, if_used, e) != 0)
            return -1;
    bool charged;
    if (wants_rmap(&h->cfg, &charged) && !(h->rmap = hyp_rmap_create(h, charged)))
        return sim_errf(e, "out of host memory");
    for (unsigned f = 0; f < HYP_NFEATURES; f++) {
        const hyp_feature *ft = hyp_features[f];
        const hyp_feature_cfg *fc = &h->cfg.feature[f];
        if (!hyp_cfg_enabled(fc))
            continue;
        h->feat[f] = ft->create(h, fc->bytes, h->cfg.audit, e);
        if (!h->feat[f]) {
            /* a message that names one of its keys already is located there */
            char own[64];
            snprintf(own, sizeof own, "hypervisor.%s.", ft->name);
            if (e && !strncmp(e->msg, own, strlen(own)))
                return -1;
            return sim_err_prefix(e, "hypervisor.%s", ft->name);
        }
        for (size_t i = 0; i < ft->nhcalls; i++)
            if (register_hcall(h, &ft->hcalls[i], h->feat[f], false, e) != 0)
                return -1;
    }
    return 0;
}

hyp *hyp_create(const hyp_config *c, const hyp_env *env, uint64_t hyp_bytes, sim_err *e)
{
    hyp *h = calloc(1, sizeof *h);
    if (!h) {
        sim_errf(e, "out of host memory");
        return NULL;
    }
    h->cfg = *c;
    h->env = *env;
    h->coh = &hyp_eager_tlbie;
    h->event_req = UINT64_MAX;
    u64map_init(&h->scan_cursor);
    if (lmb_space_init(&h->lmb, env->mm, env->pm, c->lmb_size, hyp_bytes, e) != 0 ||
        stats_register(env->stats, "hypervisor", &hyp_stat_table, &h->st) != 0 ||
        hyp_irq_init(h, e) != 0 || hyp_rdma_init(h, e) != 0 || hyp_crit_init(h, e) != 0 ||
        create_features(h, e) != 0) {
        if (!e || !e->msg[0])
            sim_errf(e, "cannot create the hypervisor");
        hyp_destroy(h);
        return NULL;
    }
    return h;
}

void hyp_destroy(hyp *h)
{
    if (!h)
        return;
    for (unsigned f = HYP_NFEATURES; f-- > 0;)
        if (h->feat[f])
            hyp_features[f]->destroy(h->feat[f]);
    hyp_rmap_destroy(h->rmap);
    for (unsigned i = 0; i < h->nlpars; i++) {
        free(h->lpars[i]->name);
        free(h->lpars[i]->lmb_base);
        free(h->lpars[i]->vcpus);
        free(h->lpars[i]->vcpu_thread);
        free(h->lpars[i]->home);
        free(h->lpars[i]->home_pages);
        u64map_free(&h->lpars[i]->crit);
        free(h->lpars[i]);
    }
    free(h->lpars);
    u64map_free(&h->scan_cursor);
    lmb_space_free(&h->lmb);
    free(h);
}

void hyp_fail(hyp *h, const sim_err *e)
{
    if (h->failed)
        return;
    h->failed = true;
    h->err = *e;
}

/* Latch the first error any enabled feature reports. */
void hyp_check_features(hyp *h)
{
    for (unsigned f = 0; f < HYP_NFEATURES && !h->failed; f++) {
        sim_err e;
        sim_err_clear(&e);
        if (h->feat[f] && hyp_features[f]->check_error &&
            hyp_features[f]->check_error(h->feat[f], &e) != 0)
            hyp_fail(h, &e);
    }
}

int hyp_finish(hyp *h, sim_err *e)
{
    for (unsigned f = 0; f < HYP_NFEATURES; f++)
        if (h->feat[f] && hyp_features[f]->finish && hyp_features[f]->finish(h->feat[f], e) != 0)
            return -1;
    return 0;
}

int hyp_start(hyp *h, sim_err *e)
{
    for (unsigned f = 0; f < HYP_NFEATURES; f++)
        if (h->feat[f] && hyp_features[f]->start && hyp_features[f]->start(h->feat[f], e) != 0)
            return -1;
    for (unsigned i = 0; i < h->nlpars; i++)
        if (h->lpars[i]->procs.mode == HYP_PROCS_SHARED && !h->shared_claimed)
            return sim_errf(e, "lpars[%u].processors.mode: shared, but no feature dispatches "
                               "shared processors; expected hypervisor.dispatch.enabled: true",
                            i);
    return 0;
}

void hyp_claim_shared(hyp *h) { h->shared_claimed = true; }

uint64_t hyp_next_event(const hyp *h)
{
    uint64_t next = h->event_req; /* asked for from an hcall: run even if stale */
    for (unsigned f = 0; f < HYP_NFEATURES; f++)
        if (h->feat[f] && hyp_features[f]->next_event) {
            uint64_t t = hyp_features[f]->next_event(h->feat[f]);
            if (t < next)
                next = t;
        }
    return next;
}

uint64_t hyp_event_requested(const hyp *h) { return h->event_req; }

void hyp_request_event(hyp *h, uint64_t at)
{
    if (at < h->event_req)
        h->event_req = at;
}

int hyp_event(hyp *h, uint64_t at, sim_err *e)
{
    for (unsigned f = 0; f < HYP_NFEATURES; f++)
        if (h->feat[f] && hyp_features[f]->next_event &&
            hyp_features[f]->next_event(h->feat[f]) == at &&
            hyp_features[f]->event(h->feat[f], at, e) != 0)
            return -1;
    /* what the events themselves asked for is in their next_event */
    h->event_req = UINT64_MAX;
    return hyp_check_error(h, e);
}

int hyp_check_error(const hyp *h, sim_err *e)
{
    if (!h->failed)
        return 0;
    if (e)
        *e = h->err;
    return -1;
}

uint64_t hyp_partition_tlbie(hyp *h, unsigned lpid, uint64_t now)
{
    return tlbie_global_flush(h->env.fabric, h->env.tlbs, h->env.nthreads, lpid, now, NULL);
}

void hyp_block(hcall_ctx *c, uint64_t until, unsigned part)
{
    if (until <= c->op.end)
        return;
    uint64_t wait = until - c->op.end;
    hyp *h = c->h;
    bool off = false;
    for (unsigned f = 0; f < HYP_NFEATURES && !off; f++)
        if (h->feat[f] && hyp_features[f]->block && hyp_features[f]->block(h->feat[f], c, until)) {
            c->off_thread += wait;
            off = true;
            /* the wake-up is an event the machine loop must stop for, however
             * it is chunked (lparsim and lparsim-sc alike) */
            hyp_request_event(h, until);
        }
    op_charge(&c->op, part, wait);
    if (!off)
        entered(h, c, HYP_ENTRY_WAKE); /* waited in place: the wake-up (a vCPU put back on
                                          a thread is a dispatch instead) */
}

void hyp_thread_idle(hyp *h, unsigned thread, uint64_t at)
{
    for (unsigned f = 0; f < HYP_NFEATURES; f++)
        if (h->feat[f] && hyp_features[f]->thread_idle)
            hyp_features[f]->thread_idle(h->feat[f], thread, at);
}

uint64_t hyp_vcpu_dispatched(hyp *h, unsigned thread, unsigned lpid, unsigned vcpu, uint64_t at)
{
    uint64_t spent = hyp_crit_dispatch(h, thread, lpid, vcpu, at);
    for (unsigned f = 0; f < HYP_NFEATURES; f++)
        if (h->feat[f] && hyp_features[f]->vcpu_dispatched)
            spent += hyp_features[f]->vcpu_dispatched(h->feat[f], thread, lpid, at + spent);
    return spent;
}

void hcall_mem(hcall_ctx *c, uint64_t paddr, uint32_t size, mem_kind kind)
{
    op_charge(&c->op, c->p_memory, mem_access(c->port, paddr, size, kind, c->op.end));
}

void hcall_steps(hcall_ctx *c, uint64_t n)
{
    op_charge(&c->op, c->p_compute, n * c->h->cfg.step_cycles);
}

void hyp_ctx_begin(hyp *h, hcall_ctx *c, unsigned lpid, unsigned thread, uint64_t now)
{
    memset(c, 0, sizeof *c);
    c->h = h;
    c->lpid = lpid;
    c->thread = thread;
    c->port = h->env.ports[thread];
    c->p_memory = 1;
    c->p_tlb = 2;
    c->p_queueing = 3;
    op_begin(&c->op, now);
}

long hyp_hcall(hyp *h, unsigned lpid, unsigned thread, uint64_t now, uint64_t opcode,
               const uint64_t *args, uint64_t *rets, uint64_t *cycles)
{
    assert(lpid < h->nlpars && thread < h->env.nthreads);
    hcall_ctx c;
    hyp_ctx_begin(h, &c, lpid, thread, now);
    op_charge(&c.op, c.p_compute, h->cfg.hcall_entry_cycles);
    h->st.hcalls++;
    const hyp_hcall_entry *ent = NULL;
    for (unsigned i = 0; i < h->nhcalls; i++)
        if (h->hcalls[i].opcode == opcode) {
            ent = &h->hcalls[i];
            break;
        }
    if (ent)
        c.p_features = ent->p_features;
    entered(h, &c, HYP_ENTRY_HCALL);
    long rc;
    if (!ent) {
        h->st.hcalls_unsupported++;
        rc = H_FUNCTION;
    } else {
        c.fs = ent->fs;
        rc = ent->fn(&c, args, rets);
    }
    op_charge(&c.op, c.p_compute, h->cfg.hcall_exit_cycles);
    if (rc != H_SUCCESS)
        h->st.hcall_errors++;
    if (ent)
        ops_record(h->env.ops, ent->op, &c.op);
    *cycles = c.op.end - c.op.start - c.off_thread; /* a blocked vCPU's wait is not its thread's */
    hyp_check_features(h);
    return rc;
}
