#!/usr/bin/env bash
# dispatch_bench.sh - shared-processor dispatch at scale (figures, not
# pass/fail): 64 shared LPARs with 4 vCPUs each (one SMT4 virtual processor,
# entitlement 0.25, uncapped) on a 16-core pool, 4x oversubscribed, every
# vCPU replaying one of the shipped traces. Prints host speed (records per
# host second, one core) and the dispatch wait p50/p99, for three mixes:
#   - every shipped trace in traces/ (the benchmark's figure): vCPU v of
#     LPAR l replays trace (4l + v) mod 6;
#   - the two synthetic memory-stress traces (stream-8m, random-96m: they
#     miss the caches on nearly every access and first-touch tens of
#     thousands of pages, so the memory model's page zeroing dominates);
#   - the four recorded program traces (gzip x2 lackey, ppc64le x2 QEMU).
#   scripts/dispatch_bench.sh [RUNS]      (default 3; median host speed)
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-3}"
bin="${LPARSIM:-$top/build/release/lparsim}"
[ -x "$bin" ] || bash "$top/scripts/setup.sh" release
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run_mix() { # run_mix NAME TRACE...
traces=("${@:2}")
echo "== mix: $1"
{
  echo "machine: {name: dispatch-bench, seed: 1, modules: 2, cores_per_module: 8, threads_per_core: 4}"
  echo "hypervisor: {lmb_size: 256M, dispatch: {enabled: true}}"
  echo "lpars:"
  for l in $(seq 0 63); do
    echo "  - name: p$l"
    echo "    memory: 512M"
    echo "    processors: {mode: shared, entitlement: 0.25, virtual_processors: 1, capped: false}"
    echo "    vcpus:"
    for v in 0 1 2 3; do
      echo "      - {trace: $top/traces/${traces[$(( (4 * l + v) % ${#traces[@]} ))]}}"
    done
  done
} > "$tmp/bench.yaml"
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"
jnum() { sed -n "s/.*\"$2\": \([-0-9.e+]*\).*/\1/p" "$1" | head -n 1; }
TIMEFORMAT='%U %S'
for i in $(seq "$runs"); do
  { time $pin "$bin" run "$tmp/bench.yaml" -q --json "$tmp/r$i.json"; } 2> "$tmp/t$i"
  read -r u s < "$tmp/t$i"
  recs=$(jnum "$tmp/r$i.json" records)
  echo "$(jnum "$tmp/r$i.json" records_per_host_second) $(awk -v r="$recs" -v u="$u" -v s="$s" 'BEGIN {print r / (u + s)}')"
done > "$tmp/speeds"
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)] / 1e6}'; }
printf "host speed: %.2f M records per host second, wall clock (median of %d, one core; target >= 10 M)\n" \
  "$(cut -d' ' -f1 "$tmp/speeds" | median)" "$runs"
printf "            %.2f M records per CPU second (user + sys; what a busy shared host does not change)\n" \
  "$(cut -d' ' -f2 "$tmp/speeds" | median)"
j="$tmp/r1.json"
wait_p() { awk -v k="$1" '/"wait": \{/ {w=1} w && $0 ~ "\""k"\"" {gsub(/[^0-9.e+]/, "", $2); print $2; exit}' "$j"; }
echo "records $(jnum "$j" records), simulated cycles $(jnum "$j" cycles)"
echo "dispatch.wait: p50 $(wait_p p50) cycles, p99 $(wait_p p99) cycles, mean $(wait_p mean)"
}
run_mix "all six shipped traces" gzip-head.trc gzip-mid.trc stream-8m.trc random-96m.trc \
    ppc64le-matmul.trc ppc64le-sort.trc
run_mix "the two synthetic memory-stress traces" stream-8m.trc random-96m.trc
run_mix "the four recorded program traces" gzip-head.trc gzip-mid.trc ppc64le-matmul.trc \
    ppc64le-sort.trc
