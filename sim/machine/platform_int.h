/*
 * platform_int.h - the platform object's layout, shared by platform.c
 * (building, running) and platform_report.c (reports). Not for callers.
 */
#ifndef LPARSIM_MACHINE_PLATFORM_INT_H
#define LPARSIM_MACHINE_PLATFORM_INT_H

#include "platform.h"

typedef struct pmach {
    const char *name;     /* owned by the platform config */
    const char *config;
    machine_config cfg;
    bool cfg_init;
    cfg_src *src;         /* the machine file's lines */
    machine *m;
    double host;          /* host seconds spent in its machine_run_until */
    bool active;
} pmach;

struct platform {
    platform_config cfg;
    bool cfg_init;
    cfg_src *src;         /* the platform file's lines */
    pmach *mach;
    unsigned n;
    plink *links;
    unsigned nlinks;
    uint64_t window;      /* lockstep window, cycles; UINT64_MAX without links */
    uint64_t windows;     /* windows run */
    uint64_t freq_mhz;    /* the common clock */
    stats_reg *stats;     /* links.<a>-<b>.* */
};

#endif
