/*
 * platform_int.h - the platform object's layout, shared by platform.c
 * (building, running) and platform_report.c (reports). Not for callers.
 */
#ifndef LPARSIM_MACHINE_PLATFORM_INT_H
#define LPARSIM_MACHINE_PLATFORM_INT_H

#include "hyp/hyp.h"
#include "platform.h"

typedef struct pmach {
    const char *name;     /* owned by the platform config */
    const char *config;
    machine_config cfg;
    bool cfg_init;
    cfg_src *src;         /* the machine file's lines */
    machine *m;
    double host;          /* host seconds spent in its machine_run_until */
    bool active;          /* runs in the next window */
    bool capped;          /* reached run.max_cycles: never runs again */
} pmach;

/* An RDMA write in flight (platform_rdma.c). */
typedef struct platform_msg {
    hyp_rdma_msg m;
    unsigned dest;
    uint64_t seq;
} platform_msg;

typedef struct platform_carrier {
    struct platform *p;
    unsigned self;
} platform_carrier;

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
    platform_carrier *carriers; /* one per machine (RDMA) */
    const char **names;   /* machine names, for the hypervisors */
    platform_msg *pending; /* RDMA writes in flight: a heap by arrival */
    size_t npending, cappending;
    uint64_t msg_seq;
};

/* platform_rdma.c: hand every machine's hypervisor its carrier; the
 * earliest arrival in flight (UINT64_MAX: none); deliver those arriving
 * before `upto` (their machines run again); free what is left. */
int platform_rdma_init(platform *p, sim_err *e);
uint64_t platform_rdma_first(const platform *p);
int platform_rdma_deliver(platform *p, uint64_t upto, sim_err *e);
void platform_rdma_free(platform *p);

#endif
