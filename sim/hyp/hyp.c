/*
 * hyp.c - hypervisor object: parameters, LPAR creation (LMBs + HPT), hcall
 * dispatch and the charge helpers shared by hcall handlers (see hyp.h).
 */
#include "hyp_int.h"
#include "hyp/smr/smr.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define HYP_F(f) offsetof(hyp_config, f)
static const param_desc hyp_param_list[] = {
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
    {"smr", PT_STRUCT, NULL, NULL, 0, 0, NULL, "Shared memory regions (seed 000).",
     HYP_F(smr), &smr_params},
};
const param_table hyp_params = {"hypervisor", sizeof(hyp_config), hyp_param_list,
                                PARAM_COUNT(hyp_param_list),
                                "The hypervisor: its memory, LMBs, hcall costs and HPT sizing."};

static const stat_desc hyp_stat_list[] = {
    {"hcalls", SK_COUNTER, "calls", "hcalls made by all LPARs", offsetof(hyp_stats, hcalls), NULL},
    {"hcall_errors", SK_COUNTER, "calls", "hcalls that returned an error code",
     offsetof(hyp_stats, hcall_errors), NULL},
    {"hcalls_unsupported", SK_COUNTER, "calls", "hcalls with an unknown number (H_FUNCTION)",
     offsetof(hyp_stats, hcalls_unsupported), NULL},
    {"hptes_inserted", SK_COUNTER, "entries", "HPTEs written valid by H_ENTER",
     offsetof(hyp_stats, hptes_inserted), NULL},
    {"hptes_removed", SK_COUNTER, "entries", "HPTEs invalidated by H_REMOVE/H_BULK_REMOVE",
     offsetof(hyp_stats, hptes_removed), NULL},
};
static const stat_table hyp_stat_table = {"hypervisor", hyp_stat_list, PARAM_COUNT(hyp_stat_list)};

static uint64_t store_read(void *ctx, uint64_t pa)
{
    const hyp *h = ctx;
    return physmem_read64(h->env.pm, pa);
}

static void store_write(void *ctx, uint64_t pa, uint64_t v)
{
    /* a host allocation failure here cannot be reported through the hcall;
     * physmem asserts its own invariants, we treat OOM as fatal misuse */
    hyp *h = ctx;
    int rc = physmem_write64(h->env.pm, pa, v);
    assert(rc == 0);
    (void)rc;
    if (h->hpte_write_hook)
        h->hpte_write_hook(h->hpte_write_ctx, pa);
}

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

static uint64_t lmbtab_bytes(const hyp_config *c, uint64_t memory)
{
    uint64_t n = (memory + c->lmb_size - 1) / c->lmb_size;
    return (8 * n + 127) & ~127ULL;
}

