/*
 * outfile.c - writing output files safely (see outfile.h for the rules).
 *
 * classify() is shared by outfile_check and outfile_open, so a check made
 * before a long simulation gives the same message the write itself would.
 * Invariants: an outfile owns exactly one descriptor (inside its stdio
 * stream once outfile_stream was called); tmp is NULL exactly when writing
 * in place; nothing but the temporary is ever unlinked.
 */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LINK_HOPS 40

struct outfile {
    char *path;   /* as given, for messages */
    char *target; /* the name written: path with its links followed */
    char *tmp;    /* "<target>.<pid>.tmp", NULL when writing in place */
    int fd;
    FILE *f;      /* stdio stream on fd, if asked for */
};

typedef struct target {
    char *name;      /* path with symbolic links followed (heap) */
    int exists;
    struct stat st;  /* lstat of name when it exists */
} target;

enum { OUT_REPLACE, OUT_INPLACE };

/* Follow the chain of symbolic links from path to the name finally written
 * (which need not exist: a dangling link creates its target). 0 or -1 with
 * errno set. */
static int resolve(const char *path, target *t)
{
    char *p = strdup(path);
    if (!p)
        return errno = ENOMEM, -1;
    for (unsigned hops = 0;; hops++) {
        if (lstat(p, &t->st) != 0) {
            if (errno != ENOENT)
                goto fail;
            t->exists = 0;
            break;
        }
        if (!S_ISLNK(t->st.st_mode)) {
            t->exists = 1;
            break;
        }
        if (hops == MAX_LINK_HOPS) {
            errno = ELOOP;
            goto fail;
        }
        char link[PATH_MAX];
        ssize_t k = readlink(p, link, sizeof link);
        if (k < 0)
            goto fail;
        if ((size_t)k >= sizeof link) {
            errno = ENAMETOOLONG;
            goto fail;
        }
        link[k] = '\0';
        const char *slash = strrchr(p, '/');
        size_t dl = link[0] == '/' || !slash ? 0 : (size_t)(slash - p) + 1;
        char *np = malloc(dl + (size_t)k + 1);
        if (!np) {
            errno = ENOMEM;
            goto fail;
        }
        memcpy(np, p, dl);
        memcpy(np + dl, link, (size_t)k + 1);
        free(p);
        p = np;
    }
    t->name = p;
    return 0;
fail:;
    int err = errno;
    free(p);
    errno = err;
    return -1;
}

static char *parent_of(const char *name)
{
    const char *slash = strrchr(name, '/');
    if (!slash)
        return strdup(".");
    if (slash == name)
        return strdup("/");
    return strndup(name, (size_t)(slash - name));
}

/* Resolve and classify path: OUT_REPLACE or OUT_INPLACE with t->name set
 * (the caller frees it), or -1 with e set. The kernel says first what path
 * names (stat follows every link, also /proc's magic ones such as
 * /dev/stdout -> pipe:[N], which have no textual target): anything but a
 * regular file is written in place. A regular file, or nothing yet, is
 * replaced at the end of its textual chain of links; should that chain not
 * lead to the same file (a magic link to a regular file), in place too. */
static int classify(const char *path, target *t, sim_err *e)
{
    memset(t, 0, sizeof *t);
    if (!*path)
        return sim_errf(e, "'': cannot write: empty file name; expected a file path");
    if (path[strlen(path) - 1] == '/')
        return sim_errf(e, "%s: cannot write: names a directory; expected a file path", path);
    struct stat fs;
    int named = stat(path, &fs) == 0;
    if (!named && errno != ENOENT)
        return sim_errf(e, "%s: cannot write: %s", path, strerror(errno));
    if (named && S_ISDIR(fs.st_mode))
        return sim_errf(e, "%s: cannot write: is a directory; expected a file path", path);
    int rc = OUT_REPLACE;
    if (named && !S_ISREG(fs.st_mode)) {
        rc = OUT_INPLACE; /* a device, FIFO or socket: written, never replaced */
        t->name = strdup(path);
    } else if (resolve(path, t) != 0) {
        return sim_errf(e, "%s: cannot write: %s", path, strerror(errno));
    } else if (named && (!t->exists || t->st.st_dev != fs.st_dev || t->st.st_ino != fs.st_ino)) {
        rc = OUT_INPLACE;
        free(t->name);
        t->name = strdup(path);
    }
    if (!t->name)
        return sim_errf(e, "%s: cannot write: out of memory", path);
    if (rc == OUT_INPLACE) {
        if (access(t->name, W_OK) != 0)
            rc = sim_errf(e, "%s: cannot write: %s", path, strerror(errno));
    } else {
        char *dir = parent_of(t->name);
        struct stat ds;
        if (!dir)
            rc = sim_errf(e, "%s: cannot write: out of memory", path);
        else if (stat(dir, &ds) != 0)
            rc = errno == ENOENT
                     ? sim_errf(e, "%s: cannot write: directory %s does not exist", path, dir)
                     : sim_errf(e, "%s: cannot write: %s: %s", path, dir, strerror(errno));
        else if (!S_ISDIR(ds.st_mode))
            rc = sim_errf(e, "%s: cannot write: %s is not a directory", path, dir);
        else if (access(dir, W_OK | X_OK) != 0)
            rc = sim_errf(e, "%s: cannot write: directory %s: %s", path, dir, strerror(errno));
        free(dir);
    }
    if (rc < 0) {
        free(t->name);
        t->name = NULL;
    }
    return rc;
}

