/*
 * check_smc_audit.c - the SMC auditor (hypervisor.smc.audit) on a small
 * machine (smc_rig.h):
 *  - a correct sequence (connect, move, CS, signal, SBA, unbind, destroy,
 *    reuse) passes with checks counted and no violation;
 *  - the deliberately broken builds are caught: inject=skip-zero-on-reuse
 *    (a reused SMB holds old bytes) and inject=skip-gen-bump (a rescinded
 *    generation granted again, so old tokens would still work);
 *  - cursors that go back, or run more than a ring ahead, are caught;
 *  - an HPTE written to map pool memory is caught (the HPTE listener);
 *  - LPAR termination tears down its SMBs: the other side's tokens are
 *    refused H_RESCINDED and the SMB reads as zero.
 */
#include <stdint.h>
#include <stdlib.h>

#include "hyp/inval.h"
#include "hyp/platform.h"
#include "smc_rig.h"
#include "testutil.h"

#define LA 0x100000ull

typedef struct pair {
    uint64_t gid[2], own, peer, osig, psig, smb;
} pair;

static void connect(rig *r, pair *p)
{
    for (unsigned l = 0; l < 2; l++) {
        ck_assert_int_eq(rig_hcall(r, l, H_SM_JOIN, 0, 0, 0, 0, 0, 0), H_SUCCESS);
        p->gid[l] = r->r[0];
    }
    ck_assert_int_eq(rig_hcall(r, 0, H_SM_CREATE, 0, 0, 0, 0, 0, 0), H_SUCCESS);
    p->own = r->r[0];
    p->smb = (p->own >> 20) & 0xFFFFFFF;
    ck_assert_int_eq(rig_hcall(r, 0, H_SM_BIND, p->own, p->gid[1], 0, 0, 0, 0), H_SUCCESS);
    p->osig = r->r[1];
    ck_assert_int_eq(rig_hcall(r, 1, H_SM_ACCEPT, r->r[0], 1, 0, 0, 0, 0), H_SUCCESS);
    p->peer = r->r[0];
    p->psig = r->r[1];
}

static void expect_violation(rig *r, const char *needle)
{
    sim_err e = {{0}};
    ck_assert_int_eq(hyp_check_error(r->h, &e), -1);
    ck_assert_msg(strstr(e.msg, needle) != NULL, "message '%s' lacks '%s'", e.msg, needle);
    ck_assert_uint_ge(rig_counter(r, "smc.audit.violations"), 1);
}

START_TEST(clean_sequence_passes)
{
    rig r;
    pair p;
    const char *x[] = {"hypervisor.smc.audit=true", NULL};
    rig_build(&r, 2, x);
    connect(&r, &p);
    uint64_t ring = smc_dir_base(r.s, 0) + SMC_CTL;
    rig_fill(&r, 0, LA, 512, 1);
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_MOVE, p.own, ring, LA, 512, SMC_TO_SMB, 0), H_SUCCESS);
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_CS_MOVE, p.own, 0, 0, 512, SMC_SIG_IF_WAITING, 0),
                     H_SUCCESS);
    ck_assert_int_eq(rig_hcall(&r, 1, H_SM_MOVE, p.peer, ring, LA, 512, SMC_FROM_SMB, 0),
                     H_SUCCESS);
    ck_assert_int_eq(rig_hcall(&r, 1, H_SM_CS_MOVE, p.peer, 8, 0, 512, 0, 0), H_SUCCESS);
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_SIGNAL, p.osig, 0, 0, 0, 0, 0), H_SUCCESS);
    ck_assert_int_eq(rig_hcall(&r, 1, H_SM_SBA, 0, 0, 0, 0, 0, 0), H_SUCCESS);
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_UNBIND, p.own, 0, 0, 0, 0, 0), H_SUCCESS);
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_DESTROY, r.r[0], 0, 0, 0, 0, 0), H_SUCCESS);
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_CREATE, 0, 0, 0, 0, 0, 0), H_SUCCESS);
    sim_err e = {{0}};
    ck_assert_msg(hyp_check_error(r.h, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(rig_counter(&r, "smc.audit.violations"), 0);
    ck_assert_uint_ge(rig_counter(&r, "smc.audit.checks"), 7);
    rig_free(&r);
}
END_TEST

START_TEST(catches_skip_zero)
{
    rig r;
    pair p;
    const char *x[] = {"hypervisor.smc.audit=true", "hypervisor.smc.inject=skip-zero-on-reuse",
                       NULL};
    rig_build(&r, 2, x);
    connect(&r, &p);
    rig_fill(&r, 0, LA, 256, 2);
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_MOVE, p.own, smc_dir_base(r.s, 0) + SMC_CTL, LA, 256,
                               SMC_TO_SMB, 0), H_SUCCESS);
    ck_assert_int_eq(hyp_check_error(r.h, NULL), 0);
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_DESTROY, p.own, 0, 0, 0, 0, 0), H_SUCCESS);
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_CREATE, 0, 0, 0, 0, 0, 0), H_SUCCESS);
    expect_violation(&r, "old contents");
    rig_free(&r);
}
END_TEST

