/*
 * check_core.c - unit tests of sim/core: histogram percentiles and their
 * JSON summary, JSON tree, scheduler order, RNG determinism, op
 * accounting, stats registry.
 */
#include <check.h>
#include <stdio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/hist.h"
#include "core/jtree.h"
#include "core/ops.h"
#include "core/resource.h"
#include "core/rng.h"
#include "core/sched.h"
#include "core/stats.h"
#include "core/u64map.h"
#include "core/err.h"

#include "testutil.h"

static char *jtree_text(const jtree *t)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    jtree_write(t, f);
    fclose(f);
    return buf;
}

START_TEST(hist_exact_small_values)
{
    hist h;
    hist_init(&h);
    for (uint64_t v = 1; v <= 100; v++)
        hist_add(&h, v);
    ck_assert_uint_eq(h.count, 100);
    ck_assert_uint_eq(h.min, 1);
    ck_assert_uint_eq(h.max, 100);
    ck_assert_double_eq_tol(hist_mean(&h), 50.5, 1e-9);
    ck_assert_uint_eq(hist_pct(&h, 0.50), 50);
    ck_assert_uint_eq(hist_pct(&h, 0.90), 90);
    ck_assert_uint_eq(hist_pct(&h, 0.99), 99);
    ck_assert_uint_eq(hist_pct(&h, 1.0), 100);
    hist_free(&h);
}
END_TEST

START_TEST(hist_large_values_bounded_error)
{
    hist h;
    hist_init(&h);
    for (uint64_t v = 1; v <= 100000; v++)
        hist_add(&h, v * 1000);
    uint64_t p50 = hist_pct(&h, 0.5);
    ck_assert_msg(p50 > 50000000 * 0.984 && p50 < 50000000 * 1.016, "p50 %llu", (unsigned long long)p50);
    ck_assert_uint_eq(h.max, 100000000);
    ck_assert_uint_le(hist_pct(&h, 0.999999), h.max);
    hist h2;
    hist_init(&h2);
    hist_add(&h2, 7);
    hist_merge(&h2, &h);
    ck_assert_uint_eq(h2.count, 100001);
    ck_assert_uint_eq(h2.min, 7);
    hist_free(&h);
    hist_free(&h2);
}
END_TEST

START_TEST(hist_empty)
{
    hist h;
    hist_init(&h);
    ck_assert_uint_eq(hist_pct(&h, 0.5), 0);
    ck_assert_double_eq(hist_mean(&h), 0.0);
    hist_free(&h);
}
END_TEST

/* hist_sub: the samples added after a copy, as a histogram of those alone */
START_TEST(hist_sub_is_the_new_samples)
{
    hist a, snap, only, d;
    hist_init(&a);
    hist_init(&snap);
    hist_init(&only);
    hist_init(&d);
    for (uint64_t v = 1; v < 5000; v += 7)
        hist_add(&a, v * 3);
    ck_assert_int_eq(hist_merge(&snap, &a), 0);
    for (uint64_t v = 2; v < 900; v += 5) {
        hist_add(&a, v);
        hist_add(&only, v);
    }
    ck_assert_int_eq(hist_sub(&d, &a, &snap), 0);
    ck_assert_uint_eq(d.count, only.count);
    ck_assert_uint_eq(d.total, only.total);
    ck_assert_uint_eq(d.min, only.min); /* below 1024: exact */
    ck_assert_uint_eq(d.max, only.max);
    const double q[] = {0.1, 0.5, 0.9, 0.99};
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(hist_pct(&d, q[i]), hist_pct(&only, q[i]));
    /* nothing new: empty */
    ck_assert_int_eq(hist_sub(&d, &a, &a), 0);
    ck_assert_uint_eq(d.count, 0);
    hist_free(&a);
    hist_free(&snap);
    hist_free(&only);
    hist_free(&d);
}
END_TEST

