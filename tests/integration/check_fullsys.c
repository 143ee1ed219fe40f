/*
 * check_fullsys.c - integration tests of full-system LPARs (lpars[].guest:
 * full-system, sim/lpar/guest_fullsys.c): a version 3 trace whose hcalls
 * are the guest's own, whose slbmte markers (K 18 RB RS) give the
 * segments, replayed without the guest model:
 *  - the guest's H_ENTERs place its HPTEs where the trace says, and its
 *    accesses then translate through them: one TLB miss per page, each a
 *    walk that finds its entry (no page fault, no guest-model hcall);
 *  - each recorded result (R) is compared with lparsim's: return codes,
 *    H_ENTER's slot; a wrong recorded slot is counted and its record
 *    number kept; an hcall lparsim does not implement counts apart;
 *  - a warm-up (run.warmup_records) replays the prologue and the slbmte
 *    functionally, results checked as in detail;
 *  - 1 TB and 256 MB segments mixed, as Linux loads them (kernel, user);
 *  - errors: an access to a segment the trace never loaded, to a page
 *    the guest's HPT does not map, and an slbmte of another page size.
 * The HPTEs and PTEG numbers are computed here from the ISA's 1 TB
 * segment hash (as Linux's hpt_hash computes it), independently of
 * lparsim's mmu code.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine/machine.h"
#include "testutil.h"

#define VSID 0x0123456ULL            /* a 38-bit VSID of a 1 TB segment */
#define KBASE 0xc000000000000000ULL  /* the kernel's segment */
#define HPT_BYTES (256u * 1024)
#define NPTEG (HPT_BYTES / 128)
#define PAGE1 (KBASE + 0x10000)      /* text */
#define PAGE2 (KBASE + 0x20000)      /* data */

static uint64_t group(uint64_t ea) /* primary PTEG of a 64K page */
{
    uint64_t off = ea & ((1ULL << 40) - 1);
    uint64_t h = VSID ^ (VSID << 25) ^ (off >> 16);
    return (h & 0x7fffffffffULL) & (NPTEG - 1);
}

static uint64_t pteh(uint64_t ea) /* B = 1 TB | AVPN | L | V */
{
    uint64_t va_hi = (VSID << 17) | ((ea & ((1ULL << 40) - 1)) >> 23); /* VA >> 23 */
    return (1ULL << 62) | (va_hi << 7) | 0x4 | 0x1;
}

/* The same for a 256 MB segment of VSID2 (Linux's user segments). */
#define VSID2 0x7654321ULL
#define UPAGE 0x10020000ULL          /* user data, 256 MB segment 1 */
static uint64_t group256(uint64_t ea)
{
    uint64_t h = VSID2 ^ ((ea & ((1ULL << 28) - 1)) >> 16);
    return (h & 0x7fffffffffULL) & (NPTEG - 1);
}

static uint64_t pteh256(uint64_t ea) /* B = 256 MB | AVPN | L | V */
{
    uint64_t va_hi = (VSID2 << 5) | ((ea & ((1ULL << 28) - 1)) >> 23);
    return (va_hi << 7) | 0x4 | 0x1;
}
#define RB2 ((UPAGE >> 28) << 28 | 0x08000000ULL | 1)                /* ESID | V | 1 */
#define RS2 ((VSID2 << 12) | 0xc00 | 0x100 | 0x80 | 0x10)             /* 256M, Ks Kp L C LP 01 */

static uint64_t ptel(uint64_t la) /* RPN | LP 64K-in-64K | M | PP 2 */
{
    return la | (0x1ULL << 12) | 0x10 | 0x2;
}

#define RB ((KBASE >> 40) << 40 | 0x08000000ULL)                     /* ESID | V | 0 */
#define RS ((1ULL << 62) | (VSID << 24) | 0x400 | 0x100 | 0x10)       /* 1T, Kp, L, LP 01 */

enum { T_OK, T_BAD_SLOT, T_NO_SLB, T_NO_HPTE, T_BAD_LLP, T_MIXED, T_RESEG };

#define VSID3 0x0654321ULL           /* the kernel's ESID reloaded with another VSID */
#define RS3 ((1ULL << 62) | (VSID3 << 24) | 0x400 | 0x100 | 0x10)

