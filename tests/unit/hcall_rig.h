/*
 * hcall_rig.h - the hand-built hypervisor rig of the hcall unit tests
 * (check_hcall, check_hcall_absent): one memory module, NTHREADS hardware
 * threads with default TLBs, a tlbie fabric, and a fake memory port per
 * thread that counts accesses and returns READ_LAT for reads and WRITE_LAT
 * for writes, so every cost is computed by hand from the hypervisor
 * defaults: entry 150, exit 100, step 4; tlbie 2660 + 1672 per extra page.
 * Each test file builds its hypervisor and LPARs on env_base.
 */
#ifndef LPARSIM_TESTS_HCALL_RIG_H
#define LPARSIM_TESTS_HCALL_RIG_H

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "hyp/hyp.h"

#define KB (1ull << 10)
#define MB (1ull << 20)
#define GB (1ull << 30)

#define NTHREADS 4
#define READ_LAT 10
#define WRITE_LAT 6
#define ENTRY 150
#define EXIT 100
#define STEP 4
#define TLBIE1 2660
#define TLBIE_PAGE 1672

/* ---- environment -------------------------------------------------------- */

typedef struct fport {
    uint64_t reads, writes, bytes;
    uint64_t last_addr;
} fport;

static inline uint64_t fport_access(void *ctx, uint64_t pa, uint32_t size, mem_kind k,
                                    uint64_t now)
{
    (void)now;
    fport *p = ctx;
    p->bytes += size;
    p->last_addr = pa;
    if (k == MEM_WRITE || k == MEM_ZERO) { /* dcbz-style zeroing is a write */
        p->writes++;
        return WRITE_LAT;
    }
    p->reads++;
    return READ_LAT;
}

typedef struct env {
    memory_module_config mod[1];
    memmap *mm;
    physmem *pm;
    tlb_config tc;
    tlb *tlbs[NTHREADS];
    fport fp[NTHREADS];
    mem_port ports[NTHREADS];
    const mem_port *pp[NTHREADS];
    tlbie_fabric *fab;
    ops_reg *ops;
    stats_reg *st;
    hyp_config hc;
    hyp *h;
} env;

static inline hyp_config hyp_defaults(void)
{
    hyp_config c;
    sim_err e;
    ck_assert_int_eq(param_defaults(&hyp_params, &c, &e), 0);
    return c;
}

/* Machine of `total` bytes in one module; hypervisor not yet created. */
static inline void env_base(env *v, uint64_t total, uint64_t pmb)
{
    memset(v, 0, sizeof *v);
    sim_err e = {{0}};
    memory_config mc;
    ck_assert_int_eq(param_defaults(&memory_params, &mc, &e), 0);
    v->mod[0].size = total;
    mc.modules.items = v->mod;
    mc.modules.n = 1;
    mc.pmb_size = pmb;
    v->mm = memmap_create(&mc, &e);
    ck_assert_msg(v->mm != NULL, "%s", e.msg);
    v->pm = physmem_create(total);
    ck_assert_ptr_nonnull(v->pm);
    ck_assert_int_eq(param_defaults(&tlb_param_table, &v->tc, &e), 0);
    for (unsigned i = 0; i < NTHREADS; i++) {
        v->tlbs[i] = tlb_create(&v->tc, &e);
        ck_assert_ptr_nonnull(v->tlbs[i]);
        v->ports[i] = (mem_port){fport_access, &v->fp[i], 0, NULL, NULL};
        v->pp[i] = &v->ports[i];
    }
    v->fab = tlbie_fabric_create(&v->tc, 4, &e);
    ck_assert_ptr_nonnull(v->fab);
    v->ops = ops_create();
    v->st = stats_create();
    v->hc = hyp_defaults();
}

static inline hyp_env henv(env *v)
{
    hyp_env he = {v->mm, v->pm, v->tlbs, v->pp, NTHREADS, v->fab, v->ops, v->st, NULL, 1, 3800, NULL};
    return he;
}

static inline void env_free(env *v)
{
    hyp_destroy(v->h);
    stats_destroy(v->st);
    ops_destroy(v->ops);
    tlbie_fabric_destroy(v->fab);
    for (unsigned i = 0; i < NTHREADS; i++)
        tlb_destroy(v->tlbs[i]);
    physmem_destroy(v->pm);
    memmap_destroy(v->mm);
    param_free(&hyp_params, &v->hc);
}

#endif
