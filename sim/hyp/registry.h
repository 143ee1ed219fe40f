/*
 * registry.h - the hypervisor's features, one line each:
 *
 *   F(name, first hcall, last hcall, DRIVER | NODRIVER)
 *
 * A feature `name` lives in sim/hyp/<name>/ and defines
 *   const hyp_feature   name##_feature;         (feature.h)
 *   const param_table   name##_feature_params;  (hypervisor.<name>.*)
 * and, with DRIVER, its workload driver
 *   const hyp_driver    name##_driver;
 *   const param_table   name##_driver_params;   (drivers.<name>.*)
 * Its hcalls lie in [first, last] (a feature may own PAPR numbers, e.g.
 * H_CEDE). The ranges and the core's own PAPR hcalls are checked disjoint
 * at start-up; a clash is refused with a message naming both owners. A
 * feature with no hcall yet (coherency) reserves a range for its own.
 * Nothing outside a feature's folder names it, but this line.
 */
#ifndef LPARSIM_HYP_REGISTRY_H
#define LPARSIM_HYP_REGISTRY_H

#define HYP_FEATURE_LIST(F)                                                                        \
    F(smr, 0xE000, 0xE0FC, DRIVER)                                                                 \
    F(dispatch, 0xE0, 0xE8, DRIVER)                                                                \
    F(coherency, 0xE100, 0xE13C, DRIVER)                                                           \
    F(comm, 0x114, 0x120, DRIVER)                                                                  \
    F(smc, 0xE200, 0xE23C, NODRIVER)                                                               \
    F(ipca, 0xE300, 0xE33C, DRIVER)                                                                \
    F(paging, 0xE400, 0xE43C, NODRIVER)                                                            \
    F(reloc, 0xE700, 0xE70C, NODRIVER)                                                             \
    F(migrate, 0xE800, 0xE80C, NODRIVER)

#define HYP_FEATURE_ENUM_(n, lo, hi, d) HYP_FEATURE_##n,
enum { HYP_FEATURE_LIST(HYP_FEATURE_ENUM_) HYP_NFEATURES };

#endif
