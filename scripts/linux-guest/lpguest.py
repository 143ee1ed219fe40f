#!/usr/bin/env python3
"""lpguest.py - host-side helpers of scripts/record-linux-guest.sh.

  lpguest.py probes VMLINUX              kprobe_events lines (stdout)
  lpguest.py stamp CONSOLE TIMES         copy stdin to CONSOLE, note host
                                         times of the @@ delimiter lines
  lpguest.py merge DIR NCPU              decode the in-guest record from
                                         DIR/console.txt, align it with the
                                         plugin's sc 1 per vCPU, insert H
                                         lines, write hcalls.txt, summary.txt

Probes: every `sc 1` (word 0x44000022) of the kernel image lies in one of
the hvCall.S wrappers below. Each wrapper gets an entry probe (opcode and
arguments as passed: registers, plpar_hcall9's last three from the stack
parameter area) and each sc 1 site a probe on the instruction after it
(r3 = return code, r4.. = returned values). A pair (entry, exit) on one
CPU is one hcall; the exit probe's address - 4 is the sc 1 site.
"""
import base64
import gzip
import re
import subprocess
import sys
import time

WRAPPERS = {  # name: (first argument register, register arguments, stack args, rets)
    "plpar_hcall_norets_notrace": (4, 7, 0, 0),
    "plpar_hcall_norets": (4, 7, 0, 0),
    "plpar_hcall": (5, 6, 0, 4),
    "plpar_hcall_raw": (5, 6, 0, 4),
    "plpar_hcall9": (5, 6, 3, 9),
    "plpar_hcall9_raw": (5, 6, 3, 9),
}
# arguments PAPR defines for the hcalls a Linux guest makes (LoPAR); an
# opcode not listed keeps every argument its wrapper passed
NARGS = {0x04: 4, 0x08: 4, 0x0C: 3, 0x10: 2, 0x14: 8, 0x18: 3, 0x1C: 2, 0x20: 1,
         0x24: 2, 0x28: 2, 0x2C: 2, 0x54: 1, 0x58: 1, 0x64: 1, 0x6C: 1, 0x70: 2,
         0x74: 0, 0x78: 1, 0x7C: 1, 0xDC: 3, 0xE0: 0, 0xE4: 2, 0xE8: 1,
         0x2A4: 1, 0x31C: 4, 0xF000: 1}
NAMES = {0x04: "H_REMOVE", 0x08: "H_ENTER", 0x0C: "H_READ", 0x10: "H_CLEAR_MOD",
         0x14: "H_CLEAR_REF", 0x18: "H_PROTECT", 0x1C: "H_GET_TCE", 0x20: "H_PUT_TCE",
         0x24: "H_SET_SPRG0", 0x28: "H_SET_DABR", 0x2C: "H_PAGE_INIT", 0x54: "H_GET_TERM_CHAR",
         0x58: "H_PUT_TERM_CHAR", 0x64: "H_EOI", 0x6C: "H_IPI", 0x70: "H_IPOLL",
         0x74: "H_XIRR", 0x78: "H_CPPR", 0x7C: "H_SET_XDABR", 0xDC: "H_REGISTER_VPA",
         0xE0: "H_CEDE", 0xE4: "H_CONFER", 0xE8: "H_PROD", 0x18C: "H_BULK_REMOVE",
         0x2A4: "H_RANDOM", 0x31C: "H_SET_MODE", 0xF000: "H_RTAS",
         0x130: "H_GET_PPP", 0x2C8: "H_GET_CPU_CHARACTERISTICS", 0x2C4: "H_XIRR_X",
         0x3C4: "H_INT_GET_SOURCE_INFO", 0x3A8: "H_INT_GET_SOURCE_CONFIG"}
NARGS[0x18C] = 8
MAX_NATIVE_ARGS = 6  # TR_HCALL holds 0..6 arguments (docs/trace_format.md)


def sym_addrs(vmlinux):
    out = subprocess.run(["powerpc64le-linux-gnu-nm", vmlinux], check=True,
                         capture_output=True, text=True).stdout
    return {f[2]: int(f[0], 16) for f in (l.split() for l in out.splitlines())
            if len(f) == 3 and f[2] in WRAPPERS}


def sc1_sites(vmlinux):
    out = subprocess.run(["powerpc64le-linux-gnu-objdump", "-d", "--no-show-raw-insn",
                          vmlinux], check=True, capture_output=True, text=True).stdout
    return [int(m.group(1), 16) for m in re.finditer(r"^([0-9a-f]+):\s+sc\s+1\s*$", out, re.M)]


