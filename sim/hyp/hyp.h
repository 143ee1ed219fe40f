/*
 * hyp.h - the simulated hypervisor: LPARs, their LMBs and HPTs, and the
 * PAPR hcall dispatcher.
 *
 * The hypervisor runs on the hardware thread that made the hcall: its memory
 * accesses (LMB table, HPTEs) go through that thread's caches at real
 * addresses in hypervisor memory, and its invalidations go through the
 * coherency step (eager global tlbie by default) to every thread's TLB.
 * Each hcall is one op record: "hcall.<NAME>" for PAPR's (parts compute,
 * memory, tlb, queueing), or the name a feature declares (those four parts
 * first, then its own).
 *
 * Extension: hypervisor features are plug-ins (feature.h): one folder
 * sim/hyp/<feature>/ and one line in registry.h. The core owns what they
 * share: the hcall registry, the LMB table, the reverse map (rmap.h), HPTE
 * listeners and hooks (below), the invalidation pipeline (inval.h) and the
 * platform operations (platform.h). Adding a feature never patches this
 * file.
 * Ordering rule (Linux mm style): an HPTE is removed, then the TLB entries
 * that may hold it are made coherent, and only then can its slot or page be
 * reused (inval.h keeps it in one place).
 */
#ifndef LPARSIM_HYP_HYP_H
#define LPARSIM_HYP_HYP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/memport.h"
#include "core/ops.h"
#include "core/param.h"
#include "core/stats.h"
#include "cpu/cpu.h"
#include "memctl/memcopy.h"
#include "memctl/memmap.h"
#include "memctl/pagedev/pagedev.h"
#include "memctl/physmem.h"
#include "mmu/hpt.h"
#include "tlb/tlb.h"
#include "hyp/registry.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Storage of one feature's (or driver's) config, described by its own
 * param table; a feature's config struct must fit (static-asserted there). */
#define HYP_FEATURE_CFG_BYTES 256
typedef union hyp_feature_cfg {
    long double align_ld;
    uint64_t align_u64;
    void *align_ptr;
    unsigned char bytes[HYP_FEATURE_CFG_BYTES];
} hyp_feature_cfg;

/* hypervisor.interrupts.*: interrupts delivered to vCPUs (hyp_interrupt). */
typedef struct hyp_irq_config {
    uint64_t deliver_cycles;    /* a vCPU taking an interrupt (on its thread) */
    uint64_t doorbell_cycles;   /* the sender of a doorbell (msgsndp/msgsnd) */
} hyp_irq_config;

extern const param_table hyp_irq_params; /* "interrupts" */

/* hypervisor.copy.*: the copy loop of code on a thread (copy.c). */
typedef struct hyp_copy_config {
    uint64_t outstanding;       /* source lines in flight */
    uint64_t line_cycles;       /* floor per line (copy bandwidth) */
    bool dst_zero;              /* dcbz whole destination lines */
} hyp_copy_config;

extern const param_table hyp_copy_params; /* "copy" */

/* hypervisor.rdma.*: the machine's RDMA adapter to other machines (rdma.c). */
typedef struct hyp_rdma_config {
    uint64_t post_cycles;       /* the sender posting a work request (doorbell) */
    uint64_t nic_cycles;        /* each adapter's processing of a message */
    uint64_t header_bytes;      /* bytes on the link beyond the payload */
} hyp_rdma_config;

extern const param_table hyp_rdma_params; /* "rdma" */

typedef struct hyp_config {
    uint64_t memory;            /* bytes reserved for the hypervisor; 0 = just enough */
    uint64_t lmb_size;          /* bytes per LMB */
    uint64_t hcall_entry_cycles;
    uint64_t hcall_exit_cycles;
    uint64_t step_cycles;       /* compute per HPTE / table entry examined */
    uint64_t hpt_ratio;         /* default HPT bytes = LPAR memory / ratio */
    uint64_t spare_lmbs;        /* free LMB slots beyond the LPARs' (reclaim, restart) */
    uint64_t scan_outstanding;  /* HPT lines a streamed scan keeps in flight */
    uint64_t scan_sample_lines; /* lines of a scan simulated one by one (0 = all) */
    bool audit;                 /* every enabled feature's auditor (also --audit) */
    hyp_irq_config interrupts;  /* hypervisor.interrupts.* */
    hyp_copy_config copy;       /* hypervisor.copy.* */
    hyp_rdma_config rdma;       /* hypervisor.rdma.* */
    hyp_feature_cfg feature[HYP_NFEATURES]; /* hypervisor.<feature>.* (registry order) */
    /* not a parameter: set by the machine before sizing and creation */
    uint64_t shared_bytes;      /* logical memory of the shared-memory LPARs */
    unsigned numa_nodes;        /* numa.enabled: the processor modules (nodes); 0: off */
} hyp_config;

