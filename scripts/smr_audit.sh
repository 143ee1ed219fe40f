#!/usr/bin/env bash
# smr_audit.sh - the long audit benchmark: configs/smr/audit.yaml (every
# trigger in the mix, auditor on) for OPS random sharing operations per
# strategy; prints per strategy the operations, invalidations, audit checks,
# violations (must be 0) and host time. Exit 1 on any violation.
#   scripts/smr_audit.sh [OPS [STRATEGY...]]
#     OPS defaults to 1000000 (the test suite runs 1500); STRATEGY defaults to
#     all three (exhaustive export-vector rmap). LPARSIM=path picks a binary.
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ops="${1:-1000000}"
bin="${LPARSIM:-$top/build/release/lparsim}"
[ -x "$bin" ] || bash "$top/scripts/setup.sh" release
shift $(( $# > 0 ? 1 : 0 ))
strategies=("$@")
[ ${#strategies[@]} -gt 0 ] || strategies=(exhaustive export-vector rmap)
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# value of a "path,value" line of a --csv report
val() { awk -F, -v k="$2" '$1 == k { print $2; f = 1 } END { exit !f }' "$1"; }
status=0
printf "%-14s %10s %13s %12s %10s %9s\n" strategy ops invalidations audit_checks violations host_s
for s in "${strategies[@]}"; do
  rc=0
  "$bin" run "$top/configs/smr/audit.yaml" -q --csv "$out/$s.csv" \
      --set hypervisor.smr.strategy="$s" --set drivers.smr.ops="$ops" || rc=$?
  if [ ! -s "$out/$s.csv" ]; then echo "$s: run failed (exit $rc)"; status=1; continue; fi
  v=$(val "$out/$s.csv" audit.violations)
  printf "%-14s %10d %13d %12d %10d %9.1f\n" "$s" "$(val "$out/$s.csv" drivers.smr.ops)" \
    "$(val "$out/$s.csv" ops.smr.invalidate.count)" "$(val "$out/$s.csv" audit.checks)" "$v" \
    "$(val "$out/$s.csv" sim.host_seconds)"
  [ "$v" -eq 0 ] && [ $rc -eq 0 ] || status=1
done
exit $status
