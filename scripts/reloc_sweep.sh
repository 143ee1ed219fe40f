#!/usr/bin/env bash
# reloc_sweep.sh - LMB relocation against the granule (seed 002, H8;
# docs/reloc.md): configs/reloc/busy.yaml at granules 4K .. 16M, two runs
# at a time. Prints per granule: granules moved, tlbie batches, the longest
# stall of a vCPU (cycles and us), stalls, their cycles, the longest block
# of one granule, the relocation's own cycles and reloc.lmb's total (its
# work plus the vCPUs' stalls).
#   scripts/reloc_sweep.sh [--plot PNG] [--table FILE]   LPARSIM=path picks a binary
# (--table keeps the table, --plot draws it: docs/img/reloc-granule.png)
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
cfg="$top/configs/reloc/busy.yaml"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
grans="4K 16K 64K 256K 1M 4M 16M"
printf '%s\n' $grans | xargs -P 2 -I{} "$bin" run "$cfg" -q --csv "$out/{}.csv" \
  --set hypervisor.reloc.granule={}
val() { awk -F, -v k="$2" '$1 == k { print $2; f = 1 } END { exit !f }' "$1"; }
mhz="$(val "$out/4K.csv" machine.freq_mhz 2>/dev/null || echo 3800)"
{
  echo "# granule bytes granules tlbies max_stall_cycles max_stall_us stalls stall_cycles max_block_cycles reloc_cycles lmb_total"
  for g in $grans; do
    f="$out/$g.csv"
    b="$(val "$f" reloc.bytes_copied)"; n="$(val "$f" reloc.granules)"
    ms="$(val "$f" reloc.max_stall_cycles)"
    printf "%s %s %s %s %s %.1f %s %s %s %s %s\n" "$g" $((b / n)) "$n" "$(val "$f" reloc.tlbies)" \
      "$ms" "$(awk -v c="$ms" -v m="$mhz" 'BEGIN { print c / m }')" "$(val "$f" reloc.stalls)" \
      "$(val "$f" reloc.stall_cycles)" "$(val "$f" reloc.max_granule_cycles)" \
      "$(val "$f" reloc.total_cycles)" "$(val "$f" ops.reloc.lmb.total)"
  done
} > "$out/table.txt"
column -t "$out/table.txt"
[ -n "$table" ] && cp "$out/table.txt" "$table"
if [ -n "$plot" ]; then
  gnuplot <<GP
set terminal pngcairo size 900,560 noenhanced font ",11"
set output "$plot"
set title "LMB relocation of a busy 256M LMB (configs/reloc/busy.yaml)"
set xlabel "relocation granule (bytes)"
set logscale x 2
set logscale y 10
set yrange [1000:1e12]
set xrange [3000:24000000]
set xtics ("4K" 4096, "16K" 16384, "64K" 65536, "256K" 262144, "1M" 1048576, "4M" 4194304, "16M" 16777216)
set ylabel "cycles"
set y2label "tlbie batches"
set logscale y2 10
set y2range [1:1e7]
set y2tics
set key at graph 0.02, graph 0.98 left top
set grid
plot "$out/table.txt" using 2:5 with linespoints lw 2 title "max stall of a vCPU (cycles)", \
     "" using 2:9 with linespoints lw 2 title "max block of one granule (cycles)", \
     "" using 2:10 with linespoints lw 2 title "relocation work (cycles)", \
     "" using 2:11 with linespoints lw 2 title "reloc.lmb total (work + stalls, cycles)", \
     "" using 2:4 axes x1y2 with linespoints lw 2 dt 2 title "tlbie batches (right axis)"
GP
  echo "plot: $plot"
fi
