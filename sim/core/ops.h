/*
 * ops.h - per-operation cycle accounting.
 *
 * Every hypervisor operation, hcall, page fault and TLB miss produces one
 * op_rec: start, end and a breakdown of end-start into named parts
 * (compute, memory, tlb, queueing, ... declared per op type). The registry
 * keeps, per op type, count/total and a histogram (min/mean/p50/p90/p99/max)
 * and the summed breakdown. Invariant (asserted): the parts of a record sum
 * to end - start.
 */
#ifndef LPARSIM_CORE_OPS_H
#define LPARSIM_CORE_OPS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hist.h"
#include "jtree.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OP_MAX_PARTS 8

typedef struct op_rec {
    uint64_t start, end;
    uint64_t part[OP_MAX_PARTS];
} op_rec;

typedef struct op_type {
    char *name;                       /* "hcall.H_ENTER" */
    char *desc;
    char *part_name[OP_MAX_PARTS];
    unsigned nparts;
    uint64_t count, total;
    uint64_t part_total[OP_MAX_PARTS];
    hist h;
    bool if_used;                     /* reported only once recorded (ops_report_if_used) */
} op_type;

typedef struct ops_reg ops_reg;
typedef unsigned op_id;

ops_reg *ops_create(void);
void ops_destroy(ops_reg *r);

/* Returned by ops_declare when it refuses a declaration. */
#define OP_INVALID ((op_id)-1)

/* Declare an op type. parts is a comma-separated list of 1 to OP_MAX_PARTS
 * distinct, non-empty part names ("compute,memory,tlb,queueing"); desc NULL
 * is "". Declaring an existing name again returns its id if parts and desc
 * are the same. Returns OP_INVALID (and declares nothing) when the name
 * exists with other parts or another description, when parts is not such a
 * list, or when out of host memory: the caller must check, each of these is
 * a programming error in the declaring component (or no memory). */
op_id ops_declare(ops_reg *r, const char *name, const char *desc, const char *parts);

/* An op of an event a run may never see (an interrupt, a newer hcall):
 * ops_to_json leaves it out until it has been recorded once, so the report
 * of a run without it stays exactly as it was. */
void ops_report_if_used(ops_reg *r, op_id id);

/* Index of a part name within an op type; asserts that it exists. */
unsigned ops_part(const ops_reg *r, op_id id, const char *part);

static inline void op_begin(op_rec *o, uint64_t now)
{
    o->start = o->end = now;
    for (int i = 0; i < OP_MAX_PARTS; i++)
        o->part[i] = 0;
}

/* Charge `cycles` to part p and advance the record's end. */
static inline void op_charge(op_rec *o, unsigned p, uint64_t cycles)
{
    o->part[p] += cycles;
    o->end += cycles;
}

void ops_record(ops_reg *r, op_id id, const op_rec *o);

const op_type *ops_get(const ops_reg *r, op_id id);
/* NULL if no such op type. */
const op_type *ops_find(const ops_reg *r, const char *name);
unsigned ops_count(const ops_reg *r);

/* ops.<name>.{count,total,min,mean,p50,p90,p99,max,breakdown.<part>}
 * (breakdown values are total cycles per part over all ops of the type).
 * Op types with count 0 are written with zeros, except those marked
 * ops_report_if_used (left out). */
void ops_to_json(const ops_reg *r, jtree *j);

/* Forget every op recorded so far (counts, totals, histograms, part
 * totals); the declarations stay (run.warmup_records). */
void ops_reset(ops_reg *r);

/* A copy of every op type's figures at one moment (regions of interest):
 * ops_snap_delta_json writes, under "<prefix>.ops.<name>", the figures of
 * the ops recorded since, in ops_to_json's layout (min and max at the
 * histogram's bucket resolution, hist_sub). NULL / -1 when out of memory. */
typedef struct ops_snap ops_snap;
ops_snap *ops_snap_take(const ops_reg *r);
void ops_snap_free(ops_snap *s);
int ops_snap_delta_json(const ops_reg *r, const ops_snap *s, jtree *j, const char *prefix);

/* Human-readable table, one row per op type with count > 0. */
void ops_print_table(const ops_reg *r, FILE *f);

#ifdef __cplusplus
}
#endif
#endif
