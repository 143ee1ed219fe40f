/*
 * check_smc_hcalls.c - unit tests of sim/hyp/smc's hcalls on a small
 * machine (smc_rig.h: two or three bare LPARs, pools of 1M = 16 SMBs of
 * 64K per VLAN):
 *  - each hcall's success path (JOIN, QUERY_GID, CREATE, BIND, ACCEPT,
 *    MOVE both ways with real bytes, CS_MOVE with and without a waiter,
 *    SIGNAL with summary coalescing, SBA read-and-clear, UNBIND, DESTROY
 *    zeroing, POOL_FREE and POOL by the administrator);
 *  - each refusal (stale token H_RESCINDED, token of another LPAR
 *    H_AUTHORITY, range outside the SMB H_PARAMETER, the other direction's
 *    ring H_PERMISSION, bind to another VLAN or a REMOTE gid H_PARAMETER,
 *    no free SMB H_RESOURCE, not the administrator H_PRIVILEGE, expired
 *    offer H_NOT_FOUND): counted by reason, no byte moved;
 *  - pool memory is outside every LPAR (H_ENTER cannot reach it);
 *  - every H_SM_* op's parts add up to its total.
 */
#include <stdint.h>
#include <stdlib.h>

#include "smc_rig.h"
#include "testutil.h"

#define LA_SRC 0x100000ull
#define LA_DST 0x200000ull

typedef struct pair {
    uint64_t gid[2], own, offer, osig, peer, psig, smb;
} pair;

/* p0 and p1 join VLAN 0; p0 creates an SMB, binds it to p1, p1 accepts. */
static void connect(rig *r, pair *p)
{
    for (unsigned l = 0; l < 2; l++) {
        ck_assert_int_eq(rig_hcall(r, l, H_SM_JOIN, 0, 0, 0, 0, 0, 0), H_SUCCESS);
        p->gid[l] = r->r[0];
    }
    ck_assert_uint_ne(p->gid[0], p->gid[1]);
    ck_assert_int_eq(rig_hcall(r, 0, H_SM_QUERY_GID, 0, p->gid[1], 0, 0, 0, 0), H_SUCCESS);
    ck_assert_uint_eq(r->r[0], 0); /* LOCAL */
    ck_assert_int_eq(rig_hcall(r, 0, H_SM_CREATE, 0, 0, 0, 0, 0, 0), H_SUCCESS);
    p->own = r->r[0];
    p->smb = (p->own >> 20) & 0xFFFFFFF;
    ck_assert_int_eq(rig_hcall(r, 0, H_SM_BIND, p->own, p->gid[1], 0, 0, 0, 0), H_SUCCESS);
    p->offer = r->r[0];
    p->osig = r->r[1];
    ck_assert_int_eq(rig_hcall(r, 1, H_SM_ACCEPT, p->offer, 1, 0, 0, 0, 0), H_SUCCESS);
    p->peer = r->r[0];
    p->psig = r->r[1];
    ck_assert_uint_eq(r->s->smb[p->smb].state, SMB_BOUND);
}

static uint64_t ring_off(rig *r, unsigned dir) { return smc_dir_base(r->s, dir) + SMC_CTL; }
static uint64_t smb_real(rig *r, const pair *p) { return r->s->smb[p->smb].real; }

static void check_parts(rig *r, const char *name)
{
    const op_type *o = ops_find(machine_ops(r->m), name);
    ck_assert_msg(o != NULL, "no op %s", name);
    uint64_t sum = 0;
    for (unsigned i = 0; i < o->nparts; i++)
        sum += o->part_total[i];
    ck_assert_uint_eq(sum, o->total);
}

