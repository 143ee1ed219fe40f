#!/usr/bin/env bash
# bench_comm.sh - the long audit of the communication transports: N
# ping-pong transactions (2 N messages) per transport with random sizes
# 1 B..1 MiB (log-uniform: drivers.comm.size_dist log2), every byte checked
# by the driver's auditor; prints per transport the messages, bytes,
# simulated messages per second, host messages per second and audit
# violations (must be 0). Exit 1 on any violation or failed run.
#   scripts/bench_comm.sh [N [TRANSPORT...]]
#     N defaults to 1000000 (the test suite runs 150: check_comm audit_short);
#     TRANSPORT defaults to every transport: tcp veth smc smcd-linux ipca
#     (the smc and ipca features are enabled for every run).
#     Extra settings: COMM_SETS="drivers.comm.pattern=stream ...".
#     LPARSIM=path picks a binary.
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
n="${1:-1000000}"
bin="${LPARSIM:-$top/build/release/lparsim}"
[ -x "$bin" ] || bash "$top/scripts/setup.sh" release
shift $(( $# > 0 ? 1 : 0 ))
transports=("$@")
[ ${#transports[@]} -gt 0 ] || transports=(tcp veth smc smcd-linux ipca)
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
val() { awk -F, -v k="$2" '$1 == k { print $2; f = 1 } END { exit !f }' "$1"; }
extra=(--set hypervisor.smc.enabled=true --set hypervisor.ipca.enabled=true)
for s in ${COMM_SETS:-}; do extra+=(--set "$s"); done
status=0
printf "%-11s %10s %14s %13s %13s %10s\n" transport messages bytes sim_msg_per_s host_msg_per_s violations
for t in "${transports[@]}"; do
  rc=0
  "$bin" run "$top/configs/comm/pingpong.yaml" -q --csv "$out/$t.csv" \
      --set drivers.comm.transport="$t" --set drivers.comm.messages="$n" \
      --set drivers.comm.size=1 --set drivers.comm.size_max=1M \
      --set drivers.comm.size_dist=log2 "${extra[@]}" 2> "$out/$t.err" || rc=$?
  if [ ! -s "$out/$t.csv" ]; then
    echo "$t: run failed (exit $rc): $(cat "$out/$t.err")"; status=1; continue
  fi
  m=$(val "$out/$t.csv" comm.run.messages); v=$(val "$out/$t.csv" comm.audit.violations)
  cyc=$(val "$out/$t.csv" sim.cycles); mhz=$(val "$out/$t.csv" machine.freq_mhz)
  hs=$(val "$out/$t.csv" sim.host_seconds)
  printf "%-11s %10d %14d %13.0f %13.0f %10d\n" "$t" "$m" "$(val "$out/$t.csv" comm.run.bytes)" \
    "$(echo "$m $cyc $mhz" | awk '{ print ($2 ? $1 / ($2 / ($3 * 1e6)) : 0) }')" \
    "$(echo "$m $hs" | awk '{ print ($2 > 0 ? $1 / $2 : 0) }')" "$v"
  [ "$v" -eq 0 ] && [ $rc -eq 0 ] || status=1
done
exit $status
