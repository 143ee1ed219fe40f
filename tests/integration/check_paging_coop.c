/*
 * check_paging_coop.c - guest cooperation with hypervisor paging (issue
 * 13, docs/paging.md "Guest cooperation") end to end through lparsim run:
 *  - free phases with unused hints (guest.free_hint) against without: the
 *    hinted run reclaims freed pages without a write-back and has no false
 *    or stale reads; without hints the reallocated pages come back from the
 *    device (false and stale reads); audit clean in both;
 *  - H_PAGE_INIT states from trace hcall records on a shared LPAR: a loan
 *    frees the frame, a guest access to a loaned page is counted and
 *    zero-filled, set-active returns a loan, H_ZERO_PAGE, a bad state is an
 *    hcall error; H_GET_MPP's target from the config;
 *  - the CMM balloon: loans follow the hypervisor's request through
 *    H_PAGE_INIT (the hypervisor's and the guest's counts agree), never
 *    below cmm_min_mem, and give cmm_oom_kb back when the guest runs out;
 *  - the free marker: version 1 traces ignore it, a dedicated LPAR frees
 *    without hints, and freeing an untouched or freed EA is an error naming
 *    the trace and the record, on one line.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static double g(const char *csv, const char *key) { return tu_csv_get(csv, key); }

static bool has(const char *csv, const char *key)
{
    char k[256];
    snprintf(k, sizeof k, "\n%s,", key);
    return strstr(csv, k) != NULL;
}

/* A text trace built line by line. */
typedef struct tb {
    char *s;
    size_t n, cap;
} tb;

static void add(tb *t, const char *fmt, uint64_t a)
{
    if (t->n + 64 > t->cap) {
        t->cap = t->cap ? 2 * t->cap : 65536;
        t->s = realloc(t->s, t->cap);
        ck_assert_ptr_nonnull(t->s);
    }
    t->n += (size_t)sprintf(t->s + t->n, fmt, a);
}

#define HOT 0x10000000ull
#define FREED 0x20000000ull
#define REUSE 0x30000000ull
#define NP 150 /* pages per phase */

/* Stores to NP hot pages and NP pages of a region, the region freed, the
 * hot pages read twice, then NP stores to a new region (its pages are the
 * freed ones again, LIFO). */
static void free_phase_trace(void)
{
    tb t = {0};
    add(&t, "#lparsim-trace v%u\n", 2);
    for (uint64_t i = 0; i < NP; i++)
        add(&t, "S 0x%" PRIx64 " 8\n", HOT + i * 4096);
    for (uint64_t i = 0; i < NP; i++)
        add(&t, "S 0x%" PRIx64 " 8\n", FREED + i * 4096);
    for (uint64_t i = 0; i < NP; i++)
        add(&t, "K 6 0x%" PRIx64 "\n", FREED + i * 4096);
    for (uint64_t r = 0; r < 2 * NP; r++)
        add(&t, "L 0x%" PRIx64 " 8\n", HOT + (r % NP) * 4096);
    for (uint64_t i = 0; i < NP; i++)
        add(&t, "S 0x%" PRIx64 " 8\n", REUSE + i * 4096);
    tu_write_tmp("t.txt", t.s);
    free(t.s);
}

/* One 64M LPAR replaying t.txt; paging with a pool of `pool`. */
static const char *cfg(const char *name, const char *pool, const char *mode, const char *extra)
{
    char y[2048];
    snprintf(y, sizeof y,
             "machine: {name: pg, seed: 1, modules: 1, cores_per_module: 2, threads_per_core: 2}\n"
             "hypervisor:\n  lmb_size: 16M\n"
             "  paging: {enabled: true, pool: %s, audit: true}\n"
             "pagedev: {preset: ssd}\n%s"
             "lpars:\n  - name: a\n    memory: 64M\n    memory_mode: %s\n"
             "    vcpus: [{thread: 0, trace: %s}]\n"
             "  - name: d\n    memory: 16M\n    memory_mode: shared\n"
             "    vcpus: [{thread: 2, trace: %s}]\n",
             pool, extra, mode, tu_tmp("t.txt"), tu_tmp("one.txt"));
    tu_write_tmp("one.txt", "#lparsim-trace v1\nL 0x10000000 8\n");
    tu_write_tmp(name, y);
    static char path[1024];
    snprintf(path, sizeof path, "%s", tu_tmp(name));
    return path;
}

