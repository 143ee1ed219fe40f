#!/usr/bin/env bash
# dram_fidelity.sh - the full machine's DRAM read latency against an open-loop
# replay of its own request log (figures, not pass/fail; docs/dram.md).
#
#   scripts/dram_fidelity.sh [CONFIG...] [-- --set KEY=VALUE...]
#
# For each config (default: every shipped configs/*.yaml and configs/*/*.yaml
# that runs a machine): `lparsim run` with dram.trace_out, then `lparsim dram`
# on each controller's log with the same dram section; prints per memory
# module the full machine's mean read latency, the replay's, and their ratio,
# then the read-weighted total. Extra --set options after "--" go to the run
# (e.g. -- --set dram.write_policy=fcfs for the model before the write buffer).
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${LPARSIM:-$top/build/release/lparsim}"
[ -x "$bin" ] || "$top/scripts/setup.sh" release
cfgs=() sets=()
while [ $# -gt 0 ]; do
  if [ "$1" = "--" ]; then shift; sets=("$@"); break; fi
  cfgs+=("$1"); shift
done
if [ ${#cfgs[@]} -eq 0 ]; then
  for f in "$top"/configs/*.yaml "$top"/configs/smr/*.yaml "$top"/configs/dispatch/*.yaml \
           "$top"/configs/coherency/*.yaml; do
    case "$f" in *sweep-base*|*scale-1000*) continue ;; esac
    cfgs+=("$f")
  done
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
jnum() { sed -n "s/.*\"$2\": \([-0-9.e+]*\).*/\1/p" "$1" | head -n 1; }
printf '%-28s %-8s %9s %12s %12s %7s\n' config module reads full_mean replay_mean ratio
for cfg in "${cfgs[@]}"; do
  name=$(basename "$cfg" .yaml)
  rm -f "$tmp"/log*
  "$bin" run "$cfg" --quiet --json "$tmp/run.json" --set dram.trace_out="$tmp/log" \
    ${sets[@]+"${sets[@]}"} >/dev/null
  # the replay uses the run's dram section (config file and --set dram.*)
  dsets=()
  for s in ${sets[@]+"${sets[@]}"}; do
    case "$s" in dram.write_policy=*) ;; dram.*) dsets+=(--set "$s") ;; esac
  done
  logs=("$tmp"/log*)
  tot_r=0 tot_f=0 tot_p=0
  for i in "${!logs[@]}"; do
    log="${logs[$i]}"
    mod=${log##*log}; mod=${mod#.}; mod=${mod:-0}
    reads=$(jnum "$tmp/run.json" "reads" | head -n1)
    full=$(python3 - "$tmp/run.json" "$mod" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["dram"]["module" + sys.argv[2]]
print(d["reads"], d["read_latency"]["mean"])
PY
)
    set -- $full
    reads=$1 fmean=$2
    [ "$reads" -gt 0 ] || continue
    "$bin" dram "$log" --config "$cfg" ${dsets[@]+"${dsets[@]}"} --json "$tmp/dram.json" >/dev/null
    pmean=$(jnum "$tmp/dram.json" "mean")
    printf '%-28s %-8s %9d %12.1f %12.1f %7.3f\n' "$name" "module$mod" "$reads" "$fmean" \
      "$pmean" "$(echo "$fmean / $pmean" | bc -l)"
    tot_r=$((tot_r + reads))
    tot_f=$(echo "$tot_f + $reads * $fmean" | bc -l)
    tot_p=$(echo "$tot_p + $reads * $pmean" | bc -l)
  done
  [ "$tot_r" -gt 0 ] && printf '%-28s %-8s %9d %12.1f %12.1f %7.3f\n' "$name" total "$tot_r" \
    "$(echo "$tot_f / $tot_r" | bc -l)" "$(echo "$tot_p / $tot_r" | bc -l)" \
    "$(echo "$tot_f / $tot_p" | bc -l)"
done
