/*
 * check_comm_llan.c - the virtual Ethernet's hcalls (feature comm) on a small
 * machine (1 module, 2 cores x 2 threads; three LPARs of 256M, no vCPUs):
 * the success path of H_REGISTER_LOGICAL_LAN, H_ADD_LOGICAL_LAN_BUFFER,
 * H_SEND_LOGICAL_LAN (real bytes in the peer's posted buffer, the receive
 * queue entry with length and correlator, the copy charged to the op's copy
 * part) and H_FREE_LOGICAL_LAN, and each refusal one by one: bad unit or
 * address, a second registration, an unregistered adapter, no buffer, an
 * oversized frame, more than 6 descriptors (a continuation token).
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hyp/comm/comm_int.h"
#include "machine/machine.h"
#include "testutil.h"

#define MB (1ull << 20)
#define UNIT 0x30000002ULL

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

static void rig_build(rig *r)
{
    machine_config c;
    sim_err e = {{0}};
    char kv[128];
    ck_assert_int_eq(machine_config_init(&c, &e), 0);
    set(&c, "machine.modules=1");
    set(&c, "machine.cores_per_module=2");
    set(&c, "machine.threads_per_core=2");
    set(&c, "hypervisor.comm.enabled=true");
    for (unsigned i = 0; i < 3; i++) {
        snprintf(kv, sizeof kv, "lpars[%u].name=p%u", i, i);
        set(&c, kv);
        snprintf(kv, sizeof kv, "lpars[%u].memory=256M", i);
        set(&c, kv);
    }
    r->m = machine_create(&c, NULL, &e);
    ck_assert_msg(r->m != NULL, "machine_create: %s", e.msg);
    machine_config_free(&c);
    r->h = machine_hyp(r->m);
    r->now = 1000;
}

static long hc(rig *r, unsigned lpid, uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2,
               uint64_t a3, uint64_t a4, uint64_t a7)
{
    uint64_t a[8] = {a0, a1, a2, a3, a4, 0, 0, a7}, rets[8] = {0}, cyc = 0;
    long rc = hyp_hcall(r->h, lpid, 0, r->now, op, a, rets, &cyc);
    r->now += cyc + 10;
    return rc;
}

static long reg(rig *r, unsigned lp)
{
    return hc(r, lp, H_REGISTER_LOGICAL_LAN, UNIT, 0x100000, LLAN_BD(0x102000, 4096), 0x101000,
              LLAN_MAC(lp), 0);
}

static void wr(rig *r, unsigned lp, uint64_t la, const void *p, uint64_t n)
{
    physmem_write_bytes(r->h->env.pm, hyp_logical_to_real(r->h, lp, la), p, n);
}

static void rd(rig *r, unsigned lp, uint64_t la, void *p, uint64_t n)
{
    physmem_read_bytes(r->h->env.pm, hyp_logical_to_real(r->h, lp, la), p, n);
}

static uint64_t be(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static comm *feat(rig *r) { return hyp_feature_state(r->h, HYP_FEATURE_comm); }

/* a frame from lp to dst at la: header (dst MAC) and n-16 payload bytes i*7 */
static void frame(rig *r, unsigned lp, unsigned dst, uint64_t la, uint64_t n)
{
    unsigned char *f = calloc(1, n);
    uint64_t mac = LLAN_MAC(dst);
    for (int i = 0; i < 6; i++)
        f[i] = (unsigned char)(mac >> (8 * (5 - i)));
    for (uint64_t i = LLAN_HDR; i < n; i++)
        f[i] = (unsigned char)(i * 7);
    wr(r, lp, la, f, n);
    free(f);
}

