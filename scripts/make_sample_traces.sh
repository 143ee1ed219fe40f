#!/usr/bin/env bash
# make_sample_traces.sh - how the traces shipped in traces/ were made.
#
#   scripts/make_sample_traces.sh LACKEY_TRACE.gz
#
# LACKEY_TRACE is a Valgrind lackey trace (`valgrind --tool=lackey
# --trace-mem=yes gzip -9 -c text64k.txt`); two 300k-record slices of it
# become gzip-head.trc and gzip-mid.trc. Four synthetic traces come from
# scripts/synth_trace.py (churn-48m in lparsim's native text form, gzipped:
# it has free markers). Needs a built lparsim (scripts/setup.sh).
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="${1:?usage: $0 LACKEY_TRACE.gz}"
bin="$top/build/release/lparsim"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(zcat -f "$src" || true) | head -n 300006 > "$tmp/head.lackey"
(zcat -f "$src" || true) | sed -n "5000001,5300000p;5300001q" > "$tmp/mid.lackey"
python3 "$top/scripts/synth_trace.py" stream --records 300000 --bytes $((8 << 20)) > "$tmp/stream.lackey"
python3 "$top/scripts/synth_trace.py" random --records 200000 --bytes $((96 << 20)) --seed 7 > "$tmp/random.lackey"
python3 "$top/scripts/synth_trace.py" update --records 800000 --bytes $((160 << 20)) --seed 11 > "$tmp/update.lackey"
for t in head mid; do
  "$bin" trace import --format lackey "$tmp/$t.lackey" -o "$top/traces/gzip-$t.trc"
done
"$bin" trace import --format lackey "$tmp/stream.lackey" -o "$top/traces/stream-8m.trc"
"$bin" trace import --format lackey "$tmp/random.lackey" -o "$top/traces/random-96m.trc"
"$bin" trace import --format lackey "$tmp/update.lackey" -o "$top/traces/update-160m.trc"
python3 "$top/scripts/synth_trace.py" churn --records 400000 --bytes $((48 << 20)) --seed 13 --rounds 4 | gzip -9 -n > "$top/traces/churn-48m.trc"
ls -l "$top/traces"
