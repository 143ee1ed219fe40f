#!/usr/bin/env bash
# dram_fidelity.sh - the full machine's DRAM read latency against an open-loop
# replay of its own request log (figures, not pass/fail; docs/dram.md).
#
#   scripts/dram_fidelity.sh [CONFIG...] [-- --set KEY=VALUE...]
#
# For each config (default: every shipped configs/*.yaml and configs/*/*.yaml
# that runs a machine): `lparsim run` with dram.trace_out, then `lparsim dram`
# on each controller's log with the same dram section; prints per memory
# module the full machine's mean read latency (from each read's arrival), the
# replay's (from acceptance, as lparsim dram and DRAMsim3 count it, and from
# the trace's cycle) with the ratios, then the read-weighted total. Extra --set options after "--" go to the run
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
printf '%-28s %-8s %9s %10s %10s %7s %10s %7s\n' config module reads full_mean replay ratio from_stamp ratio
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
  tot_r=0 tot_f=0 tot_p=0 tot_s=0
  for i in "${!logs[@]}"; do
    log="${logs[$i]}"
    mod=${log##*log}; mod=${mod#.}; mod=${mod:-0}
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
    set -- $(python3 -c "import json,sys; d=json.load(open(sys.argv[1]))['dram']; print(d['read_latency']['mean'], d['read_latency_from_stamp']['mean'])" "$tmp/dram.json")
    pmean=$1 smean=$2
    printf '%-28s %-8s %9d %10.1f %10.1f %7.3f %10.1f %7.3f\n' "$name" "module$mod" "$reads" \
      "$fmean" "$pmean" "$(echo "$fmean / $pmean" | bc -l)" "$smean" "$(echo "$fmean / $smean" | bc -l)"
    tot_r=$((tot_r + reads))
    tot_f=$(echo "$tot_f + $reads * $fmean" | bc -l)
    tot_p=$(echo "$tot_p + $reads * $pmean" | bc -l)
    tot_s=$(echo "$tot_s + $reads * $smean" | bc -l)
  done
  [ "$tot_r" -gt 0 ] && printf '%-28s %-8s %9d %10.1f %10.1f %7.3f %10.1f %7.3f\n' "$name" total \
    "$tot_r" "$(echo "$tot_f / $tot_r" | bc -l)" "$(echo "$tot_p / $tot_r" | bc -l)" \
    "$(echo "$tot_f / $tot_p" | bc -l)" "$(echo "$tot_s / $tot_r" | bc -l)" "$(echo "$tot_f / $tot_s" | bc -l)"
done
