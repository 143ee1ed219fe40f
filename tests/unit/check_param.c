/*
 * check_param.c - unit tests of the parameter system (sim/core/param.c,
 * param_print.c, cfg_yaml.c, cfg_set.c, cfg_src.c): defaults, value and size
 * parsing, YAML loading and the exact shape of every error message,
 * nearest-key suggestions, --set on nested and list paths, source lines,
 * and the printed parameter listings. Uses a small table of its own that
 * covers every parameter type.
 */
#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/param.h"
#include "testutil.h"

/* ---- the test table ---------------------------------------------------- */

typedef struct t_dram { uint64_t channels, tRCD; } t_dram;
typedef struct t_l1 { uint64_t size, assoc, latency; } t_l1;
typedef struct t_cache { t_l1 l1d; bool enabled; unsigned policy; } t_cache;
typedef struct t_vcpu { uint64_t thread; double weight; } t_vcpu;
typedef struct t_lpar { char *name; uint64_t memory; param_list vcpus; int64_t prio; } t_lpar;
typedef struct t_cfg {
    char *label;
    double freq;
    int64_t offset;
    unsigned smr;
    bool trace;
    uint64_t page;
    t_dram dram;
    t_cache cache;
    param_list lpars;
} t_cfg;

#define KB 1024.0
static const param_desc dram_p[] = {
    {"channels", PT_UINT, "", "2", 1, 64, NULL, "Number of DRAM channels.",
     offsetof(t_dram, channels), NULL},
    {"tRCD", PT_UINT, "cycles", "17", 1, 1000, NULL,
     "Row-to-column delay in DRAM command-clock cycles.", offsetof(t_dram, tRCD), NULL},
};
static const param_table dram_t = {"dram", sizeof(t_dram), dram_p, PARAM_COUNT(dram_p), "DRAM."};

static const param_desc l1_p[] = {
    {"size", PT_SIZE, "bytes", "32K", 4 * KB, KB * KB, NULL, "Capacity.", offsetof(t_l1, size), NULL},
    {"assoc", PT_UINT, "ways", "8", 1, 64, NULL, "Associativity.", offsetof(t_l1, assoc), NULL},
    {"latency", PT_UINT, "cycles", "4", 1, 100, NULL, "Hit latency.", offsetof(t_l1, latency), NULL},
};
static const param_table l1_t = {"l1", sizeof(t_l1), l1_p, PARAM_COUNT(l1_p), "L1 cache."};

static const param_desc cache_p[] = {
    {"l1d", PT_STRUCT, "", NULL, 0, 0, NULL, "L1 data cache.", offsetof(t_cache, l1d), &l1_t},
    {"enabled", PT_BOOL, "", "true", 0, 0, NULL, "Model caches at all.", offsetof(t_cache, enabled), NULL},
    {"policy", PT_ENUM, "", "random", 0, 0, "lru|random|fifo", "Replacement policy.",
     offsetof(t_cache, policy), NULL},
};
static const param_table cache_t = {"cache", sizeof(t_cache), cache_p, PARAM_COUNT(cache_p), "Caches."};

static const param_desc vcpu_p[] = {
    {"thread", PT_UINT, "", "0", 0, 63, NULL, "Hardware thread.", offsetof(t_vcpu, thread), NULL},
    {"weight", PT_DOUBLE, "", "1.0", 0.1, 100, NULL, "Share weight.", offsetof(t_vcpu, weight), NULL},
};
static const param_table vcpu_t = {"vcpu", sizeof(t_vcpu), vcpu_p, PARAM_COUNT(vcpu_p), "A vCPU."};

static const param_desc lpar_p[] = {
    {"name", PT_STRING, "", "lpar", 0, 0, NULL, "Partition name.", offsetof(t_lpar, name), NULL},
    {"memory", PT_SIZE, "bytes", "256M", KB * KB, KB * KB * KB * KB, NULL, "Memory size.",
     offsetof(t_lpar, memory), NULL},
    {"vcpus", PT_LIST, "", NULL, 0, 0, NULL, "Virtual CPUs.", offsetof(t_lpar, vcpus), &vcpu_t},
    {"prio", PT_INT, "", "0", -10, 10, NULL, "Priority.", offsetof(t_lpar, prio), NULL},
};
static const param_table lpar_t = {"lpar", sizeof(t_lpar), lpar_p, PARAM_COUNT(lpar_p), "An LPAR."};

static const param_desc top_p[] = {
    {"label", PT_STRING, "", "", 0, 0, NULL, "Run label.", offsetof(t_cfg, label), NULL},
    {"freq", PT_DOUBLE, "GHz", "4.0", 0.5, 10, NULL, "Core clock.", offsetof(t_cfg, freq), NULL},
    {"offset", PT_INT, "cycles", "0", -1000, 1000, NULL, "Start offset.", offsetof(t_cfg, offset), NULL},
    {"smr", PT_ENUM, "", "exhaustive", 0, 0, "exhaustive|export-vector|rmap",
     "SMR invalidation strategy.", offsetof(t_cfg, smr), NULL},
    {"trace", PT_BOOL, "", "false", 0, 0, NULL, "Write a trace.", offsetof(t_cfg, trace), NULL},
    {"page", PT_SIZE, "bytes", "4K", 4 * KB, KB * KB * KB * KB, NULL, "Base page size.",
     offsetof(t_cfg, page), NULL},
    {"dram", PT_STRUCT, "", NULL, 0, 0, NULL, "DRAM.", offsetof(t_cfg, dram), &dram_t},
    {"cache", PT_STRUCT, "", NULL, 0, 0, NULL, "Caches.", offsetof(t_cfg, cache), &cache_t},
    {"lpars", PT_LIST, "", NULL, 0, 0, NULL, "Partitions.", offsetof(t_cfg, lpars), &lpar_t},
};
static const param_table top_t = {"test", sizeof(t_cfg), top_p, PARAM_COUNT(top_p), "Test."};

