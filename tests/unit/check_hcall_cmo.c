/*
 * check_hcall_cmo.c - the core's CMO hcalls on a dedicated-memory LPAR
 * (sim/hyp/hcall_cmo.c): H_PAGE_INIT's H_ZERO_PAGE and H_COPY_PAGE move
 * the bytes in simulated memory through the memory model, its page usage
 * states succeed and change nothing, bad flags and addresses are
 * H_PARAMETER; H_GET_MPP reports the LPAR's memory as entitled, mapped and
 * backing with no pool and no loan request (Linux h_get_mpp's layout);
 * H_SET_MPP is H_FUNCTION. The shared-memory side is check_paging_coop.
 */
#include <check.h>
#include <string.h>

#include "hyp/hcall.h"
#include "hyp/hyp.h"
#include "testutil.h"

#include "unit/hcall_rig.h"

#define LPAR_MEM (256 * MB)

static void env_std(env *v)
{
    env_base(v, 1 * GB, 256 * MB);
    sim_err e = {{0}};
    hyp_env he = henv(v);
    v->h = hyp_create(&v->hc, &he, 256 * MB, &e);
    ck_assert_msg(v->h != NULL, "%s", e.msg);
    ck_assert_int_eq(hyp_lpar_create(v->h, "a", LPAR_MEM, 256 * KB, &e), 0);
}

static long hc(env *v, uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t *rets)
{
    uint64_t a[8] = {a0, a1, a2}, r[8] = {0}, cyc = 0;
    long rc = hyp_hcall(v->h, 0, 0, 0, op, a, r, &cyc);
    if (rets)
        memcpy(rets, r, sizeof r);
    return rc;
}

static void fill(env *v, uint64_t la, unsigned char b)
{
    unsigned char buf[4096];
    memset(buf, b, sizeof buf);
    physmem_write_bytes(v->pm, hyp_logical_to_real(v->h, 0, la), buf, sizeof buf);
}

static bool all(env *v, uint64_t la, unsigned char b)
{
    unsigned char buf[4096];
    physmem_read_bytes(v->pm, hyp_logical_to_real(v->h, 0, la), buf, sizeof buf);
    for (unsigned i = 0; i < sizeof buf; i++)
        if (buf[i] != b)
            return false;
    return true;
}

START_TEST(zero_and_copy_move_bytes)
{
    env v;
    env_std(&v);
    fill(&v, 0x10000, 0xab);
    uint64_t w0 = v.fp[0].writes, r0 = v.fp[0].reads;
    ck_assert_int_eq(hc(&v, H_PAGE_INIT, H_ZERO_PAGE, 0x10000, 0, NULL), H_SUCCESS);
    ck_assert(all(&v, 0x10000, 0));
    ck_assert_uint_gt(v.fp[0].writes, w0);     /* the zeroing went through the model */
    ck_assert_uint_eq(v.fp[0].reads, r0 + 1);  /* the LMB-table word */
    fill(&v, 0x20000, 0x5a);
    fill(&v, 0x30000, 0x11);
    w0 = v.fp[0].writes, r0 = v.fp[0].reads;
    ck_assert_int_eq(hc(&v, H_PAGE_INIT, H_COPY_PAGE, 0x30000, 0x20000, NULL), H_SUCCESS);
    ck_assert(all(&v, 0x30000, 0x5a));
    ck_assert(all(&v, 0x20000, 0x5a));
    ck_assert_uint_gt(v.fp[0].reads, r0 + 2);  /* two LMB words and the source */
    ck_assert_uint_gt(v.fp[0].writes, w0);
    env_free(&v);
}
END_TEST

