#!/usr/bin/env bash
# record-linux-guest.sh - record a real ppc64le Linux guest (Debian's
# kernel, a busybox initramfs) running WORKLOAD under qemu-system-ppc64
# -M pseries -cpu POWER9 (TCG, icount): per vCPU every instruction and data
# access (plugin scripts/qemu/lpsys.c), plus every hypervisor call. With
# 1 vCPU the run is a QEMU record (rr=record) and a second pass replays it
# under gdb (scripts/linux-guest/hcalls-gdb.py), which logs every hcall from
# reset with its arguments and returned values; with more vCPUs (no icount,
# so no record/replay) gdb does the same on the plugin run itself (live, not
# deterministic) and the traces carry the hcalls' global order (K 19); with
# --hcall-source tracepoint only the opcodes and return codes of the
# kernel's hcall tracepoints are recorded. See docs/linux-guests.md.
#
#   scripts/record-linux-guest.sh WORKLOAD -o DIR [--vcpus N] [--memory SIZE]
#                                 [--mmu hash] [--window marks|all]
#                                 [--hcall-source gdb|tracepoint]
#
# WORKLOAD: a shell script (*.sh, sourced by the init's busybox sh) or a C
# program (*.c, cross-compiled static for ppc64le; one that mentions
# LPSYS_OWN_MARKS executes the window markers itself, 1 vCPU only).
# --mmu hash (the default, and for now the only value) boots with
# disable_radix: the hashed page table.
# Packages come from apt (linux-image-powerpc64le:ppc64el's current kernel,
# busybox-static:ppc64el) into $LPARSIM_CACHE (~/.cache/lparsim/linux-guest);
# $LPARSIM_KERNEL_PKG names another kernel package. Writes into DIR:
#   vcpuN.qemu.log.gz  plugin log with H (and with gdb R) lines (input of
#                      `lparsim trace import --format qemu`); with gdb the
#                      hcalls before the window come first (the prologue)
#   vcpuN.trace        native trace (if lparsim is built)
#   hcalls.txt         gdb: every hcall from reset with its registers;
#                      tracepoint: every sc 1 of the window: opcode (in-guest
#                      record, or recovered), return code
#   rr.bin, hcalls-gdb.txt, console-replay.txt   (gdb) the QEMU record, the
#                      gdb log, the replay's console (must equal console.txt)
#   summary.txt        host times, records, kernel share, hcalls by kind,
#                      the checks (gdb vs plugin, tracepoints vs plugin)
#   slbmte-gdb.txt     (gdb) every slbmte from reset with its operands; the
#                      logs carry them as K 18 lines (scripts/linux-guest/slbmerge.py)
#   replay.yaml        (gdb) a full-system LPAR replaying the vCPUs' traces
#                      (docs/full-system.md)
#   sc1-gdb-pcs.txt    (gdb, several vCPUs) the sc 1 sites gdb broke at
#   console.txt, plugin-counts.txt, sc1-sites.txt, cmdline.txt, times.txt
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
usage() {
  echo "usage: $0 WORKLOAD(.sh|.c) -o DIR [--vcpus N] [--memory SIZE] [--mmu hash]" \
       "[--window marks|all] [--hcall-source gdb|tracepoint]" >&2; exit 2; }

wl="" out="" vcpus=1 mem=1G mmu=hash window=marks hsrc=""
while [ $# -gt 0 ]; do
  case "$1" in
    -o) [ $# -ge 2 ] || usage; out="$2"; shift 2 ;;
    --vcpus) [ $# -ge 2 ] || usage; vcpus="$2"; shift 2 ;;
    --memory) [ $# -ge 2 ] || usage; mem="$2"; shift 2 ;;
    --mmu) [ $# -ge 2 ] || usage; mmu="$2"; shift 2 ;;
    --window) [ $# -ge 2 ] || usage; window="$2"; shift 2 ;;
    --hcall-source) [ $# -ge 2 ] || usage; hsrc="$2"; shift 2 ;;
    -*) echo "record-linux-guest: unknown option '$1'" >&2; usage ;;
    *) [ -z "$wl" ] || usage; wl="$1"; shift ;;
  esac
