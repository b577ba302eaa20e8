/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Firmware self-test of the pooled event bus (issue 15), its own image per
 * machine (tools/qemu-test.sh: the *-bus runs): the periodic timer interrupt
 * publishes with modesp_bus_publish_from_isr and the main loop dispatches
 * with modesp_bus_process, as an event-loop task would.
 *
 * Why an interrupt publisher: on a single core the bus's only concurrency is
 * an ISR publish landing inside a task's process/unsubscribe critical
 * sections or between them, with the event blocks coming from the same
 * lock-free manager pools. The main loop alternates between dispatching,
 * being "busy" (not dispatching, so the queues and subscribers fill and each
 * policy has to refuse, drop or coalesce) and, in every 4th period, also
 * holding every free manager block from HOG_LEAD ticks before the busy window
 * to its end (so ISR publishes fall back to the ISR reserve, then fail with
 * ESP_ERR_NO_MEM). The ISR counts the ticks that land while the main loop is
 * inside modesp_bus_process; some must.
 *
 * Subscribers, each checking what it receives:
 *   seq    "irq.seq"   REJECT       every accepted seq event, in order, no gap
 *                                   (the ISR only advances seq on ESP_OK),
 *                                   fields decoded and consistent;
 *   level  "irq.level" KEEP_LATEST  depth 1: levels strictly increasing, and
 *                                   the last one delivered is the last published;
 *   all    "irq.*"     DROP_OLDEST  depth 4: both topics, seq increasing; keeps
 *                                   a reference to every 16th event past its
 *                                   handler and drops it later.
 * At the end (ISR publisher stopped, queues drained, references dropped) the
 * ISR's own per-code counts must equal the bus's counters, every subscriber's
 * delivered + dropped + coalesced must equal what matched it, every policy
 * must have acted, and the bus must hold no block: manager empty and intact.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modesp/memory_pool.h"
#include "modesp/pooled_event_bus.h"
#include "modesp/port_baremetal.h"
#include "mp_llsc.h" /* private: the pop variant fixed_pool.o was built with (MODESP_POOL_LLSC_STATS) */
#include "port.h"    /* private: modesp_port_in_isr */
#include "selftest.h"
#include "console.h"

#ifndef BUS_TICKS
#define BUS_TICKS 20000u /* timer interrupts with the publisher on */
#endif
#define PERIOD     512u /* main-loop phases repeat every PERIOD ticks */
#define BUSY_FROM  320u /* [BUSY_FROM, BUSY_TO): the main loop does not dispatch */
#define BUSY_TO    416u
#define HOG_LEAD   64u /* every 4th period the main loop holds every manager block from BUSY_FROM - HOG_LEAD */
#define HELD_SLOTS 4u
#define ALL_DEPTH  4u
#define CLASS_TOTAL                                                                                                    \
    (CONFIG_MEMORY_POOL_TINY_COUNT + CONFIG_MEMORY_POOL_SMALL_COUNT + CONFIG_MEMORY_POOL_MEDIUM_COUNT +                \
     CONFIG_MEMORY_POOL_LARGE_COUNT + CONFIG_MEMORY_POOL_XLARGE_COUNT)

static modesp_event_bus_t s_bus; /* all-zero: an empty bus */

/* Checks: CHECK and CHECK_EQ of console.h, counted there for the RESULT line. */

/* ------------------------------------------------------------------ interrupt side: the publisher */

typedef struct {
    uint32_t ok_seq, ok_level; /* accepted */
    uint32_t subscriber_full;  /* MODESP_ERR_SUBSCRIBER_FULL */
    uint32_t queue_full;       /* MODESP_ERR_QUEUE_FULL */
    uint32_t no_mem;           /* ESP_ERR_NO_MEM */
    uint32_t other;            /* any other result: a failure */
    uint32_t woken;            /* woken == true: nobody waits on bare metal, a failure */
    uint32_t last_level;       /* value of the last accepted level event */
    uint32_t not_isr;          /* ticks in which modesp_port_in_isr() said false */
    uint32_t inside_process;   /* ticks that landed while the main loop was inside modesp_bus_process */
} isr_side_t;

