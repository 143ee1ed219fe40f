/*
 * lpmark.c - run inside the recorded guest (static ppc64le): on each CPU
 * in turn it pins itself there, writes "lpmark start|stop" into the
 * ftrace buffer (trace_marker) and executes the marker instruction the
 * QEMU plugin lpsys.c watches for, twice (r0 is unchanged):
 *   start: xori r0,r0,0x4c53   stop: xori r0,r0,0x4c45
 * The write and the instruction are adjacent, so the in-guest hcall record
 * and the plugin's sc 1 stream of that CPU are cut at the same point.
 *   lpmark start|stop NCPU trace_marker|nomark
 * nomark: no ftrace write (the guest runs without tracing: hcalls come from
 * the replay under gdb).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[1], "start") && strcmp(argv[1], "stop")) ||
        (strcmp(argv[3], "trace_marker") && strcmp(argv[3], "nomark"))) {
        fprintf(stderr, "usage: lpmark start|stop NCPU trace_marker|nomark\n");
        return 2;
    }
    int start = !strcmp(argv[1], "start"), n = atoi(argv[2]);
    int mark = !strcmp(argv[3], "trace_marker");
    int fd = mark ? open("/sys/kernel/tracing/trace_marker", O_WRONLY) : -1;
    if (mark && fd < 0) {
        perror("lpmark: trace_marker");
        return 1;
    }
    char msg[32];
    for (int c = 0; c < n; c++) {
        cpu_set_t s;
        CPU_ZERO(&s);
        CPU_SET(c, &s);
        if (sched_setaffinity(0, sizeof s, &s) < 0) {
            perror("lpmark: sched_setaffinity");
            return 1;
        }
        sched_yield();
        int len = snprintf(msg, sizeof msg, "lpmark %s %d", argv[1], c);
        if (start) {
            __asm__ volatile("xori 0,0,0x4c53\n\txori 0,0,0x4c53" ::: "r0", "memory");
            if (mark && write(fd, msg, (size_t)len) != len)
                return 1;
        } else {
            if (mark && write(fd, msg, (size_t)len) != len)
                return 1;
            __asm__ volatile("xori 0,0,0x4c45\n\txori 0,0,0x4c45" ::: "r0", "memory");
        }
    }
    if (mark)
        close(fd);
    return 0;
}
