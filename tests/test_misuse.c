/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Misuse a new user makes, and counters a report reads: each is refused with
 * its own code, counted, and leaves every pool intact.
 *  - the pool API on the manager's own pools (both directions);
 *  - a bad tag or size on the pool API; a pool over storage whose size
 *    product does not fit;
 *  - the same pressure callback registered twice;
 *  - failed requests as callers see them versus times a class was empty;
 *  - when pressure changes made in an ISR are delivered, and HEAP_FALLBACK
 *    from an ISR.
 */
#define _POSIX_C_SOURCE 200809L
#include <string.h>
#include <time.h>

#include "manager_fixture.h" /* pm, setup, teardown */

/* The very first use of the manager in this process is made from "ISR"
 * context: it needs no initialisation (the old first-use path made a second
 * caller spin while the first initialiser was preempted). Runs first. */
static void test_first_use_from_isr_needs_no_init(void **state)
{
    (void)state;
    modesp_port_posix_set_isr_context(true);
    modesp_pool_manager_t *first = modesp_get_pool_manager();
    assert_non_null(first);
    pm = first; /* for the teardown */
    void *p = modesp_pool_manager_allocate(first, 8);
    assert_non_null(p);
    assert_int_equal(modesp_pool_manager_free(first, p), ESP_OK);
    modesp_pool_manager_stats_t st;
    assert_int_equal(modesp_pool_manager_get_stats(first, &st), ESP_OK);
    assert_true(st.total_bytes > 0u); /* thresholds and totals are there from the start */
    assert_int_equal(st.level, MODESP_PRESSURE_NORMAL);
    modesp_port_posix_set_isr_context(false);
    assert_ptr_equal(modesp_get_pool_manager(), first);
}

/* The manager's pools, writable: what a user gets by casting away const. */
static modesp_pool_t *class_pool(modesp_size_class_t c) { return (modesp_pool_t *)modesp_pool_manager_get_pool(pm, c); }

static void test_pool_api_refuses_manager_pools(void **state)
{
    (void)state;
    modesp_pool_t *tiny = class_pool(MODESP_CLASS_TINY);

    /* pool API allocate from a class pool: refused, counted, nothing taken */
    assert_null(modesp_pool_allocate(tiny));
    assert_null(modesp_pool_allocate_tagged(tiny, 1));
    assert_null(modesp_pool_new(tiny, uint32_t));
    assert_int_equal(modesp_pool_in_use(tiny), 0);

    /* a manager block freed with the pool API: refused, still allocated */
    void *b = modesp_pool_manager_allocate(pm, 8);
    assert_non_null(b);
    assert_int_equal(modesp_pool_deallocate(tiny, b), MODESP_ERR_MANAGED_POOL);
    assert_int_equal(modesp_pool_in_use(tiny), 1);
    assert_int_equal(modesp_pool_manager_get_overall_utilization(pm) <= 100, 1);

    modesp_pool_stats_t st;
    assert_int_equal(modesp_pool_get_stats(tiny, &st), ESP_OK);
    assert_stat(st.wrong_api, 4);
    assert_stat(st.alloc_failures, 0);
    assert_stat(st.double_frees, 0);

    /* the manager's own path still works and its byte count is right */
    assert_int_equal(modesp_pool_manager_free(pm, b), ESP_OK);
    int bad = 0;
    assert_int_equal(modesp_pool_manager_check_integrity(pm, &bad, NULL), ESP_OK);

    const modesp_pool_t *reserve = modesp_pool_manager_get_reserve_pool(pm);
    if (reserve != NULL) {
        assert_null(modesp_pool_allocate((modesp_pool_t *)reserve));
        assert_int_equal(modesp_pool_in_use(reserve), 0);
    }
}

MODESP_POOL_DEFINE_STATIC(small_user_pool, 24, 4);