extern const param_table hyp_params; /* "hypervisor" */

/* drivers.<name>.*: the workload drivers' configs (registry order). */
typedef struct hyp_drivers_config {
    hyp_feature_cfg driver[HYP_NFEATURES];
} hyp_drivers_config;

extern const param_table hyp_driver_params; /* "drivers" */

/* What the machine hands the hypervisor. Arrays are indexed by hardware
 * thread and must outlive the hypervisor. */
typedef struct hyp_env {
    const memmap *mm;
    physmem *pm;
    tlb **tlbs;                       /* nthreads TLBs */
    const mem_port *const *ports;     /* nthreads ports (the thread's core) */
    unsigned nthreads;
    tlbie_fabric *fabric;
    ops_reg *ops;
    stats_reg *stats;
    cpu_thread *threads;              /* nthreads hardware threads (dispatch) */
    unsigned threads_per_core;
    uint64_t freq_mhz;                /* core clock (cycles per microsecond) */
    const pagedev_config *pagedev;    /* the paging device's config (NULL: none) */
} hyp_env;

/* How an LPAR gets processors (lpars[].processors): dedicated (each vCPU
 * owns the hardware thread it names) or shared (its virtual processors are
 * dispatched onto the cores of the shared pool, each carrying up to
 * threads_per_core vCPUs; needs hypervisor.dispatch.enabled). */
enum { HYP_PROCS_DEDICATED = 0, HYP_PROCS_SHARED = 1 };
typedef struct hyp_procs {
    unsigned mode;                /* HYP_PROCS_* */
    double entitlement;           /* processing units (cores) */
    uint64_t virtual_processors;
    bool capped;
    uint64_t weight;              /* 0..255: share of unused capacity (uncapped) */
} hyp_procs;

extern const param_table hyp_procs_params; /* lpars[].processors */

typedef struct hyp hyp;

/* hyp_bytes: the hypervisor memory to reserve (from hyp_memory_needed or
 * the config). */
hyp *hyp_create(const hyp_config *c, const hyp_env *env, uint64_t hyp_bytes, sim_err *e);
void hyp_destroy(hyp *h);

/* HPT size for an LPAR: hpt_bytes if non-zero, else memory / hpt_ratio
 * rounded up to a power of two and clamped to the architected range. */
uint64_t hyp_hpt_size(const hyp_config *c, uint64_t lpar_memory, uint64_t hpt_bytes);
/* Hypervisor memory (bytes, a multiple of the LMB size) that holds the given
 * LPARs' HPTs and LMB tables, and the enabled features' tables on a machine
 * of nthreads hardware threads. */
uint64_t hyp_memory_needed(const hyp_config *c, unsigned nlpars, const uint64_t *lpar_memory,
                           const uint64_t *hpt_bytes, unsigned nthreads);

/* Create an LPAR of `memory` bytes (a multiple of the LMB size) with an HPT
 * of hpt_bytes (0 = default size); every enabled feature hears of it.
 * Returns its lpid (0, 1, ...) or -1. */
int hyp_lpar_create(hyp *h, const char *name, uint64_t memory, uint64_t hpt_bytes, sim_err *e);

/* Memory affinity of a new LPAR (hyp_home.c, docs/numa.md): its home
 * nodes (processor modules, distinct, < memmap_nodes) and the 4K pages it
 * should have on each (pages NULL: its memory spread evenly over them). */
typedef struct hyp_lpar_home {
    const unsigned *nodes;
    const uint64_t *pages; /* n entries, or NULL */
    unsigned n;            /* 0: no home (hyp_lpar_create) */
    bool hpt_home;         /* the HPT on whole LMBs of nodes[0] (numa.hpt_home) */
} hyp_lpar_home;

