#!/usr/bin/env bash
# record-ppc64le.sh - record a real POWER instruction stream: cross-compile
# a C program for ppc64le (static), run it under qemu-user and convert the
# execution log into a native lparsim trace.
#
#   scripts/record-ppc64le.sh PROGRAM.c -o TRACE [--insns-only] [--keep-log LOG] [-- ARGS...]
#
# Compiler flags come from $CFLAGS (default -O2); the program is linked
# -static with -lm. Default route: the QEMU plugin scripts/qemu/lprec.c
# (built here with the host cc) logs every executed instruction of the main
# thread (pc and 32-bit word) and the virtual address and size of each load
# and store. --insns-only uses QEMU's own logging instead
# (-singlestep -d in_asm,exec,nochain): instructions only, no data
# addresses, no plugin. Either log goes through
# `lparsim trace import --format qemu`. The program runs with an empty
# environment and argv[0] = its base name, so a recording is reproducible
# (the same program and flags give the same trace). lparsim is $LPARSIM_BIN, else
# build/release/lparsim. The program must exit with status 0. Needs the
# Debian packages gcc-powerpc64le-linux-gnu, libc6-dev-ppc64el-cross and
# qemu-user (scripts/setup.sh installs them).
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
usage() { echo "usage: $0 PROGRAM.c -o TRACE [--insns-only] [--keep-log LOG] [-- ARGS...]" >&2; exit 2; }

src="" out="" insns_only=0 keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    -o) [ $# -ge 2 ] || usage; out="$2"; shift 2 ;;
    --insns-only) insns_only=1; shift ;;
    --keep-log) [ $# -ge 2 ] || usage; keep="$2"; shift 2 ;;
    --) shift; break ;;
    -*) echo "record: unknown option '$1'" >&2; usage ;;
    *) [ -z "$src" ] || usage; src="$1"; shift ;;
  esac
done
[ -n "$src" ] && [ -n "$out" ] || usage
[ -f "$src" ] || { echo "record: $src: no such file" >&2; exit 1; }

lparsim="${LPARSIM_BIN:-$top/build/release/lparsim}"
gcc_ppc=powerpc64le-linux-gnu-gcc
for t in "$gcc_ppc" qemu-ppc64le "$lparsim"; do
  command -v "$t" >/dev/null || {
    echo "record: $t not found (install gcc-powerpc64le-linux-gnu, libc6-dev-ppc64el-cross," \
         "qemu-user; build lparsim with scripts/setup.sh)" >&2; exit 1; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2086  # CFLAGS is a list of flags
"$gcc_ppc" ${CFLAGS:--O2} -static -o "$tmp/prog" "$src" -lm

name=$(basename "$src" .c)
log="$tmp/$name.qemu.log"
status=0
if [ "$insns_only" -eq 1 ]; then
  env -i qemu-ppc64le -0 "$name" -singlestep -d in_asm,exec,nochain -D "$log" "$tmp/prog" "$@" || status=$?
else
  command -v "${CC:-cc}" >/dev/null || { echo "record: no host C compiler (${CC:-cc}) for the QEMU plugin" >&2; exit 1; }
  "${CC:-cc}" -O2 -shared -fPIC -o "$tmp/lprec.so" "$top/scripts/qemu/lprec.c"
  env -i qemu-ppc64le -0 "$name" -plugin "$tmp/lprec.so,out=$log" "$tmp/prog" "$@" || status=$?
fi
if [ "$status" -ne 0 ]; then
  echo "record: $src exited with status $status under qemu-ppc64le; no trace written" >&2
  exit 1
fi
[ -z "$keep" ] || cp "$log" "$keep"
# run from the log's directory so the trace's provenance note names no
# temporary path (the same recording gives the same bytes)
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
case "$lparsim" in /*) ;; */*) lparsim="$PWD/$lparsim" ;; esac
(cd "$tmp" && "$lparsim" trace import --format qemu "$name.qemu.log" -o "$out")
