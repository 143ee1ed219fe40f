#!/usr/bin/env bash
# smr_audit.sh - the long audit benchmark: configs/smr/audit.yaml (every
# trigger in the mix, auditor on) for OPS random sharing operations per
# strategy; prints per strategy the operations, invalidations, audit checks,
# violations (must be 0) and host time. Exit 1 on any violation.
#   scripts/smr_audit.sh [OPS [STRATEGY...]]
#     OPS defaults to 1000000 (the test suite runs 2000); STRATEGY defaults to
#     all three (exhaustive export-vector rmap).
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
status=0
printf "%-14s %10s %13s %12s %10s %9s\n" strategy ops invalidations audit_checks violations host_s
for s in "${strategies[@]}"; do
  rc=0
  "$bin" run "$top/configs/smr/audit.yaml" -q --json "$out/$s.json" \
      --set hypervisor.smr.strategy="$s" --set scenario.ops="$ops" || rc=$?
  if [ ! -s "$out/$s.json" ]; then echo "$s: run failed (exit $rc)"; status=1; continue; fi
  python3 - "$out/$s.json" "$s" <<'PY' || status=1
import json, sys
d = json.load(open(sys.argv[1]))
v = d["audit"]["violations"]
print("%-14s %10d %13d %12d %10d %9.1f" % (sys.argv[2], d["scenario"]["ops"],
      d["ops"]["smr"]["invalidate"]["count"], d["audit"]["checks"], v, d["sim"]["host_seconds"]))
sys.exit(1 if v else 0)
PY
  [ $rc -eq 0 ] || status=1
done
exit $status
