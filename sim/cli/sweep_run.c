/*
 * sweep_run.c - the local process pool of `lparsim sweep`: each point is
 * one child `lparsim run BASE --set ... --json DIR/points/<id>/stats.json -q`
 * (posix_spawn of our own binary) with stdout and stderr in log.txt. Up to
 * `jobs` children run at once; the parent sleeps in poll() on their pidfds
 * (falling back to 10 ms polling), SIGKILLs a child past its timeout, then
 * writes status.json atomically and appends the point's results.csv row
 * with one write(). A point's pid file ("PID STARTTIME") lives while it
 * runs so that --resume can stop it if this sweep is killed.
 * When DIR cannot be written (disk full, say) the sweep aborts: it starts
 * nothing more and SIGKILLs the points still running, whose status.json
 * then says "stopped: sweep aborted because point ID failed: <reason>"
 * (not "killed by signal 9"); points that end on their own meanwhile are
 * recorded as usual.
 * Invariants: a point's old status.json and stats.json are removed before
 * it starts, so a point is never complete with results of an earlier
 * attempt; a point whose status.json cannot be written loses its
 * stats.json too, so that it is plainly not run (--resume runs it again,
 * --collect reports it missing) rather than half recorded.
 */
#include "sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

extern char **environ;

typedef struct slot {
    bool used, timed_out;
    bool stopped;   /* SIGKILLed because the sweep aborted */
    pid_t pid;
    int pidfd;      /* -1: poll by timer */
    double start;
    size_t point;   /* index into pts */
} slot;

typedef struct pool {
    const sweep_spec *s;
    const sweep_points *pts;
    const sweep_run_opts *o;
    sweep_tally *t;
    slot *slots;
    struct pollfd *fds; /* one per slot */
    size_t finished, running, total;
    double t0, busy;  /* start; sum of finished points' seconds */
    double last_draw;
    size_t stopped;   /* running points stopped by an abort */
    char *abort_why;  /* heap, set once: "point ID failed: <reason>" */
} pool;

static char *point_file(const sweep_run_opts *o, const sweep_point *p, const char *name)
{
    char *d = sweep_path(o->dir, "points", p->id);
    char *f = d ? sweep_path(d, name, NULL) : NULL;
    free(d);
    return f;
}

