#!/usr/bin/env python3
"""lpguest.py - host-side helpers of scripts/record-linux-guest.sh.

  lpguest.py sites VMLINUX               the kernel's sc 1 sites (stdout)
  lpguest.py stamp CONSOLE TIMES         copy stdin to CONSOLE, note host
                                         times of the @@ delimiter lines
  lpguest.py merge DIR NCPU TIMES        decode the in-guest record from
                                         DIR/console.txt, align it with the
                                         plugin's sc 1 per vCPU, insert H
                                         lines, write hcalls.txt, summary.txt

In-guest record: the kernel's powerpc:hcall_entry (opcode) and hcall_exit
(opcode, return code) tracepoints, per CPU in order. Debian's kernel marks
the hvCall.S wrappers notrace and lacks KPROBE_EVENTS_ON_NOTRACE, so
kprobes on them (arguments, returned values) are refused. Every sc 1 of the
image lies in hvCall.S; while the tracepoints are on, the traced wrappers
take their *_trace path, whose sc 1 sites are the ones the tracepoints
bracket. The others (plpar_hcall_norets_notrace: H_CEDE from idle, H_CONFER
from the paravirt spinlock, H_WATCHDOG; the *_raw wrappers) are not
recorded in the guest: their opcode is recovered from the plugin stream as
the immediate of the last `li r3,IMM` the vCPU executed before the sc 1
(every caller of those wrappers in this kernel loads r3 that way).
"""
import base64
import gzip
import re
import subprocess
import sys
import time

LI_R3 = 0x38600000  # addi r3,0,IMM (li r3,IMM)
NAMES = {0x04: "H_REMOVE", 0x08: "H_ENTER", 0x0C: "H_READ", 0x10: "H_CLEAR_MOD",
         0x14: "H_CLEAR_REF", 0x18: "H_PROTECT", 0x1C: "H_GET_TCE", 0x20: "H_PUT_TCE",
         0x24: "H_SET_SPRG0", 0x28: "H_SET_DABR", 0x2C: "H_PAGE_INIT", 0x54: "H_GET_TERM_CHAR",
         0x58: "H_PUT_TERM_CHAR", 0x64: "H_EOI", 0x68: "H_CPPR", 0x6C: "H_IPI", 0x70: "H_IPOLL",
         0x74: "H_XIRR", 0xDC: "H_REGISTER_VPA",
         0xE0: "H_CEDE", 0xE4: "H_CONFER", 0xE8: "H_PROD", 0x124: "H_BULK_REMOVE",
         0x300: "H_RANDOM", 0x31C: "H_SET_MODE", 0xF000: "H_RTAS"}


def sites(vmlinux):
    """(address, enclosing symbol) of every sc 1 in the image."""
    out = subprocess.run(["powerpc64le-linux-gnu-objdump", "-d", "--no-show-raw-insn",
                          vmlinux], check=True, capture_output=True, text=True).stdout
    res, fn = [], "?"
    for line in out.splitlines():
        m = re.match(r"^([0-9a-f]{16}) <(.*)>:$", line)
        if m:
            fn = m.group(2)
        elif re.match(r"^\s*[0-9a-f]+:\s+sc\s+1\s*$", line):
            res.append((int(line.split(":")[0], 16), fn))
    return res


def stamp(console, times):
    t0 = time.monotonic()
    with open(console, "w") as c, open(times, "w") as t:
        for line in sys.stdin:
            c.write(line)
            c.flush()
            if line.startswith("@@LPSYS-"):
                t.write("%.3f %s\n" % (time.monotonic() - t0, line.split()[0]))
                t.flush()


EV = re.compile(r"^\s*(.*)-(\d+)\s+\[(\d+)\]\s+\S+\s+([\d.]+):\s+(\S+):\s+(.*)$")


def guest_record(console, ncpu):
    """Per CPU: its events in order: ("mark", text) or (name, fields)."""
    text = open(console, errors="replace").read()
    if "@@LPSYS-DONE" not in text:
        sys.exit("lpguest: %s: no @@LPSYS-DONE line (did the guest crash?)" % console)
    cpus, stats = {}, {}
    for c in range(ncpu):
        m = re.search(r"^@@LPSYS-CPU %d\r?\n(.*?)^@@LPSYS-STATS %d\r?\n(.*?)^@@LPSYS-"
                      % (c, c), text, re.M | re.S)
        if not m:
            sys.exit("lpguest: %s: no trace of cpu %d" % (console, c))
        raw = gzip.decompress(base64.b64decode("".join(m.group(1).split()))).decode()
        stats[c] = dict(l.split(":", 1) for l in m.group(2).splitlines() if ":" in l)
        evs = []
        for line in raw.splitlines():
            e = EV.match(line)
            if not e or line.startswith("#"):
                continue
            name, body = e.group(5), e.group(6)
            if name == "tracing_mark_write":
                evs.append(("mark", body.strip()))
            elif name in ("hcall_entry", "hcall_exit"):
                f = dict(kv.split("=", 1) for kv in body.split() if "=" in kv)
                evs.append((name, {k: int(v, 0) for k, v in f.items()}))
        cpus[c] = evs
    return cpus, stats


def pair_hcalls(evs, c):
    """hcall_entry/hcall_exit pairs between 'lpmark start c' and 'lpmark stop
    c', in exit order (= sc 1 order unless an interrupt between an sc 1 and
    its exit tracepoint makes hcalls: then an opcode check fails below).
    Returns [(opcode, return code)], number of unpaired events."""
    out, stack, on, bad = [], [], False, 0
    for name, f in evs:
        if name == "mark":
            on = {"lpmark start %d" % c: True, "lpmark stop %d" % c: False}.get(f, on)
        elif name == "hcall_entry":
            stack.append(f["opcode"])
        elif not stack or stack[-1] != f["opcode"]:
            bad += 1
            stack = []
        else:
            stack.pop()
            if on:
                out.append((f["opcode"], f["retval"]))
    return out, bad


