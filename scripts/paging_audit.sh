#!/usr/bin/env bash
# paging_audit.sh - the long paging audit: configs/paging/audit-mix.yaml
# (shared-memory LPARs on shared processors with pinned VPAs written at
# every dispatch, one freeing pages with unused hints and a CMM balloon,
# and a dedicated LPAR whose LMB is relocated) with every
# auditor on, at overcommit drawn from 1.0..2.0 (seeded) and each victim
# policy in turn, until OPS operations (hypervisor faults, reflected misses,
# page-ins, page-outs, zero fills, pins, hypervisor accesses to critical
# areas, H_PAGE_INIT hints and loans, relocated granules) have run.
# Prints one line per run and the totals; exit 1 on any violation.
#   scripts/paging_audit.sh [OPS [SEED]]      (OPS defaults to 1000000)
#   LPARSIM=path picks a binary.
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ops="${1:-1000000}"
seed="${2:-1}"
bin="${LPARSIM:-$top/build/release/lparsim}"
[ -x "$bin" ] || bash "$top/scripts/setup.sh" release
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
val() { awk -F, -v k="$2" '$1 == k { print $2; f = 1 } END { exit !f }' "$1"; }
policies=(fifo random clock clock-notlbie aging)
total=0 checks=0 viol=0 run=0 status=0
printf "%4s %-14s %10s %10s %10s %10s %8s %8s %8s %12s %10s %7s\n" run policy overcommit faults \
  page_ins page_outs pins hints granules ops audit_checks viol
while [ "$total" -lt "$ops" ]; do
  p=${policies[$((run % ${#policies[@]}))]}
  # overcommit 1.00..2.00 from a seeded LCG (bash arithmetic, reproducible)
  seed=$(( (seed * 1103515245 + 12345) % 2147483648 ))
  oc=$(printf "1.%02d" $(( seed % 100 )))
  [ $(( seed % 7 )) -eq 0 ] && oc=2.0
  rc=0
  "$bin" run "$top/configs/paging/audit-mix.yaml" -q --csv "$out/r.csv" --audit \
    --set hypervisor.paging.policy="$p" --set hypervisor.paging.overcommit="$oc" || rc=$?
  if [ ! -s "$out/r.csv" ] || [ $rc -ne 0 ]; then echo "run $run: failed (exit $rc)"; status=1; break; fi
  f=$(val "$out/r.csv" paging.faults); i=$(val "$out/r.csv" paging.page_ins)
  o=$(val "$out/r.csv" paging.page_outs); z=$(val "$out/r.csv" paging.zero_fills)
  r=$(val "$out/r.csv" paging.reflects); c=$(val "$out/r.csv" paging.audit.checks)
  v=$(val "$out/r.csv" paging.audit.violations)
  pn=$(val "$out/r.csv" paging.pin_requests); hv=$(val "$out/r.csv" paging.hv_accesses)
  g=$(val "$out/r.csv" reloc.granules)
  hi=$(( $(val "$out/r.csv" paging.unused_hints) + $(val "$out/r.csv" paging.loans) ))
  c=$(( c + $(val "$out/r.csv" reloc.audit.checks) ))
  v=$(( v + $(val "$out/r.csv" reloc.audit.violations) ))
  n=$(( f + r + i + o + z + pn + hv + hi + g ))
  printf "%4d %-14s %10s %10d %10d %10d %8d %8d %8d %12d %10d %7d\n" "$run" "$p" "$oc" "$f" "$i" \
    "$o" "$pn" "$hi" "$g" "$n" "$c" "$v"
  total=$(( total + n )); checks=$(( checks + c )); viol=$(( viol + v )); run=$(( run + 1 ))
  [ "$v" -eq 0 ] || status=1
  rm -f "$out/r.csv"
done
echo "total: $run runs, $total operations, $checks audit checks, $viol violations"
exit $status
