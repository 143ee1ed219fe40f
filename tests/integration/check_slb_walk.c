/*
 * check_slb_walk.c - integration tests of issue 14's walk path and SLB:
 *  - mmu.walk_from=l2: a walk (one that needs no fault) leaves the L1D
 *    alone (no access, no fill) and costs exactly the L2 latency when its
 *    PTEG is in the L2; l1d: it is one more L1D access, at the L1D
 *    latency, and the L2 sees nothing (the model before issue 14);
 *  - the SLB: a trace cycling over one segment more than the SLB's free
 *    entries (entries - bolted) misses on every access, one entry more
 *    and it misses only on the first pass; each miss costs exactly
 *    cpu.slb.miss_cycles (op slb.miss); slbie/slbia markers and the slbia
 *    word make the next access miss, the slbie word does not; another
 *    vCPU coming onto the thread flushes it, the same one does not;
 *    disabled, there is no miss and no slb.miss op; bolted >= entries is
 *    refused at its line.
 * Expected figures come from the config the run used.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine/machine.h"
#include "testutil.h"

static double jnum(const jtree *j, const char *path)
{
    double d = -1;
    ck_assert_msg(jtree_get_double(j, path, &d) == 0, "missing %s", path);
    return d;
}

/* A one-LPAR machine replaying the scratch trace `trace` on thread 0 (a
 * second vCPU on thread 1 when trace2), with `sets` applied. */
static machine *build(const char *trace, const char *trace2, const char *const *sets,
                      machine_config *c)
{
    sim_err e;
    sim_err_clear(&e);
    ck_assert_int_eq(machine_config_init(c, &e), 0);
    char set[1024];
    const char *base[] = {"lpars[0].name=t", "lpars[0].memory=1G", "lpars[0].vcpus[0].thread=0"};
    for (int i = 0; i < 3; i++)
        ck_assert_msg(cfg_set(&machine_config_table, c, base[i], &e) == 0, "%s", e.msg);
    snprintf(set, sizeof set, "lpars[0].vcpus[0].trace=%s", tu_tmp(trace));
    ck_assert_int_eq(cfg_set(&machine_config_table, c, set, &e), 0);
    if (trace2) {
        snprintf(set, sizeof set, "lpars[0].vcpus[1].trace=%s", tu_tmp(trace2));
        ck_assert_int_eq(cfg_set(&machine_config_table, c, set, &e), 0);
        ck_assert_int_eq(cfg_set(&machine_config_table, c, "lpars[0].vcpus[1].thread=1", &e), 0);
    }
    for (unsigned i = 0; sets && sets[i]; i++)
        ck_assert_msg(cfg_set(&machine_config_table, c, sets[i], &e) == 0, "%s: %s", sets[i],
                      e.msg);
    machine *m = machine_create(c, NULL, &e);
    ck_assert_msg(m != NULL, "%s", e.msg);
    return m;
}

/* Run it to the end; the JSON report (caller destroys), config in *c. */
static jtree *run(const char *trace, const char *const *sets, machine_config *c)
{
    machine *m = build(trace, NULL, sets, c);
    sim_err e;
    sim_err_clear(&e);
    ck_assert_msg(machine_run(m, NULL, NULL, &e) == 0, "%s", e.msg);
    jtree *j = jtree_create();
    machine_report_json(m, j);
    machine_destroy(m);
    return j;
}

static double accesses(const jtree *j, const char *cache)
{
    char k[128];
    snprintf(k, sizeof k, "cache.module0.core0.%s.hits", cache);
    double h = jnum(j, k);
    snprintf(k, sizeof k, "cache.module0.core0.%s.misses", cache);
    return h + jnum(j, k);
}

/* fetch + load (two faults), then a tlbiel (whose own fetch walks again),
 * then the load again: its walk finds the HPTE in the primary PTEG with R
 * set (one PTEG read, no R/C write), a PTEG that H_ENTER wrote through the
 * core's L1D (so it is in the L1D and the L2) */
static const char walk_trace[] = "#lparsim-trace v1\n"
                                 "I 0x10000000 4\n"
                                 "L 0x10100000 8\n"
                                 "I 0x10000004 4 0x7c000224\n" /* tlbiel */
                                 "L 0x10100000 8\n";