#define CFG "configs/x.yaml"

static t_lpar *lpar(t_cfg *c, size_t i) { return (t_lpar *)c->lpars.items + i; }
static t_vcpu *vcpu(t_lpar *l, size_t i) { return (t_vcpu *)l->vcpus.items + i; }

static void fresh(t_cfg *c)
{
    sim_err e = {""};
    ck_assert_int_eq(param_defaults(&top_t, c, &e), 0);
}

/* Load text into a fresh config; returns rc, message in e. */
static int load(const char *text, sim_err *e)
{
    t_cfg c;
    fresh(&c);
    sim_err_clear(e);
    int rc = cfg_load_yaml_string(&top_t, &c, CFG, text, NULL, e);
    param_free(&top_t, &c);
    return rc;
}

static void load_err(const char *text, const char *want)
{
    sim_err e;
    ck_assert_int_eq(load(text, &e), -1);
    ck_assert_str_eq(e.msg, want);
}

/* ---- defaults and table checks ---------------------------------------- */

START_TEST(defaults_all_types)
{
    t_cfg c;
    fresh(&c);
    ck_assert_str_eq(c.label, "");
    ck_assert_double_eq(c.freq, 4.0);
    ck_assert_int_eq(c.offset, 0);
    ck_assert_uint_eq(c.smr, 0);
    ck_assert(!c.trace);
    ck_assert_uint_eq(c.page, 4096);
    ck_assert_uint_eq(c.dram.channels, 2);
    ck_assert_uint_eq(c.dram.tRCD, 17);
    ck_assert_uint_eq(c.cache.l1d.size, 32768);
    ck_assert_uint_eq(c.cache.l1d.assoc, 8);
    ck_assert(c.cache.enabled);
    ck_assert_uint_eq(c.cache.policy, 1);
    ck_assert_uint_eq(c.lpars.n, 0);
    ck_assert_ptr_null(c.lpars.items);
    param_free(&top_t, &c);
    ck_assert_ptr_null(c.label);
}
END_TEST

/* Every default of the sample table parses (the totality check other
 * modules run on their tables). */
START_TEST(defaults_total_and_table_check)
{
    const param_table *tabs[] = {&top_t, &dram_t, &l1_t, &cache_t, &vcpu_t, &lpar_t};
    for (size_t k = 0; k < PARAM_COUNT(tabs); k++) {
        sim_err e = {""};
        ck_assert_msg(param_table_check(tabs[k], &e) == 0, "%s", e.msg);
        for (size_t i = 0; i < tabs[k]->n; i++) {
            const param_desc *d = &tabs[k]->p[i];
            if (d->type == PT_STRUCT || d->type == PT_LIST)
                continue;
            union { uint64_t u; double x; char *s; } v = {0};
            ck_assert_msg(param_parse_value(d, d->def, &v, d->name, &e) == 0, "%s", e.msg);
            if (d->type == PT_STRING)
                free(v.s);
        }
    }
}
END_TEST

START_TEST(table_check_finds_bad_declarations)
{
    sim_err e;
    param_desc bad[] = {
        {"channels", PT_UINT, "", "0", 1, 64, NULL, "Channels.", offsetof(t_dram, channels), NULL},
        {"tRCD", PT_UINT, "cycles", "17", 1, 1000, NULL, "Delay.", offsetof(t_dram, tRCD), NULL},
    };
    param_table t = {"bad", sizeof(t_dram), bad, 2, "Bad."};
    ck_assert_int_eq(param_table_check(&t, &e), -1);
    ck_assert_str_eq(e.msg, "param table 'bad': default of 'channels': value 0 out of "
                            "range; expected an integer in [1, 64]");
    bad[0].def = "2";
    ck_assert_int_eq(param_table_check(&t, &e), 0);
    bad[1].name = "channels";
    ck_assert_int_eq(param_table_check(&t, &e), -1);
    ck_assert_str_eq(e.msg, "param table 'bad': channels: duplicate name");
    bad[1].name = "tRCD";
    bad[1].desc = "";
    ck_assert_int_eq(param_table_check(&t, &e), -1);
    ck_assert_str_eq(e.msg, "param table 'bad': tRCD: empty description");
}
END_TEST

/* ---- value parsing ------------------------------------------------------ */

START_TEST(size_parsing)
{
    static const struct { const char *s; uint64_t v; } ok[] = {
        {"4096", 4096}, {"0", 0}, {"4K", 4096}, {"4k", 4096}, {"64KiB", 65536},
        {"64KB", 65536}, {"64kb", 65536}, {"16M", 16777216}, {"1G", 1073741824},
        {"2T", 2199023255552ull}, {"1P", 1125899906842624ull}, {"0x1000", 4096},
        {"7B", 7}, {"16383P", 18445618173802708992ull},
    };
    static const char *const bad[] = {"", "K", "4 K", "4KK", "4Kx", "1.5G", "-4K",
                                      "4_096", "0x", "4iB", "16384P", "99999999999999999999"};
    for (size_t i = 0; i < PARAM_COUNT(ok); i++) {
        uint64_t v = 1;
        ck_assert_msg(param_parse_size(ok[i].s, &v) == 0, "%s", ok[i].s);
        ck_assert_uint_eq(v, ok[i].v);
    }
    for (size_t i = 0; i < PARAM_COUNT(bad); i++) {
        uint64_t v;
        ck_assert_msg(param_parse_size(bad[i], &v) == -1, "'%s' accepted", bad[i]);
    }
}
END_TEST