static int start_point(pool *P, slot *sl, size_t idx, sim_err *e)
{
    const sweep_point *p = &P->pts->p[idx];
    char *dir = sweep_path(P->o->dir, "points", p->id);
    char *stats = point_file(P->o, p, "stats.json");
    char *status = point_file(P->o, p, "status.json");
    char *log = point_file(P->o, p, "log.txt");
    const char **argv = calloc(p->nsets * 2 + 8, sizeof *argv);
    int rc = dir && stats && status && log && argv ? sweep_mkdirs(dir, e)
                                                   : sim_errf(e, "out of memory");
    if (!rc) {
        unlink(status);
        unlink(stats);
        size_t a = 0;
        argv[a++] = P->o->self;
        argv[a++] = "run";
        argv[a++] = sweep_group_base(P->s, p->group);
        for (size_t i = 0; i < p->nsets; i++) {
            argv[a++] = "--set";
            argv[a++] = p->sets[i];
        }
        argv[a++] = "--json";
        argv[a++] = stats;
        argv[a++] = "-q";
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_adddup2(&fa, 1, 2);
        int err = posix_spawn(&sl->pid, P->o->self, &fa, NULL, (char *const *)argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        if (err)
            rc = sim_errf(e, "%s: cannot start: %s", P->o->self, strerror(err));
    }
    if (!rc) {
        sl->used = true;
        sl->timed_out = sl->stopped = false;
        sl->point = idx;
        sl->start = cli_now();
        sl->pidfd = pidfd_open(sl->pid, 0);
        P->running++;
        /* pid file for --resume after a crash of this sweep */
        char sp[64], line[96], *t = NULL;
        snprintf(sp, sizeof sp, "/proc/%ld/stat", (long)sl->pid);
        char *st = sweep_read_file(sp);
        const char *c = st ? strrchr(st, ')') : NULL;
        unsigned long long start = 0;
        if (c && sscanf(c + 1, " %*c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
                               "%*s %*s %*s %*s %llu", &start) == 1 &&
            (t = sweep_path(dir, "pid", NULL)) != NULL) {
            snprintf(line, sizeof line, "%ld %llu\n", (long)sl->pid, start);
            rc = sweep_write_atomic(t, line, strlen(line), e);
        }
        free(t);
        free(st);
    }
    free(dir), free(stats), free(status), free(log);
    free(argv);
    return rc;
}

/* The last non-empty line of the point's log, without "lparsim: ". */
static char *last_line(const sweep_run_opts *o, const sweep_point *p)
{
    char *f = point_file(o, p, "log.txt");
    char *t = f ? sweep_read_file(f) : NULL;
    free(f);
    if (!t)
        return NULL;
    size_t n = strlen(t);
    while (n && (t[n - 1] == '\n' || t[n - 1] == '\r' || t[n - 1] == ' '))
        t[--n] = '\0';
    char *l = strrchr(t, '\n');
    l = l ? l + 1 : t;
    if (!strncmp(l, "lparsim: ", 9))
        l += 9;
    char *r = *l ? strndup(l, 600) : NULL;
    for (char *c = r; c && *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    free(t);
    return r;
}

static void draw(pool *P, const sweep_point *p, const sweep_result *r)
{
    size_t done = P->o->done_before + P->finished, all = P->o->done_before + P->total;
    if (!P->o->tty) {
        if (!p)
            return;
        fprintf(stderr, "sweep: %zu/%zu %s %s %.2f s%s%s\n", done, all, p->id,
                r->state == SWEEP_OK ? "ok" : "failed", r->seconds,
                r->state == SWEEP_OK ? "" : ": ",
                r->state == SWEEP_OK || !r->error ? "" : r->error);
        return;
    }
    double now = cli_now();
    if (p == NULL && now - P->last_draw < 0.25)
        return;
    P->last_draw = now;
    char bar[31];
    size_t fill = all ? done * 30 / all : 30;
    for (size_t i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    char eta[32] = "?";
    if (P->finished) {
        double mean = P->busy / (double)P->finished;
        snprintf(eta, sizeof eta, "%.1f s",
                 mean * (double)(P->total - P->finished) / (double)P->o->jobs);
    }
    fprintf(stderr, "\rsweep [%s] %zu/%zu, %zu failed, %zu running, %.1f s, ETA %s   ", bar,
            done, all, P->t->failed, P->running, now - P->t0, eta);
}

/* Child of slot sl exited with wait status st: record it. */
static int finish(pool *P, slot *sl, int st, sim_err *e)
{
    const sweep_point *p = &P->pts->p[sl->point];
    sweep_result r = {0};
    double seconds = cli_now() - sl->start;
    char why[SIM_ERR_MAX + 96] = "";
    if (sl->timed_out)
        snprintf(why, sizeof why, "timeout after %g s", P->o->timeout);
    else if (WIFSIGNALED(st) && sl->stopped && WTERMSIG(st) == SIGKILL)
        snprintf(why, sizeof why, "stopped: sweep aborted because %s", P->abort_why);
    else if (WIFSIGNALED(st))
        snprintf(why, sizeof why, "killed by signal %d", WTERMSIG(st));
    bool exit0 = !why[0] && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    char *stats = point_file(P->o, p, "stats.json");
    char *text = exit0 && stats ? sweep_read_file(stats) : NULL;
    bool ok = text && sweep_json_leaves(text, NULL, NULL) == 0;
    free(text);
    free(stats);
    char *err = NULL;
    if (!ok && exit0)
        snprintf(why, sizeof why, "exit status 0 but no valid stats.json");
    else if (!ok && !why[0] && !(err = last_line(P->o, p)))
        snprintf(why, sizeof why, "exit status %d", WEXITSTATUS(st));
    sweep_buf b = {0};
    const char *error = ok ? "" : err ? err : why;
    sweep_buf_add(&b, "{\n  \"point\": ");
    sweep_json_str(&b, p->id);
    sweep_buf_add(&b, ",\n  \"status\": \"%s\",\n  \"error\": ", ok ? "ok" : "failed");
    sweep_json_str(&b, error);
    sweep_buf_add(&b, ",\n  \"seconds\": %.3f,\n  \"assignments\": {", seconds);
    for (size_t i = 0; i < p->nsets; i++) {
        const char *eq = strchr(p->sets[i], '=');
        char *k = strndup(p->sets[i], (size_t)(eq - p->sets[i]));
        sweep_buf_add(&b, "%s\n    ", i ? "," : "");
        sweep_json_str(&b, k ? k : "");
        sweep_buf_add(&b, ": ");
        sweep_json_str(&b, eq + 1);
        free(k);
    }
    sweep_buf_add(&b, "%s}\n}\n", p->nsets ? "\n  " : "");
    char *sp = point_file(P->o, p, "status.json");
    int rc = sp && sweep_buf_str(&b) ? sweep_write_atomic(sp, b.s, b.n, e)
                                 : sim_errf(e, "out of memory");
    free(sp);
    sweep_buf_free(&b);
    if (rc) { /* not recorded: not run, rather than stats.json without a status */
        char *jp = point_file(P->o, p, "stats.json");
        if (jp)
            unlink(jp);
        free(jp);
        r.state = SWEEP_FAILED;
        size_t n = strlen(e->msg) + 64;
        if ((r.error = malloc(n)) != NULL)
            snprintf(r.error, n, "not recorded (to run again): %s", e->msg);
    }
    free(err);
    /* the row from the files just written: exactly what --collect would write */
    if (!rc)
        rc = sweep_result_load(P->o->dir, P->s, p, &r, e);
    if (!rc && P->o->append) {
        sweep_csv_row(&b, P->s, p, &r);
        rc = sweep_buf_str(&b) ? sweep_results_append(P->o->dir, b.s, b.n, e)
                               : sim_errf(e, "out of memory");
        sweep_buf_free(&b);
    }
    char *pf = point_file(P->o, p, "pid");
    if (pf)
        unlink(pf);
    free(pf);
    if (sl->pidfd >= 0)
        close(sl->pidfd);
    sl->used = false;
    P->running--;
    P->finished++;
    P->busy += seconds;
    if (r.state == SWEEP_OK) {
        P->t->ok++;
    } else {
        char **ids = realloc(P->t->failed_ids, (P->t->nids + 1) * sizeof *ids);
        if (ids) {
            P->t->failed_ids = ids;
            if ((ids[P->t->nids] = strdup(p->id)) != NULL)
                P->t->nids++;
        }
        P->t->failed++;
    }
    r.seconds = seconds;
    draw(P, p, &r);
    sweep_result_free(&r);
    return rc;
}

/* DIR cannot be written (e says why, about point idx): start nothing more
 * and stop the running points, recording why. Only the first abort counts. */
static void abort_sweep(pool *P, size_t idx, const sim_err *e)
{
    if (P->abort_why)
        return;
    const char *id = P->pts->p[idx].id;
    size_t n = strlen(id) + strlen(e->msg) + 32;
    if ((P->abort_why = malloc(n)) != NULL)
        snprintf(P->abort_why, n, "point %s failed: %s", id, e->msg);
    else
        P->abort_why = strdup("");
    for (unsigned i = 0; i < P->o->jobs; i++) {
        slot *sl = &P->slots[i];
        if (!sl->used || sl->stopped)
            continue;
        kill(sl->pid, SIGKILL); /* idx itself if it started but its pid file failed */
        sl->stopped = true;
        P->stopped += sl->point != idx;
    }
}

/* Wait until a child may have exited, a timeout is due or a redraw is due. */
static void wait_some(pool *P)
{
    struct pollfd *fds = P->fds;
    nfds_t n = 0;
    bool timer = P->o->tty;
    double now = cli_now(), next = now + (timer ? 0.25 : 3600);
    for (unsigned i = 0; i < P->o->jobs; i++) {
        slot *sl = &P->slots[i];
        if (!sl->used)
            continue;
        if (sl->pidfd < 0)
            next = now + 0.01 < next ? now + 0.01 : next;
        else
            fds[n++] = (struct pollfd){.fd = sl->pidfd, .events = POLLIN};
        if (P->o->timeout > 0 && !sl->timed_out && sl->start + P->o->timeout < next)
            next = sl->start + P->o->timeout;
    }
    double ms = (next - now) * 1000.0 + 1;
    poll(fds, n, ms < 0 ? 0 : (int)ms);
}

int sweep_run(const sweep_spec *s, const sweep_points *pts, const size_t *pending, size_t n,
              const sweep_run_opts *o, sweep_tally *t, sim_err *e)
{
    pool P = {.s = s, .pts = pts, .o = o, .t = t, .slots = calloc(o->jobs, sizeof(slot)),
              .fds = calloc(o->jobs, sizeof(struct pollfd)), .total = n, .t0 = cli_now()};
    if (!P.slots || !P.fds) {
        free(P.slots);
        free(P.fds);
        return sim_errf(e, "out of memory");
    }
    size_t next = 0;
    int rc = 0;
    while (P.running || (next < n && !rc)) {
        for (unsigned i = 0; i < o->jobs && next < n && !rc; i++) {
            if (P.slots[i].used)
                continue;
            size_t idx = pending[next++];
            if ((rc = start_point(&P, &P.slots[i], idx, e)) != 0)
                abort_sweep(&P, idx, e); /* DIR cannot be written: stop the others */
        }
        draw(&P, NULL, NULL);
        wait_some(&P);
        double now = cli_now();
        for (unsigned i = 0; i < o->jobs; i++) {
            slot *sl = &P.slots[i];
            int st;
            if (!sl->used)
                continue;
            pid_t w = waitpid(sl->pid, &st, WNOHANG);
            if (w == sl->pid) {
                sim_err fe;
                size_t idx = sl->point;
                if (finish(&P, sl, st, rc ? &fe : e) != 0 && !rc) {
                    rc = -1;
                    abort_sweep(&P, idx, e);
                }
            } else if (o->timeout > 0 && !sl->timed_out && now - sl->start >= o->timeout) {
                kill(sl->pid, SIGKILL);
                sl->timed_out = true;
            }
        }
    }
    if (o->tty && n)
        fputc('\n', stderr);
    if (rc) {
        char why[SIM_ERR_MAX];
        snprintf(why, sizeof why, "%s", P.abort_why ? P.abort_why : e->msg);
        if (o->append) /* the local runner */
            sim_errf(e, "sweep aborted because %s; %zu running point%s stopped, %zu not "
                     "started; expected a writable %s with free space, then --resume to finish "
                     "the sweep", why, P.stopped, P.stopped == 1 ? "" : "s", n - P.finished,
                     o->dir);
        else /* --point: the job fails, its point is not recorded */
            sim_errf(e, "%s; expected a writable %s with free space", why, o->dir);
    }
    free(P.abort_why);
    free(P.slots);
    free(P.fds);
    return rc;
}

void sweep_tally_free(sweep_tally *t)
{
    for (size_t i = 0; t && i < t->nids; i++)
        free(t->failed_ids[i]);
    if (t)
        free(t->failed_ids);
}
