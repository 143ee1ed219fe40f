/*
 * check_param_tables.c - the declared ranges are the checked ones (D23).
 *
 * Walks every parameter table reachable from the root config table
 * (machine_config_table) and from the table of `lparsim dram`
 * (dram_param_table) and, for every numeric parameter:
 *  - its declared minimum and maximum are accepted by the loader (cfg_set)
 *    and by param_check_ranges; min - 1 and max + 1 are refused by both,
 *    where they are representable;
 *  - where a component validates its section without building anything
 *    (dram_config_validate, pagedev_config_validate, tlb_config_check,
 *    memhier_config_check, memmap_config_check), the minimum and the maximum each pass it in
 *    some config: the defaults, or one other key of the section at its own
 *    minimum or maximum, or all other keys of the section at their minima,
 *    or all at their maxima (relations such as tCCD_L >= tCCD_S or
 *    "size = ways x line x 2^k" need a partner; a bound no config accepts
 *    is a wrong declaration).
 * The machine-level relations checked while the machine is built (a
 * vCPU's thread against the machine's size, LPAR memory in whole LMBs,
 * SMR table sizes in multiples of 64, the memory sized for every LPAR)
 * are outside this walk.
 */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine/machine.h"
#include "memctl/memhier.h"
#include "memctl/memmap.h"
#include "tlb/tlb.h"
#include "testutil.h"

/* ---- the numeric parameters of a table, as set paths ---------------------- */

typedef struct leaf {
    char path[160]; /* "lpars[0].vcpus[0].thread": list elements as [0] */
    const param_desc *d;
} leaf;

typedef struct leaves {
    leaf v[512];
    size_t n;
} leaves;

static bool numeric(const param_desc *d)
{
    return d->type == PT_UINT || d->type == PT_INT || d->type == PT_DOUBLE ||
           d->type == PT_SIZE;
}

static void collect(const param_table *t, const char *prefix, leaves *L)
{
    for (size_t i = 0; i < t->n; i++) {
        const param_desc *d = &t->p[i];
        char path[160];
        snprintf(path, sizeof path, "%s%s%s%s", prefix, *prefix ? "." : "", d->name,
                 d->type == PT_LIST ? "[0]" : "");
        if (d->type == PT_STRUCT || d->type == PT_LIST) {
            collect(d->sub, path, L);
        } else if (numeric(d)) {
            ck_assert_uint_lt(L->n, sizeof L->v / sizeof L->v[0]);
            snprintf(L->v[L->n].path, sizeof L->v[L->n].path, "%s", path);
            L->v[L->n++].d = d;
        }
    }
}

/* ---- values as text -------------------------------------------------------- */

enum bound { LO, HI };

/* The declared bound moved by delta (-1, 0, +1) as value text; false when
 * that value cannot be written for the type (below 0 for uint, past 2^64). */
static bool bound_text(const param_desc *d, enum bound b, int delta, char *buf, size_t cap)
{
    double x = b == LO ? d->min : d->max;
    if (d->type == PT_DOUBLE) {
        snprintf(buf, cap, "%.17g", x + delta);
        return true;
    }
    if (d->type == PT_INT) {
        ck_assert(fabs(x) < 0x1p63);
        snprintf(buf, cap, "%lld", (long long)x + delta);
        return true;
    }
    ck_assert_msg(x >= 0 && x < 0x1p64 && x == floor(x), "bound not an integer");
    uint64_t u = (uint64_t)x;
    if ((delta < 0 && u == 0) || (delta > 0 && u == UINT64_MAX))
        return false;
    snprintf(buf, cap, "%llu", (unsigned long long)(u + (uint64_t)(int64_t)delta));
    return true;
}

static const char *set_text(const leaf *l, const char *value, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s=%s", l->path, value);
    return buf;
}

/* ---- one root table, its object and its section validators ---------------- */

typedef int (*check_fn)(const void *root_obj, sim_err *e);

typedef struct section {
    const char *prefix; /* "dram." ("" for the whole table) */
    check_fn check;
    const char *base;   /* a --set every config of the section starts with, or NULL */
} section;

typedef struct subject {
    const char *name;
    const param_table *t;
    const section *sec;
    size_t nsec;
} subject;

static void *fresh(const subject *s)
{
    void *o = calloc(1, s->t->size);
    sim_err e = {""};
    ck_assert_ptr_nonnull(o);
    ck_assert_msg(param_defaults(s->t, o, &e) == 0, "%s", e.msg);
    return o;
}

