/*
 * hyp_procs.c - the parameters of an LPAR's processors (lpars[].processors,
 * see hyp.h hyp_procs): dedicated or shared, entitlement, virtual
 * processors, capping and weight, as a PowerVM partition profile has them.
 */
#include <stddef.h>

#include "hyp.h"

#define P_F(f) offsetof(hyp_procs, f)
static const param_desc procs_list[] = {
    {"mode", PT_ENUM, "", "dedicated", 0, 0, "dedicated|shared",
     "dedicated: each vCPU owns the hardware thread it names; shared: the LPAR's virtual "
     "processors are dispatched onto the shared pool's cores (needs hypervisor.dispatch).",
     P_F(mode), NULL},
    {"entitlement", PT_DOUBLE, "processing units", "1.0", 0.05, 4096, NULL,
     "Shared mode: guaranteed capacity in cores per dispatch wheel period; at least 0.05 per "
     "virtual processor, at most one per virtual processor and the pool's cores.",
     P_F(entitlement), NULL},
    {"virtual_processors", PT_UINT, "", "1", 1, 4096, NULL,
     "Shared mode: virtual processors; each is dispatched onto one core and carries up to "
     "machine.threads_per_core of the LPAR's vCPUs (vCPU i on virtual processor "
     "i / threads_per_core).", P_F(virtual_processors), NULL},
    {"capped", PT_BOOL, "", "true", 0, 0, NULL,
     "Shared mode: never use more than the entitlement (false: share the pool's unused "
     "capacity in proportion to weight).", P_F(capped), NULL},
    {"weight", PT_UINT, "", "128", 0, 255, NULL,
     "Shared mode, uncapped: share of the pool's unused capacity (0: none, as PowerVM).",
     P_F(weight), NULL},
};
const param_table hyp_procs_params = {"processors", sizeof(hyp_procs), procs_list,
                                      PARAM_COUNT(procs_list),
                                      "How the LPAR gets processors (PowerVM partition profile)."};
