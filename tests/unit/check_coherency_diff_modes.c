/*
 * check_coherency_diff_modes.c - differential test of the TLB coherency
 * strategies in modes remap and shadow (hypervisor.coherency.mode, issue
 * 11; check_coherency_diff.c does mode papr op by op). Each sequence is one
 * run of the coherency driver (configs/coherency/remap.yaml or shadow.yaml,
 * in process) with seeded knobs, repeated under every strategy that applies
 * in that mode, the auditor on, against eager-tlbie as the reference:
 *   remap  (eager-ipi all/tracked, kvm-deferred, patch-channel all/tracked):
 *          the final translations (drivers.coherency.hpt_digest: mapped and
 *          protection), the pages' data words (data_digest) and
 *          lost_stores 0; the relocations all completed;
 *   shadow (patch-channel, filter all/tracked, derived value on/off): which
 *          real page every touch used, in order (coherency.s0.shadow.
 *          use_digest), the touches and the final translations (hpt_digest).
 * Every run: 0 auditor violations (a violation stops the run: it must
 * return 0) and more than 0 checks.
 * Knobs per sequence (a seeded generator): machine.seed; remap: lpars 1-2,
 * vcpus 1-4, pages 4-16, relocate 1-4, rounds 5-16; shadow: vcpus 1-4,
 * pages 2-16, retouch 0/0.25/0.5/1, rounds 3-10, LMBs 16M/256M. A high round rate (5 us
 * apart) keeps the config's trace replay between rounds short.
 * Shadow draws hypervisor.lmb_size 16M or 256M: with 16M LMBs the patch
 * channels' hypervisor memory takes a second LMB (machine.hypervisor_bytes
 * 16M -> 32M), so the LPAR's real pages differ from eager-tlbie's by one
 * LMB; use_digest names the logical page of each touch for that reason
 * (it named the real page before, and differed: a layout difference, not
 * a stale use).
 * The broken builds (auditor off: they run to their end) must give a
 * different functional result in at least one sequence: remap with inject
 * reuse-before-drain, shadow with inject skip-shadow-update.
 * Sequences: COH_DIFF_MODES_SEQ (default NSEQ per mode); a failure names
 * the sequence seed (COH_DIFF_MODES_SEED=<seed> replays it).
 */
#include <check.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "core/stats.h"
#include "machine/machine.h"
#include "testutil.h"

#ifndef NSEQ
#if defined(__SANITIZE_ADDRESS__)
#define NSEQ 200 /* per mode under ASan (about 2x slower) */
#else
#define NSEQ 500 /* per mode: 1000 sequences, 13,500 runs (54 s alone in release) */
#endif
#endif
#define MAXSET 24

#define REQUIRE(cond, ...)                                                                         \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ck_abort_msg(__VA_ARGS__);                                                             \
    } while (0)

/* A mode: its config and its strategies (the first is the reference). */
typedef struct mode {
    const char *name, *cfg;
    const char *const (*coh)[4];
    unsigned ncoh;
    const char *const *broken;
} mode;

static const char *const REMAP[][4] = {
    {"strategy=eager-tlbie", "filter=all", NULL},
    {"strategy=eager-ipi", "filter=all", NULL},
    {"strategy=eager-ipi", "filter=tracked", NULL},
    {"strategy=kvm-deferred", "filter=all", NULL},
    {"strategy=patch-channel", "filter=all", NULL},
    {"strategy=patch-channel", "filter=tracked", NULL},
};
static const char *const REMAP_BROKEN[] = {"strategy=patch-channel", "filter=all",
                                           "inject=reuse-before-drain", NULL};
static const char *const SHADOW[][4] = {
    {"strategy=eager-tlbie", "filter=all", "channel.derived_value=false", NULL},
    {"strategy=patch-channel", "filter=tracked", "channel.derived_value=true", NULL},
    {"strategy=patch-channel", "filter=tracked", "channel.derived_value=false", NULL},
    {"strategy=patch-channel", "filter=all", "channel.derived_value=true", NULL},
    {"strategy=patch-channel", "filter=all", "channel.derived_value=false", NULL},
};
static const char *const SHADOW_BROKEN[] = {"strategy=patch-channel", "filter=tracked",
                                            "inject=skip-shadow-update", NULL};

static const mode MODES[] = {
    {"remap", "configs/coherency/remap.yaml", REMAP, sizeof REMAP / sizeof REMAP[0],
     REMAP_BROKEN},
    {"shadow", "configs/coherency/shadow.yaml", SHADOW, sizeof SHADOW / sizeof SHADOW[0],
     SHADOW_BROKEN},
};

