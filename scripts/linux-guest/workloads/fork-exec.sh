# fork-exec.sh - a small fork/exec-heavy workload (shipped recording
# traces/linux/fork-exec): external commands only (busybox sh runs `true`
# as a builtin, /bin/true is a fork plus an exec of busybox)
/bin/true
/bin/true
/bin/echo fork-exec
