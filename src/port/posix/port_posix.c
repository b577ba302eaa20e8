/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POSIX port: the host build (Linux, macOS). Threads stand in for tasks and
 * cores; "ISR context" is a per-thread flag tests can set to check that
 * blocking calls are refused from interrupts.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "modesp/port_posix.h"
#include "port.h"

static _Thread_local bool s_in_isr;
static pthread_mutex_t s_critical = PTHREAD_MUTEX_INITIALIZER;

static uint64_t (*s_clock)(void); /* a test's fake clock, or NULL */

void modesp_port_posix_set_clock(uint64_t (*clock)(void)) { __atomic_store_n(&s_clock, clock, __ATOMIC_RELEASE); }

static uint64_t monotonic_us(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t modesp_port_time_us(void)
{
    uint64_t (*fake)(void) = __atomic_load_n(&s_clock, __ATOMIC_ACQUIRE);
    if (fake != NULL) {
        return fake();
    }
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

bool modesp_port_in_isr(void) { return s_in_isr; }

void modesp_port_posix_set_isr_context(bool in_isr) { s_in_isr = in_isr; }

uint32_t modesp_port_critical_enter(void)
{
    (void)pthread_mutex_lock(&s_critical);
    return 0u;
}

void modesp_port_critical_exit(uint32_t state)
{
    (void)state;
    (void)pthread_mutex_unlock(&s_critical);
}

/*
 * Wait queues. One statically initialised mutex guards them all
 * (port_types.h says why it is not per queue): it is held for a few
 * instructions and released while a waiter sleeps, so the classes hardly
 * contend. A queue's condition variable is created by its first wait, under
 * the mutex; a signal broadcasts only once it exists, and that loses no
 * wake-up: a waiter sleeps on it only after creating it, under the same
 * mutex, so before it exists nobody sleeps.
 */
static pthread_mutex_t s_waitq_lock = PTHREAD_MUTEX_INITIALIZER;

/* Under s_waitq_lock: create q's condition variable on CLOCK_MONOTONIC if not done yet. False if refused. */
static bool waitq_make_ready(modesp_port_waitq_t *q)
{
    if (q->ready) {
        return true;
    }
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0) {
        return false;
    }
    /* The deadlines are modesp_port_time_us() values, i.e. CLOCK_MONOTONIC. */
    q->ready = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 && pthread_cond_init(&q->cond, &attr) == 0;
    (void)pthread_condattr_destroy(&attr);
    return q->ready;
}

/*
 * No condition variable (the system refused the resources; glibc never
 * does): sleep a millisecond at most and let the caller look again.
 */
static esp_err_t waitq_poll(uint64_t deadline_us)
{
    const uint64_t now = modesp_port_time_us();
    if (now >= deadline_us) {
        return ESP_ERR_TIMEOUT;
    }
    const uint64_t left = deadline_us - now;
    const struct timespec nap = {.tv_sec = 0, .tv_nsec = (long)((left < 1000u ? left : 1000u) * 1000u)};
    (void)nanosleep(&nap, NULL);
    return ESP_OK; /* early return: port.h allows it, the caller re-checks */
}

uint32_t modesp_port_waitq_seq(modesp_port_waitq_t *q)
{
    (void)pthread_mutex_lock(&s_waitq_lock);
    const uint32_t seq = q->seq;
    (void)pthread_mutex_unlock(&s_waitq_lock);
    return seq;
}

/*
 * Without a fake clock the deadline is a CLOCK_MONOTONIC time: one timed wait.
 * With a test's fake clock it is a fake-clock time, which says nothing about
 * CLOCK_MONOTONIC (the fake clock may start at 0, run ahead, stall or jump).
 * The wait then sleeps in slices of at most WAIT_SLICE_US and counts time
 * passed as the larger of the real slice slept and the fake clock's forward
 * step: it ends when either clock says the time left at the start is used up.
 * A backward step of the fake clock counts as no time passing, so a clock
 * that jumps back cannot stretch a short WAIT, and one that jumps ahead ends
 * it at the next slice.
 */
#define WAIT_SLICE_US 1000u

static struct timespec monotonic_plus(uint64_t us)
{
    const uint64_t at = monotonic_us() + us;
    struct timespec ts;
    ts.tv_sec = (time_t)(at / 1000000u);
    ts.tv_nsec = (long)((at % 1000000u) * 1000u);
    return ts;
}

/* Under s_waitq_lock, q ready, fake clock set: see above. */
static esp_err_t waitq_wait_fake_clock(modesp_port_waitq_t *q, uint32_t seen_seq, uint64_t deadline_us)
{
    uint64_t fake_prev = modesp_port_time_us();
    uint64_t left = deadline_us > fake_prev ? deadline_us - fake_prev : 0u;
    while (q->seq == seen_seq) {
        if (left == 0u) {
            return ESP_ERR_TIMEOUT;
        }
        const uint64_t slice = left < WAIT_SLICE_US ? left : WAIT_SLICE_US;
        const uint64_t real_before = monotonic_us();
        const struct timespec ts = monotonic_plus(slice);
        (void)pthread_cond_timedwait(&q->cond, &s_waitq_lock, &ts);
        const uint64_t real_now = monotonic_us();
        const uint64_t fake_now = modesp_port_time_us();
        const uint64_t real_step = real_now - real_before;
        const uint64_t fake_step = fake_now > fake_prev ? fake_now - fake_prev : 0u; /* backward: none */
        fake_prev = fake_now;
        const uint64_t step = real_step > fake_step ? real_step : fake_step;
        left = step >= left ? 0u : left - step;
    }
    return ESP_OK;
}

esp_err_t modesp_port_waitq_wait(modesp_port_waitq_t *q, uint32_t seen_seq, uint64_t deadline_us)
{
    const bool fake = __atomic_load_n(&s_clock, __ATOMIC_ACQUIRE) != NULL && deadline_us != UINT64_MAX;
    struct timespec ts;
    ts.tv_sec = (time_t)(deadline_us / 1000000u);
    ts.tv_nsec = (long)((deadline_us % 1000000u) * 1000u);
    esp_err_t result = ESP_OK;
    (void)pthread_mutex_lock(&s_waitq_lock);
    if (q->seq != seen_seq) {
        (void)pthread_mutex_unlock(&s_waitq_lock);
        return ESP_OK;
    }
    if (!waitq_make_ready(q)) {
        (void)pthread_mutex_unlock(&s_waitq_lock);
        return waitq_poll(deadline_us);
    }
    if (fake) {
        result = waitq_wait_fake_clock(q, seen_seq, deadline_us);
    } else {
        while (q->seq == seen_seq) {
            /* a wake-up that leaves seq unchanged is spurious: the loop sleeps again */
            if (pthread_cond_timedwait(&q->cond, &s_waitq_lock, &ts) == ETIMEDOUT) {
                result = (q->seq == seen_seq) ? ESP_ERR_TIMEOUT : ESP_OK;
                break;
            }
        }
    }
    (void)pthread_mutex_unlock(&s_waitq_lock);
    return result;
}

void modesp_port_waitq_signal(modesp_port_waitq_t *q)
{
    (void)pthread_mutex_lock(&s_waitq_lock);
    q->seq++;
    if (q->ready) { /* else nobody sleeps on q: see above */
        (void)pthread_cond_broadcast(&q->cond);
    }
    (void)pthread_mutex_unlock(&s_waitq_lock);
}

void modesp_port_log(modesp_log_level_t level, const char *tag, const char *fmt, ...)
{
    static const char *const names[] = {"?", "E", "W", "I", "D"};
    const char *name = ((unsigned)level < sizeof names / sizeof names[0]) ? names[level] : "?";
    (void)fprintf(stderr, "%s (%s) ", name, tag);
    va_list ap;
    va_start(ap, fmt);
    /* va_start above initialises ap; clang-analyzer 14 misreads the branch before it */
    (void)vfprintf(stderr, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
    va_end(ap);
    (void)fputc('\n', stderr);
}

void *modesp_port_heap_alloc(size_t size) { return malloc(size); }

void modesp_port_heap_free(void *ptr) { free(ptr); }