START_TEST(scalar_values)
{
    sim_err e;
    uint64_t u = 0;
    int64_t i = 0;
    double x = 0;
    bool b = false;
    unsigned en = 9;
    ck_assert_int_eq(param_parse_value(&dram_p[1], "0x3e8", &u, "w", &e), 0);
    ck_assert_uint_eq(u, 1000);
    ck_assert_int_eq(param_parse_value(&dram_p[1], "1_000", &u, "w", &e), -1);
    ck_assert_str_eq(e.msg, "w: expected an unsigned integer, got '1_000'");
    ck_assert_int_eq(param_parse_value(&dram_p[1], "-3", &u, "w", &e), -1);
    ck_assert_str_eq(e.msg, "w: value -3 out of range; expected an integer in [1, 1000]");
    ck_assert_int_eq(param_parse_value(&dram_p[1], "1001", &u, "w", &e), -1);
    ck_assert_uint_eq(u, 1000); /* unchanged on error */
    ck_assert_int_eq(param_parse_value(&lpar_p[3], "-10", &i, "w", &e), 0);
    ck_assert_int_eq(i, -10);
    ck_assert_int_eq(param_parse_value(&lpar_p[3], "-11", &i, "w", &e), -1);
    ck_assert_str_eq(e.msg, "w: value -11 out of range; expected an integer in [-10, 10]");
    ck_assert_int_eq(param_parse_value(&top_p[1], "2.25", &x, "w", &e), 0);
    ck_assert_double_eq(x, 2.25);
    ck_assert_int_eq(param_parse_value(&top_p[1], "nan", &x, "w", &e), -1);
    ck_assert_str_eq(e.msg, "w: expected a number, got 'nan'");
    ck_assert_int_eq(param_parse_value(&top_p[1], "0.25", &x, "w", &e), -1);
    ck_assert_str_eq(e.msg, "w: value 0.25 out of range; expected a number in [0.5, 10]");
    ck_assert_int_eq(param_parse_value(&top_p[4], "On", &b, "w", &e), 0);
    ck_assert(b);
    ck_assert_int_eq(param_parse_value(&top_p[4], "no", &b, "w", &e), 0);
    ck_assert(!b);
    ck_assert_int_eq(param_parse_value(&top_p[4], "maybe", &b, "w", &e), -1);
    ck_assert_str_eq(e.msg, "w: expected true or false, got 'maybe'");
    ck_assert_int_eq(param_parse_value(&top_p[3], "rmap", &en, "w", &e), 0);
    ck_assert_uint_eq(en, 2);
    ck_assert_int_eq(param_parse_value(&top_p[3], "export", &en, "w", &e), -1);
    ck_assert_str_eq(e.msg, "w: expected one of exhaustive|export-vector|rmap, got 'export'");
    ck_assert_int_eq(param_parse_value(&top_p[5], "2T", &u, "w", &e), -1);
    ck_assert_str_eq(e.msg, "w: value 2T out of range; expected a size in [4K, 1T]");
}
END_TEST

/* ---- loading ------------------------------------------------------------ */

START_TEST(load_good_file)
{
    t_cfg c;
    sim_err e = {""};
    fresh(&c);
    cfg_src *src = cfg_src_create("good.yaml");
    ck_assert_msg(cfg_load_yaml(&top_t, &c, tu_src("tests/data/param/good.yaml"), src, &e) == 0,
                  "%s", e.msg);
    ck_assert_str_eq(c.label, "bench A");
    ck_assert_double_eq(c.freq, 3.5);
    ck_assert_int_eq(c.offset, -12);
    ck_assert_uint_eq(c.smr, 1);
    ck_assert(c.trace);
    ck_assert_uint_eq(c.page, 65536);
    ck_assert_uint_eq(c.dram.channels, 8);
    ck_assert_uint_eq(c.dram.tRCD, 22);
    ck_assert(!c.cache.enabled);
    ck_assert_uint_eq(c.cache.policy, 1);       /* default kept */
    ck_assert_uint_eq(c.cache.l1d.size, 49152);
    ck_assert_uint_eq(c.cache.l1d.assoc, 12);
    ck_assert_uint_eq(c.cache.l1d.latency, 4);  /* default kept */
    ck_assert_uint_eq(c.lpars.n, 2);
    ck_assert_str_eq(lpar(&c, 0)->name, "server");
    ck_assert_uint_eq(lpar(&c, 0)->memory, 4294967296ull);
    ck_assert_uint_eq(lpar(&c, 0)->vcpus.n, 2);
    ck_assert_double_eq(vcpu(lpar(&c, 0), 0)->weight, 2.0);
    ck_assert_uint_eq(vcpu(lpar(&c, 0), 1)->thread, 3);
    ck_assert_double_eq(vcpu(lpar(&c, 0), 1)->weight, 1.0); /* element default */
    ck_assert_str_eq(lpar(&c, 1)->name, "client");
    ck_assert_uint_eq(lpar(&c, 1)->memory, 268435456ull);   /* element default */
    ck_assert_uint_eq(lpar(&c, 1)->vcpus.n, 1);
    ck_assert_uint_eq(vcpu(lpar(&c, 1), 0)->thread, 7);

    /* source lines, nested and in lists, with fallback to ancestors */
    ck_assert_int_eq(cfg_src_line(src, "label"), 2);
    ck_assert_int_eq(cfg_src_line(src, "dram"), 8);
    ck_assert_int_eq(cfg_src_line(src, "dram.tRCD"), 10);
    ck_assert_int_eq(cfg_src_line(src, "cache.l1d.size"), 14);
    ck_assert_int_eq(cfg_src_line(src, "cache.l1d.latency"), 13);
    ck_assert_int_eq(cfg_src_line(src, "lpars"), 16);
    ck_assert_int_eq(cfg_src_line(src, "lpars[0]"), 17);
    ck_assert_int_eq(cfg_src_line(src, "lpars[0].vcpus[0].weight"), 21);
    ck_assert_int_eq(cfg_src_line(src, "lpars[0].vcpus[1]"), 22);
    ck_assert_int_eq(cfg_src_line(src, "lpars[1].memory"), 23);
    ck_assert_int_eq(cfg_src_line(src, "lpars[1].vcpus[0].thread"), 25);
    ck_assert_int_eq(cfg_src_line(src, "lpars[1].vcpus[0].weight"), 25);
    ck_assert_int_eq(cfg_src_line(src, "nothing.here"), 0);
    ck_assert_str_eq(cfg_src_file(src), "good.yaml");
    ck_assert_int_eq(cfg_errf(&e, src, "lpars[1].vcpus[0].thread", "thread %d is busy", 7), -1);
    ck_assert_str_eq(e.msg, "good.yaml:25: lpars[1].vcpus[0].thread: thread 7 is busy");
    cfg_src_destroy(src);
    cfg_src_destroy(NULL);
    param_free(&top_t, &c);
}
END_TEST

