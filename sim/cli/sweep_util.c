/*
 * sweep_util.c - small helpers of the sweep: a growable string that
 * remembers allocation failure, whole-file reads, atomic file writes
 * (core/outfile.h: path.<pid>.tmp, fsync, rename, so concurrent --point
 * jobs never share a temporary), path joining and mkdir -p.
 */
#include "sweep.h"

#include "core/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool grow(sweep_buf *b, size_t add)
{
    if (b->oom)
        return false;
    if (b->n + add + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->n + add + 1)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->oom = true;
        return false;
    }
    b->s = s;
    b->cap = cap;
    return true;
}

void sweep_buf_addn(sweep_buf *b, const char *s, size_t n)
{
    if (!grow(b, n))
        return;
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

void sweep_buf_add(sweep_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !grow(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->n, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)n;
}

void sweep_buf_free(sweep_buf *b)
{
    free(b->s);
    b->s = NULL;
    b->n = b->cap = 0;
    b->oom = false;
}

const char *sweep_buf_str(const sweep_buf *b)
{
    return b->oom ? NULL : b->s ? b->s : "";
}

char *sweep_read_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    sweep_buf b = {0};
    char chunk[65536];
    ssize_t k;
    while ((k = read(fd, chunk, sizeof chunk)) != 0) {
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            b.oom = true;
            break;
        }
        sweep_buf_addn(&b, chunk, (size_t)k);
    }
    close(fd);
    if (b.oom || memchr(b.s ? b.s : "", '\0', b.n)) {
        sweep_buf_free(&b);
        return NULL;
    }
    return b.s ? b.s : strdup("");
}

int sweep_write_atomic(const char *path, const char *data, size_t n, sim_err *e)
{
    outfile *o = outfile_open(path, e); /* path.<pid>.tmp, fsync, rename */
    if (!o)
        return -1;
    if (outfile_write(o, data, n, e) != 0) {
        outfile_abort(o);
        return -1;
    }
    return outfile_commit(o, e);
}

char *sweep_path(const char *dir, const char *a, const char *b)
{
    size_t n = strlen(dir) + strlen(a) + (b ? strlen(b) : 0) + 3;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s%s%s", dir, a, b ? "/" : "", b ? b : "");
    return p;
}

int sweep_mkdirs(const char *path, sim_err *e)
{
    char *p = strdup(path);
    if (!p)
        return sim_errf(e, "%s: out of memory", path);
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        struct stat st;
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            int err = errno;
            sim_errf(e, "%s: cannot create directory: %s", p, strerror(err));
            free(p);
            return -1;
        }
        if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
            sim_errf(e, "%s: not a directory; expected a directory for the sweep", p);
            free(p);
            return -1;
        }
        if (!c)
            break;
        *s = c;
    }
    free(p);
    return 0;
}
