#!/usr/bin/env bash
# ipca_sweep.sh - the IPCA measurements of docs/ipca.md (seed 003):
#   H8  M writers (think 0, 2000 messages of 1 KiB each) into one IPCA
#       against M into distinct IPCAs: throughput (msgs/us) and ipca.msg
#       latency, for lock_policy return and spin;
#   poll-period sweep: notice one-way latency against period/2 + the work;
#   H9  the validation part of H_IPCA_WRITE, third-party reads seen by the
#       auditor in patent mode, refused with acl.
#   scripts/ipca_sweep.sh          LPARSIM=path picks a binary
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${LPARSIM:-$top/build/release/lparsim}"
[ -x "$bin" ] || bash "$top/scripts/setup.sh" release
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
val() { awk -F, -v k="$2" '$1 == k { print $2; f = 1 } END { exit !f }' "$1"; }
cont="$top/configs/ipca/contention.yaml"
note="$top/configs/ipca/notices.yaml"

echo "H8: policy target M msgs/us msg_mean msg_p99 busy_retries spin_cycles"
for pol in return spin; do
  for tgt in one distinct; do
    for m in 1 2 4 8; do
      f="$out/c-$pol-$tgt-$m.csv"
      "$bin" run "$cont" -q --csv "$f" --set drivers.ipca.writers="$m" \
        --set drivers.ipca.target="$tgt" --set drivers.ipca.think=0 --set drivers.ipca.ops=2000 \
        --set hypervisor.ipca.lock_policy="$pol"
      printf "%s %s %s %.3f %.0f %s %s %s\n" "$pol" "$tgt" "$m" \
        "$(val "$f" drivers.ipca.msgs_per_us)" "$(val "$f" ops.ipca.msg.mean)" \
        "$(val "$f" ops.ipca.msg.p99)" "$(val "$f" ipca.busy_retries)" \
        "$(val "$f" ipca.spin_cycles)"
    done
  done
done

echo "poll period: period msg_mean period/2 msg_mean-period/2 work_per_msg notice_rtt_mean"
for p in 25000 50000 100000 200000 400000; do
  f="$out/p-$p.csv"
  "$bin" run "$note" -q --csv "$f" --set hypervisor.ipca.poll_period="$p" \
    --set drivers.ipca.think=$((2 * p))
  m="$(val "$f" ops.ipca.msg.mean)"
  work="$(awk -v t="$(val "$f" ops.ipca.msg.total)" -v w="$(val "$f" ops.ipca.msg.breakdown.wait)" \
    -v n="$(val "$f" ops.ipca.msg.count)" 'BEGIN { print (t - w) / n }')"
  printf "%s %.0f %s %.0f %.0f %.0f\n" "$p" "$m" $((p / 2)) "$(awk -v m="$m" -v p="$p" 'BEGIN { print m - p / 2 }')" \
    "$work" "$(val "$f" ops.ipca.notice.mean)"
done

echo "H9: acl writes validate_cycles_per_write write_mean snoops snoops_refused ungranted_reads violations"
for acl in false true; do
  f="$out/h9-$acl.csv"
  "$bin" run "$note" -q --csv "$f" --set hypervisor.ipca.acl="$acl"
  w="$(val "$f" ops.hcall.H_IPCA_WRITE.count)"
  printf "%s %s %.1f %.1f %s %s %s %s\n" "$acl" "$w" \
    "$(awk -v a="$(val "$f" ops.hcall.H_IPCA_WRITE.breakdown.validate)" -v w="$w" 'BEGIN { print a / w }')" \
    "$(val "$f" ops.hcall.H_IPCA_WRITE.mean)" "$(val "$f" drivers.ipca.snoops)" \
    "$(val "$f" drivers.ipca.snoops_refused)" "$(val "$f" ipca.audit.ungranted_reads)" \
    "$(val "$f" ipca.audit.violations)"
done
