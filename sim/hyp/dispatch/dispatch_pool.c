/*
 * dispatch_pool.c - the shared pool: the cores the dispatcher puts virtual
 * processors on.
 *
 * hypervisor.dispatch.pool lists them as global core indices and ranges
 * ("0-7,12", spaces allowed around items); empty, the pool is every core
 * none of whose threads runs a dedicated vCPU (PowerVM's default pool).
 * Invariants of the result: pool cores are distinct, in ascending order,
 * below the machine's core count, and none of their threads runs a
 * dedicated vCPU; an explicit list that breaks any of these is refused
 * with one line naming hypervisor.dispatch.pool and what is allowed.
 * Also the home-node preference of a shared LPAR's virtual processors
 * (dispatch_home_core; numa on and the LPAR has home_nodes).
 */
#include <stdlib.h>
#include <string.h>

#include "dispatch_int.h"

#define KEY "hypervisor.dispatch.pool"

static bool is_blank(const char *s)
{
    return s[strspn(s, " \t")] == '\0';
}

static const char *skip_blanks(const char *p)
{
    return p + strspn(p, " \t");
}

/* A decimal number at *p (advanced past it); false if none. Values above
 * UINT32_MAX saturate there (out of range for any machine anyway). */
static bool number(const char **p, uint64_t *out)
{
    const char *s = *p;
    if (*s < '0' || *s > '9')
        return false;
    uint64_t v = 0;
    for (; *s >= '0' && *s <= '9'; s++)
        v = v > UINT32_MAX ? UINT32_MAX + 1ull : v * 10 + (uint64_t)(*s - '0');
    *p = s;
    *out = v;
    return true;
}

/* Mark the cores of spec in in[0..ncores); errors: syntax, a core out of
 * range, a backwards range, a core listed twice. */
static int parse_pool(const char *spec, unsigned ncores, unsigned char *in, sim_err *e)
{
    const char *p = skip_blanks(spec);
    for (;;) {
        uint64_t lo, hi;
        if (!number(&p, &lo))
            return sim_errf(e, KEY ": '%.64s': %s at character %zu; expected core indices and "
                               "ranges separated by commas, like 0-7,12",
                            spec, *p ? "unexpected character" : "a core index missing",
                            (size_t)(p - spec) + 1);
        hi = lo;
        p = skip_blanks(p);
        if (*p == '-') {
            p = skip_blanks(p + 1);
            if (!number(&p, &hi))
                return sim_errf(e, KEY ": '%.64s': a range's end missing at character %zu; "
                                   "expected LOW-HIGH, like 0-7",
                                spec, (size_t)(p - spec) + 1);
            if (hi < lo)
                return sim_errf(e, KEY ": '%.64s': range %llu-%llu is backwards; expected "
                                   "LOW-HIGH with LOW <= HIGH",
                                spec, (unsigned long long)lo, (unsigned long long)hi);
            p = skip_blanks(p);
        }
        if (hi >= ncores && hi > UINT32_MAX)
            return sim_errf(e, KEY ": '%.64s': a core index of 2^32 or more, out of range; the "
                               "machine has %u cores, expected indices 0 to %u",
                            spec, ncores, ncores - 1);
        if (hi >= ncores)
            return sim_errf(e, KEY ": core %llu out of range; the machine has %u cores, "
                               "expected indices 0 to %u",
                            (unsigned long long)hi, ncores, ncores - 1);
        for (uint64_t c = lo; c <= hi; c++) {
            if (in[c])
                return sim_errf(e, KEY ": core %llu listed twice; expected each core once",
                                (unsigned long long)c);
            in[c] = 1;
        }
        if (*p == '\0')
            return 0;
        if (*p != ',')
            return sim_errf(e, KEY ": '%.64s': unexpected character at character %zu; "
                               "expected core indices and ranges separated by commas, like "
                               "0-7,12", spec, (size_t)(p - spec) + 1);
        p = skip_blanks(p + 1);
    }
}

