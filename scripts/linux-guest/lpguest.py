#!/usr/bin/env python3
"""lpguest.py - host-side helpers of scripts/record-linux-guest.sh.

  lpguest.py sites VMLINUX [slbmte]      the kernel's sc 1 (or slbmte) sites (stdout)
  lpguest.py stamp CONSOLE TIMES         copy stdin to CONSOLE, note host
                                         times of the @@ delimiter lines
  lpguest.py merge DIR NCPU TIMES SRC    SRC gdb: the replay's hcall log
                                         (DIR/hcalls-gdb.txt, from reset);
                                         tracepoint: the in-guest record in
                                         DIR/console.txt; align it with the
                                         plugin's sc 1 per vCPU, insert H (and
                                         R) lines, write hcalls.txt, summary.txt
  lpguest.py check LOG.gz                check a merged log's H/R structure

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
import os
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
         0x300: "H_RANDOM", 0x31C: "H_SET_MODE", 0xF000: "H_RTAS", 0x138: "H_STUFF_TCE",
         0x1C8: "H_GET_CPU_CHARACTERISTICS", 0x37C: "H_REGISTER_PROC_TBL",
         0x2EC: "H_HOME_NODE_ASSOCIATIVITY",
         0x3A8: "H_INT_GET_SOURCE_INFO", 0x3AC: "H_INT_SET_SOURCE_CONFIG",
         0x3B4: "H_INT_GET_QUEUE_INFO", 0x3B8: "H_INT_SET_QUEUE_CONFIG"}


def sites(vmlinux, insn="sc 1"):
    """(address, enclosing symbol) of every `insn` (sc 1, or slbmte) in the image."""
    out = subprocess.run(["powerpc64le-linux-gnu-objdump", "-d", "--no-show-raw-insn",
                          vmlinux], check=True, capture_output=True, text=True).stdout
    res, fn = [], "?"
    for line in out.splitlines():
        m = re.match(r"^([0-9a-f]{16}) <(.*)>:$", line)
        if m:
            fn = m.group(2)
        elif (re.match(r"^\s*[0-9a-f]+:\s+sc\s+1\s*$", line) if insn == "sc 1" else
              re.match(r"^\s*[0-9a-f]+:\s+slbmte\s", line)):
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


# Registers an hcall takes and gives back, per opcode (PAPR; Linux's callers
# in arch/powerpc): (arguments r4.., returned values r4..). Opcodes not
# listed get all 9 of each. H_READ with H_READ_4 (flags bit 1<<37) returns
# four PTEs (8 values); H_BULK_REMOVE writes its responses over r4..r11.
ARGS_RETS = {0x04: (3, 2), 0x08: (4, 1), 0x0C: (2, 2), 0x10: (2, 1), 0x14: (2, 1),
             0x18: (3, 0), 0x124: (8, 8), 0xE0: (0, 0), 0x58: (4, 0), 0x54: (1, 3),
             0xE4: (2, 0), 0xE8: (1, 0), 0xDC: (3, 0), 0x300: (0, 1)}
H_READ_4 = 1 << 37


def shape(op, args):
    """(number of arguments, number of returned values) of hcall op."""
    na, nr = ARGS_RETS.get(op, (9, 9))
    if op == 0x0C and args and args[0] & H_READ_4:
        nr = 8
    return na, nr


def hr_lines(call, rank=None):
    """The H and R lines of one gdb-logged call (pc, op, args, rc, vals,
    order), after its K 19 line if rank (its place in the LPAR's hcall
    order, several vCPUs) is given."""
    _, op, args, rc, vals = call[:5]
    na, nr = shape(op, args)
    h = "H %#x%s\n" % (op, "".join(" %#x" % x for x in args[:na]))
    if rank is not None:
        h = "K 19 %x\n" % rank + h  # (a K line's value is hex)
    if rc is None:
        return h
    return h + "R %d%s\n" % (rc, "".join(" %#x" % x for x in vals[:nr]))


def gdb_log(path):
    """Per vCPU its hcalls from reset, in sc 1 order: (pc, op, args, rc, vals,
    order); rc None if the call never returned; order: the entry's rank
    over all vCPUs (None in a log without it). And the stats lines."""
    calls, stats = {}, []
    for line in open(path):
        if line.startswith("# stats"):
            stats.append(line[2:].strip())
            continue
        if line.startswith("#"):
            continue
        left, right = line.split("|")
        f, g = left.split(), right.split()
        order = int(g.pop()[1:]) if g and g[-1][0] == "@" else None
        args = [int(x, 16) for x in f[4:13]]
        rc = None if g[0] == "?" else int(g[0])
        vals = [int(x, 16) for x in g[1:10]]
        calls.setdefault(int(f[0]), []).append((int(f[2], 16), int(f[3], 16), args, rc, vals,
                                                order))
    return calls, stats


def plugin_counts(d):
    counts = {}
    for l in open(d + "/plugin-counts.txt"):
        if not l.startswith("#"):
            f = l.split()
            counts[int(f[0])] = [int(x) for x in f[1:]]
    return counts


def name(op):
    return NAMES.get(op, "%#x" % op)


def merge(d, ncpu, site_of, source):
    """Insert H (and with gdb, R) lines into each vCPU's log; write hcalls.txt.
    source: "gdb" (DIR/hcalls-gdb.txt, from reset, with registers) or
    "tracepoint" (the in-guest record of the window, opcodes and return
    codes only). With gdb and a tracepoint record both present (1 vCPU,
    --hcall-source tracepoint), the two are cross-checked."""
    have_gdb = os.path.exists(d + "/hcalls-gdb.txt")
    if source == "gdb" and not have_gdb:
        sys.exit("lpguest: %s/hcalls-gdb.txt missing (the replay under gdb failed?)" % d)
    gcalls, gstats = gdb_log(d + "/hcalls-gdb.txt") if have_gdb else ({}, [])
    tp, stats = guest_record(d + "/console.txt", ncpu) if source == "tracepoint" else ({}, {})
    counts = plugin_counts(d)
    # live gdb (several vCPUs): the sites gdb broke at; sc 1 elsewhere (the
    # idle cede site) come without registers, opcode from `li r3`
    covered = None
    if have_gdb and os.path.exists(d + "/sc1-gdb-pcs.txt"):
        covered = {int(l.split()[1], 16) for l in open(d + "/sc1-gdb-pcs.txt")
                   if not l.startswith("#")}
    sc1_pcs = site_counts(d + "/sc1-pcs.txt")
    hc = open(d + "/hcalls.txt", "w")
    if have_gdb:
        hc.write("# cpu seq site opcode name part args | rc values  (seq from reset; part: "
                 "prologue = before the window, prologue-late = before its vCPU's window "
                 "but ordered after another vCPU's window began (several vCPUs: replayed "
                 "in detail), window, after; li-r3 rows: the idle cede site, no registers; "
                 "registers from gdb: args r4.. and values r4.. as many as the opcode "
                 "uses)\n")
    else:
        hc.write("# cpu seq site opcode name source [return code]  (source: tracepoint = the "
                 "in-guest record; li-r3 = recovered from the plugin stream, no return code)\n")
    rows, kinds, pkinds, checks = [], {}, {}, []
    ok = True
    rank = hcall_order(d, gcalls, counts, ncpu, covered, sc1_pcs) \
        if have_gdb and ncpu > 1 else {}
    late = late_order(gcalls, counts, ncpu, covered, sc1_pcs, rank)
    for c in range(ncpu):
        pc_ = counts.get(c, [0] * 9)
        sc1_all, before = pc_[2], pc_[8] if len(pc_) > 8 else 0
        if covered is not None:
            sc1_all, before = covered_counts(sc1_pcs, c, covered)
        calls, bad = pair_hcalls(tp[c], c) if tp else ([], 0)
        g = gcalls.get(c, [])
        if have_gdb:
            same = len(g) == sc1_all
            ok &= same
            checks.append("vcpu %d: sc 1 seen by gdb on the replay %d, by the plugin on the "
                          "recording %d: %s" % (c, len(g), sc1_all, "equal" if same else
                                                "DIFFERENT"))
            nwin = pc_[4] if covered is None else window_covered(d, c, covered)
            for k, call in enumerate(g):
                part = ("prologue" if rank.get(call[5], -1) < late else "prologue-late") \
                    if k < before else "window" if k < before + nwin else "after"
                hc.write("%d %d %x %#x %s %s %s | %s\n" % (
                    c, k, call[0], call[1], name(call[1]), part,
                    " ".join("%#x" % x for x in call[2][:shape(call[1], call[2])[0]]),
                    "?" if call[3] is None else "%d %s" % (call[3], " ".join(
                        "%#x" % x for x in call[4][:shape(call[1], call[2])[1]]))))
        src, dst = d + "/vcpu%d.log.gz" % c, d + "/vcpu%d.qemu.log.gz" % c
        k = ins = kern = recs = sc = traced = inferred = unknown = mism = 0
        gmis = tp_same = tp_diff = skipped = 0
        last_li = None
        with gzip.open(src, "rt") as fi, gzip.open(dst, "wt", compresslevel=6) as fo:
            head = fi.readline()
            fo.write(head)
            if have_gdb:  # the prologue: every hcall before the window
                for call in g[:before]:
                    fo.write(hr_lines(call, rank.get(call[5])))
                    recs += bool(rank)
                    recs += 1 + (call[3] is not None)
                    pkinds[name(call[1])] = pkinds.get(name(call[1]), 0) + 1
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
                if covered is not None and int(pc, 16) not in covered:
                    # not a gdb site (the idle cede): opcode from `li r3`, no registers
                    skipped += 1
                    if last_li is not None:
                        fo.write("H %x\n" % last_li)
                        recs += 1
                        kinds[name(last_li)] = kinds.get(name(last_li), 0) + 1
                        hc.write("%d - %s %#x %s window li-r3 |\n" % (c, pc, last_li,
                                                                        name(last_li)))
                    else:
                        unknown += 1
                    last_li = None
                    continue
                sc += 1
                fn = site_of.get(int(pc, 16), "?")
                if fn.endswith("_trace") and k < len(calls):
                    op, ret = calls[k]
                    k += 1
                    traced += 1
                    src_ = "tracepoint %d" % ret
                elif fn.endswith("_trace") and tp:
                    op, src_ = None, "?"
                    mism += 1
                elif last_li is not None and not have_gdb:
                    op, src_ = last_li, "li-r3"
                    inferred += 1
                else:
                    op, src_ = None, "?"
                    unknown += not have_gdb
                last_li = None
                if have_gdb:
                    gi = before + sc - 1
                    call = g[gi] if gi < len(g) else None
                    if call is None or call[0] != int(pc, 16):
                        gmis += 1
                        continue
                    if op is not None:  # cross-check against the tracepoint record
                        if op == call[1] and ret == call[3]:
                            tp_same += 1
                        else:
                            tp_diff += 1
                    op = call[1]
                    fo.write(hr_lines(call, rank.get(call[5])))
                    recs += 1 + (call[3] is not None) + bool(rank)
                else:
                    hc.write("%d %d %s %s %s %s\n" % (c, sc - 1, pc, "%#x" % op if op is not None
                                                       else "?", NAMES.get(op, "?"), src_))
                    if op is not None:  # the tracepoint's return code, no values
                        fo.write("H %x\n" % op + ("R %d\n" % ret if src_ != "li-r3" else ""))
                        recs += 1 + (src_ != "li-r3")
                if op is not None:
                    kinds[name(op)] = kinds.get(name(op), 0) + 1
        if have_gdb:
            ok &= gmis == 0
            checks.append("vcpu %d: window sc 1 at the pc gdb logged for that sc 1: %d of %d%s"
                          % (c, sc - gmis, sc, "" if gmis == 0 else " (MISALIGNED)"))
            if covered is not None:
                checks.append("vcpu %d: window sc 1 at the idle cede site (no registers, "
                              "opcode from li r3): %d" % (c, skipped))
            if tp:
                checks.append("vcpu %d: traced-site sc 1 whose tracepoint opcode and return "
                              "code equal gdb's: %d, different: %d" % (c, tp_same, tp_diff))
                ok &= tp_diff == 0
        rows.append((c, ins, kern, recs, sc, traced, len(calls), inferred, unknown,
                     mism + (len(calls) - k), bad, pc_,
                     stats[c].get("overrun", "?").strip() if tp else "-"))
    hc.close()
    if have_gdb:
        checks += ["gdb: " + x for x in gstats]
        ok &= per_pc_check(d, gcalls, checks, covered)
    return rows, kinds, pkinds, checks, ok, source


def site_counts(path):
    """{(vcpu, pc): (count, count before the window)} of the plugin's sc1-pcs.txt."""
    out = {}
    for l in open(path):
        if not l.startswith("#"):
            f = l.split()
            n = int(f[2])
            out[(int(f[0]), int(f[1], 16))] = (n, int(f[3]) if len(f) > 3 else n)
    return out