START_TEST(jtree_graft_nests_a_copy)
{
    jtree *src = jtree_create(), *t = jtree_create();
    jtree_set_u64(src, "sim.cycles", 7);
    jtree_set_str(src, "machine.name", "m");
    jtree_set_double(src, "sim.ipc", 0.5);
    jtree_set_u64(t, "platform.machines", 1);
    jtree_graft(t, "machines.cec0", src);
    jtree_set_u64(src, "sim.cycles", 8); /* a copy: later changes stay in src */
    jtree_destroy(src);
    char *s = jtree_text(t);
    ck_assert_str_eq(s, "{\n  \"platform\": {\n    \"machines\": 1\n  },\n  \"machines\": {\n"
                        "    \"cec0\": {\n      \"sim\": {\n        \"cycles\": 7,\n"
                        "        \"ipc\": 0.5\n      },\n      \"machine\": {\n"
                        "        \"name\": \"m\"\n      }\n    }\n  }\n}\n");
    free(s);
    jtree_destroy(t);
}
END_TEST

START_TEST(jtree_nested_ordered)
{
    jtree *t = jtree_create();
    jtree_set_u64(t, "ops.hcall.H_ENTER.count", 3);
    jtree_set_double(t, "sim.host_seconds", 0.5);
    jtree_set_u64(t, "ops.hcall.H_REMOVE.count", 1);
    jtree_set_str(t, "machine.name", "a\"b");
    jtree_set_u64(t, "ops.hcall.H_ENTER.count", 4);
    char *s = jtree_text(t);
    const char *want =
        "{\n  \"ops\": {\n    \"hcall\": {\n      \"H_ENTER\": {\n        \"count\": 4\n      },\n"
        "      \"H_REMOVE\": {\n        \"count\": 1\n      }\n    }\n  },\n"
        "  \"sim\": {\n    \"host_seconds\": 0.5\n  },\n  \"machine\": {\n    \"name\": \"a\\\"b\"\n  }\n}\n";
    ck_assert_str_eq(s, want);
    double d;
    ck_assert_int_eq(jtree_get_double(t, "ops.hcall.H_ENTER.count", &d), 0);
    ck_assert_double_eq(d, 4.0);
    ck_assert_int_eq(jtree_get_double(t, "ops.hcall", &d), -1);
    ck_assert_int_eq(jtree_get_double(t, "nope.x", &d), -1);
    free(s);
    jtree_destroy(t);
}
END_TEST

/* The writer formats integers and indents without printf: the text must be
 * what printf gives, at the extremes too, at any depth, with escapes. */
START_TEST(jtree_numbers_indent_escapes)
{
    jtree *t = jtree_create();
    jtree_set_u64(t, "a.max", UINT64_MAX);
    jtree_set_u64(t, "a.zero", 0);
    jtree_set_i64(t, "a.min", INT64_MIN);
    jtree_set_i64(t, "a.neg", -10);
    jtree_set_i64(t, "a.pos", 1000000007);
    jtree_set_str(t, "a.s", "x\\y\tz\"");
    jtree_set_u64(t, "b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s", 9); /* 18 deep: 36 spaces */
    char *s = jtree_text(t);
    char want[2048];
    int n = snprintf(want, sizeof want,
                     "{\n  \"a\": {\n    \"max\": %" PRIu64 ",\n    \"zero\": 0,\n"
                     "    \"min\": %" PRId64 ",\n    \"neg\": -10,\n    \"pos\": 1000000007,\n"
                     "    \"s\": \"x\\\\y\\u0009z\\\"\"\n  },\n  \"b\": ",
                     UINT64_MAX, INT64_MIN);
    const char *keys = "cdefghijklmnopqrs";
    for (int d = 0; keys[d]; d++)
        n += snprintf(want + n, sizeof want - (size_t)n, "{\n%*s\"%c\": ", 2 * (d + 2), "",
                      keys[d]);
    n += snprintf(want + n, sizeof want - (size_t)n, "9\n");
    for (int d = 17; d >= 1; d--)
        n += snprintf(want + n, sizeof want - (size_t)n, "%*s}\n", 2 * d, "");
    snprintf(want + n, sizeof want - (size_t)n, "}\n");
    ck_assert_str_eq(s, want);
    free(s);
    jtree_destroy(t);
}
END_TEST

/* D4: a report of a 32768-thread machine has objects with that many
 * children; setting a path must not scan its siblings (it did: minutes and
 * gigabytes for one report). Probes per set path component stay bounded,
 * insertion order and lookups are unchanged. */
