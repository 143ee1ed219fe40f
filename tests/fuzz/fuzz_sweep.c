/*
 * fuzz_sweep.c - libFuzzer target: a sweep file (any bytes) through
 * sweep_spec_load (its base config is loaded too when it names one). It
 * must return 0 or an error, never crash, hang or leak. Built and run by
 * scripts/fuzz.sh (clang), not by the test suite.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_file.h"
#include "sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    if (fuzz_write_input(data, size, "sweep", path) != 0)
        return 0;
    sweep_spec s;
    memset(&s, 0, sizeof s);
    sim_err e;
    sweep_spec_load(&s, path, &e);
    sweep_spec_free(&s);
    return 0;
}
