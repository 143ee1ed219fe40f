/*
 * platform_config.c - the keys of a platform file (platform.h), declared
 * once here, and detecting a platform file. Link defaults: a 100 Gb/s
 * RDMA NIC (sources in the descriptions; docs/platform.md).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

#include "core/yaml_doc.h"
#include "platform.h"

#define N_F(f) offsetof(platform_name_config, f)
static const param_desc name_list[] = {
    {"machine", PT_STRING, "", "", 0, 0, NULL, "Name of a machine of platform.machines.",
     N_F(machine), NULL},
};
static const param_table name_table = {"between", sizeof(platform_name_config), name_list,
                                       PARAM_COUNT(name_list),
                                       "A machine named by a link (a bare name)."};

#define S_F(f) offsetof(platform_set_config, f)
static const param_desc set_list[] = {
    {"assignment", PT_STRING, "", "", 0, 0, NULL,
     "An override KEY=VALUE of the machine's config, as `lparsim run --set` takes it, applied "
     "after the file in list order.", S_F(assignment), NULL},
};
static const param_table set_table = {"set", sizeof(platform_set_config), set_list,
                                      PARAM_COUNT(set_list),
                                      "An override of the machine's config (a bare string)."};

#define M_F(f) offsetof(platform_machine_config, f)
static const param_desc machine_list[] = {
    {"name", PT_STRING, "", "", 0, 0, NULL,
     "Name of the machine (CEC) in links and reports (machines.<name>.*); unique, made of "
     "letters, digits, '_' and '-'.", M_F(name), NULL},
    {"config", PT_STRING, "path", "", 0, 0, NULL,
     "The machine's config file (a single-machine lparsim config), relative to the platform "
     "file.", M_F(config), NULL},
    {"set", PT_LIST, "", NULL, 0, 0, NULL, "Overrides of the machine's config, KEY=VALUE each.",
     M_F(set), &set_table},
};
static const param_table machine_table = {"machines", sizeof(platform_machine_config),
                                          machine_list, PARAM_COUNT(machine_list),
                                          "One machine (CEC) of the platform."};

#define L_F(f) offsetof(platform_link_config, f)
static const param_desc link_list[] = {
    {"between", PT_LIST, "", NULL, 0, 0, NULL,
     "The two machines the link joins, by name: [a, b]; a link is full duplex (one queue per "
     "direction).", L_F(between), &name_table},
    {"latency_ns", PT_UINT, "ns", "1000", 1, 1e9, NULL,
     "One-way latency of a transfer after its last byte is sent (NIC, wire, switch). "
     "Assumption: about 0.6 us adapter-to-adapter for a 100 Gb/s RDMA NIC (Mellanox "
     "ConnectX-4 product brief, '0.6 us latency') plus one switch hop, rounded to 1 us. "
     "Also the lockstep window (the smallest latency).", L_F(latency_ns), NULL},
    {"bandwidth_gbps", PT_DOUBLE, "GB/s", "12.5", 0.001, 1e6, NULL,
     "Bandwidth of each direction in gigabytes (1e9 bytes) per second: 12.5 is the line rate "
     "of a 100 Gb/s NIC (100 Gb/s / 8); protocol headers are not modeled (assumption).",
     L_F(bandwidth_gbps), NULL},
};
static const param_table link_table = {"links", sizeof(platform_link_config), link_list,
                                       PARAM_COUNT(link_list),
                                       "A link between two machines."};

#define B_F(f) offsetof(platform_body_config, f)
static const param_desc body_list[] = {
    {"machines", PT_LIST, "", NULL, 0, 0, NULL,
     "The machines (CECs), in the order they run in each window and are reported.",
     B_F(machines), &machine_table},
    {"links", PT_LIST, "", NULL, 0, 0, NULL,
     "Links between pairs of machines (at most one per pair).", B_F(links), &link_table},
};
static const param_table body_table = {"platform", sizeof(platform_body_config), body_list,
                                       PARAM_COUNT(body_list),
                                       "Several machines joined by links."};

static const param_desc root_list[] = {
    {"platform", PT_STRUCT, "", NULL, 0, 0, NULL,
     "Several machines (CECs) joined by links (docs/platform.md).",
     offsetof(platform_config, platform), &body_table},
};
const param_table platform_config_table = {"", sizeof(platform_config), root_list,
                                           PARAM_COUNT(root_list), "A platform file."};

bool platform_file_detect(const char *path)
{
    sim_err e;
    sim_err_clear(&e);
    char *text = yaml_read_text(path, &e);
    if (!text)
        return false;
    yaml_doc *d = yaml_doc_parse(path, text, true, &e); /* nodes point into text */
    if (!d) {
        free(text);
        return false;
    }
    struct fy_node *root = yaml_doc_root(d);
    bool found = false;
    if (root && fy_node_is_mapping(root)) {
        void *it = NULL;
        struct fy_node_pair *p;
        while (!found && (p = fy_node_mapping_iterate(root, &it)) != NULL) {
            struct fy_node *k = fy_node_pair_key(p);
            const char *s = k && fy_node_is_scalar(k) ? fy_node_get_scalar0(k) : NULL;
            found = s && !strcmp(s, "platform");
        }
    }
    yaml_doc_free(d);
    free(text);
    return found;
}
