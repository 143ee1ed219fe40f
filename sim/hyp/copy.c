/*
 * copy.c - the copy loop of code running on a hardware thread (hypervisor
 * or guest: the transports' hcalls and the drivers' guest models), over
 * memctl/memcopy.h with the hypervisor.copy.* parameters, and its
 * parameter table; hyp_copy_la between LPARs' logical ranges.
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

static bool inside(const hyp *h, unsigned lp, uint64_t la, uint64_t len)
{
    return lp < h->nlpars && la <= h->lpars[lp]->memory && len <= h->lpars[lp]->memory - la;
}

int hyp_copy_la(hyp *h, unsigned thread, uint64_t now, unsigned dl, uint64_t dla, unsigned sl,
                uint64_t sla, uint64_t len, mem_copy_res *r)
{
    *r = (mem_copy_res){0, 0, 0};
    if (!inside(h, dl, dla, len) || !inside(h, sl, sla, len))
        return -2;
    uint64_t lmb = h->cfg.lmb_size;
    while (len) {
        uint64_t n = len;
        if (lmb - dla % lmb < n)
            n = lmb - dla % lmb;
        if (lmb - sla % lmb < n)
            n = lmb - sla % lmb;
        mem_copy_res p;
        if (hyp_copy(h, thread, now + r->cycles, hyp_logical_to_real(h, dl, dla),
                     hyp_logical_to_real(h, sl, sla), n, &p) != 0)
            return -1;
        r->cycles += p.cycles;
        r->lines_read += p.lines_read;
        r->lines_written += p.lines_written;
        dla += n, sla += n, len -= n;
    }
    return 0;
}
