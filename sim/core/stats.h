/*
 * stats.h - statistics declared once, as plain struct fields.
 *
 * A component keeps its counters (uint64_t) and histograms (hist) as fields
 * of an ordinary struct that the hot path increments directly. One
 * stat_table names each field with unit and description; derived figures
 * (rates, ratios) are functions evaluated at dump time. An instance is
 * registered in the machine's stats_reg under a prefix ("tlb.thread3");
 * dumping writes "<prefix>.<name>" into a jtree.
 * Invariant: registered bases outlive the registry (or are unregistered by
 * destroying the registry first).
 */
#ifndef LPARSIM_CORE_STATS_H
#define LPARSIM_CORE_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hist.h"
#include "jtree.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum stat_kind {
    SK_COUNTER, /* uint64_t field at offset */
    SK_HIST,    /* hist field at offset: dumped as {count,min,mean,p50,p90,p99,max} */
    SK_DERIVED, /* double derive(base) */
} stat_kind;

typedef struct stat_desc {
    const char *name;
    stat_kind kind;
    const char *unit;
    const char *desc;
    size_t offset;                         /* SK_COUNTER, SK_HIST */
    double (*derive)(const void *base);    /* SK_DERIVED */
} stat_desc;

typedef struct stat_table {
    const char *name; /* component, e.g. "tlb" */
    const stat_desc *s;
    size_t n;
} stat_table;

typedef struct stats_reg stats_reg;

stats_reg *stats_create(void);
void stats_destroy(stats_reg *r);

/* Register one instance. prefix is copied. Returns 0 or -1 (allocation). */
int stats_register(stats_reg *r, const char *prefix, const stat_table *t,
                   const void *base);
/* The same for statistics of an event a run may never see (interrupts):
 * the instance is dumped only once it has counted something (a counter
 * non-zero or a histogram sample), so the report of a run without that
 * event stays exactly as it was. stats_get_counter finds it either way. */
int stats_register_if_used(stats_reg *r, const char *prefix, const stat_table *t,
                           const void *base);

/* Write every registered stat into j, in registration order (an
 * instance registered with stats_register_if_used only once used). */
void stats_to_json(const stats_reg *r, jtree *j);

/* Zero every counter and empty every histogram of every registered
 * instance (run.warmup_records: the figures start again after the warm-up).
 * Derived figures follow. Registered bases must be writable objects. */
void stats_reset(stats_reg *r);

/* A copy of every registered counter and histogram at one moment, so that
 * what was counted since can be reported (regions of interest) without
 * resetting anything. */
typedef struct stats_snap stats_snap;
/* NULL when out of host memory. */
stats_snap *stats_snap_take(const stats_reg *r);
void stats_snap_free(stats_snap *s);
/* Write "<prefix>.<instance>.<name>" = value now - value at s for every
 * counter and histogram (hist_sub) of the instances registered then;
 * derived figures are left out. -1 on allocation failure. */
int stats_snap_delta_json(const stats_reg *r, const stats_snap *s, jtree *j, const char *prefix);

/* Print the declarations (name, unit, description) of a table, for docs. */
void stat_table_print(FILE *f, const stat_table *t, const char *prefix);

/* Read a counter by full name ("tlb.thread3.hits"); -1 if not found. */
int stats_get_counter(const stats_reg *r, const char *name, uint64_t *out);

/* Write a histogram's summary under path (used by stats and ops). */
void hist_to_json(const hist *h, jtree *j, const char *path);

#ifdef __cplusplus
}
#endif
#endif