done
[ -n "$wl" ] && [ -n "$out" ] || usage
[ -f "$wl" ] || { echo "record-linux-guest: $wl: no such file" >&2; exit 1; }
[ "$mmu" = hash ] || { echo "record-linux-guest: --mmu $mmu: only 'hash' is supported" \
                            "for now (radix guests are not recorded yet)" >&2; exit 2; }
case "$vcpus" in ''|*[!0-9]*) echo "record-linux-guest: --vcpus $vcpus: expected 1..64" >&2
                              exit 2 ;; esac
[ "$vcpus" -ge 1 ] && [ "$vcpus" -le 64 ] || {
  echo "record-linux-guest: --vcpus $vcpus: expected 1..64" >&2; exit 2; }
case "$window" in marks|all) ;; *) echo "record-linux-guest: --window $window: expected" \
                                        "marks or all" >&2; exit 2 ;; esac
case "$wl" in *.sh|*.c) ;; *) echo "record-linux-guest: $wl: expected a .sh or .c file" >&2
                              exit 2 ;; esac
# hcall registers from gdb: 1 vCPU on a replay of the run (record/replay,
# icount); SMP (no icount: it hangs SMP boot under QEMU 7.2) on the plugin
# run itself (live). --hcall-source tracepoint: the in-guest tracepoints only
[ -n "$hsrc" ] || hsrc=gdb
case "$hsrc" in gdb|tracepoint) ;; *) echo "record-linux-guest: --hcall-source $hsrc:" \
                                          "expected gdb or tracepoint" >&2; exit 2 ;; esac
rr=0; [ "$vcpus" -eq 1 ] && rr=1
live=0; [ "$vcpus" -gt 1 ] && [ "$hsrc" = gdb ] && live=1
tools=(qemu-system-ppc64 powerpc64le-linux-gnu-gcc powerpc64le-linux-gnu-objdump python3 cpio
       gzip "${CC:-cc}")
[ "$rr" -eq 0 ] && [ "$live" -eq 0 ] || tools+=(gdb-multiarch)
for t in "${tools[@]}"; do
  command -v "$t" >/dev/null || {
    echo "record-linux-guest: $t not found (Debian: qemu-system-ppc," \
         "gcc-powerpc64le-linux-gnu, binutils-powerpc64le-linux-gnu, cpio," \
         "gdb-multiarch)" >&2; exit 1; }
done

# ---- packages (cached) ----
cache="${LPARSIM_CACHE:-$HOME/.cache/lparsim/linux-guest}"
mkdir -p "$cache"
if ! dpkg --print-foreign-architectures | grep -qx ppc64el; then
  echo "record-linux-guest: adding the ppc64el architecture to dpkg (dpkg" \
       "--add-architecture ppc64el; apt-get update) to download its packages" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo dpkg --add-architecture ppc64el
  $sudo apt-get update -qq
fi
kpkg="${LPARSIM_KERNEL_PKG:-}"
if [ -z "$kpkg" ]; then
  kpkg=$(apt-cache depends linux-image-powerpc64le:ppc64el 2>/dev/null |
         awk '/Depends: linux-image-[0-9]/{sub(/:ppc64el$/, "", $2); print $2; exit}')
  [ -n "$kpkg" ] || { echo "record-linux-guest: apt knows no linux-image-powerpc64le:ppc64el" \
                           "(apt-get update?)" >&2; exit 1; }