START_TEST(move_both_ways)
{
    rig r;
    pair p;
    rig_build(&r, 2, NULL);
    connect(&r, &p);
    rig_fill(&r, 0, LA_SRC, 5000, 3);
    uint64_t off = ring_off(&r, 0);
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_MOVE, p.own, off, LA_SRC, 5000, SMC_TO_SMB, 0),
                     H_SUCCESS);
    ck_assert(rig_same(&r, smb_real(&r, &p) + off, hyp_logical_to_real(r.h, 0, LA_SRC), 5000));
    ck_assert_int_eq(rig_hcall(&r, 1, H_SM_MOVE, p.peer, off, LA_DST, 5000, SMC_FROM_SMB, 0),
                     H_SUCCESS);
    ck_assert(rig_same(&r, hyp_logical_to_real(r.h, 1, LA_DST),
                       hyp_logical_to_real(r.h, 0, LA_SRC), 5000));
    ck_assert_uint_eq(rig_counter(&r, "smc.bytes_moved"), 10000);
    const op_type *o = ops_find(machine_ops(r.m), "hcall.H_SM_MOVE");
    ck_assert_ptr_nonnull(o);
    ck_assert_uint_eq(o->count, 2);
    ck_assert_str_eq(o->part_name[SMC_P_COPY], "copy");
    ck_assert_uint_gt(o->part_total[SMC_P_COPY], 0);
    /* the peer writes its own direction */
    ck_assert_int_eq(rig_hcall(&r, 1, H_SM_MOVE, p.peer, ring_off(&r, 1), LA_DST, 128,
                               SMC_TO_SMB, 0), H_SUCCESS);
    check_parts(&r, "hcall.H_SM_MOVE");
    check_parts(&r, "hcall.H_SM_CREATE");
    check_parts(&r, "hcall.H_SM_ACCEPT");
    rig_free(&r);
}
END_TEST

/* Each refusal: the code, its counter, no byte moved. */
START_TEST(refusals_move_nothing)
{
    rig r;
    pair p;
    const char *x[] = {"hypervisor.smc.vlans=2", NULL};
    rig_build(&r, 3, x);
    connect(&r, &p);
    rig_fill(&r, 0, LA_SRC, 4096, 9);
    rig_fill(&r, 1, LA_SRC, 4096, 11);
    uint64_t off = ring_off(&r, 0), moved = rig_counter(&r, "smc.bytes_moved");
    /* token of another LPAR */
    ck_assert_int_eq(rig_hcall(&r, 1, H_SM_MOVE, p.own, off, LA_SRC, 64, SMC_TO_SMB, 0),
                     H_AUTHORITY);
    ck_assert_uint_eq(rig_counter(&r, "smc.refused.authority"), 1);
    /* range outside the SMB */
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_MOVE, p.own, r.s->cfg.smb_size - 64, LA_SRC, 128,
                               SMC_TO_SMB, 0), H_PARAMETER);
    ck_assert_uint_eq(rig_counter(&r, "smc.refused.parameter"), 1);
    /* the other direction's ring, and a write over a control line */
    ck_assert_int_eq(rig_hcall(&r, 1, H_SM_MOVE, p.peer, off, LA_SRC, 64, SMC_TO_SMB, 0),
                     H_PERMISSION);
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_MOVE, p.own, 0, LA_SRC, 8, SMC_TO_SMB, 0),
                     H_PERMISSION);
    ck_assert_uint_eq(rig_counter(&r, "smc.refused.permission"), 2);
    /* a CS outside the control words */
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_CS_MOVE, p.own, off, 0, 1, 0, 0), H_PERMISSION);
    ck_assert_uint_eq(rig_counter(&r, "smc.bytes_moved"), moved);
    ck_assert(rig_zero(&r, smb_real(&r, &p), r.s->cfg.smb_size));
    /* bind to another VLAN's gid, to a REMOTE gid */
    ck_assert_int_eq(rig_hcall(&r, 2, H_SM_JOIN, 1, 0, 0, 0, 0, 0), H_SUCCESS);
    uint64_t gid_v1 = r.r[0];
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_CREATE, 0, 0, 0, 0, 0, 0), H_SUCCESS);
    uint64_t own2 = r.r[0];
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_BIND, own2, gid_v1, 0, 0, 0, 0), H_PARAMETER);
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_QUERY_GID, 0, gid_v1 | SMC_REMOTE_CEC, 0, 0, 0, 0),
                     H_SUCCESS);
    ck_assert_uint_eq(r.r[0], 1); /* REMOTE */
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_BIND, own2, p.gid[1] | SMC_REMOTE_CEC, 0, 0, 0, 0),
                     H_PARAMETER);
    ck_assert_uint_eq(rig_counter(&r, "smc.refused.parameter"), 3);
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_QUERY_GID, 0, gid_v1, 0, 0, 0, 0), H_NOT_FOUND);
    /* stale: after UNBIND the peer's token is rescinded */
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_UNBIND, p.own, 0, 0, 0, 0, 0), H_SUCCESS);
    uint64_t own3 = r.r[0];
    ck_assert_int_eq(rig_hcall(&r, 1, H_SM_MOVE, p.peer, ring_off(&r, 1), LA_SRC, 64,
                               SMC_TO_SMB, 0), H_RESCINDED);
    ck_assert_int_eq(rig_hcall(&r, 1, H_SM_SIGNAL, p.psig, 0, 0, 0, 0, 0), H_RESCINDED);
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_DESTROY, p.own, 0, 0, 0, 0, 0), H_RESCINDED);
    ck_assert_uint_eq(rig_counter(&r, "smc.refused.stale"), 3);
    ck_assert_uint_eq(rig_counter(&r, "smc.bytes_moved"), moved);
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_DESTROY, own3, 0, 0, 0, 0, 0), H_SUCCESS);
    /* not the administrator; SBA of a non-member */
    ck_assert_int_eq(rig_hcall(&r, 1, H_SM_POOL_FREE, 0, 0, 0, 0, 0, 0), H_PRIVILEGE);
    ck_assert_int_eq(rig_hcall(&r, 2, H_SM_SBA, 0, 0, 0, 0, 0, 0), H_AUTHORITY);
    ck_assert_uint_eq(rig_counter(&r, "smc.refused.privilege"), 1);
    rig_free(&r);
}
END_TEST

