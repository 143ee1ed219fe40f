/*
 * sweep_points.c - expanding a sweep_spec into points, validating each
 * point's assignments the way `lparsim run` loads them (the point's base
 * config - its group's own or the top-level one - then the --set list in
 * order), and the DIR/points.tsv form of the points.
 * Order: groups in file order; inside a group the grid keys as an odometer
 * (first key slowest) with the zip position fastest; then seeds. A point's
 * --set list: the top-level `set:` overrides its group's `set:` does not
 * override, the group's `set:`, its grid and zip values, then machine.seed
 * when `seeds:` is given.
 */
#include "sweep.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine/machine.h"

static int oom(sim_err *e)
{
    return sim_errf(e, "out of memory");
}

static char *kv(const char *path, const char *value)
{
    size_t n = strlen(path) + strlen(value) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s=%s", path, value);
    return s;
}

static void point_free(sweep_point *p)
{
    free(p->id);
    free(p->seed);
    for (size_t i = 0; i < p->nsets; i++)
        free(p->sets[i]);
    free(p->sets);
    free(p->lines);
}

void sweep_points_free(sweep_points *pts)
{
    if (!pts)
        return;
    for (size_t i = 0; i < pts->n; i++)
        point_free(&pts->p[i]);
    free(pts->p);
    pts->p = NULL;
    pts->n = 0;
}

/* Add one "path=value" to p. */
static int add_set(sweep_point *p, const char *path, const char *value, int line)
{
    char *a = kv(path, value);
    if (!a)
        return -1;
    p->sets[p->nsets] = a;
    p->lines[p->nsets++] = line;
    return 0;
}

/* Load base + sets as `lparsim run` would; on error rewrite the message to
 * point at the sweep file. *seed receives machine.seed. */
static int validate(const sweep_spec *s, const char *base, const char *const *sets,
                    const int *lines, size_t n, const char *what, int what_line, uint64_t *seed,
                    sim_err *e)
{
    machine_config c;
    sim_err le;
    sim_err_clear(&le);
    int rc = machine_config_init(&c, &le);
    if (rc == 0)
        rc = machine_config_load(&c, base, sets, (unsigned)n, NULL, &le);
    if (rc == 0)
        *seed = c.machine.seed;
    machine_config_free(&c);
    if (rc == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(sets[i]);
        if (!strncmp(le.msg, "--set ", 6) && !strncmp(le.msg + 6, sets[i], l) &&
            !strncmp(le.msg + 6 + l, ": ", 2))
            return sim_errf(e, "%s:%d: %s: %s", s->file, lines[i], sets[i], le.msg + 8 + l);
    }
    return sim_errf(e, "%s:%d: %s: %s", s->file, what_line, what, le.msg);
}

/* Add group g's fixed overrides to p: the top-level set: entries its own
 * set: does not override, then its own set:. */
static int add_fixed(const sweep_spec *s, size_t g, sweep_point *p)
{
    const sweep_group *gr = &s->groups[g];
    for (size_t i = 0; i < s->nsets; i++) {
        bool over = false;
        for (size_t j = 0; j < gr->nsets && !over; j++)
            over = !strcmp(gr->sets[j].path, s->sets[i].path);
        if (!over && add_set(p, s->sets[i].path, s->sets[i].value, s->sets[i].line) != 0)
            return -1;
    }
    for (size_t j = 0; j < gr->nsets; j++)
        if (add_set(p, gr->sets[j].path, gr->sets[j].value, gr->sets[j].line) != 0)
            return -1;
    return 0;
}