static isr_side_t s_isr;
static uint32_t s_ticks;      /* every timer interrupt */
static uint32_t s_publishing; /* main -> ISR: publish on each tick */
static uint32_t s_in_process; /* main -> ISR: the main loop is inside modesp_bus_process */

static void isr_count(esp_err_t err)
{
    if (err == MODESP_ERR_SUBSCRIBER_FULL) {
        s_isr.subscriber_full++;
    } else if (err == MODESP_ERR_QUEUE_FULL) {
        s_isr.queue_full++;
    } else if (err == ESP_ERR_NO_MEM) {
        s_isr.no_mem++;
    } else {
        s_isr.other++;
    }
}

/* One 4-field event per tick on "irq.seq" (NORMAL), a level event every other tick (HIGH). */
static void isr_publish(uint32_t tick)
{
    bool woken = false;
    const uint32_t seq = s_isr.ok_seq;
    esp_err_t err = modesp_bus_publish_from_isr(
        &s_bus, "irq.seq", MODESP_BUS_NORMAL, &woken, MODESP_EV_U32("seq", seq), MODESP_EV_U32("tick", tick),
        MODESP_EV_F32("value", (float)(seq & 0xFFFFu) * 0.5f), MODESP_EV_BOOL("odd", (seq & 1u) != 0u));
    if (err == ESP_OK) {
        s_isr.ok_seq++;
    } else {
        isr_count(err);
    }
    if (woken) {
        s_isr.woken++;
    }
    if ((tick & 1u) == 0u) {
        err = modesp_bus_publish_from_isr(&s_bus, "irq.level", MODESP_BUS_HIGH, &woken, MODESP_EV_U32("level", tick));
        if (err == ESP_OK) {
            s_isr.ok_level++;
            s_isr.last_level = tick;
        } else {
            isr_count(err);
        }
    }
}

void selftest_timer_isr(void)
{
    const uint32_t tick = __atomic_load_n(&s_ticks, __ATOMIC_RELAXED) + 1u;
    __atomic_store_n(&s_ticks, tick, __ATOMIC_RELAXED);
    if (!modesp_port_in_isr()) {
        s_isr.not_isr++;
    }
    if (__atomic_load_n(&s_publishing, __ATOMIC_ACQUIRE) != 0u) {
        s_isr.inside_process += __atomic_load_n(&s_in_process, __ATOMIC_RELAXED);
        isr_publish(tick);
    }
}

static void wait_ticks(uint32_t n)
{
    const uint32_t start = __atomic_load_n(&s_ticks, __ATOMIC_RELAXED);
    while (__atomic_load_n(&s_ticks, __ATOMIC_RELAXED) - start < n) {
    }
}

/* ------------------------------------------------------------------ task side: the subscribers */

typedef struct {
    modesp_bus_sub_t handle;
    uint32_t calls;
    uint32_t errors; /* wrong order, wrong field, wrong topic */
    uint32_t last;   /* last seq / level seen */
    bool seen;
} sub_t;

static sub_t s_seq, s_level, s_all;
static uint32_t s_seq_topic_calls; /* "all" calls for irq.seq */
static const modesp_event_t *s_held[HELD_SLOTS];
static uint32_t s_held_taken;

static void on_seq(const modesp_event_t *ev, void *ctx)
{
    sub_t *s = ctx;
    uint32_t seq = 0;
    uint32_t tick = 0;
    float value = -1.0f;
    bool odd = false;
    const bool ok =
        modesp_event_get_u32(ev, "seq", &seq) == ESP_OK && modesp_event_get_u32(ev, "tick", &tick) == ESP_OK &&
        modesp_event_get_f32(ev, "value", &value) == ESP_OK && modesp_event_get_bool(ev, "odd", &odd) == ESP_OK &&
        modesp_event_field_count(ev) == 4u && modesp_event_priority(ev) == MODESP_BUS_NORMAL;
    /* REJECT: nothing accepted is lost, so seq counts 0, 1, 2, ... with no gap */
    if (!ok || seq != s->calls || value != (float)(seq & 0xFFFFu) * 0.5f || odd != ((seq & 1u) != 0u) || tick == 0u) {
        s->errors++;
    }
    s->calls++;
}