def covered_counts(sc1_pcs, c, covered):
    """vCPU c's sc 1 at gdb's sites: (from reset, before the window)."""
    kv = [v for (vc, pc), v in sc1_pcs.items() if vc == c and pc in covered]
    return sum(v[0] for v in kv), sum(v[1] for v in kv)


def hcall_order(d, gcalls, counts, ncpu, covered, sc1_pcs):
    """Several vCPUs: {gdb order: rank} of the calls the traces hold (each
    vCPU's prologue and window), ranks dense from 0 in the recording's global
    entry order (K 19 lines: the full-system replay keeps that order)."""
    kept = []
    for c in range(ncpu):
        pc_ = counts.get(c, [0] * 9)
        n = (pc_[8] if len(pc_) > 8 else 0) + pc_[4]
        if covered is not None:  # the plugin's window count includes the cede site's
            n = covered_counts(sc1_pcs, c, covered)[1] + window_covered(d, c, covered)
        kept += [call[5] for call in gcalls.get(c, [])[:n]]
    if None in kept:
        sys.exit("lpguest: hcalls-gdb.txt has no @order fields: several vCPUs need them")
    return {o: r for r, o in enumerate(sorted(kept))}


def window_covered(d, c, covered):
    """vCPU c's window sc 1 at gdb's sites (a pass over its plugin log)."""
    n = 0
    with gzip.open(d + "/vcpu%d.log.gz" % c, "rt") as f:
        for line in f:
            if line.endswith(" 44000022\n") and line[0] == "I":
                n += int(line.split()[1], 16) in covered
    return n


