/* cli_util.c - helpers shared by the commands (see cli.h). */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int cli_fail(const sim_err *e)
{
    /* exactly one line, whatever bytes a message quotes from a bad input */
    char line[SIM_ERR_MAX];
    snprintf(line, sizeof line, "%s", e->msg[0] ? e->msg : "unknown error");
    for (char *p = line; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    fprintf(stderr, "lparsim: %s\n", line);
    return 1;
}

int cli_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("lparsim: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(" (see lparsim --help)\n", stderr);
    va_end(ap);
    return 2;
}

static int write_atomic(const char *path, int (*fn)(FILE *, const void *), const void *arg, sim_err *e)
{
    size_t n = strlen(path) + 8;
    char *tmp = malloc(n);
    if (!tmp)
        return sim_errf(e, "%s: out of memory", path);
    snprintf(tmp, n, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        sim_errf(e, "%s: cannot write: %s", path, strerror(errno));
        free(tmp);
        return -1;
    }
    int rc = fn(f, arg);
    if (fclose(f) != 0)
        rc = -1;
    if (rc != 0 || rename(tmp, path) != 0) {
        sim_errf(e, "%s: cannot write: %s", path, strerror(errno ? errno : EIO));
        unlink(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

static int json_fn(FILE *f, const void *arg)
{
    return jtree_write(arg, f);
}

struct csv_ctx {
    FILE *f;
};

static void csv_leaf(const char *path, const char *text, void *ctx)
{
    FILE *f = ((struct csv_ctx *)ctx)->f;
    fprintf(f, "%s,", path);
    if (strpbrk(text, ",\"\n")) {
        fputc('"', f);
        for (const char *p = text; *p; p++) {
            if (*p == '"')
                fputc('"', f);
            fputc(*p, f);
        }
        fputc('"', f);
    } else {
        fputs(text, f);
    }
    fputc('\n', f);
}

static int csv_fn(FILE *f, const void *arg)
{
    struct csv_ctx c = {f};
    fputs("metric,value\n", f);
    jtree_walk(arg, csv_leaf, &c);
    return ferror(f) ? -1 : 0;
}

int cli_write_json(const jtree *j, const char *path, sim_err *e)
{
    return write_atomic(path, json_fn, j, e);
}

int cli_write_csv(const jtree *j, const char *path, sim_err *e)
{
    return write_atomic(path, csv_fn, j, e);
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

bool cli_progress_wanted(void)
{
    return isatty(2) != 0;
}

int cli_opt(int argc, char **argv, int *i, const char *opt, const char **val)
{
    const char *a = argv[*i];
    size_t ol = strlen(opt);
    if (strncmp(a, opt, ol) != 0)
        return 0;
    if (a[ol] == '=') {
        *val = a + ol + 1;
        return 1;
    }
    if (a[ol] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        cli_usage("%s needs a value", opt);
        return -1;
    }
    *val = argv[++*i];
    return 1;
}