static void walk_case(const char *mode)
{
    tu_write_tmp("walk.txt", walk_trace);
    char wf[64];
    snprintf(wf, sizeof wf, "mmu.walk_from=%s", mode);
    const char *s3[] = {wf, "run.max_records=3", NULL};
    const char *s4[] = {wf, "run.max_records=4", NULL};
    machine_config c3, c4;
    jtree *a = run("walk.txt", s3, &c3), *b = run("walk.txt", s4, &c4);
    bool l2 = strcmp(mode, "l2") == 0;
    ck_assert_uint_eq(c4.mmu.walk_from, l2 ? MMU_WALK_L2 : MMU_WALK_L1D);
    /* the last record: one tlb.miss of exactly one PTEG read */
    ck_assert(jnum(b, "ops.tlb.miss.count") == jnum(a, "ops.tlb.miss.count") + 1);
    ck_assert(jnum(b, "ops.page_fault.count") == jnum(a, "ops.page_fault.count"));
    double lat = (double)(l2 ? c4.cache.l2.latency : c4.cache.l1d.latency);
    ck_assert_msg(jnum(b, "ops.tlb.miss.total") - jnum(a, "ops.tlb.miss.total") == lat,
                  "%s: walk cost %.0f, expected %.0f", mode,
                  jnum(b, "ops.tlb.miss.total") - jnum(a, "ops.tlb.miss.total"), lat);
    /* the L1D sees the load alone (l2) or the PTEG read and the load (l1d);
     * the L2 sees the PTEG read (l2) or nothing (both L1D hits) */
    ck_assert(accesses(b, "l1d") - accesses(a, "l1d") == (l2 ? 1 : 2));
    ck_assert(accesses(b, "l2") - accesses(a, "l2") == (l2 ? 1 : 0));
    ck_assert(jnum(b, "cache.module0.core0.l1d.misses") ==
              jnum(a, "cache.module0.core0.l1d.misses"));
    jtree_destroy(a);
    jtree_destroy(b);
    machine_config_free(&c3);
    machine_config_free(&c4);
}

START_TEST(walk_from_l2)
{
    walk_case("l2");
}
END_TEST

START_TEST(walk_from_l1d)
{
    walk_case("l1d");
}
END_TEST

/* Loads cycling `rounds` times over `nseg` 256 MB segments. */
static void segments_trace(unsigned nseg, unsigned rounds)
{
    char *t = malloc(64 * 1024), *p = t;
    ck_assert_ptr_nonnull(t);
    p += sprintf(p, "#lparsim-trace v1\n");
    for (unsigned r = 0; r < rounds; r++)
        for (unsigned s = 0; s < nseg; s++)
            p += sprintf(p, "L 0x%llx 8\n", (unsigned long long)(s + 1) << 28);
    tu_write_tmp("segs.txt", t);
    free(t);
}

START_TEST(slb_round_robin)
{
    machine_config c;
    ck_assert_int_eq(machine_config_init(&c, &(sim_err){0}), 0);
    unsigned n = (unsigned)(c.cpu.slb.entries - c.cpu.slb.bolted), rounds = 3;
    uint64_t miss = c.cpu.slb.miss_cycles;
    machine_config_free(&c);
    ck_assert_uint_eq(n, 30); /* POWER9's 32 entries, Linux's 2 bolted */
    segments_trace(n + 1, rounds);
    /* one segment more than the free entries: every access misses */
    jtree *j = run("segs.txt", NULL, &c);
    double all = (double)((n + 1) * rounds);
    ck_assert_msg(jnum(j, "cpu.thread0.slb_misses") == all, "%.0f misses, expected %.0f",
                  jnum(j, "cpu.thread0.slb_misses"), all);
    ck_assert(jnum(j, "ops.slb.miss.count") == all);
    ck_assert(jnum(j, "ops.slb.miss.total") == all * (double)miss);
    ck_assert(jnum(j, "ops.slb.miss.max") == (double)miss);
    jtree_destroy(j);
    machine_config_free(&c);
    /* one entry more: only the first pass misses, at the configured cost */
    char ent[64];
    snprintf(ent, sizeof ent, "cpu.slb.entries=%u", n + 1 + 2);
    const char *more[] = {ent, "cpu.slb.miss_cycles=250", NULL};
    j = run("segs.txt", more, &c);
    ck_assert(jnum(j, "cpu.thread0.slb_misses") == (double)(n + 1));
    ck_assert(jnum(j, "ops.slb.miss.total") == (double)(n + 1) * 250);
    jtree_destroy(j);
    machine_config_free(&c);
    /* no bolted entries: the same with n + 1 entries in all */
    snprintf(ent, sizeof ent, "cpu.slb.entries=%u", n + 1);
    const char *nobolt[] = {ent, "cpu.slb.bolted=0", NULL};
    j = run("segs.txt", nobolt, &c);
    ck_assert(jnum(j, "cpu.thread0.slb_misses") == (double)(n + 1));
    jtree_destroy(j);
    machine_config_free(&c);
    /* the same without bolted entries: 33 segments, 32 entries: every
     * access misses; 33 entries: the first pass only */
    segments_trace(33, rounds);
    const char *e32[] = {"cpu.slb.entries=32", "cpu.slb.bolted=0", NULL};
    j = run("segs.txt", e32, &c);
    ck_assert(jnum(j, "cpu.thread0.slb_misses") == 33.0 * rounds);
    jtree_destroy(j);
    machine_config_free(&c);
    const char *e33[] = {"cpu.slb.entries=33", "cpu.slb.bolted=0", NULL};
    j = run("segs.txt", e33, &c);
    ck_assert(jnum(j, "cpu.thread0.slb_misses") == 33);
    jtree_destroy(j);
    machine_config_free(&c);
    /* disabled: no miss, no slb.miss op in the report */
    const char *off[] = {"cpu.slb.enabled=false", NULL};
    j = run("segs.txt", off, &c);
    ck_assert(jnum(j, "cpu.thread0.slb_misses") == 0);
    double d;
    ck_assert(jtree_get_double(j, "ops.slb.miss.count", &d) != 0);
    jtree_destroy(j);
    machine_config_free(&c);
}
END_TEST

