/*
 * check_replay.c - integration tests: whole machines replaying the shipped
 * traces, through the library and through the lparsim command.
 *  - every distinct page a trace touches costs exactly one H_ENTER when the
 *    HPT is large enough (and `trace info` agrees), for 4K and 64K pages;
 *  - a second run gives identical JSON (host timing aside);
 *  - after the default machine's run, every op's breakdown sums to its
 *    total, TLB misses equal tlb.miss ops (one definition of a miss), and
 *    no LPAR's HPT maps real memory outside its own LMBs.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/trace.h"
#include "machine/machine.h"
#include "testutil.h"

static double jnum(const jtree *j, const char *path)
{
    double d = -1;
    ck_assert_msg(jtree_get_double(j, path, &d) == 0, "missing %s", path);
    return d;
}

static jtree *replay(const char *trace, const char *page_size)
{
    sim_err e;
    sim_err_clear(&e);
    machine_config c;
    ck_assert_int_eq(machine_config_init(&c, &e), 0);
    char set[512];
    const char *sets[] = {"lpars[0].name=t", "lpars[0].memory=4G", "lpars[0].vcpus[0].thread=0"};
    for (int i = 0; i < 3; i++)
        ck_assert_msg(cfg_set(&machine_config_table, &c, sets[i], &e) == 0, "%s", e.msg);
    snprintf(set, sizeof set, "lpars[0].page_size=%s", page_size);
    ck_assert_int_eq(cfg_set(&machine_config_table, &c, set, &e), 0);
    snprintf(set, sizeof set, "lpars[0].vcpus[0].trace=%s", trace[0] == '/' ? trace : tu_src(trace));
    ck_assert_int_eq(cfg_set(&machine_config_table, &c, set, &e), 0);
    machine *m = machine_create(&c, NULL, &e);
    ck_assert_msg(m != NULL, "%s", e.msg);
    ck_assert_msg(machine_run(m, NULL, NULL, &e) == 0, "%s", e.msg);
    jtree *j = jtree_create();
    machine_report_json(m, j);
    machine_destroy(m);
    machine_config_free(&c);
    return j;
}

START_TEST(h_enter_per_distinct_page)
{
    static const char *const traces[] = {"traces/gzip-head.trc", "traces/stream-8m.trc",
                                         "tests/data/replay/crossing.txt"};
    for (int t = 0; t < 3; t++) {
        tr_info info;
        sim_err e;
        ck_assert_msg(tr_summarize(tu_src(traces[t]), &info, &e) == 0, "%s", e.msg);
        jtree *j = replay(traces[t], "4K");
        ck_assert_msg(jnum(j, "ops.hcall.H_ENTER.count") == (double)info.pages_4k,
                      "%s: H_ENTER %.0f, pages %llu", traces[t], jnum(j, "ops.hcall.H_ENTER.count"),
                      (unsigned long long)info.pages_4k);
        ck_assert(jnum(j, "ops.page_fault.count") == (double)info.pages_4k);
        ck_assert(jnum(j, "ops.hcall.H_REMOVE.count") == 0);
        ck_assert(jnum(j, "sim.records") == (double)info.records);
        jtree_destroy(j);
        j = replay(traces[t], "64K");
        ck_assert(jnum(j, "ops.hcall.H_ENTER.count") == (double)info.pages_64k);
        jtree_destroy(j);
    }
}
END_TEST

START_TEST(crossing_access_touches_both_pages)
{
    /* the file holds 3 records: a load inside one page, a load crossing
     * into the next page, an instruction crossing another boundary */
    jtree *j = replay("tests/data/replay/crossing.txt", "4K");
    ck_assert(jnum(j, "ops.hcall.H_ENTER.count") == 4);
    ck_assert(jnum(j, "cpu.thread0.page_crossings") == 2);
    jtree_destroy(j);
}
END_TEST

