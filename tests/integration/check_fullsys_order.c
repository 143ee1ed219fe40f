/*
 * check_fullsys_order.c - integration tests of the hcall order of a
 * full-system LPAR with two vCPUs (K 19 <n> markers, guest_fullsys.c,
 * machine_run.c wait_turn, machine_roi.c warm-up):
 *  - both vCPUs H_ENTER a page into the same PTEG (no H_EXACT: the first
 *    free slot). The recording put vCPU1's first although vCPU1 runs 400
 *    instructions before its hcall and vCPU0 only 5: with the orders the
 *    slots agree with the recorded ones (vCPU0 waited); without them
 *    (the same traces minus the K 19 lines) both disagree. H_REMOVEs with
 *    H_AVPN then check what each slot holds;
 *  - the same run in pieces (machine_run_until with small limits, as
 *    lparsim-sc runs it) gives the same report;
 *  - a warm-up over the ordered hcalls (per-vCPU warmup_records, the
 *    vCPUs' prologues differ in length) keeps the order: the detailed
 *    H_REMOVEs agree; without the orders they do not;
 *  - errors: orders that no vCPU reaches (a missing order 0, two vCPUs;
 *    one vCPU alone), an order already passed, a per-vCPU warm-up with
 *    shared processors.
 * PTEG numbers come from the ISA's 1 TB segment hash, computed here.
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
#define TEXT0 (KBASE + 0x10000)      /* vCPU0's text */
#define TEXT1 (KBASE + 0x50000)      /* vCPU1's text */
#define PAGEA (KBASE + 0x30000)      /* vCPU1's H_ENTER ... */
#define PAGEB (PAGEA + ((uint64_t)NPTEG << 16)) /* ... and vCPU0's: the same PTEG */
#define RB ((KBASE >> 40) << 40 | 0x08000000ULL)               /* ESID | V | 0 */
#define RS ((1ULL << 62) | (VSID << 24) | 0x400 | 0x100 | 0x10) /* 1T, Kp, L, LP 01 */
#define H_AVPN_FLAG (1ULL << 31)

static uint64_t group(uint64_t ea) /* primary PTEG of a 64K page */
{
    uint64_t off = ea & ((1ULL << 40) - 1);
    uint64_t h = VSID ^ (VSID << 25) ^ (off >> 16);
    return (h & 0x7fffffffffULL) & (NPTEG - 1);
}

static uint64_t pteh(uint64_t ea) /* B = 1 TB | AVPN | L | V */
{
    uint64_t va_hi = (VSID << 17) | ((ea & ((1ULL << 40) - 1)) >> 23);
    return (1ULL << 62) | (va_hi << 7) | 0x4 | 0x1;
}

static uint64_t ptel(uint64_t la) /* RPN | LP 64K-in-64K | M | PP 2 */
{
    return la | (0x1ULL << 12) | 0x10 | 0x2;
}

static void order(FILE *f, bool on, unsigned n)
{
    if (on)
        fprintf(f, "K 19 %u\n", n);
}

/* H_ENTER of ea's page (logical la) and the slot the recording got. */
static void enter(FILE *f, uint64_t ea, uint64_t la, uint64_t slot)
{
    fprintf(f, "H 0x8 0x0 0x%llx 0x%llx 0x%llx\nR 0 0x%llx\n",
            (unsigned long long)(group(ea) * 8), (unsigned long long)pteh(ea),
            (unsigned long long)ptel(la), (unsigned long long)slot);
}

static void insns(FILE *f, uint64_t pc, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        fprintf(f, "I 0x%llx 4 0x60000000\n", (unsigned long long)(pc + 4 * i));
    fprintf(f, "I 0x%llx 4 0x44000022\n", (unsigned long long)(pc + 4 * n)); /* sc 1 */
}

/* The recorded pair (with or without its K 19 lines): records of vCPU0
 * up to its H_ENTER's R: 12 with orders (10 without); vCPU1's: 408 (406). */
