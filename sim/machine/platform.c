/*
 * platform.c - building and running a platform (platform.h): loading the
 * platform file and each machine's config with its overrides, checking
 * them (errors name the platform file and line), the links, and the
 * lockstep run loop.
 * Invariant: after platform_open every machine is built, every link joins
 * two different machines, and all clocks are equal.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "platform_int.h"

static double host_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static platform_machine_config *mcfg(const platform *p, unsigned i)
{
    return (platform_machine_config *)p->cfg.platform.machines.items + i;
}

static platform_link_config *lcfg(const platform *p, unsigned i)
{
    return (platform_link_config *)p->cfg.platform.links.items + i;
}

static bool name_ok(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return false;
    return true;
}

int platform_find(const platform *p, const char *name)
{
    for (unsigned i = 0; i < p->n; i++)
        if (!strcmp(p->mach[i].name, name))
            return (int)i;
    return -1;
}

/* Names, uniqueness and config files of platform.machines. */
static int check_machines(platform *p, sim_err *e)
{
    char path[96];
    for (unsigned i = 0; i < p->n; i++) {
        const platform_machine_config *mc = mcfg(p, i);
        snprintf(path, sizeof path, "platform.machines[%u].name", i);
        if (!name_ok(mc->name))
            return cfg_errf(e, p->src, path, "'%s'; expected a name of letters, digits, '_' and "
                            "'-'", mc->name);
        if (param_find(&machine_config_table, mc->name))
            return cfg_errf(e, p->src, path, "'%s' is a key of machine configs; expected "
                            "another name (--set NAME.KEY=VALUE would be ambiguous)", mc->name);
        for (unsigned k = 0; k < i; k++)
            if (!strcmp(mcfg(p, k)->name, mc->name)) {
                char first[96];
                snprintf(first, sizeof first, "platform.machines[%u].name", k);
                return cfg_errf(e, p->src, path, "'%s' given twice (first at line %d); expected "
                                "unique machine names", mc->name, cfg_src_line(p->src, first));
            }
        snprintf(path, sizeof path, "platform.machines[%u]", i);
        if (!*mc->config)
            return cfg_errf(e, p->src, path, "machine '%s' has no config; expected a key "
                            "config: naming a machine config file", mc->name);
        p->mach[i].name = mc->name;
        p->mach[i].config = mc->config;
    }
    return 0;
}

/* Which machine a command-line override names: "NAME.KEY=V" -> that
 * machine (*rest = "KEY=V"); otherwise -1 (every machine). */
static int set_target(const platform *p, const char *s, const char **rest)
{
    const char *dot = strchr(s, '.'), *eq = strchr(s, '=');
    *rest = s;
    if (!dot || (eq && eq < dot))
        return -1;
    for (unsigned i = 0; i < p->n; i++)
        if (strlen(p->mach[i].name) == (size_t)(dot - s) &&
            !strncmp(p->mach[i].name, s, (size_t)(dot - s))) {
            *rest = dot + 1;
            return (int)i;
        }
    return -1;
}

/* Load machine i's config with the file's overrides then the command
 * line's; errors located at the platform file's line. */
static int load_machine(platform *p, unsigned i, const char *const *sets, unsigned nsets,
                        sim_err *e)
{
    pmach *pm = &p->mach[i];
    const platform_machine_config *mc = mcfg(p, i);
    const platform_set_config *fs = mc->set.items;
    const char **v = calloc(mc->set.n + nsets + 1, sizeof *v);
    if (!v)
        return sim_errf(e, "out of host memory");
    unsigned nv = 0;
    for (size_t k = 0; k < mc->set.n; k++)
        v[nv++] = fs[k].assignment;
    for (unsigned k = 0; k < nsets; k++) {
        const char *rest;
        int t = set_target(p, sets[k], &rest);
        if (t < 0 || t == (int)i)
            v[nv++] = rest;
    }
    char cpath[96];
    snprintf(cpath, sizeof cpath, "platform.machines[%u].config", i);
    sim_err le;
    sim_err_clear(&le);
    pm->src = cfg_src_create(pm->config);
    int rc = pm->src ? machine_config_init(&pm->cfg, &le) : sim_errf(&le, "out of host memory");
    pm->cfg_init = rc == 0;
    if (rc == 0)
        rc = machine_config_load(&pm->cfg, pm->config, v, nv, pm->src, &le);
    if (rc != 0) {
        /* an override from the file: point at its line */
        for (size_t k = 0; k < mc->set.n; k++) {
            size_t l = strlen(fs[k].assignment);
            if (!strncmp(le.msg, "--set ", 6) && !strncmp(le.msg + 6, fs[k].assignment, l) &&
                !strncmp(le.msg + 6 + l, ": ", 2)) {
                snprintf(cpath, sizeof cpath, "platform.machines[%u].set[%zu]", i, k);
                break;
            }
        }
        cfg_errf(e, p->src, cpath, "machine '%s': %s", pm->name, le.msg);
    }
    free(v);
    return rc;
}

