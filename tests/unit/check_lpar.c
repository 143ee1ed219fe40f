/*
 * check_lpar.c - unit tests of sim/lpar (the guest OS model) through whole
 * small machines: first-touch page faults, page-crossing accesses (both
 * pages faulted and charged), TLB misses equal tlb.miss ops, Linux's
 * HPTE insert policy (primary, secondary, random eviction with H_REMOVE
 * H_ANDCOND BOLTED, retry) on a minimal HPT, refaults, R/C bits set by the
 * hardware walk, LPAR out of memory, determinism and seeds, and vCPU
 * binding errors. Traces are tiny text traces written at test time into
 * the test's scratch directory.
 *
 * Layout facts used below (computed by hand): one 256M LPAR needs one 256M
 * LMB of hypervisor memory, so its logical 0 is real 256M; with 4K pages its
 * page table takes 8 B x 65536 pages = 512K = 128 pages, so the first page
 * it hands out is logical page 128 (0x80000). vCPU 0 of process 0 runs in
 * context 500001.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hyp/hcall.h"
#include "machine/machine.h"
#include "mmu/hpt.h"
#include "testutil.h"

#define KB (1ull << 10)
#define MB (1ull << 20)
#define CTX0 500001u
#define SEG1 0x10000000ULL /* EA of segment 1 */

/* ---- helpers ------------------------------------------------------------ */

static void set(machine_config *c, const char *kv)
{
    sim_err e = {{0}};
    ck_assert_msg(cfg_set(&machine_config_table, c, kv, &e) == 0, "%s: %s", kv, e.msg);
}

static void setf(machine_config *c, const char *fmt, const char *arg)
{
    char buf[4200];
    snprintf(buf, sizeof buf, fmt, arg);
    set(c, buf);
}

/* Write a text trace; returns its path. */
static const char *trace_file(const char *name, const char *body)
{
    const char *p = tu_tmp(name);
    char *text = malloc(strlen(body) + 64);
    sprintf(text, "#lparsim-trace v1\n%s", body);
    ck_assert_int_eq(tu_write_file(p, text), 0);
    free(text);
    return p;
}

/* A small machine: 1 module, 1 core, 2 threads; LPAR "p0" of 256M with one
 * vCPU on thread 0 replaying `trace`. */
static void small_config(machine_config *c, const char *trace)
{
    sim_err e = {{0}};
    ck_assert_int_eq(machine_config_init(c, &e), 0);
    set(c, "machine.modules=1");
    set(c, "machine.cores_per_module=1");
    set(c, "machine.threads_per_core=2");
    set(c, "lpars[0].name=p0");
    set(c, "lpars[0].memory=256M");
    set(c, "lpars[0].vcpus[0].thread=0");
    setf(c, "lpars[0].vcpus[0].trace=%s", trace);
}

static machine *build(const machine_config *c)
{
    sim_err e = {{0}};
    machine *m = machine_create(c, NULL, &e);
    ck_assert_msg(m != NULL, "%s", e.msg);
    return m;
}

static void run_ok(machine *m)
{
    sim_err e = {{0}};
    ck_assert_msg(machine_run(m, NULL, NULL, &e) == 0, "%s", e.msg);
}

static uint64_t stat(const machine *m, const char *name)
{
    uint64_t v = 0;
    ck_assert_msg(stats_get_counter(machine_stats(m), name, &v) == 0, "no stat %s", name);
    return v;
}

static uint64_t op_count(const machine *m, const char *name)
{
    const op_type *o = ops_find(machine_ops(m), name);
    return o ? o->count : 0;
}

/* The HPTE mapping (context, ea) in LPAR lpid with 4K pages, 256M segments. */
static bool find4k(machine *m, unsigned lpid, uint32_t ctx, uint64_t ea, hpt_result *r)
{
    const hpt *t = hyp_lpar_hpt(machine_hyp(m), lpid);
    return hpt_search(t, seg_vsid(ctx, ea, false), ea, 12, false, NULL, 0, r);
}

static char *report(const machine *m)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    jtree *j = jtree_create();
    machine_report_json(m, j);
    ck_assert_int_eq(jtree_write(j, f), 0);
    jtree_destroy(j);
    fclose(f);
    return buf;
}

/* ---- first touch -------------------------------------------------------- */

