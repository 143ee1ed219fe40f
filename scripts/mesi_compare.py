#!/usr/bin/env python3
"""mesi_compare.py - what cache.coherence: mesi changes against none.

    scripts/mesi_compare.py [--bin BUILD/lparsim] [--runs N] CONFIG...

For each config: `lparsim run CONFIG -q --json` with --set
cache.coherence=none and =mesi; prints one markdown row per config with the
simulated cycles (sim.cycles) of both, the relative change, the mean cycles
of the config's three costliest operations (largest total under none) under
both, and the coherence counters of the mesi run (interventions on/off chip,
invalidations, upgrades). Then, for the first config, the host wall time of
N runs of each, alternating (median, min, max): the speed cost of mesi. Figures only, no verdict.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def run(binary, cfg, mode, out):
    cmd = [binary, "run", cfg, "-q", "--json", out, "--set", "cache.coherence=" + mode]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    dt = time.perf_counter() - t0
    with open(out) as f:
        return json.load(f), dt


def ops(node, path=""):
    """Every operation histogram in the report: {path: (count, mean, total)}."""
    found = {}
    if isinstance(node, dict):
        if "count" in node and "mean" in node and "total" in node:
            found[path] = (node["count"], node["mean"], node["total"])
        else:
            for k, v in node.items():
                found.update(ops(v, path + "." + k if path else k))
    return found


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--bin", default=os.path.join(here, "..", "build", "release", "lparsim"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("configs", nargs="+")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp()
    print("| config | cycles none | cycles mesi | change | key ops: mean none -> mesi | "
          "interventions on/off | invalidations | upgrades |")
    print("|---|---|---|---|---|---|---|---|")
    for cfg in a.configs:
        rn, _ = run(a.bin, cfg, "none", os.path.join(tmp, "n.json"))
        rm, _ = run(a.bin, cfg, "mesi", os.path.join(tmp, "m.json"))
        if "sim" not in rn:
            print("| %s | (not a single-machine report: skipped) |||||||" % cfg)
            continue
        cn, cm = rn["sim"]["cycles"], rm["sim"]["cycles"]
        on, om = ops(rn.get("ops", {})), ops(rm.get("ops", {}))
        key = sorted((p for p in on if on[p][0] > 0), key=lambda p: -on[p][2])[:3]
        kops = "; ".join("%s %.0f -> %.0f" % (p, on[p][1], om[p][1]) for p in key)
        co = rm["cache"]["coherence"]
        print("| %s | %d | %d | %+.3f%% | %s | %d / %d | %d | %d |" % (
            cfg, cn, cm, 100.0 * (cm - cn) / cn if cn else 0.0, kops,
            co["interventions_onchip"], co["interventions_offchip"], co["invalidations"],
            co["upgrades"]))
        sys.stdout.flush()
    cfg = a.configs[0]
    ts = {"none": [], "mesi": []}
    for _ in range(a.runs):  # alternating, so that a change of host load hits both
        for mode in ("none", "mesi"):
            ts[mode].append(run(a.bin, cfg, mode, os.path.join(tmp, "t.json"))[1])
    for mode in ("none", "mesi"):
        t = ts[mode]
        print("host wall time, %s, %s: median %.3f s of %d runs (min %.3f, max %.3f)" % (
            cfg, mode, statistics.median(t), a.runs, min(t), max(t)))


if __name__ == "__main__":
    main()