def probes(vmlinux):
    syms = sym_addrs(vmlinux)
    missing = sorted(set(WRAPPERS) - set(syms))
    if missing:
        sys.exit("lpguest: %s: no symbol %s" % (vmlinux, ", ".join(missing)))
    by_addr = sorted((a, n) for n, a in syms.items())
    print("# entry probes (opcode, arguments as passed)")
    for addr, name in by_addr:
        first, nreg, nstack, _ = WRAPPERS[name]
        args = ["op=%r3:x64"] + ["a%d=%%r%d:x64" % (i + 1, first + i) for i in range(nreg)]
        args += ["a%d=+%d(%%r1):x64" % (nreg + i + 1, 96 + 8 * i) for i in range(nstack)]
        print("p:lpsys/e_%s %s %s" % (name, name, " ".join(args)))
    print("# exit probes: the instruction after each sc 1")
    for i, site in enumerate(sc1_sites(vmlinux)):
        owner = [n for a, n in by_addr if a <= site]
        if not owner or site - syms[owner[-1]] > 0x200:
            sys.exit("lpguest: sc 1 at 0x%x is in no hcall wrapper (%s); cannot probe it"
                     % (site, ", ".join(WRAPPERS)))
        nret = WRAPPERS[owner[-1]][3]
        args = ["ret=%r3:x64"] + ["r%d=%%r%d:x64" % (k + 1, 4 + k) for k in range(nret)]
        print("p:lpsys/x_%x 0x%x %s" % (site, site + 4, " ".join(args)))


def stamp(console, times):
    t0 = time.monotonic()
    with open(console, "w") as c, open(times, "w") as t:
        for line in sys.stdin:
            c.write(line)
            if line.startswith("@@LPSYS-"):
                t.write("%.3f %s\n" % (time.monotonic() - t0, line.split()[0]))
                t.flush()


EV = re.compile(r"^\s*(.*)-(\d+)\s+\[(\d+)\]\s+\S+\s+([\d.]+):\s+(\S+):\s+(.*)$")


def guest_record(console, ncpu):
    """Per CPU: list of events (name, fields dict or marker text)."""
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
            if line.startswith("#"):
                continue
            e = EV.match(line)
            if not e:
                continue
            name, body = e.group(5), e.group(6)
            if name == "tracing_mark_write":
                evs.append(("mark", body.strip()))
                continue
            if not name.startswith(("e_", "x_")):
                continue
            f = dict(kv.split("=", 1) for kv in body.split() if "=" in kv)
            evs.append((name, {k: int(v, 16) for k, v in f.items()}))
        cpus[c] = evs
    return cpus, stats


def pair_hcalls(evs, c):
    """Events between 'lpmark start c' and 'lpmark stop c' -> hcalls in sc 1
    order: (site, opcode, args, rets). Entries nest (an interrupt may make
    hcalls between a wrapper's entry and its sc 1): a stack pairs them."""
    out, stack, on, unpaired = [], [], False, 0
    for name, f in evs:
        if name == "mark":
            if f == "lpmark start %d" % c:
                on = True
            elif f == "lpmark stop %d" % c:
                on = False
            continue
        if name.startswith("e_"):
            stack.append((name[2:], f))
            continue
        site = int(name[2:], 16)
        if not stack:
            unpaired += 1
            continue
        wname, ef = stack.pop()
        if not on:
            continue
        _, nreg, nstack, nret = WRAPPERS[wname]
        op = ef["op"]
        args = [ef["a%d" % (i + 1)] for i in range(nreg + nstack)]
        args = args[:NARGS.get(op, len(args))]
        rets = [f["ret"]] + [f["r%d" % (k + 1)] for k in range(nret)]
        out.append((site, op, args, rets, wname))
    return out, unpaired