/* The functional result of one run. */
typedef struct result {
    uint64_t hpt, data, lost, relocations, changes, uses, touches, violations, checks;
} result;

typedef struct knobs {
    char s[12][96];
    unsigned n;
} knobs;

static void knob(knobs *k, const char *fmt, uint64_t v)
{
    snprintf(k->s[k->n++], sizeof k->s[0], fmt, v);
}

/* The seeded knobs of one sequence of mode m. */
static void draw(const mode *m, uint64_t seed, knobs *k)
{
    rng r;
    rng_seed(&r, seed);
    k->n = 0;
    knob(k, "machine.seed=%" PRIu64, 1 + rng_below(&r, 1u << 30));
    knob(k, "drivers.coherency.rate=%" PRIu64, 200000);
    knob(k, "drivers.coherency.vcpus=%" PRIu64, 1 + rng_below(&r, 4));
    if (!strcmp(m->name, "remap")) {
        knob(k, "drivers.coherency.lpars=%" PRIu64, 1 + rng_below(&r, 2));
        uint64_t pages = 4 + rng_below(&r, 13);
        knob(k, "drivers.coherency.pages=%" PRIu64, pages);
        knob(k, "drivers.coherency.relocate=%" PRIu64, 1 + rng_below(&r, 4));
        knob(k, "drivers.coherency.rounds=%" PRIu64, 5 + rng_below(&r, 12));
    } else {
        static const char *const rt[] = {"0", "0.25", "0.5", "1"};
        knob(k, "drivers.coherency.pages=%" PRIu64, 2 + rng_below(&r, 15));
        snprintf(k->s[k->n++], sizeof k->s[0], "drivers.coherency.retouch=%s",
                 rt[rng_below(&r, 4)]);
        knob(k, "drivers.coherency.rounds=%" PRIu64, 3 + rng_below(&r, 8));
        /* 16M LMBs: patch-channel's hypervisor memory takes a second LMB
         * and moves the LPAR's real pages; the digest is by logical page */
        knob(k, "hypervisor.lmb_size=%" PRIu64 "M", rng_below(&r, 2) ? 256 : 16);
    }
}

static uint64_t get(machine *mc, const char *name, bool must)
{
    uint64_t v = 0;
    int rc = stats_get_counter(machine_stats(mc), name, &v);
    REQUIRE(rc == 0 || !must, "no statistic %s", name);
    return v;
}

/* Run mode m's config with the knobs and coherency settings coh. */
static void run(const mode *m, const knobs *k, const char *const *coh, bool audit, uint64_t seed,
                result *out)
{
    char buf[MAXSET][128];
    const char *sets[MAXSET];
    unsigned n = 0;
    for (unsigned i = 0; i < k->n; i++)
        sets[n++] = k->s[i];
    snprintf(buf[n], sizeof buf[0], "hypervisor.audit=%s", audit ? "true" : "false");
    sets[n] = buf[n], n++;
    bool derived = !strstr(coh[2] ? coh[2] : "", "derived_value=false"); /* yaml: true */
    if (!strcmp(m->name, "shadow")) {
        snprintf(buf[n], sizeof buf[0], "hypervisor.coherency.channel.usefulness=%s",
                 derived ? "true" : "false");
        sets[n] = buf[n], n++;
    }
    for (unsigned i = 0; coh[i]; i++) {
        snprintf(buf[n], sizeof buf[0], "hypervisor.coherency.%s", coh[i]);
        sets[n] = buf[n], n++;
    }
    machine_config c;
    sim_err e = {{0}};
    REQUIRE(machine_config_init(&c, &e) == 0, "%s", e.msg);
    REQUIRE(machine_config_load(&c, tu_src(m->cfg), sets, n, NULL, &e) == 0, "%s seed %" PRIu64
            ": %s", m->name, seed, e.msg);
    machine *mc = machine_create(&c, NULL, &e);
    machine_config_free(&c);
    REQUIRE(mc != NULL, "%s seed %" PRIu64 ": %s", m->name, seed, e.msg);
    REQUIRE(machine_run(mc, NULL, NULL, &e) == 0, "%s seed %" PRIu64 " (%s %s %s): %s", m->name,
            seed, coh[0], coh[1], coh[2] ? coh[2] : "", e.msg);
    REQUIRE(machine_finish(mc, &e) == 0, "%s", e.msg);
    memset(out, 0, sizeof *out);
    out->hpt = get(mc, "drivers.coherency.hpt_digest", true);
    out->data = get(mc, "drivers.coherency.data_digest", true);
    out->lost = get(mc, "drivers.coherency.lost_stores", true);
    out->relocations = get(mc, "drivers.coherency.relocations", true);
    out->changes = get(mc, "drivers.coherency.changes", true);
    out->uses = get(mc, "coherency.s0.shadow.use_digest", false);
    out->touches = get(mc, "coherency.s0.shadow.touches", false);
    out->violations = get(mc, "coherency.audit.violations", audit);
    out->checks = get(mc, "coherency.audit.checks", audit) +
                  get(mc, "coherency.s0.shadow.audit_checks", false);
    machine_destroy(mc);
}