/* hyp_lpar_create with home nodes: its LMBs are taken on them, in blocks
 * in proportion to the desired pages (lmb_assign_home), and with hpt_home
 * its HPT on LMB slots of the first home node that become hypervisor
 * memory (lmb_hyp_alloc_node; at the bottom of hypervisor memory as
 * without a home when that node has no room); home NULL or home->n == 0
 * is hyp_lpar_create. */
int hyp_lpar_create_home(hyp *h, const char *name, uint64_t memory, uint64_t hpt_bytes,
                         const hyp_lpar_home *home, sim_err *e);
/* An LPAR's home nodes (0 and *nodes NULL: none), and the desired page
 * count (4K pages) on one node: what the hypervisor's page-in fills a
 * node up to (0 for a node that is not a home node, or with no home). */
unsigned hyp_lpar_home_nodes(const hyp *h, unsigned lpid, const unsigned **nodes);
uint64_t hyp_lpar_node_pages(const hyp *h, unsigned lpid, unsigned node);
/* The node (processor module) of hardware thread t, numa on (cfg.numa_nodes
 * > 0; cores split evenly over the nodes); 0 when numa is off. */
unsigned hyp_thread_node(const hyp *h, unsigned t);

/* An LPAR's processor configuration (dedicated unless set), and its
 * vCPUs, in index order (cpu_binding.vcpu): a dedicated vCPU with the
 * hardware thread it owns, a shared one with HYP_NO_THREAD (the
 * dispatcher puts it on the pool's threads). */
#define HYP_NO_THREAD (~0u)
int hyp_lpar_set_procs(hyp *h, unsigned lpid, const hyp_procs *p, sim_err *e);
int hyp_lpar_add_vcpu(hyp *h, unsigned lpid, cpu_vcpu *v, unsigned thread, sim_err *e);
const hyp_procs *hyp_lpar_procs(const hyp *h, unsigned lpid);
unsigned hyp_lpar_vcpus(const hyp *h, unsigned lpid, cpu_vcpu *const **v);

/* After the machine is built (every LPAR and vCPU known): features start
 * (the dispatcher places the shared LPARs' virtual processors). */
int hyp_start(hyp *h, sim_err *e);
/* The run ended: features write their output files (hyp_feature.finish). */
int hyp_finish(hyp *h, sim_err *e);
/* Timed events of the features (dispatch slices, wheel periods): the
 * earliest cycle one is due (UINT64_MAX: none), and run those due at `at`
 * (every thread has reached it). 0 or -1 with e set. */
uint64_t hyp_next_event(const hyp *h);
int hyp_event(hyp *h, uint64_t at, sim_err *e);
/* The earliest event a feature asked for since the last hyp_event (from
 * inside an hcall: a vCPU ceded, woke): cheap, for the run loop to stop
 * running threads past it; hyp_next_event includes it. UINT64_MAX if none. */
uint64_t hyp_event_requested(const hyp *h);
/* Hardware thread `thread` has nothing to run from cycle `at` (its vCPU's
 * trace ended): a dispatcher may give its core to another VP then. */
void hyp_thread_idle(hyp *h, unsigned thread, uint64_t at);
/* A dispatcher put vCPU `vcpu` of lpid on hardware thread `thread` at
 * `at`: the hypervisor writes its VPA if it registered one (a hypervisor
 * access that may have to page the VPA in first) and every enabled feature
 * hears of it (a TLB-coherence feature flushes what it deferred for that
 * thread). Returns the cycles the thread spends before the vCPU runs,
 * which the caller adds to the thread's clock (0 when nothing is done). */
uint64_t hyp_vcpu_dispatched(hyp *h, unsigned thread, unsigned lpid, unsigned vcpu, uint64_t at);

unsigned hyp_lpar_count(const hyp *h);
const char *hyp_lpar_name(const hyp *h, unsigned lpid);
const hpt *hyp_lpar_hpt(const hyp *h, unsigned lpid);
/* The core clock in MHz (cycles per microsecond). */
uint64_t hyp_freq_mhz(const hyp *h);
uint64_t hyp_lpar_memory(const hyp *h, unsigned lpid);
/* Real address of logical address la of an LPAR, or UINT64_MAX outside its
 * memory (host-side lookup: no cycles charged; for checks and tests). */
uint64_t hyp_logical_to_real(const hyp *h, unsigned lpid, uint64_t la);
/* Logical address of real address ra in lpid's memory, or UINT64_MAX if
 * lpid does not own the LMB holding it (host-side lookup, no cycles). */
