/*
 * check_ipca.c - unit tests of sim/hyp/ipca (IPCAs and the virtual shared
 * resource, seed 003) on small whole machines built from a config (1
 * module, 2 cores x 2 threads; LPARs p0.. of 256M, no vCPUs):
 *  - each hcall's success path (register, lookup, write with the bytes
 *    landing in the owner's memory, read, broadcast to ALL, lock/unlock,
 *    grant, deregister) and each refusal (range outside the IPCA,
 *    unregistered target, unaligned/oversized/undersized register, outside
 *    the caller's LMBs, double register, table full, busy, acl), each
 *    counted by reason and moving no byte;
 *  - op parts of hcall.H_IPCA_WRITE sum to its total, the copy part is the
 *    copy's, a spin is charged to queueing;
 *  - the auditor: third-party reads are observations in patent mode,
 *    skip-range-check, skip-lock and skip-acl builds are caught, accesses
 *    after a termination fail;
 *  - transport "ipca": a send split by a full IPCA, the writer's room wait,
 *    the reader's poll and the poll-tick notifications, bytes in order;
 *    with acl, open grants each side to the other.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hyp/hcall.h"
#include "hyp/feature.h"
#include "hyp/hyp_int.h"
#include "hyp/ipca/ipca.h"
#include "hyp/platform.h"
#include "machine/machine.h"
#include "testutil.h"

#define MB (1ull << 20)
#define IPCA_LA (128 * MB) /* every test IPCA: logical 128M, 1M */
#define BUF_LA (16 * MB)   /* every LPAR's buffer */

typedef struct rig {
    machine *m;
    hyp *h;
    uint64_t now;
} rig;

static void set(machine_config *c, const char *kv)
{
    sim_err e = {{0}};
    ck_assert_msg(cfg_set(&machine_config_table, c, kv, &e) == 0, "%s: %s", kv, e.msg);
}

static void rig_build(rig *r, unsigned nlpars, const char *const *extra)
{
    machine_config c;
    sim_err e = {{0}};
    char kv[128];
    ck_assert_int_eq(machine_config_init(&c, &e), 0);
    set(&c, "machine.modules=1");
    set(&c, "machine.cores_per_module=2");
    set(&c, "machine.threads_per_core=2");
    set(&c, "hypervisor.ipca.enabled=true");
    set(&c, "hypervisor.spare_lmbs=2");
    for (unsigned i = 0; i < nlpars; i++) {
        snprintf(kv, sizeof kv, "lpars[%u].name=p%u", i, i);
        set(&c, kv);
        snprintf(kv, sizeof kv, "lpars[%u].memory=256M", i);
        set(&c, kv);
        snprintf(kv, sizeof kv, "lpars[%u].hpt_size=256K", i);
        set(&c, kv);
    }
    for (unsigned i = 0; extra && extra[i]; i++)
        set(&c, extra[i]);
    r->m = machine_create(&c, NULL, &e);
    ck_assert_msg(r->m != NULL, "machine_create: %s", e.msg);
    machine_config_free(&c);
    r->h = machine_hyp(r->m);
    r->now = 1000;
    ck_assert_ptr_nonnull(hyp_ipca(r->h));
}

static long hc(rig *r, unsigned lpid, uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2,
               uint64_t a3, uint64_t *rets)
{
    uint64_t a[8] = {a0, a1, a2, a3}, rt[8] = {0}, cyc = 0;
    long rc = hyp_hcall(r->h, lpid, lpid % 4, r->now, op, a, rt, &cyc);
    r->now += cyc + 10;
    if (rets)
        memcpy(rets, rt, sizeof rt);
    return rc;
}

static uint64_t counter(rig *r, const char *name)
{
    uint64_t x = 0;
    ck_assert_msg(stats_get_counter(machine_stats(r->m), name, &x) == 0, "no counter %s", name);
    return x;
}

static void fill(rig *r, unsigned lpid, uint64_t la, uint8_t v, uint64_t len)
{
    uint8_t b[8192];
    ck_assert_uint_le(len, sizeof b);
    memset(b, v, len);
    physmem_write_bytes(r->h->env.pm, hyp_logical_to_real(r->h, lpid, la), b, len);
}