static void on_level(const modesp_event_t *ev, void *ctx)
{
    sub_t *s = ctx;
    uint32_t level = 0;
    if (modesp_event_get_u32(ev, "level", &level) != ESP_OK || (s->seen && level <= s->last)) {
        s->errors++; /* KEEP_LATEST may skip levels, never go back or repeat */
    }
    s->last = level;
    s->seen = true;
    s->calls++;
}

/* Keep a reference to every 16th event past its handler; drop the one it replaces. */
static void hold(const modesp_event_t *ev, sub_t *s)
{
    const uint32_t slot = s_held_taken % HELD_SLOTS;
    if (modesp_event_ref(ev) != ESP_OK || modesp_event_refcount(ev) < 2u) {
        s->errors++; /* the bus's reference plus ours */
    }
    if (s_held[slot] != NULL) {
        if (modesp_event_refcount(s_held[slot]) != 1u || modesp_event_unref(s_held[slot]) != ESP_OK) {
            s->errors++; /* its dispatch is over: ours is the only reference left */
        }
    }
    s_held[slot] = ev;
    s_held_taken++;
}

static void on_all(const modesp_event_t *ev, void *ctx)
{
    sub_t *s = ctx;
    const char *topic = modesp_event_topic(ev);
    uint32_t seq = 0;
    if (modesp_event_get_u32(ev, "seq", &seq) == ESP_OK) {
        if (topic[4] != 's' || (s->seen && seq <= s->last)) {
            s->errors++; /* DROP_OLDEST drops, never reorders or repeats */
        }
        s->last = seq;
        s->seen = true;
        s_seq_topic_calls++;
    } else if (topic[4] != 'l') {
        s->errors++;
    }
    s->calls++;
    if ((s->calls & 15u) == 0u) {
        hold(ev, s);
    }
}

/* ------------------------------------------------------------------ main loop */

static void *s_hog[CLASS_TOTAL];
static uint32_t s_hogged;

/* Take every free block of every class (again as blocks come back): ISR publishes must use the ISR reserve. */
static void hog_all(modesp_pool_manager_t *pm)
{
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        const size_t size = modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c)->block_size;
        void *p = NULL;
        while (s_hogged < CLASS_TOTAL &&
               modesp_pool_manager_allocate_ex(pm, size, MODESP_ALLOC_STRICT, 0u, &p) == ESP_OK) {
            s_hog[s_hogged++] = p;
        }
    }
}

static void unhog(modesp_pool_manager_t *pm)
{
    uint32_t errors = 0;
    while (s_hogged > 0u) {
        errors += modesp_pool_manager_free(pm, s_hog[--s_hogged]) == ESP_OK ? 0u : 1u;
    }
    CHECK_EQ(errors, 0u);
}

static void run(modesp_pool_manager_t *pm)
{
    uint32_t dispatched = 0;
    uint32_t hog_periods = 0;
    uint32_t process_errors = 0;
    const uint32_t start = __atomic_load_n(&s_ticks, __ATOMIC_RELAXED);
    __atomic_store_n(&s_publishing, 1u, __ATOMIC_RELEASE);
    for (;;) {
        const uint32_t t = __atomic_load_n(&s_ticks, __ATOMIC_RELAXED) - start;
        if (t >= BUS_TICKS) {
            break;
        }
        const uint32_t phase = t % PERIOD;
        const bool busy = phase >= BUSY_FROM && phase < BUSY_TO;
        /* Hog from HOG_LEAD ticks before the busy window: the queues drain meanwhile, so the busy window
         * starts with every class empty and only the ISR reserve left (taking blocks as they come back). */
        const bool hog = ((t / PERIOD) & 3u) == 1u && phase >= BUSY_FROM - HOG_LEAD && phase < BUSY_TO;
        if (hog) {
            hog_periods += s_hogged == 0u ? 1u : 0u;
            hog_all(pm);
        } else if (s_hogged > 0u) {
            unhog(pm);
        }
        if (!busy) {
            uint32_t n = 0;
            /* max_ms 0: one event per call, so the phases above stay tick-exact */
            __atomic_store_n(&s_in_process, 1u, __ATOMIC_RELAXED);
            process_errors += modesp_bus_process(&s_bus, 0u, &n) == ESP_OK ? 0u : 1u;
            __atomic_store_n(&s_in_process, 0u, __ATOMIC_RELAXED);
            dispatched += n;
        }
    }
    __atomic_store_n(&s_publishing, 0u, __ATOMIC_RELEASE);
    wait_ticks(2u); /* a tick that saw the flag set has finished */
    unhog(pm);
    uint32_t n = 0;
    CHECK(modesp_bus_process(&s_bus, UINT32_MAX, &n) == ESP_OK);
    dispatched += n;
    CHECK(hog_periods > 0u);
    CHECK_EQ(process_errors, 0u);
    out("bus run:");
    out_kv("ticks", BUS_TICKS);
    out_kv("dispatched", dispatched);
    out_kv("hog_periods", hog_periods);
    out("\n");
}

