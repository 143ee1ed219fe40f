#!/usr/bin/env bash
# make_ppc_traces.sh - how the recorded POWER traces in traces/ were made:
# the C programs in traces/src/, compiled -O2 -mcpu=power9 and recorded
# under qemu-ppc64le with scripts/record-ppc64le.sh (plugin route:
# instructions with their words, loads and stores). Needs a built lparsim
# (scripts/setup.sh) and the cross compiler and qemu-user (setup.sh
# installs them).
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CFLAGS="-O2 -mcpu=power9"
for p in matmul sort; do
  "$top/scripts/record-ppc64le.sh" "$top/traces/src/$p.c" -o "$top/traces/ppc64le-$p.trc"
done
ls -l "$top"/traces/ppc64le-*.trc