static bool same(const mode *m, const result *a, const result *b)
{
    if (a->hpt != b->hpt)
        return false;
    if (!strcmp(m->name, "remap"))
        return a->data == b->data && a->lost == b->lost && a->relocations == b->relocations;
    return a->uses == b->uses && a->touches == b->touches;
}

/* One sequence of mode m; returns whether the broken build differed. */
static bool sequence(const mode *m, uint64_t seed)
{
    knobs k;
    draw(m, seed, &k);
    result ref, got;
    uint64_t checks = 0;
    run(m, &k, m->coh[0], true, seed, &ref);
    REQUIRE(ref.violations == 0, "%s seed %" PRIu64 ": reference auditor", m->name, seed);
    if (!strcmp(m->name, "remap")) {
        REQUIRE(ref.lost == 0, "%s seed %" PRIu64 ": the reference lost stores", m->name, seed);
        REQUIRE(ref.relocations == ref.changes && ref.changes > 0,
                "%s seed %" PRIu64 ": %" PRIu64 " relocations of %" PRIu64, m->name, seed,
                ref.relocations, ref.changes);
    } else {
        REQUIRE(ref.touches > 0 && ref.uses != 0, "%s seed %" PRIu64 ": no touches", m->name,
                seed);
    }
    for (unsigned i = 1; i < m->ncoh; i++) {
        run(m, &k, m->coh[i], true, seed, &got);
        REQUIRE(got.violations == 0, "%s seed %" PRIu64 " config %u: auditor", m->name, seed, i);
        checks += got.checks;
        REQUIRE(same(m, &got, &ref),
                "%s seed %" PRIu64 " (%s %s %s): hpt 0x%" PRIx64 " data 0x%" PRIx64 " lost %" PRIu64
                " uses 0x%" PRIx64 " instead of hpt 0x%" PRIx64 " data 0x%" PRIx64 " lost %" PRIu64
                " uses 0x%" PRIx64,
                m->name, seed, m->coh[i][0], m->coh[i][1], m->coh[i][2] ? m->coh[i][2] : "",
                got.hpt, got.data, got.lost, got.uses, ref.hpt, ref.data, ref.lost, ref.uses);
    }
    REQUIRE(checks > 0, "%s seed %" PRIu64 ": the auditors checked nothing", m->name, seed);
    run(m, &k, m->broken, false, seed, &got);
    bool differs = !same(m, &got, &ref);
    if (getenv("COH_DIFF_VERBOSE"))
        fprintf(stderr, "%s seed %" PRIu64 ": hpt 0x%" PRIx64 " data 0x%" PRIx64 " uses 0x%" PRIx64
                        " touches %" PRIu64 " relocations %" PRIu64 " checks %" PRIu64 "%s\n",
                m->name, seed, ref.hpt, ref.data, ref.uses, ref.touches, ref.relocations,
                ref.checks, differs ? " (broken differs)" : "");
    return differs;
}

static void mode_agrees(const mode *m)
{
    const char *only = getenv("COH_DIFF_MODES_SEED");
    if (only) {
        sequence(m, strtoull(only, NULL, 0));
        return;
    }
    const char *ns = getenv("COH_DIFF_MODES_SEQ");
    uint64_t nseq = ns ? strtoull(ns, NULL, 0) : NSEQ;
    unsigned differs = 0;
    for (uint64_t s = 1; s <= nseq; s++)
        differs += sequence(m, s * 0x9e3779b97f4a7c15ull);
    /* the broken build is caught by the comparison alone */
    ck_assert_msg(differs > 0, "%s: the broken build gave the reference's result in all %" PRIu64
                               " sequences", m->name, nseq);
}

START_TEST(remap_strategies_agree)
{
    mode_agrees(&MODES[0]);
}
END_TEST

START_TEST(shadow_strategies_agree)
{
    mode_agrees(&MODES[1]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("coherency_diff_modes");
    TCase *t = tcase_create("coherency_diff_modes");
    tcase_set_timeout(t, 600);
    tcase_add_test(t, remap_strategies_agree);
    tcase_add_test(t, shadow_strategies_agree);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
