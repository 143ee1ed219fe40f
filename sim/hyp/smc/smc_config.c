/*
 * smc_config.c - the `hypervisor.smc` parameters and the SMC statistics
 * (declared once here; validation, `lparsim params` and docs come from
 * these tables). Sources: /work/shared/notes/seed001-003-smc-ipca.md §5
 * ("notes"), the patent (US 8,930,507) and Linux net/smc.
 */
#include <stddef.h>

#include "smc_int.h"

#define F(f) offsetof(smc_config, f)
static const param_desc smc_param_list[] = {
    {"enabled", PT_BOOL, "", "false", 0, 0, NULL,
     "Turn the feature on: pools, hcalls, transports smc and smcd-linux, statistics and ops "
     "exist only when enabled.", F(enabled), NULL},
    {"vlans", PT_UINT, "VLANs", "1", 1, 64, NULL,
     "Internal VLANs, each with its own shared-memory pool (patent S3/S6: each VLAN has its own "
     "pool); assumption: one.", F(vlans), NULL},
    {"pool_bytes", PT_SIZE, "bytes", "256M", 65536, 0x1p40, NULL,
     "Shared-memory pool per VLAN, reserved from hypervisor memory (outside every LPAR; notes "
     "§5: 256M per VLAN, assumption).", F(pool_bytes), NULL},
    {"smb_size", PT_SIZE, "bytes", "64K", 16384, 1048576, NULL,
     "Bytes of one shared memory buffer (SMB); notes §5: 64K (Linux SMC-D DMBs are 16K-1M).",
     F(smb_size), NULL},
    {"smbe_ring", PT_SIZE, "bytes", "16K", 1024, 524288, NULL,
     "Data ring per direction of a connection (two rings and two 128-byte control lines must "
     "fit the SMB); notes §5: 16K (Linux SMC's default RMBE is 64K; assumption).",
     F(smbe_ring), NULL},
    {"signal_policy", PT_ENUM, "", "cs", 0, 0, "cs|always|never",
     "Transport smc: signal the consumer only when it marked itself WAITING (the patent's "
     "SM CS Move, S17), after every message, or never (the consumer polls).",
     F(signal_policy), NULL},
    {"signal_cycles", PT_UINT, "cycles", "300", 0, 1000000, NULL,
     "Hypervisor work of raising a signal besides its SBA line write (notes §5: 300, "
     "assumption).", F(signal_cycles), NULL},
    {"cons_update_limit", PT_UINT, "%", "10", 0, 90, NULL,
     "The consumer publishes its cursor when the bytes it freed since its last update exceed "
     "this share of the ring, or the producer is write-blocked (Linux rmbe_update_limit; notes "
     "§5: 10% of the ring).", F(cons_update_limit), NULL},
    {"offer_timeout", PT_UINT, "cycles", "1000000", 1, 0x1p62, NULL,
     "An offer (H_SM_BIND) not accepted within this many cycles expires (notes §5: 1e6, "
     "assumption).", F(offer_timeout), NULL},
    {"direction_check", PT_BOOL, "", "true", 0, 0, NULL,
     "Refuse (H_PERMISSION) a write into the ring of the direction the caller consumes, or a "
     "read of the ring it produces (notes §1a [impl]).", F(direction_check), NULL},
    {"mapped_rx", PT_BOOL, "", "false", 0, 0, NULL,
     "Ablation (notes §2, H7): the consumer's probe of the control line is a load through its "
     "caches instead of an H_SM_MOVE hcall (the patent forbids it: no load reaches the pool).",
     F(mapped_rx), NULL},
    {"admin_lpid", PT_UINT, "lpid", "0", 0, 1048575, NULL,
     "The LPAR acting as the administrator: only it may make H_SM_POOL and H_SM_POOL_FREE "
     "(patent claim 4, 'on the administrator's command'; assumption: LPAR 0).",
     F(admin_lpid), NULL},
    {"max_members", PT_UINT, "LPARs", "64", 2, 4096, NULL,
     "LPARs (lpid below this) that may join a VLAN; a status bit array per member and VLAN is "
     "reserved in hypervisor memory (assumption).", F(max_members), NULL},
    {"page_bytes", PT_SIZE, "bytes", "4K", 4096, 65536, NULL,
     "Transport smcd-linux: ism_move splits a write at these bounds of the DMB (Linux "
     "s390 ism_move: PAGE_SIZE).", F(page_bytes), NULL},
    {"audit", PT_BOOL, "", "false", 0, 0, NULL,
     "Check every SMB access against the auditor's own grant table, the cursors, the zeroing "
     "of reused SMBs and that no HPTE maps pool memory (also hypervisor.audit and --audit).",
     F(audit), NULL},
    {"inject", PT_ENUM, "", "none", 0, 0, "none|skip-zero-on-reuse|skip-gen-bump",
     "A deliberately broken build for testing the auditor: SMBs not zeroed when freed, or "
     "tokens not rescinded (generation not bumped). Never in a real run.", F(inject), NULL},
    {"pool_node", PT_INT, "", "-1", -1, 63, NULL,
     "Processor module (NUMA node, docs/numa.md) whose memory holds the pools: whole LMBs "
     "there become hypervisor memory (issue 12 H6: the pool on the consumer's or the "
     "producer's module). -1: anywhere, carved from hypervisor memory at the bottom (node 0) "
     "as before (notes §5 pool_module 'spread'; assumption).", F(pool_node), NULL},
};
_Static_assert(sizeof(smc_config) <= HYP_FEATURE_CFG_BYTES, "fits the feature config slot");
const param_table smc_feature_params = {"smc", sizeof(smc_config), smc_param_list,
                                        PARAM_COUNT(smc_param_list),
                                        "SMC over a VLAN shared-memory pool (seed 001): pool, "
                                        "SMBs, signals, transports smc and smcd-linux."};