static void collect_leaf(const char *path, const char *text, void *ctx)
{
    size_t *n = ctx;
    char want[64];
    snprintf(want, sizeof want, "t.thread%zu.%s", *n / 2, *n % 2 ? "misses" : "hits");
    ck_assert_str_eq(path, want);
    ck_assert_uint_eq(strtoull(text, NULL, 10), *n % 2 ? 2 * (*n / 2) + 1 : *n / 2);
    (*n)++;
}

START_TEST(jtree_wide_objects_indexed)
{
    enum { N = 40000 };
    jtree *t = jtree_create();
    char k[64];
    for (unsigned i = 0; i < N; i++) {
        snprintf(k, sizeof k, "t.thread%u.hits", i);
        jtree_set_u64(t, k, 7);
        snprintf(k, sizeof k, "t.thread%u.misses", i);
        jtree_set_u64(t, k, 2 * i + 1);
        if (i == 2000) /* early, so that a quadratic tree fails fast */
            ck_assert_uint_le(jtree_probes(t), 8ull * 2 * 3 * (i + 1));
    }
    for (unsigned i = 0; i < N; i++) { /* replace: same place in the order */
        snprintf(k, sizeof k, "t.thread%u.hits", i);
        jtree_set_u64(t, k, i);
    }
    /* 3N sets of 3 components each; the old sibling scan took ~N^2 probes */
    ck_assert_uint_le(jtree_probes(t), 8ull * 3 * 3 * N);
    double d;
    ck_assert_int_eq(jtree_get_double(t, "t.thread39999.misses", &d), 0);
    ck_assert_double_eq(d, 79999.0);
    ck_assert_int_eq(jtree_get_double(t, "t.thread40000.misses", &d), -1);
    ck_assert_int_eq(jtree_get_double(t, "t.thread12.hits", &d), 0);
    ck_assert_double_eq(d, 12.0);
    size_t n = 0;
    jtree_walk(t, collect_leaf, &n);
    ck_assert_uint_eq(n, 2 * N);
    jtree_destroy(t);
}
END_TEST

START_TEST(sched_furthest_behind_first)
{
    sched s;
    ck_assert_int_eq(sched_init(&s, 4), 0);
    sched_set(&s, 0, 100);
    sched_set(&s, 1, 50);
    sched_set(&s, 2, 50);
    sched_set(&s, 3, 10);
    ck_assert_uint_eq(sched_min(&s), 3);
    sched_set(&s, 3, 60);
    ck_assert_uint_eq(sched_min(&s), 1); /* tie 50: lowest id */
    ck_assert_uint_eq(sched_second_clock(&s), 50);
    sched_remove(&s, 1);
    ck_assert_uint_eq(sched_min(&s), 2);
    sched_remove(&s, 2);
    ck_assert_uint_eq(sched_min(&s), 3);
    ck_assert_uint_eq(sched_min_clock(&s), 60);
    ck_assert_uint_eq(sched_size(&s), 2);
    sched_set(&s, 0, 5);
    ck_assert_uint_eq(sched_min(&s), 0);
    sched_free(&s);
}
END_TEST

START_TEST(rng_deterministic)
{
    rng a, b;
    rng_seed(&a, 42);
    rng_seed(&b, 42);
    for (int i = 0; i < 1000; i++)
        ck_assert_uint_eq(rng_next(&a), rng_next(&b));
    rng_seed(&b, 43);
    ck_assert_uint_ne(rng_next(&a), rng_next(&b));
    for (int i = 0; i < 1000; i++)
        ck_assert_uint_lt(rng_below(&a, 7), 7);
    ck_assert_uint_ne(rng_derive(1, 1), rng_derive(1, 2));
}
END_TEST

