/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzzer (libFuzzer) of the pooled event bus (include/modesp/pooled_event_bus.h), differential
 * against a model written from the header's DELIVERY CONTRACT.
 *
 * The input bytes are decoded into operations on a private bus: subscribe (patterns built from
 * segments such as "a", "*", "", "A", over-long ones, depth 0..MAX+1, every policy and a bad
 * one), unsubscribe (live and stale handles), publish from a task or "ISR" (topics built the
 * same way, every priority and a bad one, 0..MAX_FIELDS+1 fields of every type and bad ones,
 * NULL/empty/over-long keys and strings, payload lengths up to and past the largest block),
 * process (one event or all), pause/resume, clear, and dropping references handlers kept.
 * Handlers, called by process, check that they get exactly the event the model expects next
 * (priority order, FIFO within one, subscription-slot order; identified by its time stamp,
 * the fake clock advances once per publish), check its topic and field count, and may
 * unsubscribe themselves or another subscriber, or keep a reference.
 *
 * The model predicts every publish result (including ESP_ERR_NO_MEM from the class's free
 * blocks, the ISR reserve and CRITICAL's eviction of a LOW event, since only the bus uses the
 * manager here), the topic/pattern rules and matches (its own segment matcher), and after every
 * operation the bus's counters, queue lengths, subscriptions, each subscriber's counters and
 * the blocks the bus holds. At the end of each input everything is released and the manager
 * must be empty and intact. Any difference aborts with a message; FUZZ_TRACE=1 prints each
 * operation. The model is in fuzz_bus_model.h (included below, after fuzz_check.h: fail/EXPECT_EQ).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/bus/bus_private.h" /* sizeof(struct modesp_event): the encoded size of an event */
#include "modesp/memory_pool.h"
#include "modesp/pooled_event_bus.h"
#include "modesp/port_posix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define NSUB     CONFIG_EVENT_BUS_MAX_SUBSCRIBERS
#define MAXT     CONFIG_EVENT_BUS_MAX_TOPIC_LEN
#define QLEN     CONFIG_EVENT_BUS_QUEUE_LENGTH
#define NEV      256 /* model event records; more than can be alive at once */
#define NHELD    32
#define NO_CLASS 0xFFu

static bool g_trace;
static unsigned long long g_ops;

#define FUZZ_HARNESS_NAME "fuzz_bus"
#include "fuzz_check.h"

#include "fuzz_bus_model.h"

/* ------------------------------------------------------------- handlers */

static void unsubscribe_slot(uint32_t i);
static uint32_t g_dispatched_now; /* events the model popped during the current process call */

/* The model's next event: highest priority first, FIFO within one. Every queued event still has a subscriber
 * to reach, so the bus's first handler call for an event is also the model's cue to pop it. */
static void start_dispatch(void)
{
    for (int p = 0; p < (int)MODESP_BUS_PRIORITY_COUNT; p++) {
        if (g_qn[p] > 0u) {
            g_current = g_q[p][0];
            queue_remove(g_current);
            g_ev[g_current].queued = false;
            g_exp.dispatched++;
            g_dispatched_now++;
            return;
        }
    }
    fail("handler called with nothing queued in the model", 0, 1);
}

static void finish_dispatch(void)
{
    EXPECT_EQ("dispatch over: subscribers the event did not reach", 0, g_ev[g_current].mask);
    bus_ref_gone(g_current);
    g_current = -1;
}

static void handler(const modesp_event_t *ev, void *ctx)
{
    const uint32_t slot = (uint32_t)(uintptr_t)ctx;
    if (g_current >= 0 && g_ev[g_current].mask == 0u) {
        finish_dispatch();
    }
    if (g_current < 0) {
        start_dispatch();
    }
    mev_t *m = &g_ev[g_current];
    EXPECT_EQ("handler: slot (subscription order)", __builtin_ctz(m->mask), slot);
    EXPECT_EQ("handler: event (priority, FIFO)", m->stamp, (long)modesp_event_timestamp_us(ev));
    EXPECT_EQ("handler: topic", 0, strcmp(m->topic, modesp_event_topic(ev)));
    EXPECT_EQ("handler: field count", m->nfields, modesp_event_field_count(ev));
    EXPECT_EQ("handler: priority", m->prio, modesp_event_priority(ev));
    m->mask &= ~(1u << slot);
    pending_remove(&g_sub[slot], g_current);
    const uint8_t act = u8();
    if (act < 16u) { /* unsubscribe itself or another subscription */
        const uint32_t victim = act < 8u ? slot : (uint32_t)u8() % NSUB;
        if (g_sub[victim].active) {
            unsubscribe_slot(victim);
        }
    } else if (act < 48u && g_nheld < NHELD) { /* keep a reference past the handler */
        EXPECT_EQ("ref", ESP_OK, modesp_event_ref(ev));
        g_held[g_nheld] = ev;
        g_held_ev[g_nheld++] = g_current;
        m->held++;
    }
    g_exp.delivered++;
    if (g_sub[slot].active) {
        g_sub[slot].delivered++;
    }
}

