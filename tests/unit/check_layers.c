/*
 * check_layers.c - the layering rules of README.md ("Layers": the layer
 * diagram; "Extending": hypervisor features), checked on
 * the sources. Every file under sim/<layer>/, subfolders included (a file
 * in sim/hyp/smr/ belongs to layer hyp), is read for its #include "..."
 * lines:
 *   - a file may include headers of its own layer and of the layers below
 *     it only (core < memctl, tlb, mmu < cpu < hyp < lpar < machine < cli,
 *     systemc);
 *   - a hypervisor feature folder sim/hyp/<feature>/ may include the headers
 *     directly in sim/hyp/ and the lower layers, never another feature's
 *     folder sim/hyp/<other>/;
 *   - no file outside sim/hyp/<feature>/ includes a header of that folder,
 *     except sim/hyp/registry.c (which plugs the features in).
 * The rules themselves are also run on made-up paths, so a checker that
 * stopped seeing violations would fail.
 */
#include <check.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

typedef struct layer {
    const char *name;
    const char *may_use; /* space-separated, own layer included */
} layer;

static const layer layers[] = {
    {"core", "core"},
    {"memctl", "memctl core"},
    {"tlb", "tlb core"},
    {"mmu", "mmu core"},
    {"cpu", "cpu tlb mmu memctl core"},
    {"hyp", "hyp cpu tlb mmu memctl core"},
    {"lpar", "lpar hyp cpu tlb mmu memctl core"},
    {"machine", "machine lpar hyp cpu tlb mmu memctl core"},
    {"cli", "cli machine lpar hyp cpu tlb mmu memctl core"},
    {"systemc", "systemc machine lpar hyp cpu tlb mmu memctl core"},
};
#define NLAYERS (sizeof layers / sizeof layers[0])

/* The one file outside the feature folders that may include their headers. */
#define FEATURE_REGISTRY "hyp/registry.c"

/* Files (relative to sim/) allowed to include a feature's header although
 * they are outside its folder: none since the plug-in refactor (features
 * are plugged in through sim/hyp/registry.h alone). The test fails when a
 * listed file no longer breaks the rule, so the list cannot go stale. */
static const char *const pending_feature_includes[] = {
    NULL,
};

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

static const layer *layer_of(const char *file)
{
    size_t n = strcspn(file, "/");
    for (size_t i = 0; i < NLAYERS; i++)
        if (strlen(layers[i].name) == n && !strncmp(file, layers[i].name, n))
            return &layers[i];
    return NULL;
}

/* The feature folder of a path under sim/ ("hyp/smr/x.c" -> "smr", also
 * for an include "hyp/smr/smr.h"), copied into buf; NULL if the path is not
 * inside a folder of sim/hyp/. */
static const char *feature_of(const char *path, char *buf, size_t sz)
{
    if (strncmp(path, "hyp/", 4) != 0)
        return NULL;
    const char *f = path + 4, *slash = strchr(f, '/');
    if (!slash || slash == f)
        return NULL;
    snprintf(buf, sz, "%.*s", (int)(slash - f), f);
    return buf;
}

/* Rule 1: file (relative to sim/) may include inc (a path with a '/'). */
static bool layer_allows(const char *file, const char *inc)
{
    const layer *l = layer_of(file);
    if (!l)
        return false; /* a folder of sim/ that is not a known layer */
    char word[32];
    const char *p = l->may_use;
    while (*p) {
        size_t n = strcspn(p, " ");
        snprintf(word, sizeof word, "%.*s/", (int)n, p);
        if (!strncmp(inc, word, strlen(word)))
            return true;
        p += n;
        while (*p == ' ')
            p++;
    }
    return false;
}

/* Rule 2: a file of feature A includes a header of feature B != A. */
static bool includes_other_feature(const char *file, const char *inc)
{
    char fa[64], fb[64];
    const char *a = feature_of(file, fa, sizeof fa), *b = feature_of(inc, fb, sizeof fb);
    return a && b && strcmp(a, b) != 0;
}