START_TEST(ops_parts_sum_and_json)
{
    ops_reg *r = ops_create();
    op_id id = ops_declare(r, "hcall.H_ENTER", "insert", "compute,memory,tlb,queueing");
    ck_assert_uint_eq(ops_declare(r, "hcall.H_ENTER", "insert", "compute,memory,tlb,queueing"), id);
    op_rec o;
    op_begin(&o, 1000);
    op_charge(&o, ops_part(r, id, "compute"), 100);
    op_charge(&o, ops_part(r, id, "memory"), 27);
    ops_record(r, id, &o);
    op_begin(&o, 5000);
    op_charge(&o, 0, 200);
    ops_record(r, id, &o);
    const op_type *t = ops_find(r, "hcall.H_ENTER");
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(t->count, 2);
    ck_assert_uint_eq(t->total, 327);
    ck_assert_uint_eq(t->part_total[0], 300);
    ck_assert_uint_eq(t->part_total[1], 27);
    jtree *j = jtree_create();
    ops_to_json(r, j);
    double d;
    ck_assert_int_eq(jtree_get_double(j, "ops.hcall.H_ENTER.count", &d), 0);
    ck_assert_double_eq(d, 2);
    ck_assert_int_eq(jtree_get_double(j, "ops.hcall.H_ENTER.max", &d), 0);
    ck_assert_double_eq(d, 200);
    ck_assert_int_eq(jtree_get_double(j, "ops.hcall.H_ENTER.breakdown.memory", &d), 0);
    ck_assert_double_eq(d, 27);
    jtree_destroy(j);
    ops_destroy(r);
}
END_TEST

struct demo_stats {
    uint64_t hits, misses;
};
static double demo_rate(const void *b)
{
    const struct demo_stats *s = b;
    return s->hits + s->misses ? (double)s->hits / (double)(s->hits + s->misses) : 0;
}
static const stat_desc demo_desc[] = {
    {"hits", SK_COUNTER, "accesses", "hits", offsetof(struct demo_stats, hits), NULL},
    {"misses", SK_COUNTER, "accesses", "misses", offsetof(struct demo_stats, misses), NULL},
    {"hit_rate", SK_DERIVED, "ratio", "hits / accesses", 0, demo_rate},
};
static const stat_table demo_table = {"demo", demo_desc, 3};

/* ops.h: re-declaring an op type with other parts or another description
 * is refused (OP_INVALID), so is a part list that is empty, too long or
 * has an empty or repeated name; nothing is declared then. */
START_TEST(ops_redeclare_must_match)
{
    ops_reg *r = ops_create();
    op_id id = ops_declare(r, "tlb.miss", "TLB miss", "walk,fault");
    ck_assert_uint_ne(id, OP_INVALID);
    ck_assert_uint_eq(ops_declare(r, "tlb.miss", "TLB miss", "walk,fault"), id);
    ck_assert_uint_eq(ops_declare(r, "tlb.miss", "TLB miss", "walk"), OP_INVALID);
    ck_assert_uint_eq(ops_declare(r, "tlb.miss", "TLB miss", "walk,fault,queueing"), OP_INVALID);
    ck_assert_uint_eq(ops_declare(r, "tlb.miss", "TLB miss", "fault,walk"), OP_INVALID);
    ck_assert_uint_eq(ops_declare(r, "tlb.miss", "another", "walk,fault"), OP_INVALID);
    ck_assert_uint_eq(ops_declare(r, "tlb.miss", NULL, "walk,fault"), OP_INVALID);
    /* NULL desc is "" */
    op_id nd = ops_declare(r, "page_fault", NULL, "compute");
    ck_assert_uint_ne(nd, OP_INVALID);
    ck_assert_uint_eq(ops_declare(r, "page_fault", "", "compute"), nd);
    /* bad part lists */
    ck_assert_uint_eq(ops_declare(r, "a", "", ""), OP_INVALID);
    ck_assert_uint_eq(ops_declare(r, "b", "", NULL), OP_INVALID);
    ck_assert_uint_eq(ops_declare(r, "c", "", "x,,y"), OP_INVALID);
    ck_assert_uint_eq(ops_declare(r, "d", "", "x,"), OP_INVALID);
    ck_assert_uint_eq(ops_declare(r, "e", "", "x,y,x"), OP_INVALID);
    ck_assert_uint_eq(ops_declare(r, "f", "", "p0,p1,p2,p3,p4,p5,p6,p7,p8"), OP_INVALID);
    ck_assert_uint_eq(ops_count(r), 2);
    ck_assert_ptr_null(ops_find(r, "f"));
    /* the registry is intact: the first declaration still records */
    op_id full = ops_declare(r, "g", "", "p0,p1,p2,p3,p4,p5,p6,p7");
    ck_assert_uint_ne(full, OP_INVALID);
    ck_assert_uint_eq(ops_get(r, full)->nparts, OP_MAX_PARTS);
    op_rec o;
    op_begin(&o, 10);
    op_charge(&o, ops_part(r, id, "fault"), 5);
    ops_record(r, id, &o);
    ck_assert_uint_eq(ops_get(r, id)->nparts, 2);
    ck_assert_uint_eq(ops_get(r, id)->part_total[1], 5);
    ck_assert_str_eq(ops_get(r, id)->desc, "TLB miss");
    ops_destroy(r);
}
END_TEST

