/*
 * check_hcall_crit.c - unit tests of the core's registration hcalls of
 * critical areas (issue 13, transparent pinning; sim/hyp/hcall_crit.c):
 * H_REGISTER_VPA, H_REG_CRQ, H_FREE_CRQ and H_PUT_TCE on a dedicated-memory
 * LPAR (no backing feature: nothing is pinned, only the areas are kept).
 * Every return code follows the PAPR rules in hcall_crit.c's header: a
 * processor the LPAR does not have, an address beyond its memory, a bad
 * length or alignment, an unknown function are H_PARAMETER; a DTL or SLB
 * shadow before the VPA, a VPA deregistered while either is registered, a
 * CRQ registered twice are H_RESOURCE; an unknown CRQ freed is
 * H_PARAMETER; a TCE whose permission bits are 0 releases the page. The
 * counters critical.registered/released follow; each (de)registration
 * costs one step of hypervisor work (entry + step + exit), a refusal only
 * entry + exit. hyp_vcpu_dispatched writes a registered VPA (one 4-byte
 * store into its page, at its real address) and returns that write's
 * cycles; without a VPA it does nothing (0 cycles).
 *
 * The rig is check_hcall's (unit/hcall_rig.h): one 1G module, 4 hardware
 * threads, fake memory ports returning READ_LAT/WRITE_LAT, so every cost is
 * computed by hand from the hypervisor defaults (entry 150, exit 100,
 * step 4).
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hyp/hcall.h"
#include "hyp/hyp.h"
#include "testutil.h"

#include "unit/hcall_rig.h"

#define LPAR_MEM (256 * MB)
#define NVCPUS 2
#define PAGE 4096ULL

/* H_REGISTER_VPA's function field (flags >> 45 & 7) */
#define FN(f) ((uint64_t)(f) << 45)
enum { F_VPA = 1, F_DTL = 2, F_SLB = 3, F_DEREG_VPA = 5, F_DEREG_DTL = 6, F_DEREG_SLB = 7 };

/* 1G in one module, 256M of hypervisor memory, dedicated LPAR 0 "a" of
 * LPAR_MEM with NVCPUS vCPUs (bare: the hcalls only count them). */
typedef struct rig {
    env v;
    cpu_vcpu vc[NVCPUS];
} rig;

static void rig_std(rig *r)
{
    env_base(&r->v, 1 * GB, 256 * MB);
    memset(r->vc, 0, sizeof r->vc);
    sim_err e = {{0}};
    hyp_env he = henv(&r->v);
    r->v.h = hyp_create(&r->v.hc, &he, 256 * MB, &e);
    ck_assert_msg(r->v.h != NULL, "%s", e.msg);
    ck_assert_int_eq(hyp_lpar_create(r->v.h, "a", LPAR_MEM, 256 * KB, &e), 0);
    for (unsigned k = 0; k < NVCPUS; k++)
        ck_assert_int_eq(hyp_lpar_add_vcpu(r->v.h, 0, &r->vc[k], k, &e), 0);
}

static long hc3(rig *r, uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t *cycles)
{
    uint64_t a[8] = {a0, a1, a2}, rets[8] = {0}, cyc = 0;
    long rc = hyp_hcall(r->v.h, 0, 0, 0, op, a, rets, &cyc);
    if (cycles)
        *cycles = cyc;
    return rc;
}

static long vpa(rig *r, unsigned fn, uint64_t proc, uint64_t addr, uint64_t *cycles)
{
    return hc3(r, H_REGISTER_VPA, FN(fn), proc, addr, cycles);
}

static uint64_t counter(rig *r, const char *name)
{
    uint64_t x = 0;
    ck_assert_msg(stats_get_counter(r->v.st, name, &x) == 0, "no counter %s", name);
    return x;
}

#define REG(r) counter(r, "critical.registered")
#define REL(r) counter(r, "critical.released")

/* ---- H_REGISTER_VPA ----------------------------------------------------- */

