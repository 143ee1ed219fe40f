/*
 * smc_stats.c - the SMC statistics (smc.*) and the auditor's (smc.audit.*),
 * declared once here.
 */
#include <stddef.h>

#include "smc_int.h"

#define S(f) offsetof(smc_stats, f)
#define C(n, u, d, f) {n, SK_COUNTER, u, d, S(f), NULL}
static const stat_desc smc_stat_list[] = {
    C("pool_bytes", "bytes", "Shared-memory pool reserved over all VLANs (hypervisor memory).",
      pool_bytes),
    C("smbs", "SMBs", "SMBs the enabled pools hold.", smbs),
    C("smbs_in_use", "SMBs", "SMBs not FREE at the end.", smbs_in_use),
    C("pool_high_water", "SMBs", "Most SMBs in use at once.", smbs_high_water),
    C("joins", "LPARs", "H_SM_JOIN: SM-GIDs given.", joins),
    C("created", "SMBs", "H_SM_CREATE successes.", created),
    C("bound", "SMBs", "Offers accepted (BOUND).", bound),
    C("rejected", "offers", "Offers rejected or expired.", rejected),
    C("destroyed", "SMBs", "SMBs returned to FREE (destroy, pool free, termination).",
      destroyed),
    C("tokens_issued", "tokens", "Owner, offer, peer and signal tokens given.", tokens_issued),
    C("tokens_rescinded", "SMBs", "Generation bumps (every token of the SMB rescinded).",
      tokens_rescinded),
    C("refused.stale", "hcalls", "Refused H_RESCINDED: a token of an old generation.",
      refused_stale),
    C("refused.authority", "hcalls", "Refused H_AUTHORITY: a token not naming the caller.",
      refused_authority),
    C("refused.parameter", "hcalls", "Refused H_PARAMETER: range outside the SMB or the "
      "caller's memory, peer not LOCAL, other VLAN.", refused_parameter),
    C("refused.permission", "hcalls", "Refused H_PERMISSION: the other direction's ring.",
      refused_permission),
    C("refused.state", "hcalls", "Refused H_R_STATE: SMB not in the state the call needs.",
      refused_state),
    C("refused.not_found", "hcalls", "Refused H_NOT_FOUND: no pool, unknown GID, expired offer.",
      refused_not_found),
    C("refused.resource", "hcalls", "Refused H_RESOURCE: no free SMB.", refused_resource),
    C("refused.privilege", "hcalls", "Refused H_PRIVILEGE: not the administrator, not a member.",
      refused_privilege),
    C("moves", "hcalls", "H_SM_MOVE successes.", moves),
    C("bytes_moved", "bytes", "Bytes H_SM_MOVE copied.", bytes_moved),
    C("cs_moves", "hcalls", "H_SM_CS_MOVE successes (swapped or not).", cs_moves),
    C("cs_failures", "hcalls", "H_SM_CS_MOVE whose compare failed.", cs_failures),
    C("signals_raised", "signals", "SMB bits raised (H_SM_SIGNAL, CS with SIG_IF_WAITING).",
      signals_raised),
    C("signals_skipped", "signals", "CS with SIG_IF_WAITING that did not signal (the "
      "consumer was not waiting).", signals_skipped),
    C("interrupts", "interrupts", "Signals that set a summary bit 0 -> 1 (an interrupt).",
      interrupts),
    C("sba_scans", "hcalls", "H_SM_SBA reads (read and clear).", sba_scans),
    C("bytes_zeroed", "bytes", "SMB bytes zeroed before reuse.", bytes_zeroed),
    C("fallback.PEERNOSMC", "opens", "Falls back: the peer has no SM-GID.", fallback[0]),
    C("fallback.NOSMCDDEV", "opens", "Falls back: this side has no SM-GID (no pool).",
      fallback[1]),
    C("fallback.MEM", "opens", "Falls back: the pool is out of SMBs.", fallback[2]),
    C("fallback.ISMVLANERR", "opens", "Falls back: the peer is on another VLAN.", fallback[3]),
    C("fallback.DIFFPREFIX", "opens", "Falls back: the peer is on another CEC (REMOTE).",
      fallback[4]),
    C("setups", "opens", "Connections set up over an SMB (smc.setup ops).", setups),
    C("teardowns", "closes", "Connections torn down (smc.teardown ops).", teardowns),
};
const stat_table smc_stat_table = {"smc", smc_stat_list, PARAM_COUNT(smc_stat_list)};

#define A(f) offsetof(smc_audit_stats, f)
static const stat_desc audit_list[] = {
    {"checks", SK_COUNTER, "accesses", "SMB accesses, cursors and HPTE writes checked.",
     A(checks), NULL},
    {"violations", SK_COUNTER, "violations", "Accesses without a grant, stale generations, "
     "bad cursors, unzeroed reuse, HPTEs mapping pool memory; the run stops at the first.",
     A(violations), NULL},
    {"grants", SK_COUNTER, "grants", "Grants recorded (owner at create, peer at accept).",
     A(grants), NULL},
    {"revokes", SK_COUNTER, "SMBs", "Grant sets revoked (unbind, destroy, pool free, "
     "termination).", A(revokes), NULL},
    {"hptes_checked", SK_COUNTER, "HPTEs", "HPTE writes checked against the pools.",
     A(hptes_checked), NULL},
};
const stat_table smc_audit_stat_table = {"smc.audit", audit_list, PARAM_COUNT(audit_list)};