static void test_pool_bad_arguments(void **state)
{
    (void)state;
    /* a tag that does not fit the metadata is refused, not truncated */
    assert_null(modesp_pool_allocate_tagged(&small_user_pool, 32));
    assert_null(modesp_pool_allocate_tagged(&small_user_pool, 255));
    void *t = modesp_pool_allocate_tagged(&small_user_pool, 31);
    assert_non_null(t);
    assert_int_equal(modesp_pool_block_tag(&small_user_pool, t), 31);
    /* a zeroed allocation larger than a block */
    assert_null(modesp_pool_allocate_zeroed_(&small_user_pool, 25, NULL, 0));

    modesp_pool_stats_t st;
    assert_int_equal(modesp_pool_get_stats(&small_user_pool, &st), ESP_OK);
    assert_stat(st.invalid_requests, 3);
    assert_stat(st.alloc_failures, 0);
    assert_int_equal(st.in_use, 1);
    assert_int_equal(modesp_pool_deallocate(&small_user_pool, t), ESP_OK);
    assert_pool_intact(&small_user_pool);

    /* storage size: the product is computed in 64 bits (a 32-bit size_t wraps 1 MiB x 4096 to 0) */
    static _Alignas(MODESP_POOL_ALIGN) uint8_t storage[64];
    static uint32_t meta[4];
    modesp_pool_t p;
    assert_int_equal(modesp_pool_init(&p, "wrap", storage, (size_t)0, meta, 0x100000u, 4096u), ESP_ERR_INVALID_SIZE);
    assert_int_equal(modesp_pool_init(&p, "small", storage, sizeof storage, meta, 0x100000u, 4096u),
                     ESP_ERR_INVALID_SIZE);
    assert_int_equal(modesp_pool_init(NULL, "null", storage, sizeof storage, meta, 16u, 4u), ESP_ERR_INVALID_ARG);
}

#if MODESP_PRESSURE_CALLBACKS_ENABLED /* compiled out in the minimal profile (test_manager checks the refusal) */
static void noop_cb(modesp_pressure_level_t from, modesp_pressure_level_t to, uint8_t util, void *ctx)
{
    (void)from;
    (void)to;
    (void)util;
    (*(int *)ctx)++;
}

static void test_callback_registered_twice(void **state)
{
    (void)state;
    int calls = 0;
    int other = 0;
    assert_int_equal(modesp_pool_manager_register_pressure_callback(pm, noop_cb, &calls), ESP_OK);
    assert_int_equal(modesp_pool_manager_register_pressure_callback(pm, noop_cb, &calls),
                     MODESP_ERR_ALREADY_REGISTERED);
    assert_int_equal(modesp_pool_manager_register_pressure_callback(pm, noop_cb, &other), ESP_OK); /* other ctx */
    assert_int_equal(modesp_pool_manager_set_pressure_thresholds(pm, 1, 100, 1), ESP_OK);
    void *p = modesp_pool_manager_allocate(pm, CONFIG_MEMORY_POOL_XLARGE_SIZE);
    assert_non_null(p);
    assert_int_equal(calls, 1); /* once per change, not twice */
    assert_int_equal(other, 1);
    assert_int_equal(modesp_pool_manager_free(pm, p), ESP_OK);
    assert_int_equal(calls, 2);
    assert_int_equal(modesp_pool_manager_unregister_pressure_callback(pm, noop_cb, &calls), ESP_OK);
    assert_int_equal(modesp_pool_manager_unregister_pressure_callback(pm, noop_cb, &other), ESP_OK);
    assert_int_equal(modesp_pool_manager_unregister_pressure_callback(pm, noop_cb, &calls), ESP_ERR_NOT_FOUND);
}
#endif

#define MAX_TINY 4096
static void *g_tiny[MAX_TINY];

static size_t exhaust_tiny(void)
{
    size_t n = 0;
    void *p;
    while (n < MAX_TINY && modesp_pool_manager_allocate_ex(pm, 1, MODESP_ALLOC_STRICT, 0, &p) == ESP_OK) {
        g_tiny[n++] = p;
    }
    return n;
}