START_TEST(vpa_register_cost_and_counts)
{
    rig r;
    rig_std(&r);
    ck_assert_str_eq(hcall_name(H_REGISTER_VPA), "H_REGISTER_VPA");
    uint64_t cyc;
    ck_assert_int_eq(vpa(&r, F_VPA, 0, 0x10000, &cyc), H_SUCCESS);
    /* one step of hypervisor work (the registration table), no memory
     * access: nothing backs a dedicated LPAR's pages */
    ck_assert_uint_eq(cyc, ENTRY + STEP + EXIT);
    ck_assert_uint_eq(r.v.fp[0].reads + r.v.fp[0].writes, 0);
    ck_assert_uint_eq(REG(&r), 1);
    ck_assert_uint_eq(REL(&r), 0);
    ck_assert_uint_eq(counter(&r, "critical.refused"), 0);
    const op_type *o = ops_find(r.v.ops, "hcall.H_REGISTER_VPA");
    ck_assert_ptr_nonnull(o);
    ck_assert_uint_eq(o->count, 1);
    ck_assert_uint_eq(o->total, ENTRY + STEP + EXIT);
    /* a new VPA for the same processor replaces the old one */
    ck_assert_int_eq(vpa(&r, F_VPA, 0, 0x20000, &cyc), H_SUCCESS);
    ck_assert_uint_eq(cyc, ENTRY + STEP + EXIT);
    ck_assert_uint_eq(REG(&r), 2);
    ck_assert_uint_eq(REL(&r), 1);
    /* the other processor has its own */
    ck_assert_int_eq(vpa(&r, F_VPA, 1, 0x30000, NULL), H_SUCCESS);
    ck_assert_uint_eq(REG(&r), 3);
    ck_assert_uint_eq(REL(&r), 1);
    ck_assert_uint_eq(counter(&r, "hypervisor.hcall_errors"), 0);
    env_free(&r.v);
}
END_TEST

START_TEST(vpa_bad_proc_address_function)
{
    rig r;
    rig_std(&r);
    uint64_t cyc;
    /* a processor the LPAR does not have: refused before any work */
    ck_assert_int_eq(vpa(&r, F_VPA, NVCPUS, 0x10000, &cyc), H_PARAMETER);
    ck_assert_uint_eq(cyc, ENTRY + EXIT);
    ck_assert_int_eq(vpa(&r, F_DEREG_VPA, NVCPUS, 0, NULL), H_PARAMETER);
    ck_assert_int_eq(vpa(&r, F_VPA, UINT64_MAX, 0x10000, NULL), H_PARAMETER);
    /* an address beyond the LPAR's memory, for each area kind */
    ck_assert_int_eq(vpa(&r, F_VPA, 0, LPAR_MEM, &cyc), H_PARAMETER);
    ck_assert_uint_eq(cyc, ENTRY + EXIT);
    ck_assert_int_eq(vpa(&r, F_VPA, 0, 1ULL << 48, NULL), H_PARAMETER);
    ck_assert_int_eq(vpa(&r, F_VPA, 0, UINT64_MAX, NULL), H_PARAMETER);
    /* the last page is in memory, whatever the offset in it */
    ck_assert_int_eq(vpa(&r, F_VPA, 0, LPAR_MEM - 1, NULL), H_SUCCESS);
    ck_assert_int_eq(vpa(&r, F_DTL, 0, LPAR_MEM, NULL), H_PARAMETER);
    ck_assert_int_eq(vpa(&r, F_SLB, 0, LPAR_MEM + PAGE, NULL), H_PARAMETER);
    /* functions 0 and 4 do not exist */
    ck_assert_int_eq(vpa(&r, 0, 0, 0x10000, NULL), H_PARAMETER);
    ck_assert_int_eq(vpa(&r, 4, 0, 0x10000, NULL), H_PARAMETER);
    /* only the one good registration counted; the others are errors */
    ck_assert_uint_eq(REG(&r), 1);
    ck_assert_uint_eq(REL(&r), 0);
    ck_assert_uint_eq(counter(&r, "hypervisor.hcall_errors"), 10);
    env_free(&r.v);
}
END_TEST

/* PAPR's order (KVM's do_h_register_vpa): a DTL or SLB shadow needs the
 * VPA; the VPA cannot go while either is registered. */