START_TEST(stats_registry_dump)
{
    struct demo_stats a = {3, 1}, b = {0, 0};
    stats_reg *r = stats_create();
    stats_register(r, "tlb.thread0", &demo_table, &a);
    stats_register(r, "tlb.thread1", &demo_table, &b);
    a.hits++;
    uint64_t v;
    ck_assert_int_eq(stats_get_counter(r, "tlb.thread0.hits", &v), 0);
    ck_assert_uint_eq(v, 4);
    ck_assert_int_eq(stats_get_counter(r, "tlb.thread0.nope", &v), -1);
    jtree *j = jtree_create();
    stats_to_json(r, j);
    double d;
    ck_assert_int_eq(jtree_get_double(j, "tlb.thread0.hit_rate", &d), 0);
    ck_assert_double_eq_tol(d, 0.8, 1e-12);
    ck_assert_int_eq(jtree_get_double(j, "tlb.thread1.misses", &d), 0);
    ck_assert_double_eq(d, 0);
    jtree_destroy(j);
    stats_destroy(r);
}
END_TEST

/* Every histogram in a report (an SK_HIST statistic, an op, a bare
 * hist_to_json) carries the full summary: count, min, mean, p50, p90, p99,
 * max, in that order, with these values. A summary missing one of them
 * was caught only by the golden report. */
struct lat_stats {
    uint64_t n;
    hist lat;
};
static const stat_desc lat_desc[] = {
    {"n", SK_COUNTER, "requests", "requests", offsetof(struct lat_stats, n), NULL},
    {"lat", SK_HIST, "cycles", "latency", offsetof(struct lat_stats, lat), NULL},
};
static const stat_table lat_table = {"dev", lat_desc, 2};

typedef struct leaves {
    const char *prefix;
    char key[16][32];
    char text[16][64];
    int n;
} leaves;

/* The scalars directly under prefix (not in sub-objects), in order. */
static void leaf(const char *path, const char *text, void *ctx)
{
    leaves *l = ctx;
    size_t pl = strlen(l->prefix);
    if (strncmp(path, l->prefix, pl) || path[pl] != '.' || strchr(path + pl + 1, '.'))
        return;
    ck_assert_int_lt(l->n, 16);
    snprintf(l->key[l->n], sizeof l->key[0], "%s", path + pl + 1);
    snprintf(l->text[l->n], sizeof l->text[0], "%s", text);
    l->n++;
}

static void check_summary(const jtree *j, const char *prefix, const char *const want[7],
                          int extra)
{
    static const char *const keys[7] = {"count", "min", "mean", "p50", "p90", "p99", "max"};
    leaves l = {.prefix = prefix};
    jtree_walk(j, leaf, &l);
    ck_assert_msg(l.n == 7 + extra, "%s: %d values, expected %d", prefix, l.n, 7 + extra);
    for (int i = 0; i < 7; i++) {
        ck_assert_msg(!strcmp(l.key[i], keys[i]), "%s: value %d is %s, expected %s", prefix, i,
                      l.key[i], keys[i]);
        ck_assert_msg(!strcmp(l.text[i], want[i]), "%s.%s = %s, expected %s", prefix, keys[i],
                      l.text[i], want[i]);
    }
}

