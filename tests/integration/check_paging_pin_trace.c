/*
 * check_paging_pin_trace.c - transparent pinning (issue 13, H1) driven by
 * traces of H records (H_REG_CRQ, H_PUT_TCE, H_FREE_CRQ) on a shared-memory
 * LPAR, through lparsim run (guest.vpa off: only the trace's areas):
 *  - paging.pinned_pages after every record (run.max_records) equals a
 *    model of the areas kept in this test, and so do critical.registered,
 *    released and the hcall errors; pins' page-ins are touches; with the
 *    accesses after them the pool pages out around the pinned pages
 *    (auditor on); pin_critical off keeps the areas and pins nothing;
 *  - the io_entitled limit and the pool limit (the stealer's high
 *    watermark kept unpinned) refuse with H_RESOURCE and change no pin;
 *  - a page's pin count saturating refuses without leaking pins.
 * Expected values come from the config or the trace.
 */
#include <check.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hyp/hcall.h"
#include "testutil.h"

#define PAGE 4096ULL

static double g(const char *csv, const char *key) { return tu_csv_get(csv, key); }

typedef struct hrec {
    uint64_t op, a[3];
} hrec;

/* One shared-memory LPAR `a` (64M, dedicated thread 0) replaying the
 * scratch trace h.txt, guest.vpa off (only the trace's areas), a pool of
 * `pool`, auditor on. extra: more lines under hypervisor.paging. */
static const char *h_config(const char *pool, const char *extra)
{
    char y[1024];
    snprintf(y, sizeof y,
             "machine: {name: pin, seed: 1, modules: 1, cores_per_module: 2, threads_per_core: 2}\n"
             "hypervisor:\n  lmb_size: 16M\n"
             "  paging:\n    enabled: true\n    audit: true\n    pool: %s\n%s"
             "pagedev: {preset: ssd}\nguest: {vpa: off}\n"
             "lpars:\n  - {name: a, memory: 64M, memory_mode: shared,\n"
             "     vcpus: [{thread: 0, trace: %s}]}\n",
             pool, extra ? extra : "", tu_tmp("h.txt"));
    tu_write_tmp("h.yaml", y);
    static char path[1024];
    snprintf(path, sizeof path, "%s", tu_tmp("h.yaml"));
    return path;
}

/* h.txt: the records, then `accesses` loads and stores over 1024 pages. */
static void h_trace(const hrec *h, size_t n, unsigned accesses)
{
    size_t cap = n * 80 + (size_t)accesses * 32 + 64;
    char *t = malloc(cap), *p = t;
    ck_assert_ptr_nonnull(t);
    p += sprintf(p, "#lparsim-trace v1\n");
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "H 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 "\n", h[i].op,
                     h[i].a[0], h[i].a[1], h[i].a[2]);
    for (unsigned i = 0; i < accesses; i++)
        p += sprintf(p, "%c 0x%x 8\n", i % 3 ? 'L' : 'S',
                     0x10000000 + (i * 7919u % 1024) * 4096 + (i % 512) * 8);
    tu_write_tmp("h.txt", t);
    free(t);
}

/* The areas a sequence of H records leaves, as hcall_crit.c keeps them
 * (CRQ units and TCE entries of one liobn; no refusal): pages with a pin,
 * and registrations, releases and errors. */
#define MPAGES (64 * 1024 * 1024 / 4096)
#define MAREAS 16
typedef struct model {
    unsigned pins[MPAGES];
    uint64_t crq_la[MAREAS], crq_n[MAREAS], tce_page[MAREAS];
    bool crq[MAREAS], tce[MAREAS];
    unsigned registered, released, errors;
} model;

static void pin_range(model *m, uint64_t la, uint64_t n, int d)
{
    for (uint64_t p = la / PAGE; p < la / PAGE + n; p++)
        m->pins[p] += d;
}

static void model_step(model *m, const hrec *h)
{
    uint64_t u = h->a[0];
    ck_assert_uint_lt(u, MAREAS);
    if (h->op == H_REG_CRQ) {
        if (m->crq[u]) {
            m->errors++;
            return;
        }
        m->crq[u] = true;
        m->crq_la[u] = h->a[1];
        m->crq_n[u] = h->a[2] / PAGE;
        pin_range(m, h->a[1], m->crq_n[u], 1);
        m->registered++;
    } else if (h->op == H_FREE_CRQ) {
        if (!m->crq[u]) {
            m->errors++;
            return;
        }
        m->crq[u] = false;
        pin_range(m, m->crq_la[u], m->crq_n[u], -1);
        m->released++;
    } else { /* H_PUT_TCE on liobn 1: entry ioba / 4K */
        uint64_t e = h->a[1] / PAGE;
        ck_assert_uint_lt(e, MAREAS);
        if (h->a[2] & 3) {
            pin_range(m, h->a[2] & ~(PAGE - 1), 1, 1);
            m->registered++;
        }
        if (m->tce[e]) {
            pin_range(m, m->tce_page[e] * PAGE, 1, -1);
            m->released++;
        }
        m->tce[e] = (h->a[2] & 3) != 0;
        m->tce_page[e] = h->a[2] / PAGE;
    }
}