uint64_t hyp_real_to_logical(const hyp *h, unsigned lpid, uint64_t ra);
/* True if real address ra lies in an LMB owned by lpid. */
bool hyp_real_owned_by(const hyp *h, unsigned lpid, uint64_t ra);
uint64_t hyp_lmb_size(const hyp *h);
uint64_t hyp_memory_bytes(const hyp *h);

/* ---- shared-memory LPARs and the hypervisor's faults ---- */

/* An LPAR whose memory is shared (lpars[].memory_mode: shared): it owns no
 * LMB; a feature (hyp_feature.shared_memory) backs its logical pages with
 * frames of a pool and translates them (hyp_logical_to_real gives
 * UINT64_MAX for a page that is not resident). Same errors as
 * hyp_lpar_create, and "no enabled feature backs shared memory". */
int hyp_lpar_create_shared(hyp *h, const char *name, uint64_t memory, uint64_t hpt_bytes,
                           const hyp_lpar_home *home, sim_err *e);
bool hyp_lpar_shared(const hyp *h, unsigned lpid);
/* A shared-memory LPAR's weight in the pool (0..255; 128 until set). */
void hyp_lpar_set_memory_weight(hyp *h, unsigned lpid, unsigned w);
unsigned hyp_lpar_memory_weight(const hyp *h, unsigned lpid);
/* Does an enabled feature take translation misses first (hyp_hv_fault)? */
bool hyp_intercepts_faults(const hyp *h);
/* A translation miss of lpid's vCPU on hardware thread `thread` at `now`
 * (cpu_hv_fault_fn): each enabled feature with an hv_fault op is asked in
 * registry order; the first that takes it decides. Returns CPU_HVF_* (cpu.h)
 * with *cycles the thread's time (a blocked vCPU's wait excluded), or -1
 * with e set (an auditor's violation). No feature: CPU_HVF_REFLECT, 0. */
int hyp_hv_fault(hyp *h, unsigned lpid, unsigned thread, uint64_t vsid, uint64_t ea,
                 unsigned page_shift, bool seg_1t, bool store, uint64_t now, uint64_t *cycles,
                 sim_err *e);
/* The kind of a guest kernel's own access (hyp_guest_real): a load, a
 * store, or a store that overwrites the whole 4K page (clearing it). */
enum { HYP_ACC_LOAD = 0, HYP_ACC_STORE = 1, HYP_ACC_OVERWRITE = 2 };
/* The real address of logical la of lpid for an access by its own kernel
 * (the guest model's page tables and page clearing, which bypass
 * translation) of kind `access` (HYP_ACC_*): for a shared-memory LPAR the
 * page is made resident first (a hypervisor fault waited for in place, its
 * time in *cycles). 0 cycles otherwise. UINT64_MAX with e set on error. */
uint64_t hyp_guest_real(hyp *h, unsigned lpid, unsigned thread, uint64_t la, unsigned access,
                        uint64_t now, uint64_t *cycles, sim_err *e);
/* Accounting only (no cost, nothing the hypervisor could see): the guest
 * model freed logical page la of lpid without telling the hypervisor (no
 * unused hint), so its content no longer matters; the feature backing a
 * shared-memory LPAR counts a later read of it from its device as a stale
 * read. Nothing for a dedicated LPAR. */
void hyp_guest_freed(hyp *h, unsigned lpid, uint64_t la);


/* Make an hcall on behalf of lpid from hardware thread `thread` at cycle
 * `now`. args/rets as PAPR (handlers read up to 8 args, write up to 8
 * rets). Returns the PAPR return code; *cycles receives the hcall's
 * duration (also recorded as its op). */
long hyp_hcall(hyp *h, unsigned lpid, unsigned thread, uint64_t now, uint64_t opcode,
               const uint64_t *args, uint64_t *rets, uint64_t *cycles);

/* A tlbie executed by the partition itself (traced guest kernel code):
 * an LPAR-scoped global flush through the tlbie fabric, queueing on the
 * LPAR's tlbie lock. Returns the cycles, queueing included. */
uint64_t hyp_partition_tlbie(hyp *h, unsigned lpid, uint64_t now);

/* ---- extension interface ---- */