/* ------------------------------------------------------------- operations */

static void op_subscribe(void)
{
    char pattern[96];
    gen_name(pattern, sizeof pattern);
    if (u8() < 32u) {
        pattern[0] = '\0';
    }
    const uint8_t b = u8();
    const uint32_t depth = b % (CONFIG_EVENT_BUS_MAX_DEPTH + 2u);
    const uint32_t policy = (b >> 4) % 4u;
    int slot = -1;
    for (int i = 0; i < NSUB && slot < 0; i++) {
        slot = g_sub[i].active ? -1 : i;
    }
    esp_err_t want = ESP_OK;
    if (policy > (uint32_t)MODESP_BUS_KEEP_LATEST) {
        want = ESP_ERR_INVALID_ARG;
    } else if (pattern[0] != '\0' && !m_valid(pattern, true)) {
        want = MODESP_ERR_BAD_PATTERN;
    } else if (slot < 0) {
        want = MODESP_ERR_FULL;
    }
    EXPECT_EQ("pattern_validate", pattern[0] == '\0' || m_valid(pattern, true) ? ESP_OK : MODESP_ERR_BAD_PATTERN,
              modesp_bus_pattern_validate(pattern));
    modesp_bus_sub_t h = 0;
    const esp_err_t err =
        modesp_bus_subscribe(&g_bus, pattern, handler, (void *)(uintptr_t)slot, depth, (modesp_bus_policy_t)policy, &h);
    if (g_trace) {
        fprintf(stderr, "subscribe \"%s\" depth %u policy %u -> %s\n", pattern, depth, policy, modesp_err_to_name(err));
    }
    EXPECT_EQ("subscribe", want, err);
    if (err == ESP_OK) {
        msub_t *s = &g_sub[slot];
        const uint16_t gen = s->gen;
        memset(s, 0, sizeof *s);
        s->gen = gen;
        s->active = true;
        s->policy = (uint8_t)policy;
        s->depth = (uint8_t)(depth == 0u || depth > CONFIG_EVENT_BUS_MAX_DEPTH ? CONFIG_EVENT_BUS_MAX_DEPTH : depth);
        copy_name(s->pattern, pattern);
        EXPECT_EQ("handle", ((uint32_t)gen << 8) | (uint32_t)(slot + 1), h);
    }
}

static void unsubscribe_slot(uint32_t i)
{
    msub_t *s = &g_sub[i];
    EXPECT_EQ("unsubscribe", ESP_OK, modesp_bus_unsubscribe(&g_bus, ((uint32_t)s->gen << 8) | (i + 1u)));
    while (s->npending > 0u) {
        g_exp.dropped_unsubscribed++;
        drop_for(i, s->pending[0]);
    }
    if (g_current >= 0) {
        g_ev[g_current].mask &= ~(1u << i); /* the event being dispatched skips it too */
    }
    s->active = false;
    s->gen++;
}

static void op_unsubscribe(void)
{
    const uint32_t i = (uint32_t)u8() % NSUB;
    if (g_sub[i].active) {
        unsubscribe_slot(i);
    } else {
        EXPECT_EQ("unsubscribe stale", ESP_ERR_NOT_FOUND,
                  modesp_bus_unsubscribe(&g_bus, ((uint32_t)g_sub[i].gen << 8) | (i + 1u)));
    }
}

