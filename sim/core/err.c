/* err.c - formatting of user-error messages (see err.h). */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int sim_errf(sim_err *e, const char *fmt, ...)
{
    if (!e)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    /* keep it one line */
    for (char *p = e->msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return -1;
}

int sim_err_prefix(sim_err *e, const char *fmt, ...)
{
    if (!e)
        return -1;
    char pre[SIM_ERR_MAX], old[SIM_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    size_t n = strnlen(pre, sizeof e->msg - 3);
    memcpy(e->msg, pre, n);
    e->msg[n++] = ':';
    e->msg[n++] = ' ';
    size_t m = strnlen(old, sizeof e->msg - n - 1);
    memcpy(e->msg + n, old, m);
    e->msg[n + m] = '\0';
    return -1;
}

int sim_err_vlatch(sim_err *e, bool *latched, const char *fmt, va_list ap)
{
    if (*latched)
        return -1;
    *latched = true;
    if (e)
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    return -1;
}
