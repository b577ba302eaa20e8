/* SPDX-License-Identifier: Apache-2.0 */
/*
 * WAIT under a test's fake clock (modesp_port_posix_set_clock). The fake clock
 * need not follow CLOCK_MONOTONIC: a test or the demo may start it at 0, or
 * freeze it. A WAIT must then still last its timeout in real time when the
 * fake clock does not move (the POSIX port once read the fake deadline as a
 * CLOCK_MONOTONIC time, so with a fake clock behind the real one every WAIT
 * timed out at once), end early when the fake clock runs past the deadline,
 * and be served by a block freed while it sleeps.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, nanosleep */

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "test_support.h"

#include "modesp/port_posix.h"

static modesp_pool_manager_t *pm;
static uint64_t g_fake_us;

static uint64_t real_us(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t frozen_clock(void) { return __atomic_load_n(&g_fake_us, __ATOMIC_ACQUIRE); }

static void sleep_ms(unsigned ms)
{
    const struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)ms * 1000000L};
    (void)nanosleep(&ts, NULL);
}

#define TOP ((modesp_size_class_t)(MODESP_CLASS_COUNT - 1))

static size_t top_size(void) { return modesp_pool_block_size(modesp_pool_manager_get_pool(pm, TOP)); }

/* Fill the largest class (critical allocations take the class first), so a WAIT on it has to wait. */
static size_t fill_top(void **blocks, size_t max)
{
    const size_t cap = modesp_pool_capacity(modesp_pool_manager_get_pool(pm, TOP));
    assert_true(cap <= max);
    for (size_t i = 0; i < cap; i++) {
        blocks[i] = modesp_pool_manager_allocate_critical(pm, top_size());
        assert_non_null(blocks[i]);
    }
    return cap;
}

static void free_all(void **blocks, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(modesp_pool_manager_free(pm, blocks[i]), ESP_OK);
    }
}

static void *blocks[1024];

static void test_frozen_clock_behind_real_waits_its_timeout(void **state)
{
    (void)state;
    const size_t n = fill_top(blocks, 1024);
    __atomic_store_n(&g_fake_us, 1000u, __ATOMIC_RELEASE); /* far behind CLOCK_MONOTONIC */
    modesp_port_posix_set_clock(frozen_clock);
    void *p = NULL;
    const uint64_t t0 = real_us();
    const esp_err_t err = modesp_pool_manager_allocate_ex(pm, top_size(), MODESP_ALLOC_WAIT, 30, &p);
    const uint64_t took = real_us() - t0;
    modesp_port_posix_set_clock(NULL);
    assert_int_equal(err, ESP_ERR_TIMEOUT);
    assert_null(p);
    assert_true(took >= 25000u); /* it slept (about 30 ms), it did not time out at once */
    assert_true(took < 5000000u);
    free_all(blocks, n);
    assert_manager_clean();
}

static void *advance_fake_clock(void *arg)
{
    (void)arg;
    sleep_ms(5);
    __atomic_store_n(&g_fake_us, 1000u + 10u * 1000000u, __ATOMIC_RELEASE); /* 10 s later by the fake clock */
    return NULL;
}

static void test_fake_clock_past_deadline_ends_the_wait(void **state)
{
    (void)state;
    const size_t n = fill_top(blocks, 1024);
    __atomic_store_n(&g_fake_us, 1000u, __ATOMIC_RELEASE);
    modesp_port_posix_set_clock(frozen_clock);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, advance_fake_clock, NULL), 0);
    void *p = NULL;
    const uint64_t t0 = real_us();
    const esp_err_t err = modesp_pool_manager_allocate_ex(pm, top_size(), MODESP_ALLOC_WAIT, 5000, &p);
    const uint64_t took = real_us() - t0;
    assert_int_equal(pthread_join(t, NULL), 0);
    modesp_port_posix_set_clock(NULL);
    assert_int_equal(err, ESP_ERR_TIMEOUT);
    assert_true(took < 2000000u); /* ended by the fake clock, well before the 5 s of real time */
    free_all(blocks, n);
    assert_manager_clean();
}

static void *free_one_later(void *arg)
{
    sleep_ms(5);
    assert_int_equal(modesp_pool_manager_free(pm, arg), ESP_OK);
    return NULL;
}

static void test_block_freed_while_waiting_is_served(void **state)
{
    (void)state;
    const size_t n = fill_top(blocks, 1024);
    __atomic_store_n(&g_fake_us, 1000u, __ATOMIC_RELEASE);
    modesp_port_posix_set_clock(frozen_clock);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, free_one_later, blocks[n - 1]), 0);
    void *p = NULL;
    const esp_err_t err = modesp_pool_manager_allocate_ex(pm, top_size(), MODESP_ALLOC_WAIT, 5000, &p);
    assert_int_equal(pthread_join(t, NULL), 0);
    modesp_port_posix_set_clock(NULL);
    assert_int_equal(err, ESP_OK);
    assert_non_null(p);
    blocks[n - 1] = p;
    free_all(blocks, n);
    assert_manager_clean();
}

int main(void)
{
    pm = modesp_get_pool_manager();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frozen_clock_behind_real_waits_its_timeout),
        cmocka_unit_test(test_fake_clock_past_deadline_ends_the_wait),
        cmocka_unit_test(test_block_freed_while_waiting_is_served),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