def late_order(gcalls, counts, ncpu, covered, sc1_pcs, rank):
    """Several vCPUs: the rank of the first hcall of any vCPU's window. A
    prologue call ranked at or after it ("prologue-late" in hcalls.txt) is
    replayed in detail (replay.yaml's warm-up stops before it: the window
    that began first may need to run before it)."""
    firsts = []
    for c in range(ncpu if rank else 0):
        pc_ = counts.get(c, [0] * 9)
        before = pc_[8] if len(pc_) > 8 else 0
        if covered is not None:
            before = covered_counts(sc1_pcs, c, covered)[1]
        g = gcalls.get(c, [])
        if before < len(g) and g[before][5] in rank:
            firsts.append(rank[g[before][5]])
    return min(firsts) if firsts else 1 << 62


def per_pc_check(d, gcalls, checks, covered=None):
    """sc 1 per pc: gdb's count equals the plugin's (sc1-pcs.txt)."""
    want, got = {}, {}
    for l in open(d + "/sc1-pcs.txt"):
        if not l.startswith("#"):
            f = l.split()
            if covered is None or int(f[1], 16) in covered:
                want[(int(f[0]), int(f[1], 16))] = int(f[2])
    for c, g in gcalls.items():
        for call in g:
            got[(c, call[0])] = got.get((c, call[0]), 0) + 1
    diff = sorted(k for k in set(want) | set(got) if want.get(k) != got.get(k))
    checks.append("sc 1 per pc, gdb vs plugin: %d pcs, %s" % (
        len(want), "all equal" if not diff else "DIFFERENT at " + ", ".join(
            "vcpu %d pc %x (%s vs %s)" % (c, p, got.get((c, p)), want.get((c, p)))
            for c, p in diff[:5])))
    return not diff


