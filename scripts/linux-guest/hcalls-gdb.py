# hcalls-gdb.py - gdb-multiarch script (gdb's embedded Python) run by
# scripts/record-linux-guest.sh against a QEMU *replay* (rr=replay, -S) of a
# recorded 1-vCPU guest: logs every hypervisor call from reset with its
# registers, without stopping the guest for longer than a breakpoint hit.
#
#   gdb-multiarch -q -nx -batch -ex 'set architecture powerpc:common64' \
#     -ex 'set endian little' -ex 'file VMLINUX' -ex 'set trust-readonly-sections on' \
#     -ex 'target remote :PORT' -x hcalls-gdb.py
# (the kernel's symbols keep gdb's frame analysis at each stop short: without
# them it reads the target's memory word by word from a guessed function
# start, measured: the replay crawled)
#   environment: LPGDB_PCS  the plugin's sc1-pcs.txt (vcpu pc count: every
#                           pc an sc 1 executed at during the recording)
#                LPGDB_OUT  the output file
#                LPGDB_SLB_PCS, LPGDB_SLB_OUT  optional: the plugin's
#                           slbmte-pcs.txt, and where to write every slbmte
#                           from reset with its operands ("vcpu seq pc rb rs",
#                           hex), for the full-system replay's segments
#
# No single steps: with gdb stepping over each breakpoint (which it does to
# resume from any pc that holds one), QEMU 7.2's replay stalled once near
# the end of boot (gdb idle, the vCPU thread spinning inside QEMU, no
# progress for over 10 minutes; cause not established), while toggling
# completed every replay tried since. So each pc holds one enabled
# breakpoint at a time and the script toggles them: every sc 1 pc of
# LPGDB_PCS has an entry breakpoint (r3 = opcode, r4..r12 = arguments);
# when it stops there it disables that entry and enables the return
# breakpoint at pc+4 (QEMU's pseries runs the hcall inside sc 1: the next
# instruction is pc+4; r3 = return code, r4..r12 = returned values), and at
# pc+4 the reverse. Calls are paired per vCPU (gdb thread = vCPU) with a
# stack: an interrupt taken between an sc 1 and its pc+4 whose handler
# makes hcalls at other sites nests correctly; one at the SAME site while
# its entry is disabled would be missed, which the recorder's per-pc count
# check against the plugin (sc1-pcs.txt) reports as a failure. An entry
# stop whose word is not sc 1 (a firmware pc later reused) is counted and
# ignored. Output, in entry order:
#   # header lines
#   <vcpu> <seq> <pc> <opcode> <a1>..<a9> | <rc> <v1>..<v9>    (hex; rc signed
#   decimal; "| ?" if the call never returned, e.g. the power-off RTAS call)
#   # stats lines: per vCPU entries, returns, still open, non-sc stops
import os
import sys

import gdb

SC1 = 0x44000022
SLBMTE, SLBMTE_MASK = 0x7C000324, 0xFC0007FE
REGS = ["r%d" % i for i in range(3, 13)]