static void op_publish(bool isr)
{
    char topic[96];
    gen_name(topic, sizeof topic);
    const int prio = u8() % (MODESP_BUS_PRIORITY_COUNT + 1);
    modesp_ev_field_t f[CONFIG_EVENT_BUS_MAX_FIELDS + 1];
    const size_t n = u8() % (CONFIG_EVENT_BUS_MAX_FIELDS + 2u);
    for (size_t i = 0; i < n; i++) {
        const uint8_t b = u8();
        f[i].key = (b & 0x80u) != 0u ? KEYS[b % (sizeof KEYS / sizeof KEYS[0])] : "v";
        f[i].type = (modesp_ev_type_t)(u8() % 9u);
        f[i].v.i64 = (int64_t)u8() << 3;
        if (f[i].type == MODESP_EV_TYPE_BOOL) {
            f[i].v.b = (f[i].v.i64 & 8) != 0;
        } else if (f[i].type == MODESP_EV_TYPE_STR) {
            const uint8_t s = u8();
            const size_t len = s % (CONFIG_EVENT_BUS_MAX_STRING_LEN + 2u);
            f[i].v.str = s == 0xFFu ? NULL : g_long_str + (sizeof g_long_str - 1u - len);
        }
    }
    g_clock++;
    size_t size = 0;
    esp_err_t want = static_check(prio, topic, f, n, &size);
    int e = -1;
    if (want == ESP_OK) {
        e = model_block(size, prio, isr);
        want = e < 0 ? ESP_ERR_NO_MEM : ESP_OK;
    }
    if (e >= 0) {
        g_ev[e].prio = (uint8_t)prio;
        g_ev[e].stamp = g_clock;
        g_ev[e].nfields = (uint32_t)n;
        copy_name(g_ev[e].topic, topic);
        want = model_route(e, topic, isr);
        if (want != ESP_OK) {
            bus_ref_gone(e); /* refused or unrouted: the block goes back */
            want = want == ESP_ERR_NOT_FOUND ? ESP_OK : want;
        }
    }
    bool woken = true;
    modesp_port_posix_set_isr_context(isr);
    const esp_err_t err =
        isr ? modesp_bus_publish_from_isr_fields(&g_bus, topic, (modesp_bus_priority_t)prio, n ? f : NULL, n, &woken)
            : modesp_bus_publish_fields(&g_bus, topic, (modesp_bus_priority_t)prio, n ? f : NULL, n);
    modesp_port_posix_set_isr_context(false);
    if (g_trace) {
        fprintf(stderr, "publish%s \"%s\" prio %d fields %zu size %zu -> %s\n", isr ? "_from_isr" : "", topic, prio, n,
                size, modesp_err_to_name(err));
    }
    EXPECT_EQ("publish", want, err);
    if (isr) {
        EXPECT_EQ("woken (nobody waits)", 0, woken);
    }
}

/* One process call for one event (max_ms 0, the clock standing still) or for all; the model follows it
 * through the handler calls (handler()). */
static void op_process(void)
{
    const bool all = (u8() & 1u) != 0u;
    uint32_t queued = 0;
    for (int p = 0; p < (int)MODESP_BUS_PRIORITY_COUNT; p++) {
        queued += g_qn[p];
    }
    uint32_t got = 7;
    g_dispatched_now = 0;
    const esp_err_t err = modesp_bus_process(&g_bus, all ? UINT32_MAX : 0u, &got);
    if (g_current >= 0) {
        finish_dispatch();
    }
    if (g_trace) {
        fprintf(stderr, "process %s -> %s, %u events\n", all ? "(all)" : "(one)", modesp_err_to_name(err), got);
    }
    EXPECT_EQ("process", ESP_OK, err);
    EXPECT_EQ("process: events dispatched", g_dispatched_now, got);
    if (g_paused) {
        EXPECT_EQ("process while paused", 0, got);
    } else if (all) {
        for (int p = 0; p < (int)MODESP_BUS_PRIORITY_COUNT; p++) {
            EXPECT_EQ("process (all): queue left", 0, g_qn[p]);
        }
    } else {
        EXPECT_EQ("process (one)", queued > 0u ? 1 : 0, got);
    }
}

static void op_release(void)
{
    if (g_nheld == 0u) {
        return;
    }
    const uint32_t k = (uint32_t)u8() % g_nheld;
    const int e = g_held_ev[k];
    EXPECT_EQ("refcount of a held event", (long)g_ev[e].held + (g_ev[e].queued ? 1 : 0),
              modesp_event_refcount(g_held[k]));
    EXPECT_EQ("unref", ESP_OK, modesp_event_unref(g_held[k]));
    g_held[k] = g_held[g_nheld - 1u];
    g_held_ev[k] = g_held_ev[--g_nheld];
    if (--g_ev[e].held == 0u && !g_ev[e].queued) {
        g_ev[e].alive = false;
        if (g_ev[e].cls == NO_CLASS) {
            g_reserve_in_use--;
        }
    }
}