static void drop(const subject *s, void *o)
{
    param_free(s->t, o);
    free(o);
}

static void must_set(const subject *s, void *o, const char *a)
{
    sim_err e = {""};
    ck_assert_msg(cfg_set(s->t, o, a, &e) == 0, "%s: --set %s refused: %s", s->name, a, e.msg);
}

/* Loader and param_check_ranges agree with the declaration at both bounds. */
static void check_declared(const subject *s, const leaf *l)
{
    char v[64], a[256];
    sim_err e = {""};
    for (int b = LO; b <= HI; b++) {
        void *o = fresh(s);
        bound_text(l->d, (enum bound)b, 0, v, sizeof v);
        must_set(s, o, set_text(l, v, a, sizeof a));
        ck_assert_msg(param_check_ranges(s->t, o, "", &e) == 0, "%s: %s: %s", s->name, a, e.msg);
        drop(s, o);
        if (!bound_text(l->d, (enum bound)b, b == LO ? -1 : 1, v, sizeof v))
            continue;
        o = fresh(s);
        ck_assert_msg(cfg_set(s->t, o, set_text(l, v, a, sizeof a), &e) == -1,
                      "%s: --set %s accepted outside the declared range", s->name, a);
        drop(s, o);
    }
    /* a value stored by code past the bound is refused too */
    if (l->d->type == PT_UINT || l->d->type == PT_SIZE) {
        void *o = fresh(s);
        bound_text(l->d, HI, 0, v, sizeof v);
        must_set(s, o, set_text(l, v, a, sizeof a));
        if (l->d->max < 0x1p64 - 1 && !strchr(l->path, '[')) {
            /* find the field: walk the path through structs (no lists) */
            const param_table *t = s->t;
            char *p = (char *)o, name[64];
            for (const char *k = l->path; *k;) {
                size_t n = strcspn(k, ".");
                snprintf(name, sizeof name, "%.*s", (int)n, k);
                const param_desc *d = param_find(t, name);
                ck_assert_ptr_nonnull(d);
                p += d->offset;
                t = d->sub;
                k += n + (k[n] == '.');
            }
            (*(uint64_t *)(void *)p)++;
            ck_assert_msg(param_check_ranges(s->t, o, "", &e) == -1,
                          "%s: %s above its maximum passes param_check_ranges", s->name, l->path);
        }
        drop(s, o);
    }
}

/* Does the section accept l at bound b in the config made of the base,
 * `others` (NULL-terminated assignments) and l's bound? */
static bool accepted(const subject *s, const section *sec, const leaf *l, enum bound b,
                     const char *const *others, sim_err *e)
{
    void *o = fresh(s);
    char v[64], a[256];
    if (sec->base)
        must_set(s, o, sec->base);
    for (; others && *others; others++)
        must_set(s, o, *others);
    bound_text(l->d, b, 0, v, sizeof v);
    must_set(s, o, set_text(l, v, a, sizeof a));
    bool ok = sec->check(o, e) == 0;
    drop(s, o);
    return ok;
}

/* The bound of l passes its section's validator in some config. */
static void check_reachable(const subject *s, const section *sec, const leaves *L, const leaf *l,
                            enum bound b)
{
    sim_err e = {""}, first = {""};
    char (*txt)[256] = calloc(L->n, sizeof *txt);
    const char **others = calloc(L->n + 1, sizeof *others);
    ck_assert(txt && others);
    bool ok = accepted(s, sec, l, b, NULL, &first);
    /* one partner at its minimum or maximum */
    for (size_t i = 0; !ok && i < L->n; i++) {
        const leaf *q = &L->v[i];
        if (q == l || strncmp(q->path, sec->prefix, strlen(sec->prefix)))
            continue;
        for (int qb = LO; !ok && qb <= HI; qb++) {
            char v[64];
            bound_text(q->d, (enum bound)qb, 0, v, sizeof v);
            set_text(q, v, txt[0], sizeof txt[0]);
            others[0] = txt[0];
            others[1] = NULL;
            ok = accepted(s, sec, l, b, others, &e);
        }
    }
    /* every other key of the section at its minimum, or at its maximum */
    for (int qb = LO; !ok && qb <= HI; qb++) {
        size_t k = 0;
        for (size_t i = 0; i < L->n; i++) {
            const leaf *q = &L->v[i];
            if (q == l || strncmp(q->path, sec->prefix, strlen(sec->prefix)))
                continue;
            char v[64];
            bound_text(q->d, (enum bound)qb, 0, v, sizeof v);
            others[k] = set_text(q, v, txt[k], sizeof txt[k]);
            k++;
        }
        others[k] = NULL;
        ok = accepted(s, sec, l, b, others, &e);
    }
    char v[64], scope[64];
    bound_text(l->d, b, 0, v, sizeof v);
    snprintf(scope, sizeof scope, *sec->prefix ? "%s* " : "%s", sec->prefix);
    ck_assert_msg(ok, "%s: %s = %s, its declared %s, is refused by validation whatever the "
                  "other %skeys (with the defaults: %s)", s->name, l->path, v,
                  b == LO ? "minimum" : "maximum", scope, first.msg);
    free(txt);
    free(others);
}