/* Execution context of one hcall, for handlers. */
typedef struct hcall_ctx {
    hyp *h;
    void *fs;            /* the state of the feature whose hcall this is (NULL: core) */
    uint64_t off_thread; /* cycles of the op its vCPU spent off its thread (blocked) */
    unsigned lpid;
    unsigned thread;
    const mem_port *port;
    op_rec op;           /* op.end is "now" */
    unsigned p_compute, p_memory, p_tlb, p_queueing;
    /* index of the first part the enabled features add to this hcall's op
     * (hyp_feature.hcall_part); 0: none (no such feature, or a platform
     * operation's op) */
    unsigned p_features;
} hcall_ctx;

/* Critical areas a feature's own hcalls name (hcall_crit.c): area `id`
 * (the feature's choice, unique within c's LPAR) becomes [la, la+bytes)
 * of c->lpid, or goes (bytes 0); the backing feature of a shared-memory
 * LPAR pins its pages (hyp_feature.pin). H_SUCCESS, H_PARAMETER (outside
 * the LPAR), H_RESOURCE (refused: over the I/O entitlement). */
long hyp_crit_area(hcall_ctx *c, uint64_t id, uint64_t la, uint64_t bytes);
/* hyp_fault.c: the real address of lpid's logical la for the hypervisor's
 * own access inside c (a shared-memory LPAR's page is translated by its
 * backing feature, and brought in first if it is not resident: a
 * hypervisor-internal fault c waits for; charged to c's current part).
 * UINT64_MAX: the run failed (hyp_check_error says why). */
uint64_t hyp_hv_real(hcall_ctx *c, unsigned lpid, uint64_t la, bool store);

/* Search lpid's HPT for an absent entry (HPTE_V_ABSENT, V clear) of the
 * translation (vsid, ea) as the hardware would for a valid one: primary
 * then secondary PTEG, each read charged to c's memory part. */
bool hyp_absent_search(hcall_ctx *c, unsigned lpid, uint64_t vsid, uint64_t ea,
                       unsigned page_shift, bool seg_1t, uint64_t *ptex, hpte *e);

/* A context for the hypervisor's work outside an hcall (a fault it takes
 * first, a timed event): lpid's work on hardware thread `thread` (its
 * caches) from cycle `now`, charged to the standard parts compute, memory,
 * tlb, queueing (0..3) of c's op. hyp_hcall starts its own the same way. */
void hyp_ctx_begin(hyp *h, hcall_ctx *c, unsigned lpid, unsigned thread, uint64_t now);
/* From now on, everything c charges goes to part p of its op. */
static inline void hcall_use_part(hcall_ctx *c, unsigned p)
{
    c->p_compute = c->p_memory = c->p_tlb = c->p_queueing = p;
}

/* Why a thread entered the hypervisor (hyp_feature.hyp_entered). */
typedef enum hyp_entry_why {
    HYP_ENTRY_HCALL = 0, /* an hcall, before its own work */
    HYP_ENTRY_WAKE = 1,  /* a wait in place ended (H_CEDE with a timeout, hyp_block) */
} hyp_entry_why;

/* The index in c's op of the part enabled feature `feature` (registry
 * index) adds to hcalls (hyp_feature.hcall_part), or UINT_MAX if it adds
 * none there. */
unsigned hyp_hcall_part(const hcall_ctx *c, unsigned feature);

typedef long (*hcall_fn)(hcall_ctx *c, const uint64_t *args, uint64_t *rets);

/* After an hcall: 0, or -1 with e set if a feature's check (an auditor)
 * found a violation; the run must stop. hyp_hcall checks every enabled
 * feature after each hcall and latches the first error here. */
int hyp_check_error(const hyp *h, sim_err *e);

/* Is feature `index` (registry order) enabled, and its state. */
void *hyp_feature_state(const hyp *h, unsigned index);

/* Block the calling vCPU until cycle `until` (an I/O completion, a lock):
 * the time is charged to part `part` of the op. A shared vCPU leaves its
 * thread and the dispatcher runs another meanwhile (the blocked time is
 * not the thread's; its wake-up at `until` is requested as a hypervisor
 * event); a dedicated vCPU's thread waits in place. */
