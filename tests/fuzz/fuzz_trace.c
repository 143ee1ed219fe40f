/*
 * fuzz_trace.c - libFuzzer target: a native trace file (any bytes: binary
 * or text, gzipped or not) read to its end through tr_open / tr_read, then
 * rewound and read again. It must end cleanly or with a one-line error that
 * stays (a second tr_read gives it again), read the same records both
 * times, and never crash, hang or leak. Built and run by scripts/fuzz.sh
 * (clang), not by the test suite.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/trace.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Read r to its end: records read, and -1 or 0 in *rc (the error in e). */
static uint64_t read_all(tr_reader *r, uint64_t *sum, int *rc, sim_err *e)
{
    tr_rec buf[37]; /* an odd batch, so that batches end anywhere */
    uint64_t n = 0;
    *sum = 0;
    for (;;) {
        long k = tr_read(r, buf, sizeof buf / sizeof buf[0], e);
        if (k <= 0) {
            *rc = (int)k;
            return n;
        }
        for (long i = 0; i < k; i++)
            *sum = *sum * 31 + buf[i].addr + buf[i].kind + buf[i].size + buf[i].word;
        n += (uint64_t)k;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    if (fuzz_write_input(data, size, "trace", path) != 0)
        return 0;
    sim_err e;
    tr_reader *r = tr_open(path, &e);
    if (!r) {
        if (!e.msg[0] || strchr(e.msg, '\n'))
            abort(); /* an error must say what, on one line */
        return 0;
    }
    uint64_t s1, s2;
    int rc1, rc2;
    uint64_t n1 = read_all(r, &s1, &rc1, &e);
    if (rc1 < 0) {
        char first[sizeof e.msg];
        memcpy(first, e.msg, sizeof first);
        if (!first[0] || strchr(first, '\n'))
            abort();
        tr_rec one;
        if (tr_read(r, &one, 1, &e) != -1 || strcmp(first, e.msg) != 0)
            abort(); /* the error is sticky */
    }
    if (tr_rewind(r, &e) == 0) {
        uint64_t n2 = read_all(r, &s2, &rc2, &e);
        if (n2 != n1 || s2 != s1 || rc2 != rc1)
            abort(); /* a rewound trace reads the same */
    }
    tr_close(r);
    return 0;
}
