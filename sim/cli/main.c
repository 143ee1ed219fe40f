/*
 * main.c - the lparsim command: dispatches to one command per file
 * (cmd_*.c). The only place in lparsim that decides exit statuses.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: lparsim COMMAND [ARGS]\n"
    "\n"
    "Cycle-approximate simulator of a POWER-like partitioned server.\n"
    "\n"
    "commands:\n"
    "  run CONFIG [--set KEY=VALUE]... [--json FILE] [--csv FILE] [--quiet] [--audit]\n"
    "        build the machine a YAML config describes, replay its LPARs' traces,\n"
    "        print the per-operation cycle report (and write it as JSON/CSV);\n"
    "        --audit: the auditor of every enabled hypervisor feature;\n"
    "        a platform file (top-level platform:) runs several machines (docs/platform.md)\n"
    "  replay TRACE... [--page-size 4K|64K|16M] [--set KEY=VALUE]... [--json FILE] [--csv FILE] [--quiet]\n"
    "        replay one trace per vCPU on a one-LPAR machine with default hardware\n"
    "  dram TRACE [--config FILE] [--set dram.KEY=VALUE]... [--json FILE]\n"
    "        replay a DRAMsim3-format trace straight into the DRAM controller\n"
    "  disk [--preset ssd|optane|hdd|fixed] [--set pagedev.KEY=VALUE]... [--config FILE]\n"
    "       [--rw randread|randwrite|read|write|randrw] [--bs SIZE] [--iodepth N] [--size SIZE]\n"
    "       [--number-ios N] [--rwmixread PCT] [--seed N] [--json FILE]\n"
    "        run the paging disk device alone on a fio-style job (docs/paging.md)\n"
    "  trace import --format lackey|dramsim3|qemu IN -o OUT\n"
    "  trace info FILE [--json FILE]\n"
    "  trace cat FILE [--limit N] [--disasm]\n"
    "  trace mark IN OUT --roi BEGIN:END[,BEGIN:END...]\n"
    "  trace hcheck TRACE... [-c CONFIG] [--set KEY=VALUE]... [--json FILE]\n"
    "        convert, summarise and print traces (native format: docs/trace_format.md);\n"
    "        hcheck: replay recorded hcalls on lparsim's hypervisor, compare the results\n"
    "  params [COMPONENT] [--markdown] [--platform]\n"
    "        every parameter with type, unit, default, range and description\n"
    "  sweep SWEEP.yaml -o DIR [-j N] [--resume] [--timeout SECONDS] [--dry-run]\n"
    "  sweep SWEEP.yaml -o DIR --emit parallel|slurm | --point ID\n"
    "  sweep --collect DIR\n"
    "        run a batch parameter sweep, one process per point: DIR/results.csv,\n"
    "        plots; resumable, or as GNU parallel / Slurm jobs (docs/sweep.md)\n"
    "  --help, --version\n"
    "\n"
    "Exit status: 0 success, 1 error in input or during the run, 2 bad usage.\n";

int main(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("missing command");
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("lparsim %s\n", LPARSIM_VERSION);
        return 0;
    }
    int ac = argc - 2;
    char **av = argv + 2;
    if (!strcmp(cmd, "run"))
        return cmd_run(ac, av);
    if (!strcmp(cmd, "replay"))
        return cmd_replay(ac, av);
    if (!strcmp(cmd, "dram"))
        return cmd_dram(ac, av);
    if (!strcmp(cmd, "disk"))
        return cmd_disk(ac, av);
    if (!strcmp(cmd, "trace"))
        return cmd_trace(ac, av);
    if (!strcmp(cmd, "params"))
        return cmd_params(ac, av);
    if (!strcmp(cmd, "sweep"))
        return cmd_sweep(ac, av);
    return cli_usage("unknown command '%s'", cmd);
}
