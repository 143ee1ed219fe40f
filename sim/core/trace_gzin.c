/*
 * trace_gzin.c - the byte source under the trace reader and the importers:
 * a file that is either gzip (one or more members, as gzip itself writes
 * and reads them) or plain bytes, told apart by the gzip magic 1f 8b.
 *
 * zlib's gzread is not used because it silently ignores anything after the
 * last gzip member that does not start another member; here such bytes are
 * an error naming their byte offset. zlib is told not to check the CRC-32
 * and length in each member's trailer (inflateValidate(, 0)); this file
 * computes both over the bytes inflate hands out (lp_crc32, much faster
 * than zlib's table CRC) and compares them at the member's end with the
 * trailer, kept as the last 8 input bytes inflate consumed. Exception: a
 * member whose header has its own CRC (FLG.FHCRC, which gzip(1) does not
 * write) is checked by zlib as before, since turning zlib's check off
 * would skip the header CRC too.
 * Invariants: `in[ipos..ilen)` is input
 * read from fd and not yet consumed (zs.next_in/avail_in mirror it while
 * inflating); `inpos` counts every byte read from fd, so the file offset of
 * the next unconsumed byte is inpos - (ilen - ipos); once `err` is set every
 * later read returns -1.
 */
#include "trace_priv.h"
#include "crc32_fast.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define GZIN_BUF (64u * 1024) /* read() size: fewer fresh pages than larger */

struct tr_gzin {
    int fd;
    int sniffed;      /* gzip or plain decided */
    int gzip;
    int zinit;        /* zs initialised */
    int member_end;   /* a member ended; what follows is not looked at yet */
    int in_eof;       /* read() returned 0 */
    int end, cut, err;
    uint64_t inpos;   /* bytes read from fd so far */
    int own_check;    /* this member's CRC-32 and length are checked here */
    uint32_t crc;     /* CRC-32 of this member's output so far */
    uint32_t isize;   /* its length mod 2^32 */
    unsigned char last[8]; /* the last 8 input bytes inflate consumed */
    z_stream zs;
    char msg[200];
    unsigned char in[GZIN_BUF];
};

tr_gzin *tr_gzin_open(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    tr_gzin *g = calloc(1, sizeof *g);
    if (!g) {
        close(fd);
        errno = ENOMEM;
        return NULL;
    }
    g->fd = fd;
    return g;
}

void tr_gzin_close(tr_gzin *g)
{
    if (!g)
        return;
    if (g->zinit)
        inflateEnd(&g->zs);
    close(g->fd);
    free(g);
}

static long fail(tr_gzin *g, int kind, const char *msg)
{
    g->err = kind;
    snprintf(g->msg, sizeof g->msg, "%s", msg);
    return -1;
}

/* Append input so that at least `want` unconsumed bytes are buffered, or
 * the file has ended. 0 or -1 (error set). */
static int fill(tr_gzin *g, size_t want)
{
    size_t left = g->zs.avail_in;
    if (left >= want || g->in_eof)
        return 0;
    if (left && g->zs.next_in != g->in)
        memmove(g->in, g->zs.next_in, left);
    g->zs.next_in = g->in;
    while (left < want && !g->in_eof) {
        ssize_t k = read(g->fd, g->in + left, GZIN_BUF - left);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return (int)fail(g, TR_GZ_ERRNO, strerror(errno));
        if (k == 0)
            g->in_eof = 1;
        left += (size_t)k;
        g->inpos += (uint64_t)k;
    }
    g->zs.avail_in = (uInt)left;
    return 0;
}

