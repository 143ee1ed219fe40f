/*
 * rmap_int.h - the core's side of the reverse map (sim/hyp core files
 * only): creation and the upkeep hyp_notify_insert/remove call.
 */
#ifndef LPARSIM_HYP_RMAP_INT_H
#define LPARSIM_HYP_RMAP_INT_H

#include "rmap.h"

hyp_rmap *hyp_rmap_create(hyp *h, bool charged);
void hyp_rmap_destroy(hyp_rmap *r);
int hyp_rmap_insert(hyp_rmap *r, hcall_ctx *c, unsigned lpid, uint64_t ptex, uint64_t real);
void hyp_rmap_remove(hyp_rmap *r, hcall_ctx *c, unsigned lpid, uint64_t ptex);

#endif