START_TEST(hints_reclaim_without_writeback)
{
    free_phase_trace();
    /* 800K: 200 frames, fewer than the 2 x NP pages the phases touch */
    const char *on[] = {"guest.free_hint=true", NULL}, *off[] = {"guest.free_hint=false", NULL};
    char *h = tu_run_config_ok(cfg("c.yaml", "800K", "shared", ""), on, "on.csv", false);
    char *n = tu_run_config_ok(cfg("c.yaml", "800K", "shared", ""), off, "off.csv", false);
    /* every free of a 4K page is one set-unused hint */
    ck_assert_uint_eq(g(h, "guest.a.frees"), NP);
    ck_assert_uint_eq(g(h, "guest.a.free_hints"), NP);
    ck_assert_uint_eq(g(h, "paging.unused_hints"), NP);
    ck_assert_uint_eq(g(h, "ops.hcall.H_PAGE_INIT.count"), NP);
    ck_assert_uint_gt(g(h, "paging.unused_drops"), 0);
    ck_assert_uint_le(g(h, "paging.unused_drops"), NP);
    ck_assert_uint_eq(g(h, "paging.false_reads") + g(h, "paging.stale_reads"), 0);
    /* without hints the reused pages are read back: false (cleared at once
     * by the guest) and stale (freed) */
    ck_assert_uint_eq(g(n, "guest.a.frees"), NP);
    ck_assert_uint_eq(g(n, "paging.unused_hints"), 0);
    ck_assert_uint_gt(g(n, "paging.false_reads"), 0);
    ck_assert_uint_le(g(n, "paging.false_reads"), NP);
    ck_assert_uint_gt(g(n, "paging.stale_reads"), 0);
    ck_assert_uint_le(g(n, "paging.stale_reads"), NP);
    ck_assert_uint_lt(g(h, "paging.writes"), g(n, "paging.writes"));
    ck_assert_uint_lt(g(h, "paging.page_ins"), g(n, "paging.page_ins"));
    const char *r[] = {h, n};
    for (unsigned i = 0; i < 2; i++) {
        ck_assert_uint_eq(g(r[i], "paging.audit.violations"), 0);
        ck_assert_uint_gt(g(r[i], "paging.audit.checks"), 0);
        ck_assert_uint_eq(g(r[i], "paging.pool_frames") - g(r[i], "paging.free_frames"),
                          g(r[i], "paging.resident"));
    }
    free(h);
    free(n);
}
END_TEST

#define STATE_CHANGE (1ull << (63 - 28))
#define SET_UNUSED (STATE_CHANGE | (1ull << (63 - 29)) | (1ull << (63 - 30)))
#define SET_LOANED (SET_UNUSED | (1ull << (63 - 31)))
#define ZERO_PAGE (1ull << 15)

START_TEST(page_states_from_hcall_records)
{
    /* the 64M LPAR's page table takes its first 64M / 4K x 8 B = 32 pages,
     * so its first four touches get logical pages 32..35 */
    const uint64_t lp0 = (64ull << 20) / 4096 * 8 / 4096;
    char t[1024];
    snprintf(t, sizeof t,
             "#lparsim-trace v1\n"
             "S 0x10000000 8\nS 0x10001000 8\nS 0x10002000 8\nS 0x10003000 8\n"
             "H 0x2c 0x%llx 0x%llx\n"  /* page 0 loaned */
             "L 0x10000000 8\n"        /* ... and touched: the guest's error */
             "H 0x2c 0x%llx 0x%llx\n"  /* page 1 loaned */
             "H 0x2c 0x%llx 0x%llx\n"  /* ... and active again */
             "H 0x2c 0x%llx 0x%llx\n"  /* page 2 loaned, stays loaned */
             "H 0x2c 0x%llx 0x%llx\n"  /* page 3 zeroed */
             "H 0x2c 0x%llx 0x%llx\n"  /* a loan bit without unused: H_PARAMETER */
             "H 0x2d4\n",
             (unsigned long long)SET_LOANED, (unsigned long long)(lp0 * 4096),
             (unsigned long long)SET_LOANED, (unsigned long long)((lp0 + 1) * 4096),
             (unsigned long long)STATE_CHANGE, (unsigned long long)((lp0 + 1) * 4096),
             (unsigned long long)SET_LOANED, (unsigned long long)((lp0 + 2) * 4096),
             (unsigned long long)ZERO_PAGE, (unsigned long long)((lp0 + 3) * 4096),
             (unsigned long long)(STATE_CHANGE | (1ull << (63 - 31))),
             (unsigned long long)(lp0 * 4096));
    tu_write_tmp("t.txt", t);
    /* guest.vpa off: no VPA page before the data pages */
    const char *novpa[] = {"guest.vpa=off", NULL};
    char *c = tu_run_config_ok(cfg("s.yaml", "4M", "shared", ""), novpa, "s.csv", false);
    ck_assert_uint_eq(g(c, "paging.loans"), 3);
    ck_assert_uint_eq(g(c, "paging.loaned_touches"), 1);
    ck_assert_uint_eq(g(c, "paging.loan_returns"), 1);
    ck_assert_uint_eq(g(c, "paging.zero_pages"), 1);
    ck_assert_uint_eq(g(c, "paging.a.loaned_kb"), 4); /* page 2 */
    ck_assert_uint_eq(g(c, "paging.mpp_calls"), 1);
    ck_assert_uint_eq(g(c, "hypervisor.hcall_errors"), 1);
    ck_assert_uint_eq(g(c, "ops.hcall.H_PAGE_INIT.count"), 6);
    ck_assert_uint_eq(g(c, "ops.hcall.H_GET_MPP.count"), 1);
    /* two loans of resident pages freed their frames without a write */
    ck_assert_uint_eq(g(c, "paging.writes"), 0);
    ck_assert_uint_eq(g(c, "paging.page_ins"), 0);
    ck_assert_uint_eq(g(c, "paging.pool_frames") - g(c, "paging.free_frames"),
                      g(c, "paging.resident"));
    /* the pool fits every page: no pressure, so no loan request, and the
     * target is the LPAR's weighted share: half the pool (two LPARs of
     * equal weight) */
    ck_assert_uint_eq(g(c, "paging.a.loan_request_kb"), 0);
    ck_assert_uint_eq(g(c, "paging.a.target_kb"), g(c, "paging.pool_frames") * 4 / 2);
    ck_assert_uint_eq(g(c, "paging.audit.violations"), 0);
    free(c);
}
END_TEST

