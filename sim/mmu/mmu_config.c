/*
 * mmu_config.c - the "mmu" parameter table (see mmu_config.h).
 */
#include "mmu/mmu_config.h"

#include <stddef.h>

static const param_desc mmu_param_list[] = {
    {"walk_from", PT_ENUM, "", "l2", 0, 0, "l2|l1d",
     "Where the hardware HPT walk (PTEG reads, R/C update) enters the caches: l2 = at the "
     "core's L2, never looking up or filling the L1D, as POWER walks from the L2 (issue 14; "
     "the POWER8/9 L1D is store-through, so the L2 holds current PTEGs; that a walk costs "
     "exactly an L2 access is an assumption, no public walk latency was found); l1d = "
     "through the L1D like a load (the model before issue 14, kept for comparison).",
     offsetof(mmu_config, walk_from), NULL},
};

const param_table mmu_params = {"mmu", sizeof(mmu_config), mmu_param_list,
                                PARAM_COUNT(mmu_param_list),
                                "The MMU's hardware HPT walk on a TLB miss."};
