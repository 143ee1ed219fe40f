/*
 * smc_xport_setup.c - opening and closing a connection of the transports
 * "smc" and "smcd-linux", the hcall helper both use, and their tables.
 * open: both sides JOIN the VLAN (0; assumption: one internal VLAN), the
 * client QUERY_GIDs the peer, CREATEs an SMB, BINDs it to the peer, the
 * peer ACCEPTs (op smc.setup: tcp_handshake = the cycles io->part held at
 * entry, clc, gid_query, create, bind, accept). The CLC exchange rides
 * the TCP connection the driver opened, whose cost is in tcp_handshake:
 * clc is 0 here. Both sides' hcalls are serialised on the client's clock
 * (the setup's latency). It falls back (no error) with a reason named
 * after the Linux decline codes: NOSMCDDEV (the client cannot join: no
 * pool, or its lpid is not below max_members), PEERNOSMC (the peer cannot), ISMVLANERR (the peer's gid is not
 * on the VLAN), DIFFPREFIX (REMOTE: another CEC), MEM (no free SMB).
 * close: UNBIND then DESTROY (op smc.teardown: unbind, zero = DESTROY,
 * sba_clear = UNBIND's SBA work).
 * Each side's guest control area (a 128-byte line its control-line probes
 * land in) is the first line of the last 4K page of its LPAR
 * (assumption: the guest's SMC socket area; drivers keep buffers below).
 */
#include <limits.h>
#include <stdlib.h>

#include "smc_xport_int.h"

const char *const smc_fallback_names[5] = {"PEERNOSMC", "NOSMCDDEV", "MEM", "ISMVLANERR",
                                           "DIFFPREFIX"};

uint64_t smc_xnow(const hyp_xport_io *io)
{
    uint64_t t = io->at;
    for (unsigned p = 0; p < XP_NPARTS; p++)
        t += io->part[p];
    return t;
}

static const char *hname(uint64_t op)
{
    for (unsigned i = 0; i < SMC_NHCALLS; i++)
        if (smc_hcalls[i].opcode == op)
            return smc_hcalls[i].name;
    return "?";
}

long smc_xhcall(smc_conn *k, unsigned side, hyp_xport_io *io, unsigned copy_part, bool data,
                long ok_rc, uint64_t op, const uint64_t a[6], uint64_t *rets, sim_err *e)
{
    smc *s = k->s;
    uint64_t args[8] = {a[0], a[1], a[2], a[3], a[4], a[5]}, r[8] = {0}, cyc = 0;
    long rc = hyp_hcall(s->h, k->end[side].lpid, k->end[side].thread, smc_xnow(io), op, args, r,
                        &cyc);
    uint64_t cp = s->last_copy, sg = s->last_signal;
    if (op == H_SM_SIGNAL)
        sg = cyc - cp;
    io->part[copy_part] += cp;
    io->part[XP_SIGNAL] += sg;
    io->part[XP_HCALL] += cyc - cp - sg;
    if (data)
        io->lines_copied += s->last_lines;
    if (rets)
        for (unsigned i = 0; i < 8; i++)
            rets[i] = r[i];
    if (rc != H_SUCCESS && rc != ok_rc) {
        sim_errf(e, "transport %s: %s by LPAR %u refused with %ld", k->linux_rules ? "smcd-linux" : "smc",
                 hname(op), k->end[side].lpid, rc);
        return LONG_MIN;
    }
    return rc;
}

