/*
 * ipca_driver_int.h - the IPCA workload driver's configuration
 * (drivers.ipca.*) and statistics, declared in ipca_driver_config.c
 * (sim/hyp/ipca only).
 */
#ifndef LPARSIM_HYP_IPCA_DRIVER_INT_H
#define LPARSIM_HYP_IPCA_DRIVER_INT_H

#include "ipca_int.h"

enum { IDRV_NOTICES = 0, IDRV_CONTENTION = 1 };
enum { IDRV_ONE = 0, IDRV_DISTINCT = 1 };

typedef struct idrv_config {
    bool enabled;             /* first field (feature.h) */
    unsigned pattern;         /* IDRV_* */
    uint64_t lpars;           /* notices: generated LPARs */
    uint64_t lpar_memory;
    uint64_t msg_bytes;
    uint64_t ops;             /* notices: rounds; contention: messages per writer */
    uint64_t think;           /* mean cycles between operations (uniform 0..2x) */
    double broadcast_fraction;
    double snoop_fraction;
    uint64_t writers;         /* contention: M */
    unsigned target;          /* contention: IDRV_ONE | IDRV_DISTINCT */
} idrv_config;
_Static_assert(sizeof(idrv_config) <= HYP_FEATURE_CFG_BYTES, "fits the driver config slot");

typedef struct idrv_stats {
    uint64_t messages, bytes, notices, broadcasts, broadcast_deliveries, snoops, snoops_refused,
        room_waits, reader_polls, first_send, last_delivery, freq_mhz;
} idrv_stats;

extern const param_table ipca_driver_params;
extern const stat_table idrv_stat_table;

/* LPARs the driver generates for config c. */
uint64_t idrv_lpars(const idrv_config *c);

#endif