def summary(d, times, res):
    rows, kinds, pkinds, checks, ok, source = res
    t = {}
    for l in open(times):
        s, nm = l.split()
        t.setdefault(nm, float(s))
    w = open(d + "/summary.txt", "w")
    wb, we, dn = (t.get(k) for k in ("@@LPSYS-WORKLOAD-BEGIN", "@@LPSYS-WORKLOAD-END",
                                     "@@LPSYS-DONE"))
    w.write("hcall source: %s%s\n" % (source, "" if checks else
                                       " (opcodes and return codes only: arguments and "
                                       "returned values NOT recorded, no prologue)"))
    w.write("host time, QEMU start to workload begin (boot): %.1f s\n" % wb)
    w.write("host time, workload (between the delimiters): %.1f s\n" % (we - wb))
    w.write("host time, workload end to power-off: %.1f s\n" % (dn - we))
    w.write("\nper vCPU (run = from reset; window = between the lpmark rounds; "
            "records_trace = the vCPU's trace: window and prologue):\n")
    w.write("vcpu insns_run kernel_share_run insns_window kernel_share_window records_trace "
            "sc1_window sc1_traced_sites hcalls_in_guest recovered_li_r3 unknown_opcode "
            "match ftrace_unpaired ftrace_overrun\n")
    for (c, ins, kern, recs, sc, traced, ng, inf, unk, mism, bad, pc_, ovr) in rows:
        match = "-"
        if source == "tracepoint":
            m = traced == ng and mism == 0 and bad == 0
            ok &= m
            match = "yes" if m else "NO"
        w.write("%d %d %.3f %d %.3f %d %d %d %d %d %d %s %d %s\n" % (
            c, pc_[0], pc_[1] / max(pc_[0], 1), ins, kern / max(ins, 1), recs, sc, traced, ng,
            inf, unk, match, bad, ovr))
    if source == "tracepoint":
        w.write("\nsc 1 at traced sites per vCPU (plugin) equals hcalls per CPU (in-guest): %s\n"
                % ("yes, every vCPU" if all(r[5] == r[6] for r in rows) else "NO"))
    if checks:
        w.write("\nreplay under gdb (registers of every hcall from reset):\n")
        for x in checks:
            w.write("  %s\n" % x)
    w.write("\nhcalls by kind (window):\n")
    for k, n in sorted(kinds.items(), key=lambda x: -x[1]):
        w.write("  %-28s %d\n" % (k, n))
    if pkinds:
        w.write("\nhcalls by kind (prologue: from reset to the window, H/R lines at the top "
                "of the log):\n")
        for k, n in sorted(pkinds.items(), key=lambda x: -x[1]):
            w.write("  %-28s %d\n" % (k, n))
    w.write("\nall checks: %s\n" % ("passed" if ok else "FAILED"))
    w.close()
    return ok