static unsigned model_pinned(const model *m)
{
    unsigned n = 0;
    for (unsigned p = 0; p < MPAGES; p++)
        n += m->pins[p] != 0;
    return n;
}

static const hrec HREC[] = {
    {H_REG_CRQ, {1, 0x100000, 4 * PAGE}},
    {H_PUT_TCE, {1, 0x0000, 0x200000 | 3}},
    {H_PUT_TCE, {1, 0x1000, 0x101000 | 1}}, /* a page of CRQ 1 */
    {H_REG_CRQ, {2, 0x300000, 2 * PAGE}},
    {H_FREE_CRQ, {1}},                      /* 0x101000 stays: the TCE's */
    {H_PUT_TCE, {1, 0x0000, 0}},            /* released */
    {H_REG_CRQ, {2, 0x300000, 2 * PAGE}},   /* twice: H_RESOURCE */
    {H_PUT_TCE, {1, 0x2000, 0x301000 | 2}}, /* a page of CRQ 2 */
    {H_PUT_TCE, {1, 0x1000, 0x400000 | 3}}, /* replaced */
    {H_FREE_CRQ, {2}},                      /* 0x301000 stays */
    {H_FREE_CRQ, {3}},                      /* unknown: H_PARAMETER */
    {H_REG_CRQ, {3, 0x500000, 3 * PAGE}},
};
#define NH (sizeof HREC / sizeof HREC[0])

START_TEST(trace_pins_follow_the_areas)
{
    h_trace(HREC, NH, 3000);
    const char *cfg = h_config("512K", NULL);
    model *m = calloc(1, sizeof *m);
    ck_assert_ptr_nonnull(m);
    unsigned pin_requests = 0;
    for (size_t k = 1; k <= NH; k++) {
        const hrec *h = &HREC[k - 1];
        unsigned before = m->registered;
        model_step(m, h);
        pin_requests += m->registered != before;
        char set[64], out[32];
        snprintf(set, sizeof set, "run.max_records=%zu", k);
        snprintf(out, sizeof out, "h%zu.csv", k);
        const char *sets[] = {set, NULL};
        char *c = tu_run_config_ok(cfg, sets, out, false);
        ck_assert_uint_eq(g(c, "sim.records"), k);
        ck_assert_msg(g(c, "paging.pinned_pages") == model_pinned(m),
                      "after record %zu: %g pinned pages, expected %u", k,
                      g(c, "paging.pinned_pages"), model_pinned(m));
        ck_assert_uint_eq(g(c, "critical.registered"), m->registered);
        ck_assert_uint_eq(g(c, "critical.released"), m->released);
        ck_assert_uint_eq(g(c, "hypervisor.hcall_errors"), m->errors);
        ck_assert_uint_eq(g(c, "paging.pin_requests"), pin_requests);
        ck_assert_uint_eq(g(c, "paging.pin_refusals"), 0);
        /* a pinned page is made resident at once, a page-in of its own
         * counted with the touches */
        ck_assert_uint_ge(g(c, "paging.resident"), model_pinned(m));
        ck_assert_uint_ge(g(c, "paging.touches"), model_pinned(m));
        ck_assert_uint_eq(g(c, "ops.paging.fault.count"),
                          g(c, "paging.faults") + g(c, "paging.touches"));
        free(c);
    }
    ck_assert_uint_gt(model_pinned(m), 0);
    /* the whole trace: the accesses page out around the pinned pages,
     * which the auditor checks stay resident */
    char *c = tu_run_config_ok(cfg, NULL, "all.csv", false);
    ck_assert_uint_gt(g(c, "paging.page_outs"), 0);
    ck_assert_uint_eq(g(c, "paging.pinned_pages"), model_pinned(m));
    ck_assert_uint_eq(g(c, "paging.audit.violations"), 0);
    free(c);
    /* pin_critical off: the same areas, nothing pinned */
    const char *nopin[] = {"hypervisor.paging.pin_critical=false", NULL};
    c = tu_run_config_ok(cfg, nopin, "nopin.csv", false);
    ck_assert_uint_eq(g(c, "critical.registered"), m->registered);
    ck_assert_uint_eq(g(c, "critical.released"), m->released);
    ck_assert_uint_eq(g(c, "paging.pinned_pages"), 0);
    ck_assert_uint_eq(g(c, "paging.pin_requests"), 0);
    free(c);
    free(m);
}
END_TEST

