/*
 * check_reloc.c - unit tests of sim/hyp/reloc (LMB relocation in granules,
 * seed 002) on a small machine built from a config: 1 module, 2 cores x 2
 * threads, hypervisor.lmb_size 16M, LPAR p0 of 32M (two LMBs, 256K HPT, no
 * vCPUs), one spare slot, LMB 0 moved in 4M granules from cycle AT on
 * thread 3 with the auditor on. The test drives the feature's timed events
 * itself (hyp_next_event / hyp_event) and the hypervisor's fault path
 * (hyp_hv_fault) as a vCPU's walk would.
 *  - the move: the bytes arrive at the target (physmem before/after), the
 *    source slot is released and zeroed, every HPTE of the LMB is valid at
 *    the target, one tlbie batch per granule with mappings, a TLB entry of
 *    the source is gone;
 *  - a miss on a granule in transit waits exactly until the granule's
 *    block ends (its reloc.granule op), then the entry is retargeted; a
 *    miss with no absent entry is reflected; before AT nothing is charged;
 *  - injected bugs (skip-block, skip-tlbie) are caught by the auditor.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "hyp/hcall.h"
#include "machine/machine.h"
#include "mmu/hpt.h"
#include "testutil.h"

#define MB (1ull << 20)
#define LMB (16 * MB)
#define GRAN (4 * MB)
#define AT 1000000ull
#define NPAGES 64 /* pages mapped, 256K apart: 16 per granule */
#define VSID 0x5a5a00ull

static const hpte_attrs RW_M = {.pp = 2, .key = 0, .wimg = 2, .noexec = false, .bolted = false};

typedef struct rig {
    machine *m;
    hyp *h;
    uint64_t now;
    uint64_t ptex[NPAGES];
} rig;

static void set(machine_config *c, const char *kv)
{
    sim_err e = {{0}};
    ck_assert_msg(cfg_set(&machine_config_table, c, kv, &e) == 0, "%s: %s", kv, e.msg);
}

static uint64_t ea_of(unsigned i) { return 0x10000000ull + 4096ull * i; }
static uint64_t la_of(unsigned i) { return 256 * 1024ull * i; }

static void rig_build(rig *r, const char *inject)
{
    machine_config c;
    sim_err e = {{0}};
    char kv[128];
    ck_assert_int_eq(machine_config_init(&c, &e), 0);
    set(&c, "machine.modules=1");
    set(&c, "machine.cores_per_module=2");
    set(&c, "machine.threads_per_core=2");
    set(&c, "memory.pmb_size=16M");
    set(&c, "hypervisor.lmb_size=16M");
    set(&c, "hypervisor.spare_lmbs=1");
    set(&c, "hypervisor.reloc.enabled=true");
    set(&c, "hypervisor.reloc.granule=4M");
    set(&c, "hypervisor.reloc.lpar=p0");
    set(&c, "hypervisor.reloc.lmb=0");
    set(&c, "hypervisor.reloc.thread=3");
    set(&c, "hypervisor.reloc.audit=true");
    snprintf(kv, sizeof kv, "hypervisor.reloc.at=%llu", AT);
    set(&c, kv);
    snprintf(kv, sizeof kv, "hypervisor.reloc.inject=%s", inject);
    set(&c, kv);
    set(&c, "lpars[0].name=p0");
    set(&c, "lpars[0].memory=32M");
    set(&c, "lpars[0].hpt_size=256K");
    r->m = machine_create(&c, NULL, &e);
    ck_assert_msg(r->m != NULL, "machine_create: %s", e.msg);
    machine_config_free(&c);
    r->h = machine_hyp(r->m);
    r->now = 10;
    physmem *pm = machine_physmem(r->m);
    const hpt *t = hyp_lpar_hpt(r->h, 0);
    for (unsigned i = 0; i < NPAGES; i++) {
        hpte x = hpte_make(VSID, ea_of(i), false, PSZ_4K, PSZ_4K, la_of(i), &RW_M, false);
        uint64_t pteg = hpt_pteg_index(t, hpt_hash(VSID, ea_of(i), 12, false), false);
        uint64_t a[8] = {0, pteg * 8, x.v, x.r}, rets[8] = {0}, cyc = 0;
        ck_assert_int_eq(hyp_hcall(r->h, 0, 0, r->now, H_ENTER, a, rets, &cyc), H_SUCCESS);
        r->now += cyc;
        r->ptex[i] = rets[0];
        /* a pattern in every page (and its translation cached by thread 0) */
        uint64_t ra = hyp_logical_to_real(r->h, 0, la_of(i));
        for (unsigned w = 0; w < 4; w++)
            physmem_write64(pm, ra + 1024 * w, 0xC0FFEE0000000000ull | (i << 8) | w);
        tlb_insert(machine_thread(r->m, 0)->tlb, 0, hpte_vpn(VSID, ea_of(i), 12, false), PSZ_4K,
                   ra >> 12, 3);
    }
    ck_assert_uint_lt(r->now, AT);
}