class Log:
    def __init__(self, out):
        self.out = out
        self.calls = {}   # vcpu -> list of [pc, regs at entry, regs at return]
        self.stack = {}   # vcpu -> open calls (indexes into calls)
        self.bad_ret = {}
        self.not_sc = {}
        self.check_word = set()
        self.other = 0  # stops at no enabled breakpoint (none expected)
        self.slb = {}   # vcpu -> [(pc, rb, rs)] of every slbmte
        self.order = 0  # entries so far, all vCPUs (the global order of the calls)
        self.other_note = ""

    def regs(self):
        f = gdb.selected_frame()
        return [int(f.read_register(r)) & 0xFFFFFFFFFFFFFFFF for r in REGS]

    def entry(self, pc):
        v = gdb.selected_thread().num - 1
        if pc in self.check_word:
            w = int.from_bytes(gdb.selected_inferior().read_memory(pc, 4).tobytes(), "little")
            if w != SC1:
                self.not_sc[v] = self.not_sc.get(v, 0) + 1
                return False
        cl = self.calls.setdefault(v, [])
        self.stack.setdefault(v, []).append(len(cl))
        cl.append([pc, self.regs(), None, self.order])
        self.order += 1
        return True

    def ret(self, pc):
        v = gdb.selected_thread().num - 1
        st = self.stack.get(v, [])
        if st and self.calls[v][st[-1]][0] + 4 == pc:
            self.calls[v][st.pop()][2] = self.regs()
        else:
            self.bad_ret[v] = self.bad_ret.get(v, 0) + 1

    def slbmte(self, pc):
        """An slbmte: its RB and RS (the word says which registers). False
        if the word is not an slbmte (a firmware pc later reused)."""
        v = gdb.selected_thread().num - 1
        w = int.from_bytes(gdb.selected_inferior().read_memory(pc, 4).tobytes(), "little")
        if w & SLBMTE_MASK != SLBMTE:
            self.not_sc[v] = self.not_sc.get(v, 0) + 1
            return False
        f = gdb.selected_frame()
        rs = int(f.read_register("r%d" % ((w >> 21) & 31))) & 0xFFFFFFFFFFFFFFFF
        rb = int(f.read_register("r%d" % ((w >> 11) & 31))) & 0xFFFFFFFFFFFFFFFF
        self.slb.setdefault(v, []).append((pc, rb, rs))
        return True

    def write_slb(self, out):
        with open(out, "w") as f:
            f.write("# vcpu seq pc rb rs  (every slbmte from reset; hcalls-gdb.py)\n")
            for v in sorted(self.slb):
                for k, (pc, rb, rs) in enumerate(self.slb[v]):
                    f.write("%d %d %x %x %x\n" % (v, k, pc, rb, rs))

    def write(self):
        with open(self.out, "w") as f:
            f.write("# vcpu seq pc opcode a1..a9 | rc v1..v9 @order  (from reset; order: "
                    "the entry's rank over all vCPUs; hcalls-gdb.py)\n")
            for v in sorted(self.calls):
                for k, (pc, a, r, o) in enumerate(self.calls[v]):
                    f.write("%d %d %x %x %s | %s @%d\n" % (
                        v, k, pc, a[0], " ".join("%x" % x for x in a[1:]),
                        "?" if r is None else "%d %s" % (
                            r[0] - (1 << 64) if r[0] >> 63 else r[0],
                            " ".join("%x" % x for x in r[1:])), o))
            for v in sorted(set(self.calls) | set(self.not_sc) | set(self.bad_ret)):
                cl = self.calls.get(v, [])
                f.write("# stats vcpu %d entries %d returns %d open %d unmatched_returns %d "
                        "non_sc_stops %d\n" % (v, len(cl), sum(1 for c in cl if c[2]),
                                               len(self.stack.get(v, [])),
                                               self.bad_ret.get(v, 0), self.not_sc.get(v, 0)))
            f.write("# stats other stops %d%s\n" % (
                self.other, ", " + self.other_note if self.other_note else ""))


def bp(pc):
    b = gdb.Breakpoint("*0x%x" % pc, internal=True)
    b.silent = True
    return b


KERNEL = 0xC000000000000000


def add_aliases(log, entry, ret, slb, after):
    """Breakpoints at the real-mode address of every kernel site (entry and
    slbmte sites enabled, return and after-slbmte ones not); the word at a
    real-mode sc 1 site is checked at each stop (log.check_word)."""
    for d, on in ((entry, True), (ret, False), (slb, True), (after, False)):
        for pc in [p for p in d if p >= KERNEL]:
            a = pc & ~KERNEL
            if a not in d:
                d[a] = bp(a)
                d[a].enabled = on
                if d is entry:
                    log.check_word.add(a)
    for pc in [p for p in slb if p < KERNEL]:
        if pc + 4 not in slb and pc + 4 not in after:
            after[pc + 4] = bp(pc + 4)
            after[pc + 4].enabled = False