/* io_entitled of 4 pages: a 5-page CRQ is refused, a 4-page one taken; a
 * TCE on a fifth page refused, one on a page already pinned taken. */
START_TEST(trace_io_entitled_refuses)
{
    const uint64_t io = 4 * PAGE;
    const hrec h[] = {
        {H_REG_CRQ, {1, 0x100000, io + PAGE}},
        {H_REG_CRQ, {1, 0x100000, io}},
        {H_PUT_TCE, {1, 0x0000, (0x100000 + io) | 3}},
        {H_PUT_TCE, {1, 0x1000, (0x100000 + io - PAGE) | 3}},
    };
    h_trace(h, 4, 0);
    char extra[64];
    snprintf(extra, sizeof extra, "    io_entitled: %llu\n", (unsigned long long)io);
    char *c = tu_run_config_ok(h_config("512K", extra), NULL, "io.csv", false);
    ck_assert_uint_eq(g(c, "paging.pinned_pages"), io / PAGE);
    ck_assert_uint_eq(g(c, "paging.pin_requests"), 4);
    ck_assert_uint_eq(g(c, "paging.pin_refusals"), 2);
    ck_assert_uint_eq(g(c, "critical.refused"), 2);
    ck_assert_uint_eq(g(c, "critical.registered"), 2);
    ck_assert_uint_eq(g(c, "hypervisor.hcall_errors"), 2);
    free(c);
}
END_TEST

/* The pool keeps the stealer's high watermark unpinned: a CRQ of the
 * frames less the high watermark is pinned (and the accesses after it page
 * out around it), one page more is refused and changes nothing. (Before,
 * the pin's own page-ins or the stealer found no victim: the run failed.) */
START_TEST(trace_pool_limit)
{
    const uint64_t pool = 512 * 1024, frames = pool / PAGE;
    const uint64_t high_wm = 5; /* % of the frames, rounded up */
    const uint64_t high = (frames * high_wm + 99) / 100;
    char extra[96];
    snprintf(extra, sizeof extra, "    low_wm: 2\n    high_wm: %llu\n",
             (unsigned long long)high_wm);
    for (unsigned more = 0; more < 2; more++) {
        const uint64_t pages = frames - high + more;
        const hrec h[] = {{H_REG_CRQ, {1, 0x100000, pages * PAGE}}};
        h_trace(h, 1, 3000);
        char *c = tu_run_config_ok(h_config("512K", extra), NULL, "pool.csv", false);
        ck_assert_uint_eq(g(c, "paging.pinned_pages"), more ? 0 : pages);
        ck_assert_uint_eq(g(c, "paging.pin_refusals"), more);
        ck_assert_uint_eq(g(c, "critical.refused"), more);
        ck_assert_uint_eq(g(c, "critical.registered"), 1 - more);
        ck_assert_uint_gt(g(c, "paging.page_outs"), 0);
        ck_assert_uint_eq(g(c, "paging.audit.violations"), 0);
        free(c);
    }
}
END_TEST

/* A page's pin count saturates at 65535 areas: the next area naming it is
 * refused whole, its other pages left unpinned (before: pinned, leaked). */
START_TEST(trace_pin_count_saturates)
{
    const unsigned max = 65535;
    const uint64_t page = 0x200000;
    hrec *h = calloc(max + 3, sizeof *h);
    ck_assert_ptr_nonnull(h);
    for (unsigned i = 0; i < max; i++)
        h[i] = (hrec){H_PUT_TCE, {1, i * PAGE, page | 3}};
    h[max] = (hrec){H_REG_CRQ, {1, page - PAGE, 2 * PAGE}};     /* refused */
    h[max + 1] = (hrec){H_PUT_TCE, {1, max * PAGE, page | 3}};  /* refused */
    h[max + 2] = (hrec){H_REG_CRQ, {2, page - 2 * PAGE, PAGE}}; /* taken */
    h_trace(h, max + 3, 0);
    free(h);
    char *c = tu_run_config_ok(h_config("512K", NULL), NULL, "sat.csv", false);
    ck_assert_uint_eq(g(c, "critical.registered"), max + 1);
    ck_assert_uint_eq(g(c, "critical.refused"), 2);
    ck_assert_uint_eq(g(c, "paging.pin_refusals"), 2);
    ck_assert_uint_eq(g(c, "paging.pinned_pages"), 2);
    ck_assert_uint_eq(g(c, "paging.audit.violations"), 0);
    free(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("paging_pin_trace");
    TCase *t = tcase_create("paging_pin_trace");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, trace_pins_follow_the_areas);
    tcase_add_test(t, trace_io_entitled_refuses);
    tcase_add_test(t, trace_pool_limit);
    tcase_add_test(t, trace_pin_count_saturates);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