fi
kdir="$cache/$kpkg"
if [ ! -d "$kdir/root" ]; then
  echo "record-linux-guest: fetching $kpkg and busybox-static (ppc64el) into $cache" >&2
  mkdir -p "$kdir/root"
  (cd "$kdir" && apt-get download -q "$kpkg:ppc64el" busybox-static:ppc64el >/dev/null 2>&1) ||
    { rm -rf "$kdir"; echo "record-linux-guest: apt-get download failed" >&2; exit 1; }
  for d in "$kdir"/*.deb; do dpkg-deb -x "$d" "$kdir/root"; done
fi
vmls=("$kdir"/root/boot/vmlinux-*)
vmlinux="${vmls[0]}"
[ -f "$vmlinux" ] || { echo "record-linux-guest: no vmlinux in $kpkg" >&2; exit 1; }

# ---- initramfs ----
mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gd="$top/scripts/linux-guest"
r="$tmp/root"
mkdir -p "$r"/{bin,proc,sys,dev,tmp,etc}
cp "$kdir/root/bin/busybox" "$r/bin/busybox"
for a in $(qemu-ppc64le "$r/bin/busybox" --list 2>/dev/null || echo sh mount cat echo nproc \
           gzip base64 poweroff ls sleep); do
  [ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"
done
cp "$gd/init.sh" "$r/init"
chmod 755 "$r/init"
echo "$hsrc" > "$r/hcall-source"
powerpc64le-linux-gnu-gcc -O2 -static -o "$r/lpmark" "$gd/lpmark.c"
case "$wl" in
  *.sh) cp "$wl" "$r/workload.sh" ;;
  *.c) # shellcheck disable=SC2086  # CFLAGS is a list of flags
       powerpc64le-linux-gnu-gcc ${CFLAGS:--O2} -static -o "$r/workload.bin" "$wl" -lm
       # a program that executes the window markers itself (1 vCPU: the
       # window is then its own work, without its exec and exit)
       if grep -q LPSYS_OWN_MARKS "$wl"; then
         [ "$vcpus" -eq 1 ] || { echo "record-linux-guest: $wl marks its own window:" \
                                      "--vcpus 1 only" >&2; exit 2; }
         touch "$r/workload.marks"
       fi ;;
esac
python3 "$gd/lpguest.py" sites "$vmlinux" > "$out/sc1-sites.txt"
python3 "$gd/lpguest.py" sites "$vmlinux" slbmte > "$out/slbmte-sites.txt"
# fixed timestamps and order: the same inputs give the same archive
find "$r" -exec touch -h -d @0 {} +
(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --reproducible --quiet | gzip -n -9) \
  > "$out/initrd.gz"

# ---- boot under the plugin ----
"${CC:-cc}" -O2 -shared -fPIC -o "$tmp/lpsys.so" "$top/scripts/qemu/lpsys.c" -lz -lpthread
rm -f "$out"/vcpu*.log.gz "$out"/vcpu*.qemu.log.gz "$out"/vcpu*.trace "$out"/rr.bin \
      "$out"/hcalls-gdb.txt "$out"/console-replay.txt
cmdline="console=hvc0 disable_radix rdinit=/init quiet random.trust_cpu=on"
# SMP: an idle vCPU cedes at once (pseries_lpar_idle) instead of polling
# first in cpuidle's snooze loop (less idle-loop code in the windows). It
# did not shrink them (fork-exec: 7.8 M and 7.4 M window instructions per
# vCPU without it, 8.3-10 M with it, where 1 vCPU runs it in 1.3 M; most
# of them spinlock and timekeeping code: gdb's stops slow the guest)
[ "$vcpus" -eq 1 ] || cmdline+=" cpuidle.off=1"
# icount (one instruction = 1 ns of virtual time) and a fixed -seed make a
# 1-vCPU recording deterministic; with 2 vCPUs QEMU 7.2's icount mode hangs
# this kernel's boot (after "evm: HMAC attrs", measured), so SMP guests run
# without icount and are not deterministic (docs/linux-guests.md)
# shellcheck disable=SC2054  # QEMU's option syntax has commas
# 1 vCPU: the run is also a QEMU record (rr.bin, the non-deterministic
# inputs), replayed below under gdb
timing=(-icount "shift=0,align=off,sleep=off,rr=record,rrfile=$out/rr.bin")
if [ "$vcpus" -gt 1 ]; then
  timing=()
  if [ "$live" -eq 1 ]; then
    echo "record-linux-guest: --vcpus $vcpus: no icount (it hangs SMP boot under QEMU 7.2):" \
         "this recording is not deterministic (the vCPUs' interleaving varies); gdb logs" \
         "the hcalls on the plugin run itself" >&2
  else
    echo "record-linux-guest: --vcpus $vcpus: no icount (it hangs SMP boot under QEMU 7.2):" \
         "this recording is not deterministic, and with --hcall-source tracepoint the" \
         "hcalls' arguments and returned values are NOT recorded" >&2
  fi
fi
# shellcheck disable=SC2054
# ic-mode=xics: the XICS interrupt controller, driven by hcalls (H_XIRR, H_EOI,
# H_CPPR, H_IPI); with XIVE (QEMU's default for POWER9) the guest maps the
# controller's MMIO pages with H_ENTER and loads from them on every
# interrupt, I/O space lparsim does not model (docs/full-system.md)
base=(qemu-system-ppc64 -M pseries,ic-mode=xics -cpu POWER9 -smp "$vcpus" -m "$mem" -nodefaults
      -display none -monitor none -serial stdio -no-reboot -seed 1
      -rtc clock=vm,base=2026-01-01T00:00:00
      -kernel "$vmlinux" -initrd "$out/initrd.gz" -append "$cmdline")
cmd=("${base[@]}" "${timing[@]}" -plugin "$tmp/lpsys.so,dir=$out,window=$window")
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}
wait_port() {  # until QEMU listens on port $1
  for _ in $(seq 50); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $1)).close()" \
      2>/dev/null && return 0
    sleep 0.2
  done
}
# gdb on QEMU's gdbstub at port $1: every hcall's registers and every slbmte
# (LPGDB_LIVE set: on the live plugin run, SMP), into $out
run_gdb() {
  LPGDB_PCS="$2" LPGDB_OUT="$out/hcalls-gdb.txt" \
    LPGDB_SLB_PCS="$3" LPGDB_SLB_OUT="$out/slbmte-gdb.txt" \
    nice -n 10 gdb-multiarch -q -nx -batch -ex 'set architecture powerpc:common64' \
      -ex 'set endian little' -ex "file $vmlinux" -ex 'set trust-readonly-sections on' \
      -ex "target remote 127.0.0.1:$1" -x "$gd/hcalls-gdb.py" > "$out/gdb.stdout" 2>&1 ||
    true
}
# after gdb is done: QEMU (gdbstub on port $1) must have ended with the
# guest; a QEMU gdb left stopped (gdb failed) is killed, not waited for
reap_qemu() {
  for _ in $(seq 150); do
    pgrep -f "tcp:127.0.0.1:$1" > /dev/null || return 0
    sleep 0.2
  done
  pkill -f "tcp:127.0.0.1:$1" || true
  echo "record-linux-guest: QEMU was still running after gdb ended (see $out/gdb.stdout):" \
       "killed" >&2
}
if [ "$live" -eq 1 ]; then
  # the kernel's sites (objdump; the plugin's own lists come at the end and
  # the per-pc check below compares the two), but not the idle cede site
  # (plpar_hcall_norets_notrace: H_CEDE sleeps inside its sc 1; H_CONFER,
  # H_PROD): those hcalls come without registers, their opcode from the
  # vCPU's last `li r3` (lpguest.py)
  awk '$2 != "plpar_hcall_norets_notrace" {print 0, $1, 0}' "$out/sc1-sites.txt" \
    > "$tmp/sc1-sites.pcs"
  cp "$tmp/sc1-sites.pcs" "$out/sc1-gdb-pcs.txt"
  awk '{print 0, $1, 0}' "$out/slbmte-sites.txt" > "$tmp/slbmte-sites.pcs"
  lport=$(free_port)
  cmd+=(-S -gdb "tcp:127.0.0.1:$lport")
fi
{ echo "kernel package: $kpkg ($(dpkg-deb -f "$kdir"/"$kpkg"_*.deb Version 2>/dev/null))"
  echo "vmlinux sha256: $(sha256sum "$vmlinux" | cut -d' ' -f1)"
  echo "hcall source: $hsrc"
  echo "${cmd[*]}"; } > "$out/cmdline.txt"
echo "record-linux-guest: booting $kpkg with $vcpus vCPUs under the plugin (minutes)" >&2
t0=$(date +%s.%N)
if [ "$live" -eq 1 ]; then
  { nice -n 10 "${cmd[@]}" < /dev/null 2> "$out/qemu.stderr" |
      python3 "$gd/lpguest.py" stamp "$out/console.txt" "$out/times.txt"; } &
  qpid=$!
  wait_port "$lport"
  LPGDB_LIVE=1 run_gdb "$lport" "$tmp/sc1-sites.pcs" "$tmp/slbmte-sites.pcs"
  reap_qemu "$lport"
  wait "$qpid" || true
else
  nice -n 10 "${cmd[@]}" < /dev/null 2> "$out/qemu.stderr" |
    python3 "$gd/lpguest.py" stamp "$out/console.txt" "$out/times.txt"
fi
t1=$(date +%s.%N)
grep -q '@@LPSYS-DONE' "$out/console.txt" || {
  echo "record-linux-guest: the guest did not finish (see $out/console.txt," \
       "$out/qemu.stderr)" >&2; exit 1; }
awk -v a="$t0" -v b="$t1" 'BEGIN{printf "host time, whole QEMU run: %.1f s\n", b - a}' \
  > "$out/times-total.txt"

# ---- replay under gdb: every hcall's registers (1 vCPU) ----
if [ "$rr" -eq 1 ]; then
  port=$(free_port)
  # the same machine and inputs, no plugin (it does not change the guest:
  # checked by the console comparison below), stopped until gdb continues
  rcmd=("${base[@]}" -icount "shift=0,align=off,sleep=off,rr=replay,rrfile=$out/rr.bin"
        -S -gdb "tcp:127.0.0.1:$port")
  echo "${rcmd[*]}" >> "$out/cmdline.txt"
  echo "record-linux-guest: replaying under gdb (every hcall's registers; minutes)" >&2
  t2=$(date +%s.%N)
  # the console goes through the same copier as the recording's (same bytes)
  { nice -n 10 "${rcmd[@]}" < /dev/null 2> "$out/qemu-replay.stderr" |
      python3 "$gd/lpguest.py" stamp "$out/console-replay.txt" "$tmp/times-replay.txt"; } &
  qpid=$!
  wait_port "$port"
  run_gdb "$port" "$out/sc1-pcs.txt" "$out/slbmte-pcs.txt"
  reap_qemu "$port"
  wait "$qpid" || true
  t3=$(date +%s.%N)
  awk -v a="$t2" -v b="$t3" 'BEGIN{printf "host time, replay under gdb: %.1f s\n", b - a}' \
    >> "$out/times-total.txt"
  if ! cmp -s "$out/console.txt" "$out/console-replay.txt"; then
    echo "record-linux-guest: the replay's console differs from the recording's" \
         "(console.txt vs console-replay.txt): the replay diverged" >&2; exit 1
  fi
  [ -s "$out/hcalls-gdb.txt" ] || {
    echo "record-linux-guest: gdb wrote no hcall log (see $out/gdb.stdout)" >&2; exit 1; }
fi

status=0
python3 "$gd/lpguest.py" merge "$out" "$vcpus" "$out/times.txt" "$hsrc" || status=$?
# the guest's SLB loads (K 18 lines) for the full-system replay's segments
if { [ "$rr" -eq 1 ] || [ "$live" -eq 1 ]; } && [ "$status" -eq 0 ]; then
  python3 "$gd/slbmerge.py" "$out" "$vcpus" || status=$?
fi
[ "$rr" -eq 1 ] && echo "replay console equals the recording's: yes" >> "$out/summary.txt"
cat "$out/times-total.txt" >> "$out/summary.txt"
rm -f "$out"/vcpu*[0-9].log.gz

# ---- native traces ----
lparsim="${LPARSIM_BIN:-$top/build/release/lparsim}"
if [ -x "$lparsim" ]; then
  for ((c = 0; c < vcpus; c++)); do
    (cd "$out" && "$lparsim" trace import --format qemu "vcpu$c.qemu.log.gz" -o "vcpu$c.trace")
  done
else
  echo "record-linux-guest: $lparsim not built: no native traces" >&2
fi
# ---- a config that replays the recording as one full-system LPAR ----
if { [ "$rr" -eq 1 ] || [ "$live" -eq 1 ]; } && [ "$status" -eq 0 ]; then
  python3 - "$out" "$mem" "$vcpus" > "$out/replay.yaml" <<'PY'
import gzip, sys
d, mem, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
b = int(mem[:-1]) * units[mem[-1].upper()] if mem[-1].upper() in units else int(mem) << 20
hpt = 1 << max(18, (b - 1).bit_length() - 7)  # QEMU: RAM / 128, a power of two, >= 256K
def order(line):
    return int(line[5:], 16) if line.startswith("K 19 ") else None
# several vCPUs: their windows open at different times, so a vCPU's prologue
# may hold hcalls ordered after another's window began; the warm-up stops
# before the first of those (they are replayed in detail, in order)
first = []
for c in range(n if n > 1 else 0):
    with gzip.open(d + "/vcpu%d.qemu.log.gz" % c, "rt") as f:
        seen = False
        for line in f:
            seen |= line[0] == "I"
            if seen and order(line) is not None:
                first.append(order(line))
                break
lim = min(first) if first else None
pros = []
for c in range(n):
    pro = 0
    with gzip.open(d + "/vcpu%d.qemu.log.gz" % c, "rt") as f:
        for line in f:
            o = order(line)
            if line[0] == "I" or (lim is not None and o is not None and o >= lim):
                break
            pro += line[0] in "HRK"
    pros.append(pro)
if n == 1:
    print("""# replay.yaml - the recording replayed by a full-system LPAR (written by
# scripts/record-linux-guest.sh; docs/full-system.md). The warm-up covers
# the prologue (the %d hcall and SLB-load records before the window), so the
# statistics are the window's.
run:
  warmup_records: %d""" % (pros[0], pros[0]))
else:
    print("""# replay.yaml - the recording replayed by a full-system LPAR of %d vCPUs
# (written by scripts/record-linux-guest.sh; docs/full-system.md). Each
# vCPU's warm-up covers its prologue (its hcall, order and SLB-load records
# before the window: %s) up to the first hcall ordered after a window
# began, so the statistics are the windows'; the K 19 records keep the
# recording's hcall order across the vCPUs.""" % (
        n, ", ".join(str(p) for p in pros)))
print("""lpars:
  - name: linux
    memory: %s
    hpt_size: %d
    page_size: 64K
    guest: full-system
    vcpus:""" % (mem, hpt))
for c in range(n):
    print("      - {thread: %d, trace: vcpu%d.trace%s}" % (
        c, c, "" if n == 1 else ", warmup_records: %d" % pros[c]))
PY
fi
[ "$status" -eq 0 ] || echo "record-linux-guest: FAILED: the plugin's sc 1 and the hcall" \
                            "record disagree (summary.txt)" >&2
exit "$status"