static int build_links(platform *p, sim_err *e)
{
    char path[96];
    p->window = UINT64_MAX;
    for (unsigned i = 0; i < p->nlinks; i++) {
        const platform_link_config *lc = lcfg(p, i);
        plink *l = &p->links[i];
        snprintf(path, sizeof path, "platform.links[%u].between", i);
        if (lc->between.n != 2)
            return cfg_errf(e, p->src, path, "%zu machines; expected two: [a, b]",
                            lc->between.n);
        const platform_name_config *nm = lc->between.items;
        int ab[2];
        for (unsigned k = 0; k < 2; k++) {
            char ipath[112];
            snprintf(ipath, sizeof ipath, "%s[%u]", path, k);
            ab[k] = platform_find(p, nm[k].machine);
            if (ab[k] < 0)
                return cfg_errf(e, p->src, ipath, "unknown machine '%s'; expected one of "
                                "platform.machines' names", nm[k].machine);
        }
        if (ab[0] == ab[1])
            return cfg_errf(e, p->src, path, "a link from '%s' to itself; expected two "
                            "different machines", nm[0].machine);
        for (unsigned k = 0; k < i; k++)
            if ((p->links[k].a == (unsigned)ab[0] && p->links[k].b == (unsigned)ab[1]) ||
                (p->links[k].a == (unsigned)ab[1] && p->links[k].b == (unsigned)ab[0])) {
                char first[96];
                snprintf(first, sizeof first, "platform.links[%u].between", k);
                return cfg_errf(e, p->src, path, "a second link between '%s' and '%s' (first "
                                "at line %d); expected one link per pair", nm[0].machine,
                                nm[1].machine, cfg_src_line(p->src, first));
            }
        l->a = (unsigned)ab[0];
        l->b = (unsigned)ab[1];
        l->latency_cycles = (lc->latency_ns * p->freq_mhz + 999) / 1000;
        l->bytes_per_cycle = lc->bandwidth_gbps * 1000.0 / (double)p->freq_mhz;
        if (l->latency_cycles < p->window)
            p->window = l->latency_cycles;
        char prefix[2][160];
        snprintf(prefix[0], sizeof prefix[0], "links.%s-%s", p->mach[l->a].name,
                 p->mach[l->b].name);
        snprintf(prefix[1], sizeof prefix[1], "links.%s-%s", p->mach[l->b].name,
                 p->mach[l->a].name);
        for (unsigned d = 0; d < 2; d++)
            if (stats_register(p->stats, prefix[d], &plink_stat_table, &l->st[d]) != 0)
                return sim_errf(e, "out of host memory");
    }
    return 0;
}

static int open_all(platform *p, const char *path, const char *const *sets, unsigned nsets,
                    sim_err *e)
{
    if (cfg_load_yaml(&platform_config_table, &p->cfg, path, p->src, e) != 0)
        return -1;
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : NULL;
    if (slash && !dir)
        return sim_errf(e, "out of host memory");
    int rc = param_resolve_paths(&platform_config_table, &p->cfg, dir ? dir : ".", e);
    free(dir);
    if (rc != 0)
        return -1;
    p->n = (unsigned)p->cfg.platform.machines.n;
    p->nlinks = (unsigned)p->cfg.platform.links.n;
    if (p->n == 0)
        return cfg_errf(e, p->src, "platform.machines", "no machines; expected a list "
                        "platform.machines of {name, config}");
    p->mach = calloc(p->n, sizeof *p->mach);
    p->links = calloc(p->nlinks ? p->nlinks : 1, sizeof *p->links);
    p->stats = stats_create();
    if (!p->mach || !p->links || !p->stats)
        return sim_errf(e, "out of host memory");
    if (check_machines(p, e) != 0)
        return -1;
    for (unsigned i = 0; i < p->n; i++) {
        if (load_machine(p, i, sets, nsets, e) != 0)
            return -1;
        uint64_t f = p->mach[i].cfg.machine.freq_mhz;
        if (i == 0)
            p->freq_mhz = f;
        else if (f != p->freq_mhz) {
            char cpath[96];
            snprintf(cpath, sizeof cpath, "platform.machines[%u].config", i);
            return cfg_errf(e, p->src, cpath, "machine '%s' has machine.freq_mhz %llu but '%s' "
                            "has %llu; expected equal clocks (platform time is in cycles of "
                            "the common clock)", p->mach[i].name, (unsigned long long)f,
                            p->mach[0].name, (unsigned long long)p->freq_mhz);
        }
    }
    if (build_links(p, e) != 0)
        return -1;
    for (unsigned i = 0; i < p->n; i++) {
        sim_err le;
        sim_err_clear(&le);
        p->mach[i].m = machine_create(&p->mach[i].cfg, p->mach[i].src, &le);
        if (!p->mach[i].m) {
            char cpath[96];
            snprintf(cpath, sizeof cpath, "platform.machines[%u].config", i);
            return cfg_errf(e, p->src, cpath, "machine '%s': %s", p->mach[i].name, le.msg);
        }
        p->mach[i].active = true;
    }
    return platform_rdma_init(p, e);
}

