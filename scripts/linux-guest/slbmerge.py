#!/usr/bin/env python3
"""slbmerge.py - put the guest's SLB loads into a merged vCPU log
(scripts/record-linux-guest.sh, after `lpguest.py merge`).

    slbmerge.py DIR NCPU

Reads DIR/slbmte-gdb.txt (every slbmte from reset with its operands, from
the replay under gdb: "vcpu seq pc rb rs", hex) and DIR/plugin-counts.txt
(per vCPU: slbmte_all, slbmte_before_window), and rewrites each
DIR/vcpuN.qemu.log.gz: the slbmtes before the window become
`K 18 <rb> <rs>` lines in the prologue (before the first I line, after the
hcall prologue), and each slbmte I line of the window is followed by its
`K 18 <rb> <rs>` line (the importer makes them version 3 slbmte markers,
which a full-system LPAR's segments come from: docs/full-system.md).
Checks, each fatal: gdb saw as many slbmtes as the plugin counted, and the
n-th slbmte of the window is at the pc gdb logged for it. Appends its
figures to DIR/summary.txt.
"""
import gzip
import os
import sys

SLBMTE, SLBMTE_MASK = 0x7C000324, 0xFC0007FE


def counts(d):
    """Per vCPU the plugin's counters, by column name."""
    names, out = None, {}
    for line in open(os.path.join(d, "plugin-counts.txt")):
        if line.startswith("# vcpu"):
            names = line[2:].split()
        elif not line.startswith("#") and names:
            f = line.split()
            out[int(f[0])] = dict(zip(names[1:], (int(x) for x in f[1:])))
    return out


def gdb_slb(path):
    out = {}
    for line in open(path):
        if line.startswith("#"):
            continue
        v, _, pc, rb, rs = line.split()
        out.setdefault(int(v), []).append((int(pc, 16), int(rb, 16), int(rs, 16)))
    return out


def merge_vcpu(d, c, loads, before):
    """Rewrite vcpu c's log; returns (prologue loads, window loads)."""
    src = os.path.join(d, "vcpu%d.qemu.log.gz" % c)
    tmp = src + ".slb.tmp"
    k = 0
    with gzip.open(src, "rt") as fi, gzip.open(tmp, "wt", compresslevel=6) as fo:
        first = True
        for line in fi:
            t = line[0]
            if t == "I" and first:
                first = False
                for pc, rb, rs in loads[:before]:
                    fo.write("K 18 %x %x\n" % (rb, rs))
            fo.write(line)
            if t != "I":
                continue
            f = line.split()
            if int(f[2], 16) & SLBMTE_MASK != SLBMTE:
                continue
            pc = int(f[1], 16)
            i = before + k
            if i >= len(loads) or (loads[i][0] | (0xC << 60)) != (pc | (0xC << 60)):
                os.unlink(tmp)
                sys.exit("slbmerge: vcpu %d: window slbmte %d at pc %x, but gdb logged %s "
                         "for slbmte %d from reset: misaligned" % (
                             c, k, pc, "%x" % loads[i][0] if i < len(loads) else "none", i))
            fo.write("K 18 %x %x\n" % (loads[i][1], loads[i][2]))
            k += 1
    os.replace(tmp, src)
    return before, k


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: slbmerge.py DIR NCPU")
    d, ncpu = sys.argv[1], int(sys.argv[2])
    cn = counts(d)
    slb = gdb_slb(os.path.join(d, "slbmte-gdb.txt"))
    lines = []
    for c in range(ncpu):
        if "slbmte_all" not in cn.get(c, {}):
            sys.exit("slbmerge: %s/plugin-counts.txt has no slbmte counts for vcpu %d (an old "
                     "plugin?)" % (d, c))
        loads, want = slb.get(c, []), cn[c]["slbmte_all"]
        if len(loads) != want:
            sys.exit("slbmerge: vcpu %d: gdb logged %d slbmte on the replay, the plugin counted "
                     "%d on the recording" % (c, len(loads), want))
        p, w = merge_vcpu(d, c, loads, cn[c]["slbmte_before_window"])
        lines.append("vcpu %d: slbmte %d from reset (gdb = plugin): %d in the prologue, %d in "
                     "the window (pcs aligned)" % (c, want, p, w))
    with open(os.path.join(d, "summary.txt"), "a") as f:
        for line in lines:
            f.write(line + "\n")
    for line in lines:
        print("slbmerge: " + line)


if __name__ == "__main__":
    main()
