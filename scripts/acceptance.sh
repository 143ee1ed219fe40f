#!/usr/bin/env bash
# acceptance.sh - the core issue's two acceptance checks on reference data
# that is not part of the repository:
#
#   scripts/acceptance.sh LACKEY_TRACE DRAMSIM3_TRACE
#
# 1. `lparsim replay` of the imported lackey trace with 4K pages makes exactly
#    one H_ENTER per distinct 4K page that `lparsim trace info` counts, and a
#    second run gives identical JSON (host timing aside);
# 2. `lparsim dram` on the DRAMsim3 trace with ddr4-2400-dramsim3.yaml gives an
#    average read latency within 10% of DRAMsim3's 109.13 DRAM cycles.
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lackey="${1:?usage: $0 LACKEY_TRACE DRAMSIM3_TRACE}"
dramtr="${2:?usage: $0 LACKEY_TRACE DRAMSIM3_TRACE}"
"$top/scripts/setup.sh" release
bin="$top/build/release/lparsim"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
jnum() { sed -n "s/.*\"$2\": \([-0-9.e+]*\).*/\1/p" "$1" | head -n 1; }
fail=0

$bin trace import --format lackey "$lackey" -o "$tmp/l.trc"
$bin trace info "$tmp/l.trc" --json "$tmp/info.json" >/dev/null
pages=$(jnum "$tmp/info.json" pages_4k)
for i in 1 2; do
  $bin replay "$tmp/l.trc" --page-size 4K --quiet --json "$tmp/r$i.json"
  grep -v -E '"(host_seconds|records_per_host_second)"' "$tmp/r$i.json" > "$tmp/r$i.stripped"
done
# the first "count" after "H_ENTER" is ops.hcall.H_ENTER.count
enters=$(sed -n '/"H_ENTER"/,/"count"/s/.*"count": \([0-9]*\).*/\1/p' "$tmp/r1.json" | head -n 1)
echo "distinct 4K pages (trace info): $pages; ops.hcall.H_ENTER.count: $enters"
[ "$pages" = "$enters" ] || { echo "FAIL: H_ENTER count differs from the page count"; fail=1; }
if cmp -s "$tmp/r1.stripped" "$tmp/r2.stripped"; then
  echo "second run: identical JSON (host timing aside)"
else
  echo "FAIL: the second run's JSON differs"; fail=1
fi

$bin dram "$dramtr" --config "$top/configs/memory/ddr4-2400-dramsim3.yaml" --json "$tmp/d.json"
lat=$(jnum "$tmp/d.json" mean)
if awk -v l="$lat" 'BEGIN {exit !(l >= 109.13 * 0.9 && l <= 109.13 * 1.1)}'; then
  echo "dram: average read latency $lat DRAM cycles, within 10% of 109.13"
else
  echo "FAIL: dram average read latency $lat is not within 10% of 109.13"; fail=1
fi
exit $fail