static void write_pair(bool on)
{
    uint64_t g = group(PAGEA) * 8;
    FILE *f = fopen(tu_tmp("t0.trc"), "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "#lparsim-trace v3\n");
    order(f, on, 0);
    enter(f, TEXT0, 0x100000, group(TEXT0) * 8);
    fprintf(f, "K 18 0x%llx 0x%llx\n", (unsigned long long)RB, (unsigned long long)RS);
    insns(f, TEXT0, 4);
    order(f, on, 3);
    enter(f, PAGEB, 0x400000, g + 1); /* second: vCPU1's came first */
    /* what each slot holds: H_REMOVE with H_AVPN finds only the right page */
    insns(f, TEXT0 + 0x100, 0);
    order(f, on, 4);
    fprintf(f, "H 0x4 0x%llx 0x%llx 0x%llx\nR 0 0x%llx 0x%llx\n",
            (unsigned long long)H_AVPN_FLAG, (unsigned long long)g,
            (unsigned long long)(pteh(PAGEA) & ~0x7fULL), (unsigned long long)pteh(PAGEA),
            (unsigned long long)ptel(0x300000));
    insns(f, TEXT0 + 0x104, 0);
    order(f, on, 5);
    fprintf(f, "H 0x4 0x%llx 0x%llx 0x%llx\nR 0 0x%llx 0x%llx\n",
            (unsigned long long)H_AVPN_FLAG, (unsigned long long)(g + 1),
            (unsigned long long)(pteh(PAGEB) & ~0x7fULL), (unsigned long long)pteh(PAGEB),
            (unsigned long long)ptel(0x400000));
    fclose(f);
    f = fopen(tu_tmp("t1.trc"), "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "#lparsim-trace v3\nK 18 0x%llx 0x%llx\n", (unsigned long long)RB,
            (unsigned long long)RS);
    order(f, on, 1);
    enter(f, TEXT1, 0x500000, group(TEXT1) * 8);
    insns(f, TEXT1, 400);
    order(f, on, 2);
    enter(f, PAGEA, 0x300000, g); /* first in the recording */
    fclose(f);
}

static machine *build(machine_config *c, unsigned nvcpus, const char *extra, char *err,
                      size_t n)
{
    sim_err e;
    sim_err_clear(&e);
    ck_assert_int_eq(machine_config_init(c, &e), 0);
    const char *base[] = {"machine.modules=1", "machine.cores_per_module=2",
                          "machine.threads_per_core=1", "lpars[0].name=linux",
                          "lpars[0].memory=256M", "lpars[0].page_size=64K",
                          "lpars[0].segment=1T", "lpars[0].hpt_size=256K",
                          "lpars[0].guest=full-system", "cpu.quantum=10"};
    for (unsigned i = 0; i < sizeof base / sizeof *base; i++)
        ck_assert_msg(cfg_set(&machine_config_table, c, base[i], &e) == 0, "%s", e.msg);
    char set[1024];
    for (unsigned v = 0; v < nvcpus; v++) {
        snprintf(set, sizeof set, "lpars[0].vcpus[%u].trace=%s", v, tu_tmp(v ? "t1.trc"
                                                                              : "t0.trc"));
        ck_assert_int_eq(cfg_set(&machine_config_table, c, set, &e), 0);
        snprintf(set, sizeof set, "lpars[0].vcpus[%u].thread=%u", v, v);
        ck_assert_int_eq(cfg_set(&machine_config_table, c, set, &e), 0);
    }
    for (const char *x = extra; x && *x; x += strlen(x) + 1) /* "a=1\0b=2\0" */
        ck_assert_msg(cfg_set(&machine_config_table, c, x, &e) == 0, "%s", e.msg);
    machine *m = machine_create(c, NULL, &e);
    if (!m)
        snprintf(err, n, "%s", e.msg);
    return m;
}

static double jnum(const jtree *j, const char *path)
{
    double d = -1;
    ck_assert_msg(jtree_get_double(j, path, &d) == 0, "missing %s", path);
    return d;
}

/* Run the traces on the disk (in pieces of `step` cycles when step > 0);
 * the report, or NULL with *err set. */
static jtree *run(unsigned nvcpus, const char *extra, uint64_t step, char *err, size_t n)
{
    machine_config c;
    machine *m = build(&c, nvcpus, extra, err, n);
    jtree *j = NULL;
    if (m) {
        sim_err e;
        sim_err_clear(&e);
        int rc;
        if (step) {
            uint64_t lim = 0;
            do
                rc = machine_run_until(m, lim += step, NULL, NULL, &e);
            while (rc > 0);
        } else {
            rc = machine_run(m, NULL, NULL, &e);
        }
        if (rc == 0) {
            j = jtree_create();
            machine_report_json(m, j);
        } else {
            snprintf(err, n, "%s", e.msg);
        }
        machine_destroy(m);
    }
    machine_config_free(&c);
    return j;
}

#define REC "guest.linux.recorded."

START_TEST(order_keeps_recorded_slots)
{
    char err[2048] = "";
    write_pair(true);
    jtree *j = run(2, NULL, 0, err, sizeof err);
    ck_assert_msg(j != NULL, "%s", err);
    ck_assert_uint_eq(jnum(j, REC "hcalls"), 6);
    ck_assert_uint_eq(jnum(j, REC "slot_agree"), 4);
    ck_assert_uint_eq(jnum(j, REC "slot_disagree"), 0);
    ck_assert_uint_eq(jnum(j, REC "rc_agree"), 6);
    ck_assert_uint_eq(jnum(j, REC "rc_disagree"), 0);
    ck_assert(jnum(j, REC "order_waits") >= 1);
    /* vCPU0 waited about as long as vCPU1's 400 instructions take */
    ck_assert(jnum(j, REC "order_wait_cycles") >= 300);
    ck_assert_uint_eq(jnum(j, "ops.hcall.H_ENTER.count"), 4);
    /* in pieces, as lparsim-sc runs it: the same waits and results */
    char a[256], b[256];
    const char *keys[] = {REC "order_waits", REC "order_wait_cycles", REC "slot_agree",
                          "sim.cycles", "cpu.thread0.busy_cycles", "cpu.thread1.busy_cycles"};
    for (uint64_t step = 1; step < 2000; step = step * 7 + 3) {
        jtree *k = run(2, NULL, step, err, sizeof err);
        ck_assert_msg(k != NULL, "%s", err);
        for (unsigned i = 0; i < sizeof keys / sizeof *keys; i++) {
            snprintf(a, sizeof a, "%.0f", jnum(j, keys[i]));
            snprintf(b, sizeof b, "%.0f", jnum(k, keys[i]));
            ck_assert_msg(!strcmp(a, b), "%s: %s whole, %s in pieces of %llu", keys[i], a, b,
                          (unsigned long long)step);
        }
        jtree_destroy(k);
    }
    jtree_destroy(j);
}
END_TEST

/* The same traces without their K 19 lines: vCPU0 reaches its H_ENTER
 * first and takes the slot the recording gave vCPU1 (the test above can
 * fail); no order statistic is reported. */
START_TEST(without_order_slots_disagree)
{
    char err[2048] = "";
    write_pair(false);
    jtree *j = run(2, NULL, 0, err, sizeof err);
    ck_assert_msg(j != NULL, "%s", err);
    ck_assert_uint_eq(jnum(j, REC "slot_disagree"), 2);
    ck_assert_uint_eq(jnum(j, REC "rc_disagree"), 2); /* the H_REMOVEs find other pages */
    double d;
    ck_assert_int_ne(jtree_get_double(j, REC "order_waits", &d), 0);
    jtree_destroy(j);
}
END_TEST

/* A warm-up over the ordered H_ENTERs, each vCPU its own count (its
 * prologue's length): the detailed H_REMOVEs find the recorded pages. */
START_TEST(warm_up_keeps_order)
{
    char err[2048] = "";
    write_pair(true);
    jtree *j = run(2, "lpars[0].vcpus[0].warmup_records=12\0"
                      "lpars[0].vcpus[1].warmup_records=408\0", 0, err, sizeof err);
    ck_assert_msg(j != NULL, "%s", err);
    ck_assert_uint_eq(jnum(j, "sim.warmup.records"), 420);
    ck_assert_uint_eq(jnum(j, REC "hcalls"), 2);
    ck_assert_uint_eq(jnum(j, REC "rc_agree"), 2);
    ck_assert_uint_eq(jnum(j, REC "rc_disagree"), 0);
    jtree_destroy(j);
    /* run.warmup_records for one, its own for the other */
    j = run(2, "run.warmup_records=408\0lpars[0].vcpus[0].warmup_records=12\0", 0, err,
            sizeof err);
    ck_assert_msg(j != NULL, "%s", err);
    ck_assert_uint_eq(jnum(j, REC "rc_agree"), 2);
    jtree_destroy(j);
    write_pair(false);
    j = run(2, "lpars[0].vcpus[0].warmup_records=10\0"
               "lpars[0].vcpus[1].warmup_records=406\0", 0, err, sizeof err);
    ck_assert_msg(j != NULL, "%s", err);
    ck_assert_uint_eq(jnum(j, "sim.warmup.records"), 416);
    ck_assert_uint_eq(jnum(j, REC "rc_disagree"), 2);
    jtree_destroy(j);
}
END_TEST

static void write_one(const char *name, const char *body)
{
    FILE *f = fopen(tu_tmp(name), "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "#lparsim-trace v3\n%s", body);
    fclose(f);
}

#define STUCK "which no vCPU can reach (the LPAR's next is 0); expected the K 19 orders of " \
              "the LPAR's traces to be dense from 0 and increasing per vCPU"

START_TEST(errors)
{
    char err[2048] = "", want[2048];
    /* orders 1 and 2, 0 missing: both vCPUs wait */
    write_one("t0.trc", "K 19 1\nH 0x8 0x0 0x0 0x4000000000000005 0x101012\nR 0 0x0\n");
    write_one("t1.trc", "K 19 2\nH 0x8 0x0 0x8 0x4000000000000005 0x101012\nR 0 0x8\n");
    ck_assert_ptr_null(run(2, NULL, 0, err, sizeof err));
    ck_assert_msg(strstr(err, "LPAR linux: vCPU ") && strstr(err, STUCK) &&
                  strstr(err, " record 2: "), "%s", err);
    /* the same in the warm-up, which also names the warm-up counts */
    ck_assert_ptr_null(run(2, "run.warmup_records=3\0", 0, err, sizeof err));
    snprintf(want, sizeof want, "%s record 2: LPAR linux: vCPU 0 waits for hcall order 1, "
             STUCK " (in the warm-up: or warm-up counts, lpars[].vcpus[].warmup_records, "
             "that replay the hcalls it waits for)", tu_tmp("t0.trc"));
    ck_assert_str_eq(err, want);
    /* one vCPU alone */
    ck_assert_ptr_null(run(1, NULL, 0, err, sizeof err));
    snprintf(want, sizeof want, "%s record 2: LPAR linux: vCPU 0 waits for hcall order 1, "
             STUCK, tu_tmp("t0.trc"));
    ck_assert_str_eq(err, want);
    /* an order already passed */
    write_one("t0.trc", "K 19 0\nH 0x8 0x0 0x0 0x4000000000000005 0x101012\n"
                        "K 19 1\nH 0x8 0x0 0x0 0x4000000000000105 0x101012\n"
                        "K 19 1\nH 0x8 0x0 0x0 0x4000000000000205 0x101012\n");
    ck_assert_ptr_null(run(1, NULL, 0, err, sizeof err));
    snprintf(want, sizeof want, "%s record 6: LPAR linux vCPU 0: hcall order 1 already passed "
             "(the LPAR's next is 2); expected the K 19 orders of the LPAR's traces to be "
             "dense from 0 and increasing per vCPU", tu_tmp("t0.trc"));
    ck_assert_str_eq(err, want);
    /* a per-vCPU warm-up follows run.warmup_records's rules */
    ck_assert_ptr_null(run(1, "lpars[0].processors.mode=shared\0"
                              "lpars[0].vcpus[0].warmup_records=2\0", 0, err, sizeof err));
    ck_assert_msg(strstr(err, "lpars[0].vcpus[0].warmup_records") &&
                  strstr(err, "a warm-up needs every vCPU on its own thread"), "%s", err);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fullsys_order");
    TCase *t = tcase_create("order");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, order_keeps_recorded_slots);
    tcase_add_test(t, without_order_slots_disagree);
    tcase_add_test(t, warm_up_keeps_order);
    tcase_add_test(t, errors);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
