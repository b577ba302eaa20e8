/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pooled event bus across threads (modesp/pooled_event_bus.h, issue 15):
 * an ISR publish waking a task blocked in modesp_bus_wait, a thread marked as
 * an interrupt publishing while the test thread processes, and the 2-thread
 * stress with no event lost, duplicated, reordered or leaked. Split from
 * test_event_bus.c so CTest labels it "concurrency": `make test` then also
 * runs it under ThreadSanitizer. Default 10^6 events (the figure, about
 * 3 s in a plain build); MODESP_STRESS_ALLOCS sets the count (under TSan a
 * fifth of it: an event costs some ten critical sections and clock reads, an
 * allocation one CAS, so `make test`'s TSAN_ALLOCS=250000 gives 5 x 10^4
 * events); MODESP_BUS_STRESS_EVENTS sets it exactly and overrides both.
 * Every test ends with the manager intact and empty.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "modesp/hooks.h" /* modesp_time_us */
#include "modesp/port_posix.h"
#include "modesp/pooled_event_bus.h"
#include "test_support.h"

static modesp_event_bus_t bus;
static modesp_pool_manager_t *s_pm;

static uint32_t nrec;

static void record(const modesp_event_t *ev, void *ctx)
{
    (void)ev;
    (void)ctx;
    nrec++;
}

static uint32_t total_in_use(void)
{
    modesp_pool_manager_stats_t st;
    assert_int_equal(modesp_pool_manager_get_stats(s_pm, &st), ESP_OK);
    uint32_t n = 0;
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        n += st.classes[c].in_use;
    }
    return n;
}

static int setup(void **state)
{
    (void)state;
    s_pm = modesp_get_pool_manager();
    nrec = 0;
    return modesp_bus_init(&bus) == ESP_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    modesp_port_posix_set_isr_context(false);
    assert_int_equal(modesp_bus_clear(&bus, NULL), ESP_OK);
    for (uint32_t i = 0; i < (uint32_t)CONFIG_EVENT_BUS_MAX_SUBSCRIBERS; i++) {
        if (bus.slots[i].active) {
            (void)modesp_bus_unsubscribe(&bus, ((uint32_t)bus.slots[i].gen << 8) | (i + 1u));
        }
    }
    assert_int_equal(modesp_bus_get_event_pool_stats(&bus).allocated_count, 0);
    assert_manager_clean();
    return 0;
}

/* ------------------------------------------------------------ threads */

static void *waiter(void *arg)
{
    esp_err_t *result = arg;
    *result = modesp_bus_wait(&bus, 10000);
    return NULL;
}

static void test_isr_publish_wakes_a_waiting_task(void **state)
{
    (void)state;
    modesp_bus_sub_t h;
    assert_int_equal(modesp_bus_subscribe(&bus, "", record, NULL, 0, MODESP_BUS_REJECT, &h), ESP_OK);
    /* nobody waits: not woken; an empty bus times out */
    bool woken = true;
    assert_int_equal(modesp_bus_wait(&bus, 0), ESP_ERR_TIMEOUT);
    uint64_t t0 = modesp_time_us();
    assert_int_equal(modesp_bus_wait(&bus, 20), ESP_ERR_TIMEOUT);
    assert_true(modesp_time_us() - t0 >= 20000u);

    esp_err_t result = ESP_FAIL;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, waiter, &result), 0);
    while (__atomic_load_n(&bus.waiters, __ATOMIC_ACQUIRE) == 0u) {
        sched_yield();
    }
    modesp_port_posix_set_isr_context(true);
    assert_int_equal(modesp_bus_wait(&bus, 0), ESP_ERR_INVALID_STATE); /* it blocks: not in an ISR */
    assert_int_equal(modesp_bus_publish_from_isr(&bus, "irq", MODESP_BUS_HIGH, &woken, MODESP_EV_I32("v", 1)), ESP_OK);
    modesp_port_posix_set_isr_context(false);
    assert_true(woken);
    t0 = modesp_time_us();
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(result, ESP_OK);
    assert_true(modesp_time_us() - t0 < 5000000u);      /* woken by the publish, not by its 10 s timeout */
    assert_int_equal(modesp_bus_wait(&bus, 0), ESP_OK); /* still queued */
    /* a refused event wakes nobody */
    woken = true;
    assert_int_equal(modesp_bus_publish_from_isr(&bus, "bad..t", MODESP_BUS_HIGH, &woken, MODESP_EV_I32("v", 1)),
                     MODESP_ERR_BAD_TOPIC);
    assert_false(woken);
    assert_int_equal(modesp_bus_process(&bus, UINT32_MAX, NULL), ESP_OK);
    assert_int_equal(nrec, 1);
}

/* The 10^6 by default (label "concurrency": a 900 s timeout; about 3 s per variant in a plain
 * build); MODESP_BUS_STRESS_EVENTS, else MODESP_STRESS_ALLOCS (TSan: TSAN_ALLOCS), changes it. */
