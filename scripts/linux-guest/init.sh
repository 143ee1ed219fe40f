#!/bin/sh
# /init of the recorded guest (scripts/record-linux-guest.sh copies it into
# the initramfs with /lpmark, /workload and /hcall-source): mounts proc and
# sys, runs WORKLOAD between two lpmark rounds and powers off.
# /hcall-source "tracepoint": also mounts tracefs, enables the
# powerpc:hcall_entry/hcall_exit tracepoints, records per CPU while the
# workload runs, and dumps each CPU's ftrace buffer to the console (gzip |
# base64 between @@ delimiters). "gdb": no tracing at all (the hcalls come
# from a replay under gdb; the guest runs no tracing code).
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
SRC=$(cat /hcall-source)
T=/sys/kernel/tracing
if [ "$SRC" = tracepoint ]; then
  mount -t tracefs tracefs $T
  echo 0 > $T/tracing_on
  echo 32768 > $T/buffer_size_kb
  echo 1 > $T/events/powerpc/hcall_entry/enable
  echo 1 > $T/events/powerpc/hcall_exit/enable
  MARK=trace_marker
else
  MARK=nomark
fi
N=$(nproc)
echo "@@LPSYS-WORKLOAD-BEGIN cpus=$N"
[ "$SRC" = tracepoint ] && echo 1 > $T/tracing_on
# /workload.marks: the program executes the window markers itself (its
# exec and exit stay outside the window)
[ -e /workload.marks ] || /lpmark start "$N" $MARK
# a script runs in this shell (no fork and exec of a second sh in the window)
if [ -x /workload.bin ]; then /workload.bin; else . /workload.sh; fi
echo "@@LPSYS-WORKLOAD-STATUS $?"
[ -e /workload.marks ] || /lpmark stop "$N" $MARK
[ "$SRC" = tracepoint ] && echo 0 > $T/tracing_on
echo "@@LPSYS-WORKLOAD-END"
c=0
while [ "$SRC" = tracepoint ] && [ "$c" -lt "$N" ]; do
  echo "@@LPSYS-CPU $c"
  cat $T/per_cpu/cpu$c/trace | gzip -9 | base64
  echo "@@LPSYS-STATS $c"
  cat $T/per_cpu/cpu$c/stats
  c=$((c + 1))
done
echo "@@LPSYS-DONE"
poweroff -f
