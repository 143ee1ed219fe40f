/*
 * sweep_dir.c - the output directory of a sweep:
 *   .lock          flock'ed while a sweep works in DIR (shared by --point jobs)
 *   sweep.yaml     copy of the sweep file;  points.tsv  "id<TAB>--set..." lines
 *   results.csv    header + one row per finished point
 *   points/<id>/   log.txt, stats.json, status.json, pid (while running)
 * Invariants: points.tsv identifies the sweep (a DIR holding another one is
 * refused); results are never overwritten without --resume; every file is
 * replaced atomically except the single-write appends to results.csv.
 */
#include "sweep.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

int sweep_lock(const char *dir, bool shared, sim_err *e)
{
    char *p = sweep_path(dir, ".lock", NULL);
    if (!p)
        return sim_errf(e, "out of memory");
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        sim_errf(e, "%s: cannot open: %s", p, strerror(errno));
    } else if (flock(fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
        int err = errno;
        close(fd);
        fd = -1;
        if (err == EWOULDBLOCK)
            sim_errf(e, "%s: another lparsim sweep is working in this directory (%s is "
                     "locked); expected one sweep per directory at a time", dir, p);
        else
            sim_errf(e, "%s: cannot lock: %s", p, strerror(err));
    }
    free(p);
    return fd;
}

/* True if DIR holds anything but what a sweep writes before points.tsv
 * (.lock, sweep.yaml, temporaries). */
static bool has_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    struct dirent *de;
    bool any = false;
    while (!any && (de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        size_t l = strlen(n);
        any = strcmp(n, ".") && strcmp(n, "..") && strcmp(n, ".lock") &&
              strcmp(n, "sweep.yaml") && !(l > 4 && !strcmp(n + l - 4, ".tmp"));
    }
    closedir(d);
    return any;
}

static bool file_exists(const char *dir, const char *a, const char *b)
{
    char *p = sweep_path(dir, a, b);
    bool ok = p && access(p, F_OK) == 0;
    free(p);
    return ok;
}

/* Any result in DIR: a results.csv row or a point's status/stats. */
static bool has_results(const char *dir, const sweep_points *pts)
{
    char *p = sweep_path(dir, "results.csv", NULL);
    char *csv = p ? sweep_read_file(p) : NULL;
    free(p);
    const char *nl = csv ? strchr(csv, '\n') : NULL;
    bool rows = nl && nl[1];
    free(csv);
    for (size_t i = 0; !rows && i < pts->n; i++) {
        char *pd = sweep_path(dir, "points", pts->p[i].id);
        rows = pd && (file_exists(pd, "status.json", NULL) || file_exists(pd, "stats.json", NULL));
        free(pd);
    }
    return rows;
}

/* Write DIR/name = data unless it already holds exactly that. */
static int write_if_changed(const char *dir, const char *name, const char *data, sim_err *e)
{
    char *p = sweep_path(dir, name, NULL);
    if (!p)
        return sim_errf(e, "out of memory");
    char *old = sweep_read_file(p);
    int rc = old && !strcmp(old, data) ? 0 : sweep_write_atomic(p, data, strlen(data), e);
    free(old);
    free(p);
    return rc;
}

int sweep_dir_prepare(const char *dir, const sweep_spec *s, const sweep_points *pts, int mode,
                      sim_err *e)
{
    char *tsv = sweep_points_tsv(pts);
    char *tp = sweep_path(dir, "points.tsv", NULL);
    char *yaml = sweep_read_file(s->file);
    int rc = 0;
    if (!tsv || !tp || !yaml) {
        rc = yaml ? sim_errf(e, "out of memory")
                  : sim_errf(e, "%s: cannot read the sweep file", s->file);
        goto out;
    }
    char *old = sweep_read_file(tp);
    if (old && strcmp(old, tsv) != 0)
        rc = sim_errf(e, "%s holds another sweep (its points.tsv differs from the points of %s); "
                      "expected a new -o DIR, or --resume with the same sweep file", dir, s->file);
    else if (!old && has_entries(dir))
        rc = sim_errf(e, "%s is not empty and holds no sweep (no points.tsv); expected a new or "
                      "empty directory", dir);
    else if (old && mode == SWEEP_DIR_NEW && has_results(dir, pts))
        rc = sim_errf(e, "%s already holds results of this sweep; expected --resume to continue "
                      "it, or a new -o DIR (results are never overwritten)", dir);
    free(old);
    if (rc)
        goto out;
    if (write_if_changed(dir, "sweep.yaml", yaml, e) != 0 ||
        write_if_changed(dir, "points.tsv", tsv, e) != 0) {
        rc = -1;
        goto out;
    }
    char *pd = sweep_path(dir, "points", NULL);
    rc = pd ? sweep_mkdirs(pd, e) : sim_errf(e, "out of memory");
    free(pd);
    if (!rc && mode == SWEEP_DIR_NEW) {
        sweep_buf h = {0};
        sweep_csv_header(&h, s);
        char *rp = sweep_path(dir, "results.csv", NULL);
        rc = rp && sweep_buf_str(&h) ? sweep_write_atomic(rp, h.s, h.n, e)
                                     : sim_errf(e, "out of memory");
        free(rp);
        sweep_buf_free(&h);
    }
out:
    free(tsv);
    free(tp);
    free(yaml);
    return rc;
}