START_TEST(first_touch_faults_once_per_page)
{
    /* 10 distinct pages, each touched 3 times (load, store, load) */
    char body[4096] = "";
    for (unsigned k = 0; k < 10; k++) {
        char line[128];
        uint64_t ea = SEG1 + k * 0x1000 + 0x40;
        snprintf(line, sizeof line, "L 0x%llx 8\nS 0x%llx 8\nL 0x%llx 4\n", (unsigned long long)ea,
                 (unsigned long long)ea + 8, (unsigned long long)ea + 16);
        strcat(body, line);
    }
    machine_config c;
    small_config(&c, trace_file("touch.trc", body));
    machine *m = build(&c);
    run_ok(m);
    ck_assert_uint_eq(op_count(m, "page_fault"), 10);
    ck_assert_uint_eq(op_count(m, "hcall.H_ENTER"), 10);
    ck_assert_uint_eq(op_count(m, "hcall.H_REMOVE"), 0);
    ck_assert_uint_eq(stat(m, "guest.p0.page_faults"), 10);
    ck_assert_uint_eq(stat(m, "guest.p0.first_touches"), 10);
    ck_assert_uint_eq(stat(m, "guest.p0.refaults"), 0);
    ck_assert_uint_eq(stat(m, "guest.p0.secondary_inserts"), 0);
    ck_assert_uint_eq(stat(m, "hypervisor.hptes_inserted"), 10);
    ck_assert_uint_eq(stat(m, "cpu.thread0.loads"), 20);
    ck_assert_uint_eq(stat(m, "cpu.thread0.stores"), 10);
    /* per page: the first load misses; the store finds an entry made while
     * C = 0, which does not permit stores, and walks again to set C; the
     * second load hits */
    ck_assert_uint_eq(op_count(m, "tlb.miss"), 20);
    ck_assert_uint_eq(stat(m, "tlb.thread0.misses"), 20); /* the same definition (D19) */
    /* page k got logical page 128 + k, i.e. real 256M + 0x80000 + k * 4K,
     * and the HPTE was stored (R and C set by the walk and the store) */
    for (unsigned k = 0; k < 10; k++) {
        hpt_result r;
        ck_assert(find4k(m, 0, CTX0, SEG1 + k * 0x1000, &r));
        ck_assert_uint_eq(hpte_real_addr(r.e.r, PSZ_4K), 256 * MB + 0x80000 + k * 0x1000);
        ck_assert(r.e.r & HPTE_R_R);
        ck_assert(r.e.r & HPTE_R_C);
        ck_assert(!(r.e.v & HPTE_V_SECONDARY));
        ck_assert(!(r.e.v & HPTE_V_BOLTED));
    }
    ck_assert(!find4k(m, 0, CTX0, SEG1 + 10 * 0x1000, &(hpt_result){0}));
    /* the JSON report carries the same figure */
    jtree *j = jtree_create();
    machine_report_json(m, j);
    double d = 0;
    ck_assert_int_eq(jtree_get_double(j, "guest.p0.first_touches", &d), 0);
    ck_assert(d == 10.0);
    ck_assert_int_eq(jtree_get_double(j, "machine.lpars.p0.pages_used", &d), 0);
    ck_assert(d == 10.0);
    jtree_destroy(j);
    machine_destroy(m);
    machine_config_free(&c);
}
END_TEST

/* D19: a load, then a modify of the same doubleword. The load's walk
 * loads the TLB entry while C = 0; the modify's load part hits it; its
 * store part finds an entry without write permission: a miss by the TLB's
 * definition, walked (the walk sets C). Both counts say 2 misses. */
START_TEST(tlb_misses_equal_tlb_miss_ops)
{
    machine_config c;
    small_config(&c, trace_file("d19.trc", "L 0x20000000 8\nM 0x20000000 8\n"));
    machine *m = build(&c);
    run_ok(m);
    ck_assert_uint_eq(op_count(m, "tlb.miss"), 2);
    ck_assert_uint_eq(stat(m, "tlb.thread0.misses"), 2);
    ck_assert_uint_eq(stat(m, "tlb.thread0.hits"), 1);
    jtree *j = jtree_create();
    machine_report_json(m, j);
    double d = 0;
    ck_assert_int_eq(jtree_get_double(j, "tlb.total.misses", &d), 0);
    ck_assert(d == 2.0);
    ck_assert_int_eq(jtree_get_double(j, "ops.tlb.miss.count", &d), 0);
    ck_assert(d == 2.0);
    jtree_destroy(j);
    machine_destroy(m);
    machine_config_free(&c);
}
END_TEST