static uint64_t counter(rig *r, const char *name)
{
    uint64_t x = 0;
    ck_assert_msg(stats_get_counter(machine_stats(r->m), name, &x) == 0, "no counter %s", name);
    return x;
}

static const op_type *op(rig *r, const char *name)
{
    const op_type *o = ops_find(machine_ops(r->m), name);
    ck_assert_ptr_nonnull(o);
    return o;
}

/* Run the feature's events until none is due; 0, or -1 (e set). */
static int run_events(rig *r, sim_err *e)
{
    uint64_t t;
    while ((t = hyp_next_event(r->h)) != UINT64_MAX)
        if (hyp_event(r->h, t, e) != 0)
            return -1;
    return 0;
}

START_TEST(t_moves_bytes_and_hptes)
{
    rig r;
    rig_build(&r, "none");
    physmem *pm = machine_physmem(r.m);
    uint64_t src = hyp_logical_to_real(r.h, 0, 0);
    ck_assert_uint_eq(hyp_next_event(r.h), AT);
    sim_err e = {{0}};
    ck_assert_msg(run_events(&r, &e) == 0, "%s", e.msg);
    uint64_t dst = hyp_logical_to_real(r.h, 0, 0);
    ck_assert_uint_ne(dst, src);
    ck_assert_uint_ne(dst / LMB, src / LMB);        /* another PMB (16M each) */
    ck_assert_uint_eq(hyp_logical_to_real(r.h, 0, LMB), src + LMB); /* LMB 1 stays */
    const hpt *t = hyp_lpar_hpt(r.h, 0);
    for (unsigned i = 0; i < NPAGES; i++) {
        uint64_t ra = hyp_logical_to_real(r.h, 0, la_of(i));
        ck_assert_uint_eq(ra, dst + la_of(i));
        for (unsigned w = 0; w < 4; w++) {
            ck_assert_uint_eq(physmem_read64(pm, ra + 1024 * w),
                              0xC0FFEE0000000000ull | (i << 8) | w);
            ck_assert_uint_eq(physmem_read64(pm, src + la_of(i) + 1024 * w), 0); /* zeroed */
        }
        hpte x = hpt_read(t, r.ptex[i]);
        ck_assert(x.v & HPTE_V_VALID);
        ck_assert(!(x.v & HPTE_V_ABSENT));
        ck_assert_uint_eq(hpte_real_addr(x.r, PSZ_4K), ra);
    }
    /* no TLB entry of the source survives */
    size_t n;
    const tlb_entry *v = tlb_entries(machine_thread(r.m, 0)->tlb, &n);
    for (size_t i = 0; i < n; i++)
        ck_assert(!v[i].ctx || (v[i].rpn << 12) < src || (v[i].rpn << 12) >= src + LMB);
    uint64_t ngran = LMB / GRAN;
    ck_assert_uint_eq(counter(&r, "reloc.lmbs_moved"), 1);
    ck_assert_uint_eq(counter(&r, "reloc.granules"), ngran);
    ck_assert_uint_eq(counter(&r, "reloc.bytes_copied"), LMB);
    ck_assert_uint_eq(counter(&r, "reloc.hptes_absented"), NPAGES);
    ck_assert_uint_eq(counter(&r, "reloc.hptes_retargeted"), NPAGES);
    ck_assert_uint_eq(counter(&r, "reloc.tlbies"), ngran); /* every granule has mappings */
    ck_assert_uint_eq(counter(&r, "reloc.tlbie_pages"), NPAGES);
    ck_assert_uint_eq(counter(&r, "reloc.audit.violations"), 0);
    ck_assert_uint_eq(counter(&r, "reloc.audit.checks"), 4 * ngran + 2);
    /* parts add up; reloc.lmb's work = the granules' + their finishes */
    const op_type *o = op(&r, "reloc.lmb");
    uint64_t sum = 0;
    for (unsigned p = 0; p < o->nparts; p++)
        sum += o->part_total[p];
    ck_assert_uint_eq(sum, o->total);
    ck_assert_uint_eq(op(&r, "reloc.granule")->count, ngran);
    ck_assert_uint_ge(o->total, op(&r, "reloc.granule")->total);
    machine_destroy(r.m);
}
END_TEST

