/*
 * forkloop.c - a fork/exec-heavy guest workload (shipped recording
 * traces/linux/forkloop): REPS times, fork(); the child execve()s a tiny
 * program; the parent waits for it. The tiny program is a 132-byte ELF
 * (ELFv2 ppc64le, one PT_LOAD, three instructions: li r0,234
 * (exit_group); li r3,CHILD_STATUS; sc) that this program writes to
 * /tmp before the window: the recorder only copies workload.bin into the
 * initramfs, and a re-exec of this static glibc binary would spend most of
 * each iteration in the loader and libc start-up instead of the kernel's
 * fork, exec, exit and wait. The parent checks every child's exit status
 * (CHILD_STATUS: the exec happened; 127: execve failed).
 * LPSYS_OWN_MARKS: it executes the recorder's window markers itself (the
 * xori words of scripts/linux-guest/lpmark.c) around the loop, so the
 * window holds the REPS fork+exec+wait rounds without this program's own
 * exec and exit. 1 vCPU only. Built static for ppc64le by
 * record-linux-guest.sh; -DREPS=... (CFLAGS) sets the count; the default
 * fits the 2 MB trace budget. Prints the count of good rounds.
 */
#include <elf.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef REPS
#define REPS 6
#endif
#define CHILD_STATUS 42
#define CHILD_PATH "/tmp/forkloop-child"
#define CHILD_BASE 0x10000000UL

/* the tiny program: ELF header, one program header, code (little-endian words) */
struct tiny {
    Elf64_Ehdr eh;
    Elf64_Phdr ph;
    unsigned int code[3];
} __attribute__((packed));

static int write_child(void)
{
    struct tiny t;
    memset(&t, 0, sizeof t);
    memcpy(t.eh.e_ident, ELFMAG, SELFMAG);
    t.eh.e_ident[EI_CLASS] = ELFCLASS64;
    t.eh.e_ident[EI_DATA] = ELFDATA2LSB;
    t.eh.e_ident[EI_VERSION] = EV_CURRENT;
    t.eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
    t.eh.e_type = ET_EXEC;
    t.eh.e_machine = EM_PPC64;
    t.eh.e_version = EV_CURRENT;
    t.eh.e_entry = CHILD_BASE + offsetof(struct tiny, code);
    t.eh.e_phoff = offsetof(struct tiny, ph);
    t.eh.e_flags = 2; /* ELFv2 ABI: the entry is code, not a function descriptor */
    t.eh.e_ehsize = sizeof t.eh;
    t.eh.e_phentsize = sizeof t.ph;
    t.eh.e_phnum = 1;
    t.ph.p_type = PT_LOAD;
    t.ph.p_flags = PF_R | PF_X;
    t.ph.p_offset = 0;
    t.ph.p_vaddr = t.ph.p_paddr = CHILD_BASE;
    t.ph.p_filesz = t.ph.p_memsz = sizeof t;
    t.ph.p_align = 0x10000;
    t.code[0] = 0x38000000u | 234;          /* li r0,234 (exit_group) */
    t.code[1] = 0x38600000u | CHILD_STATUS; /* li r3,CHILD_STATUS */
    t.code[2] = 0x44000002u;                /* sc */
    int fd = open(CHILD_PATH, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, &t, sizeof t);
    if (close(fd) < 0 || n != (ssize_t)sizeof t)
        return -1;
    return 0;
}

int main(void)
{
    static char *const argv[] = {CHILD_PATH, NULL};
    static char *const envp[] = {NULL};
    int good = 0, bad_status = -1;
    if (write_child() < 0) {
        perror("forkloop: " CHILD_PATH);
        return 1;
    }
    /* window start (lpmark's start word twice: r0 unchanged) */
    __asm__ volatile("xori 0,0,0x4c53\n\txori 0,0,0x4c53" ::: "r0", "memory");
    for (int r = 0; r < REPS; r++) {
        pid_t pid = fork();
        if (pid == 0) {
            execve(CHILD_PATH, argv, envp);
            _exit(127);
        }
        int st = 0;
        if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
            WEXITSTATUS(st) == CHILD_STATUS)
            good++;
        else
            bad_status = pid < 0 ? -2 : st;
    }
    /* window stop */
    __asm__ volatile("xori 0,0,0x4c45\n\txori 0,0,0x4c45" ::: "r0", "memory");
    printf("forkloop: %d of %d fork+exec+wait rounds exited %d\n", good, REPS, CHILD_STATUS);
    if (good != REPS) {
        fprintf(stderr, "forkloop: a round failed (wait status %d; -2: fork failed)\n",
                bad_status);
        return 1;
    }
    return 0;
}