/* CS: a failed compare, a swap without a waiter (skipped), with a waiter
 * (signalled, interrupt), coalesced, SBA read and clear, SIGNAL again. */
START_TEST(cs_signal_sba)
{
    rig r;
    pair p;
    rig_build(&r, 2, NULL);
    connect(&r, &p);
    uint64_t prod = smc_dir_base(r.s, 0);
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_CS_MOVE, p.own, prod, 5, 100, SMC_SIG_IF_WAITING, 0),
                     H_SUCCESS);
    ck_assert_uint_eq(r.r[1], 0);
    ck_assert_uint_eq(rig_counter(&r, "smc.cs_failures"), 1);
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_CS_MOVE, p.own, prod, 0, 100, SMC_SIG_IF_WAITING, 0),
                     H_SUCCESS);
    ck_assert_uint_eq(r.r[1], 1);
    ck_assert_uint_eq(r.r[2], 0);
    ck_assert_uint_eq(rig_counter(&r, "smc.signals_skipped"), 1);
    /* the consumer marks itself waiting, the producer's CS signals */
    ck_assert_int_eq(rig_hcall(&r, 1, H_SM_CS_MOVE, p.peer, prod, 100, 100 | SMC_WAITING, 0, 0),
                     H_SUCCESS);
    ck_assert_uint_eq(r.r[1], 1);
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_CS_MOVE, p.own, prod, 100 | SMC_WAITING,
                               200 | SMC_WAITING, SMC_SIG_IF_WAITING, 0), H_SUCCESS);
    ck_assert_uint_eq(r.r[2], 1);
    ck_assert_uint_eq(r.r[3], 1); /* summary 0 -> 1: an interrupt */
    uint64_t w = 0;
    physmem_read_bytes(r.h->env.pm, smb_real(&r, &p) + prod, &w, 8);
    ck_assert_uint_eq(w, 200); /* WAITING cleared */
    /* SIGNAL again: coalesced (no interrupt) */
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_SIGNAL, p.osig, 0, 0, 0, 0, 0), H_SUCCESS);
    ck_assert_uint_eq(r.r[0], 0);
    ck_assert_uint_eq(rig_counter(&r, "smc.signals_raised"), 2);
    ck_assert_uint_eq(rig_counter(&r, "smc.interrupts"), 1);
    ck_assert_int_eq(rig_hcall(&r, 1, H_SM_SBA, 0, 0, 0, 0, 0, 0), H_SUCCESS);
    ck_assert_uint_eq(r.r[0], 1);
    ck_assert_uint_eq(r.r[2], 1);
    ck_assert_uint_eq(r.r[3], p.smb);
    ck_assert_int_eq(rig_hcall(&r, 1, H_SM_SBA, 0, 0, 0, 0, 0, 0), H_SUCCESS);
    ck_assert_uint_eq(r.r[0], 0);
    ck_assert_uint_eq(r.r[2], 0);
    ck_assert_int_eq(rig_hcall(&r, 1, H_SM_SIGNAL, p.psig, 0, 0, 0, 0, 0), H_SUCCESS);
    ck_assert_uint_eq(r.r[0], 1); /* p0's summary was 0 */
    check_parts(&r, "hcall.H_SM_CS_MOVE");
    check_parts(&r, "hcall.H_SM_SBA");
    rig_free(&r);
}
END_TEST