START_TEST(page_crossing_faults_both_pages)
{
    machine_config c;
    small_config(&c, trace_file("cross.trc", "L 0x10000ffc 8\nL 0x10001000 8\n"));
    machine *m = build(&c);
    run_ok(m);
    ck_assert_uint_eq(stat(m, "cpu.thread0.page_crossings"), 1);
    ck_assert_uint_eq(stat(m, "guest.p0.first_touches"), 2);
    ck_assert_uint_eq(op_count(m, "page_fault"), 2);
    hpt_result r;
    ck_assert(find4k(m, 0, CTX0, 0x10000000, &r));
    ck_assert_uint_eq(hpte_real_addr(r.e.r, PSZ_4K), 256 * MB + 0x80000);
    ck_assert(find4k(m, 0, CTX0, 0x10001000, &r));
    ck_assert_uint_eq(hpte_real_addr(r.e.r, PSZ_4K), 256 * MB + 0x81000);
    machine_destroy(m);
    machine_config_free(&c);
}
END_TEST

/* A page-crossing access is charged both pages' latency: with no hidden
 * latency, tests/data/replay/crossing.txt (a load crossing 0x11000, an
 * instruction fetch crossing 0x21000) stalls exactly as long as the same
 * trace with the crossing load split into its two parts. Charging only one
 * page (the last part's latency) makes the crossing trace stall less. */
static uint64_t stall_of(const char *trace, uint64_t *crossings)
{
    machine_config c;
    small_config(&c, trace);
    set(&c, "cpu.hidden_latency=0");
    machine *m = build(&c);
    run_ok(m);
    uint64_t v = stat(m, "cpu.thread0.stall_cycles");
    *crossings = stat(m, "cpu.thread0.page_crossings");
    machine_destroy(m);
    machine_config_free(&c);
    return v;
}

START_TEST(page_crossing_charges_both_pages)
{
    uint64_t nx, ny;
    uint64_t x = stall_of(tu_src("tests/data/replay/crossing.txt"), &nx);
    uint64_t y = stall_of(trace_file("split.trc", "L 0x10010 8\nL 0x10ffc 4\nL 0x11000 4\n"
                                                  "I 0x20ffe 4\n"), &ny);
    ck_assert_uint_eq(nx, 2);
    ck_assert_uint_eq(ny, 1);
    ck_assert_uint_gt(y, 0);
    ck_assert_msg(x == y, "crossing load stalls %llu cycles in all, split into two loads %llu",
                  (unsigned long long)x, (unsigned long long)y);
}
END_TEST

START_TEST(store_after_load_sets_change_bit)
{
    /* page A: load then store (the TLB entry made by the load must not let
     * the store skip setting C); page B: loads only; page C: store first */
    machine_config c;
    small_config(&c, trace_file("rc.trc", "L 0x10000000 8\nS 0x10000008 8\n"
                                          "L 0x10001000 8\nL 0x10001008 8\n"
                                          "S 0x10002000 8\nL 0x10002000 8\n"));
    machine *m = build(&c);
    run_ok(m);
    hpt_result r;
    ck_assert(find4k(m, 0, CTX0, 0x10000000, &r));
    ck_assert(r.e.r & HPTE_R_R);
    ck_assert_msg(r.e.r & HPTE_R_C, "store through a TLB entry loaded by a load left C clear");
    ck_assert(find4k(m, 0, CTX0, 0x10001000, &r));
    ck_assert(r.e.r & HPTE_R_R);
    ck_assert(!(r.e.r & HPTE_R_C));
    ck_assert(find4k(m, 0, CTX0, 0x10002000, &r));
    ck_assert(r.e.r & HPTE_R_C);
    machine_destroy(m);
    machine_config_free(&c);
}
END_TEST

/* ---- Linux insert policy ------------------------------------------------ */

/* 20 pages of segment 1 whose EAs differ only in bits 23..27: with a 256K
 * HPT (2048 PTEGs, 11 hash bits) they share the primary and the secondary
 * PTEG. Returns the trace path; sets pteg and spteg to the two groups. */
static const char *collide_trace(const char *name, unsigned npages, unsigned passes,
                                 uint64_t *pteg, uint64_t *spteg)
{
    uint64_t vsid = seg_vsid(CTX0, SEG1, false);
    ck_assert_uint_ne(vsid, 0);
    uint64_t mask = (256 * KB / 128) - 1;
    *pteg = hpt_hash(vsid, SEG1, 12, false) & mask;
    *spteg = ~hpt_hash(vsid, SEG1, 12, false) & mask;
    char body[8192] = "";
    for (unsigned p = 0; p < passes; p++)
        for (unsigned k = 0; k < npages; k++) {
            uint64_t ea = SEG1 + ((uint64_t)k << 23);
            ck_assert_uint_eq(seg_vsid(CTX0, ea, false), vsid); /* same segment */
            ck_assert_uint_eq(hpt_hash(vsid, ea, 12, false) & mask, *pteg);
            ck_assert_uint_eq(~hpt_hash(vsid, ea, 12, false) & mask, *spteg);
            char line[64];
            snprintf(line, sizeof line, "L 0x%llx 8\n", (unsigned long long)ea);
            strcat(body, line);
        }
    return trace_file(name, body);
}