/* Fill point p: group g, combination c, seed index k (or none). */
static int make_point(const sweep_spec *s, size_t g, size_t c, long k, sweep_point *p,
                      sim_err *e)
{
    const sweep_group *gr = &s->groups[g];
    size_t cap = s->nsets + gr->nsets + gr->ndims + 1;
    p->group = g;
    p->sets = calloc(cap, sizeof *p->sets);
    p->lines = calloc(cap, sizeof *p->lines);
    if (!p->sets || !p->lines)
        return oom(e);
    if (add_fixed(s, g, p) != 0)
        return oom(e);
    /* index of each dimension: zip fastest, then grid keys last-to-first */
    size_t *idx = calloc(gr->ndims + 1, sizeof *idx);
    if (!idx)
        return oom(e);
    size_t rest = c, zlen = 0;
    for (size_t i = 0; i < gr->ndims; i++)
        if (gr->dims[i].zip)
            zlen = gr->dims[i].n;
    size_t zpos = zlen ? rest % zlen : 0;
    if (zlen)
        rest /= zlen;
    for (size_t i = gr->ndims; i-- > 0;)
        if (gr->dims[i].zip) {
            idx[i] = zpos;
        } else {
            idx[i] = rest % gr->dims[i].n;
            rest /= gr->dims[i].n;
        }
    int bad = 0;
    for (size_t i = 0; i < gr->ndims && !bad; i++) {
        const sweep_val *v = &gr->dims[i].v[idx[i]];
        bad = add_set(p, gr->dims[i].path, v->text, v->line);
    }
    free(idx);
    if (bad || (k >= 0 && add_set(p, "machine.seed", s->seeds[k].text, s->seeds[k].line)))
        return oom(e);
    if (p->nsets > SWEEP_MAX_SETS)
        return sim_errf(e, "%s:%d: group '%s': a point has %zu assignments; expected at most "
                        "%d (lparsim run's --set limit)", s->file, gr->line, gr->name, p->nsets,
                        SWEEP_MAX_SETS);
    char what[64];
    snprintf(what, sizeof what, "point %zu of group '%.20s'", c, gr->name);
    uint64_t seed = 0;
    if (validate(s, sweep_group_base(s, g), (const char *const *)p->sets, p->lines, p->nsets,
                 what, gr->line, &seed, e) != 0)
        return -1;
    char sb[24];
    snprintf(sb, sizeof sb, "%" PRIu64, seed);
    p->seed = strdup(k >= 0 ? s->seeds[k].text : sb);
    size_t n = strlen(gr->name) + strlen(sb) + 40;
    if (!p->seed || !(p->id = malloc(n)))
        return oom(e);
    snprintf(p->id, n, "%s-%04zu-s%s", gr->name, c, p->seed);
    return 0;
}

/* Validate a base with its fixed overrides (group g's, or with g < 0 the
 * top-level ones): their errors once, not per point. */
static int validate_fixed(const sweep_spec *s, long g, sim_err *e)
{
    const sweep_group *gr = g >= 0 ? &s->groups[g] : NULL;
    size_t cap = s->nsets + (gr ? gr->nsets : 0) + 1;
    sweep_point p = {0};
    p.sets = calloc(cap, sizeof *p.sets);
    p.lines = calloc(cap, sizeof *p.lines);
    int rc = p.sets && p.lines ? 0 : oom(e);
    for (size_t i = 0; !gr && !rc && i < s->nsets; i++)
        if (add_set(&p, s->sets[i].path, s->sets[i].value, s->sets[i].line) != 0)
            rc = oom(e);
    if (gr && !rc && add_fixed(s, (size_t)g, &p) != 0)
        rc = oom(e);
    char what[64] = "base";
    if (gr)
        snprintf(what, sizeof what, "group '%.20s' base", gr->name);
    uint64_t seed;
    if (!rc)
        rc = validate(s, gr ? sweep_group_base(s, (size_t)g) : s->base,
                      (const char *const *)p.sets, p.lines, p.nsets, what,
                      gr ? sweep_group_base_line(s, (size_t)g) : s->base_line, &seed, e);
    point_free(&p);
    return rc;
}

int sweep_points_expand(const sweep_spec *s, sweep_points *pts, sim_err *e)
{
    pts->p = NULL;
    pts->n = 0;
    if (s->base && validate_fixed(s, -1, e) != 0)
        return -1;
    for (size_t g = 0; g < s->ngroups; g++)
        if ((s->groups[g].base || s->groups[g].nsets) && validate_fixed(s, (long)g, e) != 0)
            return -1;
    size_t total = 0, per = s->nseeds ? s->nseeds : 1;
    for (size_t g = 0; g < s->ngroups; g++)
        total += s->groups[g].ncombos * per;
    if (!(pts->p = calloc(total, sizeof *pts->p)))
        return oom(e);
    for (size_t g = 0; g < s->ngroups; g++)
        for (size_t c = 0; c < s->groups[g].ncombos; c++)
            for (size_t k = 0; k < per; k++) {
                sweep_point *p = &pts->p[pts->n++];
                /* ids are unique: "-NNNN-sSEED" parses back from the right */
                if (make_point(s, g, c, s->nseeds ? (long)k : -1, p, e) != 0)
                    return -1;
            }
    return 0;
}

