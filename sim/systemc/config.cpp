/*
 * config.cpp - loading a machine config for the SystemC bindings (see
 * config.hpp); every step is a call into the C core.
 */
#include "config.hpp"

namespace lparsim {

namespace {

[[noreturn]] void fail(const sim_err &e)
{
    throw Error(e.msg[0] ? e.msg : "unknown error");
}
} // namespace

Config::Config()
{
    sim_err e;
    sim_err_clear(&e);
    if (machine_config_init(&c_, &e) != 0)
        fail(e);
}

Config::Config(const std::string &path, const std::vector<std::string> &sets) : Config()
{
    sim_err e;
    sim_err_clear(&e);
    src_ = cfg_src_create(path.c_str());
    if (!src_)
        throw Error("out of host memory");
    std::vector<const char *> v;
    for (const std::string &s : sets)
        v.push_back(s.c_str());
    if (machine_config_load(&c_, path.c_str(), v.data(), (unsigned)v.size(), src_, &e) != 0)
        fail(e);
}

Config::~Config()
{
    machine_config_free(&c_);
    cfg_src_destroy(src_);
}

void Config::set(const std::string &assignment)
{
    sim_err e;
    sim_err_clear(&e);
    if (cfg_set(&machine_config_table, &c_, assignment.c_str(), &e) != 0)
        fail(e);
}

void Config::resolve_paths(const std::string &dir)
{
    sim_err e;
    sim_err_clear(&e);
    if (machine_config_resolve_paths(&c_, dir.c_str(), &e) != 0)
        fail(e);
}

} // namespace lparsim