/* LPAR a (16M) stores `na` pages three times, b (16M) `nb` pages. */
static const char *balloon_cfg(unsigned na, unsigned nb, const char *min_mem)
{
    for (unsigned k = 0; k < 2; k++) {
        tb t = {0};
        add(&t, "#lparsim-trace v%u\n", 1);
        for (uint64_t r = 0; r < 3; r++)
            for (uint64_t i = 0; i < (k ? nb : na); i++)
                add(&t, "S 0x%" PRIx64 " 8\n", HOT + i * 4096);
        tu_write_tmp(k ? "b.txt" : "a.txt", t.s);
        free(t.s);
    }
    char y[2048];
    snprintf(y, sizeof y,
             "machine: {name: pg, seed: 1, modules: 1, cores_per_module: 2, threads_per_core: 2}\n"
             "hypervisor:\n  lmb_size: 16M\n"
             "  paging: {enabled: true, pool: 2M, audit: true}\n"
             "pagedev: {preset: ssd}\n"
             "guest: {cmm: true, cmm_poll_us: 10, cmm_min_mem: %s}\n"
             "lpars:\n"
             "  - {name: a, memory: 16M, memory_mode: shared, vcpus: [{thread: 0, trace: %s}]}\n"
             "  - {name: b, memory: 16M, memory_mode: shared, vcpus: [{thread: 2, trace: %s}]}\n",
             min_mem, tu_tmp("a.txt"), tu_tmp("b.txt"));
    tu_write_tmp("b.yaml", y);
    static char path[1024];
    snprintf(path, sizeof path, "%s", tu_tmp("b.yaml"));
    return path;
}

START_TEST(balloon_loans_and_gives_back)
{
    /* both above their share of a 512-frame pool: loans */
    char *c = tu_run_config_ok(balloon_cfg(400, 1000, "8M"), NULL, "b.csv", false);
    double loans = g(c, "guest.a.cmm_loans") + g(c, "guest.b.cmm_loans");
    ck_assert_uint_gt(g(c, "guest.a.cmm_polls"), 0);
    ck_assert_uint_gt(loans, 0);
    ck_assert_uint_eq(g(c, "paging.loans"), loans); /* each one an H_PAGE_INIT set-loaned */
    ck_assert_uint_eq(g(c, "paging.loan_returns"),
                      g(c, "guest.a.cmm_returns") + g(c, "guest.b.cmm_returns"));
    const char *l[] = {"a", "b"};
    for (unsigned i = 0; i < 2; i++) {
        char k1[64], k2[64];
        snprintf(k1, sizeof k1, "guest.%s.cmm_loaned", l[i]);
        snprintf(k2, sizeof k2, "paging.%s.loaned_kb", l[i]);
        if (has(c, k1) && has(c, k2))
            ck_assert_uint_eq(g(c, k1) * 4, g(c, k2));
        /* never below min_mem: 16M - 8M */
        if (has(c, k1))
            ck_assert_uint_le(g(c, k1), (16u << 20) / 4096 - (8u << 20) / 4096);
    }
    ck_assert_uint_eq(g(c, "paging.loaned_touches"), 0);
    ck_assert_uint_eq(g(c, "paging.audit.violations"), 0);
    free(c);
    /* a touches almost all its memory with no minimum: the balloon takes
     * every free page, and when a needs one it gives oom_kb back */
    c = tu_run_config_ok(balloon_cfg(4000, 50, "0"), NULL, "o.csv", false);
    ck_assert_uint_gt(g(c, "guest.a.cmm_oom_returns"), 0);
    ck_assert_uint_eq((uint64_t)g(c, "guest.a.cmm_oom_returns") % (1024 / 4), 0);
    ck_assert_uint_eq(g(c, "paging.loaned_touches"), 0);
    ck_assert_uint_eq(g(c, "paging.audit.violations"), 0);
    free(c);
}
END_TEST

