/*
 * mmu_config.h - parameters of the MMU's hardware table walk (the "mmu"
 * config section). The walk itself is hpt_search/hpt_translate (hpt.h);
 * the machine picks the memory port it reads through from walk_from.
 * Invariant: walk_from is one of mmu_walk_from.
 */
#ifndef LPARSIM_MMU_MMU_CONFIG_H
#define LPARSIM_MMU_MMU_CONFIG_H

#include "core/param.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where the walk's PTEG reads and R/C writes enter the cache hierarchy. */
typedef enum mmu_walk_from { MMU_WALK_L2 = 0, MMU_WALK_L1D = 1 } mmu_walk_from;

typedef struct mmu_config {
    unsigned walk_from; /* mmu_walk_from */
} mmu_config;

extern const param_table mmu_params; /* "mmu" */

#ifdef __cplusplus
}
#endif
#endif
