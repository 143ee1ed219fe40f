/*
 * cmd_params.c - `lparsim params [COMPONENT] [--markdown]`: every declared
 * parameter with type, unit, default, range and description, straight from
 * the components' parameter tables. `--platform`: the keys of a platform
 * file instead (docs/platform.md).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "machine/machine.h"
#include "machine/platform.h"

int cmd_params(int argc, char **argv)
{
    const char *filter = NULL;
    bool md = false, plat = false;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--markdown"))
            md = true;
        else if (!strcmp(argv[i], "--platform"))
            plat = true;
        else if (argv[i][0] == '-')
            return cli_usage("unknown option '%s'", argv[i]);
        else if (filter)
            return cli_usage("params takes at most one component");
        else
            filter = argv[i];
    }
    const param_table *t = plat ? &platform_config_table : &machine_config_table;
    if (md) {
        param_print_markdown(stdout, t, NULL);
        return 0;
    }
    size_t n = param_print(stdout, t, NULL, filter);
    if (n == 0) {
        fprintf(stderr, "lparsim: no parameter matches '%s'; components are:", filter);
        for (size_t i = 0; i < t->n; i++)
            fprintf(stderr, " %s", t->p[i].name);
        fputc('\n', stderr);
        return 2; /* a bad argument, like an unknown command */
    }
    return 0;
}