/* Start time (clock ticks since boot) of a live, non-zombie process; 0 if none. */
static unsigned long long proc_start(long pid)
{
    char p[64];
    snprintf(p, sizeof p, "/proc/%ld/stat", pid);
    char *t = sweep_read_file(p);
    const char *c = t ? strrchr(t, ')') : NULL;
    unsigned long long start = 0;
    char state = 0;
    if (c && sscanf(c + 1, " %c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
                           "%*s %*s %*s %llu", &state, &start) != 2)
        start = 0;
    free(t);
    return state == 'Z' || state == 'X' ? 0 : start;
}

/* Remove *.tmp files in dir. */
static void remove_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l > 4 && !strcmp(de->d_name + l - 4, ".tmp")) {
            char *p = sweep_path(dir, de->d_name, NULL);
            if (p)
                unlink(p);
            free(p);
        }
    }
    closedir(d);
}

void sweep_dir_cleanup(const char *dir, const sweep_points *pts)
{
    remove_tmp(dir);
    for (size_t i = 0; i < pts->n; i++) {
        char *pd = sweep_path(dir, "points", pts->p[i].id);
        char *pf = pd ? sweep_path(pd, "pid", NULL) : NULL;
        char *t = pf ? sweep_read_file(pf) : NULL;
        long pid = 0;
        unsigned long long start = 0;
        /* a point process of a sweep that was killed: same pid, same start time */
        if (t && sscanf(t, "%ld %llu", &pid, &start) == 2 && pid > 1 && start &&
            proc_start(pid) == start) {
            kill((pid_t)pid, SIGKILL);
            for (int k = 0; k < 500 && proc_start(pid) == start; k++)
                nanosleep(&(struct timespec){0, 10000000}, NULL);
        }
        if (t)
            unlink(pf);
        if (pd)
            remove_tmp(pd);
        free(t);
        free(pf);
        free(pd);
    }
}

int sweep_results_rewrite(const char *dir, const sweep_spec *s, const sweep_points *pts,
                          const sweep_result *res, bool with_failed, sim_err *e)
{
    sweep_buf b = {0};
    sweep_csv_header(&b, s);
    for (size_t i = 0; i < pts->n; i++)
        if (res[i].state == SWEEP_OK || (with_failed && res[i].state == SWEEP_FAILED))
            sweep_csv_row(&b, s, &pts->p[i], &res[i]);
    char *p = sweep_path(dir, "results.csv", NULL);
    int rc = p && sweep_buf_str(&b) ? sweep_write_atomic(p, b.s, b.n, e)
                                    : sim_errf(e, "out of memory");
    free(p);
    sweep_buf_free(&b);
    return rc;
}

int sweep_results_append(const char *dir, const char *row, size_t n, sim_err *e)
{
    char *p = sweep_path(dir, "results.csv", NULL);
    if (!p)
        return sim_errf(e, "out of memory");
    int fd = open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    ssize_t w = -1;
    if (fd >= 0) {
        do
            w = write(fd, row, n);
        while (w < 0 && errno == EINTR);
    }
    int err = fd < 0 || w < 0 ? errno : (size_t)w != n ? ENOSPC : 0;
    if (fd >= 0 && fsync(fd) != 0 && !err)
        err = errno;
    if (fd >= 0)
        close(fd);
    int rc = err ? sim_errf(e, "%s: cannot append: %s", p, strerror(err)) : 0;
    free(p);
    return rc;
}
