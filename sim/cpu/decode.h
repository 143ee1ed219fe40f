/*
 * decode.h - classify 64-bit Power ISA instruction words (the Capstone
 * front end of the CPU model).
 *
 * A ppc_decoder turns a 32-bit instruction word into an instruction class
 * (load, store, branch, ...). It asks Capstone (CS_ARCH_PPC, 64-bit) first;
 * when Capstone does not know the word (Capstone 4.0.2 misses much of
 * ISA 3.0 / POWER9: lxv, stxv, lxvx, mtvsrd, vmrgew, lwarx with EH, the
 * OE forms addo/divwo, DFP, quad-precision VSX ...), a fallback classifier
 * on primary and extended opcode (decode_fallback.c) decides; a word that
 * neither knows is PPC_INVALID (counted, and charged like `other`).
 *
 * Words are 32-bit values in the trace (opcode in bits 0-5, IBM numbering,
 * i.e. word >> 26), whatever the endianness of the traced program: the
 * decoder stores the word big-endian into the byte buffer it hands a
 * Capstone handle opened CS_MODE_BIG_ENDIAN, so the byte order of the host
 * or of the traced program never matters.
 *
 * Class rules (both paths agree): memory first - every load (integer, FP,
 * vector/VSX, larx, cache-inhibited) is PPC_LOAD and every store (stcx.
 * included) PPC_STORE, since the timing model cares about memory ops;
 * vector/VSX is the rest of VMX/VSX (v*, xs*, xv*, xx*, mtvsr*, mfvsr*,
 * lvsl/lvsr, quad-precision xs*qp); cache management (dcb*, icb*), traps,
 * SPR/MSR/CR moves, rfid, stop, transactional memory and message ops are
 * PPC_OTHER; CR logical ops, isel, setb, darn are PPC_INTEGER; decimal
 * floating point and FPSCR moves are PPC_FLOAT.
 *
 * Decoding is cached by word (open addressing, grows, never evicts): real
 * programs have a few thousand distinct words, and Capstone costs about
 * 0.3-3 us per call. Statistics count EXECUTED instructions (every call to
 * ppc_decode), not distinct words: capstone_share = executed words Capstone
 * classified / decodes. distinct_words counts cache entries.
 * Invariant: the class of a word never changes during a decoder's life.
 */
#ifndef LPARSIM_CPU_DECODE_H
#define LPARSIM_CPU_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/stats.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ppc_class {
    PPC_LOAD = 0,
    PPC_STORE,
    PPC_BRANCH,
    PPC_INTEGER,
    PPC_MULDIV,   /* multiply / divide / modulo (divide timed apart, see ppc_cost) */
    PPC_FLOAT,
    PPC_VECTOR,   /* VMX and VSX that is not a load or store */
    PPC_BARRIER,  /* sync, lwsync, hwsync, ptesync, isync, eieio, mbar, msgsync */
    PPC_TLB,      /* tlbie, tlbiel, tlbsync, slbie, slbia, slbmte, slbmfee, ... */
    PPC_SYSCALL,  /* sc, sc 1 (hypervisor call), scv */
    PPC_OTHER,
    PPC_INVALID,
    PPC_CLASS_COUNT
} ppc_class;

/* Which decoder classified a word. */
typedef enum ppc_path { PPC_PATH_CAPSTONE = 0, PPC_PATH_FALLBACK, PPC_PATH_INVALID } ppc_path;

/* Timing slots: one per class, plus divide (a divide is PPC_MULDIV but
 * takes far longer than a multiply). */
#define PPC_COST_DIV PPC_CLASS_COUNT
#define PPC_COST_COUNT (PPC_CLASS_COUNT + 1)

/* "load", "store", "branch", "integer", "muldiv", "float", "vector",
 * "barrier", "tlb", "syscall", "other", "invalid". */
const char *ppc_class_name(ppc_class c);

typedef struct ppc_decode_stats {
    uint64_t decodes;          /* calls = executed instruction words */
    uint64_t cache_hits;       /* calls answered from the cache */
    uint64_t distinct_words;   /* cache entries */
    uint64_t capstone, fallback, invalid; /* executed words by path */
    uint64_t by_class[PPC_CLASS_COUNT];   /* executed words by class */
    uint64_t cycles[PPC_CLASS_COUNT];     /* cycles charged by class (ppc_decode_cycles) */
} ppc_decode_stats;

/* Registered by the machine under "cpu.decode": decodes, cache_hits,
 * distinct_words, capstone, fallback, invalid, class.<name>,
 * cycles.<name>, and the derived capstone_share, fallback_share,
 * invalid_share, cache_hit_rate (over executed words). */
extern const stat_table ppc_decode_stat_table;

typedef struct ppc_decoder ppc_decoder;

/* Open a decoder (a Capstone handle plus an empty cache). NULL with e set
 * if Capstone cannot be opened or memory runs out. */
ppc_decoder *ppc_decoder_create(sim_err *e);
void ppc_decoder_destroy(ppc_decoder *d);

/* Class of one word (cached). */
ppc_class ppc_decode(ppc_decoder *d, uint32_t word);

/* Timing: cycles[PPC_COST_COUNT] per slot (copied). Until set, every slot
 * costs 1 cycle. */
void ppc_decoder_set_cycles(ppc_decoder *d, const uint64_t cycles[PPC_COST_COUNT]);
/* Classify (cached) and return the cycles of the word's timing slot,
 * adding them to stats.cycles[class]. */
uint64_t ppc_decode_cycles(ppc_decoder *d, uint32_t word);

/* Text of one instruction for `trace cat --disasm`: Capstone's mnemonic
 * and operands, or the fallback's mnemonic followed by " (fallback)", or
 * ".long 0x<word> (invalid)". snprintf-style (returns the length needed).
 * Not cached and not counted in the statistics. */
int ppc_disasm(ppc_decoder *d, uint32_t word, uint64_t pc, char *buf, size_t n);

/* Which path classified `word` (decodes and caches it if needed; counts no
 * decode). */
ppc_path ppc_decode_path(ppc_decoder *d, uint32_t word);

const ppc_decode_stats *ppc_decoder_stats(ppc_decoder *d);

/* The two classifiers on their own (for tests and tools). */
/* Class of a Capstone-style mnemonic ("lwz", "bdnz+", "xxlor", "sync"):
 * the rules above on the name alone. */
ppc_class ppc_class_of_mnemonic(const char *mnemonic);
/* Fallback on primary/extended opcode; *mnemonic (may be NULL) receives a
 * static name ("lxv", "vmrgew", or a family name such as "vx-op4" when the
 * opcode family is known but the exact instruction is not named).
 * *is_div (may be NULL) is set for divides. PPC_INVALID if the word is not
 * a Power ISA 3.0 instruction the fallback knows. */
ppc_class ppc_fallback_decode(uint32_t word, const char **mnemonic, int *is_div);

#ifdef __cplusplus
}
#endif
#endif