/* ------------------------------------------------------------------ final accounting */

static void sub_line(const char *name, const sub_t *s, const modesp_bus_sub_stats_t *st)
{
    out("  ");
    out(name);
    out_kv("calls", s->calls);
    out_kv("delivered", st->delivered);
    out_kv("rejected", st->rejected);
    out_kv("dropped_oldest", st->dropped_oldest);
    out_kv("coalesced", st->coalesced);
    out_kv("high_water", st->high_water);
    out_kv("errors", s->errors);
    out("\n");
}

static void check_accounts(modesp_pool_manager_t *pm)
{
    modesp_bus_stats_t st;
    modesp_bus_sub_stats_t seq, level, all;
    CHECK(modesp_bus_get_stats(&s_bus, &st) == ESP_OK);
    CHECK(modesp_bus_get_sub_stats(&s_bus, s_seq.handle, &seq) == ESP_OK);
    CHECK(modesp_bus_get_sub_stats(&s_bus, s_level.handle, &level) == ESP_OK);
    CHECK(modesp_bus_get_sub_stats(&s_bus, s_all.handle, &all) == ESP_OK);

    out("isr publisher:");
    out_kv("seq_ok", s_isr.ok_seq);
    out_kv("level_ok", s_isr.ok_level);
    out_kv("subscriber_full", s_isr.subscriber_full);
    out_kv("queue_full", s_isr.queue_full);
    out_kv("no_mem", s_isr.no_mem);
    out_kv("other", s_isr.other);
    out_kv("woken", s_isr.woken);
    out_kv("inside_process", s_isr.inside_process);
    out("\nbus:");
    out_kv("published", st.published);
    out_kv("isr_published", st.isr_published);
    out_kv("isr_reserve_used", st.isr_reserve_used);
    out_kv("dispatched", st.dispatched);
    out_kv("delivered", st.delivered);
    out_kv("peak_blocks", st.pool.peak_allocated);
    out_kv("queue_high_water_normal", st.queue_high_water[MODESP_BUS_NORMAL]);
    out("\n");
    sub_line("seq   REJECT     ", &s_seq, &seq);
    sub_line("level KEEP_LATEST", &s_level, &level);
    sub_line("all   DROP_OLDEST", &s_all, &all);

    /* The ISR's view and the bus's counters agree, code by code. */
    const uint32_t accepted = s_isr.ok_seq + s_isr.ok_level;
    CHECK_EQ(s_isr.other, 0u);
    CHECK_EQ(s_isr.woken, 0u);
    CHECK_EQ(st.published, accepted);
    CHECK_EQ(st.isr_published, accepted);
    CHECK_EQ(st.dropped_subscriber_full, s_isr.subscriber_full);
    CHECK_EQ(st.dropped_queue_full, s_isr.queue_full);
    CHECK_EQ(st.dropped_no_block, s_isr.no_mem);
    CHECK_EQ(st.pool.allocation_failures, s_isr.no_mem);
    CHECK_EQ(st.unrouted, 0u);
    CHECK_EQ(st.delivered, s_seq.calls + s_level.calls + s_all.calls);
    /* Each subscriber: everything that matched it was delivered, dropped or coalesced, by its policy only. */
    CHECK_EQ(s_seq.errors + s_level.errors + s_all.errors, 0u);
    CHECK_EQ(seq.delivered, s_seq.calls);
    CHECK_EQ(s_seq.calls, s_isr.ok_seq);
    CHECK_EQ(seq.rejected, s_isr.subscriber_full);
    CHECK_EQ(seq.dropped_oldest + seq.coalesced, 0u);
    CHECK_EQ(level.delivered, s_level.calls);
    CHECK_EQ(level.delivered + level.coalesced + level.dropped_oldest, s_isr.ok_level);
    CHECK_EQ(s_level.last, s_isr.last_level); /* the latest is never the one dropped */
    CHECK_EQ(all.delivered, s_all.calls);
    CHECK_EQ(all.delivered + all.dropped_oldest + all.coalesced, accepted);
    CHECK_EQ(all.coalesced, 0u);
    CHECK(all.high_water <= ALL_DEPTH && level.high_water == 1u);
    /* Every policy acted, the ISR reserve was used, and some publishes found no block at all. */
    CHECK(seq.rejected > 0u && level.coalesced > 0u && all.dropped_oldest > 0u);
    CHECK(st.isr_reserve_used > 0u && s_isr.no_mem > 0u);
    CHECK_EQ(s_isr.not_isr, 0u);
    CHECK(s_isr.inside_process > 0u); /* publishes did land inside the main loop's dispatch */

    /* References: drop the ones kept past their handlers; then the bus holds nothing. */
    for (uint32_t i = 0; i < HELD_SLOTS; i++) {
        if (s_held[i] != NULL) {
            CHECK_EQ(modesp_event_refcount(s_held[i]), 1u);
            CHECK(modesp_event_unref(s_held[i]) == ESP_OK);
            s_held[i] = NULL;
        }
    }
    CHECK(s_held_taken > HELD_SLOTS);
    const modesp_bus_event_pool_stats_t ps = modesp_bus_get_event_pool_stats(&s_bus);
    CHECK_EQ(ps.allocated_count, 0u);
    modesp_pool_manager_stats_t ms;
    CHECK(modesp_pool_manager_get_stats(pm, &ms) == ESP_OK);
    CHECK_EQ(ms.bytes_in_use, 0u);
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        CHECK_EQ(ms.classes[c].in_use, 0u);
    }
    int bad = -1;
    modesp_pool_integrity_t rep;
    const esp_err_t err = modesp_pool_manager_check_integrity(pm, &bad, &rep);
    out("integrity: manager ");
    out(modesp_err_to_name(err));
    out_kv("event_blocks_alive", ps.allocated_count);
    out_kv("peak", ps.peak_allocated);
    out("\n");
    CHECK(err == ESP_OK);
}

