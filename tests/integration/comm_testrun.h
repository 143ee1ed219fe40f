/*
 * comm_testrun.h - what the drivers.comm integration tests share: a run of
 * configs/comm/pingpong.yaml over one transport (smc and ipca enabled)
 * with extra --set assignments, and a comm.<transport>.<stat> reader.
 */
#ifndef LPARSIM_TESTS_COMM_TESTRUN_H
#define LPARSIM_TESTS_COMM_TESTRUN_H

#include <stdio.h>

#include "testutil.h"

#define PP "configs/comm/pingpong.yaml"

/* The CSV of the run (tu_run_config_ok: a failed run fails the test). */
static inline char *comm_run(const char *transport, const char *const *extra, const char *out)
{
    char t[96];
    snprintf(t, sizeof t, "drivers.comm.transport=%s", transport);
    const char *sets[18] = {t, "hypervisor.smc.enabled=true", "hypervisor.ipca.enabled=true"};
    int n = 3;
    for (int i = 0; extra && extra[i] && n < 17; i++)
        sets[n++] = extra[i];
    sets[n] = NULL;
    return tu_run_config_ok(tu_src(PP), sets, out, false);
}

static inline double comm_stat(const char *csv, const char *transport, const char *name)
{
    char k[128];
    snprintf(k, sizeof k, "comm.%s.%s", transport, name);
    return tu_csv_get(csv, k);
}

#endif