static void tiny_hpt_config(machine_config *c, const char *trace, const char *seed)
{
    small_config(c, trace);
    set(c, "lpars[0].hpt_size=256K");
    setf(c, "machine.seed=%s", seed);
}

/* Check the two groups are full of the right entries; returns the v words
 * of the 16 slots (primary then secondary) in *layout. */
static void check_groups(machine *m, uint64_t pteg, uint64_t spteg, unsigned npages,
                         uint64_t layout[16])
{
    const hpt *t = hyp_lpar_hpt(machine_hyp(m), 0);
    ck_assert_uint_eq(t->npteg, 2048);
    for (unsigned s = 0; s < 8; s++) {
        hpte a = hpt_read(t, pteg * 8 + s), b = hpt_read(t, spteg * 8 + s);
        ck_assert(a.v & HPTE_V_VALID);
        ck_assert(!(a.v & HPTE_V_SECONDARY));
        ck_assert(b.v & HPTE_V_VALID);
        ck_assert(b.v & HPTE_V_SECONDARY);
        layout[s] = a.v;
        layout[8 + s] = b.v;
    }
    /* exactly 16 of the pages are present, each once */
    unsigned present = 0;
    for (unsigned k = 0; k < npages; k++) {
        hpt_result r;
        if (find4k(m, 0, CTX0, SEG1 + ((uint64_t)k << 23), &r)) {
            present++;
            ck_assert(r.ptex / 8 == pteg || r.ptex / 8 == spteg);
        }
    }
    ck_assert_uint_eq(present, 16);
}

START_TEST(insert_policy_primary_secondary_evict)
{
    uint64_t pteg, spteg;
    machine_config c;
    tiny_hpt_config(&c, collide_trace("policy.trc", 20, 1, &pteg, &spteg), "1");
    ck_assert_uint_ne(pteg, spteg);
    machine *m = build(&c);
    run_ok(m);
    uint64_t sec = stat(m, "guest.p0.secondary_inserts");
    ck_assert_uint_eq(stat(m, "guest.p0.first_touches"), 20);
    ck_assert_uint_eq(stat(m, "guest.p0.page_faults"), 20);
    ck_assert_uint_eq(stat(m, "guest.p0.refaults"), 0);
    /* 8 primary, 8 secondary, then 4 evictions */
    ck_assert_uint_eq(stat(m, "guest.p0.hpte_evictions"), 4);
    ck_assert_uint_eq(op_count(m, "hcall.H_REMOVE"), 4); /* no bolted entries: first try works */
    ck_assert_uint_ge(sec, 8);
    ck_assert_uint_le(sec, 12);
    /* H_ENTER calls: pages 0-7 one each, 8-15 two each (primary full), 16-19:
     * two failures, then one more (slot freed in the primary) or two */
    ck_assert_uint_eq(op_count(m, "hcall.H_ENTER"), 8 + 16 + 4 * 3 + (sec - 8));
    ck_assert_uint_eq(stat(m, "hypervisor.hptes_inserted"), 20);
    ck_assert_uint_eq(stat(m, "hypervisor.hptes_removed"), 4);
    ck_assert_uint_eq(stat(m, "hypervisor.hcall_errors"), op_count(m, "hcall.H_ENTER") - 20);
    /* every successful H_REMOVE ran a tlbie */
    ck_assert_uint_eq(stat(m, "tlbie.tlbies"), 4);
    uint64_t layout[16];
    check_groups(m, pteg, spteg, 20, layout);
    /* pages 16..19 are present: each was inserted last into the slot just freed
     * and nothing evicted it... except a later eviction; the last one is sure */
    hpt_result r;
    ck_assert(find4k(m, 0, CTX0, SEG1 + (19ull << 23), &r));
    machine_destroy(m);
    machine_config_free(&c);
}
END_TEST

