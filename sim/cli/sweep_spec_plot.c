/*
 * sweep_spec_plot.c - the `plots:` list of a sweep file. Each plot has a
 * unique [A-Za-z0-9_-] name, an optional group that exists, x naming a
 * varied parameter or a metric, y naming a metric, optional lines naming a
 * varied parameter other than x (both varied in the plot's group when one
 * is given), logx/logy booleans and optional title/xlabel/ylabel.
 */
#include "sweep_spec_int.h"

#include <libfyaml.h>
#include <stdlib.h>
#include <string.h>

static bool group_varies(const sweep_group *g, const char *path)
{
    for (size_t i = 0; i < g->ndims; i++)
        if (!strcmp(g->dims[i].path, path))
            return true;
    return false;
}

/* A string key of a plot: *dst = heap text, *line = its line. */
static int str_key(const sweep_parser *P, struct fy_node *v, int kl, const char *k, char **dst,
                   int *line)
{
    sweep_val x = {0};
    if (sweep_scalar(P, v, kl, k, "a value", &x) != 0)
        return -1;
    free(*dst);
    *dst = x.text;
    if (line)
        *line = x.line;
    return 0;
}

/* Cross-checks of one plot against the groups, parameters and metrics. */
static int check_plot(const sweep_parser *P, const sweep_spec *s, const sweep_plot *p, int xl,
                      int yl, int ll, int gl)
{
    const sweep_group *g = NULL;
    if (p->group) {
        long gi = sweep_spec_group(s, p->group);
        if (gi < 0)
            return sweep_perr(P, gl, "group: no group '%s'; expected one of the sweep's groups",
                              p->group);
        g = &s->groups[gi];
    }
    if (!p->x)
        return sweep_perr(P, p->line, "plot '%s' has no x; expected x: PARAMETER or METRIC",
                          p->name);
    if (!p->y)
        return sweep_perr(P, p->line, "plot '%s' has no y; expected y: METRIC", p->name);
    bool xparam = sweep_spec_is_param(s, p->x);
    if (!xparam && !sweep_spec_is_metric(s, p->x))
        return sweep_perr(P, xl, "x: '%s' is neither a varied parameter nor a metric; expected "
                          "a path under grid:/zip: or metrics:", p->x);
    if (xparam && g && !group_varies(g, p->x))
        return sweep_perr(P, xl, "x: '%s' is not varied in group '%s'; expected one of its "
                          "grid/zip paths", p->x, g->name);
    if (!sweep_spec_is_metric(s, p->y))
        return sweep_perr(P, yl, "y: '%s' is not a metric; expected a path listed under "
                          "metrics:", p->y);
    if (p->lines) {
        if (!sweep_spec_is_param(s, p->lines))
            return sweep_perr(P, ll, "lines: '%s' is not a varied parameter; expected a path "
                              "under grid:/zip:", p->lines);
        if (g && !group_varies(g, p->lines))
            return sweep_perr(P, ll, "lines: '%s' is not varied in group '%s'; expected one of "
                              "its grid/zip paths", p->lines, g->name);
        if (!strcmp(p->lines, p->x))
            return sweep_perr(P, ll, "lines: same path as x; expected another parameter");
    }
    return 0;
}

static int load_plot(const sweep_parser *P, sweep_spec *s, struct fy_node *m, int line)
{
    sweep_plot *p = &s->plots[s->nplots++];
    p->line = line;
    int xl = line, yl = line, ll = line, gl = line, nl = line;
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(m, &it)) != NULL) {
        int kl, rc;
        const char *k = sweep_key(P, pr, &kl);
        if (!k)
            return -1;
        struct fy_node *v = fy_node_pair_value(pr);
        if (!strcmp(k, "name"))
            rc = str_key(P, v, kl, k, &p->name, &nl);
        else if (!strcmp(k, "group"))
            rc = str_key(P, v, kl, k, &p->group, &gl);
        else if (!strcmp(k, "x"))
            rc = str_key(P, v, kl, k, &p->x, &xl);
        else if (!strcmp(k, "y"))
            rc = str_key(P, v, kl, k, &p->y, &yl);
        else if (!strcmp(k, "lines"))
            rc = str_key(P, v, kl, k, &p->lines, &ll);
        else if (!strcmp(k, "title"))
            rc = str_key(P, v, kl, k, &p->title, NULL);
        else if (!strcmp(k, "xlabel"))
            rc = str_key(P, v, kl, k, &p->xlabel, NULL);
        else if (!strcmp(k, "ylabel"))
            rc = str_key(P, v, kl, k, &p->ylabel, NULL);
        else if (!strcmp(k, "logx"))
            rc = sweep_bool(P, v, kl, k, &p->logx);
        else if (!strcmp(k, "logy"))
            rc = sweep_bool(P, v, kl, k, &p->logy);
        else
            rc = sweep_perr(P, kl, "plots: unknown key '%s'; expected name, group, x, y, lines, "
                            "logx, logy, title, xlabel or ylabel", k);
        if (rc)
            return -1;
    }
    if (!p->name)
        return sweep_perr(P, line, "plots: a plot without 'name'; expected name: WORD");
    if (!sweep_word_ok(p->name))
        return sweep_perr(P, nl, "name: '%s'; expected letters, digits, '_' and '-' only",
                          p->name);
    for (size_t i = 0; i + 1 < s->nplots; i++)
        if (!strcmp(s->plots[i].name, p->name))
            return sweep_perr(P, nl, "name: plot '%s' given twice (line %d); expected unique "
                              "names", p->name, s->plots[i].line);
    return check_plot(P, s, p, xl, yl, ll, gl);
}

int sweep_load_plots(const sweep_parser *P, sweep_spec *s, struct fy_node *n, int kline)
{
    static const char what[] = "name, x, y, ...";
    size_t count = sweep_mapping_list(P, n, kline, "plots", what);
    if (!count)
        return -1;
    s->plots = calloc(count, sizeof *s->plots);
    if (!s->plots)
        return sweep_perr(P, kline, "out of memory");
    void *it = NULL;
    struct fy_node *item;
    int line, more;
    while ((more = sweep_next_mapping(P, n, &it, kline, "plots", what, &item, &line)) > 0)
        if (load_plot(P, s, item, line) != 0)
            return -1;
    return more;
}