/* The trace of case `which` into tu_tmp(name). */
static void write_trace(const char *name, int which)
{
    FILE *f = fopen(tu_tmp(name), "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "#lparsim-trace v3\n");
    /* the prologue: the guest's HPT (H_ENTER into an empty group takes its
     * first slot: PAPR's H_ENTER without H_EXACT) */
    fprintf(f, "H 0x8 0x0 0x%llx 0x%llx 0x%llx\nR 0 0x%llx\n",
            (unsigned long long)(group(PAGE1) * 8), (unsigned long long)pteh(PAGE1),
            (unsigned long long)ptel(0x100000), (unsigned long long)(group(PAGE1) * 8));
    if (which != T_NO_HPTE)
        fprintf(f, "H 0x8 0x0 0x%llx 0x%llx 0x%llx\nR 0 0x%llx\n",
                (unsigned long long)(group(PAGE2) * 8), (unsigned long long)pteh(PAGE2),
                (unsigned long long)ptel(0x200000),
                (unsigned long long)(group(PAGE2) * 8 + (which == T_BAD_SLOT)));
    if (which == T_BAD_LLP) /* L = 0: 4K base pages in a 64K LPAR */
        fprintf(f, "K 18 0x%llx 0x%llx\n", (unsigned long long)RB,
                (unsigned long long)(RS & ~0x110ULL));
    else if (which != T_NO_SLB)
        fprintf(f, "K 18 0x%llx 0x%llx\n", (unsigned long long)RB, (unsigned long long)RS);
    if (which == T_MIXED) /* a user page in a 256 MB segment too */
        fprintf(f, "H 0x8 0x0 0x%llx 0x%llx 0x%llx\nR 0 0x%llx\nK 18 0x%llx 0x%llx\n",
                (unsigned long long)(group256(UPAGE) * 8), (unsigned long long)pteh256(UPAGE),
                (unsigned long long)ptel(0x300000), (unsigned long long)(group256(UPAGE) * 8),
                (unsigned long long)RB2, (unsigned long long)RS2);
    for (int i = 0; i < 64; i++)
        fprintf(f, "I 0x%llx 4 0x60000000\nL 0x%llx 8\n", (unsigned long long)(PAGE1 + 4 * i),
                (unsigned long long)((which == T_MIXED && (i & 1) ? UPAGE : PAGE2) + 128 * i));
    /* H_REMOVE of an empty slot: H_NOT_FOUND; of the data page: found,
     * the old entry comes back; H_PUT_TERM_CHAR (the console), which
     * lparsim does not implement */
    fprintf(f, "I 0x%llx 4 0x44000022\nH 0x4 0x0 0x%llx 0x0\nR -7\n",
            (unsigned long long)(PAGE1 + 0x100), (unsigned long long)(group(PAGE1) * 8 + 5));
    fprintf(f, "I 0x%llx 4 0x44000022\nH 0x4 0x0 0x%llx 0x0\nR 0 0x%llx 0x%llx\n",
            (unsigned long long)(PAGE1 + 0x104), (unsigned long long)(group(PAGE2) * 8),
            (unsigned long long)pteh(PAGE2), (unsigned long long)ptel(0x200000));
    fprintf(f, "I 0x%llx 4 0x44000022\nH 0x58 0x0 0x1 0x4100000000000000\nR 0\n",
            (unsigned long long)(PAGE1 + 0x108));
    if (which == T_RESEG) /* a load through the segment, then through another VSID */
        fprintf(f, "L 0x%llx 8\nK 16 0x%llx\nK 18 0x%llx 0x%llx\nL 0x%llx 8\n",
                (unsigned long long)(PAGE1 + 8), (unsigned long long)KBASE,
                (unsigned long long)RB, (unsigned long long)RS3,
                (unsigned long long)(PAGE1 + 16));
    fclose(f);
}

static machine *build(const char *trace, machine_config *c, const char *extra)
{
    sim_err e;
    sim_err_clear(&e);
    ck_assert_int_eq(machine_config_init(c, &e), 0);
    char set[1024];
    const char *base[] = {"machine.modules=1", "machine.cores_per_module=1",
                          "machine.threads_per_core=1", "lpars[0].name=linux",
                          "lpars[0].memory=256M", "lpars[0].page_size=64K",
                          "lpars[0].segment=1T", "lpars[0].hpt_size=256K",
                          "lpars[0].guest=full-system", "lpars[0].vcpus[0].thread=0"};
    for (unsigned i = 0; i < sizeof base / sizeof *base; i++)
        ck_assert_msg(cfg_set(&machine_config_table, c, base[i], &e) == 0, "%s", e.msg);
    snprintf(set, sizeof set, "lpars[0].vcpus[0].trace=%s", tu_tmp(trace));
    ck_assert_int_eq(cfg_set(&machine_config_table, c, set, &e), 0);
    if (extra)
        ck_assert_msg(cfg_set(&machine_config_table, c, extra, &e) == 0, "%s", e.msg);
    machine *m = machine_create(c, NULL, &e);
    ck_assert_msg(m != NULL, "%s", e.msg);
    return m;
}

static double jnum(const jtree *j, const char *path)
{
    double d = -1;
    ck_assert_msg(jtree_get_double(j, path, &d) == 0, "missing %s", path);
    return d;
}

/* Run case `which`; the report (caller destroys), or NULL with *err set. */
static jtree *run_with(int which, const char *extra, char *err, size_t n)
{
    write_trace("fs.trc", which);
    machine_config c;
    machine *m = build("fs.trc", &c, extra);
    sim_err e;
    sim_err_clear(&e);
    jtree *j = NULL;
    if (machine_run(m, NULL, NULL, &e) == 0) {
        j = jtree_create();
        machine_report_json(m, j);
    } else {
        snprintf(err, n, "%s", e.msg);
    }
    machine_destroy(m);
    machine_config_free(&c);
    return j;
}

static jtree *run(int which, char *err, size_t n)
{
    return run_with(which, NULL, err, n);
}

START_TEST(guest_hpt_and_returns)
{
    char err[2048] = "";
    jtree *j = run(T_OK, err, sizeof err);
    ck_assert_msg(j != NULL, "%s", err);
    ck_assert_uint_eq(jnum(j, "guest.linux.recorded.hcalls"), 5);
    ck_assert_uint_eq(jnum(j, "guest.linux.recorded.returns_checked"), 5);
    ck_assert_uint_eq(jnum(j, "guest.linux.recorded.rc_agree"), 4);
    ck_assert_uint_eq(jnum(j, "guest.linux.recorded.unmodelled"), 1);
    ck_assert_uint_eq(jnum(j, "guest.linux.recorded.rc_disagree"), 0);
    ck_assert_uint_eq(jnum(j, "guest.linux.recorded.slot_agree"), 2);
    ck_assert_uint_eq(jnum(j, "guest.linux.recorded.slot_disagree"), 0);
    ck_assert_uint_eq(jnum(j, "guest.linux.recorded.first_disagreement"), 0);
    /* nothing from the guest model */
    ck_assert_uint_eq(jnum(j, "guest.linux.page_faults"), 0);
    ck_assert_uint_eq(jnum(j, "guest.linux.hcall_records"), 0);
    /* one walk per page (text, data), each finding the guest's entry */
    ck_assert_uint_eq(jnum(j, "ops.tlb.miss.count"), 2);
    ck_assert_uint_eq(jnum(j, "ops.tlb.miss.breakdown.fault"), 0);
    ck_assert_uint_eq(jnum(j, "ops.hcall.H_ENTER.count"), 2);
    ck_assert_uint_eq(jnum(j, "ops.hcall.H_REMOVE.count"), 2);
    jtree_destroy(j);
}
END_TEST

/* A warm-up over the prologue, the slbmte and the first accesses: its
 * H_ENTERs build the HPT functionally (the region's accesses translate,
 * its walks are gone: the warm-up filled the TLB), and the statistics,
 * the recorded comparisons included, restart with the region. */
START_TEST(warm_up)
{
    char err[2048] = "";
    jtree *j = run_with(T_OK, "run.warmup_records=20", err, sizeof err);
    ck_assert_msg(j != NULL, "%s", err);
    ck_assert_uint_eq(jnum(j, "guest.linux.recorded.hcalls"), 3);
    ck_assert_uint_eq(jnum(j, "guest.linux.recorded.returns_checked"), 3);
    ck_assert_uint_eq(jnum(j, "guest.linux.recorded.rc_agree"), 2);
    ck_assert_uint_eq(jnum(j, "guest.linux.recorded.unmodelled"), 1);
    ck_assert_uint_eq(jnum(j, "guest.linux.recorded.slot_agree"), 0);
    ck_assert_uint_eq(jnum(j, "ops.tlb.miss.count"), 0);
    ck_assert_uint_eq(jnum(j, "ops.hcall.H_ENTER.count"), 0);
    jtree_destroy(j);
}
END_TEST

/* Linux's mix: a 1 TB kernel segment and a 256 MB user segment, each
 * walked with its own hash; three pages, three walks, no fault. */
START_TEST(mixed_segment_sizes)
{
    char err[2048] = "";
    jtree *j = run(T_MIXED, err, sizeof err);
    ck_assert_msg(j != NULL, "%s", err);
    ck_assert_uint_eq(jnum(j, "ops.tlb.miss.count"), 3);
    ck_assert_uint_eq(jnum(j, "ops.tlb.miss.breakdown.fault"), 0);
    ck_assert_uint_eq(jnum(j, "guest.linux.recorded.slot_agree"), 3);
    jtree_destroy(j);
}
END_TEST

START_TEST(wrong_recorded_slot_counted)
{
    char err[2048] = "";
    jtree *j = run(T_BAD_SLOT, err, sizeof err);
    ck_assert_msg(j != NULL, "%s", err);
    ck_assert_uint_eq(jnum(j, "guest.linux.recorded.slot_agree"), 1);
    ck_assert_uint_eq(jnum(j, "guest.linux.recorded.slot_disagree"), 1);
    ck_assert_uint_eq(jnum(j, "guest.linux.recorded.first_disagreement"), 4); /* its R */
    jtree_destroy(j);
}
END_TEST

START_TEST(errors)
{
    char err[2048] = "", want[2048];
    ck_assert_ptr_null(run(T_NO_SLB, err, sizeof err));
    snprintf(want, sizeof want, "LPAR 0 vCPU 0: access at EA 0x%llx in a segment the trace "
             "never loaded; expected an slbmte marker (K 18) for its segment (256 MB ESID "
             "0xc00000000 or 1 TB ESID 0xc00000) before it", (unsigned long long)PAGE1);
    ck_assert_msg(strstr(err, want) != NULL, "%s", err);
    ck_assert_ptr_null(run(T_NO_HPTE, err, sizeof err));
    snprintf(want, sizeof want, "LPAR linux vCPU 0: load at EA 0x%llx found no entry in the "
             "guest's HPT, but the recorded guest made it without a fault",
             (unsigned long long)PAGE2);
    ck_assert_msg(strstr(err, want) != NULL, "%s", err);
    /* the same page through a reloaded segment is another VPN: the old
     * translation (still in the TLB and the lookaside) must not serve it */
    ck_assert_ptr_null(run(T_RESEG, err, sizeof err));
    snprintf(want, sizeof want, "LPAR linux vCPU 0: load at EA 0x%llx found no entry in the "
             "guest's HPT, but the recorded guest made it without a fault",
             (unsigned long long)(PAGE1 + 16));
    ck_assert_msg(strstr(err, want) != NULL, "%s", err);
    ck_assert_ptr_null(run(T_BAD_LLP, err, sizeof err));
    ck_assert_msg(strstr(err, "loads a base page size other than the LPAR's page_size; "
                              "expected 256 MB or 1 TB segments of the LPAR's page size") != NULL,
                  "%s", err);
    /* every message names the trace and the record */
    ck_assert_ptr_nonnull(strstr(err, tu_tmp("fs.trc")));
}
END_TEST

static Suite *fullsys_suite(void)
{
    Suite *s = suite_create("fullsys");
    TCase *t = tcase_create("fullsys");
    tcase_add_test(t, guest_hpt_and_returns);
    tcase_add_test(t, wrong_recorded_slot_counted);
    tcase_add_test(t, mixed_segment_sizes);
    tcase_add_test(t, warm_up);
    tcase_add_test(t, errors);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return tu_run_suite(fullsys_suite());
}