void hyp_block(hcall_ctx *c, uint64_t until, unsigned part);
/* Interrupts (irq.c has the model and its approximations). */
typedef enum hyp_irq_kind {
    HYP_IRQ_EXTERNAL = 0,   /* an external interrupt: an IPI (H_IPI), a device */
    HYP_IRQ_DOORBELL = 1,   /* a processor doorbell (msgsndp/msgsnd) */
    HYP_IRQ_TIMER = 2,      /* a timer (decrementer) */
    HYP_IRQ_KINDS
} hyp_irq_kind;
/* Raise an interrupt of `kind` for vCPU `vcpu` of lpid at cycle `at`, the
 * one call for every source. Counted per kind (interrupts.<kind>). A
 * running vCPU takes it on the thread running it, which is charged
 * hypervisor.interrupts.deliver_cycles (op interrupt.deliver); a shared
 * vCPU is the dispatcher's: one that ceded wakes (the delivery is charged
 * when it runs again), one whose virtual processor is off a core takes it
 * when next dispatched, one in a timed wait or finished does not take it.
 * 0, or -1 if lpid has no vCPU `vcpu`. */
int hyp_interrupt(hyp *h, unsigned lpid, unsigned vcpu, hyp_irq_kind kind, uint64_t at);
/* A doorbell (the trace's doorbell marker) sent at cycle `now` by the vCPU
 * running on hardware thread `thread` to vCPU `to_vcpu` of its LPAR lpid:
 * msgsndp to a sibling thread (the same virtual processor, or for a
 * dedicated vCPU the same core), msgsnd otherwise (counted apart). Returns
 * the sender's cycles (hypervisor.interrupts.doorbell_cycles; the
 * doorbell interrupt is raised at now + that), or UINT64_MAX if the LPAR
 * has no vCPU to_vcpu. */
uint64_t hyp_doorbell(hyp *h, unsigned lpid, unsigned thread, uint64_t to_vcpu, uint64_t now);

/* Copy len bytes between real addresses as code on hardware thread
 * `thread` does at cycle `now` (memctl/memcopy.h, hypervisor.copy.*): the
 * bytes move, r gets the cycles and lines. An hcall charges r->cycles to
 * its own part. 0, or -1 (host out of memory). */
int hyp_copy(hyp *h, unsigned thread, uint64_t now, uint64_t dst, uint64_t src, uint64_t len,
             mem_copy_res *r);
mem_copy_cfg hyp_copy_cfg(const hyp *h);
/* The same between logical ranges: len bytes from sla of LPAR sl to dla of
 * LPAR dl, split where either crosses an LMB boundary, each piece issued
 * when the previous ends; r sums the pieces. 0; -1 host out of memory;
 * -2 a range outside its LPAR's memory (checked first: nothing copied). */
int hyp_copy_la(hyp *h, unsigned thread, uint64_t now, unsigned dl, uint64_t dla, unsigned sl,
                uint64_t sla, uint64_t len, mem_copy_res *r);

/* ---- RDMA to other machines (rdma.c; a platform of several CECs) ----
 * Each machine has an RDMA adapter (RoCE-like): an RDMA write reads the
 * source through the sending thread's caches (the copy loop's windows),
 * crosses the platform's link to the other machine (latency, bandwidth,
 * queueing per direction) and lands in the destination LPAR's memory, where
 * the receiving side's sink (the workload driver that uses it) hears of it
 * at its arrival cycle. The platform carries the messages and delivers
 * them between its lockstep windows, so a message always arrives in the
 * receiver's future (platform.h); a lone machine has no carrier.
 * Simplification: the landing bytes are written to memory without timing
 * and without invalidating cached copies at the receiver. */
#define HYP_RDMA_CONTROL (~0u) /* hyp_rdma_msg.lpid of a control message */
typedef struct hyp_rdma_msg {
    unsigned src;            /* sending machine (platform index) */
    unsigned lpid;           /* destination LPAR on the receiving machine, or
                                HYP_RDMA_CONTROL: a control message (a
                                connection's handshake, which real adapters
                                carry as ordinary packets) that lands in no
                                memory and reaches the sink only */
    uint64_t la;             /* destination logical address */
    uint64_t len;            /* payload bytes */
    uint64_t tag;            /* the sender's cookie (connection, sequence) */
    uint64_t sent;           /* cycle the adapter put it on the link */
    uint64_t arrival;        /* cycle its last byte lands (adapter included) */
    unsigned char *data;     /* payload (len bytes) */
} hyp_rdma_msg;