START_TEST(cli_replay_is_deterministic)
{
    const char *a = tu_tmp("replay_a.json"), *b = tu_tmp("replay_b.json");
    const char *argv1[] = {"replay", "traces/gzip-mid.trc", "traces/stream-8m.trc", "--page-size",
                           "4K", "--quiet", "--json", a, NULL};
    tu_run r = tu_lparsim(argv1);
    ck_assert_msg(r.status == 0, "%s", r.err);
    tu_run_free(&r);
    const char *argv2[] = {"replay", "traces/gzip-mid.trc", "traces/stream-8m.trc", "--page-size",
                           "4K", "--quiet", "--json", b, NULL};
    r = tu_lparsim(argv2);
    ck_assert_msg(r.status == 0, "%s", r.err);
    tu_run_free(&r);
    char *x = tu_read_file(a, NULL), *y = tu_read_file(b, NULL);
    ck_assert_ptr_nonnull(x);
    ck_assert_ptr_nonnull(y);
    ck_assert_ptr_nonnull(strstr(x, "\"records_per_host_second\""));
    ck_assert_str_eq(tu_strip_host(x), tu_strip_host(y));
    free(x);
    free(y);
}
END_TEST

START_TEST(default_machine_invariants)
{
    sim_err e;
    sim_err_clear(&e);
    machine_config c;
    ck_assert_int_eq(machine_config_init(&c, &e), 0);
    cfg_src *src = cfg_src_create("configs/default.yaml");
    ck_assert_msg(cfg_load_yaml(&machine_config_table, &c, tu_src("configs/default.yaml"), src,
                                &e) == 0, "%s", e.msg);
    ck_assert_int_eq(machine_config_resolve_paths(&c, tu_src("configs"), &e), 0);
    ck_assert_int_eq(cfg_set(&machine_config_table, &c, "run.max_records=100000", &e), 0);
    machine *m = machine_create(&c, src, &e);
    ck_assert_msg(m != NULL, "%s", e.msg);
    ck_assert_msg(machine_run(m, NULL, NULL, &e) == 0, "%s", e.msg);
    /* every op: parts sum to the total */
    const ops_reg *ops = machine_ops(m);
    for (unsigned i = 0; i < ops_count(ops); i++) {
        const op_type *t = ops_get(ops, i);
        uint64_t sum = 0;
        for (unsigned p = 0; p < t->nparts; p++)
            sum += t->part_total[p];
        ck_assert_uint_eq(sum, t->total);
    }
    ck_assert_uint_gt(ops_find(ops, "hcall.H_REMOVE")->count, 0); /* batch LPAR evicts */
    /* one definition of a TLB miss (D19): every miss is walked, one op each */
    jtree *rep = jtree_create();
    machine_report_json(m, rep);
    ck_assert_uint_gt(jnum(rep, "tlb.total.misses"), 1000);
    ck_assert_msg(jnum(rep, "tlb.total.misses") == jnum(rep, "ops.tlb.miss.count"),
                  "tlb.total.misses %.0f, ops.tlb.miss.count %.0f", jnum(rep, "tlb.total.misses"),
                  jnum(rep, "ops.tlb.miss.count"));
    jtree_destroy(rep);
    /* isolation: every valid HPTE maps the LPAR's own memory */
    hyp *h = machine_hyp(m);
    uint64_t valid = 0;
    for (unsigned l = 0; l < hyp_lpar_count(h); l++) {
        const hpt *t = hyp_lpar_hpt(h, l);
        for (uint64_t x = 0; x < t->npteg * HPT_PTEG_SLOTS; x++) {
            hpte p = hpt_read(t, x);
            if (!(p.v & HPTE_V_VALID))
                continue;
            valid++;
            int ps = hpte_decode_psize_any(p.v, p.r);
            ck_assert_int_ge(ps, 0);
            uint64_t ra = hpte_real_addr(p.r, (hpt_psize)ps);
            for (unsigned o = 0; o < hyp_lpar_count(h); o++)
                ck_assert_msg(hyp_real_owned_by(h, o, ra) == (o == l),
                              "LPAR %u HPTE %llu maps 0x%llx", l, (unsigned long long)x,
                              (unsigned long long)ra);
        }
    }
    ck_assert_uint_gt(valid, 1000);
    machine_destroy(m);
    machine_config_free(&c);
    cfg_src_destroy(src);
}
END_TEST