/* DESTROY zeroes; a new CREATE gets the zeroed SMB; tokens rescinded. */
START_TEST(destroy_zeroes_and_rescinds)
{
    rig r;
    pair p;
    rig_build(&r, 2, NULL);
    connect(&r, &p);
    rig_fill(&r, 0, LA_SRC, 1024, 5);
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_MOVE, p.own, ring_off(&r, 0), LA_SRC, 1024,
                               SMC_TO_SMB, 0), H_SUCCESS);
    ck_assert(!rig_zero(&r, smb_real(&r, &p), r.s->cfg.smb_size));
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_DESTROY, p.own, 0, 0, 0, 0, 0), H_SUCCESS);
    ck_assert(rig_zero(&r, smb_real(&r, &p), r.s->cfg.smb_size));
    ck_assert_uint_eq(rig_counter(&r, "smc.bytes_zeroed"), r.s->cfg.smb_size);
    ck_assert_int_eq(rig_hcall(&r, 1, H_SM_MOVE, p.peer, ring_off(&r, 0), LA_DST, 64,
                               SMC_FROM_SMB, 0), H_RESCINDED);
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_CREATE, 0, 0, 0, 0, 0, 0), H_SUCCESS);
    ck_assert_uint_eq((r.r[0] >> 20) & 0xFFFFFFF, p.smb); /* the same SMB, reused */
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_DESTROY, p.own, 0, 0, 0, 0, 0), H_RESCINDED);
    check_parts(&r, "hcall.H_SM_DESTROY");
    rig_free(&r);
}
END_TEST

/* The pool runs out (H_RESOURCE); the administrator frees it (every
 * token rescinded, CREATE H_NOT_FOUND) and enables it again. */
START_TEST(pool_exhaust_free_enable)
{
    rig r;
    pair p;
    rig_build(&r, 2, NULL);
    connect(&r, &p);
    uint64_t n = r.s->cfg.pool_bytes / r.s->cfg.smb_size;
    for (uint64_t i = 1; i < n; i++)
        ck_assert_int_eq(rig_hcall(&r, 1, H_SM_CREATE, 0, 0, 0, 0, 0, 0), H_SUCCESS);
    ck_assert_int_eq(rig_hcall(&r, 1, H_SM_CREATE, 0, 0, 0, 0, 0, 0), H_RESOURCE);
    ck_assert_uint_eq(rig_counter(&r, "smc.refused.resource"), 1);
    ck_assert_uint_eq(rig_counter(&r, "smc.pool_high_water"), n);
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_POOL_FREE, 0, 0, 0, 0, 0, 0), H_SUCCESS);
    ck_assert_uint_eq(rig_counter(&r, "smc.smbs_in_use"), 0);
    ck_assert_int_eq(rig_hcall(&r, 1, H_SM_SIGNAL, p.psig, 0, 0, 0, 0, 0), H_RESCINDED);
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_CREATE, 0, 0, 0, 0, 0, 0), H_NOT_FOUND);
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_POOL, 0, r.s->cfg.pool_bytes * 2, r.s->cfg.smb_size,
                               0, 0, 0), H_RESOURCE);
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_POOL, 0, 4 * r.s->cfg.smb_size, r.s->cfg.smb_size, 0,
                               0, 0), H_SUCCESS);
    for (unsigned i = 0; i < 4; i++)
        ck_assert_int_eq(rig_hcall(&r, 0, H_SM_CREATE, 0, 0, 0, 0, 0, 0), H_SUCCESS);
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_CREATE, 0, 0, 0, 0, 0, 0), H_RESOURCE);
    check_parts(&r, "hcall.H_SM_POOL_FREE");
    check_parts(&r, "hcall.H_SM_POOL");
    rig_free(&r);
}
END_TEST

