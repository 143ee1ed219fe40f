/*
 * comm_config.c - the `hypervisor.comm` parameters (the virtual Ethernet:
 * adapter unit address, the guests' receive buffer pools) and the feature's
 * statistics (comm.llan.*), declared once here. Sources: Linux
 * drivers/net/ethernet/ibm/ibmveth.h (pool sizes and counts, the first two
 * pools active), QEMU hw/net/spapr_llan.c (descriptor layout, return codes).
 */
#include <stddef.h>

#include "comm_int.h"

#define F(f) offsetof(comm_config, f)
#define POOL(i, b, n)                                                                              \
    {"pool" #i "_bytes", PT_UINT, "bytes", #b, 16, 1048576, NULL,                                  \
     "Receive buffer size of pool " #i " the guest posts (ibmveth pool_size[]: 512, 2K, 16K, "     \
     "32K, 64K).", F(pool_bytes[i]), NULL},                                                        \
    {"pool" #i "_count", PT_UINT, "buffers", #n, 0, 65536, NULL,                                   \
     "Buffers of pool " #i " the guest posts (ibmveth pool_count[]: 256, 512, 256, 256, 256).",    \
     F(pool_count[i]), NULL},
static const param_desc list[] = {
    {"enabled", PT_BOOL, "", "false", 0, 0, NULL,
     "Turn the feature on: the logical LAN hcalls (H_REGISTER_LOGICAL_LAN, H_FREE_LOGICAL_LAN, "
     "H_ADD_LOGICAL_LAN_BUFFER, H_SEND_LOGICAL_LAN), the transports tcp and veth, statistics and "
     "ops exist only when enabled.", F(enabled), NULL},
    {"unit_address", PT_UINT, "", "805306370", 0, 4294967295.0, NULL,
     "Unit address of every LPAR's virtual Ethernet adapter (0x30000002, an assumption in the "
     "form of PowerVM's vio addresses); any other is refused with H_PARAMETER.",
     F(unit_address), NULL},
    POOL(0, 512, 256) POOL(1, 2048, 512) POOL(2, 16384, 256) POOL(3, 32768, 256)
    POOL(4, 65536, 256)
    {"pools_active", PT_UINT, "pools", "2", 1, 5, NULL,
     "Pools the guest activates at start (ibmveth: the first two); the guest also activates "
     "the smallest pool that holds a frame of its MTU (drivers.comm.tcp.mss), as "
     "ibmveth_change_mtu does.", F(pools_active), NULL},
};
_Static_assert(sizeof(comm_config) <= HYP_FEATURE_CFG_BYTES, "fits the feature config slot");
const param_table comm_feature_params = {
    "comm", sizeof(comm_config), list, PARAM_COUNT(list),
    "Virtual Ethernet between LPARs (PAPR logical LAN) and the guest TCP/IP model behind the "
    "transports tcp and veth."};

#define S(f) offsetof(comm_stats, f)
static const stat_desc stats[] = {
    {"registered", SK_COUNTER, "adapters", "H_REGISTER_LOGICAL_LAN successes.", S(registered),
     NULL},
    {"freed", SK_COUNTER, "adapters", "H_FREE_LOGICAL_LAN successes.", S(freed), NULL},
    {"buffers_added", SK_COUNTER, "buffers", "Receive buffers posted (H_ADD_LOGICAL_LAN_BUFFER).",
     S(buffers_added), NULL},
    {"frames_sent", SK_COUNTER, "frames", "Frames H_SEND_LOGICAL_LAN delivered into a posted "
     "buffer.", S(frames_sent), NULL},
    {"bytes_sent", SK_COUNTER, "bytes", "Bytes of those frames.", S(bytes_sent), NULL},
    {"dropped", SK_COUNTER, "frames", "Frames refused with H_DROPPED (no open destination "
     "adapter, no posted buffer big enough).", S(dropped), NULL},
    {"interrupts", SK_COUNTER, "interrupts", "Receive interrupts the frames raised (a frame to "
     "a guest that waits for one).", S(interrupts), NULL},
    {"refused", SK_COUNTER, "hcalls", "Logical LAN hcalls refused (any return code but "
     "H_SUCCESS).", S(refused), NULL},
    {"lines_copied", SK_COUNTER, "lines", "Cache lines the hypervisor's frame copies wrote.",
     S(lines_copied), NULL},
};
const stat_table comm_stat_table = {"comm.llan", stats, PARAM_COUNT(stats)};