START_TEST(states_succeed_with_no_effect)
{
    env v;
    env_std(&v);
    fill(&v, 0x40000, 0x77);
    uint64_t w0 = v.fp[0].writes;
    const uint64_t st[] = {H_PAGE_SET_UNUSED, H_PAGE_SET_LOANED, H_PAGE_SET_ACTIVE};
    for (unsigned i = 0; i < 3; i++)
        ck_assert_int_eq(hc(&v, H_PAGE_INIT, st[i], 0x40000, 0, NULL), H_SUCCESS);
    ck_assert(all(&v, 0x40000, 0x77));
    ck_assert_uint_eq(v.fp[0].writes, w0);
    /* a state with H_ZERO_PAGE: zeroed, and the state has no effect */
    ck_assert_int_eq(hc(&v, H_PAGE_INIT, H_ZERO_PAGE | H_PAGE_SET_ACTIVE, 0x40000, 0, NULL),
                     H_SUCCESS);
    ck_assert(all(&v, 0x40000, 0));
    env_free(&v);
}
END_TEST

START_TEST(bad_requests_are_h_parameter)
{
    env v;
    env_std(&v);
    fill(&v, 0x50000, 0x33);
    ck_assert_int_eq(hc(&v, H_PAGE_INIT, H_ZERO_PAGE, 0x50008, 0, NULL), H_PARAMETER);
    ck_assert_int_eq(hc(&v, H_PAGE_INIT, H_ZERO_PAGE, LPAR_MEM, 0, NULL), H_PARAMETER);
    ck_assert_int_eq(hc(&v, H_PAGE_INIT, H_ZERO_PAGE | H_COPY_PAGE, 0x50000, 0x60000, NULL),
                     H_PARAMETER);
    ck_assert_int_eq(hc(&v, H_PAGE_INIT, H_COPY_PAGE, 0x50000, LPAR_MEM + 4096, NULL),
                     H_PARAMETER);
    ck_assert_int_eq(hc(&v, H_PAGE_INIT, 1, 0x50000, 0, NULL), H_PARAMETER);
    /* state bits without STATE_CHANGE, or a loan bit without unused */
    ck_assert_int_eq(hc(&v, H_PAGE_INIT, H_PAGE_UNUSED, 0x50000, 0, NULL), H_PARAMETER);
    ck_assert_int_eq(hc(&v, H_PAGE_INIT, H_PAGE_STATE_CHANGE | (1ULL << (63 - 31)), 0x50000, 0,
                        NULL), H_PARAMETER);
    ck_assert(all(&v, 0x50000, 0x33));
    env_free(&v);
}
END_TEST

START_TEST(mpp_of_a_dedicated_lpar)
{
    env v;
    env_std(&v);
    uint64_t r[8];
    ck_assert_int_eq(hc(&v, H_GET_MPP, 0, 0, 0, r), H_SUCCESS);
    ck_assert_uint_eq(r[0], LPAR_MEM);                     /* entitled */
    ck_assert_uint_eq(r[1], LPAR_MEM);                     /* mapped */
    ck_assert_uint_eq((r[2] >> 16) & 0xffff, 0xffff);      /* group: none */
    ck_assert_uint_eq(r[2] & 0xffff, 0xffff);              /* pool: none */
    ck_assert_uint_eq(r[3], 0);                            /* weights, unallocated */
    ck_assert_uint_eq(r[4], 0);                            /* pool size */
    ck_assert_uint_eq(r[5], 0);                            /* loan request */
    ck_assert_uint_eq(r[6], LPAR_MEM);                     /* backing */
    ck_assert_int_eq(hc(&v, H_SET_MPP, LPAR_MEM / 2, 128, 0, NULL), H_FUNCTION);
    ck_assert_str_eq(hcall_name(H_PAGE_INIT), "H_PAGE_INIT");
    ck_assert_str_eq(hcall_name(H_GET_MPP), "H_GET_MPP");
    ck_assert_str_eq(hcall_name(H_SET_MPP), "H_SET_MPP");
    env_free(&v);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hcall_cmo");
    TCase *t = tcase_create("cmo");
    tcase_add_test(t, zero_and_copy_move_bytes);
    tcase_add_test(t, states_succeed_with_no_effect);
    tcase_add_test(t, bad_requests_are_h_parameter);
    tcase_add_test(t, mpp_of_a_dedicated_lpar);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
