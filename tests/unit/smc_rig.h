/*
 * smc_rig.h - a small machine for the SMC tests (check_smc_hcalls.c,
 * check_smc_xport.c): 1 module, 2 cores, 2 SMT threads each, MESI
 * coherence, hypervisor.smc enabled with small pools (extra settings
 * applied last), and nlpars bare LPARs of 256M (no vCPU, no trace) made by
 * the test with hyp_lpar_create, as the workload drivers make theirs.
 */
#ifndef LPARSIM_TESTS_SMC_RIG_H
#define LPARSIM_TESTS_SMC_RIG_H

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "hyp/hcall.h"
#include "hyp/smc/smc_int.h"
#include "machine/machine.h"

#define MB (1ull << 20)

typedef struct rig {
    machine *m;
    hyp *h;
    smc *s;
    uint64_t now;
    uint64_t r[8];
} rig;

static inline void rig_set(machine_config *c, const char *kv)
{
    sim_err e = {{0}};
    ck_assert_msg(cfg_set(&machine_config_table, c, kv, &e) == 0, "%s: %s", kv, e.msg);
}

/* in_config: the LPARs are configured (lpars[]) instead, so the machine
 * sizes everything for them (the tlbie fabric's per-LPAR locks: a platform
 * operation such as a termination needs that). */
static inline void rig_build2(rig *r, unsigned nlpars, const char *const *extra, bool in_config)
{
    machine_config c;
    sim_err e = {{0}};
    memset(r, 0, sizeof *r);
    ck_assert_int_eq(machine_config_init(&c, &e), 0);
    rig_set(&c, "machine.modules=1");
    rig_set(&c, "machine.cores_per_module=2");
    rig_set(&c, "machine.threads_per_core=2");
    rig_set(&c, "cache.coherence=mesi");
    rig_set(&c, "hypervisor.smc.enabled=true");
    rig_set(&c, "hypervisor.smc.pool_bytes=1M");
    rig_set(&c, "hypervisor.spare_lmbs=4");
    for (unsigned i = 0; extra && extra[i]; i++)
        rig_set(&c, extra[i]);
    for (unsigned i = 0; in_config && i < nlpars; i++) {
        char kv[64];
        snprintf(kv, sizeof kv, "lpars[%u].name=p%u", i, i);
        rig_set(&c, kv);
        snprintf(kv, sizeof kv, "lpars[%u].memory=256M", i);
        rig_set(&c, kv);
        snprintf(kv, sizeof kv, "lpars[%u].hpt_size=256K", i);
        rig_set(&c, kv);
    }
    r->m = machine_create(&c, NULL, &e);
    ck_assert_msg(r->m != NULL, "machine_create: %s", e.msg);
    machine_config_free(&c);
    r->h = machine_hyp(r->m);
    r->s = hyp_feature_state(r->h, HYP_FEATURE_smc);
    ck_assert_ptr_nonnull(r->s);
    for (unsigned i = 0; !in_config && i < nlpars; i++) {
        char name[16];
        snprintf(name, sizeof name, "p%u", i);
        ck_assert_int_eq(hyp_lpar_create(r->h, name, 256 * MB, 256 * 1024, &e), (int)i);
    }
    r->now = 1000;
}

static inline void rig_build(rig *r, unsigned nlpars, const char *const *extra)
{
    rig_build2(r, nlpars, extra, false);
}

static inline void rig_free(rig *r) { machine_destroy(r->m); }

/* An hcall of lpid on thread lpid % 4 with up to 6 arguments; rets in r->r. */
static inline long rig_hcall(rig *r, unsigned lpid, uint64_t op, uint64_t a0, uint64_t a1,
                             uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    uint64_t a[8] = {a0, a1, a2, a3, a4, a5}, cyc = 0;
    memset(r->r, 0, sizeof r->r);
    long rc = hyp_hcall(r->h, lpid, lpid % 4, r->now, op, a, r->r, &cyc);
    r->now += cyc + 10;
    return rc;
}

static inline uint64_t rig_counter(rig *r, const char *name)
{
    uint64_t x = 0;
    ck_assert_msg(stats_get_counter(machine_stats(r->m), name, &x) == 0, "no counter %s", name);
    return x;
}

/* Fill len bytes of lpid's memory at la with a pattern from seed. */
static inline void rig_fill(rig *r, unsigned lpid, uint64_t la, uint64_t len, unsigned seed)
{
    physmem *pm = r->h->env.pm;
    for (uint64_t i = 0; i < len; i++) {
        unsigned char b = (unsigned char)(seed * 131 + i * 7 + (i >> 8));
        ck_assert_int_eq(physmem_write_bytes(pm, hyp_logical_to_real(r->h, lpid, la + i), &b, 1),
                         0);
    }
}

static inline bool rig_same(rig *r, uint64_t ra, uint64_t rb, uint64_t len)
{
    physmem *pm = r->h->env.pm;
    unsigned char x[256], y[256];
    for (uint64_t o = 0; o < len; o += sizeof x) {
        uint64_t n = len - o < sizeof x ? len - o : sizeof x;
        physmem_read_bytes(pm, ra + o, x, n);
        physmem_read_bytes(pm, rb + o, y, n);
        if (memcmp(x, y, n))
            return false;
    }
    return true;
}

static inline bool rig_zero(rig *r, uint64_t ra, uint64_t len)
{
    physmem *pm = r->h->env.pm;
    unsigned char x[256];
    for (uint64_t o = 0; o < len; o += sizeof x) {
        uint64_t n = len - o < sizeof x ? len - o : sizeof x;
        physmem_read_bytes(pm, ra + o, x, n);
        for (uint64_t k = 0; k < n; k++)
            if (x[k])
                return false;
    }
    return true;
}

#endif