START_TEST(slb_invalidations)
{
    tu_write_tmp("inval.txt", "#lparsim-trace v1\n"
                              "L 0x20000000 8\n"                /* miss 1 */
                              "L 0x20000008 8\n"                /* hit */
                              "K 16 0x20000100\n"               /* slbie of segment 2 */
                              "L 0x20000000 8\n"                /* miss 2 */
                              "K 16 0x50000000\n"               /* slbie of an absent one */
                              "L 0x20000000 8\n"                /* hit */
                              "K 17\n"                          /* slbia */
                              "L 0x20000000 8\n"                /* miss 3 */
                              "I 0x20000010 4 0x7c0003e4\n"     /* slbia; its fetch: miss 4 */
                              "L 0x20000000 8\n"                /* hit */
                              "L 0x30000000 8\n"                /* miss 5 */
                              "I 0x20000014 4 0x7c000364\n"     /* slbie, RB unknown: hit */
                              "L 0x30000000 8\n");              /* hit */
    machine_config c;
    jtree *j = run("inval.txt", NULL, &c);
    ck_assert_msg(jnum(j, "cpu.thread0.slb_misses") == 5, "%.0f misses",
                  jnum(j, "cpu.thread0.slb_misses"));
    ck_assert(jnum(j, "cpu.thread0.traced_slb") == 5);
    /* the SLB markers are the thread's, not handed to the guest */
    ck_assert(jnum(j, "cpu.thread0.other_records") == 0);
    ck_assert(jnum(j, "ops.slb.miss.total") == 5.0 * (double)c.cpu.slb.miss_cycles);
    jtree_destroy(j);
    machine_config_free(&c);
}
END_TEST

/* A partition switch (another vCPU onto the thread) flushes the SLB; the
 * same vCPU coming back does not. */
START_TEST(slb_flushed_by_vcpu_switch)
{
    tu_write_tmp("a.txt", "#lparsim-trace v1\nL 0x10000000 8\nL 0x20000000 8\n");
    tu_write_tmp("b.txt", "#lparsim-trace v1\nL 0x10000000 8\n");
    machine_config c;
    machine *m = build("a.txt", "b.txt", NULL, &c);
    sim_err e;
    sim_err_clear(&e);
    ck_assert_msg(machine_run(m, NULL, NULL, &e) == 0, "%s", e.msg);
    cpu_thread *t0 = machine_thread(m, 0), *t1 = machine_thread(m, 1);
    ck_assert_uint_eq(t0->slb.used, 2);
    ck_assert_uint_eq(t0->st.slb_misses, 2);
    cpu_thread_switch(t0, NULL);
    cpu_thread_switch(t0, &t0->own);
    ck_assert_uint_eq(t0->slb.used, 2);
    cpu_thread_switch(t0, &t1->own);
    ck_assert_uint_eq(t0->slb.used, 0);
    cpu_thread_switch(t0, &t0->own);
    ck_assert_uint_eq(t1->slb.used, 1);
    machine_destroy(m);
    machine_config_free(&c);
}
END_TEST

START_TEST(slb_bad_config)
{
    tu_write_tmp("one.txt", "#lparsim-trace v1\nL 0x10000000 8\n");
    char y[1024];
    snprintf(y, sizeof y,
             "cpu:\n  slb:\n    entries: 8\n    bolted: 8\n"
             "lpars: [{name: a, memory: 256M, vcpus: [{thread: 0, trace: %s}]}]\n",
             tu_tmp("one.txt"));
    tu_refused(y, "bad.yaml:4: cpu.slb.bolted: 8 leaves no entry of cpu.slb.entries 8");
    snprintf(y, sizeof y, "mmu: {walk_from: l3}\n"
                          "lpars: [{name: a, memory: 256M, vcpus: [{thread: 0, trace: %s}]}]\n",
             tu_tmp("one.txt"));
    tu_refused(y, "mmu.walk_from");
}
END_TEST

static Suite *slb_walk_suite(void)
{
    Suite *s = suite_create("slb_walk");
    TCase *t = tcase_create("walk");
    tcase_add_test(t, walk_from_l2);
    tcase_add_test(t, walk_from_l1d);
    suite_add_tcase(s, t);
    t = tcase_create("slb");
    tcase_add_test(t, slb_round_robin);
    tcase_add_test(t, slb_invalidations);
    tcase_add_test(t, slb_flushed_by_vcpu_switch);
    tcase_add_test(t, slb_bad_config);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return tu_run_suite(slb_walk_suite());
}
