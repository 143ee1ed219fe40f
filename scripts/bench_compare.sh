#!/usr/bin/env bash
# bench_compare.sh - compare the host speed of two lparsim binaries, and check
# that they give the same results (figures, not pass/fail; docs/speed.md).
#
#   scripts/bench_compare.sh OLD_BIN NEW_BIN [RUNS] [--ir]
#
# For each of traces/gzip-head.trc, gzip-mid.trc, ppc64le-sort.trc (`replay`)
# and configs/default.yaml (`run`):
# 1. runs both binaries once and compares their JSON reports with the host
#    fields (host_seconds, *_per_host_second) removed: "same" or "DIFFER";
# 2. runs them RUNS times each (default 9), interleaved (old, new, old, ...)
#    and pinned to one core, and prints the min and median host_seconds of
#    each and new/old of both. On a shared VM the min is the steadier figure:
#    the noise only ever adds time;
# 3. with --ir, the instructions of one run of each under
#    `valgrind --tool=callgrind` (deterministic; slow: about a minute for
#    default.yaml).
# Binaries built from two commits: e.g. `git worktree add /tmp/old <commit>`,
# `cmake -S /tmp/old -B /tmp/old/build && cmake --build /tmp/old/build -j2`.
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
usage="usage: $0 OLD_BIN NEW_BIN [RUNS] [--ir]"
old="${1:?$usage}"
new="${2:?$usage}"
shift 2
runs=9
ir=0
for a in "$@"; do
  case "$a" in
    --ir) ir=1 ;;
    *[!0-9]* | "") echo "$0: bad argument '$a'; $usage" >&2; exit 2 ;;
    *) runs=$a ;;
  esac
done
for b in "$old" "$new"; do
  [ -x "$b" ] || { echo "$0: $b: not an executable" >&2; exit 2; }
done
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$top"

hs() { sed -n 's/.*"host_seconds": \([0-9.e+-]*\).*/\1/p' "$1" | head -n 1; }
strip_host() { grep -v '"host_\|per_host_second' "$1"; }
stats() { # stdin: numbers -> "min median"
  sort -g | awk '{a[NR] = $1} END {printf "%.5f %.5f\n", a[1], a[int((NR + 1) / 2)]}'
}

echo "bench_compare: old $old, new $new; $runs interleaved runs each, one core, $(date -u +%F)"
for spec in "replay traces/gzip-head.trc" "replay traces/gzip-mid.trc" \
            "replay traces/ppc64le-sort.trc" "run configs/default.yaml"; do
  read -r cmd what <<< "$spec"
  "$old" "$cmd" "$what" --quiet --json "$tmp/o.json"
  "$new" "$cmd" "$what" --quiet --json "$tmp/n.json"
  same=DIFFER
  cmp -s <(strip_host "$tmp/o.json") <(strip_host "$tmp/n.json") && same=same
  : > "$tmp/o.t"
  : > "$tmp/n.t"
  for _ in $(seq "$runs"); do
    $pin "$old" "$cmd" "$what" --quiet --json "$tmp/o.json"
    hs "$tmp/o.json" >> "$tmp/o.t"
    $pin "$new" "$cmd" "$what" --quiet --json "$tmp/n.json"
    hs "$tmp/n.json" >> "$tmp/n.t"
  done
  read -r omin omed < <(stats < "$tmp/o.t")
  read -r nmin nmed < <(stats < "$tmp/n.t")
  awk -v w="$what" -v s="$same" -v a="$omin" -v b="$omed" -v c="$nmin" -v d="$nmed" \
    'BEGIN {printf "%-26s results %-6s host s old min %.4f med %.4f, new min %.4f med %.4f; new/old min %.3f med %.3f\n", w, s, a, b, c, d, c / a, d / b}'
  if [ "$ir" = 1 ]; then
    for b in old new; do
      bin=$old
      [ "$b" = new ] && bin=$new
      valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$cmd" "$what" --quiet \
        --json "$tmp/v.json" 2>&1 | sed -n 's/.*I *refs: *\([0-9,]*\).*/\1/p' > "$tmp/ir.$b"
    done
    printf "%-26s instructions old %s, new %s\n" "$what" "$(cat "$tmp/ir.old")" "$(cat "$tmp/ir.new")"
  fi
done
