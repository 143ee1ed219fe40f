/*
 * copy.c - the copy loop of code running on a hardware thread (hypervisor
 * or guest: the transports' hcalls and the drivers' guest models), over
 * memctl/memcopy.h with the hypervisor.copy.* parameters, and its
 * parameter table.
 */
#include "hyp_int.h"

#include <stddef.h>

#define CP_F(f) offsetof(hyp_copy_config, f)
static const param_desc copy_param_all[] = {
    {"outstanding", PT_UINT, "lines", "8", 1, 64, NULL,
     "Source cache lines a copy loop keeps in flight (load-miss queue and prefetch); "
     "assumption, POWER9's L1D has 8-12 load-miss entries (as hypervisor.scan_outstanding).",
     CP_F(outstanding), NULL},
    {"line_cycles", PT_UINT, "cycles", "4", 0, 1000, NULL,
     "Floor per 128-byte line of a copy whose lines hit: the core's load/store bandwidth; "
     "assumption, 32 bytes per cycle (two 16-byte loads and stores per cycle on POWER9).",
     CP_F(line_cycles), NULL},
    {"dst_zero", PT_BOOL, "", "false", 0, 0, NULL,
     "Establish wholly written destination lines without reading them (dcbz) instead of a "
     "read for ownership.", CP_F(dst_zero), NULL},
};
const param_table hyp_copy_params = {"copy", sizeof(hyp_copy_config), copy_param_all,
                                     PARAM_COUNT(copy_param_all),
                                     "The copy loop of code on a thread (hcalls' copies, the "
                                     "guest models' copies)."};

mem_copy_cfg hyp_copy_cfg(const hyp *h)
{
    return (mem_copy_cfg){(unsigned)h->cfg.copy.outstanding, h->cfg.copy.line_cycles,
                          h->cfg.copy.dst_zero};
}

int hyp_copy(hyp *h, unsigned thread, uint64_t now, uint64_t dst, uint64_t src, uint64_t len,
             mem_copy_res *r)
{
    mem_copy_cfg c = hyp_copy_cfg(h);
    return mem_copy(h->env.ports[thread], h->env.pm, dst, src, len, &c, now, r);
}
