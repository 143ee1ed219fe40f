/*
 * pagedev_store.c - the bytes the paging device holds: sparse, in 4 KiB
 * host blocks taken on first write from 2 MiB slabs (huge pages where the
 * host allows) (a u64map from block
 * index to the block; blocks are freed with the store), or in a sparse host file of the device's size, created empty
 * (pagedev.backing_file). Host-side only: no timing here.
 * Invariant: a byte never written reads as zero.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/hostmem.h"
#include "memctl/pagedev/pagedev_int.h"

#define BLK 4096u
#define SLAB_BLKS (HOSTMEM_HUGE / BLK) /* a slab: one huge page (fewer host page faults) */

/* A zeroed 4 KiB block, NULL when out of host memory. */
static char *new_block(pd_store *s)
{
    if (s->nslabs == 0 || s->used == SLAB_BLKS) {
        if (s->nslabs == s->slabcap) {
            size_t nc = s->slabcap ? 2 * s->slabcap : 16;
            char **v = realloc(s->slabs, nc * sizeof *v);
            if (!v)
                return NULL;
            s->slabs = v;
            s->slabcap = nc;
        }
        char *slab = hostmem_alloc((size_t)SLAB_BLKS * BLK);
        if (!slab)
            return NULL;
        s->slabs[s->nslabs++] = slab;
        s->used = 0;
    }
    return s->slabs[s->nslabs - 1] + (size_t)BLK * s->used++;
}

int pd_store_open(pd_store *s, const char *path, uint64_t capacity, sim_err *e)
{
    u64map_init(&s->blocks);
    s->slabs = NULL;
    s->nslabs = s->slabcap = s->used = 0;
    s->fd = -1;
    s->path = NULL;
    if (!path || !*path)
        return 0;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return sim_errf(e, "pagedev.backing_file: cannot create '%s': %s; expected a writable "
                        "file path", path, strerror(errno));
    if (ftruncate(fd, (off_t)capacity) != 0) {
        int err = errno;
        close(fd);
        return sim_errf(e, "pagedev.backing_file: cannot size '%s' to %llu bytes: %s; expected "
                        "a file system with sparse files", path, (unsigned long long)capacity,
                        strerror(err));
    }
    s->fd = fd;
    s->path = path; /* for messages only; the config outlives the device's use */
    return 0;
}

void pd_store_close(pd_store *s)
{
    for (size_t i = 0; i < s->nslabs; i++)
        hostmem_free(s->slabs[i], (size_t)SLAB_BLKS * BLK);
    free(s->slabs);
    s->slabs = NULL;
    s->nslabs = s->slabcap = s->used = 0;
    u64map_free(&s->blocks);
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

static int file_io(pd_store *s, bool wr, uint64_t off, uint64_t len, void *buf, sim_err *e)
{
    char *p = buf;
    while (len) {
        ssize_t n = wr ? pwrite(s->fd, p, len, (off_t)off) : pread(s->fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || (n == 0 && wr))
            return sim_errf(e, "pagedev.backing_file: %s of '%s' at %llu failed: %s",
                            wr ? "write" : "read", s->path ? s->path : "?",
                            (unsigned long long)off, n < 0 ? strerror(errno) : "no progress");
        if (n == 0) { /* past the end of the file: zeros */
            memset(p, 0, len);
            return 0;
        }
        p += n;
        off += (uint64_t)n;
        len -= (uint64_t)n;
    }
    return 0;
}

int pd_store_write(pd_store *s, uint64_t off, uint64_t len, const void *buf, sim_err *e)
{
    if (s->fd >= 0)
        return file_io(s, true, off, len, (void *)buf, e);
    const char *p = buf;
    while (len) {
        uint64_t b = off / BLK, o = off % BLK, n = BLK - o < len ? BLK - o : len;
        uint64_t *v = u64map_get(&s->blocks, b);
        char *blk;
        if (v) {
            blk = (char *)(uintptr_t)*v;
        } else {
            blk = new_block(s);
            if (!blk || u64map_put(&s->blocks, b, (uint64_t)(uintptr_t)blk) != 0)
                return sim_errf(e, "out of host memory (paging device data)");
        }
        memcpy(blk + o, p, n);
        p += n;
        off += n;
        len -= n;
    }
    return 0;
}

int pd_store_read(pd_store *s, uint64_t off, uint64_t len, void *buf, sim_err *e)
{
    if (s->fd >= 0)
        return file_io(s, false, off, len, buf, e);
    char *p = buf;
    while (len) {
        uint64_t b = off / BLK, o = off % BLK, n = BLK - o < len ? BLK - o : len;
        uint64_t *v = u64map_get(&s->blocks, b);
        if (v)
            memcpy(p, (char *)(uintptr_t)*v + o, n);
        else
            memset(p, 0, n);
        p += n;
        off += n;
        len -= n;
    }
    return 0;
}