typedef struct hyp_rdma_carrier {
    /* Take m (its data too) to machine `dest`: m->arrival holds on entry
     * the cycles the receiving adapter adds after the link; returns the
     * arrival (link arrival for m->sent and the bytes, plus those), also
     * set in the carrier's copy, or UINT64_MAX if no link joins them (m
     * not taken). */
    uint64_t (*send)(void *ctx, unsigned dest, hyp_rdma_msg *m, uint64_t wire_bytes);
    void *ctx;
    unsigned self;           /* this machine's index */
    unsigned n;              /* machines */
    const char *const *names;
} hyp_rdma_carrier;

/* The platform hands each machine's hypervisor its carrier (NULL: alone). */
void hyp_set_rdma(hyp *h, const hyp_rdma_carrier *c);
/* Index of machine `name` on the platform, or -1 (always -1 alone); this
 * machine's own name (NULL alone). */
int hyp_rdma_machine(const hyp *h, const char *name);
const char *hyp_rdma_self_name(const hyp *h);
/* RDMA write of len bytes at logical src_la of lpid, read on hardware
 * thread `thread` from cycle `now`, to logical dest_la of LPAR dest_lpid of
 * machine `dest`. *cycles: the sender's time (post + reading the source);
 * *arrival: when the last byte lands. 0, or -1 with e set (no carrier or
 * link, a range outside the LPAR). */
int hyp_rdma_write(hyp *h, unsigned thread, uint64_t now, unsigned lpid, uint64_t src_la,
                   unsigned dest, unsigned dest_lpid, uint64_t dest_la, uint64_t len,
                   uint64_t tag, uint64_t *cycles, uint64_t *arrival, sim_err *e);
/* A control message of len bytes (taken from data, no memory read) to
 * machine `dest`'s sink, posted at `now`: *cycles the post, *arrival. */
int hyp_rdma_control(hyp *h, uint64_t now, unsigned dest, const void *data, uint64_t len,
                     uint64_t tag, uint64_t *cycles, uint64_t *arrival, sim_err *e);
/* The receiving side (called by the platform): the bytes land and the sink
 * is told. 0, or -1 with e set (no such LPAR or range, no sink). */
int hyp_rdma_deliver(hyp *h, const hyp_rdma_msg *m, sim_err *e);
typedef int (*hyp_rdma_sink)(void *ctx, const hyp_rdma_msg *m, sim_err *e);
/* The one receiver of this machine's RDMA writes; -1 if one is set. */
int hyp_rdma_set_sink(hyp *h, hyp_rdma_sink fn, void *ctx);

/* Charge helpers for handlers. */
void hcall_mem(hcall_ctx *c, uint64_t paddr, uint32_t size, mem_kind kind);
void hcall_steps(hcall_ctx *c, uint64_t n);
/* Translations are removed or downgraded only through the invalidation
 * pipeline (inval.h: hyp_batch_*, hyp_invalidate). */

/* Hooks: features that keep metadata about HPTEs (SMR reference arrays)
 * observe every insert and removal, in the order they were added. */
typedef struct hyp_ext {
    void *ctx;
    /* Called before an H_ENTER writes its entry, with the real page address;
     * returns H_SUCCESS or an hcall error to refuse the mapping. */
    long (*check_enter)(void *ctx, hcall_ctx *c, uint64_t real_addr, uint64_t page_bytes);
    void (*on_insert)(void *ctx, hcall_ctx *c, uint64_t ptex, hpte e, uint64_t real_addr);
    void (*on_remove)(void *ctx, hcall_ctx *c, uint64_t ptex, hpte old, uint64_t real_addr);
    /* H_ENTER's translation of a logical address: the real address when the
     * feature redirects it (a client page attached to a shared page), or
     * HYP_XLATE_ABSENT (a shared-memory page not resident: H_ENTER writes an
     * absent entry whose r holds the logical page, and does not call the
     * other hooks), or UINT64_MAX to use the LPAR's own LMB table. */
    uint64_t (*xlate)(void *ctx, hcall_ctx *c, uint64_t la);
    /* H_CLEAR_MOD cleared the C bit of valid entry ptex (old: as it was,
     * C set) mapping real_addr: the modification it recorded is handed
     * over (paging keeps the page dirty, as KVM harvests C into its rmap). */
    void (*on_clear_mod)(void *ctx, hcall_ctx *c, uint64_t ptex, hpte old, uint64_t real_addr);
} hyp_ext;
#define HYP_XLATE_ABSENT (UINT64_MAX - 1)

