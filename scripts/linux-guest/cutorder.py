#!/usr/bin/env python3
"""cutorder.py - cut a recording of several vCPUs (scripts/record-linux-guest.sh
--vcpus N) down to a size, keeping its hcall order consistent.

    cutorder.py DIR MAX_INSNS

Each DIR/vcpuN.qemu.log.gz keeps its prologue and the start of its window,
up to (not including) the sc 1 of its first hcall whose order (K 19) is K or
more, where K is the largest order at which no vCPU keeps more than
MAX_INSNS window instructions. Cutting every vCPU at the same order keeps
the orders of the kept hcalls dense from 0 (a vCPU cut at its own size
instead would leave another waiting for an order that is gone). Each cut
log ends with its own `E <count>` line. The window rows of DIR/hcalls.txt
that were cut get part `cut`. Appends what it did to DIR/summary.txt;
re-import the logs afterwards (`lparsim trace import --format qemu`).
"""
import gzip
import os
import sys


def scan(path):
    """(window instructions, [(instructions before it, order)] of the window's
    K 19 lines) of one vCPU's log."""
    insns, orders, seen = 0, [], False
    with gzip.open(path, "rt") as f:
        for line in f:
            if line[0] == "I":
                seen = True
                insns += 1
            elif seen and line.startswith("K 19 "):
                orders.append((insns - 1, int(line[5:], 16)))  # before its sc 1
    return insns, orders


def kept(scanned, k):
    """Window instructions a vCPU keeps when cut at order k."""
    total, orders = scanned
    return next((n for n, o in orders if o >= k), total)


def cut(path, k):
    """Rewrite the log without the sc 1 of its first hcall ordered k or more
    and everything after it. Returns the instructions kept and the window's
    H lines kept, with (gdb) and without (li r3) their K 19."""
    tmp = path + ".cut"
    n, held = 0, []  # held: the lines of the instruction being read
    hs = [0, 0]
    with gzip.open(path, "rt") as f, gzip.open(tmp, "wt", compresslevel=6) as g:
        prev = ""
        for line in f:
            if line[0] in "IE":
                g.writelines(held)
                held = []
                if line[0] == "E":
                    break
                n += 1
            elif line.startswith("K 19 ") and n and int(line[5:], 16) >= k:
                n -= 1  # the held sc 1 goes, with its H
                held = []
                break
            elif line[0] == "H" and n:
                hs[not prev.startswith("K 19 ")] += 1
            held.append(line)
            prev = line
        g.writelines(held)
        g.write("E %d\n" % n)
    os.replace(tmp, path)
    return n, hs


def mark_cut(d, kept):
    """hcalls.txt: window rows beyond what vCPU c kept (kept[c]: gdb rows,
    li-r3 rows) become part `cut`."""
    path = os.path.join(d, "hcalls.txt")
    if not os.path.exists(path):
        return
    seen = {}
    with open(path) as f, open(path + ".cut", "w") as g:
        for line in f:
            x = line.split(" ")
            if line[0] != "#" and len(x) > 5 and x[5] == "window":
                c, li = int(x[0]), x[1] == "-"
                s = seen.setdefault(c, [0, 0])
                s[li] += 1
                if s[li] > kept.get(c, (0, 0))[li]:
                    x[5] = "cut"
                    line = " ".join(x)
            g.write(line)
    os.replace(path + ".cut", path)


def main():
    if len(sys.argv) != 3 or not sys.argv[2].isdigit():
        sys.exit(__doc__)
    d, limit = sys.argv[1], int(sys.argv[2])
    logs = sorted(x for x in os.listdir(d) if x.startswith("vcpu") and
                  x.endswith(".qemu.log.gz"))
    if len(logs) < 2:
        sys.exit("cutorder: %s: fewer than two vCPU logs" % d)
    sc = {x: scan(os.path.join(d, x)) for x in logs}
    cands = sorted({o for s in sc.values() for _, o in s[1]})
    fits = [k for k in cands if max(kept(s, k) for s in sc.values()) <= limit]
    if max(s[0] for s in sc.values()) <= limit:
        sys.exit("cutorder: every window already has at most %d instructions" % limit)
    if not fits:
        sys.exit("cutorder: no hcall order keeps every window under %d instructions" % limit)
    k = fits[-1]
    with open(os.path.join(d, "summary.txt"), "a") as f:
        f.write("\ncut at hcall order %d (scripts/linux-guest/cutorder.py, at most %d window "
                "instructions per vCPU):\n" % (k, limit))
        keep = {}
        for x in logs:
            n, hs = cut(os.path.join(d, x), k)
            keep[int(x[4:].split(".")[0])] = hs
            f.write("  %s: %d of %d window instructions kept, %d + %d window hcalls (with "
                    "registers + from li r3)\n" % (x, n, sc[x][0], hs[0], hs[1]))
            print("cutorder: %s: %d of %d window instructions kept" % (x, n, sc[x][0]))
    mark_cut(d, keep)


if __name__ == "__main__":
    main()