static void op_clear(void)
{
    uint32_t n = 0;
    for (int p = 0; p < (int)MODESP_BUS_PRIORITY_COUNT; p++) {
        while (g_qn[p] > 0u) {
            const int e = g_q[p][0];
            for (uint32_t i = 0; i < NSUB; i++) {
                if ((g_ev[e].mask & (1u << i)) != 0u) {
                    pending_remove(&g_sub[i], e);
                }
            }
            g_ev[e].mask = 0u;
            queue_remove(e);
            bus_ref_gone(e);
            g_exp.dropped_cleared++;
            n++;
        }
    }
    uint32_t released = 0;
    EXPECT_EQ("clear", ESP_OK, modesp_bus_clear(&g_bus, &released));
    EXPECT_EQ("clear: released", n, released);
}

/* Quiescent end of an input: every reference, event and subscription goes; nothing may stay allocated. */
static void end_input(void)
{
    while (g_nheld > 0u) {
        g_in = NULL;
        g_n = g_i = 0;
        op_release();
    }
    op_clear();
    for (uint32_t i = 0; i < NSUB; i++) {
        if (g_sub[i].active) {
            unsubscribe_slot(i);
        }
    }
    check_stats("end");
    EXPECT_EQ("bus blocks at the end", 0, modesp_bus_get_event_pool_stats(&g_bus).allocated_count);
    modesp_pool_manager_stats_t ms;
    EXPECT_EQ("manager stats", ESP_OK, modesp_pool_manager_get_stats(modesp_get_pool_manager(), &ms));
    EXPECT_EQ("manager bytes in use at the end", 0, ms.bytes_in_use);
    int bad = -1;
    EXPECT_EQ("manager integrity", ESP_OK, modesp_pool_manager_check_integrity(modesp_get_pool_manager(), &bad, NULL));
    EXPECT_EQ("ISR reserve in use (model)", 0, g_reserve_in_use);
}

static void print_ops(void) { fprintf(stderr, "fuzz_bus: %llu operations\n", g_ops); }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    g_trace = getenv("FUZZ_TRACE") != NULL;
    memset(g_long_str, 'x', sizeof g_long_str - 1u);
    modesp_port_posix_set_clock(fake_clock);
    atexit(print_ops);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)modesp_bus_init(&g_bus);
    memset(g_ev, 0, sizeof g_ev);
    memset(g_sub, 0, sizeof g_sub);
    memset(g_qn, 0, sizeof g_qn);
    memset(&g_exp, 0, sizeof g_exp);
    g_seq = g_reserve_in_use = g_nheld = 0;
    g_paused = false;
    g_current = -1;
    const uint8_t *const input = data;
    const size_t n = size;
    g_in = input;
    g_n = n;
    g_i = 0;
    unsigned steps = 0;
    while (g_i < g_n && steps++ < 2000u) {
        const uint8_t op = u8();
        g_ops++;
        switch (op % 16u) {
        case 0:
        case 1:
        case 2:
            op_subscribe();
            break;
        case 3:
            op_unsubscribe();
            break;
        case 4:
        case 5:
        case 6:
        case 7:
            op_publish(false);
            break;
        case 8:
        case 9:
            op_publish(true);
            break;
        case 10:
        case 11:
            op_process();
            break;
        case 12:
            op_release();
            break;
        case 13:
            op_clear();
            break;
        case 14:
            g_paused = (op & 0x10u) != 0u;
            EXPECT_EQ("pause/resume", ESP_OK, g_paused ? modesp_bus_pause(&g_bus) : modesp_bus_resume(&g_bus));
            break;
        default: {
            /* the public matcher against the model's, on names built the same way */
            char pattern[96], topic[96];
            gen_name(pattern, sizeof pattern);
            gen_name(topic, sizeof topic);
            const bool want =
                (pattern[0] == '\0' || m_valid(pattern, true)) && m_valid(topic, false) && m_match(pattern, topic);
            EXPECT_EQ("topic_matches", want, modesp_bus_topic_matches(pattern, topic));
            EXPECT_EQ("topic_validate", m_valid(topic, false) ? ESP_OK : MODESP_ERR_BAD_TOPIC,
                      modesp_bus_topic_validate(topic));
            break;
        }
        }
        check_stats("after an operation");
    }
    end_input();
    return 0;
}
