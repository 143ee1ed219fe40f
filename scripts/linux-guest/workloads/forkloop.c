/*
 * forkloop.c - a fork/exec-heavy guest workload (shipped recording
 * traces/linux/forkloop): REPS times, fork (clone(SIGCHLD)); the child
 * execve()s a tiny program; the parent waits for it (wait4), all three by
 * raw `sc` (fork_exec below; -DLIBC_FORK: glibc's fork, execve, waitpid).
 * The tiny program is a 132-byte ELF
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
#define REPS 4
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

#ifndef LIBC_FORK
/*
 * One round with raw system calls (sc): clone(SIGCHLD) - the kernel's fork -
 * and in the child, without a store, execve(CHILD_PATH) (exit(127) if it
 * fails); returns the child's pid or -errno. Between the clone and the
 * child's exec neither side's code writes memory, so the parent copies no
 * copy-on-write page (64 KiB); the child still copies one, its TLS page,
 * when the kernel clears glibc's rseq area on its first return to user
 * mode (measured: 277 K instructions a round). glibc's fork() and execve()
 * wrappers write the stack and libc data in both processes: 334 K
 * instructions a round, 55 K of them three page copies (-DLIBC_FORK).
 */
static long fork_exec(char *const *argv, char *const *envp)
{
    register long r3 __asm__("r3");
    __asm__ volatile("li 0,120\n\tli 3,17\n\tli 4,0\n\tli 5,0\n\tli 6,0\n\tli 7,0\n\t"
                     "sc\n\tbns 1f\n\tneg 3,3\n\tb 2f\n"
                     "1:\tcmpdi 3,0\n\tbne 2f\n\t"
                     "li 0,11\n\tmr 3,%1\n\tmr 4,%2\n\tmr 5,%3\n\tsc\n\t"
                     "li 0,1\n\tli 3,127\n\tsc\n"
                     "2:"
                     : "=&r"(r3)
                     : "r"(argv[0]), "r"(argv), "r"(envp)
                     : "r0", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "cr0",
                       "ctr", "xer", "memory");
    return r3;
}

/* wait4(pid, st, 0, NULL) by sc: the child's pid or -errno */
static long wait_child(long pid, int *st)
{
    register long r3 __asm__("r3") = pid;
    register long r4 __asm__("r4") = (long)st;
    __asm__ volatile("li 0,114\n\tli 5,0\n\tli 6,0\n\tsc\n\tbns 1f\n\tneg 3,3\n1:"
                     : "+r"(r3), "+r"(r4)
                     :
                     : "r0", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "cr0", "ctr",
                       "xer", "memory");
    return r3;
}
#endif

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
        int st = 0;
#ifdef LIBC_FORK
        pid_t pid = fork();
        if (pid == 0) {
            execve(CHILD_PATH, argv, envp);
            _exit(127);
        }
        long w = pid > 0 ? waitpid(pid, &st, 0) : -1;
#else
        long pid = fork_exec(argv, envp);
        long w = pid > 0 ? wait_child(pid, &st) : -1;
#endif
        if (pid > 0 && w == pid && WIFEXITED(st) && WEXITSTATUS(st) == CHILD_STATUS)
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