/* Do len bytes at lpid's la all equal v? */
static bool holds(rig *r, unsigned lpid, uint64_t la, uint8_t v, uint64_t len)
{
    uint8_t b[8192];
    physmem_read_bytes(r->h->env.pm, hyp_logical_to_real(r->h, lpid, la), b, len);
    for (uint64_t i = 0; i < len; i++)
        if (b[i] != v)
            return false;
    return true;
}

static void reg(rig *r, unsigned lpid)
{
    ck_assert_int_eq(hc(r, lpid, H_IPCA_REGISTER, IPCA_LA, MB, 0, 0, NULL), H_SUCCESS);
}

/* ---- success paths ---- */

START_TEST(register_and_lookup)
{
    rig r;
    rig_build(&r, 2, NULL);
    reg(&r, 0);
    ck_assert_uint_eq(counter(&r, "ipca.registered"), 1);
    ck_assert_uint_eq(counter(&r, "ipca.pages_pinned"), MB / 4096);
    uint64_t rets[8];
    ck_assert_int_eq(hc(&r, 1, H_IPCA_LOOKUP, 0, 0, 0, 0, rets), H_SUCCESS);
    ck_assert_uint_eq(rets[0], IPCA_LA);
    ck_assert_uint_eq(rets[1], MB);
    const op_type *o = ops_find(machine_ops(r.m), "hcall.H_IPCA_LOOKUP");
    ck_assert_ptr_nonnull(o);
    ck_assert_uint_eq(o->count, 1);
    ck_assert_uint_gt(o->part_total[4], 0); /* validate: the TABLE 1 read */
    machine_destroy(r.m);
}
END_TEST

START_TEST(write_moves_bytes)
{
    rig r;
    rig_build(&r, 2, NULL);
    reg(&r, 0);
    fill(&r, 1, BUF_LA, 0x5a, 4096);
    ck_assert_int_eq(hc(&r, 1, H_IPCA_WRITE, 0, 8192, BUF_LA, 4096, NULL), H_SUCCESS);
    ck_assert(holds(&r, 0, IPCA_LA + 8192, 0x5a, 4096));
    ck_assert(holds(&r, 0, IPCA_LA + 8192 + 4096, 0, 128)); /* nothing past the range */
    const op_type *o = ops_find(machine_ops(r.m), "hcall.H_IPCA_WRITE");
    ck_assert_uint_eq(o->count, 1);
    uint64_t sum = 0;
    for (unsigned p = 0; p < o->nparts; p++)
        sum += o->part_total[p];
    ck_assert_uint_eq(sum, o->total);
    ck_assert_str_eq(o->part_name[5], "copy");
    /* 4096 bytes: at least 32 lines at line_cycles each */
    ck_assert_uint_ge(o->part_total[5], 32 * r.h->cfg.copy.line_cycles);
    ck_assert_uint_eq(counter(&r, "ipca.bytes_written"), 4096);
    machine_destroy(r.m);
}
END_TEST

START_TEST(read_moves_bytes)
{
    rig r;
    rig_build(&r, 2, NULL);
    reg(&r, 0);
    fill(&r, 0, IPCA_LA + 256, 0xc3, 1000);
    ck_assert_int_eq(hc(&r, 1, H_IPCA_READ, 0, 256, BUF_LA, 1000, NULL), H_SUCCESS);
    ck_assert(holds(&r, 1, BUF_LA, 0xc3, 1000));
    ck_assert_uint_eq(counter(&r, "ipca.bytes_read"), 1000);
    machine_destroy(r.m);
}
END_TEST

START_TEST(broadcast_to_all)
{
    rig r;
    rig_build(&r, 4, NULL);
    reg(&r, 0);
    reg(&r, 1);
    reg(&r, 2);
    fill(&r, 3, BUF_LA, 0x77, 512);
    uint64_t rets[8];
    ck_assert_int_eq(hc(&r, 3, H_IPCA_WRITE, IPCA_ALL, 0, BUF_LA, 512, rets), H_SUCCESS);
    ck_assert_uint_eq(rets[0], 3);
    for (unsigned l = 0; l < 3; l++)
        ck_assert(holds(&r, l, IPCA_LA, 0x77, 512));
    /* a registered sender is not its own target */
    fill(&r, 0, BUF_LA, 0x11, 512);
    ck_assert_int_eq(hc(&r, 0, H_IPCA_WRITE, IPCA_ALL, 0, BUF_LA, 512, rets), H_SUCCESS);
    ck_assert_uint_eq(rets[0], 2);
    ck_assert(holds(&r, 0, IPCA_LA, 0x77, 512));
    ck_assert_uint_eq(counter(&r, "ipca.broadcast_targets"), 5);
    machine_destroy(r.m);
}
END_TEST