START_TEST(register_add_send_free)
{
    rig r;
    rig_build(&r);
    ck_assert_int_eq(reg(&r, 0), H_SUCCESS);
    ck_assert_int_eq(reg(&r, 1), H_SUCCESS);
    /* the buffer list page holds the receive queue and filter descriptors */
    unsigned char b[16];
    rd(&r, 1, 0x100000, b, 16);
    ck_assert_uint_eq(be(b, 8), LLAN_BD(0x102000, 4096));
    ck_assert_uint_eq(be(b + 8, 8), LLAN_BD(0x101000, 4096));
    /* LPAR 1 posts a 2K buffer whose first 8 bytes are its correlator */
    unsigned char corr[8] = {0, 0, 0, 0, 0, 0, 0xAB, 0xCD};
    wr(&r, 1, 0x200000, corr, 8);
    ck_assert_int_eq(hc(&r, 1, H_ADD_LOGICAL_LAN_BUFFER, UNIT, LLAN_BD(0x200000, 2048), 0, 0, 0,
                        0), H_SUCCESS);
    /* LPAR 0 sends a 300-byte frame in two descriptors */
    frame(&r, 0, 1, 0x300000, 300);
    ck_assert_int_eq(hc(&r, 0, H_SEND_LOGICAL_LAN, UNIT, LLAN_BD(0x300000, 200),
                        LLAN_BD(0x300000 + 200, 100), 0, 0, 0), H_SUCCESS);
    unsigned char want[300], got[300];
    rd(&r, 0, 0x300000, want, 300);
    rd(&r, 1, 0x200000 + 8, got, 300);
    ck_assert_int_eq(memcmp(want, got, 300), 0);
    unsigned char q[16];
    rd(&r, 1, 0x102000, q, 16);
    ck_assert_uint_eq(q[0], LLAN_RXQC_VALID | LLAN_RXQC_TOGGLE);
    ck_assert_uint_eq(be(q + 2, 2), 8);
    ck_assert_uint_eq(be(q + 4, 4), 300);
    ck_assert_uint_eq(be(q + 8, 8), 0xABCD);
    comm *f = feat(&r);
    ck_assert_uint_eq(f->st.frames_sent, 1);
    ck_assert_uint_eq(f->st.bytes_sent, 300);
    /* one copy per descriptor: bytes [8, 208) of the buffer are lines 0-1,
     * bytes [208, 308) lines 1-2 */
    ck_assert_uint_eq(f->st.lines_copied, 4);
    const op_type *o = ops_find(machine_ops(r.m), "hcall.H_SEND_LOGICAL_LAN");
    ck_assert_ptr_nonnull(o);
    ck_assert_uint_eq(o->count, 1);
    ck_assert_str_eq(o->part_name[4], "copy");
    ck_assert_uint_gt(o->part_total[4], 0);
    ck_assert_int_eq(hc(&r, 1, H_FREE_LOGICAL_LAN, UNIT, 0, 0, 0, 0, 0), H_SUCCESS);
    ck_assert_uint_eq(f->st.registered, 2);
    ck_assert_uint_eq(f->st.freed, 1);
    ck_assert_uint_eq(f->st.refused, 0);
    machine_destroy(r.m);
}
END_TEST

START_TEST(register_refusals)
{
    rig r;
    rig_build(&r);
    uint64_t rq = LLAN_BD(0x102000, 4096);
    ck_assert_int_eq(hc(&r, 0, H_REGISTER_LOGICAL_LAN, UNIT + 1, 0x100000, rq, 0x101000, 0, 0),
                     H_PARAMETER); /* no such unit */
    ck_assert_int_eq(hc(&r, 0, H_REGISTER_LOGICAL_LAN, UNIT, 0x100008, rq, 0x101000, 0, 0),
                     H_PARAMETER); /* buffer list not page aligned */
    ck_assert_int_eq(hc(&r, 0, H_REGISTER_LOGICAL_LAN, UNIT, 256 * MB, rq, 0x101000, 0, 0),
                     H_PARAMETER); /* outside the caller's LMBs */
    ck_assert_int_eq(hc(&r, 0, H_REGISTER_LOGICAL_LAN, UNIT, 0x100000,
                        LLAN_BD(256 * MB - 16, 32), 0x101000, 0, 0),
                     H_PARAMETER); /* receive queue runs past the LPAR */
    ck_assert_int_eq(hc(&r, 0, H_REGISTER_LOGICAL_LAN, UNIT, 0x100000, rq & ~LLAN_BD_VALID,
                        0x101000, 0, 0), H_PARAMETER); /* receive queue not valid */
    ck_assert_int_eq(reg(&r, 0), H_SUCCESS);
    ck_assert_int_eq(reg(&r, 0), H_RESOURCE); /* twice without H_FREE_LOGICAL_LAN */
    ck_assert_int_eq(hc(&r, 2, H_FREE_LOGICAL_LAN, UNIT, 0, 0, 0, 0, 0), H_RESOURCE);
    ck_assert_uint_eq(feat(&r)->st.refused, 7);
    machine_destroy(r.m);
}
END_TEST

