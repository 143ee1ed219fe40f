/*
 * registry_params.h - declarations of every registered feature's symbols
 * and the parameter entry hypervisor.<name> of each, expanded from
 * registry.h (for hyp.c and registry.c only).
 */
#ifndef LPARSIM_HYP_REGISTRY_PARAMS_H
#define LPARSIM_HYP_REGISTRY_PARAMS_H

#include <stddef.h>

#include "feature.h"
#include "registry.h"

#define HYP_DECL_DRIVER(n)                                                                         \
    extern const hyp_driver n##_driver;                                                            \
    extern const param_table n##_driver_params;
#define HYP_DECL_NODRIVER(n)
#define HYP_DECL(n, lo, hi, d)                                                                     \
    extern const hyp_feature n##_feature;                                                          \
    extern const param_table n##_feature_params;                                                   \
    HYP_DECL_##d(n)
HYP_FEATURE_LIST(HYP_DECL)

/* hypervisor.<name>: the feature's own table */
#define HYP_FEATURE_PARAM(n, lo, hi, d)                                                            \
    {#n, PT_STRUCT, "", NULL, 0, 0, NULL, "Hypervisor feature " #n " (off unless enabled).",       \
     offsetof(hyp_config, feature[HYP_FEATURE_##n]), &n##_feature_params},

#endif