/* A rejected offer, an expired one. */
START_TEST(reject_and_expire)
{
    rig r;
    rig_build(&r, 2, NULL);
    uint64_t gid[2];
    for (unsigned l = 0; l < 2; l++) {
        ck_assert_int_eq(rig_hcall(&r, l, H_SM_JOIN, 0, 0, 0, 0, 0, 0), H_SUCCESS);
        gid[l] = r.r[0];
    }
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_CREATE, 0, 0, 0, 0, 0, 0), H_SUCCESS);
    uint64_t own = r.r[0];
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_BIND, own, gid[1], 0, 0, 0, 0), H_SUCCESS);
    uint64_t offer = r.r[0];
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_ACCEPT, offer, 1, 0, 0, 0, 0), H_AUTHORITY);
    ck_assert_int_eq(rig_hcall(&r, 1, H_SM_ACCEPT, offer, 0, 0, 0, 0, 0), H_SUCCESS);
    ck_assert_uint_eq(rig_counter(&r, "smc.rejected"), 1);
    ck_assert_int_eq(rig_hcall(&r, 0, H_SM_BIND, own, gid[1], 0, 0, 0, 0), H_SUCCESS);
    offer = r.r[0];
    r.now += r.s->cfg.offer_timeout + 1;
    ck_assert_int_eq(rig_hcall(&r, 1, H_SM_ACCEPT, offer, 1, 0, 0, 0, 0), H_NOT_FOUND);
    ck_assert_uint_eq(rig_counter(&r, "smc.rejected"), 2);
    check_parts(&r, "hcall.H_SM_BIND");
    check_parts(&r, "hcall.H_SM_JOIN");
    rig_free(&r);
}
END_TEST

/* Pool memory is hypervisor memory: no LPAR owns it, so no logical
 * address of an LPAR reaches it and H_ENTER cannot map it. */
START_TEST(pool_outside_lpars)
{
    rig r;
    rig_build(&r, 2, NULL);
    uint64_t base = r.s->pool[0].real;
    for (unsigned l = 0; l < 2; l++)
        for (uint64_t o = 0; o < r.s->pool[0].bytes; o += 4096) {
            ck_assert(!hyp_real_owned_by(r.h, l, base + o));
            ck_assert_uint_eq(hyp_real_to_logical(r.h, l, base + o), UINT64_MAX);
        }
    /* H_ENTER of a logical address past the LPAR (where a guest would
     * have to point to reach it) is refused */
    hpte_attrs at = {.pp = 2, .wimg = 2};
    hpte x = hpte_make(0x77, 0x10000, false, PSZ_4K, PSZ_4K, hyp_lpar_memory(r.h, 0), &at, false);
    ck_assert_int_ne(rig_hcall(&r, 0, H_ENTER, 0, 0, x.v, x.r, 0, 0), H_SUCCESS);
    rig_free(&r);
}
END_TEST

/* Bad configurations: one-line errors naming the key. */
START_TEST(config_errors)
{
    static const char *const bad[][2] = {
        {"hypervisor.smc.smbe_ring=64K", "hypervisor.smc.smbe_ring"},
        {"hypervisor.smc.pool_bytes=100K", "hypervisor.smc.pool_bytes"},
    };
    for (unsigned i = 0; i < 2; i++) {
        machine_config c;
        sim_err e = {{0}};
        ck_assert_int_eq(machine_config_init(&c, &e), 0);
        rig_set(&c, "hypervisor.smc.enabled=true");
        rig_set(&c, "hypervisor.smc.pool_bytes=1M");
        rig_set(&c, bad[i][0]);
        machine *m = machine_create(&c, NULL, &e);
        machine_config_free(&c);
        ck_assert_ptr_null(m);
        ck_assert_msg(strstr(e.msg, bad[i][1]) != NULL, "'%s' lacks %s", e.msg, bad[i][1]);
        ck_assert_ptr_null(strchr(e.msg, '\n'));
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("smc_hcalls");
    TCase *t = tcase_create("hcalls");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, move_both_ways);
    tcase_add_test(t, refusals_move_nothing);
    tcase_add_test(t, cs_signal_sba);
    tcase_add_test(t, destroy_zeroes_and_rescinds);
    tcase_add_test(t, pool_exhaust_free_enable);
    tcase_add_test(t, reject_and_expire);
    tcase_add_test(t, pool_outside_lpars);
    tcase_add_test(t, config_errors);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
