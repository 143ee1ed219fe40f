/*
 * err.h - user-error reporting for the lparsim library.
 *
 * The library never exits. A function that can fail on user input (a config,
 * a trace, a command-line value) takes a `sim_err *` and returns -1 after
 * filling it with one line: "FILE:LINE: what was wrong; expected ...".
 * Programming errors are assert()s, not sim_errs.
 *
 * Checks: assert() is the invariant check. Release builds define NDEBUG,
 * so it costs nothing there; the sanitized build (LPARSIM_SANITIZE=ON, the
 * build scripts/test.sh runs the suite in) drops NDEBUG whatever the build
 * type, so every assert runs under the whole test suite. Consequently an
 * assert must have no side effect, and must never guard a state that input
 * (a config, a trace, a command-line value, an hcall a trace issues) can
 * reach: that is a sim_err, since a release build would go on past it.
 */
#ifndef LPARSIM_CORE_ERR_H
#define LPARSIM_CORE_ERR_H

#include <stdarg.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SIM_ERR_MAX 1024

typedef struct sim_err {
    char msg[SIM_ERR_MAX]; /* one line, no trailing newline; "" when clear */
} sim_err;

/* Format the message into e (if e is not NULL). Always returns -1 so callers
 * can write `return sim_errf(e, ...)`. */
int sim_errf(sim_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefix an existing message: "PREFIX: old message". Returns -1. */
int sim_err_prefix(sim_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* An auditor's first violation: unless *latched, format the message into
 * e and set *latched; a later one leaves the first. Returns -1. */
int sim_err_vlatch(sim_err *e, bool *latched, const char *fmt, va_list ap);

static inline void sim_err_clear(sim_err *e) { if (e) e->msg[0] = '\0'; }

#ifdef __cplusplus
}
#endif
#endif
