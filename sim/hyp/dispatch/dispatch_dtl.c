/*
 * dispatch_dtl.c - the dispatch trace log (hypervisor.dispatch.dtl): one
 * CSV row per shared vCPU put on a hardware thread, with the fields of
 * Linux's struct dtl_entry (arch/powerpc/include/asm/lppaca.h), so a run
 * can be compared with a real shared LPAR's /sys/kernel/debug/powerpc/dtl.
 *
 * Columns: cycle, lpar, vcpu (lparsim's), then dispatch_reason,
 * preempt_reason, processor_id, enqueue_to_dispatch_time,
 * ready_to_enqueue_time, waiting_to_ready_time, timebase, fault_addr,
 * srr0, srr1. Times are timebase ticks (512 MHz, the POWER timebase):
 * cycles x 512 / freq_mhz, rounded down. The reasons are lparsim's names
 * (not PAPR's numeric codes): dispatch entitled | uncapped (a virtual
 * processor put on a core on entitled or unused capacity) | prod |
 * interrupt | timer (a ceded vCPU woken); preempt (why the vCPU last left
 * a thread) none | cede | block | slice | confer. enqueue_to_dispatch_time
 * is its VP's wait for a core; waiting_to_ready_time its time ceded or
 * blocked before the wake; ready_to_enqueue_time is 0 (a woken vCPU is
 * queued at once); fault_addr, srr0, srr1 are 0 (not modeled).
 * The file is written through core/outfile: it appears when the run ends
 * (dispatch_dtl_finish), and a failed run leaves no partial file.
 */
#include <stdlib.h>
#include <string.h>

#include "core/outfile.h"
#include "dispatch_int.h"

struct dispatch_dtl {
    outfile *o;
    FILE *f;
    char *path;
};

static const char *const on_name[] = {"", "entitled", "uncapped", "prod", "interrupt", "timer"};
static const char *const off_name[] = {"none", "cede", "block", "slice", "confer"};

int dispatch_dtl_open(dispatch *d, sim_err *e)
{
    const char *path = d->cfg.dtl;
    d->cfg.dtl = NULL; /* the config's string: not ours */
    if (!path || !path[strspn(path, " \t")])
        return 0;
    struct dispatch_dtl *l = calloc(1, sizeof *l);
    if (!l || !(l->path = strdup(path))) {
        free(l);
        return sim_errf(e, "out of host memory");
    }
    l->o = outfile_open(path, e);
    if (!l->o || !(l->f = outfile_stream(l->o, e))) {
        outfile_abort(l->o);
        free(l->path);
        free(l);
        return sim_err_prefix(e, "hypervisor.dispatch.dtl");
    }
    fputs("cycle,lpar,vcpu,dispatch_reason,preempt_reason,processor_id,"
          "enqueue_to_dispatch_time,ready_to_enqueue_time,waiting_to_ready_time,timebase,"
          "fault_addr,srr0,srr1\n",
          l->f);
    d->dtl = l;
    return 0;
}

static unsigned long long tb(const dispatch *d, uint64_t cycles)
{
    return (unsigned long long)((unsigned __int128)cycles * 512 / d->h->env.freq_mhz);
}

void dispatch_dtl_row(dispatch *d, const dvcpu *x, unsigned thread, uint64_t at)
{
    unsigned on = x->wake_why ? x->wake_why : d->why_on;
    fprintf(d->dtl->f, "%llu,%s,%u,%s,%s,%u,%llu,0,%llu,%llu,0,0,0\n", (unsigned long long)at,
            hyp_lpar_name(d->h, x->v->b.lpid), x->v->b.vcpu, on_name[on < 6 ? on : 0],
            off_name[x->off_why < 5 ? x->off_why : 0], thread,
            x->wake_why ? 0ull : tb(d, d->enq_wait), tb(d, x->waited), tb(d, at));
}

int dispatch_dtl_finish(dispatch *d, sim_err *e)
{
    struct dispatch_dtl *l = d->dtl;
    if (!l)
        return 0;
    d->dtl = NULL;
    int rc = outfile_commit(l->o, e);
    if (rc != 0)
        sim_err_prefix(e, "hypervisor.dispatch.dtl");
    free(l->path);
    free(l);
    return rc;
}

void dispatch_dtl_close(dispatch *d)
{
    if (!d->dtl)
        return;
    outfile_abort(d->dtl->o);
    free(d->dtl->path);
    free(d->dtl);
    d->dtl = NULL;
}