START_TEST(hist_json_summary_complete)
{
    struct lat_stats a = {100, {0}};
    hist_init(&a.lat);
    for (uint64_t v = 1; v <= 100; v++)
        hist_add(&a.lat, v);
    stats_reg *r = stats_create();
    ck_assert_int_eq(stats_register(r, "dram.chan0", &lat_table, &a), 0);
    jtree *j = jtree_create();
    stats_to_json(r, j);
    ops_reg *o = ops_create();
    op_id id = ops_declare(o, "tlb.miss", "a miss", "walk");
    for (uint64_t c = 10; c <= 30; c += 10) {
        op_rec rec;
        op_begin(&rec, 1000 * c);
        op_charge(&rec, 0, c);
        ops_record(o, id, &rec);
    }
    ops_to_json(o, j);
    hist empty;
    hist_init(&empty);
    hist_to_json(&empty, j, "idle.lat");
    check_summary(j, "dram.chan0.lat",
                  (const char *const[7]){"100", "1", "50.5", "50", "90", "99", "100"}, 0);
    check_summary(j, "ops.tlb.miss",
                  (const char *const[7]){"3", "10", "20", "20", "30", "30", "30"}, 1); /* total */
    check_summary(j, "idle.lat", (const char *const[7]){"0", "0", "0", "0", "0", "0", "0"}, 0);
    jtree_destroy(j);
    ops_destroy(o);
    stats_destroy(r);
    hist_free(&a.lat);
}
END_TEST

/* stats_register_if_used / ops_report_if_used: an instance or op type
 * that has counted nothing is left out of the dump (a report stays as it
 * was without the event), and dumped in full, zeros included, once it has;
 * stats_get_counter finds it either way; plain registrations are always
 * dumped. */
START_TEST(report_if_used)
{
    struct demo_stats a = {0, 0}, b = {0, 0};
    stats_reg *r = stats_create();
    ck_assert_int_eq(stats_register(r, "always", &demo_table, &a), 0);
    ck_assert_int_eq(stats_register_if_used(r, "irq", &demo_table, &b), 0);
    ops_reg *o = ops_create();
    op_id plain = ops_declare(o, "tlb.miss", "a miss", "walk");
    op_id rare = ops_declare(o, "interrupt.deliver", "taken", "deliver");
    ops_report_if_used(o, rare);
    jtree *j = jtree_create();
    stats_to_json(r, j);
    ops_to_json(o, j);
    double d;
    ck_assert_int_eq(jtree_get_double(j, "always.hits", &d), 0);
    ck_assert_int_eq(jtree_get_double(j, "ops.tlb.miss.count", &d), 0);
    ck_assert_int_eq(jtree_get_double(j, "irq.hits", &d), -1);
    ck_assert_int_eq(jtree_get_double(j, "irq.hit_rate", &d), -1);
    ck_assert_int_eq(jtree_get_double(j, "ops.interrupt.deliver.count", &d), -1);
    uint64_t v = 7;
    ck_assert_int_eq(stats_get_counter(r, "irq.misses", &v), 0);
    ck_assert_uint_eq(v, 0);
    jtree_destroy(j);
    /* used: dumped, its zero counters too */
    b.misses = 2;
    op_rec rec;
    op_begin(&rec, 100);
    op_charge(&rec, 0, 5092);
    ops_record(o, rare, &rec);
    j = jtree_create();
    stats_to_json(r, j);
    ops_to_json(o, j);
    ck_assert_int_eq(jtree_get_double(j, "irq.misses", &d), 0);
    ck_assert_double_eq(d, 2);
    ck_assert_int_eq(jtree_get_double(j, "irq.hits", &d), 0);
    ck_assert_double_eq(d, 0);
    ck_assert_int_eq(jtree_get_double(j, "ops.interrupt.deliver.total", &d), 0);
    ck_assert_double_eq(d, 5092);
    ck_assert_int_eq(jtree_get_double(j, "ops.tlb.miss.count", &d), 0);
    ck_assert_double_eq(d, 0);
    (void)plain;
    jtree_destroy(j);
    ops_destroy(o);
    stats_destroy(r);
}
END_TEST

START_TEST(resource_queueing)
{
    resource r = {0};
    ck_assert_uint_eq(resource_acquire(&r, 10, 5), 10);
    ck_assert_uint_eq(resource_acquire(&r, 12, 5), 15);
    ck_assert_uint_eq(r.waits, 1);
    ck_assert_uint_eq(r.wait_cycles, 3);
    ck_assert_uint_eq(resource_acquire(&r, 100, 1), 100);
    ck_assert_uint_eq(r.uses, 3);
}
END_TEST

START_TEST(err_one_line)
{
    sim_err e;
    ck_assert_int_eq(sim_errf(&e, "a\nb %d", 3), -1);
    ck_assert_str_eq(e.msg, "a b 3");
    sim_err_prefix(&e, "f.yaml:%d", 2);
    ck_assert_str_eq(e.msg, "f.yaml:2: a b 3");
}
END_TEST

