/*
 * migrate_int.h - private state of LPAR migration between two machines of
 * a platform (seed 002, abstract E; docs/migration.md). The same feature
 * runs on both machines: the source (hypervisor.migrate.to names the other
 * machine) pre-copies its LPAR's pages; the target (no `to`) receives them
 * into its LPAR of the same name and size and resumes it.
 *
 * Source, as timed events on hardware thread hypervisor.migrate.thread:
 *   begin   HELLO to the target; a C-bit harvest (HPT scan, C cleared with
 *           one tlbie batch) starts dirty tracking; pass 0 sends every page
 *   fill    up to buffer_pages pages copied into a state-record buffer in
 *           hypervisor memory (hyp_copy: reads at the page's real address;
 *           a shared LPAR's page read by its backer wherever it is, a
 *           paged-out one from the device without paging it in),
 *           posted over the platform's RDMA carrier (a control message:
 *           16-byte record header + 4K per page); a buffer is reused once
 *           its previous message has arrived
 *   pass    end of a pass: harvest C into the dirty set; if it holds at most
 *           stop_pages pages or max_passes passes were made, the LPAR's
 *           vCPUs are suspended (their threads stop) and the dirty set is
 *           sent as the final copy, its last buffer flagged LAST
 * Target: the platform's delivery calls the sink; before LAST pages go to
 * the paging device (target_storage paging; the target LPAR is a shared-
 * memory one) or to frames; after suspend to frames; at LAST the LPAR is
 * resumed once the final copy is stored (its dedicated vCPUs, held off
 * their threads since the start, replay their trace from its beginning).
 *
 * Invariants: a page whose HPTE had C set at a harvest, or whose HPTE was
 * removed with C set, is in the dirty set until re-sent; after suspend no
 * store reaches the source LPAR; the target resumes only after every
 * page of the final copy is stored.
 */
#ifndef LPARSIM_HYP_MIGRATE_INT_H
#define LPARSIM_HYP_MIGRATE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "hyp/feature.h"
#include "hyp/hyp_int.h"
#include "hyp/inval.h"

#define MIG_PAGE 4096u
#define MIG_REC_HDR 16u /* bytes of a page's record header */
#define MIG_NAME 64

enum { MIG_STORE_PAGING = 0, MIG_STORE_MEMORY = 1 };
enum { MIG_INJ_NONE = 0, MIG_INJ_SKIP_RESEND = 1 };
/* message kinds (hyp_rdma_msg.tag) */
enum { MIG_HELLO = 1, MIG_PAGES = 2, MIG_FINAL = 3, MIG_LAST = 4, MIG_AUDIT = 5 };
#define MIG_TAG_SHIFT 8 /* LAST: the suspend cycle above the kind */
/* source phases */
enum { MS_IDLE = 0, MS_PRECOPY, MS_FINAL, MS_DONE };
/* parts of op migration.page; of migration.total */
enum { MPP_READ = 0, MPP_BUFFER, MPP_SEND, MPP_WRITE };
enum { MPT_PRECOPY = 0, MPT_FINAL, MPT_RESUME };

typedef struct migrate_config {
    bool enabled;
    char *lpar;             /* source: LPAR to move; target: LPAR receiving it */
    char *to;               /* source: the target machine; "": this is the target */
    double start_us;        /* source: when the migration starts */
    uint64_t buffer_pages;  /* pages per state-record buffer */
    uint64_t buffers;       /* buffers in flight */
    uint64_t max_passes;    /* pre-copy passes before suspending anyway */
    uint64_t stop_pages;    /* suspend when at most this many pages are dirty */
    unsigned target_storage; /* MIG_STORE_* */
    uint64_t thread;        /* hardware thread whose core does the work */
    bool audit;
    unsigned inject;        /* MIG_INJ_* */
} migrate_config;

typedef struct migrate_stats {
    /* source */
    uint64_t pages_sent, pages_resent, bytes_sent, buffers_sent, passes;
    uint64_t hptes_cleaned, tlbies, final_pages, suspend_cycle, read_not_resident;
    /* target */
    uint64_t pages_received, to_device, to_memory, precopy_frames;
    uint64_t start_cycle, resume_cycle, total_cycles, downtime_cycles;
    uint64_t post_resume_page_ins, device_backlog_cycles;
} migrate_stats;

typedef struct migrate_audit_stats {
    uint64_t checks, violations, stamps;
} migrate_audit_stats;

/* The HELLO message's payload. */
typedef struct mig_hello {
    uint64_t memory, start, storage;
    char name[MIG_NAME];
} mig_hello;

/* A page's record header (MIG_REC_HDR bytes): its logical page number and,
 * as simulation bookkeeping for op migration.page, when its read began and
 * how long it took. */
typedef struct mig_rec {
    uint32_t lpn, read_cycles;
    uint64_t read_start;
} mig_rec;
_Static_assert(sizeof(mig_rec) == MIG_REC_HDR, "record header size");

typedef struct migrate {
    hyp *h;
    migrate_config cfg;
    bool source, audit, failed;
    sim_err err;
    unsigned lpid;
    uint64_t npages;
    int dest;               /* source: the target machine's platform index */
    /* source */
    int phase;              /* MS_* */
    uint64_t next_at;
    uint8_t *dirty, *sent, *sendset;
    uint64_t cursor, pass_pages;
    uint64_t buf_paddr;     /* buffers * buffer_pages pages of hypervisor memory */
    uint64_t *buf_free;     /* per buffer: the cycle its last message arrived */
    uint64_t nextbuf;
    unsigned char *msg;     /* one buffer's message */
    uint64_t *src_sum;      /* auditor: per-page checksums at suspend */
    /* target */
    bool hello, resumed, last;
    uint64_t resume_at, busy, dev_done, suspend, last_arrival, page_ins0, storage;
    uint64_t *want_sum;     /* auditor: the source's checksums, once arrived */
    uint64_t *dst_sum;      /* auditor: per-page checksums at resume */
    op_id op_page, op_total;
    migrate_stats st;
    migrate_audit_stats ast;
} migrate;

extern const param_table migrate_feature_params;
extern const stat_table migrate_stat_table, migrate_audit_stat_table;

void mig_fail(migrate *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t mig_sum(const void *page);
/* migrate_src.c */
int mig_src_event(migrate *m, uint64_t at, sim_err *e);
void mig_src_mark_dirty(migrate *m, uint64_t ra, uint64_t bytes);
uint64_t mig_src_fill(void *ctx, unsigned thread, unsigned lpid, uint64_t ptex, uint64_t vpn,
                      unsigned psize, uint64_t now);
/* migrate_dst.c */
int mig_dst_sink(void *ctx, const hyp_rdma_msg *msg, sim_err *e);
int mig_dst_resume(migrate *m, uint64_t at, sim_err *e);
void mig_dst_finish(migrate *m);

#endif