START_TEST(evicted_pages_refault)
{
    uint64_t pteg, spteg;
    machine_config c;
    tiny_hpt_config(&c, collide_trace("refault.trc", 20, 2, &pteg, &spteg), "7");
    machine *m = build(&c);
    run_ok(m);
    uint64_t ref = stat(m, "guest.p0.refaults");
    uint64_t ev = stat(m, "guest.p0.hpte_evictions");
    /* at least the 4 pages evicted in pass 1 fault again in pass 2 */
    ck_assert_uint_ge(ref, 4);
    ck_assert_uint_eq(stat(m, "guest.p0.first_touches"), 20);
    ck_assert_uint_eq(stat(m, "guest.p0.page_faults"), 20 + ref);
    ck_assert_uint_eq(op_count(m, "page_fault"), 20 + ref);
    /* 16 slots: every insert beyond the 16th evicted one entry */
    ck_assert_uint_eq(ev, 20 + ref - 16);
    ck_assert_uint_eq(op_count(m, "hcall.H_REMOVE"), ev);
    ck_assert_uint_eq(stat(m, "hypervisor.hptes_inserted"), 20 + ref);
    /* a refault reuses the page's logical page: still 20 pages used */
    jtree *j = jtree_create();
    machine_report_json(m, j);
    double d = 0;
    ck_assert_int_eq(jtree_get_double(j, "machine.lpars.p0.pages_used", &d), 0);
    ck_assert(d == 20.0);
    jtree_destroy(j);
    uint64_t layout[16];
    check_groups(m, pteg, spteg, 20, layout);
    /* the present pages still map their first-touch logical pages 128+k */
    for (unsigned k = 0; k < 20; k++) {
        hpt_result r;
        if (find4k(m, 0, CTX0, SEG1 + ((uint64_t)k << 23), &r))
            ck_assert_uint_eq(hpte_real_addr(r.e.r, PSZ_4K), 256 * MB + (128 + k) * 4 * KB);
    }
    machine_destroy(m);
    machine_config_free(&c);
}
END_TEST

START_TEST(bolted_entries_are_never_evicted)
{
    /* The trace first H_ENTERs 15 bolted entries (8 in the primary group, 7
     * in the secondary) through hcall records, then touches two colliding
     * pages A and B, then A again: the guest can only ever evict its own
     * non-bolted entry. */
    uint64_t vsid = seg_vsid(CTX0, SEG1, false);
    uint64_t mask = 2047;
    uint64_t pteg = hpt_hash(vsid, SEG1, 12, false) & mask;
    uint64_t spteg = ~hpt_hash(vsid, SEG1, 12, false) & mask;
    hpte_attrs bolted = {.pp = 2, .key = 0, .wimg = 2, .noexec = false, .bolted = true};
    char body[8192] = "";
    for (unsigned i = 0; i < 15; i++) {
        uint64_t group = i < 8 ? pteg : spteg;
        hpte x = hpte_make(0x999, 0x5000000 + i * 0x1000, false, PSZ_4K, PSZ_4K,
                           200 * MB + i * 0x1000, &bolted, i >= 8);
        char line[160];
        snprintf(line, sizeof line, "H 0x%x 0x0 0x%llx 0x%llx 0x%llx\n", H_ENTER,
                 (unsigned long long)(group * 8), (unsigned long long)x.v,
                 (unsigned long long)x.r);
        strcat(body, line);
    }
    char line[160];
    snprintf(line, sizeof line, "L 0x%llx 8\nL 0x%llx 8\nL 0x%llx 8\n",
             (unsigned long long)SEG1, (unsigned long long)(SEG1 + (1ull << 23)),
             (unsigned long long)SEG1);
    strcat(body, line);
    machine_config c;
    tiny_hpt_config(&c, trace_file("bolted.trc", body), "3");
    machine *m = build(&c);
    run_ok(m);
    ck_assert_uint_eq(stat(m, "guest.p0.hcall_records"), 15);
    ck_assert_uint_eq(stat(m, "hypervisor.hptes_inserted"), 15 + 3);
    ck_assert_uint_eq(stat(m, "guest.p0.first_touches"), 2);
    ck_assert_uint_eq(stat(m, "guest.p0.refaults"), 1);
    ck_assert_uint_eq(stat(m, "guest.p0.hpte_evictions"), 2); /* A for B, then B for A */
    ck_assert_uint_eq(stat(m, "guest.p0.secondary_inserts"), 3);
    ck_assert_uint_eq(stat(m, "hypervisor.hptes_removed"), 2);
    /* H_REMOVEs on bolted entries returned H_NOT_FOUND: at least one each */
    ck_assert_uint_ge(op_count(m, "hcall.H_REMOVE"), 2);
    const hpt *t = hyp_lpar_hpt(machine_hyp(m), 0);
    unsigned nb = 0;
    for (unsigned s = 0; s < 8; s++) {
        nb += (hpt_read(t, pteg * 8 + s).v & HPTE_V_BOLTED) != 0;
        nb += (hpt_read(t, spteg * 8 + s).v & HPTE_V_BOLTED) != 0;
    }
    ck_assert_uint_eq(nb, 15);
    hpt_result r;
    ck_assert(find4k(m, 0, CTX0, SEG1, &r));
    ck_assert_uint_eq(r.ptex, spteg * 8 + 7);
    ck_assert(!find4k(m, 0, CTX0, SEG1 + (1ull << 23), &r));
    machine_destroy(m);
    machine_config_free(&c);
}
END_TEST

