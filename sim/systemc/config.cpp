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

std::string dir_of(const std::string &path)
{
    std::string::size_type slash = path.find_last_of('/');
    if (slash == std::string::npos)
        return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
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
    if (cfg_load_yaml(&machine_config_table, &c_, path.c_str(), src_, &e) != 0)
        fail(e);
    for (const std::string &s : sets)
        set(s);
    resolve_paths(dir_of(path));
    if (c_.lpars.n == 0)
        throw Error(path + ": no LPARs; expected a list 'lpars' with at least one LPAR");
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