static void release_tiny(size_t n)
{
    while (n > 0) {
        assert_int_equal(modesp_pool_manager_free(pm, g_tiny[--n]), ESP_OK);
    }
}

#if !defined(CONFIG_MEMORY_POOL_MINIMAL_STATS) && MODESP_WAIT_ENABLED /* the counters and WAIT it checks */
/* alloc_failures: requests that failed as their caller saw them; exhausted: attempts that found the class empty. */
static void test_failed_requests_and_exhaustion_are_counted_apart(void **state)
{
    (void)state;
    const size_t n = exhaust_tiny();
    assert_int_equal(n, CONFIG_MEMORY_POOL_TINY_COUNT);
    const modesp_pool_t *tiny = modesp_pool_manager_get_pool(pm, MODESP_CLASS_TINY);
    modesp_pool_stats_t before, after;
    assert_int_equal(modesp_pool_get_stats(tiny, &before), ESP_OK);
    assert_int_equal(before.alloc_failures, 1); /* the request that ended the loop */
    assert_int_equal(before.exhausted, 1);

    /* a SPILL served by the next class: the caller saw success */
    void *s = NULL;
    assert_int_equal(modesp_pool_manager_allocate_ex(pm, 1, MODESP_ALLOC_SPILL, 0, &s), ESP_OK);
    assert_int_equal(modesp_pool_get_stats(tiny, &after), ESP_OK);
    assert_int_equal(after.alloc_failures, before.alloc_failures);
    assert_int_equal(after.exhausted, before.exhausted + 1u);

    /* a WAIT that times out: one failed request, however often it looked */
    void *w = NULL;
    assert_int_equal(modesp_pool_manager_allocate_ex(pm, 1, MODESP_ALLOC_WAIT, 20, &w), ESP_ERR_TIMEOUT);
    modesp_pool_stats_t waited;
    assert_int_equal(modesp_pool_get_stats(tiny, &waited), ESP_OK);
    assert_int_equal(waited.alloc_failures, after.alloc_failures + 1u);
    assert_true(waited.exhausted >= after.exhausted + 2u);

    /* a critical allocation served by the reserve did not fail either */
    const modesp_pool_t *reserve = modesp_pool_manager_get_reserve_pool(pm);
    if (reserve != NULL) {
        void *c = modesp_pool_manager_allocate_critical(pm, 1);
        assert_non_null(c);
        modesp_pool_stats_t crit;
        assert_int_equal(modesp_pool_get_stats(tiny, &crit), ESP_OK);
        assert_int_equal(crit.alloc_failures, waited.alloc_failures);
        assert_int_equal(modesp_pool_manager_free(pm, c), ESP_OK);
    }
    assert_int_equal(modesp_pool_manager_free(pm, s), ESP_OK);
    release_tiny(n);
}
#endif

#if MODESP_PRESSURE_CALLBACKS_ENABLED
static int g_changes;

static void count_change(modesp_pressure_level_t from, modesp_pressure_level_t to, uint8_t util, void *ctx)
{
    (void)from;
    (void)to;
    (void)util;
    (void)ctx;
    g_changes++;
}

/* A change made in an ISR is delivered by the next allocate or free from a
 * task, whatever that call's result. */