static void replay_fails(const char *trace, const char *want_fmt)
{
    tu_write_tmp("t.txt", trace);
    tu_run r = tu_run_config(cfg("e.yaml", "4M", "shared", ""), NULL, tu_tmp("e.csv"), false);
    char want[1024];
    snprintf(want, sizeof want, want_fmt, tu_tmp("t.txt"));
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, want) != NULL, "got '%s', expected '%s'", r.err, want);
    ck_assert_msg(strchr(r.err, '\n') == r.err + strlen(r.err) - 1, "not one line: %s", r.err);
    tu_run_free(&r);
}

START_TEST(free_marker_rules)
{
    replay_fails("#lparsim-trace v2\nL 0x10000000 8\nK 6 0x20000000\n",
                 "%s record 2: free marker (K 6) for EA 0x20000000: the vCPU's address space "
                 "has no page there; expected an EA it touched and has not freed since");
    replay_fails("#lparsim-trace v2\nL 0x10000000 8\nK 6 0x10000008\nK 6 0x10000000\n",
                 "%s record 3: free marker (K 6) for EA 0x10000000");
    /* version 1: an ordinary marker, counted and ignored */
    tu_write_tmp("t.txt", "#lparsim-trace v1\nL 0x10000000 8\nK 6 0x20000000\n");
    char *c = tu_run_config_ok(cfg("v1.yaml", "4M", "shared", ""), NULL, "v1.csv", false);
    ck_assert_uint_eq(g(c, "guest.a.markers"), 1);
    ck_assert(!has(c, "guest.a.frees"));
    free(c);
    /* a dedicated LPAR frees, with no hint (H_PAGE_INIT never called); the
     * page is reused by the next first touch */
    tu_write_tmp("t.txt", "#lparsim-trace v2\nS 0x10000000 8\nK 6 0x10000000\n"
                          "S 0x30000000 8\nS 0x10000000 8\n");
    c = tu_run_config_ok(cfg("d.yaml", "4M", "dedicated", ""), NULL, "d.csv", false);
    ck_assert_uint_eq(g(c, "guest.a.frees"), 1);
    ck_assert_uint_eq(g(c, "guest.a.first_touches"), 3);
    ck_assert(!has(c, "ops.hcall.H_PAGE_INIT.count"));
    ck_assert_uint_eq(g(c, "ops.page_free.count"), 1);
    free(c);
    /* a warm-up replays records functionally: a free there is refused */
    tu_write_tmp("w.txt", "#lparsim-trace v2\nS 0x10000000 8\nK 6 0x10000000\n"
                          "S 0x10000000 8\n");
    char y[1024];
    snprintf(y, sizeof y,
             "machine: {modules: 1, cores_per_module: 1, threads_per_core: 2}\n"
             "hypervisor: {lmb_size: 16M}\nrun: {warmup_records: 2}\n"
             "lpars:\n  - name: a\n    memory: 64M\n"
             "    vcpus: [{thread: 0, trace: %s}]\n", tu_tmp("w.txt"));
    tu_write_tmp("w.yaml", y);
    tu_run r = tu_run_config(tu_tmp("w.yaml"), NULL, tu_tmp("w.csv"), false);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "record 2: free marker (K 6) inside the warm-up") != NULL, "%s",
                  r.err);
    tu_run_free(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("paging_coop");
    TCase *t = tcase_create("coop");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, hints_reclaim_without_writeback);
    tcase_add_test(t, page_states_from_hcall_records);
    tcase_add_test(t, balloon_loans_and_gives_back);
    tcase_add_test(t, free_marker_rules);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
