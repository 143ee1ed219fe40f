/*
 * smc_xport.c - the transports "smc" and "smcd-linux" (placeholder).
 */
#include "smc_int.h"

const char *const smc_fallback_names[5] = {"PEERNOSMC", "NOSMCDDEV", "MEM", "ISMVLANERR",
                                           "DIFFPREFIX"};
const hyp_transport smc_xport_smc = {.name = "smc", .desc = "SMC (seed 001)", .over_tcp = true,
                                     .fallback_names = smc_fallback_names, .nfallbacks = 5};
const hyp_transport smc_xport_smcd = {.name = "smcd-linux", .desc = "Linux SMC-D rules",
                                      .over_tcp = true, .fallback_names = smc_fallback_names,
                                      .nfallbacks = 5};
