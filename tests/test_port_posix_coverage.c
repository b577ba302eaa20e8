/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The POSIX port's wait queue when the system misbehaves (issue 18, coverage
 * of src/port/posix/port_posix.c), checked against src/port/port.h:
 *  - the OS refuses the condition variable (its attribute, its clock, or the
 *    variable itself): a wait returns early with ESP_OK ("look again"), never
 *    sleeps past the deadline, and a caller that looks again ends with
 *    ESP_ERR_TIMEOUT at the deadline; a signal still advances seq;
 *  - a timed wait that reports ETIMEDOUT after seq changed is ESP_OK (the
 *    signal won), and a spurious wake-up sleeps again until the deadline;
 *  - under a fake clock, a wait without deadline (UINT64_MAX) ends on a
 *    signal, and a deadline already behind the fake clock times out at once;
 *  - a log line with an unknown level is printed with "?".
 * The refusals come from this file's own pthread_condattr_init,
 * pthread_condattr_setclock, pthread_cond_init and pthread_cond_timedwait,
 * which the executable's link prefers to the C library's (the library is
 * linked statically into it); they forward to the real ones (dlsym
 * RTLD_NEXT) unless a test asks for a failure.
 */
#define _GNU_SOURCE /* RTLD_NEXT */

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "modesp/port_posix.h"
#include "port.h"
#include "test_support.h"

/* ------------------------------------------------ interposed pthread calls */

enum { REFUSE_NONE, REFUSE_ATTR, REFUSE_CLOCK, REFUSE_COND };
static int g_refuse;
static unsigned g_refusals;

enum { TW_REAL, TW_SIGNAL_THEN_TIMEOUT, TW_SPURIOUS_ONCE };
static int g_timedwait_mode;
static modesp_port_waitq_t *g_signal_q; /* TW_SIGNAL_THEN_TIMEOUT: the queue to signal */
static unsigned g_spurious;

static void *real_fn(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);
    if (f == NULL) {
        (void)fprintf(stderr, "dlsym(%s) failed\n", name);
        abort();
    }
    return f;
}

int pthread_condattr_init(pthread_condattr_t *attr)
{
    if (g_refuse == REFUSE_ATTR) {
        g_refusals++;
        return ENOMEM;
    }
    int (*real)(pthread_condattr_t *) = (int (*)(pthread_condattr_t *))real_fn("pthread_condattr_init");
    return real(attr);
}

int pthread_condattr_setclock(pthread_condattr_t *attr, clockid_t clock)
{
    if (g_refuse == REFUSE_CLOCK) {
        g_refusals++;
        return EINVAL;
    }
    int (*real)(pthread_condattr_t *, clockid_t) =
        (int (*)(pthread_condattr_t *, clockid_t))real_fn("pthread_condattr_setclock");
    return real(attr, clock);
}

int pthread_cond_init(pthread_cond_t *cond, const pthread_condattr_t *attr)
{
    if (g_refuse == REFUSE_COND) {
        g_refusals++;
        return EAGAIN;
    }
    int (*real)(pthread_cond_t *, const pthread_condattr_t *) =
        (int (*)(pthread_cond_t *, const pthread_condattr_t *))real_fn("pthread_cond_init");
    return real(cond, attr);
}

int pthread_cond_timedwait(pthread_cond_t *cond, pthread_mutex_t *mutex, const struct timespec *abstime)
{
    if (g_timedwait_mode == TW_SIGNAL_THEN_TIMEOUT) {
        /* A free signals just as the deadline passes: the wait's own timeout is reported, but seq moved. */
        g_timedwait_mode = TW_REAL;
        (void)pthread_mutex_unlock(mutex);
        modesp_port_waitq_signal(g_signal_q);
        (void)pthread_mutex_lock(mutex);
        return ETIMEDOUT;
    }
    if (g_timedwait_mode == TW_SPURIOUS_ONCE) {
        g_timedwait_mode = TW_REAL;
        g_spurious++;
        return 0; /* woken with nothing changed */
    }
    int (*real)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *) =
        (int (*)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *))real_fn("pthread_cond_timedwait");
    return real(cond, mutex, abstime);
}

/* ------------------------------------------------------------ helpers */

static uint64_t real_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* A caller as port.h describes it: on ESP_OK with seq unchanged, look again until the deadline. */
static esp_err_t wait_like_a_caller(modesp_port_waitq_t *q, uint32_t seen, uint64_t deadline, unsigned *early)
{
    for (;;) {
        const esp_err_t err = modesp_port_waitq_wait(q, seen, deadline);
        if (err != ESP_OK || modesp_port_waitq_seq(q) != seen) {
            return err;
        }
        ++*early;
        assert_true(*early < 100000u); /* an early return must still sleep a little */
    }
}

/* ------------------------------------------------------------- tests */

