/*
 * check_layers.c - the layering rule of DESIGN.md, checked on the sources:
 * a file under sim/<layer>/ may include headers of its own layer and of the
 * layers below it only (core < memctl, tlb, mmu < cpu < hyp < lpar <
 * machine < cli, systemc).
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

static int allowed(const layer *l, const char *inc)
{
    char word[32];
    const char *p = l->may_use;
    while (*p) {
        size_t n = strcspn(p, " ");
        snprintf(word, sizeof word, "%.*s/", (int)n, p);
        if (!strncmp(inc, word, strlen(word)))
            return 1;
        p += n;
        while (*p == ' ')
            p++;
    }
    return 0;
}

START_TEST(lower_layers_never_include_upper_ones)
{
    unsigned files = 0, violations = 0;
    for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", tu_src("sim"));
        strncat(dir, "/", sizeof dir - strlen(dir) - 1);
        strncat(dir, layers[i].name, sizeof dir - strlen(dir) - 1);
        DIR *d = opendir(dir);
        if (!d)
            continue;
        struct dirent *de;
        while ((de = readdir(d))) {
            if (!ends_with(de->d_name, ".c") && !ends_with(de->d_name, ".h") &&
                !ends_with(de->d_name, ".cpp") && !ends_with(de->d_name, ".hpp"))
                continue;
            char path[8192];
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            char *text = tu_read_file(path, NULL);
            ck_assert_ptr_nonnull(text);
            files++;
            for (char *p = strstr(text, "#include \""); p; p = strstr(p + 1, "#include \"")) {
                const char *inc = p + 10;
                if (!strchr(inc, '/') || strchr(inc, '/') > strchr(inc, '"'))
                    continue; /* same-directory include */
                if (!allowed(&layers[i], inc)) {
                    violations++;
                    fprintf(stderr, "sim/%s/%s includes %.40s\n", layers[i].name, de->d_name, inc);
                }
            }
            free(text);
        }
        closedir(d);
    }
    ck_assert_uint_gt(files, 40);
    ck_assert_uint_eq(violations, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("layers");
    TCase *tc = tcase_create("includes");
    tcase_add_test(tc, lower_layers_never_include_upper_ones);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