START_TEST(t_stall_until_block_end)
{
    rig r;
    rig_build(&r, "none");
    sim_err e = {{0}};
    uint64_t cyc = 0;
    /* before AT: not the feature's, nothing charged */
    int rc = hyp_hv_fault(r.h, 0, 0, VSID, ea_of(0), 12, false, false, AT - 5, &cyc, &e);
    ck_assert_int_eq(rc, CPU_HVF_REFLECT);
    ck_assert_uint_eq(cyc, 0);
    ck_assert_uint_eq(op(&r, "reloc.fault")->count, 0);
    /* granule 0 starts at AT and is in transit until its op ends */
    ck_assert_int_eq(hyp_event(r.h, AT, &e), 0);
    const op_type *g = op(&r, "reloc.granule");
    ck_assert_uint_eq(g->count, 1);
    uint64_t block_end = AT + g->total;
    ck_assert_uint_eq(hyp_next_event(r.h), block_end);
    /* page 0 lies in granule 0: its entry is absent, the miss waits */
    const hpt *t = hyp_lpar_hpt(r.h, 0);
    ck_assert((hpt_read(t, r.ptex[0]).v & (HPTE_V_VALID | HPTE_V_ABSENT)) == HPTE_V_ABSENT);
    uint64_t now = AT + 50;
    ck_assert_uint_lt(now, block_end);
    rc = hyp_hv_fault(r.h, 0, 0, VSID, ea_of(0), 12, false, false, now, &cyc, &e);
    ck_assert_int_eq(rc, CPU_HVF_RETRY);
    const op_type *f = op(&r, "reloc.fault");
    ck_assert_uint_eq(f->count, 1);
    /* parts: search, wait, retarget; the wait ends exactly at block_end */
    uint64_t search = f->part_total[0], wait = f->part_total[1];
    ck_assert_uint_eq(now + search + wait, block_end);
    ck_assert_uint_eq(cyc, f->total);
    ck_assert_uint_eq(counter(&r, "reloc.stalls"), 1);
    ck_assert_uint_eq(counter(&r, "reloc.max_stall_cycles"), wait);
    hpte x = hpt_read(t, r.ptex[0]);
    ck_assert(x.v & HPTE_V_VALID);
    uint64_t lmb0_target_guess = hpte_real_addr(x.r, PSZ_4K) - la_of(0);
    ck_assert_uint_ne(lmb0_target_guess, hyp_logical_to_real(r.h, 0, 0)); /* table: not yet */
    /* an EA never mapped: no absent entry in its PTEGs, reflected to the
     * guest after the (charged) search, no stall */
    rc = hyp_hv_fault(r.h, 0, 0, VSID, ea_of(1000), 12, false, false, now, &cyc, &e);
    ck_assert_int_eq(rc, CPU_HVF_REFLECT);
    ck_assert_uint_eq(counter(&r, "reloc.stalls"), 1);
    ck_assert_msg(run_events(&r, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(hpte_real_addr(hpt_read(t, r.ptex[0]).r, PSZ_4K),
                      hyp_logical_to_real(r.h, 0, la_of(0)));
    ck_assert_uint_eq(counter(&r, "reloc.hptes_refaulted"), 1);
    ck_assert_uint_eq(counter(&r, "reloc.hptes_retargeted"), NPAGES - 1);
    machine_destroy(r.m);
}
END_TEST

static void caught(const char *inject, const char *want)
{
    rig r;
    rig_build(&r, inject);
    sim_err e = {{0}};
    ck_assert_int_eq(run_events(&r, &e), -1);
    ck_assert_msg(strstr(e.msg, want) != NULL, "%s: got '%s'", inject, e.msg);
    ck_assert_uint_ge(counter(&r, "reloc.audit.violations"), 1);
    machine_destroy(r.m);
}

START_TEST(t_inject_skip_block) { caught("skip-block", "in the source (in transit) of granule 0"); }
END_TEST
START_TEST(t_inject_skip_tlbie) { caught("skip-tlbie", "(a stale entry: no tlbie)"); }
END_TEST

int main(void)
{
    Suite *s = suite_create("reloc");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, t_moves_bytes_and_hptes);
    tcase_add_test(tc, t_stall_until_block_end);
    tcase_add_test(tc, t_inject_skip_block);
    tcase_add_test(tc, t_inject_skip_tlbie);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
