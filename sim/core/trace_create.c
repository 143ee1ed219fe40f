/*
 * trace_create.c - tr_create, the documented name of tr_writer_create.
 * Kept in its own object file so that programs linked with the static
 * libcheck (which defines a global tr_create of its own) link as long as
 * they call tr_writer_create: this object is then never pulled in.
 */
#include "trace.h"

tr_writer *tr_create(const char *path, const char *note, int level, sim_err *e)
{
    return tr_writer_create(path, note, level, e);
}
