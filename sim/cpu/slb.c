/*
 * slb.c - the per-thread SLB (see slb.h): parameters, lookup, round-robin
 * replacement, slbie and slbia.
 */
#include "slb.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define SLB_F(f) offsetof(cpu_slb_config, f)
static const param_desc slb_param_list[] = {
    {"enabled", PT_BOOL, "", "true", 0, 0, NULL,
     "Model the thread's SLB: a segment not in it costs an SLB miss (false: segments are "
     "free and never miss, the model before issue 14).", SLB_F(enabled), NULL},
    {"entries", PT_UINT, "entries", "32", 1, 4096, NULL,
     "SLB entries per hardware thread, bolted ones included (POWER9: 32; Power ISA 3.0 / "
     "POWER9 user manual, Linux mmu_slb_size from the device tree's ibm,slb-size).",
     SLB_F(entries), NULL},
    {"bolted", PT_UINT, "entries", "2", 0, 4095, NULL,
     "Entries the guest kernel keeps bolted (never replaced): Linux SLB_NUM_BOLTED = 2 "
     "(kernel linear mapping and kernel stack; arch/powerpc/include/asm/book3s/64/"
     "mmu-hash.h). The trace's segments share the others.", SLB_F(bolted), NULL},
    {"miss_cycles", PT_UINT, "cycles", "100", 0, 1000000, NULL,
     "Cycles of one SLB miss: the segment interrupt, Linux's handler (do_slb_fault -> "
     "slb_allocate_user: VSID computed arithmetically, slbmte into a round-robin slot) and "
     "the return (assumption: about 30 cycles of interrupt entry as class_cycles.syscall, "
     "40 handler instructions, 30 for rfid's context synchronisation; no public measurement "
     "was found). Its data (paca, mm context) are hot per-CPU lines at no modeled address, "
     "so no memory access is charged.", SLB_F(miss_cycles), NULL},
};
const param_table cpu_slb_params = {"slb", sizeof(cpu_slb_config), slb_param_list,
                                    PARAM_COUNT(slb_param_list),
                                    "Segment lookaside buffer per hardware thread."};

int cpu_slb_config_check(const cpu_slb_config *c, sim_err *e)
{
    if (c->enabled && c->bolted >= c->entries)
        return sim_errf(e, "cpu.slb.bolted: %llu leaves no entry of cpu.slb.entries %llu for "
                           "the trace's segments; expected fewer bolted entries than entries",
                        (unsigned long long)c->bolted, (unsigned long long)c->entries);
    return 0;
}

int cpu_slb_init(cpu_slb *s, const cpu_slb_config *c, sim_err *e)
{
    memset(s, 0, sizeof *s);
    if (!c->enabled)
        return 0;
    if (cpu_slb_config_check(c, e) != 0)
        return -1;
    unsigned n = (unsigned)(c->entries - c->bolted);
    if (!(s->e = calloc(n, sizeof *s->e)))
        return sim_errf(e, "out of host memory");
    s->n = n;
    return 0;
}

void cpu_slb_free(cpu_slb *s)
{
    free(s->e);
    memset(s, 0, sizeof *s);
}

const cpu_slb_entry *cpu_slb_find(const cpu_slb *s, uint64_t key)
{
    for (unsigned i = 0; i < s->n; i++)
        if (s->e[i].key == key)
            return &s->e[i];
    return NULL;
}

uint64_t cpu_slb_insert(cpu_slb *s, uint64_t key, uint64_t vsid)
{
    unsigned i = 0;
    if (s->used < s->n) {
        while (s->e[i].key)
            i++;
        s->used++;
    } else {
        i = s->rr;
        s->rr = s->rr + 1 == s->n ? 0 : s->rr + 1;
    }
    uint64_t old = s->e[i].key;
    s->e[i].key = key;
    s->e[i].vsid = vsid;
    return old;
}

bool cpu_slb_inval(cpu_slb *s, uint64_t key)
{
    for (unsigned i = 0; i < s->n; i++)
        if (s->e[i].key == key) {
            s->e[i].key = 0;
            s->used--;
            return true;
        }
    return false;
}

void cpu_slb_flush(cpu_slb *s)
{
    for (unsigned i = 0; i < s->n; i++)
        s->e[i].key = 0;
    s->used = 0;
    s->rr = 0;
}