def merge(d, ncpu):
    cpus, stats = guest_record(d + "/console.txt", ncpu)
    counts = {}
    for l in open(d + "/plugin-counts.txt"):
        if not l.startswith("#"):
            f = l.split()
            counts[int(f[0])] = [int(x) for x in f[1:]]
    hc = open(d + "/hcalls.txt", "w")
    hc.write("# cpu seq site opcode name wrapper args... = ret rets...  "
             "(in-guest kprobes, per CPU between the lpmark rounds)\n")
    rows, kinds, total_trunc = [], {}, 0
    for c in range(ncpu):
        calls, unpaired = pair_hcalls(cpus[c], c)
        for i, (site, op, args, rets, w) in enumerate(calls):
            hc.write("%d %d %x %#x %s %s %s = %s\n" % (
                c, i, site, op, NAMES.get(op, "?"), w, " ".join("%#x" % a for a in args),
                " ".join("%#x" % (r & (2**64 - 1)) for r in rets)))
            kinds[NAMES.get(op, "%#x" % op)] = kinds.get(NAMES.get(op, "%#x" % op), 0) + 1
        # insert H lines after each sc 1 of the window, in order
        src, dst = d + "/vcpu%d.log.gz" % c, d + "/vcpu%d.qemu.log.gz" % c
        k = ins = kern = recs = trunc = 0
        mism = []
        with gzip.open(src, "rt") as fi, gzip.open(dst, "wt", compresslevel=6) as fo:
            for line in fi:
                fo.write(line)
                t = line[0]
                if t in "ILS":
                    recs += 1
                if t == "I":
                    ins += 1
                    pc, word = line.split()[1:3]
                    if len(pc) == 16 and pc[0] == "c":
                        kern += 1
                    if word == "44000022":
                        if k < len(calls):
                            site, op, args, _, _ = calls[k]
                            if site != int(pc, 16):
                                mism.append(k)
                            trunc += len(args) > MAX_NATIVE_ARGS
                            fo.write("H %x %s\n" % (op, " ".join(
                                "%x" % a for a in args[:MAX_NATIVE_ARGS])))
                            recs += 1
                        k += 1
        total_trunc += trunc
        pc_ = counts.get(c, [0] * 8)
        st = stats[c]
        rows.append((c, ins, kern, recs, k, len(calls), len(mism), unpaired, trunc, pc_,
                     st.get("overrun", "?").strip(), st.get("dropped events", "?").strip()))
    hc.close()
    return rows, kinds, total_trunc


def summary(d, ncpu, times, rows, kinds, trunc):
    t = {}
    for l in open(times):
        s, name = l.split()
        t.setdefault(name, float(s))
    w = open(d + "/summary.txt", "w")
    b, wb, we, dn = (t.get(k) for k in ("@@LPSYS-WORKLOAD-BEGIN", "@@LPSYS-WORKLOAD-BEGIN",
                                        "@@LPSYS-WORKLOAD-END", "@@LPSYS-DONE"))
    w.write("host time, QEMU start to workload begin (boot): %.1f s\n" % b)
    w.write("host time, workload (between the delimiters): %.1f s\n" % (we - wb))
    w.write("host time, dump of the in-guest record: %.1f s\n" % (dn - we))
    w.write("\nper vCPU (window = between the lpmark rounds):\n")
    w.write("vcpu insns_run kernel_share_run insns_window kernel_share_window records_window "
            "sc1_window hcalls_in_guest match site_mismatch unpaired_exits ftrace_overrun "
            "args_cut_to_6\n")
    ok = True
    for (c, ins, kern, recs, sc, ng, mism, unp, tr, pc_, ovr, _) in rows:
        match = sc == ng and mism == 0
        ok &= match
        w.write("%d %d %.3f %d %.3f %d %d %d %s %d %d %s %d\n" % (
            c, pc_[0], pc_[1] / max(pc_[0], 1), ins, kern / max(ins, 1), recs, sc, ng,
            "yes" if match else "NO", mism, unp, ovr, tr))
    w.write("\nsc 1 per vCPU (plugin) equals hcalls per CPU (in-guest): %s\n"
            % ("yes, every vCPU" if ok else "NO (see above)"))
    w.write("\nhcalls by kind (in-guest record, window):\n")
    for k, n in sorted(kinds.items(), key=lambda x: -x[1]):
        w.write("  %-28s %d\n" % (k, n))
    if trunc:
        w.write("\n%d hcalls had more than %d arguments: their H lines keep the first %d "
                "(all are in hcalls.txt)\n" % (trunc, MAX_NATIVE_ARGS, MAX_NATIVE_ARGS))
    w.close()
    return ok


def main():
    a = sys.argv[1:]
    if a[:1] == ["probes"] and len(a) == 2:
        probes(a[1])
    elif a[:1] == ["stamp"] and len(a) == 3:
        stamp(a[1], a[2])
    elif a[:1] == ["merge"] and len(a) == 4:
        rows, kinds, trunc = merge(a[1], int(a[2]))
        sys.exit(0 if summary(a[1], int(a[2]), a[3], rows, kinds, trunc) else 3)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