char *sweep_points_tsv(const sweep_points *pts)
{
    sweep_buf b = {0};
    for (size_t i = 0; i < pts->n; i++) {
        sweep_buf_add(&b, "%s", pts->p[i].id);
        for (size_t k = 0; k < pts->p[i].nsets; k++)
            sweep_buf_add(&b, "\t%s", pts->p[i].sets[k]);
        sweep_buf_add(&b, "\n");
    }
    if (b.oom || !b.s) {
        sweep_buf_free(&b);
        return b.oom ? NULL : strdup("");
    }
    return b.s;
}

/* One points.tsv line into p. */
static int parse_line(const sweep_spec *s, char *line, const char *file, int ln, sweep_point *p,
                      sim_err *e)
{
    size_t nf = 1;
    for (char *c = line; *c; c++)
        nf += *c == '\t';
    p->sets = calloc(nf, sizeof *p->sets);
    p->lines = calloc(nf, sizeof *p->lines);
    if (!p->sets || !p->lines)
        return oom(e);
    char *save = NULL, *f = strtok_r(line, "\t", &save);
    if (!f || !(p->id = strdup(f)))
        return sim_errf(e, "%s:%d: empty line; expected POINT-ID<TAB>ASSIGNMENTS", file, ln);
    while ((f = strtok_r(NULL, "\t", &save)) != NULL)
        if (!(p->sets[p->nsets++] = strdup(f)))
            return oom(e);
    /* <group>-<index>-s<seed> */
    char *s_at = strrchr(p->id, '-');
    char *dash = s_at && s_at > p->id ? memrchr(p->id, '-', (size_t)(s_at - p->id)) : NULL;
    if (!dash || s_at[1] != 's' || !s_at[2] || dash == p->id)
        return sim_errf(e, "%s:%d: point id '%s'; expected GROUP-NNNN-sSEED", file, ln, p->id);
    char *gname = strndup(p->id, (size_t)(dash - p->id));
    if (!gname || !(p->seed = strdup(s_at + 2))) {
        free(gname);
        return oom(e);
    }
    long g = sweep_spec_group(s, gname);
    free(gname);
    if (g < 0)
        return sim_errf(e, "%s:%d: point %s: its group is not in %s; expected the sweep that "
                        "made this directory", file, ln, p->id, s->file);
    p->group = (size_t)g;
    return 0;
}

int sweep_points_parse_tsv(const sweep_spec *s, const char *text, const char *file,
                           sweep_points *pts, sim_err *e)
{
    pts->p = NULL;
    pts->n = 0;
    size_t nl = 0;
    for (const char *c = text; *c; c++)
        nl += *c == '\n';
    char *copy = strdup(text);
    if (!copy || !(pts->p = calloc(nl + 1, sizeof *pts->p))) {
        free(copy);
        return oom(e);
    }
    int ln = 0, rc = 0;
    for (char *line = copy, *next; line && *line && !rc; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        ln++;
        rc = parse_line(s, line, file, ln, &pts->p[pts->n++], e);
    }
    free(copy);
    return rc;
}

long sweep_points_find(const sweep_points *pts, const char *id)
{
    for (size_t i = 0; i < pts->n; i++)
        if (!strcmp(pts->p[i].id, id))
            return (long)i;
    return -1;
}

const char *sweep_point_value(const sweep_spec *s, const sweep_point *p, const char *path)
{
    const sweep_group *g = &s->groups[p->group];
    bool varied = false;
    for (size_t i = 0; i < g->ndims && !varied; i++)
        varied = !strcmp(g->dims[i].path, path);
    if (!varied)
        return NULL;
    size_t l = strlen(path);
    for (size_t i = p->nsets; i-- > 0;)
        if (!strncmp(p->sets[i], path, l) && p->sets[i][l] == '=')
            return p->sets[i] + l + 1;
    return NULL;
}