START_TEST(vpa_dtl_slb_order)
{
    rig r;
    rig_std(&r);
    uint64_t cyc;
    ck_assert_int_eq(vpa(&r, F_DTL, 0, 0x40000, &cyc), H_RESOURCE);
    ck_assert_uint_eq(cyc, ENTRY + EXIT);
    ck_assert_int_eq(vpa(&r, F_SLB, 0, 0x50000, NULL), H_RESOURCE);
    ck_assert_uint_eq(REG(&r), 0);
    ck_assert_int_eq(vpa(&r, F_VPA, 0, 0x10000, NULL), H_SUCCESS);
    /* processor 1 has no VPA: still refused there */
    ck_assert_int_eq(vpa(&r, F_DTL, 1, 0x40000, NULL), H_RESOURCE);
    ck_assert_int_eq(vpa(&r, F_DTL, 0, 0x40000, &cyc), H_SUCCESS);
    ck_assert_uint_eq(cyc, ENTRY + STEP + EXIT);
    ck_assert_int_eq(vpa(&r, F_SLB, 0, 0x50000, NULL), H_SUCCESS);
    ck_assert_uint_eq(REG(&r), 3);
    /* the VPA cannot go while the DTL or the SLB shadow is there */
    ck_assert_int_eq(vpa(&r, F_DEREG_VPA, 0, 0, &cyc), H_RESOURCE);
    ck_assert_uint_eq(cyc, ENTRY + EXIT);
    ck_assert_int_eq(vpa(&r, F_DEREG_DTL, 0, 0, &cyc), H_SUCCESS);
    ck_assert_uint_eq(cyc, ENTRY + STEP + EXIT);
    ck_assert_uint_eq(REL(&r), 1);
    ck_assert_int_eq(vpa(&r, F_DEREG_VPA, 0, 0, NULL), H_RESOURCE);
    ck_assert_int_eq(vpa(&r, F_DEREG_SLB, 0, 0, NULL), H_SUCCESS);
    ck_assert_uint_eq(REL(&r), 2);
    ck_assert_int_eq(vpa(&r, F_DEREG_VPA, 0, 0, &cyc), H_SUCCESS);
    ck_assert_uint_eq(cyc, ENTRY + STEP + EXIT);
    ck_assert_uint_eq(REL(&r), 3);
    /* gone: a DTL is refused again; deregistering what is not there is a
     * step of work and releases nothing */
    ck_assert_int_eq(vpa(&r, F_DTL, 0, 0x40000, NULL), H_RESOURCE);
    ck_assert_int_eq(vpa(&r, F_DEREG_VPA, 0, 0, &cyc), H_SUCCESS);
    ck_assert_uint_eq(cyc, ENTRY + STEP + EXIT);
    ck_assert_uint_eq(REG(&r), 3);
    ck_assert_uint_eq(REL(&r), 3);
    env_free(&r.v);
}
END_TEST

/* ---- H_REG_CRQ / H_FREE_CRQ --------------------------------------------- */