def merge(d, ncpu, site_of):
    cpus, stats = guest_record(d + "/console.txt", ncpu)
    counts = {}
    for l in open(d + "/plugin-counts.txt"):
        if not l.startswith("#"):
            f = l.split()
            counts[int(f[0])] = [int(x) for x in f[1:]]
    hc = open(d + "/hcalls.txt", "w")
    hc.write("# cpu seq site opcode name source [return code]  (source: tracepoint = the "
             "in-guest record; li-r3 = recovered from the plugin stream, no return code)\n")
    rows, kinds = [], {}
    for c in range(ncpu):
        calls, bad = pair_hcalls(cpus[c], c)
        src, dst = d + "/vcpu%d.log.gz" % c, d + "/vcpu%d.qemu.log.gz" % c
        k = ins = kern = recs = sc = traced = inferred = unknown = mism = 0
        last_li = None
        with gzip.open(src, "rt") as fi, gzip.open(dst, "wt", compresslevel=6) as fo:
            for line in fi:
                fo.write(line)
                t = line[0]
                if t in "LS":
                    recs += 1
                if t != "I":
                    continue
                recs += 1
                ins += 1
                pc, word = line.split()[1:3]
                if len(pc) == 16 and pc[0] == "c":
                    kern += 1
                w = int(word, 16)
                if w & 0xffff0000 == LI_R3:
                    last_li = w & 0xffff
                if w != 0x44000022:
                    continue
                sc += 1
                fn = site_of.get(int(pc, 16), "?")
                if fn.endswith("_trace") and k < len(calls):
                    op, ret = calls[k]
                    k += 1
                    traced += 1
                    src_ = "tracepoint %d" % ret
                elif fn.endswith("_trace"):
                    op, src_ = None, "?"
                    mism += 1
                elif last_li is not None:
                    op, src_ = last_li, "li-r3"
                    inferred += 1
                else:
                    op, src_ = None, "?"
                    unknown += 1
                last_li = None
                hc.write("%d %d %s %s %s %s\n" % (c, sc - 1, pc, "%#x" % op if op is not None
                                                   else "?", NAMES.get(op, "?"), src_))
                if op is not None:
                    nm = NAMES.get(op, "%#x" % op)
                    kinds[nm] = kinds.get(nm, 0) + 1
                    fo.write("H %x\n" % op)
                    recs += 1
        pc_ = counts.get(c, [0] * 8)
        rows.append((c, ins, kern, recs, sc, traced, len(calls), inferred, unknown,
                     mism + (len(calls) - k), bad, pc_, stats[c].get("overrun", "?").strip()))
    hc.close()
    return rows, kinds


def summary(d, times, rows, kinds):
    t = {}
    for l in open(times):
        s, name = l.split()
        t.setdefault(name, float(s))
    w = open(d + "/summary.txt", "w")
    wb, we, dn = (t.get(k) for k in ("@@LPSYS-WORKLOAD-BEGIN", "@@LPSYS-WORKLOAD-END",
                                     "@@LPSYS-DONE"))
    w.write("host time, QEMU start to workload begin (boot): %.1f s\n" % wb)
    w.write("host time, workload (between the delimiters): %.1f s\n" % (we - wb))
    w.write("host time, dump of the in-guest record and power-off: %.1f s\n" % (dn - we))
    w.write("\nper vCPU (run = from reset; window = between the lpmark rounds):\n")
    w.write("vcpu insns_run kernel_share_run insns_window kernel_share_window records_window "
            "sc1_window sc1_traced_sites hcalls_in_guest recovered_li_r3 unknown_opcode "
            "match ftrace_unpaired ftrace_overrun\n")
    ok = True
    for (c, ins, kern, recs, sc, traced, ng, inf, unk, mism, bad, pc_, ovr) in rows:
        match = traced == ng and mism == 0 and bad == 0
        ok &= match
        w.write("%d %d %.3f %d %.3f %d %d %d %d %d %d %s %d %s\n" % (
            c, pc_[0], pc_[1] / max(pc_[0], 1), ins, kern / max(ins, 1), recs, sc, traced, ng,
            inf, unk, "yes" if match else "NO", bad, ovr))
    w.write("\nsc 1 at traced sites per vCPU (plugin) equals hcalls per CPU (in-guest): %s\n"
            % ("yes, every vCPU" if ok else "NO (see above)"))
    w.write("\nhcalls by kind (window; tracepoint record plus li-r3 recoveries):\n")
    for k, n in sorted(kinds.items(), key=lambda x: -x[1]):
        w.write("  %-28s %d\n" % (k, n))
    w.close()
    return ok


def main():
    a = sys.argv[1:]
    if a[:1] == ["sites"] and len(a) == 2:
        for addr, fn in sites(a[1]):
            print("%x %s" % (addr, fn))
    elif a[:1] == ["stamp"] and len(a) == 3:
        stamp(a[1], a[2])
    elif a[:1] == ["merge"] and len(a) == 4:
        site_of = {}
        for l in open(a[1] + "/sc1-sites.txt"):
            f = l.split()
            site_of[int(f[0], 16)] = f[1]
        rows, kinds = merge(a[1], int(a[2]), site_of)
        sys.exit(0 if summary(a[1], a[3], rows, kinds) else 3)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