static machine *default_machine(machine_config *c, cfg_src **src)
{
    sim_err e;
    sim_err_clear(&e);
    ck_assert_int_eq(machine_config_init(c, &e), 0);
    *src = cfg_src_create("configs/default.yaml");
    ck_assert_msg(cfg_load_yaml(&machine_config_table, c, tu_src("configs/default.yaml"), *src,
                                &e) == 0, "%s", e.msg);
    ck_assert_int_eq(machine_config_resolve_paths(c, tu_src("configs"), &e), 0);
    ck_assert_int_eq(cfg_set(&machine_config_table, c, "run.max_records=50000", &e), 0);
    machine *m = machine_create(c, *src, &e);
    ck_assert_msg(m != NULL, "%s", e.msg);
    return m;
}

static char *report_text(machine *m)
{
    jtree *j = jtree_create();
    machine_report_json(m, j);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    jtree_write(j, f);
    fclose(f);
    jtree_destroy(j);
    return buf;
}

START_TEST(run_in_pieces_matches_one_run)
{
    sim_err e;
    machine_config c1, c2;
    cfg_src *s1, *s2;
    machine *a = default_machine(&c1, &s1), *b = default_machine(&c2, &s2);
    ck_assert_msg(machine_run(a, NULL, NULL, &e) == 0, "%s", e.msg);
    /* b advances in steps of 100k cycles, as a SystemC wrapper would */
    int r, steps = 0;
    uint64_t last = 0;
    for (uint64_t t = 100000; (r = machine_run_until(b, t, NULL, NULL, &e)) == 1; t += 100000) {
        ck_assert_uint_ge(machine_now(b), last);
        ck_assert_uint_ge(machine_now(b), t);
        last = machine_now(b);
        steps++;
    }
    ck_assert_msg(r == 0, "%s", e.msg);
    ck_assert_int_gt(steps, 10);
    ck_assert_uint_eq(machine_now(b), machine_cycles(b));
    char *x = report_text(a), *y = report_text(b);
    ck_assert_str_eq(x, y);
    free(x);
    free(y);
    machine_destroy(a);
    machine_destroy(b);
    machine_config_free(&c1);
    machine_config_free(&c2);
    cfg_src_destroy(s1);
    cfg_src_destroy(s2);
}
END_TEST

/* One instruction repeated n times in one page: after the first fetch
 * (page fault, DRAM) every fetch is an L1 hit, hidden by the pipeline. */
static const char *loop_trace(unsigned n)
{
    const char *path = tu_tmp("loop.txt");
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("#lparsim-trace v1\n", f);
    for (unsigned i = 0; i < n; i++)
        fputs("I 0x10000 4\n", f);
    fclose(f);
    return path;
}

static double issue_run(const char *trace, unsigned nthreads, const char *const *sets)
{
    sim_err e;
    sim_err_clear(&e);
    machine_config c;
    char set[4200];
    ck_assert_int_eq(machine_config_init(&c, &e), 0);
    const char *base[] = {"machine.modules=1", "machine.cores_per_module=1",
                          "machine.threads_per_core=8", "lpars[0].name=t",
                          "lpars[0].memory=256M"};
    for (int i = 0; i < 5; i++)
        ck_assert_msg(cfg_set(&machine_config_table, &c, base[i], &e) == 0, "%s", e.msg);
    for (unsigned v = 0; v < nthreads; v++) {
        snprintf(set, sizeof set, "lpars[0].vcpus[%u].trace=%s", v, trace);
        ck_assert_int_eq(cfg_set(&machine_config_table, &c, set, &e), 0);
        snprintf(set, sizeof set, "lpars[0].vcpus[%u].thread=%u", v, v);
        ck_assert_int_eq(cfg_set(&machine_config_table, &c, set, &e), 0);
    }
    for (int i = 0; sets[i]; i++)
        ck_assert_msg(cfg_set(&machine_config_table, &c, sets[i], &e) == 0, "%s", e.msg);
    machine *m = machine_create(&c, NULL, &e);
    ck_assert_msg(m != NULL, "%s", e.msg);
    ck_assert_msg(machine_run(m, NULL, NULL, &e) == 0, "%s", e.msg);
    jtree *j = jtree_create();
    machine_report_json(m, j);
    double busy = jnum(j, "cpu.thread0.busy_cycles");
    jtree_destroy(j);
    machine_destroy(m);
    machine_config_free(&c);
    return busy;
}