START_TEST(catches_skip_gen_bump)
{
    rig r;
    pair p;
    const char *x[] = {"hypervisor.smc.audit=true", "hypervisor.smc.inject=skip-gen-bump", NULL};
    rig_build(&r, 2, x);
    connect(&r, &p);
    ck_assert_int_eq(hyp_check_error(r.h, NULL), 0);
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_UNBIND, p.own, 0, 0, 0, 0, 0), H_SUCCESS);
    expect_violation(&r, "rescinded");
    rig_free(&r);
}
END_TEST

START_TEST(catches_bad_cursors)
{
    for (unsigned k = 0; k < 2; k++) {
        rig r;
        pair p;
        const char *x[] = {"hypervisor.smc.audit=true", NULL};
        rig_build(&r, 2, x);
        connect(&r, &p);
        uint64_t ring = r.s->cfg.smbe_ring;
        if (k == 0) { /* more than a ring ahead of the consumer */
            ck_assert_int_eq(rig_hcall(&r, 0, H_SM_CS_MOVE, p.own, 0, 0, ring + 1, 0, 0),
                             H_SUCCESS);
            expect_violation(&r, "prod - cons");
        } else { /* prod going back */
            ck_assert_int_eq(rig_hcall(&r, 0, H_SM_CS_MOVE, p.own, 0, 0, 100, 0, 0), H_SUCCESS);
            ck_assert_int_eq(hyp_check_error(r.h, NULL), 0);
            ck_assert_int_eq(rig_hcall(&r, 0, H_SM_CS_MOVE, p.own, 0, 100, 50, 0, 0), H_SUCCESS);
            expect_violation(&r, "went back");
        }
        rig_free(&r);
    }
}
END_TEST

/* A (buggy) hypervisor write of an HPTE mapping pool memory. */
START_TEST(catches_hpte_to_pool)
{
    rig r;
    const char *x[] = {"hypervisor.smc.audit=true", NULL};
    rig_build(&r, 2, x);
    hcall_ctx c = {r.h, NULL, 0, 0, 0, r.h->env.ports[0], {0}, 0, 1, 2, 3, 0};
    op_begin(&c.op, r.now);
    hpte_attrs at = {.pp = 2, .wimg = 2};
    hpte e = hpte_make(0x99, 0x20000, false, PSZ_4K, PSZ_4K, r.s->pool[0].real, &at, false);
    hyp_write_hpte(&c, 0, 8, e);
    rig_hcall(&r, 0, H_SM_JOIN, 0, 0, 0, 0, 0, 0); /* the core latches after an hcall */
    expect_violation(&r, "pool");
    rig_free(&r);
}
END_TEST

START_TEST(termination_rescinds)
{
    rig r;
    pair p;
    const char *x[] = {"hypervisor.smc.audit=true", NULL};
    rig_build2(&r, 2, x, true);
    connect(&r, &p);
    rig_fill(&r, 1, LA, 256, 4);
    ck_assert_int_eq(rig_hcall(&r, 1, H_SM_MOVE, p.peer, smc_dir_base(r.s, 1) + SMC_CTL, LA, 256,
                               SMC_TO_SMB, 0), H_SUCCESS);
    op_id op = ops_declare(r.h->env.ops, "test.terminate", "", HYP_INVAL_PARTS);
    hcall_ctx c = {r.h, NULL, 0, 0, 0, r.h->env.ports[0], {0}, 0, 1, 2, 3, 0};
    op_begin(&c.op, r.now);
    ck_assert_int_eq(hyp_lpar_terminate(&c, 1, op, 1), H_SUCCESS);
    r.now = c.op.end + 10;
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_SIGNAL, p.osig, 0, 0, 0, 0, 0), H_RESCINDED);
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_DESTROY, p.own, 0, 0, 0, 0, 0), H_RESCINDED);
    ck_assert(rig_zero(&r, r.s->smb[p.smb].real, r.s->cfg.smb_size));
    ck_assert_uint_eq(rig_counter(&r, "smc.smbs_in_use"), 0);
    sim_err e = {{0}};
    ck_assert_msg(hyp_check_error(r.h, &e) == 0, "%s", e.msg);
    rig_free(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("smc_audit");
    TCase *t = tcase_create("audit");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, clean_sequence_passes);
    tcase_add_test(t, catches_skip_zero);
    tcase_add_test(t, catches_skip_gen_bump);
    tcase_add_test(t, catches_bad_cursors);
    tcase_add_test(t, catches_hpte_to_pool);
    tcase_add_test(t, termination_rescinds);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
