#!/usr/bin/env bash
# fuzz.sh - fuzz the config and sweep-file parsers and the trace reader
# with libFuzzer (clang, ASan + UBSan). Builds the libraries into build/fuzz with clang, links the
# targets in tests/fuzz, and runs each for SECONDS (default 300) from seeds
# made of the shipped configs. Inputs that crash, hang (> 10 s) or leak are
# left as build/fuzz/<target>/crash-* / timeout-* / leak-*; exit 1 if any.
# Needs clang (Debian package clang); not part of the test suite.
#   scripts/fuzz.sh [SECONDS [config|sweep|trace ...]]
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
secs="${1:-300}"
shift $(( $# > 0 ? 1 : 0 ))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(config sweep trace)
command -v clang >/dev/null || { echo "fuzz.sh: needs clang (apt-get install clang)" >&2; exit 2; }
out="$top/build/fuzz"
san="-fsanitize=address,undefined -g -O1"
cmake -S "$top" -B "$out" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
      -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link $san" >/dev/null
cmake --build "$out" --target lparsim_machine -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
libs=("$out"/liblparsim_*.a)
ext=$(pkg-config --libs libfyaml capstone zlib)
cli="$top/sim/cli"
status=0
for t in "${targets[@]}"; do
  dir="$out/$t"
  mkdir -p "$dir/corpus"
  case "$t" in
    config)
      extra=()
      cp "$top"/configs/*.yaml "$top"/configs/smr/*.yaml "$top"/tests/golden/golden.yaml "$dir/corpus/" ;;
    sweep)
      extra=("$cli"/sweep_json.c "$cli"/sweep_points.c "$cli"/sweep_spec.c "$cli"/sweep_spec_plot.c
             "$cli"/sweep_util.c "$cli"/sweep_yaml.c "$cli"/cli_util.c)
      for f in "$top"/configs/sweeps/*.yaml; do   # bases by absolute path
        sed "s#^base: .*#base: $top/configs/smr/base.yaml#" "$f" > "$dir/corpus/$(basename "$f")"
      done ;;
    trace) # small seeds of each form: text, binary gzipped and plain
      extra=()
      bin="$top/build/release/lparsim"
      [ -x "$bin" ] || { echo "fuzz.sh: trace seeds need build/release/lparsim (scripts/setup.sh)" >&2; exit 2; }
      c="$dir/corpus"
      cp "$top/tests/data/install/tiny.trc" "$c/text.trc"
      ("$bin" trace cat "$top/traces/linux/fork-exec/vcpu0.trc" || true) | head -n 300 > "$c/v3-hcalls.txt"
      ("$bin" trace cat "$top/traces/ppc64le-sort.trc" || true) | head -n 400 > "$c/words.txt"
      ("$bin" trace cat "$top/traces/gzip-head.trc" || true) | head -n 400 > "$c/x86.txt"
      for s in words x86; do # text -> binary (gzip) with a region, and its plain bytes
        "$bin" trace mark "$c/$s.txt" "$c/$s.trc" --roi 100:200 >/dev/null 2>&1
        gzip -dc < "$c/$s.trc" > "$c/$s-plain.trc"
      done ;;
    *) echo "fuzz.sh: unknown target '$t' (expected config, sweep or trace)" >&2; exit 2 ;;
  esac
  # shellcheck disable=SC2086
  clang -fsanitize=fuzzer $san -D_GNU_SOURCE -DLPARSIM_VERSION='"fuzz"' -I"$top/sim" -I"$cli" \
      "$top/tests/fuzz/fuzz_$t.c" "${extra[@]}" -Wl,--start-group "${libs[@]}" -Wl,--end-group \
      $ext -lm -o "$dir/fuzz_$t"
  echo "fuzz.sh: $t for $secs s (corpus $dir/corpus)"
  (cd "$dir" && ./"fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 \
      -print_final_stats=1 corpus > "$dir/log.txt" 2>&1) || true
  grep -E "^stat::number_of_executed_units|^#[0-9]+.*DONE" "$dir/log.txt" | tail -n 2 | sed "s/^/  $t: /"
  found=$(find "$dir" -maxdepth 1 \( -name 'crash-*' -o -name 'timeout-*' -o -name 'leak-*' -o -name 'oom-*' \) | head -n 5)
  if [ -n "$found" ]; then
    echo "fuzz.sh: $t found problems (see $dir/log.txt):" && echo "$found" | sed 's/^/  /'
    status=1
  fi
done
exit $status
