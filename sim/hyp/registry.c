/*
 * registry.c - the feature and driver tables the core and the machine loop
 * over, expanded from the one-line-per-feature list in registry.h, and the
 * hcall registry's checks and names (the core's own PAPR hcalls included).
 */
#include <stdio.h>
#include <string.h>

#include "hyp_int.h"

#include "registry_params.h"

#define FEATURE_PTR(n, lo, hi, d) &n##_feature,
const hyp_feature *const hyp_features[HYP_NFEATURES] = {HYP_FEATURE_LIST(FEATURE_PTR)};

#define RANGE(n, lo, hi, d) {lo, hi},
const hyp_hcall_range hyp_feature_ranges[HYP_NFEATURES] = {HYP_FEATURE_LIST(RANGE)};

#define DRV_PTR_DRIVER(n) &n##_driver
#define DRV_PTR_NODRIVER(n) NULL
#define DRIVER_PTR(n, lo, hi, d) DRV_PTR_##d(n),
const hyp_driver *const hyp_driver_table[HYP_NFEATURES] = {HYP_FEATURE_LIST(DRIVER_PTR)};

/* drivers.<name>: one entry per feature that has a driver */
#define DRV_PARAM_DRIVER(n)                                                                        \
    {#n, PT_STRUCT, "", NULL, 0, 0, NULL, "Workload driver of the " #n " feature.",                \
     offsetof(hyp_drivers_config, driver[HYP_FEATURE_##n]), &n##_driver_params},
#define DRV_PARAM_NODRIVER(n)
#define DRIVER_PARAM(n, lo, hi, d) DRV_PARAM_##d(n)
static const param_desc driver_list[] = {HYP_FEATURE_LIST(DRIVER_PARAM)};
const param_table hyp_driver_params = {"drivers", sizeof(hyp_drivers_config), driver_list,
                                       PARAM_COUNT(driver_list),
                                       "Workload drivers: seeded generators of hcalls and "
                                       "accesses, one per feature that has one."};

const hyp_transport *hyp_transport_find(const hyp *h, const char *name, void **state,
                                        const char **owner)
{
    for (unsigned f = 0; f < HYP_NFEATURES; f++)
        for (size_t i = 0; i < hyp_features[f]->ntransports; i++)
            if (strcmp(hyp_features[f]->transports[i]->name, name) == 0) {
                if (state)
                    *state = h->feat[f];
                if (owner)
                    *owner = hyp_features[f]->name;
                return hyp_features[f]->transports[i];
            }
    return NULL;
}

void hyp_transport_names(char *buf, size_t n)
{
    size_t at = 0;
    if (n)
        buf[0] = 0;
    for (unsigned f = 0; f < HYP_NFEATURES; f++)
        for (size_t i = 0; i < hyp_features[f]->ntransports && at < n; i++)
            at += (size_t)snprintf(buf + at, n - at, "%s%s", at ? ", " : "",
                                   hyp_features[f]->transports[i]->name);
}

const hyp_hcall_desc *hyp_core_hcall(size_t i, bool *if_used)
{
    bool irq = i >= hyp_papr_hcall_count;
    if (if_used)
        *if_used = irq;
    if (!irq)
        return &hyp_papr_hcalls[i];
    i -= hyp_papr_hcall_count;
    if (i < hyp_irq_hcall_count)
        return &hyp_irq_hcalls[i];
    i -= hyp_irq_hcall_count;
    if (i < hyp_crit_hcall_count)
        return &hyp_crit_hcalls[i];
    i -= hyp_crit_hcall_count;
    return i < hyp_cmo_hcall_count ? &hyp_cmo_hcalls[i] : NULL;
}

const char *hcall_name(uint64_t opcode)
{
    const hyp_hcall_desc *d;
    for (size_t i = 0; (d = hyp_core_hcall(i, NULL)); i++)
        if (d->opcode == opcode)
            return d->name;
    for (unsigned f = 0; f < HYP_NFEATURES; f++)
        for (size_t i = 0; i < hyp_features[f]->nhcalls; i++)
            if (hyp_features[f]->hcalls[i].opcode == opcode)
                return hyp_features[f]->hcalls[i].name;
    return NULL;
}

int hyp_check_hcall_ranges(const hyp_hcall_range *ranges, const hyp_feature *const *feats,
                           unsigned n, sim_err *e)
{
    for (unsigned f = 0; f < n; f++) {
        const hyp_hcall_range *r = &ranges[f];
        if (r->first > r->last)
            return sim_errf(e, "hcall registry: feature %s has an empty range 0x%llx..0x%llx",
                            feats[f]->name, (unsigned long long)r->first,
                            (unsigned long long)r->last);
        const hyp_hcall_desc *core;
        for (size_t i = 0; (core = hyp_core_hcall(i, NULL)); i++)
            if (core->opcode >= r->first && core->opcode <= r->last)
                return sim_errf(e, "hcall registry: 0x%llx is both the hypervisor core's %s and "
                                   "in feature %s's range 0x%llx..0x%llx",
                                (unsigned long long)core->opcode, core->name, feats[f]->name,
                                (unsigned long long)r->first, (unsigned long long)r->last);
        for (unsigned g = 0; g < n; g++)
            if (g != f && r->first <= ranges[g].last && ranges[g].first <= r->last)
                return sim_errf(e, "hcall registry: features %s (0x%llx..0x%llx) and %s "
                                   "(0x%llx..0x%llx) claim the same hcall numbers",
                                feats[f]->name, (unsigned long long)r->first,
                                (unsigned long long)r->last, feats[g]->name,
                                (unsigned long long)ranges[g].first,
                                (unsigned long long)ranges[g].last);
        for (size_t i = 0; i < feats[f]->nhcalls; i++) {
            const hyp_hcall_desc *d = &feats[f]->hcalls[i];
            if (d->opcode < r->first || d->opcode > r->last)
                return sim_errf(e, "hcall registry: %s (0x%llx) of feature %s lies outside its "
                                   "range 0x%llx..0x%llx", d->name, (unsigned long long)d->opcode,
                                feats[f]->name, (unsigned long long)r->first,
                                (unsigned long long)r->last);
            for (size_t k = 0; k < i; k++)
                if (feats[f]->hcalls[k].opcode == d->opcode)
                    return sim_errf(e, "hcall registry: 0x%llx is both %s and %s of feature %s",
                                    (unsigned long long)d->opcode, feats[f]->hcalls[k].name,
                                    d->name, feats[f]->name);
        }
    }
    return 0;
}

/* First field of obj differing from the defaults in def, as "prefix.key"
 * in buf; false if none. */
static bool first_set(const param_table *t, const void *obj, const void *def, const char *prefix,
                      char *buf, size_t n)
{
    for (size_t i = 0; i < t->n; i++) {
        const param_desc *d = &t->p[i];
        const char *a = (const char *)obj + d->offset, *b = (const char *)def + d->offset;
        char path[160];
        snprintf(path, sizeof path, "%s.%s", prefix, d->name);
        bool differs;
        switch (d->type) {
        case PT_UINT: case PT_SIZE: case PT_INT: differs = memcmp(a, b, 8) != 0; break;
        case PT_DOUBLE: differs = *(const double *)a != *(const double *)b; break;
        case PT_BOOL: differs = *(const bool *)a != *(const bool *)b; break;
        case PT_ENUM: differs = *(const unsigned *)a != *(const unsigned *)b; break;
        case PT_STRING: {
            const char *x = *(char *const *)a, *y = *(char *const *)b;
            differs = (x && y) ? strcmp(x, y) != 0 : x != y;
            break;
        }
        case PT_LIST: differs = ((const param_list *)a)->n != 0; break;
        case PT_STRUCT:
            if (first_set(d->sub, a, b, path, buf, n))
                return true;
            differs = false;
            break;
        default: differs = false;
        }
        if (differs) {
            snprintf(buf, n, "%s", path);
            return true;
        }
    }
    return false;
}

static bool unused_in(const param_table *t, const hyp_feature_cfg *c, const char *prefix,
                      char *buf, size_t n)
{
    if (hyp_cfg_enabled(c))
        return false;
    hyp_feature_cfg def;
    sim_err e;
    if (param_defaults(t, def.bytes, &e) != 0)
        return false;
    bool r = first_set(t, c->bytes, def.bytes, prefix, buf, n);
    param_free(t, def.bytes);
    return r;
}

bool hyp_config_unused_key(const hyp_config *c, const hyp_drivers_config *d, char *buf, size_t n)
{
    for (unsigned f = 0; f < HYP_NFEATURES; f++) {
        char prefix[64];
        snprintf(prefix, sizeof prefix, "hypervisor.%s", hyp_features[f]->name);
        if (unused_in(hyp_features[f]->params, &c->feature[f], prefix, buf, n))
            return true;
        snprintf(prefix, sizeof prefix, "drivers.%s", hyp_features[f]->name);
        if (hyp_driver_table[f] && d &&
            unused_in(hyp_driver_table[f]->params, &d->driver[f], prefix, buf, n))
            return true;
    }
    return false;
}