START_TEST(add_refusals)
{
    rig r;
    rig_build(&r);
    uint64_t bd = LLAN_BD(0x200000, 2048);
    ck_assert_int_eq(hc(&r, 0, H_ADD_LOGICAL_LAN_BUFFER, UNIT, bd, 0, 0, 0, 0), H_RESOURCE);
    ck_assert_int_eq(reg(&r, 0), H_SUCCESS);
    ck_assert_int_eq(hc(&r, 0, H_ADD_LOGICAL_LAN_BUFFER, UNIT, LLAN_BD(256 * MB - 1024, 2048), 0,
                        0, 0, 0), H_PARAMETER); /* outside the LPAR */
    ck_assert_int_eq(hc(&r, 0, H_ADD_LOGICAL_LAN_BUFFER, UNIT, LLAN_BD(0x200000, 8), 0, 0, 0, 0),
                     H_PARAMETER); /* shorter than 16 */
    ck_assert_int_eq(hc(&r, 0, H_ADD_LOGICAL_LAN_BUFFER, UNIT, bd & ~LLAN_BD_VALID, 0, 0, 0, 0),
                     H_PARAMETER);
    ck_assert_int_eq(hc(&r, 0, H_ADD_LOGICAL_LAN_BUFFER, UNIT, bd, 0, 0, 0, 0), H_SUCCESS);
    machine_destroy(r.m);
}
END_TEST

START_TEST(send_refusals)
{
    rig r;
    rig_build(&r);
    frame(&r, 0, 1, 0x300000, 100);
    uint64_t bd = LLAN_BD(0x300000, 100);
    /* the sender's adapter is not registered */
    ck_assert_int_eq(hc(&r, 0, H_SEND_LOGICAL_LAN, UNIT, bd, 0, 0, 0, 0), H_DROPPED);
    ck_assert_int_eq(reg(&r, 0), H_SUCCESS);
    /* the destination's is not */
    ck_assert_int_eq(hc(&r, 0, H_SEND_LOGICAL_LAN, UNIT, bd, 0, 0, 0, 0), H_DROPPED);
    ck_assert_int_eq(reg(&r, 1), H_SUCCESS);
    /* no posted buffer */
    ck_assert_int_eq(hc(&r, 0, H_SEND_LOGICAL_LAN, UNIT, bd, 0, 0, 0, 0), H_DROPPED);
    /* a 512-byte buffer: too small for 600 + 8 bytes, fine for 100 */
    ck_assert_int_eq(hc(&r, 1, H_ADD_LOGICAL_LAN_BUFFER, UNIT, LLAN_BD(0x200000, 512), 0, 0, 0,
                        0), H_SUCCESS);
    frame(&r, 0, 1, 0x400000, 600);
    ck_assert_int_eq(hc(&r, 0, H_SEND_LOGICAL_LAN, UNIT, LLAN_BD(0x400000, 600), 0, 0, 0, 0),
                     H_DROPPED);
    /* over 64 KiB */
    ck_assert_int_eq(hc(&r, 0, H_SEND_LOGICAL_LAN, UNIT, LLAN_BD(0x400000, 40000),
                        LLAN_BD(0x500000, 25537), 0, 0, 0), H_RESOURCE);
    /* more than 6 descriptors: the continuation token */
    ck_assert_int_eq(hc(&r, 0, H_SEND_LOGICAL_LAN, UNIT, bd, 0, 0, 0, 1), H_PARAMETER);
    /* a descriptor outside the sender's memory */
    ck_assert_int_eq(hc(&r, 0, H_SEND_LOGICAL_LAN, UNIT, LLAN_BD(256 * MB - 50, 100), 0, 0, 0,
                        0), H_PARAMETER);
    /* a bad unit */
    ck_assert_int_eq(hc(&r, 0, H_SEND_LOGICAL_LAN, 7, bd, 0, 0, 0, 0), H_PARAMETER);
    comm *f = feat(&r);
    ck_assert_uint_eq(f->st.dropped, 4);
    ck_assert_uint_eq(f->st.frames_sent, 0);
    /* and nothing moved: the buffer still holds zeros after its correlator */
    unsigned char z[64], got[64];
    memset(z, 0, sizeof z);
    rd(&r, 1, 0x200000 + 8, got, 64);
    ck_assert_int_eq(memcmp(z, got, 64), 0);
    /* the buffer that fits */
    ck_assert_int_eq(hc(&r, 0, H_SEND_LOGICAL_LAN, UNIT, bd, 0, 0, 0, 0), H_SUCCESS);
    /* after H_FREE_LOGICAL_LAN, the adapter takes nothing */
    ck_assert_int_eq(hc(&r, 1, H_FREE_LOGICAL_LAN, UNIT, 0, 0, 0, 0, 0), H_SUCCESS);
    ck_assert_int_eq(hc(&r, 0, H_SEND_LOGICAL_LAN, UNIT, bd, 0, 0, 0, 0), H_DROPPED);
    machine_destroy(r.m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("comm_llan");
    TCase *tc = tcase_create("llan");
    tcase_add_test(tc, register_add_send_free);
    tcase_add_test(tc, register_refusals);
    tcase_add_test(tc, add_refusals);
    tcase_add_test(tc, send_refusals);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
