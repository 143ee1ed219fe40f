#!/usr/bin/env bash
# migrate_sweep.sh - LPAR migration against the dirty rate (seed 002, H10;
# docs/migration.md): configs/platform/migrate.yaml with the source's trace
# replaced by `synth_trace.py mixed` traces of store fraction 0 .. 0.5
# (random 8-byte accesses over a 16 MiB heap, 400,000 records, seed 1),
# each with hypervisor.migrate.target_storage paging and memory; two runs
# at a time. Prints per point: total time and downtime (us), pages sent
# and re-sent, passes, pages of the final copy, target frames used before
# suspend, post-resume page-ins, and how long the paging device still wrote
# after resume (us) and the target's run after resume (us: one pass of
# the trace).
#   scripts/migrate_sweep.sh [--plot PNG] [--table FILE]   LPARSIM=path picks a binary,
#   JOBS=n the runs at a time (default 2)
# (--plot draws docs/img/migration-dirty-rate.png)
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${LPARSIM:-$top/build/release/lparsim}"
[ -x "$bin" ] || bash "$top/scripts/setup.sh" release
plot="" table=""
while [ $# -gt 0 ]; do
  case "$1" in
    --plot) plot="$2"; shift 2 ;;
    --table) table="$2"; shift 2 ;;
    *) echo "usage: $0 [--plot PNG] [--table FILE]" >&2; exit 2 ;;
  esac
done
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
fracs="0 0.01 0.02 0.05 0.1 0.2 0.5"
gen() {
  python3 "$top/scripts/synth_trace.py" mixed --records 400000 --bytes 16777216 \
    --store-frac "$1" > "$out/$1.lackey"
  "$bin" trace import --format lackey "$out/$1.lackey" -o "$out/$1.trc" 2> /dev/null
  rm "$out/$1.lackey"
}
point() {
  "$bin" run "$top/configs/platform/migrate.yaml" -q --csv "$out/$1-$2.csv" \
    --set "source.lpars[0].vcpus[0].trace=$out/$1.trc" \
    --set "target.lpars[0].vcpus[0].trace=$out/$1.trc" \
    --set "source.hypervisor.migrate.target_storage=$2"
}
jobs="${JOBS:-2}"
n=0
for w in $fracs; do
  gen "$w" &
  n=$((n + 1)); [ $((n % jobs)) -eq 0 ] && wait
done
wait
for w in $fracs; do
  for s in paging memory; do
    point "$w" "$s" &
    n=$((n + 1)); [ $((n % jobs)) -eq 0 ] && wait
  done
done
wait
val() { awk -F, -v k="$2" '$1 == k { print $2; f = 1 } END { exit !f }' "$1"; }
{
  echo "# store_frac storage total_us downtime_us pages_sent resent passes final_pages precopy_frames post_resume_page_ins backlog_us post_resume_us"
  for w in $fracs; do
    for s in paging memory; do
      f="$out/$w-$s.csv"
      src() { val "$f" "machines.source.migration.$1"; }
      dst() { val "$f" "machines.target.migration.$1"; }
      printf "%s %s %.1f %.1f %s %s %s %s %s %s %.1f %.1f\n" "$w" "$s" \
        "$(awk -v c="$(dst total_cycles)" 'BEGIN { print c / 3800 }')" \
        "$(awk -v c="$(dst downtime_cycles)" 'BEGIN { print c / 3800 }')" \
        "$(src pages_sent)" "$(src pages_resent)" "$(src passes)" "$(src final_pages)" \
        "$(dst precopy_frames)" "$(dst post_resume_page_ins)" \
        "$(awk -v c="$(dst device_backlog_cycles)" 'BEGIN { print c / 3800 }')" \
        "$(awk -v e="$(val "$f" machines.target.sim.cycles)" -v r="$(dst resume_cycle)" \
          'BEGIN { print (e - r) / 3800 }')"
    done
  done
} > "$out/table.txt"
column -t "$out/table.txt"
[ -n "$table" ] && cp "$out/table.txt" "$table"
if [ -n "$plot" ]; then
  grep ' paging ' "$out/table.txt" > "$out/paging.txt"
  grep ' memory ' "$out/table.txt" > "$out/memory.txt"
  gnuplot <<GP
set terminal pngcairo size 900,560 noenhanced font ",11"
set output "$plot"
set title "Migrating a 64 MiB LPAR over 12.5 GB/s (configs/platform/migrate.yaml)"
set xlabel "store fraction of the source's accesses (random over a 16 MiB heap)"
set ylabel "microseconds"
set logscale y 10
set xrange [-0.02:0.52]
set key at graph 0.02, graph 0.98 left top
set grid
plot "$out/paging.txt" using 1:3 with linespoints lw 2 title "total, target storage paging", \
     "$out/memory.txt" using 1:3 with linespoints lw 2 dt 2 title "total, target storage memory", \
     "$out/paging.txt" using 1:4 with linespoints lw 2 title "downtime, paging", \
     "$out/memory.txt" using 1:4 with linespoints lw 2 dt 2 title "downtime, memory"
GP
  echo "plot: $plot"
fi