START_TEST(lock_unlock_deregister)
{
    rig r;
    rig_build(&r, 2, NULL);
    reg(&r, 0);
    ck_assert_int_eq(hc(&r, 0, H_IPCA_LOCK, 0, 0, 0, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(ipca_holder(hyp_ipca(r.h), 0), 0);
    fill(&r, 1, BUF_LA, 0x42, 128);
    ck_assert_int_eq(hc(&r, 1, H_IPCA_WRITE, 0, 0, BUF_LA, 128, NULL), H_BUSY);
    ck_assert(holds(&r, 0, IPCA_LA, 0, 128)); /* refused: no byte moved */
    ck_assert_int_eq(hc(&r, 1, H_IPCA_UNLOCK, 0, 0, 0, 0, NULL), H_PARAMETER); /* not holder */
    ck_assert_int_eq(hc(&r, 1, H_IPCA_DEREGISTER, 0, 0, 0, 0, NULL), H_NOT_FOUND);
    ck_assert_int_eq(hc(&r, 0, H_IPCA_UNLOCK, 0, 0, 0, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hc(&r, 1, H_IPCA_WRITE, 0, 0, BUF_LA, 128, NULL), H_SUCCESS);
    ck_assert(holds(&r, 0, IPCA_LA, 0x42, 128));
    ck_assert_int_eq(hc(&r, 0, H_IPCA_DEREGISTER, 0, 0, 0, 0, NULL), H_SUCCESS);
    ck_assert_uint_eq(counter(&r, "ipca.pages_pinned"), 0);
    ck_assert_int_eq(hc(&r, 1, H_IPCA_WRITE, 0, 0, BUF_LA, 128, NULL), H_NOT_FOUND);
    ck_assert_uint_eq(counter(&r, "ipca.refused_busy"), 1);
    ck_assert_uint_eq(counter(&r, "ipca.refused_not_found"), 2);
    machine_destroy(r.m);
}
END_TEST

/* ---- refusals ---- */

START_TEST(register_refusals)
{
    static const char *const ex[] = {"hypervisor.ipca.max_areas=2", NULL};
    rig r;
    rig_build(&r, 3, ex);
    ck_assert_int_eq(hc(&r, 0, H_IPCA_REGISTER, IPCA_LA + 100, MB, 0, 0, NULL), H_PARAMETER);
    ck_assert_int_eq(hc(&r, 0, H_IPCA_REGISTER, IPCA_LA, MB + 100, 0, 0, NULL), H_PARAMETER);
    ck_assert_int_eq(hc(&r, 0, H_IPCA_REGISTER, 0, 512 * MB, 0, 0, NULL), H_PARAMETER); /* > max */
    ck_assert_int_eq(hc(&r, 0, H_IPCA_REGISTER, 0, 0, 0, 0, NULL), H_PARAMETER);        /* < min */
    /* outside the caller's LMBs: the last MB plus one page */
    ck_assert_int_eq(hc(&r, 0, H_IPCA_REGISTER, 255 * MB + 4096, MB, 0, 0, NULL), H_PARAMETER);
    ck_assert_uint_eq(counter(&r, "ipca.refused_param"), 5);
    ck_assert_uint_eq(counter(&r, "ipca.registered"), 0);
    reg(&r, 0);
    ck_assert_int_eq(hc(&r, 0, H_IPCA_REGISTER, 0, MB, 0, 0, NULL), H_R_STATE);
    ck_assert_int_eq(hc(&r, 2, H_IPCA_REGISTER, IPCA_LA, MB, 0, 0, NULL), H_RESOURCE);
    ck_assert_uint_eq(counter(&r, "ipca.refused_state"), 1);
    ck_assert_uint_eq(counter(&r, "ipca.refused_resource"), 1);
    ck_assert_uint_eq(counter(&r, "ipca.pages_pinned"), MB / 4096);
    machine_destroy(r.m);
}
END_TEST

START_TEST(access_refusals)
{
    rig r;
    rig_build(&r, 3, NULL);
    reg(&r, 0);
    fill(&r, 1, BUF_LA, 0x99, 4096);
    /* range outside the IPCA: "error, finish" */
    ck_assert_int_eq(hc(&r, 1, H_IPCA_WRITE, 0, MB - 100, BUF_LA, 200, NULL), H_PARAMETER);
    ck_assert_int_eq(hc(&r, 1, H_IPCA_WRITE, 0, MB, BUF_LA, 1, NULL), H_PARAMETER);
    ck_assert_int_eq(hc(&r, 1, H_IPCA_READ, 0, 0, BUF_LA, MB + 1, NULL), H_PARAMETER);
    ck_assert_int_eq(hc(&r, 1, H_IPCA_WRITE, 0, 0, BUF_LA, 0, NULL), H_PARAMETER);
    ck_assert_uint_eq(counter(&r, "ipca.refused_range"), 4);
    ck_assert(holds(&r, 0, IPCA_LA + MB - 4096, 0, 4096));
    ck_assert(holds(&r, 0, MB * 129, 0, 128)); /* past the IPCA: untouched */
    /* the caller's buffer outside its memory */
    ck_assert_int_eq(hc(&r, 1, H_IPCA_WRITE, 0, 0, 256 * MB - 64, 128, NULL), H_PARAMETER);
    ck_assert_uint_eq(counter(&r, "ipca.refused_param"), 1);
    /* unregistered target, and a target beyond TABLE 1 */
    ck_assert_int_eq(hc(&r, 0, H_IPCA_WRITE, 2, 0, BUF_LA, 128, NULL), H_NOT_FOUND);
    ck_assert_int_eq(hc(&r, 0, H_IPCA_READ, 1000, 0, BUF_LA, 128, NULL), H_NOT_FOUND);
    ck_assert_int_eq(hc(&r, 0, H_IPCA_LOOKUP, 2, 0, 0, 0, NULL), H_NOT_FOUND);
    ck_assert_uint_eq(counter(&r, "ipca.refused_not_found"), 3);
    ck_assert_uint_eq(counter(&r, "ipca.bytes_written"), 0);
    ck_assert_uint_eq(counter(&r, "ipca.bytes_read"), 0);
    machine_destroy(r.m);
}
END_TEST

/* Two writers at the same cycle: the second finds the lock held. */
START_TEST(busy_return_and_spin)
{
    for (int spin = 0; spin < 2; spin++) {
        static const char *const ex_ret[] = {"hypervisor.ipca.audit=true", NULL};
        static const char *const ex_spin[] = {"hypervisor.ipca.lock_policy=spin",
                                             "hypervisor.ipca.audit=true", NULL};
        rig r;
        rig_build(&r, 3, spin ? ex_spin : ex_ret);
        reg(&r, 0);
        fill(&r, 1, BUF_LA, 0xa1, 8192);
        fill(&r, 2, BUF_LA, 0xb2, 8192);
        uint64_t t0 = r.now;
        ck_assert_int_eq(hc(&r, 1, H_IPCA_WRITE, 0, 0, BUF_LA, 8192, NULL), H_SUCCESS);
        uint64_t end1 = r.now - 10;
        r.now = t0; /* p2's call starts at the same cycle */
        long rc = hc(&r, 2, H_IPCA_WRITE, 0, 16384, BUF_LA, 8192, NULL);
        const op_type *o = ops_find(machine_ops(r.m), "hcall.H_IPCA_WRITE");
        if (!spin) {
            ck_assert_int_eq(rc, H_BUSY);
            ck_assert(holds(&r, 0, IPCA_LA + 16384, 0, 8192));
            ck_assert_uint_eq(counter(&r, "ipca.refused_busy"), 1);
            ck_assert_uint_eq(o->part_total[3], 0);
        } else {
            ck_assert_int_eq(rc, H_SUCCESS);
            ck_assert(holds(&r, 0, IPCA_LA + 16384, 0xb2, 8192));
            ck_assert_uint_eq(counter(&r, "ipca.busy_spins"), 1);
            /* spun from after its checks up to p1's release */
            ck_assert_uint_gt(o->part_total[3], 0);
            ck_assert_uint_eq(counter(&r, "ipca.spin_cycles"), o->part_total[3]);
            ck_assert_uint_lt(o->part_total[3], end1 - t0);
            ck_assert_uint_eq(counter(&r, "ipca.audit.violations"), 0);
            ck_assert_uint_eq(counter(&r, "ipca.audit.lock_intervals"), 2);
        }
        machine_destroy(r.m);
    }
}
END_TEST

START_TEST(acl_grant)
{
    static const char *const ex[] = {"hypervisor.ipca.acl=true", "hypervisor.ipca.audit=true",
                                     NULL};
    rig r;
    rig_build(&r, 3, ex);
    reg(&r, 0);
    fill(&r, 1, BUF_LA, 0x3c, 256);
    ck_assert_int_eq(hc(&r, 1, H_IPCA_WRITE, 0, 0, BUF_LA, 256, NULL), H_AUTHORITY);
    ck_assert(holds(&r, 0, IPCA_LA, 0, 256));
    ck_assert_int_eq(hc(&r, 1, H_IPCA_GRANT, 0, 1, 0, 0, NULL), H_NOT_FOUND); /* no IPCA */
    ck_assert_int_eq(hc(&r, 0, H_IPCA_GRANT, 1, 1, 0, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hc(&r, 1, H_IPCA_WRITE, 0, 0, BUF_LA, 256, NULL), H_SUCCESS);
    ck_assert(holds(&r, 0, IPCA_LA, 0x3c, 256));
    ck_assert_int_eq(hc(&r, 2, H_IPCA_READ, 0, 0, BUF_LA, 256, NULL), H_AUTHORITY);
    ck_assert_int_eq(hc(&r, 0, H_IPCA_GRANT, 1, 0, 0, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hc(&r, 1, H_IPCA_READ, 0, 0, BUF_LA, 256, NULL), H_AUTHORITY);
    ck_assert_int_eq(hc(&r, 0, H_IPCA_READ, 0, 0, BUF_LA, 256, NULL), H_SUCCESS); /* owner */
    ck_assert_uint_eq(counter(&r, "ipca.refused_authority"), 3);
    ck_assert_uint_eq(counter(&r, "ipca.audit.violations"), 0);
    ck_assert_uint_eq(counter(&r, "ipca.audit.ungranted_reads"), 0);
    machine_destroy(r.m);
}
END_TEST

/* ---- auditor ---- */

START_TEST(audit_observes_third_party_reads)
{
    static const char *const ex[] = {"hypervisor.ipca.audit=true", NULL};
    rig r;
    rig_build(&r, 3, ex);
    reg(&r, 0);
    ck_assert_int_eq(hc(&r, 2, H_IPCA_READ, 0, 0, BUF_LA, 256, NULL), H_SUCCESS);
    ck_assert_int_eq(hc(&r, 1, H_IPCA_WRITE, 0, 0, BUF_LA, 256, NULL), H_SUCCESS);
    ck_assert_uint_eq(counter(&r, "ipca.audit.ungranted_reads"), 1);
    ck_assert_uint_eq(counter(&r, "ipca.audit.ungranted_writes"), 1);
    ck_assert_uint_eq(counter(&r, "ipca.audit.violations"), 0);
    sim_err e = {{0}};
    ck_assert_int_eq(hyp_check_error(r.h, &e), 0);
    machine_destroy(r.m);
}
END_TEST

START_TEST(audit_catches_skip_range_check)
{
    static const char *const ex[] = {"hypervisor.ipca.audit=true",
                                     "hypervisor.ipca.inject=skip-range-check", NULL};
    rig r;
    rig_build(&r, 2, ex);
    reg(&r, 0);
    ck_assert_int_eq(hc(&r, 1, H_IPCA_WRITE, 0, 0, BUF_LA, 256, NULL), H_SUCCESS);
    sim_err e = {{0}};
    ck_assert_int_eq(hyp_check_error(r.h, &e), 0);
    ck_assert_int_eq(hc(&r, 1, H_IPCA_WRITE, 0, MB, BUF_LA, 256, NULL), H_SUCCESS);
    ck_assert_int_eq(hyp_check_error(r.h, &e), -1);
    ck_assert_msg(strstr(e.msg, "outside the recorded registration"), "%s", e.msg);
    machine_destroy(r.m);
}
END_TEST

START_TEST(audit_catches_skip_lock)
{
    static const char *const ex[] = {"hypervisor.ipca.audit=true",
                                     "hypervisor.ipca.inject=skip-lock", NULL};
    rig r;
    rig_build(&r, 3, ex);
    reg(&r, 0);
    uint64_t t0 = r.now;
    ck_assert_int_eq(hc(&r, 1, H_IPCA_WRITE, 0, 0, BUF_LA, 4096, NULL), H_SUCCESS);
    r.now = t0;
    ck_assert_int_eq(hc(&r, 2, H_IPCA_WRITE, 0, 4096, BUF_LA, 4096, NULL), H_SUCCESS);
    sim_err e = {{0}};
    ck_assert_int_eq(hyp_check_error(r.h, &e), -1);
    ck_assert_msg(strstr(e.msg, "overlap"), "%s", e.msg);
    machine_destroy(r.m);
}
END_TEST

START_TEST(audit_catches_skip_acl)
{
    static const char *const ex[] = {"hypervisor.ipca.audit=true", "hypervisor.ipca.acl=true",
                                     "hypervisor.ipca.inject=skip-acl", NULL};
    rig r;
    rig_build(&r, 2, ex);
    reg(&r, 0);
    ck_assert_int_eq(hc(&r, 1, H_IPCA_READ, 0, 0, BUF_LA, 128, NULL), H_SUCCESS);
    sim_err e = {{0}};
    ck_assert_int_eq(hyp_check_error(r.h, &e), -1);
    ck_assert_msg(strstr(e.msg, "without a grant"), "%s", e.msg);
    machine_destroy(r.m);
}
END_TEST

/* A terminated LPAR's IPCA is gone: later accesses are refused, and the
 * auditor's record is gone too. */
START_TEST(termination_drops_ipca)
{
    static const char *const ex[] = {"hypervisor.ipca.audit=true", NULL};
    rig r;
    rig_build(&r, 2, ex);
    reg(&r, 0);
    hyp *h = r.h;
    hcall_ctx c = {h, NULL, 0, 1, 0, h->env.ports[0], {0}, 0, 1, 2, 3, 0};
    op_begin(&c.op, r.now);
    op_id op = ops_declare(h->env.ops, "test.terminate", "", "find,hpte_remove,tlb_invalidate,queueing");
    ck_assert_int_eq(hyp_lpar_terminate(&c, 0, op, 0), H_SUCCESS);
    r.now = c.op.end + 10;
    ck_assert(!ipca_area_of(hyp_ipca(h), 0, NULL, NULL));
    ck_assert_uint_eq(counter(&r, "ipca.pages_pinned"), 0);
    ck_assert_int_eq(hc(&r, 1, H_IPCA_WRITE, 0, 0, BUF_LA, 128, NULL), H_NOT_FOUND);
    ck_assert_int_eq(hc(&r, 1, H_IPCA_LOOKUP, 0, 0, 0, 0, NULL), H_NOT_FOUND);
    reg(&r, 0); /* it registers again after its restart */
    ck_assert_int_eq(hc(&r, 1, H_IPCA_WRITE, 0, 0, BUF_LA, 128, NULL), H_SUCCESS);
    sim_err e = {{0}};
    ck_assert_int_eq(hyp_check_error(h, &e), 0);
    machine_destroy(r.m);
}
END_TEST

/* ---- transport "ipca" ---- */

static uint64_t parts_sum(const hyp_xport_io *io)
{
    uint64_t s = 0;
    for (unsigned i = 0; i < XP_NPARTS; i++)
        s += io->part[i];
    return s;
}

/* The documented poll phase of an LPAR and its first poll after t. */
static uint64_t next_poll(unsigned lpid, uint64_t t, uint64_t period)
{
    uint64_t ph = ((uint64_t)lpid + 1) * 2654435761u % period;
    return t < ph ? ph : ph + ((t - ph) / period + 1) * period;
}

static void pattern(rig *r, unsigned lpid, uint64_t la, uint64_t len, unsigned salt)
{
    for (uint64_t i = 0; i < len; i++) {
        uint8_t b = (uint8_t)((i * 7 + salt) ^ (i >> 8));
        physmem_write_bytes(r->h->env.pm, hyp_logical_to_real(r->h, lpid, la + i), &b, 1);
    }
}

static bool same(rig *r, unsigned a, uint64_t la, unsigned b, uint64_t lb, uint64_t len)
{
    for (uint64_t i = 0; i < len; i++) {
        uint8_t x, y;
        physmem_read_bytes(r->h->env.pm, hyp_logical_to_real(r->h, a, la + i), &x, 1);
        physmem_read_bytes(r->h->env.pm, hyp_logical_to_real(r->h, b, lb + i), &y, 1);
        if (x != y)
            return false;
    }
    return true;
}

/* An IPCA of 4 slots of 4K (3 for the transport, 3 x 3968 payload bytes):
 * a 20000-byte send is split, the writer waits for room, the reader's
 * poll frees the slots and notifies it at its next poll tick; every byte
 * arrives in order. */
START_TEST(transport_split_and_room)
{
    static const char *const ex[] = {"hypervisor.ipca.size=16K", "hypervisor.ipca.audit=true",
                                     NULL};
    rig r;
    rig_build(&r, 2, ex);
    void *state = NULL;
    const char *owner = NULL;
    const hyp_transport *t = hyp_transport_find(r.h, "ipca", &state, &owner);
    ck_assert_ptr_nonnull(t);
    ck_assert_ptr_eq(state, hyp_ipca(r.h));
    ck_assert_str_eq(owner, "ipca");
    ck_assert(!t->over_tcp);
    hyp_xport_end ends[2] = {{0, 0, BUF_LA, 32768}, {1, 1, BUF_LA, 32768}};
    hyp_xport_io io = hyp_xport_io_at(r.now, 0);
    void *conn = NULL;
    unsigned reason = 0;
    sim_err e = {{0}};
    ck_assert_int_eq(t->open(state, ends, &io, &conn, &reason, &e), 0);
    ck_assert_ptr_nonnull(conn);
    uint64_t la, size;
    ck_assert(ipca_area_of(hyp_ipca(r.h), 0, &la, &size));
    ck_assert_uint_eq(size, 16384);
    ck_assert_uint_eq(la, 256 * MB - 16384); /* at the top of its memory */
    ck_assert(ipca_area_of(hyp_ipca(r.h), 1, NULL, NULL));
    uint64_t now = io.at + parts_sum(&io), period = 100000, pay = 4096 - 128;
    hyp_xport_io w = hyp_xport_io_at(now, 0);
    ck_assert(t->wait(conn, 1, false, &w)); /* side 1 sleeps: nothing there */
    pattern(&r, 0, BUF_LA, 20000, 3);
    io = hyp_xport_io_at(now, 20000);
    ck_assert_int_eq(t->send(conn, 0, BUF_LA, &io, &e), 0);
    ck_assert_uint_eq(io.bytes, 3 * pay);
    ck_assert_uint_gt(io.part[XP_COPY_TX], 0);
    ck_assert_uint_gt(io.part[XP_HCALL], 0);
    uint64_t end = now + parts_sum(&io);
    ck_assert_uint_eq(io.notify_kind, HYP_XPORT_POLL);
    ck_assert_uint_eq(io.notify_at, next_poll(1, end, period));
    ck_assert_uint_eq(t->pending(conn, 1), 3 * pay);
    ck_assert_uint_eq(counter(&r, "ipca.partial_sends"), 1);
    w = hyp_xport_io_at(end, 0);
    ck_assert(t->wait(conn, 0, true, &w)); /* full: the writer waits */
    hyp_xport_io rv = hyp_xport_io_at(io.notify_at, 32768);
    ck_assert_int_eq(t->recv(conn, 1, BUF_LA, &rv, &e), 0);
    ck_assert_uint_eq(rv.bytes, 3 * pay);
    ck_assert(same(&r, 0, BUF_LA, 1, BUF_LA, 3 * pay));
    ck_assert_uint_gt(rv.part[XP_COPY_RX], 0);
    /* the poll's scan: 4 slots x scan_cycles_per_slot in rx_stack */
    ck_assert_uint_ge(rv.part[XP_RX_STACK], 4 * 20);
    uint64_t rend = io.notify_at + parts_sum(&rv);
    ck_assert_uint_eq(rv.notify_at, next_poll(0, rend, period)); /* the writer's next poll */
    ck_assert_uint_eq(t->pending(conn, 1), 0);
    io = hyp_xport_io_at(rv.notify_at, 20000 - 3 * pay);
    ck_assert_int_eq(t->send(conn, 0, BUF_LA + 3 * pay, &io, &e), 0);
    ck_assert_uint_eq(io.bytes, 20000 - 3 * pay);
    rv = hyp_xport_io_at(io.at + parts_sum(&io), 32768);
    ck_assert_int_eq(t->recv(conn, 1, BUF_LA + 3 * pay, &rv, &e), 0);
    ck_assert_uint_eq(rv.bytes, 20000 - 3 * pay);
    ck_assert(same(&r, 0, BUF_LA, 1, BUF_LA, 20000));
    /* 20000 bytes = 5 whole slots of 3968 and 160 bytes */
    ck_assert_uint_eq(counter(&r, "ipca.slots_written"), 6);
    ck_assert_uint_eq(counter(&r, "ipca.slots_read"), 6);
    ck_assert_uint_eq(counter(&r, "ipca.audit.violations"), 0);
    ck_assert_int_eq(t->close(conn, &io, &e), 0);
    const op_type *o = ops_find(machine_ops(r.m), "ipca.write");
    ck_assert_uint_eq(o->count, 6);
    o = ops_find(machine_ops(r.m), "ipca.poll");
    ck_assert_uint_eq(o->count, 2);
    machine_destroy(r.m);
}
END_TEST

/* With acl, open grants each side to the other: the data flows, and the
 * grants are what lets it. */
START_TEST(transport_acl_grants)
{
    static const char *const ex[] = {"hypervisor.ipca.acl=true", "hypervisor.ipca.audit=true",
                                     NULL};
    rig r;
    rig_build(&r, 3, ex);
    void *state = NULL;
    const hyp_transport *t = hyp_transport_find(r.h, "ipca", &state, NULL);
    hyp_xport_end ends[2] = {{0, 0, BUF_LA, 4096}, {1, 1, BUF_LA, 4096}};
    hyp_xport_io io = hyp_xport_io_at(r.now, 0);
    void *conn = NULL;
    unsigned reason = 0;
    sim_err e = {{0}};
    ck_assert_int_eq(t->open(state, ends, &io, &conn, &reason, &e), 0);
    ck_assert_uint_eq(counter(&r, "ipca.grants"), 2);
    pattern(&r, 1, BUF_LA, 1000, 9);
    io = hyp_xport_io_at(r.now + 100000, 1000);
    ck_assert_int_eq(t->send(conn, 1, BUF_LA, &io, &e), 0);
    hyp_xport_io rv = hyp_xport_io_at(r.now + 300000, 4096);
    ck_assert_int_eq(t->recv(conn, 0, BUF_LA, &rv, &e), 0);
    ck_assert_uint_eq(rv.bytes, 1000);
    ck_assert(same(&r, 1, BUF_LA, 0, BUF_LA, 1000));
    /* p2 was granted nothing */
    r.now += 400000;
    ck_assert_int_eq(hc(&r, 2, H_IPCA_READ, 0, 0, BUF_LA, 128, NULL), H_AUTHORITY);
    ck_assert_int_eq(t->close(conn, &io, &e), 0);
    machine_destroy(r.m);
}
END_TEST

static Suite *ipca_suite(void)
{
    Suite *s = suite_create("ipca");
    TCase *t = tcase_create("hcalls");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, register_and_lookup);
    tcase_add_test(t, write_moves_bytes);
    tcase_add_test(t, read_moves_bytes);
    tcase_add_test(t, broadcast_to_all);
    tcase_add_test(t, lock_unlock_deregister);
    tcase_add_test(t, register_refusals);
    tcase_add_test(t, access_refusals);
    tcase_add_test(t, busy_return_and_spin);
    tcase_add_test(t, acl_grant);
    suite_add_tcase(s, t);
    t = tcase_create("audit");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, audit_observes_third_party_reads);
    tcase_add_test(t, audit_catches_skip_range_check);
    tcase_add_test(t, audit_catches_skip_lock);
    tcase_add_test(t, audit_catches_skip_acl);
    tcase_add_test(t, termination_drops_ipca);
    suite_add_tcase(s, t);
    t = tcase_create("transport");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, transport_split_and_room);
    tcase_add_test(t, transport_acl_grants);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return tu_run_suite(ipca_suite());
}
