# ls-cat.sh - the boot-to-shell workload: ten ls/cat rounds
i=0
while [ $i -lt 10 ]; do
  ls -l /bin > /tmp/ls.out
  cat /proc/meminfo /tmp/ls.out > /dev/null
  i=$((i + 1))
done
echo "ls-cat: $i rounds"