int hyp_add_ext(hyp *h, const hyp_ext *x);

/* HPTE-write listeners: called with the real address of every HPTE word
 * the hypervisor writes (auditors build their own index from them). */
typedef void (*hyp_hpte_listener)(void *ctx, uint64_t hpte_paddr);
int hyp_add_hpte_listener(hyp *h, hyp_hpte_listener fn, void *ctx);
void hyp_remove_hpte_listener(hyp *h, hyp_hpte_listener fn, void *ctx);

/* TLB-fill listeners: called each time a hardware thread's walk loads a
 * translation into its TLB from HPTE ptex of lpid (tag vpn, psize) at cycle
 * `now`; each returns the cycles it adds to that TLB miss. With none added
 * the threads carry no fill hook (a run is as it was). 0, or -1 when full. */
typedef uint64_t (*hyp_fill_listener)(void *ctx, unsigned thread, unsigned lpid, uint64_t ptex,
                                      uint64_t vpn, unsigned psize, uint64_t now);
int hyp_add_fill_listener(hyp *h, hyp_fill_listener fn, void *ctx);
/* The access oracle: fn hears every memory access of every hardware
 * thread (cpu_access_fn: LPAR, real address, cycle), for a feature that
 * models a bound with knowledge no hardware gives (paging's lru-oracle).
 * One at a time; fn NULL removes it. Threads carry no hook otherwise. */
void hyp_set_access_oracle(hyp *h, cpu_access_fn fn, void *ctx);
void hyp_remove_fill_listener(hyp *h, hyp_fill_listener fn, void *ctx);

/* A key set (differing from its default) under a disabled feature or
 * driver, which would be silently ignored: its dotted path in buf (n
 * bytes), or false. d may be NULL. */
bool hyp_config_unused_key(const hyp_config *c, const hyp_drivers_config *d, char *buf, size_t n);

/* ---- workload drivers (feature.h hyp_driver), run by the machine ---- */

typedef struct hyp_drivers hyp_drivers;

/* Any driver enabled in c? */
bool hyp_drivers_enabled(const hyp_drivers_config *c);
/* LPARs the enabled drivers will create, in creation order: the count;
 * memory[] and hpt_bytes[] filled up to max. */
unsigned hyp_drivers_lpars(const hyp_drivers_config *c, uint64_t *memory, uint64_t *hpt_bytes,
                           unsigned max);
/* Create the enabled drivers (registry order); NULL with e set ("drivers.<name>: ..."),
 * or an empty set when none is enabled. */
/* An LPAR with a guest OS whose vCPUs replay a trace, built by the machine
 * for a driver exactly as a configured one (lpars[]). */
typedef struct hyp_lpar_spec {
    const char *name;
    uint64_t memory, hpt_size;   /* bytes (hpt 0: hypervisor default) */
    hyp_procs procs;             /* dedicated vCPUs take threads 0, 1, ... in turn */
    unsigned vcpus;
    const char *trace;           /* every vCPU replays it (its own address space) */
    uint64_t repeat;             /* passes over the trace */
    const char *key;             /* the config key a trace error is located at */
} hyp_lpar_spec;

/* add_lpar/ctx: the machine's builder of traced LPARs (a driver's). */
hyp_drivers *hyp_drivers_create(hyp *h, const hyp_drivers_config *c, uint64_t seed,
                                int (*add_lpar)(void *ctx, const hyp_lpar_spec *s,
                                                sim_err *e),
                                void *ctx, sim_err *e);
void hyp_drivers_destroy(hyp_drivers *d);
/* The cycle of the earliest next step (UINT64_MAX: all finished). */
uint64_t hyp_drivers_next(const hyp_drivers *d);
/* Run every driver whose next step is at `at` (registry order). 0 or -1. */
int hyp_drivers_step(hyp_drivers *d, uint64_t at, sim_err *e);
/* The latest cycle a driver's operation ended (0 without drivers). */
uint64_t hyp_drivers_now(const hyp_drivers *d);
/* Steps run so far (all drivers). */
uint64_t hyp_drivers_steps(const hyp_drivers *d);
/* Operations done and configured, summed; false without drivers. */
bool hyp_drivers_progress(const hyp_drivers *d, uint64_t *done, uint64_t *total);

#ifdef __cplusplus
}
#endif
#endif