static void walk_subject(const subject *s)
{
    leaves *L = calloc(1, sizeof *L);
    ck_assert_ptr_nonnull(L);
    collect(s->t, "", L);
    ck_assert_uint_gt(L->n, 0);
    size_t checked = 0;
    for (size_t i = 0; i < L->n; i++) {
        const leaf *l = &L->v[i];
        check_declared(s, l);
        for (size_t k = 0; k < s->nsec; k++) {
            if (strncmp(l->path, s->sec[k].prefix, strlen(s->sec[k].prefix)))
                continue;
            check_reachable(s, &s->sec[k], L, l, LO);
            check_reachable(s, &s->sec[k], L, l, HI);
            checked++;
        }
    }
    ck_assert_uint_gt(checked, 0);
    free(L);
}

/* ---- the subjects -------------------------------------------------------------- */

static int root_dram(const void *o, sim_err *e)
{
    return dram_config_validate(&((const machine_config *)o)->dram, e);
}
static int root_tlb(const void *o, sim_err *e)
{
    return tlb_config_check(&((const machine_config *)o)->tlb, e);
}
static int root_cache(const void *o, sim_err *e)
{
    return memhier_config_check(&((const machine_config *)o)->cache, e);
}
static int root_memory(const void *o, sim_err *e)
{
    return memmap_config_check(&((const machine_config *)o)->memory, e);
}
static int root_pagedev(const void *o, sim_err *e)
{
    return pagedev_config_validate(&((const machine_config *)o)->pagedev, e);
}
static int dram_only(const void *o, sim_err *e)
{
    return dram_config_validate(o, e);
}

START_TEST(root_table_ranges_are_checked_ranges)
{
    static const section sec[] = {
        {"dram.", root_dram, NULL},
        {"tlb.", root_tlb, NULL},
        {"cache.", root_cache, NULL},
        {"pagedev.", root_pagedev, NULL},
        /* memory is sized automatically when no module is listed: one module */
        {"memory.", root_memory, "memory.modules[0].size=2G"},
    };
    subject s = {"config", &machine_config_table, sec, sizeof sec / sizeof sec[0]};
    walk_subject(&s);
}
END_TEST

START_TEST(dram_command_ranges_are_checked_ranges)
{
    static const section sec[] = {{"", dram_only, NULL}};
    subject s = {"lparsim dram", &dram_param_table, sec, 1};
    walk_subject(&s);
}
END_TEST

/* The walk sees what it should: a sample of paths, lists included. */
START_TEST(walk_reaches_every_table)
{
    leaves *L = calloc(1, sizeof *L);
    ck_assert_ptr_nonnull(L);
    collect(&machine_config_table, "", L);
    const char *want[] = {"machine.modules", "cache.l3.size", "memory.modules[0].size",
                          "dram.tRCD", "pagedev.hdd.avg_seek_ms", "tlb.entries", "hypervisor.smr.max_lpars",
                          "lpars[0].memory", "lpars[0].vcpus[0].thread", "drivers.smr.mix.map",
                          "drivers.smr.map_fraction", "run.max_records"};
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        bool found = false;
        for (size_t i = 0; i < L->n && !found; i++)
            found = !strcmp(L->v[i].path, want[k]);
        ck_assert_msg(found, "the walk misses %s", want[k]);
    }
    free(L);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("param_tables");
    TCase *tc = tcase_create("ranges");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, walk_reaches_every_table);
    tcase_add_test(tc, root_table_ranges_are_checked_ranges);
    tcase_add_test(tc, dram_command_ranges_are_checked_ranges);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