START_TEST(all_bolted_is_an_error)
{
    /* both groups full of bolted entries: the fault cannot be served */
    uint64_t vsid = seg_vsid(CTX0, SEG1, false);
    uint64_t pteg = hpt_hash(vsid, SEG1, 12, false) & 2047;
    uint64_t spteg = ~hpt_hash(vsid, SEG1, 12, false) & 2047;
    hpte_attrs bolted = {.pp = 2, .key = 0, .wimg = 2, .noexec = false, .bolted = true};
    char body[8192] = "";
    for (unsigned i = 0; i < 16; i++) {
        hpte x = hpte_make(0x999, 0x5000000 + i * 0x1000, false, PSZ_4K, PSZ_4K,
                           200 * MB + i * 0x1000, &bolted, i >= 8);
        char line[160];
        snprintf(line, sizeof line, "H 0x8 0x0 0x%llx 0x%llx 0x%llx\n",
                 (unsigned long long)((i < 8 ? pteg : spteg) * 8), (unsigned long long)x.v,
                 (unsigned long long)x.r);
        strcat(body, line);
    }
    strcat(body, "L 0x10000000 8\n");
    machine_config c;
    tiny_hpt_config(&c, trace_file("allbolted.trc", body), "1");
    machine *m = build(&c);
    sim_err e = {{0}};
    ck_assert_int_eq(machine_run(m, NULL, NULL, &e), -1);
    ck_assert_msg(strstr(e.msg, "could not insert") != NULL, "%s", e.msg);
    ck_assert_msg(strstr(e.msg, "0x10000000") != NULL, "%s", e.msg);
    ck_assert_uint_eq(stat(m, "guest.p0.hpte_evictions"), 0);
    machine_destroy(m);
    machine_config_free(&c);
}
END_TEST

/* ---- out of memory ------------------------------------------------------ */

START_TEST(lpar_out_of_memory)
{
    /* 16M pages: 256M = 16 pages, the page table takes the first one, so 15
     * pages can be handed out; the 16th distinct page fails */
    char body[2048] = "";
    for (unsigned k = 0; k < 16; k++) {
        char line[64];
        snprintf(line, sizeof line, "S 0x%llx 8\n", (unsigned long long)(SEG1 + k * 16 * MB));
        strcat(body, line);
    }
    machine_config c;
    small_config(&c, trace_file("oom.trc", body));
    set(&c, "lpars[0].page_size=16M");
    set(&c, "guest.zero_new_pages=false");
    machine *m = build(&c);
    sim_err e = {{0}};
    ck_assert_int_eq(machine_run(m, NULL, NULL, &e), -1);
    ck_assert_msg(strstr(e.msg, "out of memory") != NULL, "%s", e.msg);
    ck_assert_msg(strstr(e.msg, "p0") != NULL, "%s", e.msg);
    ck_assert_msg(strstr(e.msg, "oom.trc") != NULL, "%s", e.msg);
    ck_assert_uint_eq(stat(m, "guest.p0.first_touches"), 15);
    ck_assert_uint_eq(stat(m, "hypervisor.hptes_inserted"), 15);
    /* the 15 pages are 16M HPTEs with the 16M code, logical pages 1..15 */
    const hpt *t = hyp_lpar_hpt(machine_hyp(m), 0);
    for (unsigned k = 0; k < 15; k++) {
        uint64_t ea = SEG1 + k * 16 * MB;
        hpt_result r;
        ck_assert(hpt_search(t, seg_vsid(CTX0, ea, false), ea, 24, false, NULL, 0, &r));
        ck_assert_int_eq(r.psize, PSZ_16M);
        ck_assert_uint_eq(hpte_real_addr(r.e.r, PSZ_16M), 256 * MB + (k + 1) * 16 * MB);
        ck_assert(r.e.r & HPTE_R_C);
    }
    machine_destroy(m);
    machine_config_free(&c);
}
END_TEST

/* ---- determinism and seeds ---------------------------------------------- */

