#!/bin/sh
# /init of the recorded guest (scripts/record-linux-guest.sh copies it into
# the initramfs with /lpmark and /workload): mounts proc, sys and tracefs,
# enables the powerpc:hcall_entry/hcall_exit tracepoints, records per CPU while
# WORKLOAD runs between two lpmark rounds, dumps each CPU's ftrace buffer to
# the console (gzip | base64 between @@ delimiters) and powers off.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tracefs tracefs /sys/kernel/tracing
mount -t devtmpfs dev /dev 2>/dev/null
T=/sys/kernel/tracing
echo 0 > $T/tracing_on
echo 32768 > $T/buffer_size_kb
echo 1 > $T/events/powerpc/hcall_entry/enable
echo 1 > $T/events/powerpc/hcall_exit/enable
N=$(nproc)
echo "@@LPSYS-WORKLOAD-BEGIN cpus=$N"
echo 1 > $T/tracing_on
/lpmark start "$N"
if [ -x /workload.bin ]; then /workload.bin; else sh /workload.sh; fi
echo "@@LPSYS-WORKLOAD-STATUS $?"
/lpmark stop "$N"
echo 0 > $T/tracing_on
echo "@@LPSYS-WORKLOAD-END"
c=0
while [ "$c" -lt "$N" ]; do
  echo "@@LPSYS-CPU $c"
  cat $T/per_cpu/cpu$c/trace | gzip -9 | base64
  echo "@@LPSYS-STATS $c"
  cat $T/per_cpu/cpu$c/stats
  c=$((c + 1))
done
echo "@@LPSYS-DONE"
poweroff -f