/* The cores free of dedicated vCPUs, as "2-3,6" (or "none"), into buf. */
static const char *free_cores(const unsigned char *busy, unsigned ncores, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (unsigned c = 0; c < ncores; c++) {
        if (busy[c] || (c > 0 && !busy[c - 1]))
            continue;
        unsigned hi = c;
        while (hi + 1 < ncores && !busy[hi + 1])
            hi++;
        int w = hi > c ? snprintf(buf + n, cap - n, "%s%u-%u", n ? "," : "", c, hi)
                       : snprintf(buf + n, cap - n, "%s%u", n ? "," : "", c);
        if (w < 0 || (size_t)w >= cap - n)
            break; /* truncated: the message says as much as fits */
        n += (size_t)w;
    }
    if (!n)
        snprintf(buf, cap, "none");
    return buf;
}

/* "LPAR <name>'s dedicated vCPU <i>" on thread t, into buf. */
static const char *dedicated_name(const dispatch *d, unsigned t, char *buf, size_t cap)
{
    const cpu_binding *b = &d->h->env.threads[t].own.b;
    if (b->lpid < d->h->nlpars)
        snprintf(buf, cap, "LPAR %s's dedicated vCPU %u", hyp_lpar_name(d->h, b->lpid), b->vcpu);
    else
        snprintf(buf, cap, "a dedicated vCPU");
    return buf;
}

int dispatch_build_pool(dispatch *d, sim_err *e)
{
    const hyp_env *env = &d->h->env;
    unsigned tpc = env->threads_per_core, ncores = env->nthreads / tpc;
    d->pool = calloc(ncores ? ncores : 1, sizeof *d->pool);
    unsigned char *busy = calloc(ncores ? ncores : 1, 1), *in = calloc(ncores ? ncores : 1, 1);
    if (!d->pool || !busy || !in) {
        free(busy), free(in);
        return sim_errf(e, "out of host memory");
    }
    for (unsigned c = 0; c < ncores; c++)
        for (unsigned k = 0; k < tpc; k++)
            busy[c] |= env->threads[c * tpc + k].bound;
    bool explicit = d->pool_spec && !is_blank(d->pool_spec);
    int rc = 0;
    if (explicit && (rc = parse_pool(d->pool_spec, ncores, in, e)) == 0) {
        for (unsigned c = 0; c < ncores && rc == 0; c++) {
            if (!in[c] || !busy[c])
                continue;
            unsigned t = c * tpc;
            while (!env->threads[t].bound)
                t++;
            char who[128], ok[256];
            rc = sim_errf(e, KEY ": core %u runs %s (thread %u); expected cores none of whose "
                             "threads a dedicated vCPU names: %s",
                          c, dedicated_name(d, t, who, sizeof who), t,
                          free_cores(busy, ncores, ok, sizeof ok));
        }
    }
    for (unsigned c = 0; c < ncores && rc == 0; c++)
        if (explicit ? in[c] : !busy[c])
            d->pool[d->npool++] = (dcore){c, -1, -1, 0, 0, false};
    free(busy);
    free(in);
    return rc;
}

static bool core_on_home(const dispatch *d, unsigned k, const unsigned *homes, unsigned nh)
{
    unsigned node = hyp_thread_node(d->h, d->pool[k].core * d->h->env.threads_per_core);
    for (unsigned j = 0; j < nh; j++)
        if (homes[j] == node)
            return true;
    return false;
}

int dispatch_home_core(const dispatch *d, const dvp *vp)
{
    const unsigned *homes;
    unsigned nh = hyp_lpar_home_nodes(d->h, d->lp[vp->lp].lpid, &homes);
    if (!nh)
        return -1;
    if (vp->last_core >= 0 && d->pool[vp->last_core].vp < 0 &&
        core_on_home(d, (unsigned)vp->last_core, homes, nh))
        return vp->last_core;
    for (unsigned k = 0; k < d->npool; k++)
        if (d->pool[k].vp < 0 && core_on_home(d, k, homes, nh))
            return (int)k;
    return -1;
}