def check(path):
    """Structure of a merged log: H/R lines only in the prologue (before the
    first I line) or right after an sc 1 (R right after its H); every
    window sc 1 has an H line; argument and value counts follow shape()."""
    pro = win = nr = 0
    prev, seen_i, errs = "", False, []
    with gzip.open(path, "rt") as f:
        for n, line in enumerate(f, 1):
            t = line[0]
            if line.startswith("K 19 "):  # an hcall's order (several vCPUs): before its H
                continue
            if t == "H":
                if seen_i and not prev.endswith(" 44000022"):
                    errs.append("%d: H not after an sc 1" % n)
                f_ = line.split()
                op, args = int(f_[1], 16), [int(x, 16) for x in f_[2:]]
                if args and len(args) != shape(op, args)[0]:  # none: tracepoint source
                    errs.append("%d: %d args for %#x" % (n, len(args), op))
                pro += not seen_i
                win += seen_i
                last_h = (op, args)
            elif t == "R":
                if not prev.startswith("H "):
                    errs.append("%d: R not after an H" % n)
                vals = line.split()[2:]
                if last_h[1] and len(vals) != shape(*last_h)[1]:
                    errs.append("%d: %d values for %#x" % (n, len(vals), last_h[0]))
            elif t == "I":
                if prev.endswith(" 44000022"):
                    errs.append("%d: sc 1 without an H line" % (n - 1))
                seen_i = True
                nr += 1
            if t != "#":
                prev = line.rstrip("\n")
    print("%s: %d prologue H, %d window H, %d instructions, %d errors%s" % (
        path, pro, win, nr, len(errs), "".join("\n  " + e for e in errs[:10])))
    return not errs


def main():
    a = sys.argv[1:]
    if a[:1] == ["sites"] and len(a) in (2, 3) and a[2:] in ([], ["slbmte"]):
        for addr, fn in sites(a[1], "slbmte" if a[2:] else "sc 1"):
            print("%x %s" % (addr, fn))
    elif a[:1] == ["stamp"] and len(a) == 3:
        stamp(a[1], a[2])
    elif a[:1] == ["merge"] and len(a) == 5 and a[4] in ("gdb", "tracepoint"):
        site_of = {}
        for l in open(a[1] + "/sc1-sites.txt"):
            f = l.split()
            site_of[int(f[0], 16)] = f[1]
        res = merge(a[1], int(a[2]), site_of, a[4])
        sys.exit(0 if summary(a[1], a[3], res) else 3)
    elif a[:1] == ["check"] and len(a) == 2:
        sys.exit(0 if check(a[1]) else 1)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
