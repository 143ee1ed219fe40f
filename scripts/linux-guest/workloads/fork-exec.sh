# fork-exec.sh - the shipped fork/exec recording (traces/linux/fork-exec),
# sized for a native trace under 2 MB (about 1 M instructions per
# fork+exec of busybox; with a subshell added the trace was 2.16 MB): one
# fork plus exec of /bin/true (busybox sh runs a bare `true` as a builtin).
/bin/true
