/*
 * lparsim_sc_main.cpp - the `lparsim-sc` executable: `lparsim run` hosted
 * in the SystemC kernel. Same arguments (plus --quantum), same report,
 * same exit status (0 ok, 1 bad input or failed run, 2 bad usage), same
 * output files (core/outfile.h, output paths checked before simulating).
 * Platform files (several machines, docs/platform.md) are refused with a
 * one-line error: they need `lparsim run`.
 *
 * main() only silences the SystemC banner (unless the user set
 * SYSTEMC_DISABLE_COPYRIGHT_MESSAGE) and enters the kernel through
 * sc_elab_and_sim, which calls sc_main.
 */
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <unistd.h>

#include <systemc>

#include "machine_module.hpp"

#include "core/outfile.h"
#include "core/param.h"
#include "machine/platform.h"

namespace {

const char usage_text[] =
    "usage: lparsim-sc run CONFIG [--set KEY=VALUE]... [--json FILE] [--csv FILE]\n"
    "                  [--quantum NS] [--quiet]\n"
    "       lparsim-sc --help | --version\n"
    "Runs the machine CONFIG describes under the SystemC kernel, as `lparsim run`\n"
    "does, synchronising with SystemC every quantum (default 1000 ns).\n";

struct Options {
    std::string config, json, csv;
    std::vector<std::string> sets;
    double quantum_ns = 1000.0;
    bool quiet = false;
};

int usage(const std::string &msg)
{
    std::fprintf(stderr, "lparsim-sc: %s (see lparsim-sc --help)\n", msg.c_str());
    return 2;
}

int fail(const std::string &msg)
{
    std::string line = msg.empty() ? "unknown error" : msg;
    for (char &c : line)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            c = '?';
    std::fprintf(stderr, "lparsim-sc: %s\n", line.c_str());
    return 1;
}

/* argv[i] is `opt VALUE` or `opt=VALUE`: 1 and *val set, 0 if not opt,
 * -1 if the value is missing. */
int take(int argc, char **argv, int &i, const char *opt, std::string *val)
{
    std::size_t n = std::strlen(opt);
    if (std::strncmp(argv[i], opt, n) != 0)
        return 0;
    if (argv[i][n] == '=') {
        *val = argv[i] + n + 1;
        return 1;
    }
    if (argv[i][n] != '\0')
        return 0;
    if (i + 1 >= argc)
        return -1;
    *val = argv[++i];
    return 1;
}

int parse(int argc, char **argv, Options &o)
{
    static const char *const valued[] = {"--json", "--csv", "--set", "--quantum"};
    for (int i = 2; i < argc; i++) {
        std::string v;
        int which = -1, r = 0;
        for (int k = 0; k < 4 && !r; k++)
            if ((r = take(argc, argv, i, valued[k], &v)) != 0)
                which = k;
        if (r < 0)
            return usage(std::string(valued[which]) + " needs a value");
        if (which == 0) {
            o.json = v;
        } else if (which == 1) {
            o.csv = v;
        } else if (which == 2) {
            o.sets.push_back(v);
        } else if (which == 3) {
            /* the strict parser of config values and lparsim's options */
            param_desc d{};
            d.name = "--quantum";
            d.type = PT_DOUBLE;
            d.min = 0.001;
            d.max = 1e12;
            if (param_parse_value(&d, v.c_str(), &o.quantum_ns, "--quantum", nullptr) != 0)
                return usage("--quantum " + v + ": expected a time in ns, 0.001 (1 ps) to 1e12");
        } else if (!std::strcmp(argv[i], "--quiet") || !std::strcmp(argv[i], "-q")) {
            o.quiet = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return usage(std::string("unknown option '") + argv[i] + "'");
        } else if (!o.config.empty()) {
            return usage(std::string("too many arguments ('") + argv[i] + "')");
        } else {
            o.config = argv[i];
        }
    }
    if (o.config.empty())
        return usage("run needs a config file: lparsim-sc run CONFIG");
    return 0;
}

/* The progress line of `lparsim run`, while stderr is a terminal. */
struct Progress {
    std::chrono::steady_clock::time_point start;
    double last = 0;
    bool shown = false;
};

void on_progress(void *ctx, std::uint64_t records, std::uint64_t cycles)
{
    Progress *p = static_cast<Progress *>(ctx);
    double now = std::chrono::duration<double>(std::chrono::steady_clock::now() - p->start).count();
    if (now < 2.0 || now - p->last < 0.5)
        return;
    p->last = now;
    p->shown = true;
    std::fprintf(stderr, "\rlparsim-sc: %.1f M records, %.1f M cycles, %.1f s, %.2f M records/s   ",
                 (double)records / 1e6, (double)cycles / 1e6, now, (double)records / 1e6 / now);
}

struct CsvCtx {
    std::FILE *f;
};

void csv_leaf(const char *path, const char *text, void *ctx)
{
    std::FILE *f = static_cast<CsvCtx *>(ctx)->f;
    std::fprintf(f, "%s,", path);
    if (!std::strpbrk(text, ",\"\n")) {
        std::fputs(text, f);
    } else {
        std::fputc('"', f);
        for (const char *p = text; *p; p++) {
            if (*p == '"')
                std::fputc('"', f);
            std::fputc(*p, f);
        }
        std::fputc('"', f);
    }
    std::fputc('\n', f);
}

/* Write j to path through core/outfile.h (as lparsim does: a regular file
 * replaced atomically, links followed, devices written in place, every
 * write checked); "" or the error. */
std::string write_out(const std::string &path, const jtree *j, bool csv)
{
    sim_err e;
    sim_err_clear(&e);
    outfile *o = outfile_open(path.c_str(), &e);
    std::FILE *f = o ? outfile_stream(o, &e) : nullptr;
    if (!f) {
        outfile_abort(o);
        return e.msg;
    }
    errno = 0;
    bool ok;
    if (csv) {
        CsvCtx c{f};
        std::fputs("metric,value\n", f);
        jtree_walk(j, csv_leaf, &c);
        ok = !std::ferror(f);
    } else {
        ok = jtree_write(j, f) == 0;
    }
    if (!ok) {
        std::string err = path + ": cannot write: " + std::strerror(errno ? errno : EIO);
        outfile_abort(o);
        return err;
    }
    return outfile_commit(o, &e) == 0 ? "" : e.msg;
}

/* Before simulating: each output could be written and is not the config. */
std::string check_outputs(const Options &o)
{
    sim_err e;
    sim_err_clear(&e);
    for (const std::string *p : {&o.json, &o.csv}) {
        if (p->empty())
            continue;
        if (outfile_check(p->c_str(), &e) != 0)
            return e.msg;
        if (outfile_same(p->c_str(), o.config.c_str()))
            return *p + ": cannot write: it is the input file " + o.config +
                   "; expected a different output path";
    }
    return "";
}

int run(const Options &o)
{
    if (platform_file_detect(o.config.c_str())) /* docs/platform.md */
        return fail(o.config + ": a platform file (top-level 'platform:'); platform files need "
                    "`lparsim run` (lparsim-sc runs one machine)");
    std::string bad = check_outputs(o);
    if (!bad.empty())
        return fail(bad);
    using clock = std::chrono::steady_clock;
    lparsim::Config cfg(o.config, o.sets);
    auto t0 = clock::now(); /* from building the machine, as lparsim run */
    Progress prog{t0};
    lparsim::MachineOptions mo;
    mo.quantum = sc_core::sc_time(o.quantum_ns, sc_core::SC_NS);
    if (isatty(2)) {
        mo.progress = on_progress;
        mo.progress_ctx = &prog;
    }
    lparsim::Machine m("machine", cfg, mo);
    sc_core::sc_start();
    double host = std::chrono::duration<double>(clock::now() - t0).count();
    if (prog.shown)
        std::fputc('\n', stderr);
    if (m.failed())
        return fail(m.error());
    if (!m.done())
        return fail("the SystemC simulation stopped before the machine finished");
    jtree *j = jtree_create();
    m.report_json(j);
    jtree_set_double(j, "sim.host_seconds", host);
    std::uint64_t records = machine_records(m.c_machine());
    jtree_set_double(j, "sim.records_per_host_second", host > 0 ? (double)records / host : 0.0);
    if (!o.quiet)
        machine_report_text(m.c_machine(), j, stdout);
    std::string err;
    if (!o.json.empty())
        err = write_out(o.json, j, false);
    if (err.empty() && !o.csv.empty())
        err = write_out(o.csv, j, true);
    jtree_destroy(j);
    return err.empty() ? 0 : fail(err);
}

} // namespace

int sc_main(int argc, char **argv)
{
    if (argc < 2)
        return usage("expected a command: run");
    if (!std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
        std::fputs(usage_text, stdout);
        return 0;
    }
    if (!std::strcmp(argv[1], "--version")) {
        std::printf("lparsim-sc %s (SystemC %s)\n", LPARSIM_VERSION, sc_core::sc_release());
        return 0;
    }
    if (std::strcmp(argv[1], "run") != 0)
        return usage(std::string("unknown command '") + argv[1] + "'");
    Options o;
    int st = parse(argc, argv, o);
    if (st)
        return st;
    try {
        return run(o);
    } catch (const std::exception &x) { /* lparsim::Error, or a SystemC report */
        return fail(x.what());
    }
}

int main(int argc, char **argv)
{
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    return sc_core::sc_elab_and_sim(argc, argv);
}