uint64_t hyp_memory_needed(const hyp_config *c, unsigned nlpars, const uint64_t *lpar_memory,
                           const uint64_t *hpt_bytes)
{
    /* HPTs from the bottom (as hyp_lpar_create allocates them), tables from
     * the top: 128-byte multiples below an LMB-aligned top, so no waste */
    uint64_t *sz = calloc((size_t)nlpars + 1, sizeof *sz);
    if (!sz)
        return UINT64_MAX;
    uint64_t tables = 0;
    for (unsigned i = 0; i < nlpars; i++) {
        tables += lmbtab_bytes(c, lpar_memory[i]);
        sz[i] = hyp_hpt_size(c, lpar_memory[i], hpt_bytes ? hpt_bytes[i] : 0);
    }
    uint64_t need = lmb_plan(sz, sz, nlpars) + tables;
    need += (smr_memory_needed(&c->smr, c->lmb_size, nlpars, lpar_memory, sz) + 127) & ~127ULL;
    free(sz);
    if (need == 0)
        need = 1;
    return (need + c->lmb_size - 1) / c->lmb_size * c->lmb_size;
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
    if (lmb_space_init(&h->lmb, env->mm, env->pm, c->lmb_size, hyp_bytes, e) != 0 ||
        hyp_register_hpt_hcalls(h) != 0 ||
        stats_register(env->stats, "hypervisor", &hyp_stat_table, &h->st) != 0 ||
        !(h->smr = smr_create(h, e))) {
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
    smr_destroy(h->smr);
    for (unsigned i = 0; i < h->nlpars; i++) {
        free(h->lpars[i].name);
        free(h->lpars[i].lmb_base);
    }
    free(h->lpars);
    lmb_space_free(&h->lmb);
    free(h);
}

int hyp_lpar_create(hyp *h, const char *name, uint64_t memory, uint64_t hpt_bytes, sim_err *e)
{
    const hyp_config *c = &h->cfg;
    if (memory == 0 || memory % c->lmb_size != 0)
        return sim_errf(e, "memory %llu bytes is not a whole number of LMBs; expected a "
                           "multiple of hypervisor.lmb_size = %llu",
                        (unsigned long long)memory, (unsigned long long)c->lmb_size);
    if (h->nlpars == h->cap) {
        unsigned cap = h->cap ? 2 * h->cap : 8;
        hyp_lpar *v = realloc(h->lpars, cap * sizeof *v);
        if (!v)
            return sim_errf(e, "out of host memory");
        h->lpars = v;
        h->cap = cap;
    }
    hyp_lpar *lp = &h->lpars[h->nlpars];
    memset(lp, 0, sizeof *lp);
    lp->memory = memory;
    lp->nlmbs = memory / c->lmb_size;
    uint64_t hsize = hyp_hpt_size(c, memory, hpt_bytes);
    if (hsize & (hsize - 1) || hsize < (1ULL << HPT_MIN_SHIFT) || hsize > (1ULL << HPT_MAX_SHIFT))
        return sim_errf(e, "HPT size %llu bytes; expected a power of two from 256K to 64T",
                        (unsigned long long)hsize);
    if (lmb_free_bytes(&h->lmb) < memory)
        return sim_errf(e, "memory %llu bytes needs %llu LMBs but only %llu are free",
                        (unsigned long long)memory, (unsigned long long)lp->nlmbs,
                        (unsigned long long)(lmb_free_bytes(&h->lmb) / c->lmb_size));
    uint64_t hbase = lmb_hyp_alloc(&h->lmb, hsize, hsize);
    lp->lmbtab_paddr = lmb_hyp_alloc_top(&h->lmb, lmbtab_bytes(c, memory), 128);
    if (lp->lmbtab_paddr == UINT64_MAX || hbase == UINT64_MAX)
        return sim_errf(e, "hypervisor memory (%llu bytes) is too small for this LPAR's HPT of "
                           "%llu bytes; raise hypervisor.memory or set it to 0 (automatic)",
                        (unsigned long long)h->lmb.hyp_bytes, (unsigned long long)hsize);
    if (h->nlpars >= c->smr.max_lpars)
        return sim_errf(e, "LPAR %u is one too many for hypervisor.smr.max_lpars = %llu (the bits "
                           "of each SMR's reference array); raise it",
                        h->nlpars, (unsigned long long)c->smr.max_lpars);
    hpt_store st = {store_read, store_write, h};
    if (hpt_init(&lp->hpt, hbase, hsize, &st, e) != 0)
        return -1;
    lp->lmb_base = malloc(lp->nlmbs * sizeof *lp->lmb_base);
    lp->name = strdup(name ? name : "");
    if (!lp->lmb_base || !lp->name) {
        free(lp->lmb_base);
        free(lp->name);
        return sim_errf(e, "out of host memory");
    }
    if (lmb_assign(&h->lmb, h->nlpars, lp->nlmbs, lp->lmbtab_paddr, e) != 0) {
        free(lp->lmb_base);
        free(lp->name);
        return sim_err_prefix(e, "memory %llu bytes", (unsigned long long)memory);
    }
    for (uint64_t k = 0; k < lp->nlmbs; k++)
        lp->lmb_base[k] = physmem_read64(h->env.pm, lp->lmbtab_paddr + 8 * k);
    h->nlpars++;
    if (smr_lpar_added(h->smr, h->nlpars - 1, e) != 0)
        return -1;
    return (int)h->nlpars - 1;
}

unsigned hyp_lpar_count(const hyp *h) { return h->nlpars; }
const char *hyp_lpar_name(const hyp *h, unsigned lpid) { return h->lpars[lpid].name; }
const hpt *hyp_lpar_hpt(const hyp *h, unsigned lpid) { return &h->lpars[lpid].hpt; }
uint64_t hyp_lpar_memory(const hyp *h, unsigned lpid) { return h->lpars[lpid].memory; }
uint64_t hyp_lmb_size(const hyp *h) { return h->cfg.lmb_size; }
uint64_t hyp_memory_bytes(const hyp *h) { return h->lmb.hyp_bytes; }

uint64_t hyp_logical_to_real(const hyp *h, unsigned lpid, uint64_t la)
{
    const hyp_lpar *lp = &h->lpars[lpid];
    if (la >= lp->memory)
        return UINT64_MAX;
    return lp->lmb_base[la / h->cfg.lmb_size] + la % h->cfg.lmb_size;
}

bool hyp_real_owned_by(const hyp *h, unsigned lpid, uint64_t ra)
{
    uint64_t slot = ra / h->cfg.lmb_size;
    return slot < h->lmb.nslots && h->lmb.owner[slot] == lpid;
}

uint64_t hyp_xlate_logical(hcall_ctx *c, hyp_lpar *lp, uint64_t la)
{
    if (la >= lp->memory)
        return UINT64_MAX;
    uint64_t k = la / c->h->cfg.lmb_size;
    hcall_mem(c, lp->lmbtab_paddr + 8 * k, 8, MEM_READ);
    uint64_t base = physmem_read64(c->h->env.pm, lp->lmbtab_paddr + 8 * k);
    return base + la % c->h->cfg.lmb_size;
}

uint64_t hyp_xlate_enter(hcall_ctx *c, hyp_lpar *lp, uint64_t la)
{
    if (la >= lp->memory)
        return UINT64_MAX;
    for (unsigned i = 0; i < c->h->next; i++)
        if (c->h->ext[i].xlate) {
            uint64_t ra = c->h->ext[i].xlate(c->h->ext[i].ctx, c, la);
            if (ra != UINT64_MAX)
                return ra;
        }
    return hyp_xlate_logical(c, lp, la);
}

int hyp_check_error(const hyp *h, sim_err *e)
{
    return h->smr ? smr_check_error(h->smr, e) : 0;
}

uint64_t hyp_partition_tlbie(hyp *h, unsigned lpid, uint64_t now)
{
    return tlbie_global_flush(h->env.fabric, h->env.tlbs, h->env.nthreads, lpid, now, NULL);
}

int hyp_register_hcall(hyp *h, uint64_t opcode, const char *name, hcall_fn fn)
{
    char op[96];
    snprintf(op, sizeof op, "hcall.%s", name);
    return hyp_register_hcall_op(h, opcode, op, NULL, fn);
}

int hyp_register_hcall_op(hyp *h, uint64_t opcode, const char *op, const char *parts,
                          hcall_fn fn)
{
    for (unsigned i = 0; i < h->nhcalls; i++)
        if (h->hcalls[i].opcode == opcode)
            return -1;
    if (h->nhcalls == HYP_MAX_HCALLS)
        return -1;
    op_id id = ops_declare(h->env.ops, op, "hypervisor call",
                           parts ? parts : "compute,memory,tlb,queueing");
    if (id == OP_INVALID)
        return -1;
    h->hcalls[h->nhcalls++] = (hyp_hcall_entry){opcode, fn, id};
    return 0;
}

int hyp_add_ext(hyp *h, const hyp_ext *x)
{
    if (h->next == HYP_MAX_EXTS)
        return -1;
    h->ext[h->next++] = *x;
    return 0;
}

void hcall_mem(hcall_ctx *c, uint64_t paddr, uint32_t size, mem_kind kind)
{
    op_charge(&c->op, c->p_memory, mem_access(c->port, paddr, size, kind, c->op.end));
}

void hcall_steps(hcall_ctx *c, uint64_t n)
{
    op_charge(&c->op, c->p_compute, n * c->h->cfg.step_cycles);
}

void hcall_tlbie(hcall_ctx *c, const uint64_t *vpns, const uint8_t *psizes, unsigned n)
{
    if (n == 0)
        return;
    tlbie_cost cost;
    tlbie_global(c->h->env.fabric, c->h->env.tlbs, c->h->env.nthreads, c->lpid, vpns, psizes, n,
                 c->op.end, &cost);
    op_charge(&c->op, c->p_queueing, cost.queueing);
    op_charge(&c->op, c->p_tlb, cost.work);
}

long hyp_hcall(hyp *h, unsigned lpid, unsigned thread, uint64_t now, uint64_t opcode,
               const uint64_t *args, uint64_t *rets, uint64_t *cycles)
{
    assert(lpid < h->nlpars && thread < h->env.nthreads);
    hcall_ctx c = {h, lpid, thread, h->env.ports[thread], {0}, 0, 1, 2, 3};
    op_begin(&c.op, now);
    op_charge(&c.op, c.p_compute, h->cfg.hcall_entry_cycles);
    h->st.hcalls++;
    const hyp_hcall_entry *ent = NULL;
    for (unsigned i = 0; i < h->nhcalls; i++)
        if (h->hcalls[i].opcode == opcode) {
            ent = &h->hcalls[i];
            break;
        }
    long rc;
    if (!ent) {
        h->st.hcalls_unsupported++;
        rc = H_FUNCTION;
    } else {
        rc = ent->fn(&c, args, rets);
    }
    op_charge(&c.op, c.p_compute, h->cfg.hcall_exit_cycles);
    if (rc != H_SUCCESS)
        h->st.hcall_errors++;
    if (ent)
        ops_record(h->env.ops, ent->op, &c.op);
    *cycles = c.op.end - c.op.start;
    return rc;
}
