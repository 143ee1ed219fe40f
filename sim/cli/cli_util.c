/* cli_util.c - helpers shared by the commands (see cli.h). */
#include "cli.h"

#include "core/outfile.h"
#include "core/param.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
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

/* Every output file goes through core/outfile (links followed, devices
 * written in place, every write checked, regular files replaced atomically). */
static int write_out(const char *path, int (*fn)(FILE *, const void *), const void *arg, sim_err *e)
{
    outfile *o = outfile_open(path, e);
    if (!o)
        return -1;
    FILE *f = outfile_stream(o, e);
    if (!f) {
        outfile_abort(o);
        return -1;
    }
    errno = 0;
    if (fn(f, arg) != 0) { /* a failed write: errno is why */
        int err = errno;
        outfile_abort(o);
        return sim_errf(e, "%s: cannot write: %s", path, strerror(err ? err : EIO));
    }
    return outfile_commit(o, e);
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
    return write_out(path, json_fn, j, e);
}

int cli_write_csv(const jtree *j, const char *path, sim_err *e)
{
    return write_out(path, csv_fn, j, e);
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

int cli_opt_set(int argc, char **argv, int *i, const char *prefix, const char *cmd,
                const char **sets, int *nsets)
{
    const char *v;
    int r = cli_opt(argc, argv, i, "--set", &v);
    if (r <= 0)
        return r;
    if (*nsets == 64) {
        cli_usage("too many --set options (at most 64)");
        return -1;
    }
    const char *k = v + strspn(v, " \t");
    if (strncmp(k, prefix, strlen(prefix)) != 0) {
        cli_usage("--set %s: only %s* keys apply to lparsim %s; expected --set %sKEY=VALUE", v,
                  prefix, cmd, prefix);
        return -1;
    }
    sets[(*nsets)++] = v;
    return 1;
}

/* Do two output paths name one file, whether or not it exists yet (the
 * same file, or the same name in the same resolved directory)? */
static bool same_output(const char *a, const char *b)
{
    if (outfile_same(a, b))
        return true;
    char da[PATH_MAX], db[PATH_MAX];
    const char *ba = strrchr(a, '/'), *bb = strrchr(b, '/');
    size_t la = ba ? (size_t)(ba - a) : 0, lb = bb ? (size_t)(bb - b) : 0;
    if (la >= sizeof da || lb >= sizeof db)
        return false;
    /* the directory part ("" is ".", "/x" is "/") */
    snprintf(da, sizeof da, "%.*s", (int)la, a);
    snprintf(db, sizeof db, "%.*s", (int)lb, b);
    char ra[PATH_MAX], rb[PATH_MAX];
    if (!realpath(ba ? (la ? da : "/") : ".", ra) || !realpath(bb ? (lb ? db : "/") : ".", rb))
        return false;
    return strcmp(ra, rb) == 0 && strcmp(ba ? ba + 1 : a, bb ? bb + 1 : b) == 0;
}

int cli_check_outputs(const char *const *outs, size_t nout, const char *const *ins, size_t nin)
{
    sim_err e;
    sim_err_clear(&e);
    for (size_t i = 0; i < nout; i++) {
        if (!outs[i])
            continue;
        if (outfile_check(outs[i], &e) != 0)
            return cli_fail(&e);
        for (size_t k = 0; k < i; k++)
            if (outs[k] && same_output(outs[i], outs[k])) {
                sim_errf(&e, "%s: named twice as an output (also %s); expected a different "
                             "path for each report",
                         outs[i], outs[k]);
                return cli_fail(&e);
            }
        for (size_t k = 0; k < nin; k++)
            if (ins[k] && outfile_same(outs[i], ins[k])) {
                sim_errf(&e, "%s: cannot write: it is the input file %s; expected a "
                             "different output path", outs[i], ins[k]);
                return cli_fail(&e);
            }
    }
    return 0;
}

/* Numeric options use the parser of config values and --set (param.h):
 * decimal or 0x-hex integers, plain decimal numbers; no blanks, signs on
 * unsigned values, inf or nan; range checked. */
static int parse_num(const char *opt, const char *s, param_type type, double min, double max,
                     void *out)
{
    param_desc d = {.name = opt, .type = type, .min = min, .max = max};
    sim_err e;
    sim_err_clear(&e);
    if (param_parse_value(&d, s, out, opt, &e) != 0)
        return cli_usage("%s", e.msg);
    return 0;
}

int cli_parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    return parse_num(opt, s, PT_UINT, (double)min, (double)max, out);
}

int cli_parse_double(const char *opt, const char *s, double min, double max, double *out)
{
    return parse_num(opt, s, PT_DOUBLE, min, max, out);
}