static void test_isr_change_delivered_by_any_task_call(void **state)
{
    (void)state;
    g_changes = 0;
    assert_int_equal(modesp_pool_manager_register_pressure_callback(pm, count_change, NULL), ESP_OK);
    assert_int_equal(modesp_pool_manager_set_pressure_thresholds(pm, 1, 100, 1), ESP_OK);

    modesp_port_posix_set_isr_context(true);
    void *p = modesp_pool_manager_allocate(pm, CONFIG_MEMORY_POOL_XLARGE_SIZE);
    assert_non_null(p);
    modesp_port_posix_set_isr_context(false);
    assert_int_equal(g_changes, 0);
    void *none = NULL;
    assert_int_equal(modesp_pool_manager_allocate_ex(pm, 0, MODESP_ALLOC_STRICT, 0, &none), MODESP_ERR_ZERO_SIZE);
    assert_int_equal(g_changes, 1); /* delivered by a failed allocation */

    modesp_port_posix_set_isr_context(true);
    assert_int_equal(modesp_pool_manager_free(pm, p), ESP_OK);
    modesp_port_posix_set_isr_context(false);
    assert_int_equal(g_changes, 1);
    assert_int_equal(modesp_pool_manager_free(pm, NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(g_changes, 2); /* delivered by a failed free */

    assert_int_equal(modesp_pool_manager_unregister_pressure_callback(pm, count_change, NULL), ESP_OK);
}
#endif

/* HEAP_FALLBACK from an ISR serves the class like STRICT; only the heap step is refused. */
static void test_heap_fallback_in_isr_serves_the_class(void **state)
{
    (void)state;
    void *p = NULL;
    modesp_port_posix_set_isr_context(true);
    const esp_err_t err = modesp_pool_manager_allocate_ex(pm, 1, MODESP_ALLOC_HEAP_FALLBACK, 0, &p);
    modesp_port_posix_set_isr_context(false);
    if (!MODESP_HEAP_FALLBACK_ENABLED) {
        assert_int_equal(err, ESP_ERR_NOT_SUPPORTED);
        assert_null(p);
        return;
    }
    assert_int_equal(err, ESP_OK);
    assert_non_null(p);
    const size_t n = exhaust_tiny();
    void *q = NULL;
    modesp_port_posix_set_isr_context(true);
    assert_int_equal(modesp_pool_manager_allocate_ex(pm, 1, MODESP_ALLOC_HEAP_FALLBACK, 0, &q), ESP_ERR_INVALID_STATE);
    modesp_port_posix_set_isr_context(false);
    assert_null(q);
    release_tiny(n);
    assert_int_equal(modesp_pool_manager_free(pm, p), ESP_OK);
}

#if MODESP_WAIT_ENABLED /* WAIT compiled out in the minimal profile */
static uint64_t real_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

static uint64_t an_hour_ahead(void) { return real_us() + 3600u * 1000000u; }

/* A test's fake clock far ahead of the real one must not stretch a short WAIT
 * (the POSIX port sleeps on the real clock for what is left of the deadline). */
static void test_wait_under_a_fake_clock_ends_on_time(void **state)
{
    (void)state;
    const size_t n = exhaust_tiny();
    modesp_port_posix_set_clock(an_hour_ahead);
    const uint64_t t0 = real_us();
    void *p = NULL;
    const esp_err_t err = modesp_pool_manager_allocate_ex(pm, 1, MODESP_ALLOC_WAIT, 20, &p);
    const uint64_t waited = real_us() - t0;
    modesp_port_posix_set_clock(NULL);
    assert_int_equal(err, ESP_ERR_TIMEOUT);
    assert_true(waited < 2000000u);
    release_tiny(n);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_first_use_from_isr_needs_no_init, NULL, teardown),
        cmocka_unit_test_setup_teardown(test_pool_api_refuses_manager_pools, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pool_bad_arguments, setup, teardown),
#if MODESP_PRESSURE_CALLBACKS_ENABLED
        cmocka_unit_test_setup_teardown(test_callback_registered_twice, setup, teardown),
#endif
#if !defined(CONFIG_MEMORY_POOL_MINIMAL_STATS) && MODESP_WAIT_ENABLED
        cmocka_unit_test_setup_teardown(test_failed_requests_and_exhaustion_are_counted_apart, setup, teardown),
#endif
#if MODESP_PRESSURE_CALLBACKS_ENABLED
        cmocka_unit_test_setup_teardown(test_isr_change_delivered_by_any_task_call, setup, teardown),
#endif
        cmocka_unit_test_setup_teardown(test_heap_fallback_in_isr_serves_the_class, setup, teardown),
#if MODESP_WAIT_ENABLED
        cmocka_unit_test_setup_teardown(test_wait_under_a_fake_clock_ends_on_time, setup, teardown),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
