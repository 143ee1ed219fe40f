#!/usr/bin/env bash
# coherency_bench.sh - host cost of strategy patch-channel's producer and
# drain paths (figures, not pass/fail; target under 1 us of host time per
# patch), and with --long a long audited run of every strategy.
#
# tests/bench/coherency_bench.c: one dedicated LPAR with a vCPU on each of
# T threads; rounds of: the T-1 consumers dispatched (patch-channel drains:
# timed), each loads 32 pages, they leave their threads, thread 0 removes
# the 32 pages (one H_REMOVE each: timed) and enters them again. Every
# removal sends T-1 patches; host ns per patch = timed time / patches. The
# H_REMOVE of eager-tlbie is printed for comparison (no coherency work but
# the global tlbie).
#   scripts/coherency_bench.sh [RUNS]          (default 3; median per figure)
#   scripts/coherency_bench.sh --long [N]      (N changes per strategy, audited;
#                                               default 1000000)
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${COHERENCY_BENCH:-$top/build/release/tests/coherency_bench}"
[ -x "$bin" ] || { bash "$top/scripts/setup.sh" release; cmake --build "$top/build/release" -j 2 --target coherency_bench >/dev/null; }
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"

if [ "${1:-}" = "--long" ]; then
  n="${2:-1000000}"
  echo "== long audit: $n changes per strategy, auditor on (T=8, 32 pages per round)"
  status=0
  for sf in "eager-tlbie all" "eager-ipi all" "eager-ipi running" "eager-ipi tracked" \
            "kvm-deferred all" "patch-channel all" "patch-channel tracked"; do
    set -- $sf
    $pin "$bin" -t 8 -n "$n" -s "$1" -f "$2" -a || status=1
  done
  # small channels: overflows and fallbacks all along
  $pin "$bin" -t 8 -n "$n" -s patch-channel -f all -k 8 -a || status=1
  exit $status
fi

runs="${1:-3}"
n=200000
med() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
field() { sed -n "s/.*$1 \([0-9]*\).*/\1/p"; }
for t in 8 32 64; do
  for f in all tracked; do
    out=$(for i in $(seq "$runs"); do $pin "$bin" -t "$t" -n "$n" -f "$f"; done)
    p=$(echo "$out" | field "per patch produced" | med)
    d=$(echo "$out" | field "per patch drained" | med)
    h=$(echo "$out" | field "per H_REMOVE" | med)
    echo "patch-channel/$f T=$t: host ns per patch produced $p, drained $d (H_REMOVE $h ns with $((t - 1)) patches; median of $runs)"
  done
  e=$(for i in $(seq "$runs"); do $pin "$bin" -t "$t" -n "$n" -s eager-tlbie; done | field "per H_REMOVE" | med)
  echo "eager-tlbie T=$t: host ns per H_REMOVE $e"
done