static unsigned long g_events = 1000000ul;

typedef struct {
    unsigned long accepted;
    unsigned long refused;
    bool isr;
    int failed; /* atomic: the producer saw an unexpected error */
} producer_t;

static void *producer(void *arg)
{
    producer_t *p = arg;
    modesp_port_posix_set_isr_context(p->isr);
    for (unsigned long i = 0; i < g_events;) {
        bool woken = false;
        esp_err_t err =
            p->isr ? modesp_bus_publish_from_isr(&bus, "s.n", MODESP_BUS_NORMAL, &woken,
                                                 MODESP_EV_U32("seq", (uint32_t)i), MODESP_EV_BOOL("isr", true))
                   : modesp_bus_publish(&bus, "s.n", MODESP_BUS_NORMAL, MODESP_EV_U32("seq", (uint32_t)i),
                                        MODESP_EV_BOOL("isr", false));
        if (woken) {
            err = ESP_FAIL; /* nobody waits on the bus: never woken */
        }
        if (err == ESP_OK) {
            i++;
            p->accepted++;
        } else {
            if (err != MODESP_ERR_QUEUE_FULL && err != ESP_ERR_NO_MEM && err != MODESP_ERR_SUBSCRIBER_FULL) {
                print_error("publish: %s\n", modesp_err_to_name(err));
                __atomic_store_n(&p->failed, 1, __ATOMIC_RELAXED);
                return NULL;
            }
            p->refused++;
            sched_yield();
        }
    }
    return NULL;
}

static unsigned long g_next, g_errors;

static void sequence(const modesp_event_t *ev, void *ctx)
{
    (void)ctx;
    uint32_t seq = 0;
    if (modesp_event_get_u32(ev, "seq", &seq) != ESP_OK || seq != (uint32_t)g_next) {
        g_errors++; /* lost, duplicated or reordered */
    }
    g_next++;
}

static void run_producer_and_process(bool isr)
{
    modesp_bus_sub_t h;
    assert_int_equal(modesp_bus_subscribe(&bus, "s.*", sequence, NULL, 0, MODESP_BUS_REJECT, &h), ESP_OK);
    g_next = 0;
    g_errors = 0;
    producer_t p = {0, 0, isr, 0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, producer, &p), 0);
    while (g_next < g_events && __atomic_load_n(&p.failed, __ATOMIC_RELAXED) == 0) {
        uint32_t n = 0;
        assert_int_equal(modesp_bus_process(&bus, 10, &n), ESP_OK);
        if (n == 0u) {
            sched_yield();
        }
    }
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(p.failed, 0);
    assert_int_equal(p.accepted, g_events);
    assert_int_equal(g_next, g_events);
    assert_int_equal(g_errors, 0);
    modesp_bus_stats_t st;
    assert_int_equal(modesp_bus_get_stats(&bus, &st), ESP_OK);
    assert_int_equal(st.published, g_events);
    assert_int_equal(st.delivered, g_events);
    assert_int_equal(st.isr_published, isr ? g_events : 0u);
    assert_int_equal(st.dropped_queue_full + st.dropped_subscriber_full + st.dropped_no_block, p.refused);
    assert_int_equal(modesp_bus_get_event_pool_stats(&bus).allocated_count, 0);
    assert_int_equal(total_in_use(), 0);
    print_message("%lu events (%s), %lu refusals retried, queue high-water %u\n", g_events, isr ? "ISR" : "task",
                  p.refused, (unsigned)st.queue_high_water[MODESP_BUS_NORMAL]);
}

static void test_isr_thread_publishes_while_task_processes(void **state)
{
    (void)state;
    unsigned long saved = g_events;
    g_events = g_events / 10u > 1000u ? g_events / 10u : 1000u;
    run_producer_and_process(true);
    g_events = saved;
}

static void test_two_thread_stress_nothing_lost_or_leaked(void **state)
{
    (void)state;
    run_producer_and_process(false);
}

#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#ifndef UNDER_TSAN
#define UNDER_TSAN 0
#endif

int main(void)
{
    const char *exact = getenv("MODESP_BUS_STRESS_EVENTS");
    const char *allocs = getenv("MODESP_STRESS_ALLOCS");
    if (exact != NULL && strtoul(exact, NULL, 10) > 0) {
        g_events = strtoul(exact, NULL, 10);
    } else if (allocs != NULL && strtoul(allocs, NULL, 10) > 0) {
        g_events = strtoul(allocs, NULL, 10) / (UNDER_TSAN ? 5u : 1u);
        g_events = g_events > 1000u ? g_events : 1000u;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_isr_publish_wakes_a_waiting_task, setup, teardown),
        cmocka_unit_test_setup_teardown(test_isr_thread_publishes_while_task_processes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_thread_stress_nothing_lost_or_leaked, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