START_TEST(smt_threads_share_issue_slots)
{
    const unsigned n = 20000;
    const char *t = loop_trace(n);
    const char *w1[] = {"cpu.thread_width=1", NULL}, *w2[] = {"cpu.thread_width=2", NULL};
    /* alone: a one-cycle instruction costs 1/thread_width cycles */
    double one = issue_run(t, 1, w1), two = issue_run(t, 1, w2);
    ck_assert_msg(one - two == n / 2, "width 1: %.0f, width 2: %.0f", one, two);
    /* 8 threads on a 4-wide core: 2 cycles each while all replay; the last
     * quantum (2000 cycles) may run with fewer threads */
    const char *q[] = {"cpu.thread_width=1", "cpu.issue_width=4", NULL};
    double eight = issue_run(t, 8, q);
    ck_assert_msg(eight - one <= n && eight - one >= n - 2000, "alone %.0f, 8 threads %.0f",
                  one, eight);
    /* 4 threads on a 4-wide core: no slowdown from sharing */
    ck_assert(issue_run(t, 4, q) - one < 2000);
}
END_TEST

/* tlbiel (0x7c000224 = opcode 31, XO 274), tlbie (0x7c000264, XO 306) and
 * slbia (0x7c0003e4, XO 498) in a trace act on the TLB / segment model. */
START_TEST(traced_tlb_management_acts)
{
    static const struct {
        const char *word, *counter;
        double misses, fabric_flushes;
    } cases[] = {
        {"0x60000000", NULL, 2, 0},                   /* nop: no effect */
        {"0x7c000224", "cpu.thread0.traced_tlbiel", 3, 0},
        {"0x7c000264", "cpu.thread0.traced_tlbie", 3, 1},
        {"0x7c0003e4", "cpu.thread0.traced_slb", 2, 0},
    };
    for (unsigned i = 0; i < 4; i++) {
        const char *path = tu_tmp("tlbop.txt");
        char text[512];
        /* 0x10000 misses once, then hits; the instruction's own page misses;
         * after a TLB flush the third load misses again */
        snprintf(text, sizeof text,
                 "#lparsim-trace v1\nL 0x10000 8\nL 0x10008 8\nI 0x20000 4 %s\nL 0x10010 8\n",
                 cases[i].word);
        ck_assert_int_eq(tu_write_file(path, text), 0);
        jtree *j = replay(path, "4K");
        ck_assert_msg(jnum(j, "tlb.thread0.misses") == cases[i].misses, "%s: %.0f misses",
                      cases[i].word, jnum(j, "tlb.thread0.misses"));
        ck_assert(jnum(j, "ops.page_fault.count") == 2);
        ck_assert(jnum(j, "tlbie.flushes") == cases[i].fabric_flushes);
        if (cases[i].counter)
            ck_assert(jnum(j, cases[i].counter) == 1);
        jtree_destroy(j);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("replay");
    TCase *tc = tcase_create("replay");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, h_enter_per_distinct_page);
    tcase_add_test(tc, crossing_access_touches_both_pages);
    tcase_add_test(tc, cli_replay_is_deterministic);
    tcase_add_test(tc, default_machine_invariants);
    tcase_add_test(tc, run_in_pieces_matches_one_run);
    tcase_add_test(tc, smt_threads_share_issue_slots);
    tcase_add_test(tc, traced_tlb_management_acts);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
