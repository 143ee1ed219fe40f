/*
 * fuzz_config.c - libFuzzer target: a config file (any bytes) through
 * machine_config_load. It must return 0 or an error, never crash, hang or
 * leak. Built and run by scripts/fuzz.sh (clang), not by the test suite.
 */
#include <stdint.h>

#include "fuzz_file.h"
#include "machine/machine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    if (fuzz_write_input(data, size, "config", path) != 0)
        return 0;
    machine_config c;
    sim_err e;
    if (machine_config_init(&c, &e) == 0) {
        machine_config_load(&c, path, NULL, 0, NULL, &e);
        machine_config_free(&c);
    }
    return 0;
}
