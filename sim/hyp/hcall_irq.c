/*
 * hcall_irq.c - the core's PAPR interrupt hcalls: H_IPI (0x6C), an
 * inter-processor interrupt from a vCPU to another vCPU of its LPAR, as
 * the XICS interrupt presentation layer has it (KVM book3s_xics.c
 * kvmppc_h_ipi): args server (the target vCPU's index within the caller's
 * LPAR) and mfrr (the target's new IPI priority, a byte).
 *
 * Model: looking the server up is one step of hypervisor work; a server
 * that does not exist is H_PARAMETER; mfrr 0xFF is "no IPI" (H_SUCCESS,
 * nothing raised); any other mfrr raises an external interrupt at the
 * target through hyp_interrupt (irq.c) at the hcall's current cycle.
 * Priorities (mfrr against the target's CPPR) are not modeled: every IPI
 * is presented. Op hcall.H_IPI with the standard parts; reported once used.
 */
#include "hyp_int.h"

static long h_ipi(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    (void)rets;
    cpu_vcpu *const *v;
    unsigned n = hyp_lpar_vcpus(c->h, c->lpid, &v);
    hcall_steps(c, 1); /* the server's presentation state found */
    if (a[0] >= n)
        return H_PARAMETER;
    if ((a[1] & 0xFF) == H_IPI_MFRR_NONE)
        return H_SUCCESS;
    hyp_interrupt(c->h, c->lpid, (unsigned)a[0], HYP_IRQ_EXTERNAL, c->op.end);
    return H_SUCCESS;
}

const hyp_hcall_desc hyp_irq_hcalls[] = {
    {H_IPI, "H_IPI", NULL, NULL, h_ipi},
};
const size_t hyp_irq_hcall_count = sizeof hyp_irq_hcalls / sizeof hyp_irq_hcalls[0];
