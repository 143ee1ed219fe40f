/*
 * gzin.h - the byte source of every file lparsim reads records from
 * (traces, importers, DRAM traces): gzip (one or more members, as gzip
 * writes them) or plain bytes, told apart by the gzip magic. Unlike zlib's
 * gzread, a gzip stream cut short and bytes after the last member are
 * errors (trace_gzin.c).
 */
#ifndef LPARSIM_CORE_GZIN_H
#define LPARSIM_CORE_GZIN_H

#include <stddef.h>

/* tr_gzin_open: NULL with errno set. tr_gzin_read: bytes read, 0 at the
 * end (tr_gzin_cut: the gzip stream ended early), or -1 with
 * tr_gzin_error() one of TR_GZ_* and tr_gzin_msg() the detail (strerror,
 * zlib's message, or "N bytes of trailing data after the gzip stream at
 * byte offset M; expected the end of the file"). */
typedef struct tr_gzin tr_gzin;
enum { TR_GZ_OK, TR_GZ_ERRNO, TR_GZ_CORRUPT, TR_GZ_GARBAGE, TR_GZ_NOMEM };
tr_gzin *tr_gzin_open(const char *path);
long tr_gzin_read(tr_gzin *g, void *buf, size_t n);
int tr_gzin_cut(const tr_gzin *g);
int tr_gzin_error(const tr_gzin *g);
const char *tr_gzin_msg(const tr_gzin *g);
int tr_gzin_rewind(tr_gzin *g);
void tr_gzin_close(tr_gzin *g);

#endif