static void test_refused_condition_variable_polls_until_the_deadline(void **state)
{
    (void)state;
    for (int mode = REFUSE_ATTR; mode <= REFUSE_COND; mode++) {
        modesp_port_waitq_t q = MODESP_PORT_WAITQ_INITIALIZER;
        g_refuse = mode;
        g_refusals = 0;
        const uint32_t seen = modesp_port_waitq_seq(&q);
        const uint64_t start = modesp_port_time_us();
        const uint64_t deadline = start + 20000u;
        unsigned early = 0;
        assert_int_equal(wait_like_a_caller(&q, seen, deadline, &early), ESP_ERR_TIMEOUT);
        const uint64_t end = modesp_port_time_us();
        assert_true(end >= deadline); /* the timeout is not early */
        assert_true(early >= 1u);     /* it polled: slices of at most 1 ms */
        assert_true(g_refusals >= early);
        assert_false(q.ready);

        /* a deadline already passed: ESP_ERR_TIMEOUT at once */
        assert_int_equal(modesp_port_waitq_wait(&q, seen, modesp_port_time_us()), ESP_ERR_TIMEOUT);

        /* a signal on a queue nobody could sleep on still advances seq; the next wait returns at once */
        modesp_port_waitq_signal(&q);
        assert_int_equal(modesp_port_waitq_seq(&q), seen + 1u);
        assert_int_equal(modesp_port_waitq_wait(&q, seen, UINT64_MAX), ESP_OK);
        g_refuse = REFUSE_NONE;

        /* the OS gives the resources again: the queue becomes ready and a wait times out in one sleep */
        const uint64_t t0 = modesp_port_time_us();
        assert_int_equal(modesp_port_waitq_wait(&q, seen + 1u, t0 + 5000u), ESP_ERR_TIMEOUT);
        assert_true(q.ready);
        assert_true(modesp_port_time_us() >= t0 + 5000u);
        pthread_cond_destroy(&q.cond);
    }
}

static void test_timeout_that_races_a_signal_is_ok(void **state)
{
    (void)state;
    static modesp_port_waitq_t q = MODESP_PORT_WAITQ_INITIALIZER;
    const uint32_t seen = modesp_port_waitq_seq(&q);
    g_signal_q = &q;
    g_timedwait_mode = TW_SIGNAL_THEN_TIMEOUT;
    assert_int_equal(modesp_port_waitq_wait(&q, seen, modesp_port_time_us() + 1000000u), ESP_OK);
    assert_int_equal(g_timedwait_mode, TW_REAL); /* the interposed wait ran */
    assert_int_equal(modesp_port_waitq_seq(&q), seen + 1u);
}

static void test_spurious_wakeup_sleeps_again(void **state)
{
    (void)state;
    static modesp_port_waitq_t q = MODESP_PORT_WAITQ_INITIALIZER;
    const uint32_t seen = modesp_port_waitq_seq(&q);
    g_spurious = 0;
    g_timedwait_mode = TW_SPURIOUS_ONCE;
    const uint64_t deadline = modesp_port_time_us() + 20000u;
    assert_int_equal(modesp_port_waitq_wait(&q, seen, deadline), ESP_ERR_TIMEOUT);
    assert_int_equal(g_spurious, 1u);
    assert_true(modesp_port_time_us() >= deadline);
}

/* ------------------------------------------------ fake clock */

static uint64_t g_fake_us;
static uint64_t fake_clock(void) { return __atomic_load_n(&g_fake_us, __ATOMIC_RELAXED); }

static modesp_port_waitq_t g_fq = MODESP_PORT_WAITQ_INITIALIZER;

static void *signal_later(void *arg)
{
    (void)arg;
    const struct timespec ms10 = {0, 10000000L};
    nanosleep(&ms10, NULL);
    modesp_port_waitq_signal(&g_fq);
    return NULL;
}

static void test_fake_clock_without_deadline_and_with_a_passed_one(void **state)
{
    (void)state;
    g_fake_us = 5000000u;
    modesp_port_posix_set_clock(fake_clock);
    assert_int_equal(modesp_port_time_us(), 5000000u);

    /* UINT64_MAX: no deadline, the fake clock plays no part; a signal ends it */
    const uint32_t seen = modesp_port_waitq_seq(&g_fq);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, signal_later, NULL), 0);
    const uint64_t t0 = real_us();
    assert_int_equal(modesp_port_waitq_wait(&g_fq, seen, UINT64_MAX), ESP_OK);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_true(real_us() - t0 < 5000000u);
    assert_int_equal(modesp_port_waitq_seq(&g_fq), seen + 1u);

    /* a deadline behind the fake clock: no time left, ESP_ERR_TIMEOUT without sleeping a slice */
    assert_int_equal(modesp_port_waitq_wait(&g_fq, seen + 1u, 4000000u), ESP_ERR_TIMEOUT);
    modesp_port_posix_set_clock(NULL);
}

/* ------------------------------------------------ log */

static void log_line(modesp_log_level_t level, char *out, size_t size)
{
    (void)fflush(stderr);
    const int saved = dup(STDERR_FILENO);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
    modesp_port_log(level, "tag", "x=%d", 5);
    (void)fflush(stderr);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    (void)close(saved);
    rewind(tmp);
    const size_t n = fread(out, 1, size - 1u, tmp);
    out[n] = '\0';
    (void)fclose(tmp);
}

static void test_log_names_its_level_and_an_unknown_one(void **state)
{
    (void)state;
    char line[64];
    log_line(MODESP_LOG_ERROR, line, sizeof line);
    assert_string_equal(line, "E (tag) x=5\n");
    log_line(MODESP_LOG_DEBUG, line, sizeof line);
    assert_string_equal(line, "D (tag) x=5\n");
    log_line((modesp_log_level_t)9, line, sizeof line);
    assert_string_equal(line, "? (tag) x=5\n");
}

static int teardown(void **state)
{
    (void)state;
    g_refuse = REFUSE_NONE;
    g_timedwait_mode = TW_REAL;
    modesp_port_posix_set_clock(NULL);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_refused_condition_variable_polls_until_the_deadline, teardown),
        cmocka_unit_test_teardown(test_timeout_that_races_a_signal_is_ok, teardown),
        cmocka_unit_test_teardown(test_spurious_wakeup_sleeps_again, teardown),
        cmocka_unit_test_teardown(test_fake_clock_without_deadline_and_with_a_passed_one, teardown),
        cmocka_unit_test_teardown(test_log_names_its_level_and_an_unknown_one, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
