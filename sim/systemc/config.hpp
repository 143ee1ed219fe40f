/*
 * config.hpp - a machine config for the SystemC bindings: an owning C++
 * handle on the C core's machine_config, loaded the way `lparsim run`
 * loads one (YAML file, then --set overrides in order, then trace paths
 * made relative to the config file's directory).
 *
 * Errors are thrown as lparsim::Error carrying the core's one-line
 * message ("FILE:LINE: key.path: what was wrong; expected ...").
 * Invariant: a Config always holds a complete config (defaults at least)
 * and owns every string and list in it.
 */
#ifndef LPARSIM_SYSTEMC_CONFIG_HPP
#define LPARSIM_SYSTEMC_CONFIG_HPP

#include <stdexcept>
#include <string>
#include <vector>

#include "machine/machine.h"

namespace lparsim {

/* A user error from the C core or the bindings (one line). */
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Config {
public:
    /* Every parameter at its default, no LPARs. */
    Config();
    /* Load `path`, apply `sets` ("key=value", as --set), resolve traces. */
    explicit Config(const std::string &path, const std::vector<std::string> &sets = {});
    ~Config();
    Config(const Config &) = delete;
    Config &operator=(const Config &) = delete;

    /* Apply one "--set key=value" override. */
    void set(const std::string &assignment);
    /* Resolve relative trace paths against dir (done by the loading
     * constructor for the config file's directory). */
    void resolve_paths(const std::string &dir);

    const machine_config &get() const { return c_; }
    machine_config &get() { return c_; }
    /* Where each key came from (NULL for a config built in code). */
    const cfg_src *src() const { return src_; }

private:
    machine_config c_;
    cfg_src *src_ = nullptr;
};

} // namespace lparsim

#endif