START_TEST(load_empty_and_comments)
{
    sim_err e;
    ck_assert_int_eq(load("", &e), 0);
    ck_assert_int_eq(load("# only a comment\n", &e), 0);
    ck_assert_int_eq(load("---\n", &e), 0);
    t_cfg c;
    fresh(&c);
    ck_assert_int_eq(cfg_load_yaml(&top_t, &c, tu_src("tests/data/param/empty.yaml"), NULL, &e), 0);
    ck_assert_uint_eq(c.dram.tRCD, 17);
    param_free(&top_t, &c);
    load_err("- a\n- b\n", CFG ":1: expected a mapping of keys at the top level, got a sequence");
    load_err("42\n", CFG ":1: expected a mapping of keys at the top level, got a scalar");
    load_err("trace: on\n---\ntrace: off\n",
             CFG ":3: a second YAML document; expected one document per file");
}
END_TEST

START_TEST(error_unknown_key_suggestion)
{
    load_err("cache:\n  l1d:\n    sise: 32K\n",
             CFG ":3: cache.l1d.sise: unknown key; did you mean 'size'? "
             "(valid keys: size, assoc, latency)");
    load_err("dram:\n  trcd: 3\n",
             CFG ":2: dram.trcd: unknown key; did you mean 'tRCD'? (valid keys: channels, tRCD)");
    load_err("cache:\n  l1d:\n    xyzzy: 1\n",
             CFG ":3: cache.l1d.xyzzy: unknown key (valid keys: size, assoc, latency)");
    /* suggestion threshold max(2, len/3): distance 3 only for keys of 9+ chars */
    load_err("offsetXYZ: 1\n", CFG ":1: offsetXYZ: unknown key; did you mean 'offset'? "
             "(valid keys: label, freq, offset, smr, trace, page, dram, cache, lpars)");
    load_err("offseXYZ: 1\n", CFG ":1: offseXYZ: unknown key (valid keys: label, freq, "
             "offset, smr, trace, page, dram, cache, lpars)");
    load_err("lpars:\n  - nmae: x\n",
             CFG ":2: lpars[0].nmae: unknown key; did you mean 'name'? "
             "(valid keys: name, memory, vcpus, prio)");
    sim_err e;
    t_cfg c;
    fresh(&c);
    ck_assert_int_eq(cfg_load_yaml(&top_t, &c, tu_src("tests/data/param/unknown_key.yaml"),
                                   NULL, &e), -1);
    param_free(&top_t, &c);
    char want[600];
    snprintf(want, sizeof want, "%s:6: cache.l1d.sise: unknown key; did you mean 'size'? "
             "(valid keys: size, assoc, latency)", tu_src("tests/data/param/unknown_key.yaml"));
    ck_assert_str_eq(e.msg, want);
}
END_TEST

START_TEST(error_values)
{
    load_err("dram:\n  channels: 4\n\n  tRCD: four\n",
             CFG ":4: dram.tRCD: expected an unsigned integer, got 'four'");
    load_err("label: x\ndram:\n  channels: 0\n",
             CFG ":3: dram.channels: value 0 out of range; expected an integer in [1, 64]");
    load_err("dram:\n  channels: -1\n",
             CFG ":2: dram.channels: value -1 out of range; expected an integer in [1, 64]");
    load_err("dram:\n  channels: 1_0\n",
             CFG ":2: dram.channels: expected an unsigned integer, got '1_0'");
    load_err("smr: foo\n",
             CFG ":1: smr: expected one of exhaustive|export-vector|rmap, got 'foo'");
    load_err("trace: maybe\n", CFG ":1: trace: expected true or false, got 'maybe'");
    load_err("freq: fast\n", CFG ":1: freq: expected a number, got 'fast'");
    load_err("page: 2T\n", CFG ":1: page: value 2T out of range; expected a size in [4K, 1T]");
    load_err("page: 4Q\n", CFG ":1: page: expected a size (bytes, or an integer with a "
             "K/M/G/T/P suffix like 64K), got '4Q'");
    load_err("page:\n", CFG ":1: page: expected a size like 64K, got an empty value");
    load_err("freq:\n  a: 1\n", CFG ":1: freq: expected a number, got a mapping");
    load_err("offset: [1, 2]\n", CFG ":1: offset: expected an integer, got a sequence");
}
END_TEST