static int open_any(void *f, const hyp_xport_end ends[2], hyp_xport_io *io, void **conn,
                    unsigned *reason, sim_err *e, bool linux_rules)
{
    smc *s = f;
    *conn = NULL;
    smc_conn *k = calloc(1, sizeof *k);
    if (!k)
        return sim_errf(e, "out of host memory");
    k->s = s;
    k->linux_rules = linux_rules;
    k->end[0] = ends[0];
    k->end[1] = ends[1];
    op_rec o;
    op_begin(&o, io->at);
    uint64_t tcp = smc_xnow(io) - io->at;
    op_charge(&o, 0, tcp);
    uint64_t r[8], gid[2], mark = smc_xnow(io);
    long rc;
    int fb = -1;
    for (unsigned side = 0; side < 2 && fb < 0; side++) {
        uint64_t a[6] = {0};
        if (ends[side].lpid >= s->cfg.max_members) { /* not configured for the VLAN */
            fb = side ? SMC_FB_PEERNOSMC : SMC_FB_NOSMCDDEV;
            break;
        }
        if ((rc = smc_xhcall(k, side, io, XP_COPY_TX, false, H_NOT_FOUND, H_SM_JOIN, a, r, e)) ==
            LONG_MIN)
            goto err;
        if (rc != H_SUCCESS)
            fb = side ? SMC_FB_PEERNOSMC : SMC_FB_NOSMCDDEV;
        gid[side] = r[0];
    }
    if (fb < 0) {
        uint64_t a[6] = {0, gid[1]};
        if ((rc = smc_xhcall(k, 0, io, XP_COPY_TX, false, H_NOT_FOUND, H_SM_QUERY_GID, a, r, e)) ==
            LONG_MIN)
            goto err;
        if (rc != H_SUCCESS)
            fb = SMC_FB_ISMVLANERR;
        else if (r[0] != 0)
            fb = SMC_FB_DIFFPREFIX;
    }
    op_charge(&o, 2, smc_xnow(io) - mark);
    mark = smc_xnow(io);
    if (fb < 0) {
        uint64_t a[6] = {0};
        if ((rc = smc_xhcall(k, 0, io, XP_COPY_TX, false, H_RESOURCE, H_SM_CREATE, a, r, e)) ==
            LONG_MIN)
            goto err;
        if (rc != H_SUCCESS)
            fb = SMC_FB_MEM;
        k->tok[0] = r[0];
        k->smb = (r[0] >> 20) & 0xFFFFFFF;
    }
    op_charge(&o, 3, smc_xnow(io) - mark);
    mark = smc_xnow(io);
    if (fb < 0) {
        uint64_t a[6] = {k->tok[0], gid[1]};
        if (smc_xhcall(k, 0, io, XP_COPY_TX, false, H_SUCCESS, H_SM_BIND, a, r, e) == LONG_MIN)
            goto err;
        k->sig[0] = r[1];
        uint64_t offer = r[0];
        op_charge(&o, 4, smc_xnow(io) - mark);
        mark = smc_xnow(io);
        uint64_t b[6] = {offer, 1};
        if (smc_xhcall(k, 1, io, XP_COPY_TX, false, H_SUCCESS, H_SM_ACCEPT, b, r, e) == LONG_MIN)
            goto err;
        k->tok[1] = r[0];
        k->sig[1] = r[1];
        op_charge(&o, 5, smc_xnow(io) - mark);
    }
    if (fb >= 0) {
        s->st.fallback[fb]++;
        *reason = (unsigned)fb;
        free(k);
        return 0;
    }
    for (unsigned side = 0; side < 2; side++)
        k->scratch[side] = hyp_lpar_memory(s->h, ends[side].lpid) - 4096;
    ops_record(s->h->env.ops, s->op_setup, &o);
    s->st.setups++;
    *conn = k;
    return 0;
err:
    free(k);
    return -1;
}

static int open_smc(void *f, const hyp_xport_end ends[2], hyp_xport_io *io, void **conn,
                    unsigned *reason, sim_err *e)
{
    return open_any(f, ends, io, conn, reason, e, false);
}

static int open_smcd(void *f, const hyp_xport_end ends[2], hyp_xport_io *io, void **conn,
                     unsigned *reason, sim_err *e)
{
    return open_any(f, ends, io, conn, reason, e, true);
}

static int x_close(void *conn, hyp_xport_io *io, sim_err *e)
{
    smc_conn *k = conn;
    smc *s = k->s;
    op_rec o;
    op_begin(&o, smc_xnow(io));
    uint64_t r[8], t0 = smc_xnow(io), sig0 = io->part[XP_SIGNAL];
    uint64_t a[6] = {k->tok[0]};
    int rc = -1;
    if (smc_xhcall(k, 0, io, XP_COPY_TX, false, H_SUCCESS, H_SM_UNBIND, a, r, e) == LONG_MIN)
        goto out;
    uint64_t sba = io->part[XP_SIGNAL] - sig0;
    op_charge(&o, 0, smc_xnow(io) - t0 - sba);
    op_charge(&o, 2, sba);
    t0 = smc_xnow(io);
    uint64_t b[6] = {r[0]};
    if (smc_xhcall(k, 0, io, XP_COPY_TX, false, H_SUCCESS, H_SM_DESTROY, b, r, e) == LONG_MIN)
        goto out;
    op_charge(&o, 1, smc_xnow(io) - t0);
    ops_record(s->h->env.ops, s->op_teardown, &o);
    s->st.teardowns++;
    rc = 0;
out:
    free(k);
    return rc;
}

#define XPORT(var, nm, dsc, opn)                                                                   \
    const hyp_transport var = {.name = nm,                                                         \
                               .desc = dsc,                                                        \
                               .open = opn,                                                        \
                               .send = smc_x_send,                                                 \
                               .recv = smc_x_recv,                                                 \
                               .wait = smc_x_wait,                                                 \
                               .pending = smc_x_pending,                                           \
                               .close = x_close,                                                   \
                               .over_tcp = true,                                                   \
                               .rdma_across = true,                                                \
                               .fallback_names = smc_fallback_names,                               \
                               .nfallbacks = 5}
XPORT(smc_xport_smc, "smc",
      "SMC over a VLAN shared-memory pool (seed 001): SM Move into the peer's ring, CS-moved "
      "cursors, a signal only to a WAITING consumer (hypervisor.smc.signal_policy)",
      open_smc);
XPORT(smc_xport_smcd, "smcd-linux",
      "Linux SMC-D's rules over the same SMB: page-bounded moves, every cursor message "
      "signalled, smc_tx_consumer_update's cursor-update rule",
      open_smcd);
