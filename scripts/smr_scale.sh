#!/usr/bin/env bash
# smr_scale.sh - the scale benchmark: configs/smr/scale-1000-lpars.yaml
# (1000 LPARs x 64 GiB, 16 K SMRs, export-vector) started with no
# operations, then run with N unshare-only operations (each one
# smr.invalidate, then the set-up restored); prints host start-up time and
# peak RSS (GNU time), host time per operation (the difference of the two
# runs over N) and simulated cycles per invalidation.
#   scripts/smr_scale.sh [N]     (default 2000)   LPARSIM=path picks a binary
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
n="${1:-2000}"
bin="${LPARSIM:-$top/build/release/lparsim}"
[ -x "$bin" ] || bash "$top/scripts/setup.sh" release
[ -x /usr/bin/time ] || { echo "smr_scale.sh: needs GNU time (/usr/bin/time, Debian package time)" >&2; exit 2; }
cfg="$top/configs/smr/scale-1000-lpars.yaml"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
val() { awk -F, -v k="$2" '$1 == k { print $2; f = 1 } END { exit !f }' "$1"; }
only_unshare=(--set drivers.smr.mix.map=0 --set drivers.smr.mix.unmap=0 --set drivers.smr.mix.deauthorize=0
              --set drivers.smr.mix.destroy=0 --set drivers.smr.mix.terminate=0
              --set drivers.smr.mix.reclaim=0 --set drivers.smr.mix.unshare=1)
for ops in 0 "$n"; do
  /usr/bin/time -f "%M" -o "$out/rss$ops" "$bin" run "$cfg" -q --csv "$out/run$ops.csv" \
      --set drivers.smr.ops="$ops" "${only_unshare[@]}"
done
t0=$(val "$out/run0.csv" sim.host_seconds)
t1=$(val "$out/run$n.csv" sim.host_seconds)
printf "LPARs %s, SMRs set up %s, machine memory %.1f TiB, HPTs %.0f GiB\n" \
  "$(val "$out/run0.csv" machine.lpar_count)" "$(val "$out/run0.csv" smr.created)" \
  "$(awk -v b="$(val "$out/run0.csv" machine.memory_bytes)" 'BEGIN { print b / 2^40 }')" \
  "$(awk -v b="$(val "$out/run0.csv" machine.hpt_bytes)" 'BEGIN { print b / 2^30 }')"
printf "start-up (build + set up every SMR): %.2f s host, peak RSS %.2f GiB\n" "$t0" \
  "$(awk '{ print $1 / 1048576 }' "$out/rss0")"
printf "%s unshare operations: %.2f s host, %.3f ms per operation (invalidation + restore), peak RSS %.2f GiB\n" \
  "$n" "$t1" "$(awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN { print (b - a) * 1000 / n }')" \
  "$(awk '{ print $1 / 1048576 }' "$out/rss$n")"
printf "invalidations %s, %.4g simulated cycles each (mean)\n" \
  "$(val "$out/run$n.csv" ops.smr.invalidate.count)" "$(val "$out/run$n.csv" ops.smr.invalidate.mean)"
