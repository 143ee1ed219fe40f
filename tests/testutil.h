/*
 * testutil.h - helpers shared by the Check test programs: run the lparsim
 * binary and capture its output and exit status, find source-tree data,
 * make scratch directories, read and write small files.
 */
#ifndef LPARSIM_TESTUTIL_H
#define LPARSIM_TESTUTIL_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tu_run {
    int status;      /* exit code, or 128+signal if killed */
    char *out;       /* captured stdout (NUL-terminated, heap) */
    char *err;       /* captured stderr */
} tu_run;

/* Run $LPARSIM_BIN with argv (NULL-terminated, without argv[0]) in the
 * source tree ($LPARSIM_SRC) as working directory. */
tu_run tu_lparsim(const char *const *argv);
void tu_run_free(tu_run *r);

/* Path of a file in the source tree: tu_src("tests/data/x.trc"). Static
 * buffer rotation (8 slots). */
const char *tu_src(const char *rel);
/* A fresh scratch directory for this test binary ($LPARSIM_TMP/<name>),
 * created (emptied) on demand; returns "<dir>/<file>" (8 slots). */
const char *tu_tmp(const char *file);

/* Read a whole file (heap, NUL-terminated), NULL if missing. */
char *tu_read_file(const char *path, size_t *len);
/* Value of `key` in a "path,value" CSV report (lparsim --csv); aborts the
 * test if the key is missing. */
double tu_csv_get(const char *csv, const char *key);
int tu_write_file(const char *path, const char *text);
/* Write yaml to the scratch file `name`, run it (lparsim run -q --csv
 * csv_name; the test fails unless it succeeds) and return the CSV (heap). */
char *tu_run_yaml(const char *name, const char *yaml, const char *csv_name);
/* Run yaml (as bad.yaml): the test fails unless lparsim exits 1 with an
 * error containing `want`, located at bad.yaml:LINE, on one line. */
void tu_refused(const char *yaml, const char *want);
/* tu_refused on a one-module machine of `cores` SMT2 cores with the
 * coherency feature on plus `coh` (lines indented under
 * hypervisor.coherency, so they start at line 6) and one LPAR replaying a
 * one-load trace (scratch one.txt). */
void tu_coherency_refused(unsigned cores, const char *coh, const char *want);
/* A text trace (scratch file busy.txt) of 2000 loads spread over 64 MiB,
 * each after an instruction: a vCPU replaying it with repeat is always
 * busy. Returns its path (static). */
const char *tu_busy_trace(void);
/* Write text to the scratch file `name` (the test fails if it cannot). */
void tu_write_tmp(const char *name, const char *text);
/* lparsim run cfg -q --csv|--json out [--set S]... (sets: NULL-terminated,
 * or NULL). */
tu_run tu_run_config(const char *cfg, const char *const *sets, const char *out, bool json);
/* The same, into the scratch file out_name; the test fails unless it
 * succeeds. Returns the report (heap). */
char *tu_run_config_ok(const char *cfg, const char *const *sets, const char *out_name, bool json);

/* Run a suite in fork mode (crash isolation), print Check's summary and
 * return the process exit status (0 when every test passed). */
int tu_run_suite(Suite *s);

/* Remove, in place, the lines of a JSON report that carry host-time figures
 * ("host_seconds", "records_per_host_second"); returns s. */
char *tu_strip_host(char *s);

#ifdef __cplusplus
}
#endif
#endif
