#!/usr/bin/env bash
# update_golden.sh - regenerate tests/golden/golden.expected.json after an
# intended model change (say why in the commit message). Host timing figures
# are removed, as the golden test does.
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ -n "${LPARSIM_NO_SETUP:-}" ] || "$top/scripts/setup.sh" release
cd "$top"
build/release/lparsim run tests/golden/golden.yaml --quiet --json /tmp/lparsim-golden.json
grep -v -E '"(host_seconds|records_per_host_second)"' /tmp/lparsim-golden.json \
  > tests/golden/golden.expected.json
echo "updated tests/golden/golden.expected.json"