/* Rule 3: a file in no feature folder (and not the registry) includes a
 * feature's header. */
static bool includes_feature_from_outside(const char *file, const char *inc)
{
    char fa[64], fb[64];
    return !feature_of(file, fa, sizeof fa) && feature_of(inc, fb, sizeof fb) &&
           strcmp(file, FEATURE_REGISTRY) != 0;
}

/* ---- the source tree ---------------------------------------------------- */

typedef struct file_list {
    char **v; /* paths relative to sim/ */
    size_t n, cap;
} file_list;

static void list_add(file_list *l, const char *rel)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        ck_assert_ptr_nonnull(l->v);
    }
    l->v[l->n] = strdup(rel);
    ck_assert_ptr_nonnull(l->v[l->n]);
    l->n++;
}

/* Every .c/.h/.cpp/.hpp under sim/<rel>, recursively. */
static void scan(file_list *l, const char *rel)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", tu_src("sim"), rel);
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot open %s", dir);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char sub[4096], full[8192];
        snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
        snprintf(full, sizeof full, "%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(full, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            scan(l, sub);
        else if (ends_with(de->d_name, ".c") || ends_with(de->d_name, ".h") ||
                 ends_with(de->d_name, ".cpp") || ends_with(de->d_name, ".hpp"))
            list_add(l, sub);
    }
    closedir(d);
}

