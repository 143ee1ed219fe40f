/* testutil.c - see testutil.h. */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char *env_or(const char *k, const char *d)
{
    const char *v = getenv(k);
    return v && *v ? v : d;
}

const char *tu_src(const char *rel)
{
    static char buf[8][4096];
    static int slot;
    char *b = buf[slot++ & 7];
    snprintf(b, 4096, "%s/%s", env_or("LPARSIM_SRC", "."), rel);
    return b;
}

const char *tu_tmp(const char *file)
{
    static char buf[8][4096];
    static int slot;
    const char *dir = env_or("LPARSIM_TMP", "/tmp/lparsim-test");
    mkdir(dir, 0755);
    char *b = buf[slot++ & 7];
    snprintf(b, 4096, "%s/%s", dir, file);
    return b;
}

char *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *s = malloc(cap);
    size_t k;
    while ((k = fread(s + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (cap - n - 1 == 0) {
            cap *= 2;
            s = realloc(s, cap);
        }
    }
    fclose(f);
    s[n] = '\0';
    if (len)
        *len = n;
    return s;
}

int tu_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

tu_run tu_lparsim(const char *const *argv)
{
    tu_run r = {-1, NULL, NULL};
    const char *bin = env_or("LPARSIM_BIN", "./lparsim");
    char outp[4200], errp[4200];
    static int seq;
    snprintf(outp, sizeof outp, "%s", tu_tmp(""));
    snprintf(outp, sizeof outp, "%s/.run%d.%d.out", env_or("LPARSIM_TMP", "/tmp/lparsim-test"), (int)getpid(), seq);
    snprintf(errp, sizeof errp, "%s/.run%d.%d.err", env_or("LPARSIM_TMP", "/tmp/lparsim-test"), (int)getpid(), seq++);
    size_t n = 0;
    while (argv[n])
        n++;
    char **av = calloc(n + 2, sizeof *av);
    av[0] = (char *)bin;
    for (size_t i = 0; i < n; i++)
        av[i + 1] = (char *)argv[i];
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd))
        cwd[0] = '\0';
    if (chdir(env_or("LPARSIM_SRC", ".")) != 0) { /* keep cwd */ }
    pid_t pid;
    int rc = posix_spawn(&pid, bin, &fa, NULL, av, environ);
    if (cwd[0] && chdir(cwd) != 0) { /* ignore */ }
    posix_spawn_file_actions_destroy(&fa);
    free(av);
    if (rc != 0)
        return r;
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r.out = tu_read_file(outp, NULL);
    r.err = tu_read_file(errp, NULL);
    if (!r.out)
        r.out = strdup("");
    if (!r.err)
        r.err = strdup("");
    unlink(outp);
    unlink(errp);
    return r;
}

void tu_run_free(tu_run *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

int tu_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

char *tu_strip_host(char *s)
{
    char *o = s, *p = s;
    while (*p) {
        char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p + 1) : strlen(p);
        if (!memmem(p, len, "\"host_seconds\"", 14) &&
            !memmem(p, len, "\"records_per_host_second\"", 25)) {
            memmove(o, p, len);
            o += len;
        }
        p += len;
    }
    *o = '\0';
    return s;
}

double tu_csv_get(const char *csv, const char *key)
{
    size_t n = strlen(key);
    for (const char *p = csv; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (!strncmp(p, key, n) && p[n] == ',')
            return strtod(p + n + 1, NULL);
    ck_abort_msg("%s missing from the report", key);
    return 0;
}

char *tu_run_yaml(const char *name, const char *yaml, const char *csv_name)
{
    ck_assert_int_eq(tu_write_file(tu_tmp(name), yaml), 0);
    const char *argv[] = {"run", tu_tmp(name), "-q", "--csv", tu_tmp(csv_name), NULL};
    tu_run r = tu_lparsim(argv);
    ck_assert_msg(r.status == 0, "%s: %s", name, r.err);
    tu_run_free(&r);
    char *csv = tu_read_file(tu_tmp(csv_name), NULL);
    ck_assert_ptr_nonnull(csv);
    return csv;
}

void tu_refused(const char *yaml, const char *want)
{
    ck_assert_int_eq(tu_write_file(tu_tmp("bad.yaml"), yaml), 0);
    const char *argv[] = {"run", tu_tmp("bad.yaml"), "-q", NULL};
    tu_run r = tu_lparsim(argv);
    ck_assert_msg(r.status == 1, "accepted: %s", yaml);
    ck_assert_msg(strstr(r.err, want) != NULL, "'%s' not in '%s'", want, r.err);
    ck_assert_msg(strstr(r.err, "bad.yaml:") != NULL, "no FILE:LINE: %s", r.err);
    ck_assert_msg(strchr(r.err, '\n') == r.err + strlen(r.err) - 1, "not one line: %s", r.err);
    tu_run_free(&r);
}

void tu_coherency_refused(unsigned cores, const char *coh, const char *want)
{
    tu_write_tmp("one.txt", "#lparsim-trace v1\nL 0x10000000 8\n");
    char y[1024];
    snprintf(y, sizeof y,
             "machine: {modules: 1, cores_per_module: %u, threads_per_core: 2}\n"
             "hypervisor:\n  lmb_size: 256M\n  coherency:\n    enabled: true\n%s"
             "lpars: [{name: a, memory: 256M, vcpus: [{thread: 0, trace: %s}]}]\n",
             cores, coh, tu_tmp("one.txt"));
    tu_refused(y, want);
}

const char *tu_busy_trace(void)
{
    static char path[512];
    char *t = malloc(64 * 1024), *p = t;
    ck_assert_ptr_nonnull(t);
    p += sprintf(p, "#lparsim-trace v1\n");
    for (int i = 0; i < 2000; i++)
        p += sprintf(p, "L 0x%x 8\nI 0x100%05x 4\n", 0x10000000 + (i * 4096 * 37) % (64 << 20),
                     i * 4);
    ck_assert_int_eq(tu_write_file(tu_tmp("busy.txt"), t), 0);
    free(t);
    snprintf(path, sizeof path, "%s", tu_tmp("busy.txt"));
    return path;
}

void tu_write_tmp(const char *name, const char *text)
{
    ck_assert_int_eq(tu_write_file(tu_tmp(name), text), 0);
}

tu_run tu_run_config(const char *cfg, const char *const *sets, const char *out, bool json)
{
    const char *argv[64] = {"run", cfg, "-q", json ? "--json" : "--csv", out};
    int n = 5;
    for (int i = 0; sets && sets[i]; i++) {
        ck_assert_int_lt(n, 61);
        argv[n++] = "--set";
        argv[n++] = sets[i];
    }
    argv[n] = NULL;
    return tu_lparsim(argv);
}

char *tu_run_config_ok(const char *cfg, const char *const *sets, const char *out_name, bool json)
{
    tu_run r = tu_run_config(cfg, sets, tu_tmp(out_name), json);
    ck_assert_msg(r.status == 0, "%s: %s", cfg, r.err);
    tu_run_free(&r);
    char *s = tu_read_file(tu_tmp(out_name), NULL);
    ck_assert_ptr_nonnull(s);
    return s;
}
