/*
 * outfile.h - the one way lparsim writes an output file (JSON/CSV reports,
 * native traces, sweep files).
 *
 * Symbolic links are followed (a link stays a link: what it points to is
 * written). Then by what the name finally is:
 *  - a regular file, or nothing yet: the data goes to a temporary
 *    "<target>.<pid>.tmp" beside the target (the end of the chain of
 *    links), which outfile_commit renames over the target (keeping an
 *    existing file's permission bits). A failed or abandoned write removes
 *    the temporary and leaves an existing file untouched.
 *  - a character or block device, FIFO or socket (/dev/null, /dev/stdout
 *    on a pipe, ...): written in place, never replaced by a regular file.
 *  - a directory: refused.
 * Every write, the flush, fsync (temporaries only) and the close are
 * checked, so writing to a full device fails. Messages are one line,
 * "PATH: cannot write: <why>", PATH as the caller spelt it.
 */
#ifndef LPARSIM_CORE_OUTFILE_H
#define LPARSIM_CORE_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct outfile outfile;

/* Check, without writing anything, that path could be written as above:
 * not a directory, and the directory it would be created in exists and is
 * writable (or, for a device, the device is writable). Returns 0 or -1
 * with e set. */
int outfile_check(const char *path, sim_err *e);

/* True when a and b both exist and are the same file (device and inode,
 * through links and different spellings). */
int outfile_same(const char *a, const char *b);

/* Open path for writing (see above). NULL with e set. */
outfile *outfile_open(const char *path, sim_err *e);
/* The file descriptor (owned by o: dup it to hand it to a library that
 * closes what it is given). */
int outfile_fd(const outfile *o);
/* A stdio stream on the file, created on first call (NULL with e set if
 * that fails); outfile_commit flushes and closes it. */
FILE *outfile_stream(outfile *o, sim_err *e);
/* Write all n bytes (not to be mixed with the stream). 0 or -1 with e set. */
int outfile_write(outfile *o, const void *data, size_t n, sim_err *e);
/* Flush, fsync (temporaries), close and rename into place; frees o. On
 * failure the temporary is removed. 0 or -1 with e set. */
int outfile_commit(outfile *o, sim_err *e);
/* Close and remove the temporary; frees o (NULL is fine). */
void outfile_abort(outfile *o);

#ifdef __cplusplus
}
#endif
#endif