START_TEST(error_structure)
{
    load_err("label: a\nlpars: 3\n", CFG ":2: lpars: expected a sequence of mappings, got a scalar");
    load_err("lpars:\n  a: 1\n", CFG ":1: lpars: expected a sequence of mappings, got a mapping");
    load_err("lpars:\n  - name: a\n  - 3\n", CFG ":3: lpars[1]: expected a mapping, got a scalar");
    load_err("cache: 3\n", CFG ":1: cache: expected a mapping, got a scalar");
    load_err("lpars:\n  - name: a\n  - name: b\n    vcpus:\n      - thread: 1\n      - thread: 99\n",
             CFG ":6: lpars[1].vcpus[1].thread: value 99 out of range; expected an integer in [0, 63]");
    load_err("dram:\n  channels: 2\n  tRCD: 3\n  channels: 3\n",
             CFG ":4: dram.channels: duplicate key (first given at line 2)");
}
END_TEST

START_TEST(error_syntax_quiet)
{
    /* libfyaml must not print anything itself: capture our stderr */
    char *path = strdup(tu_tmp("stderr.txt"));
    fflush(stderr);
    int saved = dup(2);
    ck_assert(freopen(path, "w", stderr) != NULL);
    sim_err e;
    int rc = load("dram:\n  channels: 2\nlabel: \"unterminated\n", &e);
    t_cfg c;
    fresh(&c);
    sim_err e2;
    int rc2 = cfg_load_yaml(&top_t, &c, tu_src("tests/data/param/syntax.yaml"), NULL, &e2);
    param_free(&top_t, &c);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    size_t len = 99;
    char *err = tu_read_file(path, &len);
    ck_assert_int_eq(rc, -1);
    ck_assert_int_eq(rc2, -1);
    ck_assert_str_eq(e.msg, CFG ":3: YAML syntax error: double-quoted scalar without closing quote");
    ck_assert_ptr_nonnull(strstr(e2.msg, "tests/data/param/syntax.yaml:3: YAML syntax error: "));
    ck_assert_uint_eq(len, 0);
    free(err);
    free(path);
    load_err("a: [1, 2\n", CFG ":2: YAML syntax error: flow sequence without a closing bracket");
}
END_TEST

/* Text must be UTF-8: well-formed multibyte text loads; a stray Latin-1
 * byte, a surrogate, an overlong form or a truncated sequence is named by
 * line and byte (libfyaml 0.7 loops forever on "%\xdb"). */
