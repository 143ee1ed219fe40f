/*
 * cli.h - shared pieces of the lparsim command line: each command is a
 * function taking its own argv (after the command word) and returning the
 * process exit status (0 ok, 1 run-time/user error, 2 usage error).
 * Errors are printed as one line "lparsim: <message>" on stderr.
 */
#ifndef LPARSIM_CLI_H
#define LPARSIM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "core/jtree.h"

int cmd_run(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_dram(int argc, char **argv);
int cmd_disk(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_trace_mark(int argc, char **argv); /* cmd_trace_mark.c */
int cmd_trace_hcheck(int argc, char **argv); /* cmd_trace_hcheck.c */
int cmd_params(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
/* `lparsim run` of a platform file (cmd_platform.c). */
int cmd_run_platform(const char *path, const char *const *sets, unsigned nsets,
                     const char *json, const char *csv, bool quiet);

/* Print "lparsim: msg" and return 1. */
int cli_fail(const sim_err *e);
/* Print "lparsim: usage: ..." style error and return 2. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Write a JSON tree / CSV of its leaves to path through core/outfile.h
 * (atomic replacement of a regular file, links followed, devices written in
 * place, every write checked). Returns 0 or -1 with e set. */
int cli_write_json(const jtree *j, const char *path, sim_err *e);
int cli_write_csv(const jtree *j, const char *path, sim_err *e);

/* Before any long work: every non-NULL output path could be written
 * (outfile_check: not a directory, its directory exists and is writable)
 * and is none of the inputs (same device and inode). Returns 0, or 1 after
 * printing the error. */
int cli_check_outputs(const char *const *outs, size_t nout, const char *const *ins, size_t nin);

/* Numeric option values, parsed as config values are (param_parse_value:
 * decimal or 0x-hex integers, plain decimal numbers, nothing else) and
 * range checked. Return 0 with *out set, or 2 after printing "OPT: value V
 * out of range; expected ..." or "OPT: expected ..., got 'V'". */
int cli_parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out);
int cli_parse_double(const char *opt, const char *s, double min, double max, double *out);

/* Monotonic host time in seconds. */
double cli_now(void);

/* True if stderr is a terminal (progress lines go there). */
bool cli_progress_wanted(void);

/* Option value helper: if argv[*i] is opt, take the next argument into *val
 * (error if missing). Supports "--opt=value" too. Returns 1 if matched,
 * 0 if not, -1 on a missing value (usage error printed). */
int cli_opt(int argc, char **argv, int *i, const char *opt, const char **val);
/* --set KEY=VALUE of a command that runs one component only: KEY must start
 * with `prefix` (e.g. "dram."; any other key would be silently ignored);
 * appended to sets (at most 64). As cli_opt: 0 (another option), 1 (taken)
 * or -1 (usage printed). */
int cli_opt_set(int argc, char **argv, int *i, const char *prefix, const char *cmd,
                const char **sets, int *nsets);

#endif
