/*
 * sweep_emit.c - `lparsim sweep --emit parallel|slurm`: the points not yet
 * complete as batch jobs that each run `lparsim sweep SWEEP -o DIR --point
 * ID` (absolute paths: the jobs may run in another directory or on other
 * hosts sharing the filesystem). parallel: DIR/jobs.txt, one shell-quoted
 * command per line, for GNU parallel. slurm: DIR/sweep.sbatch, a job array
 * mapping $SLURM_ARRAY_TASK_ID to a point id. Both written atomically;
 * the instructions go to stdout.
 */
#include "sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void sweep_shell_quote(sweep_buf *b, const char *s)
{
    bool plain = *s != '\0';
    for (const char *c = s; *c && plain; c++)
        plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                (*c >= '0' && *c <= '9') || strchr("_./=:,+@%-", *c);
    if (plain) {
        sweep_buf_add(b, "%s", s);
        return;
    }
    sweep_buf_addn(b, "'", 1);
    for (; *s; s++)
        if (*s == '\'')
            sweep_buf_add(b, "'\\''");
        else
            sweep_buf_addn(b, s, 1);
    sweep_buf_addn(b, "'", 1);
}

/* "SELF sweep SWEEP -o DIR" (+ " --timeout T"), quoted; then --point comes. */
static void command(sweep_buf *b, const char *self, const char *sweep_file, const char *dir)
{
    sweep_shell_quote(b, self);
    sweep_buf_add(b, " sweep ");
    sweep_shell_quote(b, sweep_file);
    sweep_buf_add(b, " -o ");
    sweep_shell_quote(b, dir);
}

static void timeout_opt(sweep_buf *b, double timeout)
{
    if (timeout > 0)
        sweep_buf_add(b, " --timeout %g", timeout);
}

static int write_file(const char *dir, const char *name, sweep_buf *b, sim_err *e)
{
    char *p = sweep_path(dir, name, NULL);
    int rc = p && sweep_buf_str(b) ? sweep_write_atomic(p, b->s ? b->s : "", b->n, e)
                                   : sim_errf(e, "out of memory");
    free(p);
    return rc;
}

static int emit_parallel(const char *self, const char *sweep_file, const char *dir,
                         const sweep_points *pts, const size_t *pending, size_t n, double timeout,
                         sim_err *e)
{
    sweep_buf b = {0};
    for (size_t i = 0; i < n; i++) {
        command(&b, self, sweep_file, dir);
        sweep_buf_add(&b, " --point ");
        sweep_shell_quote(&b, pts->p[pending[i]].id);
        timeout_opt(&b, timeout);
        sweep_buf_add(&b, "\n");
    }
    int rc = write_file(dir, "jobs.txt", &b, e);
    sweep_buf_free(&b);
    if (rc)
        return -1;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    sweep_buf q = {0}, x = {0};
    sweep_shell_quote(&q, dir);
    sweep_shell_quote(&x, self);
    const char *d = sweep_buf_str(&q) ? q.s : dir, *bin = sweep_buf_str(&x) ? x.s : self;
    printf("sweep: %zu points to run in %s/jobs.txt. Run them with GNU parallel, then collect:\n"
           "  parallel --jobs %ld --joblog %s/joblog < %s/jobs.txt\n"
           "  %s sweep --collect %s\n"
           "Across hosts (%s and the lparsim binary on a shared filesystem, same path "
           "everywhere):\n"
           "  parallel --jobs %ld --sshloginfile HOSTS --joblog %s/joblog < %s/jobs.txt\n",
           n, dir, cpus > 0 ? cpus : 1, d, d, bin, d, dir, cpus > 0 ? cpus : 1, d, d);
    sweep_buf_free(&q);
    sweep_buf_free(&x);
    return 0;
}

/* A Slurm job name from the sweep file's base name. */
static void job_name(sweep_buf *b, const char *sweep_file)
{
    const char *base = strrchr(sweep_file, '/');
    base = base ? base + 1 : sweep_file;
    size_t l = strcspn(base, ".");
    sweep_buf_add(b, "lparsim-");
    for (size_t i = 0; i < l && i < 40; i++) {
        char c = base[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        sweep_buf_addn(b, ok ? &c : "_", 1);
    }
}

static int emit_slurm(const char *self, const char *sweep_file, const char *dir,
                      const sweep_points *pts, const size_t *pending, size_t n, double timeout,
                      sim_err *e)
{
    sweep_buf b = {0};
    sweep_buf_add(&b, "#!/bin/bash\n"
                  "# sweep.sbatch - written by lparsim sweep --emit slurm: one array task per "
                  "point of\n# %s not yet complete (%zu). Submit with sbatch, then run\n"
                  "#   %s sweep --collect %s\n#SBATCH --job-name=", sweep_file, n, self, dir);
    job_name(&b, sweep_file);
    sweep_buf_add(&b, "\n#SBATCH --array=0-%zu\n#SBATCH --output=%s/points/slurm-%%A_%%a.out\n"
                  "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\nset -eu\nids=(\n", n - 1, dir);
    for (size_t i = 0; i < n; i++) {
        sweep_buf_add(&b, "  ");
        sweep_shell_quote(&b, pts->p[pending[i]].id);
        sweep_buf_add(&b, "\n");
    }
    sweep_buf_add(&b, ")\n: \"${SLURM_ARRAY_TASK_ID:?run this script with sbatch (or set "
                  "SLURM_ARRAY_TASK_ID)}\"\nexec ");
    command(&b, self, sweep_file, dir);
    sweep_buf_add(&b, " --point \"${ids[$SLURM_ARRAY_TASK_ID]}\"");
    timeout_opt(&b, timeout);
    sweep_buf_add(&b, "\n");
    int rc = write_file(dir, "sweep.sbatch", &b, e);
    sweep_buf_free(&b);
    if (rc)
        return -1;
    char *p = sweep_path(dir, "sweep.sbatch", NULL);
    if (p)
        chmod(p, 0755);
    free(p);
    sweep_buf q = {0}, x = {0};
    sweep_shell_quote(&q, dir);
    sweep_shell_quote(&x, self);
    const char *d = sweep_buf_str(&q) ? q.s : dir, *bin = sweep_buf_str(&x) ? x.s : self;
    printf("sweep: %zu points as a Slurm job array in %s/sweep.sbatch. Submit it, then collect "
           "when it is done:\n  sbatch %s/sweep.sbatch\n  %s sweep --collect %s\n", n, dir,
           d, bin, d);
    sweep_buf_free(&q);
    sweep_buf_free(&x);
    return 0;
}

int sweep_emit(const char *how, const char *self, const char *sweep_file, const char *dir,
               const sweep_points *pts, const size_t *pending, size_t n, double timeout,
               sim_err *e)
{
    const char *file = !strcmp(how, "slurm") ? "sweep.sbatch" : "jobs.txt";
    if (n == 0) {
        char *p = sweep_path(dir, file, NULL);
        if (p)
            unlink(p);
        free(p);
        printf("sweep: every point of %s is complete; nothing to emit (lparsim sweep --collect "
               "%s)\n", sweep_file, dir);
        return 0;
    }
    if (!strcmp(how, "slurm"))
        return emit_slurm(self, sweep_file, dir, pts, pending, n, timeout, e);
    return emit_parallel(self, sweep_file, dir, pts, pending, n, timeout, e);
}