START_TEST(error_invalid_utf8)
{
    t_cfg c;
    fresh(&c);
    sim_err e;
    ck_assert_msg(cfg_load_yaml_string(&top_t, &c, CFG, "label: caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\n",
                                       NULL, &e) == 0, "%s", e.msg);
    ck_assert_str_eq(c.label, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    param_free(&top_t, &c);
    load_err("%\xdb", CFG ":1: invalid UTF-8 (byte 0xDB); expected a UTF-8 text file");
    load_err("dram:\n  channels: 2\nlabel: caf\xe9\n",
             CFG ":3: invalid UTF-8 (byte 0xE9); expected a UTF-8 text file");
    load_err("label: \xed\xa0\x80\n", CFG ":1: invalid UTF-8 (byte 0xED); expected a UTF-8 text file");
    load_err("label: \xc0\xaf\n", CFG ":1: invalid UTF-8 (byte 0xC0); expected a UTF-8 text file");
    load_err("label: \xe2\x82", CFG ":1: invalid UTF-8 (byte 0xE2); expected a UTF-8 text file");
}
END_TEST

START_TEST(error_missing_file)
{
    sim_err e;
    t_cfg c;
    fresh(&c);
    const char *p = tu_src("tests/data/param/nope.yaml");
    ck_assert_int_eq(cfg_load_yaml(&top_t, &c, p, NULL, &e), -1);
    char want[600];
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", p);
    ck_assert_str_eq(e.msg, want);
    param_free(&top_t, &c);
}
END_TEST

START_TEST(load_replaces_list_and_aliases)
{
    t_cfg c;
    sim_err e = {""};
    fresh(&c);
    ck_assert_int_eq(cfg_load_yaml_string(&top_t, &c, CFG,
                     "lpars:\n  - name: a\n  - name: b\n  - name: c\n", NULL, &e), 0);
    ck_assert_uint_eq(c.lpars.n, 3);
    ck_assert_int_eq(cfg_load_yaml_string(&top_t, &c, CFG,
                     "lpars:\n  - &A {name: x, memory: 1G}\n  - *A\n  -\n", NULL, &e), 0);
    ck_assert_uint_eq(c.lpars.n, 3);
    ck_assert_str_eq(lpar(&c, 1)->name, "x");
    ck_assert_uint_eq(lpar(&c, 1)->memory, 1073741824ull);
    ck_assert_str_eq(lpar(&c, 2)->name, "lpar"); /* null element: all defaults */
    param_free(&top_t, &c);
}
END_TEST

/* ---- where keys came from: linear recording, --set origins ------------- */

/* D3: recording n keys must cost O(n) path comparisons (it used to compare
 * each new key with every recorded one: n^2 / 2, minutes for a 2 MB
 * config). Both directly and through the YAML loader, with aliases. */
START_TEST(src_recording_is_linear)
{
    enum { N = 20000 };
    cfg_src *src = cfg_src_create("big.yaml");
    char path[64];
    for (int i = 0; i < N; i++) {
        snprintf(path, sizeof path, "lpars[%d].vcpus[%d].thread", i / 7, i % 7);
        cfg_src_note(src, path, i + 1);
    }
    for (int i = 0; i < N; i += 3) { /* re-noting replaces the line */
        snprintf(path, sizeof path, "lpars[%d].vcpus[%d].thread", i / 7, i % 7);
        cfg_src_note(src, path, 2 * N + i);
    }
    ck_assert_uint_le(cfg_src_compares(src), 2 * N);
    ck_assert_int_eq(cfg_src_line(src, "lpars[0].vcpus[0].thread"), 2 * N);
    ck_assert_int_eq(cfg_src_line(src, "lpars[0].vcpus[1].thread"), 2);
    ck_assert_int_eq(cfg_src_line(src, "lpars[2857].vcpus[0].thread"), 20000);
    ck_assert_int_eq(cfg_src_line(src, "lpars[2857].vcpus[0].thread.x"), 20000);
    ck_assert_int_eq(cfg_src_line(src, "lpars[2857].vcpus[1].thread"), 0);
    cfg_src_destroy(src);

    /* a config of N aliased list items: each item's keys are recorded */
    size_t cap = 64 + 16 * (size_t)N, len = 0;
    char *text = malloc(cap);
    ck_assert_ptr_nonnull(text);
    len += (size_t)snprintf(text + len, cap - len,
                            "lpars:\n  - name: a\n    vcpus:\n      - &v {thread: 3}\n");
    for (int i = 0; i < N; i++)
        len += (size_t)snprintf(text + len, cap - len, "      - *v\n");
    t_cfg c;
    sim_err e = {""};
    fresh(&c);
    src = cfg_src_create(CFG);
    ck_assert_msg(cfg_load_yaml_string(&top_t, &c, CFG, text, src, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(lpar(&c, 0)->vcpus.n, N + 1);
    ck_assert_uint_le(cfg_src_compares(src), 4 * (size_t)N);
    ck_assert_int_eq(cfg_src_line(src, "lpars[0].vcpus[20000].thread"), 4); /* the anchor */
    ck_assert_int_eq(cfg_src_line(src, "lpars[0].vcpus[20000]"), 20004);
    cfg_src_destroy(src);
    param_free(&top_t, &c);
    free(text);
}
END_TEST

/* D8: a key given by --set is located by its override, not by a file line
 * (nor by the line of an unrelated ancestor); keys under a list element an
 * override appended are located by that override. */
START_TEST(src_set_origin)
{
    t_cfg c;
    sim_err e = {""};
    char w[256];
    fresh(&c);
    cfg_src *src = cfg_src_create("good.yaml");
    ck_assert_msg(cfg_load_yaml(&top_t, &c, tu_src("tests/data/param/good.yaml"), src, &e) == 0,
                  "%s", e.msg);
    ck_assert_int_eq(cfg_set_src(&top_t, &c, "dram.tRCD=20", src, &e), 0);
    ck_assert_int_eq(cfg_set_src(&top_t, &c, "lpars.0.vcpus[2].thread=9", src, &e), 0);
    ck_assert_int_eq(cfg_set_src(&top_t, &c, "lpars[2].name=x", src, &e), 0);
    ck_assert_int_eq(cfg_set_src(&top_t, &c, "freq=4", NULL, &e), 0); /* no src: fine */
    ck_assert_int_eq(cfg_set_src(&top_t, &c, "lpars[9].name=x", src, &e), -1);
    ck_assert_str_eq(cfg_src_where(src, "dram.tRCD", w, sizeof w), "--set dram.tRCD=20");
    ck_assert_str_eq(cfg_src_where(src, "dram.channels", w, sizeof w), "good.yaml:9");
    ck_assert_str_eq(cfg_src_where(src, "dram", w, sizeof w), "good.yaml:8");
    ck_assert_str_eq(cfg_src_where(src, "lpars[0].vcpus[2].thread", w, sizeof w),
                     "--set lpars.0.vcpus[2].thread=9");
    ck_assert_str_eq(cfg_src_where(src, "lpars[0].vcpus[2].weight", w, sizeof w),
                     "--set lpars.0.vcpus[2].thread=9");
    ck_assert_str_eq(cfg_src_where(src, "lpars[0].vcpus[1].weight", w, sizeof w),
                     "good.yaml:22");
    ck_assert_str_eq(cfg_src_where(src, "lpars[2].memory", w, sizeof w), "--set lpars[2].name=x");
    ck_assert_str_eq(cfg_src_where(src, "lpars[9].name", w, sizeof w), "good.yaml:16");
    ck_assert_str_eq(cfg_src_where(src, "nothing.here", w, sizeof w), "good.yaml");
    ck_assert_str_eq(cfg_src_where(NULL, "dram", w, sizeof w), "");
    ck_assert_int_eq(cfg_src_line(src, "dram.tRCD"), 0);
    ck_assert_int_eq(cfg_errf(&e, src, "dram.tRCD", "too slow"), -1);
    ck_assert_str_eq(e.msg, "--set dram.tRCD=20: dram.tRCD: too slow");
    ck_assert_int_eq(cfg_errf(&e, src, "nothing.here", "odd"), -1);
    ck_assert_str_eq(e.msg, "good.yaml: nothing.here: odd");
    ck_assert_int_eq(cfg_errf(&e, NULL, "dram", "odd"), -1);
    ck_assert_str_eq(e.msg, "dram: odd");
    /* a later file line replaces an override again */
    cfg_src_note(src, "dram.tRCD", 40);
    ck_assert_str_eq(cfg_src_where(src, "dram.tRCD", w, sizeof w), "good.yaml:40");
    cfg_src_destroy(src);
    param_free(&top_t, &c);

    /* sections the file never opened: located by the first override into
     * them (their own messages, "cache: ...", and their defaulted keys) */
    fresh(&c);
    src = cfg_src_create("none.yaml");
    ck_assert_int_eq(cfg_load_yaml_string(&top_t, &c, "none.yaml", "label: x\n", src, &e), 0);
    ck_assert_int_eq(cfg_set_src(&top_t, &c, "cache.l1d.assoc=4", src, &e), 0);
    ck_assert_int_eq(cfg_set_src(&top_t, &c, "cache.policy=lru", src, &e), 0);
    ck_assert_str_eq(cfg_src_where(src, "cache", w, sizeof w), "--set cache.l1d.assoc=4");
    ck_assert_str_eq(cfg_src_where(src, "cache.l1d.size", w, sizeof w),
                     "--set cache.l1d.assoc=4");
    ck_assert_str_eq(cfg_src_where(src, "cache.policy", w, sizeof w), "--set cache.policy=lru");
    ck_assert_str_eq(cfg_src_where(src, "label", w, sizeof w), "none.yaml:1");
    ck_assert_str_eq(cfg_src_where(src, "dram.tRCD", w, sizeof w), "none.yaml");
    cfg_src_destroy(src);
    param_free(&top_t, &c);
}
END_TEST

/* ---- --set ---------------------------------------------------------- */

START_TEST(set_nested_and_lists)
{
    t_cfg c;
    sim_err e = {""};
    fresh(&c);
    ck_assert_int_eq(cfg_set(&top_t, &c, "cache.l1d.assoc=16", &e), 0);
    ck_assert_uint_eq(c.cache.l1d.assoc, 16);
    ck_assert_int_eq(cfg_set(&top_t, &c, "cache.l1d.assoc=0", &e), -1);
    ck_assert_str_eq(e.msg, "--set cache.l1d.assoc=0: value 0 out of range; "
                            "expected an integer in [1, 64]");
    ck_assert_uint_eq(c.cache.l1d.assoc, 16);
    ck_assert_int_eq(cfg_set(&top_t, &c, "smr = rmap", &e), 0);
    ck_assert_uint_eq(c.smr, 2);
    ck_assert_int_eq(cfg_set(&top_t, &c, "cache.l1d.size=64KiB", &e), 0);
    ck_assert_uint_eq(c.cache.l1d.size, 65536);
    ck_assert_int_eq(cfg_set(&top_t, &c, "cache.l1d.sise=4K", &e), -1);
    ck_assert_str_eq(e.msg, "--set cache.l1d.sise=4K: unknown key 'cache.l1d.sise'; did you "
                            "mean 'size'? (valid keys: size, assoc, latency)");
    ck_assert_int_eq(cfg_set(&top_t, &c, "dram", &e), -1);
    ck_assert_str_eq(e.msg, "--set dram: expected KEY=VALUE");
    ck_assert_int_eq(cfg_set(&top_t, &c, "cache=1", &e), -1);
    ck_assert_str_eq(e.msg, "--set cache=1: 'cache' is a group of parameters; expected "
                            "cache.KEY (valid keys: l1d, enabled, policy)");

    ck_assert_int_eq(cfg_load_yaml_string(&top_t, &c, CFG,
                     "lpars:\n  - name: a\n    vcpus:\n      - thread: 1\n  - name: b\n",
                     NULL, &e), 0);
    ck_assert_int_eq(cfg_set(&top_t, &c, "lpars[1].memory=1G", &e), 0);
    ck_assert_uint_eq(lpar(&c, 1)->memory, 1073741824ull);
    ck_assert_int_eq(cfg_set(&top_t, &c, "lpars.0.memory=2G", &e), 0);
    ck_assert_uint_eq(lpar(&c, 0)->memory, 2147483648ull);
    ck_assert_int_eq(cfg_set(&top_t, &c, "lpars[0].vcpus[0].thread=5", &e), 0);
    ck_assert_uint_eq(vcpu(lpar(&c, 0), 0)->thread, 5);
    ck_assert_int_eq(cfg_set(&top_t, &c, "lpars[0].vcpus.0.weight=0.5", &e), 0);
    ck_assert_double_eq(vcpu(lpar(&c, 0), 0)->weight, 0.5);
    ck_assert_int_eq(cfg_set(&top_t, &c, "lpars[5].name=x", &e), -1);
    ck_assert_str_eq(e.msg, "--set lpars[5].name=x: no element lpars[5]; 'lpars' has 2 "
                            "elements (index 2 appends one)");
    ck_assert_int_eq(cfg_set(&top_t, &c, "lpars=3", &e), -1);
    ck_assert_str_eq(e.msg, "--set lpars=3: 'lpars' is a list of 2 elements; expected "
                            "lpars[N].key");
    ck_assert_int_eq(cfg_set(&top_t, &c, "lpars[1].vcpus[0].thread=64", &e), -1);
    ck_assert_uint_eq(lpar(&c, 1)->vcpus.n, 0); /* the appended element was removed */

    /* append at index n */
    ck_assert_int_eq(cfg_set(&top_t, &c, "lpars[2].name=z", &e), 0);
    ck_assert_uint_eq(c.lpars.n, 3);
    ck_assert_str_eq(lpar(&c, 2)->name, "z");
    ck_assert_uint_eq(lpar(&c, 2)->memory, 268435456ull);
    ck_assert_int_eq(cfg_set(&top_t, &c, "lpars[3].memory=banana", &e), -1);
    ck_assert_str_eq(e.msg, "--set lpars[3].memory=banana: expected a size (bytes, or an "
                            "integer with a K/M/G/T/P suffix like 64K), got 'banana'");
    ck_assert_uint_eq(c.lpars.n, 3);
    ck_assert_int_eq(cfg_set(&top_t, &c, "lpars[3].vcpus[0].thread=9", &e), 0);
    ck_assert_uint_eq(c.lpars.n, 4);
    ck_assert_uint_eq(vcpu(lpar(&c, 3), 0)->thread, 9);
    param_free(&top_t, &c);
}
END_TEST

/* ---- printing ---------------------------------------------------------- */

static char *print_text(size_t *count, const char *filter, bool md)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    *count = md ? param_print_markdown(f, &top_t, NULL) : param_print(f, &top_t, NULL, filter);
    fclose(f);
    return buf;
}

START_TEST(print_blocks)
{
    size_t n;
    char *s = print_text(&n, NULL, false);
    ck_assert_uint_eq(n, 18);
    ck_assert_ptr_nonnull(strstr(s, "dram.tRCD  (uint, cycles)  default 17  range [1, 1000]\n"
                                    "    Row-to-column delay in DRAM command-clock cycles.\n"));
    ck_assert_ptr_nonnull(strstr(s, "lpars[].memory  (size, bytes)  default 256M  range [1M, 1T]\n"
                                    "    Memory size.\n"));
    ck_assert_ptr_nonnull(strstr(s, "lpars[].vcpus[].weight  (double)  default 1.0  range [0.1, 100]\n"));
    ck_assert_ptr_nonnull(strstr(s, "smr  (enum)  default exhaustive  choices exhaustive|export-vector|rmap\n"));
    ck_assert_ptr_nonnull(strstr(s, "cache.l1d.size  (size, bytes)  default 32K  range [4K, 1M]\n"));
    ck_assert_ptr_nonnull(strstr(s, "label  (string)  default \"\"\n"));
    free(s);
    s = print_text(&n, "lpars[].", false);
    ck_assert_uint_eq(n, 5);
    ck_assert_ptr_null(strstr(s, "dram."));
    free(s);
    s = print_text(&n, NULL, true);
    ck_assert_uint_eq(n, 18);
    ck_assert_ptr_nonnull(strstr(s, "| parameter | type | unit | default | range | description |\n"));
    ck_assert_ptr_nonnull(strstr(s, "| `dram.tRCD` | uint | cycles | 17 | [1, 1000] | "
                                    "Row-to-column delay in DRAM command-clock cycles. |\n"));
    ck_assert_ptr_nonnull(strstr(s, "| `smr` | enum |  | exhaustive | "
                                    "exhaustive\\|export-vector\\|rmap | SMR invalidation strategy. |\n"));
    free(s);
    const param_desc *d = param_find(&cache_t, "policy");
    ck_assert_ptr_eq(d, &cache_p[2]);
    ck_assert_ptr_null(param_find(&cache_t, "l1d.size"));
}
END_TEST

/* A list whose element table has one scalar key takes bare scalars (the
 * platform file's `between: [a, b]`); elements of wider tables do not. */
typedef struct t_name { char *name; } t_name;
typedef struct t_names { param_list names; param_list vcpus; } t_names;
static const param_desc name_p[] = {
    {"name", PT_STRING, "", "", 0, 0, NULL, "A name.", offsetof(t_name, name), NULL},
};
static const param_table name_t = {"name", sizeof(t_name), name_p, PARAM_COUNT(name_p), "N."};
static const param_desc names_p[] = {
    {"names", PT_LIST, "", NULL, 0, 0, NULL, "Names.", offsetof(t_names, names), &name_t},
    {"vcpus", PT_LIST, "", NULL, 0, 0, NULL, "vCPUs.", offsetof(t_names, vcpus), &vcpu_t},
};
static const param_table names_t = {"names", sizeof(t_names), names_p, PARAM_COUNT(names_p),
                                    "Names."};

START_TEST(scalar_list_items)
{
    t_names c;
    sim_err e;
    sim_err_clear(&e);
    ck_assert_int_eq(param_defaults(&names_t, &c, &e), 0);
    ck_assert_msg(cfg_load_yaml_string(&names_t, &c, CFG, "names: [a, {name: b}, 'c d']\n", NULL,
                                       &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(c.names.n, 3);
    ck_assert_str_eq(((t_name *)c.names.items)[0].name, "a");
    ck_assert_str_eq(((t_name *)c.names.items)[1].name, "b");
    ck_assert_str_eq(((t_name *)c.names.items)[2].name, "c d");
    ck_assert_int_eq(cfg_load_yaml_string(&names_t, &c, CFG, "names: [[x]]\n", NULL, &e), -1);
    ck_assert_str_eq(e.msg, CFG ":1: names[0]: expected a mapping or a scalar, got a sequence");
    ck_assert_int_eq(cfg_load_yaml_string(&names_t, &c, CFG, "vcpus: [3]\n", NULL, &e), -1);
    ck_assert_str_eq(e.msg, CFG ":1: vcpus[0]: expected a mapping, got a scalar");
    param_free(&names_t, &c);
}
END_TEST

static Suite *param_suite(void)
{
    Suite *s = suite_create("param");
    TCase *tc = tcase_create("defaults");
    tcase_add_test(tc, defaults_all_types);
    tcase_add_test(tc, defaults_total_and_table_check);
    tcase_add_test(tc, table_check_finds_bad_declarations);
    suite_add_tcase(s, tc);
    tc = tcase_create("values");
    tcase_add_test(tc, size_parsing);
    tcase_add_test(tc, scalar_values);
    suite_add_tcase(s, tc);
    tc = tcase_create("yaml");
    tcase_add_test(tc, load_good_file);
    tcase_add_test(tc, load_empty_and_comments);
    tcase_add_test(tc, error_unknown_key_suggestion);
    tcase_add_test(tc, error_values);
    tcase_add_test(tc, error_structure);
    tcase_add_test(tc, error_syntax_quiet);
    tcase_add_test(tc, error_invalid_utf8);
    tcase_add_test(tc, error_missing_file);
    tcase_add_test(tc, load_replaces_list_and_aliases);
    tcase_add_test(tc, scalar_list_items);
    suite_add_tcase(s, tc);
    tc = tcase_create("set");
    tcase_add_test(tc, set_nested_and_lists);
    tcase_add_test(tc, src_recording_is_linear);
    tcase_add_test(tc, src_set_origin);
    suite_add_tcase(s, tc);
    tc = tcase_create("print");
    tcase_add_test(tc, print_blocks);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(param_suite());
}