static void list_free(file_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

typedef bool (*rule_fn)(const char *file, const char *inc);

/* Calls bad(file, inc) on every #include "dir/..." of every file; counts
 * and prints those for which it is true. files_out: files read. */
static unsigned violations(rule_fn bad, const char *rule, unsigned *files_out,
                           unsigned *in_features_out)
{
    file_list l = {0};
    scan(&l, "");
    unsigned n = 0, in_features = 0;
    for (size_t i = 0; i < l.n; i++) {
        char path[8192], fb[64];
        snprintf(path, sizeof path, "%s/%s", tu_src("sim"), l.v[i]);
        char *text = tu_read_file(path, NULL);
        ck_assert_ptr_nonnull(text);
        if (feature_of(l.v[i], fb, sizeof fb))
            in_features++;
        for (char *p = strstr(text, "#include \""); p; p = strstr(p + 1, "#include \"")) {
            char inc[256];
            const char *s = p + 10, *q = strchr(s, '"');
            if (!q || (size_t)(q - s) >= sizeof inc)
                continue;
            snprintf(inc, sizeof inc, "%.*s", (int)(q - s), s);
            if (!strchr(inc, '/'))
                continue; /* same-directory include */
            if (bad(l.v[i], inc)) {
                n++;
                fprintf(stderr, "sim/%s includes \"%s\" (%s)\n", l.v[i], inc, rule);
            }
        }
        free(text);
    }
    if (files_out)
        *files_out = (unsigned)l.n;
    if (in_features_out)
        *in_features_out = in_features;
    list_free(&l);
    return n;
}

static bool layer_rule_broken(const char *file, const char *inc)
{
    return !layer_allows(file, inc);
}

START_TEST(lower_layers_never_include_upper_ones)
{
    unsigned files = 0, in_features = 0;
    unsigned n = violations(layer_rule_broken, "a layer above, or not a layer", &files,
                            &in_features);
    ck_assert_uint_gt(files, 100);
    ck_assert_uint_gt(in_features, 5); /* sim/hyp/smr/ was read */
    ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(features_never_include_other_features)
{
    ck_assert_uint_eq(violations(includes_other_feature, "another feature's folder", NULL, NULL),
                      0);
}
END_TEST

static bool pending(const char *file)
{
    for (const char *const *p = pending_feature_includes; *p; p++)
        if (!strcmp(*p, file))
            return true;
    return false;
}

static bool outside_not_pending(const char *file, const char *inc)
{
    return includes_feature_from_outside(file, inc) && !pending(file);
}

static bool outside_pending(const char *file, const char *inc)
{
    return includes_feature_from_outside(file, inc) && pending(file);
}

/* Rule 3, minus the files of pending_feature_includes (see there). */
START_TEST(feature_headers_stay_in_their_folder)
{
    ck_assert_uint_eq(violations(outside_not_pending, "a feature's folder, from outside it",
                                 NULL, NULL),
                      0);
    /* every pending file still breaks the rule, else it must leave the list */
    for (const char *const *p = pending_feature_includes; *p; p++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", tu_src("sim"), *p);
        char *text = tu_read_file(path, NULL);
        bool still = false;
        for (char *s = text ? strstr(text, "#include \"hyp/") : NULL; s && !still;
             s = strstr(s + 1, "#include \"hyp/")) {
            char inc[256];
            const char *b = s + 10, *q = strchr(b, '"');
            if (q && (size_t)(q - b) < sizeof inc) {
                snprintf(inc, sizeof inc, "%.*s", (int)(q - b), b);
                still = outside_pending(*p, inc);
            }
        }
        free(text);
        ck_assert_msg(still, "sim/%s no longer includes a feature's header: remove it from "
                             "pending_feature_includes in %s", *p, __FILE__);
    }
}
END_TEST

/* The rules on made-up paths: each must see what it is for. */
START_TEST(rules_on_synthetic_paths)
{
    /* layers, subfolders included */
    ck_assert(layer_allows("hyp/smr/smr.c", "hyp/hyp.h"));
    ck_assert(layer_allows("hyp/smr/smr.c", "core/ops.h"));
    ck_assert(!layer_allows("hyp/smr/smr.c", "machine/machine.h"));
    ck_assert(!layer_allows("hyp/paging/deep/x.c", "lpar/guest.h"));
    ck_assert(layer_allows("systemc/examples/e.cpp", "systemc/dram_target.hpp"));
    ck_assert(!layer_allows("core/x.c", "../hyp/hyp.h"));
    ck_assert(!layer_allows("core/x.c", "corex/y.h"));
    ck_assert(!layer_allows("newlayer/x.c", "core/err.h"));
    /* features among themselves */
    ck_assert(!includes_other_feature("hyp/smr/smr.c", "hyp/smr/smr_int.h"));
    ck_assert(!includes_other_feature("hyp/smr/smr.c", "hyp/hyp_int.h"));
    ck_assert(includes_other_feature("hyp/smr/smr.c", "hyp/paging/paging.h"));
    ck_assert(includes_other_feature("hyp/ipca/sub/x.c", "hyp/smc/smc.h"));
    ck_assert(!includes_other_feature("hyp/smrx/a.c", "hyp/smrx/b.h"));
    ck_assert(includes_other_feature("hyp/smr/a.c", "hyp/smrx/b.h"));
    /* a feature's headers from outside its folder */
    ck_assert(includes_feature_from_outside("hyp/hyp.c", "hyp/smr/smr.h"));
    ck_assert(includes_feature_from_outside("hyp/hyp.h", "hyp/smr/smr_config.h"));
    ck_assert(includes_feature_from_outside("machine/scenario.c", "hyp/smr/smr.h"));
    ck_assert(includes_feature_from_outside("systemc/x.cpp", "hyp/paging/p.h"));
    ck_assert(!includes_feature_from_outside(FEATURE_REGISTRY, "hyp/smr/smr.h"));
    ck_assert(!includes_feature_from_outside("machine/machine.c", "hyp/hyp.h"));
    ck_assert(!includes_feature_from_outside("hyp/smr/smr.c", "hyp/smr/smr.h"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("layers");
    TCase *tc = tcase_create("includes");
    tcase_add_test(tc, rules_on_synthetic_paths);
    tcase_add_test(tc, lower_layers_never_include_upper_ones);
    tcase_add_test(tc, features_never_include_other_features);
    tcase_add_test(tc, feature_headers_stay_in_their_folder);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
