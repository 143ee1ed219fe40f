/*
 * smr_config.h - configuration of shared memory regions (SMRs, seed 000):
 * the key `hypervisor.smr.*`, stored in the hypervisor's feature config
 * slot of the SMR feature (registry.h).
 */
#ifndef LPARSIM_HYP_SMR_CONFIG_H
#define LPARSIM_HYP_SMR_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/param.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Strategies for finding the mappings of pages whose sharing ends. */
typedef enum smr_strategy_kind {
    SMR_EXHAUSTIVE = 0,    /* scan every LPAR's HPT */
    SMR_EXPORT_VECTOR = 1, /* seed FIG. 5: LMB -> export vector -> SMRs -> reference array -> HPTs */
    SMR_RMAP = 2,          /* per-physical-page reverse map of HPTE indices (KVM) */
    SMR_STRATEGY_COUNT
} smr_strategy_kind;

typedef struct smr_config {
    bool enabled;             /* the feature is on (first field: feature.h) */
    unsigned strategy;        /* smr_strategy_kind */
    uint64_t max_per_server;  /* SMRs one server LPAR may create (export-vector bits) */
    uint64_t max_servers;     /* LPARs that may act as servers */
    uint64_t max_lpars;       /* bits per reference-array / authorisation vector */
    uint64_t max_pages;       /* pages per SMR (page-list capacity) */
    bool audit;               /* check every sharing operation (also --audit) */
} smr_config;

extern const param_table smr_feature_params; /* "hypervisor.smr" */

#ifdef __cplusplus
}
#endif
#endif
