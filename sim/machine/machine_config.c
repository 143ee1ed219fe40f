/*
 * machine_config.c - the root parameter table: every key a config file may
 * hold, composed from each component's own table.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"

#define T_F(f) offsetof(topology_config, f)
static const param_desc topo_list[] = {
    {"name", PT_STRING, "", "power9-like", 0, 0, NULL, "Name of the machine in reports.",
     T_F(name), NULL},
    {"seed", PT_UINT, "", "1", 0, 0x1p63, NULL,
     "Seed of every random choice (HPTE eviction, generators); same config, traces and seed "
     "give bit-identical results.", T_F(seed), NULL},
    {"modules", PT_UINT, "", "2", 1, 64, NULL, "Processor modules (chips).", T_F(modules), NULL},
    {"cores_per_module", PT_UINT, "", "4", 1, 64, NULL, "Cores per processor module.",
     T_F(cores_per_module), NULL},
    {"threads_per_core", PT_UINT, "", "4", 1, 8, NULL,
     "SMT threads per core (POWER9: 4 or 8); each has its own TLB.", T_F(threads_per_core),
     NULL},
    {"freq_mhz", PT_UINT, "MHz", "3800", 100, 10000, NULL,
     "Core clock; all cycle counts are in these cycles (DRAM cycles are converted).",
     T_F(freq_mhz), NULL},
    {"fabric_ns", PT_UINT, "ns", "40", 0, 10000, NULL,
     "On-chip fabric and memory-controller latency added to every DRAM access, so that a "
     "row-miss read totals ~80 ns as measured on POWER8/9 (assumption).", T_F(fabric_ns), NULL},
};
static const param_table topo_table = {"machine", sizeof(topology_config), topo_list,
                                       PARAM_COUNT(topo_list),
                                       "Processor topology, clock and seed."};

#define R_F(f) offsetof(run_config, f)
static const param_desc run_list[] = {
    {"max_records", PT_UINT, "records", "0", 0, 0x1p63, NULL,
     "Stop each vCPU after this many trace records (0 = replay whole traces).",
     R_F(max_records), NULL},
    {"max_cycles", PT_UINT, "cycles", "0", 0, 0x1p63, NULL,
     "Stop the whole run once every vCPU and driver has reached this cycle (0 = run to the "
     "end); the report is the state at that point.", R_F(max_cycles), NULL},
    {"warmup_records", PT_UINT, "records", "0", 0, 0x1p63, NULL,
     "Replay the first N records of each vCPU's trace functionally (caches, TLBs, HPTs and "
     "open DRAM rows updated, no timing; docs/roi.md), then reset the statistics and replay "
     "the rest in detail (0 = no warm-up). Not with shared processors.",
     R_F(warmup_records), NULL},
};
static const param_table run_table = {"run", sizeof(run_config), run_list, PARAM_COUNT(run_list),
                                      "Limits of a run."};

#define M_F(f) offsetof(machine_config, f)
static const param_desc root_list[] = {
    {"machine", PT_STRUCT, "", NULL, 0, 0, NULL, "Processor topology, clock and seed.",
     M_F(machine), &topo_table},
    {"cpu", PT_STRUCT, "", NULL, 0, 0, NULL, "Hardware thread timing.", M_F(cpu), &cpu_params},
    {"cache", PT_STRUCT, "", NULL, 0, 0, NULL, "Cache hierarchy.", M_F(cache), &cache_params},
    {"memory", PT_STRUCT, "", NULL, 0, 0, NULL,
     "Memory modules and PMBs (no modules listed: one module per processor module, sized to "
     "hold the hypervisor and every LPAR).", M_F(memory), &memory_params},
    {"numa", PT_STRUCT, "", NULL, 0, 0, NULL,
     "Memory affinity: remote DRAM latency between processor modules (off by default).",
     M_F(numa), &numa_params},
    {"dram", PT_STRUCT, "", NULL, 0, 0, NULL,
     "DRAM controller (one per memory module).", M_F(dram), &dram_param_table},
    {"pagedev", PT_STRUCT, "", NULL, 0, 0, NULL,
     "Paging disk device: the hypervisor's paging storage, and `lparsim disk`.", M_F(pagedev),
     &pagedev_param_table},
    {"tlb", PT_STRUCT, "", NULL, 0, 0, NULL, "Per-thread TLBs and invalidation costs.", M_F(tlb),
     &tlb_param_table},
    {"mmu", PT_STRUCT, "", NULL, 0, 0, NULL, "The MMU's hardware HPT walk.", M_F(mmu),
     &mmu_params},
    {"hypervisor", PT_STRUCT, "", NULL, 0, 0, NULL, "The hypervisor.", M_F(hypervisor),
     &hyp_params},
    {"guest", PT_STRUCT, "", NULL, 0, 0, NULL, "Guest OS model.", M_F(guest), &guest_params},
    {"lpars", PT_LIST, "", NULL, 0, 0, NULL, "Logical partitions and their vCPUs.", M_F(lpars),
     &lpar_params},
    {"run", PT_STRUCT, "", NULL, 0, 0, NULL, "Limits of a run.", M_F(run), &run_table},
    {"drivers", PT_STRUCT, "", NULL, 0, 0, NULL,
     "Workload drivers: seeded generators of hcalls and accesses (drivers.<name>.enabled).",
     M_F(drivers), &hyp_driver_params},
};
const param_table machine_config_table = {"", sizeof(machine_config), root_list,
                                          PARAM_COUNT(root_list), "A whole machine."};

int machine_config_init(machine_config *c, sim_err *e)
{
    return param_defaults(&machine_config_table, c, e);
}

void machine_config_free(machine_config *c)
{
    param_free(&machine_config_table, c);
}

int machine_config_resolve_paths(machine_config *c, const char *base_dir, sim_err *e)
{
    return param_resolve_paths(&machine_config_table, c, base_dir, e);
}

int machine_config_load(machine_config *c, const char *path, const char *const *sets,
                        unsigned nsets, cfg_src *src, sim_err *e)
{
    if (cfg_load_yaml(&machine_config_table, c, path, src, e) != 0)
        return -1;
    for (unsigned i = 0; i < nsets; i++)
        if (cfg_set_src(&machine_config_table, c, sets[i], src, e) != 0)
            return -1;
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : NULL;
    if (slash && !dir)
        return sim_errf(e, "out of host memory");
    int rc = machine_config_resolve_paths(c, dir ? dir : ".", e);
    free(dir);
    if (rc != 0)
        return -1;
    if (c->lpars.n == 0 && !hyp_drivers_enabled(&c->drivers))
        return sim_errf(e, "%s: no LPARs; expected a list 'lpars' with at least one LPAR, or an "
                           "enabled workload driver (drivers.<name>.enabled)", path);
    return 0;
}