START_TEST(same_seed_same_report)
{
    uint64_t pteg, spteg;
    const char *tr = collide_trace("det.trc", 24, 3, &pteg, &spteg);
    char *rep[2];
    uint64_t layout[2][16];
    for (int i = 0; i < 2; i++) {
        machine_config c;
        tiny_hpt_config(&c, tr, "12345");
        /* a second LPAR on the other thread, sharing the machine */
        set(&c, "lpars[1].name=p1");
        set(&c, "lpars[1].memory=256M");
        set(&c, "lpars[1].vcpus[0].thread=1");
        setf(&c, "lpars[1].vcpus[0].trace=%s", tr);
        machine *m = build(&c);
        run_ok(m);
        rep[i] = report(m);
        check_groups(m, pteg, spteg, 24, layout[i]);
        machine_destroy(m);
        machine_config_free(&c);
    }
    ck_assert_str_eq(rep[0], rep[1]);
    ck_assert(memcmp(layout[0], layout[1], sizeof layout[0]) == 0);
    ck_assert(strstr(rep[0], "\"hpte_evictions\"") != NULL);
    free(rep[0]);
    free(rep[1]);
}
END_TEST

START_TEST(seed_changes_eviction_choices)
{
    uint64_t pteg, spteg;
    const char *tr = collide_trace("seeds.trc", 24, 3, &pteg, &spteg);
    const char *seeds[4] = {"1", "2", "3", "4"};
    uint64_t layout[4][16], cycles[4], ev[4];
    for (int i = 0; i < 4; i++) {
        machine_config c;
        tiny_hpt_config(&c, tr, seeds[i]);
        machine *m = build(&c);
        run_ok(m);
        /* still correct whatever the choices */
        check_groups(m, pteg, spteg, 24, layout[i]);
        uint64_t ref = stat(m, "guest.p0.refaults");
        ev[i] = stat(m, "guest.p0.hpte_evictions");
        ck_assert_uint_eq(stat(m, "guest.p0.first_touches"), 24);
        ck_assert_uint_eq(ev[i], 24 + ref - 16);
        cycles[i] = machine_cycles(m);
        machine_destroy(m);
        machine_config_free(&c);
    }
    /* the seeds do not all make the same choices */
    int distinct = 0;
    for (int i = 1; i < 4; i++)
        distinct += memcmp(layout[0], layout[i], sizeof layout[0]) != 0 || ev[0] != ev[i] ||
                    cycles[0] != cycles[i];
    ck_assert_int_ge(distinct, 2);
}
END_TEST

/* ---- vCPU binding errors ------------------------------------------------ */

START_TEST(vcpu_binding_errors)
{
    const char *tr = trace_file("bind.trc", "L 0x1000 8\n");
    sim_err e = {{0}};
    /* thread out of range: the small machine has threads 0 and 1 */
    machine_config c;
    small_config(&c, tr);
    set(&c, "lpars[0].vcpus[0].thread=2");
    ck_assert_ptr_null(machine_create(&c, NULL, &e));
    ck_assert_msg(strstr(e.msg, "lpars[0].vcpus[0].thread") != NULL, "%s", e.msg);
    ck_assert_msg(strstr(e.msg, "2") != NULL, "%s", e.msg);
    machine_config_free(&c);
    /* two vCPUs of one LPAR on one thread */
    small_config(&c, tr);
    set(&c, "lpars[0].vcpus[1].thread=0");
    setf(&c, "lpars[0].vcpus[1].trace=%s", tr);
    ck_assert_ptr_null(machine_create(&c, NULL, &e));
    ck_assert_msg(strstr(e.msg, "lpars[0].vcpus[1].thread") != NULL, "%s", e.msg);
    machine_config_free(&c);
    /* vCPUs of two LPARs on one thread */
    small_config(&c, tr);
    set(&c, "lpars[1].name=p1");
    set(&c, "lpars[1].vcpus[0].thread=0");
    setf(&c, "lpars[1].vcpus[0].trace=%s", tr);
    ck_assert_ptr_null(machine_create(&c, NULL, &e));
    ck_assert_msg(strstr(e.msg, "lpars[1].vcpus[0].thread") != NULL, "%s", e.msg);
    machine_config_free(&c);
    /* an HPT size that is not a power of two is refused up front */
    small_config(&c, tr);
    set(&c, "lpars[0].hpt_size=300K");
    ck_assert_ptr_null(machine_create(&c, NULL, &e));
    ck_assert_msg(strstr(e.msg, "lpars[0].hpt_size") != NULL, "%s", e.msg);
    machine_config_free(&c);
    /* and the valid form of the same machine builds */
    small_config(&c, tr);
    set(&c, "lpars[1].name=p1");
    set(&c, "lpars[1].vcpus[0].thread=1");
    setf(&c, "lpars[1].vcpus[0].trace=%s", tr);
    machine *m = build(&c);
    run_ok(m);
    ck_assert_uint_eq(stat(m, "guest.p0.first_touches"), 1);
    ck_assert_uint_eq(stat(m, "guest.p1.first_touches"), 1);
    /* same EA, separate LPARs: separate real pages (LMBs 1 and 2) */
    hpt_result r0, r1;
    ck_assert(find4k(m, 0, CTX0, 0x1000, &r0));
    ck_assert(find4k(m, 1, CTX0, 0x1000, &r1));
    ck_assert(hyp_real_owned_by(machine_hyp(m), 0, hpte_real_addr(r0.e.r, PSZ_4K)));
    ck_assert(hyp_real_owned_by(machine_hyp(m), 1, hpte_real_addr(r1.e.r, PSZ_4K)));
    machine_destroy(m);
    machine_config_free(&c);
}
END_TEST

