/*
 * embed.c - a program embedding lparsim through its installed package
 * (built by the install test with find_package(lparsim) and with
 * pkg-config): load a config, build the machine, run it, print what it
 * did, destroy it. Exit status 0 when the run replayed every record.
 *
 *   embed CONFIG EXPECTED_RECORDS
 */
#include <stdio.h>
#include <stdlib.h>

#include "machine/machine.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: embed CONFIG EXPECTED_RECORDS\n");
        return 2;
    }
    machine_config c;
    sim_err e;
    sim_err_clear(&e);
    if (machine_config_init(&c, &e) != 0 ||
        machine_config_load(&c, argv[1], NULL, 0, NULL, &e) != 0) {
        fprintf(stderr, "embed: %s\n", e.msg);
        machine_config_free(&c);
        return 1;
    }
    machine *m = machine_create(&c, NULL, &e);
    int rc = m && machine_run(m, NULL, NULL, &e) == 0 ? 0 : 1;
    if (rc)
        fprintf(stderr, "embed: %s\n", e.msg);
    else
        printf("records %llu cycles %llu\n", (unsigned long long)machine_records(m),
               (unsigned long long)machine_cycles(m));
    if (m && machine_records(m) != strtoull(argv[2], NULL, 0)) {
        fprintf(stderr, "embed: expected %s records\n", argv[2]);
        rc = 1;
    }
    machine_destroy(m);
    machine_config_free(&c);
    return rc;
}