/* Bytes after the last member that do not start another one. */
static long garbage(tr_gzin *g)
{
    uint64_t at = g->inpos - g->zs.avail_in;
    struct stat st;
    char m[200];
    if (fstat(g->fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size > at)
        snprintf(m, sizeof m, "%llu bytes of trailing data after the gzip stream at byte "
                 "offset %llu; expected the end of the file",
                 (unsigned long long)((uint64_t)st.st_size - at), (unsigned long long)at);
    else
        snprintf(m, sizeof m, "trailing data after the gzip stream at byte offset %llu; "
                 "expected the end of the file", (unsigned long long)at);
    return fail(g, TR_GZ_GARBAGE, m);
}

/* Start a member (after inflateInit2 or inflateReset, at least 2 of its
 * bytes at next_in): zlib checks neither CRC-32 nor length, we do, unless
 * its FLG byte is unseen (the stream ends there) or asks for a header CRC. */
static int member_start(tr_gzin *g)
{
    g->crc = 0;
    g->isize = 0;
    g->own_check = g->zs.avail_in >= 4 && !(g->zs.next_in[3] & 0x02);
    return inflateValidate(&g->zs, !g->own_check);
}

/* Remember the last 8 of the k input bytes just consumed at `p`. */
static void keep_last(tr_gzin *g, const unsigned char *p, size_t k)
{
    if (k >= 8) {
        memcpy(g->last, p + k - 8, 8);
    } else if (k) {
        memmove(g->last, g->last + k, 8 - k);
        memcpy(g->last + 8 - k, p, k);
    }
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static long read_gzip(tr_gzin *g, unsigned char *buf, size_t n)
{
    g->zs.next_out = buf;
    g->zs.avail_out = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
    size_t want = g->zs.avail_out;
    while (g->zs.avail_out) {
        if (g->member_end) {
            if (fill(g, 4) < 0)
                return -1;
            if (!g->zs.avail_in) {
                g->end = 1;
                break;
            }
            if (g->zs.avail_in < 2 || g->zs.next_in[0] != 0x1f || g->zs.next_in[1] != 0x8b) {
                if (want - g->zs.avail_out) /* hand out what is good first */
                    break;
                return garbage(g);
            }
            if (inflateReset(&g->zs) != Z_OK || member_start(g) != Z_OK)
                return fail(g, TR_GZ_CORRUPT, "inflateReset failed");
            g->member_end = 0;
        }
        if (!g->zs.avail_in) {
            if (fill(g, 1) < 0)
                return -1;
            if (!g->zs.avail_in) {
                g->cut = 1;
                break;
            }
        }
        const unsigned char *in0 = g->zs.next_in, *out0 = g->zs.next_out;
        uInt avail0 = g->zs.avail_in;
        int rc = inflate(&g->zs, Z_NO_FLUSH);
        if (g->own_check) {
            size_t made = (size_t)(g->zs.next_out - out0);
            g->crc = lp_crc32(g->crc, out0, made);
            g->isize += (uint32_t)made;
            keep_last(g, in0, avail0 - g->zs.avail_in);
        }
        if (rc == Z_STREAM_END) {
            g->member_end = 1;
            if (g->own_check && le32(g->last) != g->crc)
                return fail(g, TR_GZ_CORRUPT, "incorrect data check");
            if (g->own_check && le32(g->last + 4) != g->isize)
                return fail(g, TR_GZ_CORRUPT, "incorrect length check");
        } else if (rc == Z_MEM_ERROR)
            return fail(g, TR_GZ_NOMEM, "out of memory");
        else if ((rc != Z_OK && rc != Z_BUF_ERROR) || (rc == Z_BUF_ERROR && g->zs.avail_in))
            return fail(g, TR_GZ_CORRUPT, g->zs.msg ? g->zs.msg : "invalid deflate data");
    }
    return (long)(want - g->zs.avail_out);
}

long tr_gzin_read(tr_gzin *g, void *buf, size_t n)
{
    if (g->err)
        return -1;
    if (!g->sniffed) {
        if (fill(g, 4) < 0)
            return -1;
        g->sniffed = 1;
        g->gzip = g->zs.avail_in >= 2 && g->zs.next_in[0] == 0x1f && g->zs.next_in[1] == 0x8b;
        if (g->gzip && !g->zinit) {
            unsigned char *ni = g->zs.next_in;
            uInt ai = g->zs.avail_in;
            if (inflateInit2(&g->zs, 16 + MAX_WBITS) != Z_OK)
                return fail(g, TR_GZ_NOMEM, "out of memory");
            g->zs.next_in = ni;
            g->zs.avail_in = ai;
            g->zinit = 1;
        }
        if (g->gzip && member_start(g) != Z_OK)
            return fail(g, TR_GZ_CORRUPT, "inflateValidate failed");
    }
    if (g->end || g->cut || !n)
        return 0;
    if (g->gzip) {
        long k = read_gzip(g, buf, n);
        return k == 0 && g->err ? -1 : k;
    }
    /* plain: buffered bytes first, then straight from the file */
    if (g->zs.avail_in) {
        size_t k = g->zs.avail_in < n ? g->zs.avail_in : n;
        memcpy(buf, g->zs.next_in, k);
        g->zs.next_in += k;
        g->zs.avail_in -= (uInt)k;
        return (long)k;
    }
    for (;;) {
        ssize_t k = read(g->fd, buf, n > GZIN_BUF ? GZIN_BUF : n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return fail(g, TR_GZ_ERRNO, strerror(errno));
        if (k == 0)
            g->end = 1;
        g->inpos += (uint64_t)k;
        return (long)k;
    }
}

int tr_gzin_cut(const tr_gzin *g) { return g->cut; }
int tr_gzin_error(const tr_gzin *g) { return g->err; }
const char *tr_gzin_msg(const tr_gzin *g) { return g->msg; }

int tr_gzin_rewind(tr_gzin *g)
{
    if (lseek(g->fd, 0, SEEK_SET) != 0)
        return (int)fail(g, TR_GZ_ERRNO, strerror(errno));
    if (g->zinit && inflateReset(&g->zs) != Z_OK) /* member_start: at the sniff */
        return (int)fail(g, TR_GZ_CORRUPT, "inflateReset failed");
    g->zs.next_in = g->in;
    g->zs.avail_in = 0;
    g->sniffed = g->member_end = g->in_eof = g->end = g->cut = g->err = 0;
    g->inpos = 0;
    return 0;
}