/* Two vCPUs of the LPAR take turns on one hardware thread (what a
 * dispatcher does): each keeps its own trace position and record count,
 * the thread's clock and statistics go on, and the thread is done only
 * when the vCPU it runs is. */
START_TEST(vcpus_switch_on_a_thread)
{
    char body[4096], *p = body;
    for (int i = 0; i < 40; i++)
        p += sprintf(p, "L 0x%x 8\n", 0x10000000 + i * 4096);
    const char *t1 = trace_file("sw1.txt", body);
    p = body;
    for (int i = 0; i < 25; i++)
        p += sprintf(p, "S 0x%x 8\n", 0x10800000 + i * 4096);
    const char *t2 = trace_file("sw2.txt", body);
    machine_config c;
    small_config(&c, t1);
    machine *m = build(&c);
    machine_config_free(&c);
    cpu_thread *t = machine_thread(m, 0);
    sim_err e = {{0}};
    tr_reader *r2 = tr_open(t2, &e);
    ck_assert_msg(r2 != NULL, "%s", e.msg);
    cpu_vcpu v2;
    memset(&v2, 0, sizeof v2);
    cpu_binding b = t->own.b;
    b.trace = r2;
    b.context = 500002u; /* its own process */
    cpu_vcpu_init(&v2, &b);
    /* own vCPU for a while, then v2 to its end, then own to its end */
    ck_assert_int_eq(cpu_thread_run(t, t->clock + 2000, &e), 1);
    uint64_t first = t->own.records;
    ck_assert_uint_gt(first, 0);
    ck_assert_uint_lt(first, 40);
    cpu_thread_switch(t, &v2);
    ck_assert(t->bound && !t->done);
    ck_assert_int_eq(cpu_thread_run(t, UINT64_MAX, &e), 0);
    ck_assert_uint_eq(v2.records, 25);
    ck_assert(v2.done && t->done);
    cpu_thread_switch(t, &t->own);
    ck_assert(!t->done);
    ck_assert_uint_eq(t->own.records, first); /* it resumes where it stopped */
    ck_assert_int_eq(cpu_thread_run(t, UINT64_MAX, &e), 0);
    ck_assert_uint_eq(t->own.records, 40);
    ck_assert_uint_eq(t->st.records, 65);
    ck_assert_uint_eq(t->st.loads, 40);
    ck_assert_uint_eq(t->st.stores, 25);
    /* every page faulted once, in its vCPU's own context */
    ck_assert_uint_eq(op_count(m, "page_fault"), 65);
    cpu_thread_switch(t, NULL);
    ck_assert(!t->bound && t->done);
    ck_assert_int_eq(cpu_thread_run(t, UINT64_MAX, &e), 0);
    cpu_vcpu_free(&v2);
    tr_close(r2);
    machine_destroy(m);
}
END_TEST

static Suite *lpar_suite(void)
{
    Suite *s = suite_create("lpar");
    TCase *t = tcase_create("faults");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, first_touch_faults_once_per_page);
    tcase_add_test(t, tlb_misses_equal_tlb_miss_ops);
    tcase_add_test(t, page_crossing_faults_both_pages);
    tcase_add_test(t, page_crossing_charges_both_pages);
    tcase_add_test(t, store_after_load_sets_change_bit);
    tcase_add_test(t, lpar_out_of_memory);
    suite_add_tcase(s, t);
    t = tcase_create("policy");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, insert_policy_primary_secondary_evict);
    tcase_add_test(t, evicted_pages_refault);
    tcase_add_test(t, bolted_entries_are_never_evicted);
    tcase_add_test(t, all_bolted_is_an_error);
    suite_add_tcase(s, t);
    t = tcase_create("machine");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, same_seed_same_report);
    tcase_add_test(t, seed_changes_eviction_choices);
    tcase_add_test(t, vcpu_binding_errors);
    tcase_add_test(t, vcpus_switch_on_a_thread);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return tu_run_suite(lpar_suite());
}