START_TEST(crq_register_free)
{
    rig r;
    rig_std(&r);
    ck_assert_str_eq(hcall_name(H_REG_CRQ), "H_REG_CRQ");
    ck_assert_str_eq(hcall_name(H_FREE_CRQ), "H_FREE_CRQ");
    uint64_t cyc;
    /* bad length or alignment, or beyond memory: H_PARAMETER, no work */
    ck_assert_int_eq(hc3(&r, H_REG_CRQ, 7, 0x100000, 0, &cyc), H_PARAMETER);
    ck_assert_uint_eq(cyc, ENTRY + EXIT);
    ck_assert_int_eq(hc3(&r, H_REG_CRQ, 7, 0x100000, PAGE + 16, NULL), H_PARAMETER);
    ck_assert_int_eq(hc3(&r, H_REG_CRQ, 7, 0x100000, PAGE / 2, NULL), H_PARAMETER);
    ck_assert_int_eq(hc3(&r, H_REG_CRQ, 7, 0x100000 + 8, PAGE, NULL), H_PARAMETER);
    ck_assert_int_eq(hc3(&r, H_REG_CRQ, 7, LPAR_MEM, PAGE, NULL), H_PARAMETER);
    ck_assert_int_eq(hc3(&r, H_REG_CRQ, 7, LPAR_MEM - PAGE, 2 * PAGE, NULL), H_PARAMETER);
    ck_assert_int_eq(hc3(&r, H_REG_CRQ, 7, PAGE, UINT64_MAX & ~(PAGE - 1), NULL), H_PARAMETER);
    ck_assert_uint_eq(REG(&r), 0);
    /* a queue ending at the last byte of memory is fine */
    ck_assert_int_eq(hc3(&r, H_REG_CRQ, 7, LPAR_MEM - 2 * PAGE, 2 * PAGE, &cyc), H_SUCCESS);
    ck_assert_uint_eq(cyc, ENTRY + STEP + EXIT);
    ck_assert_uint_eq(REG(&r), 1);
    /* the same unit twice: H_RESOURCE, whatever the queue */
    ck_assert_int_eq(hc3(&r, H_REG_CRQ, 7, 0x100000, PAGE, &cyc), H_RESOURCE);
    ck_assert_uint_eq(cyc, ENTRY + EXIT);
    ck_assert_uint_eq(REG(&r), 1);
    /* another unit may use the same pages */
    ck_assert_int_eq(hc3(&r, H_REG_CRQ, 8, LPAR_MEM - 2 * PAGE, PAGE, NULL), H_SUCCESS);
    ck_assert_uint_eq(REG(&r), 2);
    /* an unknown unit cannot be freed */
    ck_assert_int_eq(hc3(&r, H_FREE_CRQ, 9, 0, 0, &cyc), H_PARAMETER);
    ck_assert_uint_eq(cyc, ENTRY + EXIT);
    ck_assert_int_eq(hc3(&r, H_FREE_CRQ, 7, 0, 0, &cyc), H_SUCCESS);
    ck_assert_uint_eq(cyc, ENTRY + STEP + EXIT);
    ck_assert_uint_eq(REL(&r), 1);
    ck_assert_int_eq(hc3(&r, H_FREE_CRQ, 7, 0, 0, NULL), H_PARAMETER);
    ck_assert_uint_eq(REL(&r), 1);
    /* freed: the unit may register again */
    ck_assert_int_eq(hc3(&r, H_REG_CRQ, 7, 0x100000, PAGE, NULL), H_SUCCESS);
    ck_assert_uint_eq(REG(&r), 3);
    ck_assert_uint_eq(counter(&r, "hypervisor.hcall_errors"), 10);
    const op_type *o = ops_find(r.v.ops, "hcall.H_FREE_CRQ");
    ck_assert_ptr_nonnull(o);
    ck_assert_uint_eq(o->count, 3);
    env_free(&r.v);
}
END_TEST

/* ---- H_PUT_TCE ---------------------------------------------------------- */

