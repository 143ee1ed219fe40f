#!/usr/bin/env bash
# run.sh - set up (missing Debian packages, release build) and run lparsim.
#
#   scripts/run.sh                      lparsim run configs/default.yaml
#   scripts/run.sh --json out.json      lparsim run configs/default.yaml --json out.json
#   scripts/run.sh replay t.trc ...     any lparsim command, passed through
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$top/scripts/setup.sh" release
cd "$top"
case "${1:-}" in
  run|replay|dram|trace|params|sweep|help|-h|--help|--version)
    exec "$top/build/release/lparsim" "$@" ;;
  *)
    exec "$top/build/release/lparsim" run configs/default.yaml "$@" ;;
esac