def live(log, entry, ret, slb, after):
    """SMP, on the live plugin run (no record/replay, no single step: a
    step over a breakpoint can stall a ceding vCPU, measured). Toggling as
    on the replay, but while a site is disabled only the vCPU that stopped
    there runs (scheduler-locking on: QEMU resumes that vCPU alone) until it
    reaches the return (or after-slbmte) breakpoint, so no other vCPU can
    pass the disabled site unseen. A hop is one instruction (the sc 1 or
    the slbmte): MSR[EE] is cleared for it and restored at its end, so that
    no interrupt comes in between (the handler could spin on a lock held by
    a stopped vCPU, measured); the guest never runs an instruction of its
    own with the changed MSR. If a hop has not ended after LPGDB_HOP_WAIT
    seconds anyway, gdb interrupts it and the hop goes on with every vCPU
    running (counted: `hop timeouts`; a call missed meanwhile fails the
    per-pc check).
    The recorder leaves the idle cede site out of LPGDB_PCS (its H_CEDE
    sleeps inside sc 1, which a one-vCPU hop cannot end)."""
    import signal
    import threading
    hop_wait = float(os.environ.get("LPGDB_HOP_WAIT", "2"))
    hops = []      # open hops of the running vCPU: (kind, site, EE was set)
    EE = 0x8000

    def mask_ee():
        """Clear the stopped vCPU's MSR[EE] for its hop; True if it was set."""
        msr = int(gdb.selected_frame().read_register("msr")) & 0xFFFFFFFFFFFFFFFF
        if msr & EE:
            gdb.execute("set $msr = %d" % (msr & ~EE), to_string=True)
        return bool(msr & EE)

    def unmask_ee(h):
        if h[2]:
            msr = int(gdb.selected_frame().read_register("msr")) & 0xFFFFFFFFFFFFFFFF
            gdb.execute("set $msr = %d" % (msr | EE), to_string=True)
    timeouts = [0]
    gdb.execute("set scheduler-locking off")

    def go(locked):
        gdb.execute("set scheduler-locking %s" % ("on" if locked else "off"))
        if not locked:
            gdb.execute("continue", to_string=True)
            return
        fired = []

        def wake():
            fired.append(1)
            os.kill(os.getpid(), signal.SIGINT)
        t = threading.Timer(hop_wait, wake)
        t.start()
        try:
            gdb.execute("continue", to_string=True)
        except KeyboardInterrupt:
            pass
        finally:
            t.cancel()
        if fired:
            timeouts[0] += 1
            gdb.execute("set scheduler-locking off")
            raise TimeoutError

    n = 0
    locked = False
    aliases = False
    try:
        while True:
            try:
                go(locked)
            except TimeoutError:
                locked = False  # the hop goes on unlocked
                continue
            except gdb.error as e:  # QEMU exits at the guest's power-off
                print("hcalls-gdb: %s" % e)
                break
            if not gdb.selected_inferior().pid:
                break
            pc = int(gdb.selected_frame().pc())
            if not aliases and pc >= KERNEL:
                # the kernel runs from its final place (SLOF is gone): its sites at
                # their real-mode addresses too (a secondary vCPU's slb_initialize
                # runs with the MMU off, measured)
                add_aliases(log, entry, ret, slb, after)
                aliases = True
            for h in [h for h in hops if h[0] == "slb" and h[1] + 4 == pc]:
                hops.remove(h)  # just past that slbmte (at its after breakpoint, or at
                slb[h[1]].enabled = True  # the next slbmte site)
                unmask_ee(h)
                if pc in after:
                    after[pc].enabled = False
            if pc in slb and slb[pc].enabled:
                log.slbmte(pc)  # (counted, not logged, if the word is no slbmte)
                slb[pc].enabled = False
                if pc + 4 in after:
                    after[pc + 4].enabled = True
                hops.append(("slb", pc, mask_ee()))
            elif pc in entry and entry[pc].enabled:
                log.entry(pc)  # (counted, not logged, if the word is no sc 1)
                entry[pc].enabled = False
                ret[pc + 4].enabled = True
                hops.append(("sc", pc, mask_ee()))
            elif pc in ret and ret[pc].enabled:
                log.ret(pc)
                ret[pc].enabled = False
                entry[pc - 4].enabled = True
                for h in [h for h in hops if h[:2] == ("sc", pc - 4)]:
                    hops.remove(h)
                    unmask_ee(h)
            elif pc in after:
                pass  # ended its hop above
            else:
                log.other += 1
            locked = bool(hops)
            n += 1
            if n % 20000 == 0:
                print("hcalls-gdb: %d stops, %d hop timeouts" % (n, timeouts[0]), flush=True)
    except gdb.error as e:  # the target went away mid-stop
        print("hcalls-gdb: %s" % e)
    finally:
        log.other_note = "hop timeouts %d" % timeouts[0]
        log.write()
        if os.environ.get("LPGDB_SLB_OUT"):
            log.write_slb(os.environ["LPGDB_SLB_OUT"])