START_TEST(put_tce_register_release)
{
    rig r;
    rig_std(&r);
    ck_assert_str_eq(hcall_name(H_PUT_TCE), "H_PUT_TCE");
    uint64_t cyc;
    const uint64_t liobn = 0x10000001;
    /* ioba unaligned, beyond the window, liobn beyond 32 bits: H_PARAMETER */
    ck_assert_int_eq(hc3(&r, H_PUT_TCE, liobn, 0x1008, 0x200000 | 3, &cyc), H_PARAMETER);
    ck_assert_uint_eq(cyc, ENTRY + EXIT);
    ck_assert_int_eq(hc3(&r, H_PUT_TCE, liobn, (1ULL << 24) * PAGE, 0x200000 | 3, NULL),
                     H_PARAMETER);
    ck_assert_int_eq(hc3(&r, H_PUT_TCE, 1ULL << 32, 0x1000, 0x200000 | 3, NULL), H_PARAMETER);
    /* a valid TCE (read, write or both) beyond memory: H_PARAMETER */
    ck_assert_int_eq(hc3(&r, H_PUT_TCE, liobn, 0x1000, LPAR_MEM | 1, NULL), H_PARAMETER);
    ck_assert_uint_eq(REG(&r), 0);
    /* each permission makes it a registration (the page of the address) */
    ck_assert_int_eq(hc3(&r, H_PUT_TCE, liobn, 0x1000, 0x200000 | 1, &cyc), H_SUCCESS);
    ck_assert_uint_eq(cyc, ENTRY + STEP + EXIT);
    ck_assert_int_eq(hc3(&r, H_PUT_TCE, liobn, 0x2000, 0x201000 | 2, NULL), H_SUCCESS);
    ck_assert_int_eq(hc3(&r, H_PUT_TCE, liobn, 0x3000, 0x202000 | 3, NULL), H_SUCCESS);
    ck_assert_uint_eq(REG(&r), 3);
    ck_assert_uint_eq(REL(&r), 0);
    /* rewriting an entry replaces its page */
    ck_assert_int_eq(hc3(&r, H_PUT_TCE, liobn, 0x1000, 0x203000 | 3, NULL), H_SUCCESS);
    ck_assert_uint_eq(REG(&r), 4);
    ck_assert_uint_eq(REL(&r), 1);
    /* permissions 0 release the entry (its address is not checked) */
    ck_assert_int_eq(hc3(&r, H_PUT_TCE, liobn, 0x1000, 0, &cyc), H_SUCCESS);
    ck_assert_uint_eq(cyc, ENTRY + STEP + EXIT);
    ck_assert_uint_eq(REL(&r), 2);
    ck_assert_int_eq(hc3(&r, H_PUT_TCE, liobn, 0x2000, LPAR_MEM & ~3ULL, NULL), H_SUCCESS);
    ck_assert_uint_eq(REL(&r), 3);
    /* an entry that holds nothing: a step, nothing released */
    ck_assert_int_eq(hc3(&r, H_PUT_TCE, liobn, 0x1000, 0, &cyc), H_SUCCESS);
    ck_assert_uint_eq(cyc, ENTRY + STEP + EXIT);
    ck_assert_uint_eq(REG(&r), 4);
    ck_assert_uint_eq(REL(&r), 3);
    /* the same ioba on another liobn is another entry */
    ck_assert_int_eq(hc3(&r, H_PUT_TCE, liobn + 1, 0x3000, 0x202000 | 3, NULL), H_SUCCESS);
    ck_assert_int_eq(hc3(&r, H_PUT_TCE, liobn, 0x3000, 0, NULL), H_SUCCESS);
    ck_assert_uint_eq(REG(&r), 5);
    ck_assert_uint_eq(REL(&r), 4);
    ck_assert_uint_eq(counter(&r, "hypervisor.hcall_errors"), 4);
    env_free(&r.v);
}
END_TEST

/* ---- the VPA write at dispatch ------------------------------------------ */

START_TEST(dispatch_writes_the_vpa)
{
    rig r;
    rig_std(&r);
    fport *p = &r.v.fp[1];
    /* no VPA: nothing written, no cycles (as before VPAs existed) */
    ck_assert_uint_eq(hyp_vcpu_dispatched(r.v.h, 1, 0, 0, 1000), 0);
    ck_assert_uint_eq(p->reads + p->writes, 0);
    ck_assert_uint_eq(counter(&r, "critical.vpa_writes"), 0);
    /* a VPA registered at an offset in its page: the write goes to the
     * page's real address, on the thread the vCPU is dispatched to */
    const uint64_t la = 0x123000;
    ck_assert_int_eq(vpa(&r, F_VPA, 0, la + 0x80, NULL), H_SUCCESS);
    uint64_t before0 = r.v.fp[0].writes;
    uint64_t ra = hyp_logical_to_real(r.v.h, 0, la);
    ck_assert_uint_ne(ra, UINT64_MAX);
    ck_assert_uint_eq(hyp_vcpu_dispatched(r.v.h, 1, 0, 0, 1000), WRITE_LAT);
    ck_assert_uint_eq(p->writes, 1);
    ck_assert_uint_eq(p->reads, 0);
    ck_assert_uint_eq(p->bytes, 4); /* the yield count */
    ck_assert_uint_eq(p->last_addr, ra);
    ck_assert_uint_eq(r.v.fp[0].writes, before0);
    ck_assert_uint_eq(counter(&r, "critical.vpa_writes"), 1);
    /* every dispatch writes it again */
    ck_assert_uint_eq(hyp_vcpu_dispatched(r.v.h, 1, 0, 0, 5000), WRITE_LAT);
    ck_assert_uint_eq(p->writes, 2);
    ck_assert_uint_eq(counter(&r, "critical.vpa_writes"), 2);
    /* vCPU 1 has none */
    ck_assert_uint_eq(hyp_vcpu_dispatched(r.v.h, 1, 0, 1, 6000), 0);
    ck_assert_uint_eq(p->writes, 2);
    /* deregistered: nothing any more */
    ck_assert_int_eq(vpa(&r, F_DEREG_VPA, 0, 0, NULL), H_SUCCESS);
    ck_assert_uint_eq(hyp_vcpu_dispatched(r.v.h, 1, 0, 0, 7000), 0);
    ck_assert_uint_eq(p->writes, 2);
    ck_assert_uint_eq(counter(&r, "critical.vpa_writes"), 2);
    env_free(&r.v);
}
END_TEST