int outfile_check(const char *path, sim_err *e)
{
    target t;
    if (classify(path, &t, e) < 0)
        return -1;
    free(t.name);
    return 0;
}

int outfile_same(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

static void free_out(outfile *o)
{
    free(o->path);
    free(o->target);
    free(o->tmp);
    free(o);
}

outfile *outfile_open(const char *path, sim_err *e)
{
    target t;
    int mode = classify(path, &t, e);
    if (mode < 0)
        return NULL;
    outfile *o = calloc(1, sizeof *o);
    if (o) {
        o->fd = -1;
        o->target = t.name;
        o->path = strdup(path);
        if (mode == OUT_REPLACE && o->path) {
            size_t tl = strlen(t.name) + 32;
            if ((o->tmp = malloc(tl)) != NULL)
                snprintf(o->tmp, tl, "%s.%ld.tmp", t.name, (long)getpid());
        }
    }
    if (!o || !o->path || (mode == OUT_REPLACE && !o->tmp)) {
        sim_errf(e, "%s: cannot write: out of memory", path);
        if (o)
            free_out(o);
        else
            free(t.name);
        return NULL;
    }
    if (mode == OUT_INPLACE) /* O_TRUNC: ignored by devices and FIFOs */
        o->fd = open(o->target, O_WRONLY | O_TRUNC | O_NOCTTY | O_CLOEXEC);
    else
        o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (o->fd < 0) {
        if (mode == OUT_INPLACE)
            sim_errf(e, "%s: cannot write: %s", path, strerror(errno));
        else
            sim_errf(e, "%s: cannot write: cannot create %s: %s", path, o->tmp, strerror(errno));
        free_out(o);
        return NULL;
    }
    /* a replaced file keeps its permissions (best effort: the data matter more) */
    if (mode == OUT_REPLACE && t.exists && fchmod(o->fd, t.st.st_mode & 07777) != 0)
        errno = 0;
    return o;
}

int outfile_fd(const outfile *o) { return o->fd; }

FILE *outfile_stream(outfile *o, sim_err *e)
{
    if (!o->f && !(o->f = fdopen(o->fd, "w")))
        sim_errf(e, "%s: cannot write: %s", o->path, strerror(errno));
    return o->f;
}

int outfile_write(outfile *o, const void *data, size_t n, sim_err *e)
{
    const char *p = data;
    while (n) {
        ssize_t w = write(o->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return sim_errf(e, "%s: cannot write: %s", o->path, w < 0 ? strerror(errno)
                                                                       : "no progress");
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int outfile_commit(outfile *o, sim_err *e)
{
    int err = 0;
    if (o->f) {
        errno = 0;
        if (fflush(o->f) != 0 || ferror(o->f))
            err = errno ? errno : EIO;
    }
    if (!err && o->tmp && fsync(o->fd) != 0)
        err = errno;
    int rc = o->f ? fclose(o->f) : close(o->fd);
    if (rc != 0 && !err)
        err = errno;
    o->f = NULL;
    o->fd = -1;
    if (!err && o->tmp && rename(o->tmp, o->target) != 0)
        err = errno;
    if (err) {
        sim_errf(e, "%s: cannot write: %s", o->path, strerror(err));
        outfile_abort(o);
        return -1;
    }
    free_out(o);
    return 0;
}

void outfile_abort(outfile *o)
{
    if (!o)
        return;
    if (o->f)
        fclose(o->f);
    else if (o->fd >= 0)
        close(o->fd);
    if (o->tmp)
        unlink(o->tmp);
    free_out(o);
}
