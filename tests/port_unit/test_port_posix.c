/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host unit test of the POSIX port's wait queue (src/port/posix), with real
 * threads: a queue that was never initialised by a call (static storage,
 * zero-filled, or MODESP_PORT_WAITQ_INITIALIZER) must time out on the
 * CLOCK_MONOTONIC deadlines the library passes, and wake its sleepers on a
 * signal. The first wait creates the condition variable; a zero-filled
 * pthread_cond_t would be valid on glibc but wait on CLOCK_REALTIME, where a
 * monotonic deadline lies decades in the past, so a queue that skipped the
 * creation times out at once and the timing checks below fail.
 *
 * Run with `make port-check` (tools/port_check.sh builds and runs it).
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "port.h"

#include "check.h"

#define MS 1000u /* microseconds */

/* Generous upper bounds: a loaded CI machine may be slow to run a woken thread, never early. */
#define LATE_US (3000u * MS)

static void sleep_us(uint64_t us)
{
    const struct timespec ts = {.tv_sec = (time_t)(us / 1000000u), .tv_nsec = (long)(us % 1000000u) * 1000};
    (void)nanosleep(&ts, NULL);
}

/* The constant initializer is what a zero-filled (.bss) queue holds: the manager may rely on either. */
static void test_initializer(void)
{
    static modesp_port_waitq_t zeroed;
    static modesp_port_waitq_t initialised = MODESP_PORT_WAITQ_INITIALIZER;
    CHECK(memcmp(&zeroed, &initialised, sizeof zeroed) == 0);
}

/* One thread, a zero-filled queue: signal before any wait, then timed waits. */
static void test_static_queue_timeout(void)
{
    static modesp_port_waitq_t q;
    CHECK(modesp_port_waitq_seq(&q) == 0u);
    modesp_port_waitq_signal(&q); /* nobody waits yet: only seq moves */
    CHECK(modesp_port_waitq_seq(&q) == 1u);
    CHECK(modesp_port_waitq_wait(&q, 0u, modesp_port_time_us() + LATE_US) == ESP_OK); /* seq already moved on */

    /* nobody signals: the wait ends at its monotonic deadline, not before and not much after */
    const uint64_t start = modesp_port_time_us();
    CHECK(modesp_port_waitq_wait(&q, 1u, start + 50u * MS) == ESP_ERR_TIMEOUT);
    const uint64_t waited = modesp_port_time_us() - start;
    CHECK(waited >= 50u * MS && waited < LATE_US);
    CHECK(modesp_port_waitq_seq(&q) == 1u);

    /* a deadline already passed */
    CHECK(modesp_port_waitq_wait(&q, 1u, 1u) == ESP_ERR_TIMEOUT);
}

typedef struct {
    modesp_port_waitq_t *q;
    uint32_t seen;
    uint64_t deadline;
    esp_err_t result;
    uint64_t ended;
} waiter_t;

static void *waiter_main(void *arg)
{
    waiter_t *w = arg;
    w->result = modesp_port_waitq_wait(w->q, w->seen, w->deadline);
    w->ended = modesp_port_time_us();
    return NULL;
}

/*
 * Sleepers on a queue nobody initialised (the first of them creates the
 * condition variable) all wake on one signal, long before their deadline;
 * one of them waits without a deadline.
 */
static void run_sleepers(modesp_port_waitq_t *q)
{
    enum { N = 3 };
    waiter_t w[N];
    pthread_t th[N];
    const uint32_t seen = modesp_port_waitq_seq(q);
    const uint64_t start = modesp_port_time_us();
    for (int i = 0; i < N; i++) {
        w[i] = (waiter_t){.q = q, .seen = seen, .deadline = (i == 0) ? UINT64_MAX : start + 10u * LATE_US};
        CHECK(pthread_create(&th[i], NULL, waiter_main, &w[i]) == 0);
    }
    sleep_us(100u * MS); /* let them go to sleep (a signal before that is also fine: seq tells them) */
    const uint64_t signalled = modesp_port_time_us();
    modesp_port_waitq_signal(q);
    for (int i = 0; i < N; i++) {
        CHECK(pthread_join(th[i], NULL) == 0);
        CHECK(w[i].result == ESP_OK);
        CHECK(w[i].ended - signalled < LATE_US); /* woken, not timed out */
    }
    CHECK(modesp_port_waitq_seq(q) == seen + 1u);
}

static void test_signal_wakes(void)
{
    static modesp_port_waitq_t zeroed;
    static modesp_port_waitq_t initialised = MODESP_PORT_WAITQ_INITIALIZER;
    run_sleepers(&zeroed);
    run_sleepers(&zeroed); /* again, now that the condition variable exists */
    run_sleepers(&initialised);
}

int main(void)
{
    test_initializer();
    test_static_queue_timeout();
    test_signal_wakes();
    printf("port unit test (POSIX port wait queue): %s, %u failed checks\n", s_failures == 0u ? "PASS" : "FAIL",
           s_failures);
    return s_failures == 0u ? 0 : 1;
}