static void report_pop_variant(void)
{
#ifdef MODESP_POOL_LLSC_STATS
    out("pop: ");
    out(modesp_pool_pop_variant);
    out_kv("sc_failures", __atomic_load_n(&modesp_pool_llsc_sc_failures, __ATOMIC_RELAXED));
    out_kv("cas_fallbacks", __atomic_load_n(&modesp_pool_llsc_fallbacks, __ATOMIC_RELAXED));
    out("\n");
#else
    out("pop: (build without -DMODESP_POOL_LLSC_STATS)\n");
#endif
}

int selftest_main(void)
{
    out("modesp_mempool event-bus self-test on ");
    out(plat_name());
    out("\n");
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    CHECK(modesp_bus_subscribe(&s_bus, "irq.seq", on_seq, &s_seq, 0u, MODESP_BUS_REJECT, &s_seq.handle) == ESP_OK);
    CHECK(modesp_bus_subscribe(&s_bus, "irq.level", on_level, &s_level, 1u, MODESP_BUS_KEEP_LATEST, &s_level.handle) ==
          ESP_OK);
    CHECK(modesp_bus_subscribe(&s_bus, "irq.*", on_all, &s_all, ALL_DEPTH, MODESP_BUS_DROP_OLDEST, &s_all.handle) ==
          ESP_OK);
    plat_timer_start();
    wait_ticks(2u);
    run(pm);
#ifdef SELFTEST_INJECT_FAILURE
    CHECK(0 && "failure injected with -DSELFTEST_INJECT_FAILURE, to check that the harness reports it");
#endif
    check_accounts(pm);
    report_pop_variant();
    return check_result(true);
}