platform *platform_open(const char *path, const char *const *sets, unsigned nsets, sim_err *e)
{
    platform *p = calloc(1, sizeof *p);
    if (!p) {
        sim_errf(e, "out of host memory");
        return NULL;
    }
    p->src = cfg_src_create(path);
    if (!p->src) {
        free(p);
        sim_errf(e, "out of host memory");
        return NULL;
    }
    p->cfg_init = param_defaults(&platform_config_table, &p->cfg, e) == 0;
    if (!p->cfg_init || open_all(p, path, sets, nsets, e) != 0) {
        platform_destroy(p);
        return NULL;
    }
    return p;
}

void platform_destroy(platform *p)
{
    if (!p)
        return;
    stats_destroy(p->stats);
    platform_rdma_free(p);
    for (unsigned i = 0; p->mach && i < p->n; i++) {
        machine_destroy(p->mach[i].m);
        if (p->mach[i].cfg_init)
            machine_config_free(&p->mach[i].cfg);
        cfg_src_destroy(p->mach[i].src);
    }
    free(p->mach);
    free(p->links);
    if (p->cfg_init)
        param_free(&platform_config_table, &p->cfg);
    cfg_src_destroy(p->src);
    free(p);
}

unsigned platform_machines(const platform *p) { return p->n; }
machine *platform_machine(platform *p, unsigned i) { return p->mach[i].m; }
const char *platform_machine_name(const platform *p, unsigned i) { return p->mach[i].name; }
unsigned platform_links(const platform *p) { return p->nlinks; }
plink *platform_link(platform *p, unsigned i) { return &p->links[i]; }
uint64_t platform_window(const platform *p) { return p->window; }
uint64_t platform_windows_run(const platform *p) { return p->windows; }
double platform_machine_host_seconds(const platform *p, unsigned i) { return p->mach[i].host; }

int platform_send(platform *p, unsigned from, unsigned to, uint64_t bytes, uint64_t t,
                  uint64_t *arrival)
{
    for (unsigned i = 0; i < p->nlinks; i++) {
        plink *l = &p->links[i];
        if (l->a == from && l->b == to)
            return *arrival = plink_send(l, 0, bytes, t), 0;
        if (l->b == from && l->a == to)
            return *arrival = plink_send(l, 1, bytes, t), 0;
    }
    return -1;
}

int platform_run(platform *p, platform_window_fn hook, void *hctx, machine_progress_fn fn,
                 void *ctx, sim_err *e)
{
    uint64_t end = 0;
    unsigned active = 0;
    for (unsigned i = 0; i < p->n; i++)
        active += p->mach[i].active;
    while (active || platform_rdma_first(p) != UINT64_MAX) {
        if (!active) {
            /* every machine has stopped with RDMA writes in flight: on to
             * the window of the first arrival (it makes its receiver run) */
            uint64_t first = platform_rdma_first(p);
            if (first / p->window * p->window > end)
                end = first / p->window * p->window;
            if (platform_rdma_deliver(p, end + p->window, e) != 0)
                return -1;
        }
        end = p->window == UINT64_MAX || end > UINT64_MAX - p->window ? UINT64_MAX
                                                                       : end + p->window;
        for (unsigned i = 0; i < p->n; i++) {
            pmach *pm = &p->mach[i];
            if (!pm->active)
                continue;
            uint64_t cap = machine_max_cycles(pm->m), limit = end;
            if (cap && limit >= cap)
                limit = cap;
            sim_err le;
            sim_err_clear(&le);
            double t0 = host_now();
            int r = machine_run_until(pm->m, limit, fn, ctx, &le);
            pm->host += host_now() - t0;
            if (r < 0)
                return sim_errf(e, "%s: %s", pm->name, le.msg);
            if (r == 0 || (cap && limit == cap)) {
                pm->active = false;
                pm->capped = cap && limit == cap;
            }
        }
        p->windows++;
        /* what arrives before the next window ends, delivered before it
         * runs (a stopped receiver runs again) */
        if (p->window != UINT64_MAX &&
            platform_rdma_deliver(p, end > UINT64_MAX - p->window ? UINT64_MAX : end + p->window,
                                  e) != 0)
            return -1;
        active = 0;
        for (unsigned i = 0; i < p->n; i++)
            active += p->mach[i].active;
        if (hook)
            hook(hctx, p, end);
    }
    uint64_t horizon = 0;
    for (unsigned i = 0; i < p->n; i++) {
        sim_err le;
        sim_err_clear(&le);
        if (machine_finish(p->mach[i].m, &le) != 0)
            return sim_errf(e, "%s: %s", p->mach[i].name, le.msg);
        if (machine_cycles(p->mach[i].m) > horizon)
            horizon = machine_cycles(p->mach[i].m);
    }
    for (unsigned i = 0; i < p->nlinks; i++)
        p->links[i].st[0].horizon = p->links[i].st[1].horizon = horizon;
    return 0;
}
