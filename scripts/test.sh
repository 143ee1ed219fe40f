#!/usr/bin/env bash
# test.sh - set up, then run the whole test suite twice: on the release
# build and on an AddressSanitizer + UndefinedBehaviorSanitizer build.
#
#   scripts/test.sh            everything
#   scripts/test.sh -L unit    only tests with a label (passed to ctest)
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$top/scripts/setup.sh" release asan
jobs=$(nproc 2>/dev/null || echo 2)
status=0
for b in release asan; do
  echo "== tests: $b build ==" >&2
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  (cd "$top/build/$b" && ctest --output-on-failure -j "$jobs" "$@") || status=1
done
exit $status