/* Areas are per LPAR: another LPAR's unit numbers, TCE entries and VPAs
 * are its own. */
START_TEST(areas_are_per_lpar)
{
    rig r;
    rig_std(&r);
    sim_err e = {{0}};
    ck_assert_msg(hyp_lpar_create(r.v.h, "b", LPAR_MEM, 256 * KB, &e) == 1, "%s", e.msg);
    cpu_vcpu vb;
    memset(&vb, 0, sizeof vb);
    ck_assert_int_eq(hyp_lpar_add_vcpu(r.v.h, 1, &vb, 2, &e), 0);
    uint64_t a[8] = {7, 0x100000, PAGE}, rets[8], cyc;
    ck_assert_int_eq(hc3(&r, H_REG_CRQ, 7, 0x100000, PAGE, NULL), H_SUCCESS);
    ck_assert_int_eq(hyp_hcall(r.v.h, 1, 2, 0, H_REG_CRQ, a, rets, &cyc), H_SUCCESS);
    /* b has one vCPU */
    uint64_t v1[8] = {FN(F_VPA), 1, 0x10000};
    ck_assert_int_eq(hyp_hcall(r.v.h, 1, 2, 0, H_REGISTER_VPA, v1, rets, &cyc), H_PARAMETER);
    ck_assert_int_eq(vpa(&r, F_VPA, 1, 0x10000, NULL), H_SUCCESS);
    /* b's VPA for its vCPU 0 does not make a's vCPU 0 write; each writes
     * its own LPAR's page */
    uint64_t v3[8] = {FN(F_VPA), 0, 0x10000};
    ck_assert_int_eq(hyp_hcall(r.v.h, 1, 2, 0, H_REGISTER_VPA, v3, rets, &cyc), H_SUCCESS);
    ck_assert_uint_eq(hyp_vcpu_dispatched(r.v.h, 3, 0, 0, 0), 0);
    ck_assert_uint_eq(r.v.fp[3].writes, 0);
    ck_assert_uint_eq(hyp_vcpu_dispatched(r.v.h, 3, 1, 0, 0), WRITE_LAT);
    ck_assert_uint_eq(r.v.fp[3].last_addr, hyp_logical_to_real(r.v.h, 1, 0x10000));
    ck_assert_uint_eq(hyp_vcpu_dispatched(r.v.h, 3, 0, 1, 0), WRITE_LAT);
    ck_assert_uint_eq(r.v.fp[3].last_addr, hyp_logical_to_real(r.v.h, 0, 0x10000));
    ck_assert_uint_ne(hyp_logical_to_real(r.v.h, 0, 0x10000),
                      hyp_logical_to_real(r.v.h, 1, 0x10000));
    /* freeing a's unit 7 leaves b's */
    ck_assert_int_eq(hc3(&r, H_FREE_CRQ, 7, 0, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hc3(&r, H_FREE_CRQ, 7, 0, 0, NULL), H_PARAMETER);
    uint64_t f[8] = {7};
    ck_assert_int_eq(hyp_hcall(r.v.h, 1, 2, 0, H_FREE_CRQ, f, rets, &cyc), H_SUCCESS);
    env_free(&r.v);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hcall_crit");
    TCase *t = tcase_create("hcall_crit");
    tcase_add_test(t, vpa_register_cost_and_counts);
    tcase_add_test(t, vpa_bad_proc_address_function);
    tcase_add_test(t, vpa_dtl_slb_order);
    tcase_add_test(t, crq_register_free);
    tcase_add_test(t, put_tce_register_release);
    tcase_add_test(t, dispatch_writes_the_vpa);
    tcase_add_test(t, areas_are_per_lpar);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
