/*
 * fuzz_sweep.c - libFuzzer target: a sweep file (any bytes) through
 * sweep_spec_load (its base config is loaded too when it names one). It
 * must return 0 or an error, never crash, hang or leak. Built and run by
 * scripts/fuzz.sh (clang), not by the test suite.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/lparsim-fuzz-sweep-%d.yaml", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    sweep_spec s;
    memset(&s, 0, sizeof s);
    sim_err e;
    sweep_spec_load(&s, path, &e);
    sweep_spec_free(&s);
    return 0;
}