def main():
    log = Log(os.environ["LPGDB_OUT"])
    pcs = set()
    for line in open(os.environ["LPGDB_PCS"]):
        if not line.startswith("#"):
            pcs.add(int(line.split()[1], 16))
    gdb.execute("set pagination off")
    gdb.execute("set breakpoint always-inserted on")  # only toggled ones travel
    entry, ret = {}, {}
    for pc in sorted(pcs):
        if pc < 0xC000000000000000 and (pc | 0xC000000000000000) not in pcs:
            log.check_word.add(pc)  # firmware (SLOF): its memory is reused later
        entry[pc] = bp(pc)
    for pc in sorted(pcs):
        if pc + 4 in entry:
            sys.exit("hcalls-gdb: sc 1 at both %x and %x: not supported" % (pc, pc + 4))
        ret[pc + 4] = bp(pc + 4)
        ret[pc + 4].enabled = False
    # slbmte sites (LPGDB_SLB_PCS, optional): a stop reads RB and RS, then the
    # site is disabled and a helper breakpoint at pc+4 enabled (no single
    # step); the next stop anywhere re-enables the site (pending)
    slb, after, pending = {}, {}, None
    slb_pcs = set()
    if os.environ.get("LPGDB_SLB_PCS"):
        for line in open(os.environ["LPGDB_SLB_PCS"]):
            if not line.startswith("#"):
                slb_pcs.add(int(line.split()[1], 16))
    for pc in sorted(slb_pcs):
        if pc in entry or pc in ret:
            sys.exit("hcalls-gdb: slbmte at %x is also an sc 1 site: not supported" % pc)
        slb[pc] = bp(pc)
    for pc in sorted(slb_pcs):
        if pc + 4 in entry or pc + 4 in ret:
            sys.exit("hcalls-gdb: slbmte at %x followed by an sc 1 site: not supported" % pc)
        if pc + 4 not in slb:
            after[pc + 4] = bp(pc + 4)
            after[pc + 4].enabled = False
    n = 0
    if os.environ.get("LPGDB_LIVE"):
        live(log, entry, ret, slb, after)
        return
    try:
        while True:
            try:
                gdb.execute("continue", to_string=True)
            except gdb.error as e:  # QEMU exits at the guest's power-off
                print("hcalls-gdb: %s" % e)
                break
            if not gdb.selected_inferior().pid:
                break
            pc = int(gdb.selected_frame().pc())
            at_after = pc in after and after[pc].enabled
            if pending is not None and pc != pending:
                slb[pending].enabled = True
                if pending + 4 in after:
                    after[pending + 4].enabled = False
                pending = None
            if at_after:
                pass  # just past an slbmte: its site is enabled again above
            elif pc in slb and slb[pc].enabled:
                log.slbmte(pc)  # (not logged if the word there is not an slbmte)
                slb[pc].enabled = False
                if pc + 4 in after:
                    after[pc + 4].enabled = True
                pending = pc
            elif pc in entry and entry[pc].enabled:
                if not log.entry(pc):
                    continue
                entry[pc].enabled = False
                ret[pc + 4].enabled = True
            elif pc in ret and ret[pc].enabled:
                log.ret(pc)
                ret[pc].enabled = False
                entry[pc - 4].enabled = True
            else:
                log.other += 1
            n += 1
            if n % 20000 == 0:
                print("hcalls-gdb: %d stops" % n, flush=True)
    except gdb.error as e:  # the target went away mid-stop
        print("hcalls-gdb: %s" % e)
    finally:
        log.write()
        if os.environ.get("LPGDB_SLB_OUT"):
            log.write_slb(os.environ["LPGDB_SLB_OUT"])


main()