/* u64map against a plain array over a small key space: random puts and
 * deletes (backward-shift deletion must keep every key reachable), and
 * keys_between in both of its modes (probe each key, scan the table). */
START_TEST(u64map_matches_array_model)
{
    enum { KEYS = 4096 };
    static uint64_t model[KEYS];
    static bool present[KEYS];
    memset(present, 0, sizeof present);
    u64map m;
    u64map_init(&m);
    rng r;
    rng_seed(&r, 7);
    for (int step = 0; step < 200000; step++) {
        unsigned i = (unsigned)rng_below(&r, KEYS);
        uint64_t k = 100 + 3ull * i;
        if (rng_below(&r, 3)) {
            ck_assert_int_eq(u64map_put(&m, k, (uint64_t)step), 0);
            model[i] = (uint64_t)step;
            present[i] = true;
        } else {
            uint64_t old = 0;
            ck_assert_int_eq(u64map_del(&m, k, &old), present[i]);
            if (present[i])
                ck_assert_uint_eq(old, model[i]);
            present[i] = false;
        }
        if (step % 20000 == 0 || step == 199999) {
            size_t n = 0;
            for (unsigned j = 0; j < KEYS; j++) {
                uint64_t *v = u64map_get(&m, 100 + 3ull * j);
                ck_assert(present[j] == (v != NULL));
                if (v)
                    ck_assert_uint_eq(*v, model[j]);
                n += present[j];
            }
            ck_assert_uint_eq(m.n, n);
            ck_assert_uint_le(m.n * 4, m.cap * 3);
        }
    }
    /* a narrow range probes, a wide one scans: both ascending and complete */
    ck_assert_uint_gt(m.cap, 2000);
    uint64_t spans[][2] = {{0, 600}, {1001, 3001}, {0, 1ull << 40}, {5000, 1ull << 33}, {5, 5}};
    for (unsigned c = 0; c < 5; c++) {
        uint64_t lo = spans[c][0], hi = spans[c][1], *keys;
        size_t n = u64map_keys_between(&m, lo, hi, &keys), want = 0;
        ck_assert_uint_ne(n, SIZE_MAX);
        for (unsigned j = 0; j < KEYS; j++) {
            uint64_t k = 100 + 3ull * j;
            if (!present[j] || k < lo || k >= hi)
                continue;
            ck_assert_uint_lt(want, n);
            ck_assert_uint_eq(keys[want], k);
            want++;
        }
        ck_assert_uint_eq(n, want);
        free(keys);
    }
    u64map_free(&m);
    ck_assert_ptr_null(m.s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("hist");
    tcase_add_test(tc, hist_exact_small_values);
    tcase_add_test(tc, hist_large_values_bounded_error);
    tcase_add_test(tc, hist_empty);
    tcase_add_test(tc, hist_sub_is_the_new_samples);
    tcase_add_test(tc, hist_json_summary_complete);
    suite_add_tcase(s, tc);
    tc = tcase_create("jtree");
    tcase_add_test(tc, jtree_nested_ordered);
    tcase_add_test(tc, jtree_numbers_indent_escapes);
    tcase_add_test(tc, jtree_graft_nests_a_copy);
    tcase_add_test(tc, jtree_wide_objects_indexed);
    suite_add_tcase(s, tc);
    tc = tcase_create("sched");
    tcase_add_test(tc, sched_furthest_behind_first);
    suite_add_tcase(s, tc);
    tc = tcase_create("misc");
    tcase_add_test(tc, rng_deterministic);
    tcase_add_test(tc, ops_parts_sum_and_json);
    tcase_add_test(tc, ops_redeclare_must_match);
    tcase_add_test(tc, stats_registry_dump);
    tcase_add_test(tc, report_if_used);
    tcase_add_test(tc, resource_queueing);
    tcase_add_test(tc, err_one_line);
    tcase_add_test(tc, u64map_matches_array_model);
    /* the u64map model test passes ~300 k ck_asserts (each one reported to
     * Check's runner): 3 s under ASan on a loaded 2-core machine, which
     * Check's default 4 s timeout does not always allow */
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
