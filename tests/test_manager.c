/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pool manager: size classes, every bad input, strategies (STRICT, SPILL,
 * HEAP_FALLBACK, WAIT), emergency reserve, utilization and pressure levels,
 * pooled objects. Every test ends with the manager intact and empty.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "modesp/port_posix.h"
#include "port.h" /* private: modesp_port_in_isr, to check callbacks never run in an ISR */
#include "test_support.h"

static const size_t k_size[MODESP_CLASS_COUNT] = {CONFIG_MEMORY_POOL_TINY_SIZE, CONFIG_MEMORY_POOL_SMALL_SIZE,
                                                  CONFIG_MEMORY_POOL_MEDIUM_SIZE, CONFIG_MEMORY_POOL_LARGE_SIZE,
                                                  CONFIG_MEMORY_POOL_XLARGE_SIZE};
static const size_t k_count[MODESP_CLASS_COUNT] = {CONFIG_MEMORY_POOL_TINY_COUNT, CONFIG_MEMORY_POOL_SMALL_COUNT,
                                                   CONFIG_MEMORY_POOL_MEDIUM_COUNT, CONFIG_MEMORY_POOL_LARGE_COUNT,
                                                   CONFIG_MEMORY_POOL_XLARGE_COUNT};

/* The minimal profile (Kconfig MEMORY_POOL_MINIMAL_STATS) compiles the misuse and strategy counters out:
 * they read 0 there, so their checks apply only where they are kept. */
#ifdef CONFIG_MEMORY_POOL_MINIMAL_STATS
#define assert_counter(value, expected) ((void)(value), (void)(expected))
#else
#define assert_counter(value, expected) assert_int_equal(value, expected)
#endif

#define MAX_HELD 70000
static void *held[MAX_HELD];
static size_t held_n;

static modesp_pool_manager_t *pm;

static int setup(void **state)
{
    (void)state;
    pm = modesp_get_pool_manager();
    held_n = 0;
    return modesp_pool_manager_reset_stats(pm) == ESP_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    while (held_n > 0) {
        if (modesp_pool_manager_free(pm, held[--held_n]) != ESP_OK) {
            return -1;
        }
    }
    modesp_port_posix_set_isr_context(false);
    (void)modesp_pool_manager_set_default_strategy(pm, MODESP_ALLOC_STRICT, 0);
    (void)modesp_pool_manager_set_pressure_thresholds(pm, CONFIG_MEMORY_POOL_WARNING_THRESHOLD,
                                                      CONFIG_MEMORY_POOL_CRITICAL_THRESHOLD,
                                                      CONFIG_MEMORY_POOL_RELEASE_THRESHOLD);
    assert_manager_clean();
    assert_int_equal(modesp_pool_manager_get_pressure_level(pm), MODESP_PRESSURE_NORMAL);
    return 0;
}

static void *hold(void *p)
{
    assert_non_null(p);
    assert_true(held_n < MAX_HELD);
    held[held_n++] = p;
    return p;
}

/* Allocate every block of a class with STRICT; returns how many there were. */
static size_t exhaust(modesp_size_class_t cls)
{
    size_t n = 0;
    void *p;
    while (modesp_pool_manager_allocate_ex(pm, k_size[cls], MODESP_ALLOC_STRICT, 0, &p) == ESP_OK) {
        hold(p);
        n++;
    }
    return n;
}

static void test_class_selection(void **state)
{
    (void)state;
    assert_int_equal(modesp_pool_manager_class_for_size(0), -1);
    assert_int_equal(modesp_pool_manager_class_for_size(1), MODESP_CLASS_TINY);
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        assert_int_equal(modesp_pool_manager_class_for_size(k_size[c]), c);
        assert_int_equal(modesp_pool_manager_class_for_size(k_size[c] + 1), c + 1 < MODESP_CLASS_COUNT ? c + 1 : -1);
    }
    assert_int_equal(modesp_pool_manager_class_for_size(SIZE_MAX), -1);
    assert_string_equal(modesp_size_class_name(MODESP_CLASS_MEDIUM), "MEDIUM");
    assert_string_equal(modesp_size_class_name((modesp_size_class_t)7), "?");
}

static void test_every_class_capacity(void **state)
{
    (void)state;
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        const modesp_pool_t *pool = modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c);
        assert_non_null(pool);
        assert_int_equal(modesp_pool_capacity(pool), k_count[c]);
        assert_int_equal(modesp_pool_block_size(pool), k_size[c]);
        const size_t first = held_n;
        assert_int_equal(exhaust((modesp_size_class_t)c), k_count[c]);
        for (size_t i = first; i < held_n; i++) {
            assert_true(modesp_pool_contains(pool, held[i])); /* served by its own class */
            memset(held[i], c, k_size[c]);
        }
        void *p = (void *)1;
        assert_int_equal(modesp_pool_manager_allocate_ex(pm, k_size[c], MODESP_ALLOC_STRICT, 0, &p), ESP_ERR_NO_MEM);
        assert_null(p);
        assert_null(modesp_pool_manager_allocate(pm, k_size[c]));
    }
    modesp_pool_manager_stats_t st;
    assert_int_equal(modesp_pool_manager_get_stats(pm, &st), ESP_OK);
    assert_int_equal(st.utilization, 100);
    assert_int_equal(st.bytes_in_use, st.total_bytes);
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        assert_counter(st.classes[c].alloc_failures, 3); /* exhaust + _ex + plain allocate */
    }
    assert_null(modesp_pool_manager_get_pool(pm, (modesp_size_class_t)MODESP_CLASS_COUNT));
}

static void test_free_finds_class_from_address(void **state)
{
    (void)state;
    void *p[MODESP_CLASS_COUNT];
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        p[c] = modesp_pool_manager_allocate(pm, k_size[c] - 1);
        assert_non_null(p[c]);
    }
    for (int c = MODESP_CLASS_COUNT - 1; c >= 0; c--) {
        assert_int_equal(modesp_pool_manager_free(pm, p[c]), ESP_OK);
    }
}

/* reset_stats counts itself, in the manager and in every class pool, and a refused call does not
 * (readers that keep deltas, like the health verdict, tell a reset from a quiet period by it). */
static void test_reset_is_counted(void **state)
{
    (void)state;
    modesp_pool_manager_stats_t before, after;
    assert_int_equal(modesp_pool_manager_get_stats(pm, &before), ESP_OK);
    assert_int_equal(modesp_pool_manager_reset_stats(pm), ESP_OK);
    assert_int_equal(modesp_pool_manager_reset_stats(NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pool_manager_get_stats(pm, &after), ESP_OK);
    assert_int_equal(after.resets, before.resets + 1u);
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        assert_int_equal(after.classes[c].resets, before.classes[c].resets + 1u);
    }
}

static void test_bad_inputs(void **state)
{
    (void)state;
    void *out = (void *)1;
    int on_stack;
    assert_int_equal(modesp_pool_manager_allocate_ex(pm, 0, MODESP_ALLOC_STRICT, 0, &out), MODESP_ERR_ZERO_SIZE);
    assert_null(out);
    assert_int_equal(
        modesp_pool_manager_allocate_ex(pm, CONFIG_MEMORY_POOL_XLARGE_SIZE + 1, MODESP_ALLOC_SPILL, 0, &out),
        ESP_ERR_INVALID_SIZE);
    assert_null(modesp_pool_manager_allocate(pm, 0));
    assert_null(modesp_pool_manager_allocate(pm, SIZE_MAX));
    assert_int_equal(modesp_pool_manager_allocate_ex(NULL, 8, MODESP_ALLOC_STRICT, 0, &out), ESP_ERR_INVALID_ARG);
    modesp_pool_manager_t *stray = (modesp_pool_manager_t *)&on_stack; /* not the manager */
    assert_int_equal(modesp_pool_manager_allocate_ex(stray, 8, MODESP_ALLOC_STRICT, 0, &out), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pool_manager_free(stray, &on_stack), ESP_ERR_INVALID_ARG);
    modesp_pool_manager_stats_t unused;
    assert_int_equal(modesp_pool_manager_get_stats(stray, &unused), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pool_manager_allocate_ex(pm, 8, MODESP_ALLOC_STRICT, 0, NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pool_manager_allocate_ex(pm, 8, (modesp_alloc_strategy_t)42, 0, &out), ESP_ERR_INVALID_ARG);

    uint8_t *blk = hold(modesp_pool_manager_allocate(pm, 40)); /* SMALL with default sizes */
    const int cls = modesp_pool_manager_class_for_size(40);
    assert_int_equal(modesp_pool_manager_free(pm, NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pool_manager_free(pm, &on_stack), MODESP_ERR_FOREIGN_PTR);
    assert_int_equal(modesp_pool_manager_free(pm, blk + 1), MODESP_ERR_MISALIGNED_PTR);
    assert_int_equal(modesp_pool_manager_deallocate(pm, blk, 0), MODESP_ERR_ZERO_SIZE);
    const size_t other = cls == 0 ? k_size[1] : k_size[0]; /* a size of another class */
    assert_int_equal(modesp_pool_manager_deallocate(pm, blk, other), MODESP_ERR_SIZE_MISMATCH);
    assert_int_equal(modesp_pool_manager_deallocate(pm, blk, CONFIG_MEMORY_POOL_XLARGE_SIZE + 1),
                     MODESP_ERR_SIZE_MISMATCH);
    assert_int_equal(modesp_pool_manager_free(NULL, blk), ESP_ERR_INVALID_ARG);
    assert_non_null(modesp_get_pool_manager()); /* unchanged so far: the block is still allocated */
    assert_int_equal(modesp_pool_in_use(modesp_pool_manager_get_pool(pm, (modesp_size_class_t)cls)), 1);
    assert_int_equal(modesp_pool_manager_deallocate(pm, blk, 40), ESP_OK);
    held_n--;
    assert_int_equal(modesp_pool_manager_free(pm, blk), MODESP_ERR_DOUBLE_FREE);
    assert_int_equal(modesp_pool_manager_deallocate(pm, blk, 40), MODESP_ERR_DOUBLE_FREE);

    modesp_pool_manager_stats_t st;
    assert_int_equal(modesp_pool_manager_get_stats(pm, &st), ESP_OK);
    assert_counter(st.zero_size_requests, 3); /* two allocations and one sized free */
    assert_counter(st.oversize_requests, 2);
    assert_counter(st.null_frees, 1);
    assert_counter(st.foreign_frees, 1);
    assert_counter(st.size_mismatch_frees, 2);
    assert_counter(st.classes[cls].misaligned_frees, 1);
    assert_counter(st.classes[cls].double_frees, 2);
}

static void test_spill(void **state)
{
    (void)state;
    exhaust(MODESP_CLASS_TINY);
    void *p = NULL;
    assert_int_equal(modesp_pool_manager_allocate_ex(pm, 1, MODESP_ALLOC_STRICT, 0, &p), ESP_ERR_NO_MEM);
    assert_int_equal(modesp_pool_manager_allocate_ex(pm, 1, MODESP_ALLOC_SPILL, 0, &p), ESP_OK);
    assert_true(modesp_pool_contains(modesp_pool_manager_get_pool(pm, MODESP_CLASS_SMALL), p));
    /* a spilled block is still freed with the size it was asked for */
    assert_int_equal(modesp_pool_manager_deallocate(pm, p, k_size[MODESP_CLASS_SMALL]), MODESP_ERR_SIZE_MISMATCH);
    assert_int_equal(modesp_pool_manager_deallocate(pm, p, 1), ESP_OK);
    /* SPILL walks up to XLARGE and then fails */
    for (int c = MODESP_CLASS_SMALL; c < MODESP_CLASS_COUNT; c++) {
        exhaust((modesp_size_class_t)c);
    }
    assert_int_equal(modesp_pool_manager_allocate_ex(pm, 1, MODESP_ALLOC_SPILL, 0, &p), ESP_ERR_NO_MEM);
    modesp_pool_manager_stats_t st;
    assert_int_equal(modesp_pool_manager_get_stats(pm, &st), ESP_OK);
    assert_counter(st.spills, 1);
    /* default strategy SPILL applies to plain allocate */
    assert_int_equal(modesp_pool_manager_free(pm, held[--held_n]), ESP_OK); /* one XLARGE free again */
    assert_int_equal(modesp_pool_manager_set_default_strategy(pm, MODESP_ALLOC_SPILL, 0), ESP_OK);
    assert_int_equal(modesp_pool_manager_get_default_strategy(pm), MODESP_ALLOC_SPILL);
    p = modesp_pool_manager_allocate(pm, 1);
    assert_true(modesp_pool_contains(modesp_pool_manager_get_pool(pm, MODESP_CLASS_XLARGE), p));
    hold(p);
    assert_int_equal(modesp_pool_manager_set_default_strategy(pm, (modesp_alloc_strategy_t)9, 0), ESP_ERR_INVALID_ARG);
}

static void test_heap_fallback(void **state)
{
    (void)state;
    void *p = NULL;
#if !MODESP_HEAP_FALLBACK_ENABLED
    assert_int_equal(modesp_pool_manager_allocate_ex(pm, 8, MODESP_ALLOC_HEAP_FALLBACK, 0, &p), ESP_ERR_NOT_SUPPORTED);
    assert_null(p);
    assert_int_equal(modesp_pool_manager_set_default_strategy(pm, MODESP_ALLOC_HEAP_FALLBACK, 0),
                     ESP_ERR_NOT_SUPPORTED);
#else
    exhaust(MODESP_CLASS_MEDIUM);
    const size_t sz = k_size[MODESP_CLASS_MEDIUM];
    void *heap[CONFIG_MEMORY_POOL_HEAP_FALLBACK_MAX_BLOCKS];
    for (int i = 0; i < CONFIG_MEMORY_POOL_HEAP_FALLBACK_MAX_BLOCKS; i++) {
        assert_int_equal(modesp_pool_manager_allocate_ex(pm, sz, MODESP_ALLOC_HEAP_FALLBACK, 0, &heap[i]), ESP_OK);
        memset(heap[i], 0x11, sz);
    }
    /* the slot table bounds heap use */
    assert_int_equal(modesp_pool_manager_allocate_ex(pm, sz, MODESP_ALLOC_HEAP_FALLBACK, 0, &p), ESP_ERR_NO_MEM);
    modesp_port_posix_set_isr_context(true);
    assert_int_equal(modesp_pool_manager_allocate_ex(pm, sz, MODESP_ALLOC_HEAP_FALLBACK, 0, &p), ESP_ERR_INVALID_STATE);
    assert_int_equal(modesp_pool_manager_free(pm, heap[0]), ESP_ERR_INVALID_STATE); /* no free() in an ISR */
    modesp_port_posix_set_isr_context(false);
    assert_int_equal(modesp_pool_manager_deallocate(pm, heap[0], 1), MODESP_ERR_SIZE_MISMATCH);
    modesp_pool_manager_stats_t st;
    assert_int_equal(modesp_pool_manager_get_stats(pm, &st), ESP_OK);
    assert_int_equal(st.heap_allocs, CONFIG_MEMORY_POOL_HEAP_FALLBACK_MAX_BLOCKS);
    assert_int_equal(st.heap_in_use, CONFIG_MEMORY_POOL_HEAP_FALLBACK_MAX_BLOCKS);
    assert_int_equal(st.heap_failures, 1);
    assert_counter(st.isr_refusals, 2);
    assert_int_equal(modesp_pool_manager_deallocate(pm, heap[0], sz), ESP_OK);
    for (int i = 1; i < CONFIG_MEMORY_POOL_HEAP_FALLBACK_MAX_BLOCKS; i++) {
        assert_int_equal(modesp_pool_manager_free(pm, heap[i]), ESP_OK);
    }
    assert_int_equal(modesp_pool_manager_free(pm, heap[1]), MODESP_ERR_FOREIGN_PTR); /* no longer known */
    assert_int_equal(modesp_pool_manager_get_stats(pm, &st), ESP_OK);
    assert_int_equal(st.heap_frees, CONFIG_MEMORY_POOL_HEAP_FALLBACK_MAX_BLOCKS);
    assert_int_equal(st.heap_in_use, 0);
#endif
}

#if MODESP_WAIT_ENABLED
typedef struct {
    void *block;
    unsigned delay_ms;
} delayed_free_t;

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000u), .tv_nsec = (long)(ms % 1000u) * 1000000L};
    nanosleep(&ts, NULL);
}

static void *free_later(void *arg)
{
    delayed_free_t *d = arg;
    sleep_ms(d->delay_ms);
    esp_err_t err = modesp_pool_manager_free(modesp_get_pool_manager(), d->block);
    return (void *)(intptr_t)err;
}

static void test_wait(void **state)
{
    (void)state;
    void *p = (void *)1;
    modesp_port_posix_set_isr_context(true);
    assert_int_equal(modesp_pool_manager_allocate_ex(pm, 8, MODESP_ALLOC_WAIT, 100, &p), ESP_ERR_INVALID_STATE);
    modesp_port_posix_set_isr_context(false);
    assert_null(p);

    exhaust(MODESP_CLASS_LARGE);
    const size_t sz = k_size[MODESP_CLASS_LARGE];
    assert_int_equal(modesp_pool_manager_allocate_ex(pm, sz, MODESP_ALLOC_WAIT, 0, &p), ESP_ERR_NO_MEM);
    assert_int_equal(modesp_pool_manager_allocate_ex(pm, sz, MODESP_ALLOC_WAIT, 30, &p), ESP_ERR_TIMEOUT);
    assert_null(p);

    /* another thread frees one block: the waiter gets exactly that block */
    delayed_free_t d = {held[--held_n], 50};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, free_later, &d), 0);
    assert_int_equal(modesp_pool_manager_allocate_ex(pm, sz, MODESP_ALLOC_WAIT, 10000, &p), ESP_OK);
    void *ret;
    assert_int_equal(pthread_join(t, &ret), 0);
    assert_int_equal((intptr_t)ret, ESP_OK);
    assert_ptr_equal(p, d.block);
    hold(p);

    modesp_pool_manager_stats_t st;
    assert_int_equal(modesp_pool_manager_get_stats(pm, &st), ESP_OK);
    assert_counter(st.isr_refusals, 1);
    assert_int_equal(st.waits, 2);
    assert_int_equal(st.wait_timeouts, 1);
}

static void test_wait_forever_woken_by_free(void **state)
{
    (void)state;
    exhaust(MODESP_CLASS_XLARGE);
    delayed_free_t d = {held[--held_n], 20};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, free_later, &d), 0);
    void *p = NULL;
    assert_int_equal(modesp_pool_manager_allocate_ex(pm, 300, MODESP_ALLOC_WAIT, MODESP_WAIT_FOREVER, &p), ESP_OK);
    assert_int_equal(pthread_join(t, NULL), 0);
    hold(p);
}
#else
/* WAIT compiled out (minimal profile): refused as not supported, by allocate_ex and as the default. */
static void test_wait_compiled_out(void **state)
{
    (void)state;
    void *p = (void *)1;
    assert_int_equal(modesp_pool_manager_allocate_ex(pm, 8, MODESP_ALLOC_WAIT, 100, &p), ESP_ERR_NOT_SUPPORTED);
    assert_null(p);
    assert_int_equal(modesp_pool_manager_set_default_strategy(pm, MODESP_ALLOC_WAIT, 100), ESP_ERR_NOT_SUPPORTED);
    assert_int_equal(modesp_pool_manager_get_default_strategy(pm), MODESP_ALLOC_STRICT);
}
#endif

static void test_emergency_reserve(void **state)
{
    (void)state;
    const modesp_pool_t *reserve = modesp_pool_manager_get_reserve_pool(pm);
#if CONFIG_MEMORY_POOL_EMERGENCY_RESERVE_SIZE > 0
    assert_non_null(reserve);
    const size_t n = CONFIG_MEMORY_POOL_EMERGENCY_RESERVE_SIZE / CONFIG_MEMORY_POOL_EMERGENCY_BLOCK_SIZE;
    assert_int_equal(modesp_pool_capacity(reserve), n);
    /* not touched while the class has room */
    void *p = hold(modesp_pool_manager_allocate_critical(pm, 16));
    assert_false(modesp_pool_contains(reserve, p));
    exhaust(MODESP_CLASS_TINY);
    /* ordinary strategies never reach the reserve */
    void *q = NULL;
    assert_int_equal(modesp_pool_manager_allocate_ex(pm, 16, MODESP_ALLOC_STRICT, 0, &q), ESP_ERR_NO_MEM);
    for (size_t i = 0; i < n; i++) {
        void *r = modesp_pool_manager_allocate_critical(pm, 16);
        assert_true(modesp_pool_contains(reserve, r));
        memset(r, 0x77, CONFIG_MEMORY_POOL_EMERGENCY_BLOCK_SIZE);
        if (i == 0) {
            assert_int_equal(modesp_pool_manager_deallocate(pm, r, 9999), MODESP_ERR_SIZE_MISMATCH);
            assert_int_equal(modesp_pool_manager_deallocate(pm, r, 16), ESP_OK); /* requested class: TINY */
            r = modesp_pool_manager_allocate_critical(pm, 16);
            assert_true(modesp_pool_contains(reserve, r));
        }
        hold(r);
    }
    assert_null(modesp_pool_manager_allocate_critical(pm, 16));
    assert_null(modesp_pool_manager_allocate_critical(pm, 0));
    modesp_pool_manager_stats_t st;
    assert_int_equal(modesp_pool_manager_get_stats(pm, &st), ESP_OK);
    assert_counter(st.critical_allocs, n + 1);
    assert_counter(st.critical_failures, 1); /* reserve empty too; size 0 is a zero-size request */
    assert_counter(st.zero_size_requests, 1);
    assert_int_equal(st.reserve.in_use, n);
    /* reserve blocks don't count toward utilization */
    assert_int_equal(st.bytes_in_use, (CONFIG_MEMORY_POOL_TINY_COUNT + 0u) * CONFIG_MEMORY_POOL_TINY_SIZE);
#else
    assert_null(reserve);
    exhaust(MODESP_CLASS_TINY);
    assert_null(modesp_pool_manager_allocate_critical(pm, 16));
#endif
}

/* ---- utilization and pressure ---- */

typedef struct {
    int n;
    modesp_pressure_level_t from[16], to[16];
    uint8_t util[16];
} transitions_t;

static void record(modesp_pressure_level_t from, modesp_pressure_level_t to, uint8_t util, void *ctx)
{
    transitions_t *t = ctx;
    assert_false(modesp_port_in_isr());
    if (t->n < 16) {
        t->from[t->n] = from;
        t->to[t->n] = to;
        t->util[t->n] = util;
    }
    t->n++;
}

/* Allocate (largest classes first) until utilization >= percent. */
static void fill_to(unsigned percent)
{
    for (int c = MODESP_CLASS_COUNT - 1; c >= 0 && modesp_pool_manager_get_overall_utilization(pm) < percent; c--) {
        void *p;
        while (modesp_pool_manager_get_overall_utilization(pm) < percent &&
               modesp_pool_manager_allocate_ex(pm, k_size[c], MODESP_ALLOC_STRICT, 0, &p) == ESP_OK) {
            hold(p);
        }
    }
    assert_true(modesp_pool_manager_get_overall_utilization(pm) >= percent);
}

/* Free (last allocated first) until utilization < percent. */
static void drain_below(unsigned percent)
{
    while (modesp_pool_manager_get_overall_utilization(pm) >= percent) {
        assert_true(held_n > 0);
        assert_int_equal(modesp_pool_manager_free(pm, held[--held_n]), ESP_OK);
    }
}

static void test_pressure_levels_with_hysteresis(void **state)
{
    (void)state;
    transitions_t tr = {0};
    const unsigned warn = CONFIG_MEMORY_POOL_WARNING_THRESHOLD, crit = CONFIG_MEMORY_POOL_CRITICAL_THRESHOLD,
                   rel = CONFIG_MEMORY_POOL_RELEASE_THRESHOLD;
#if MODESP_PRESSURE_CALLBACKS_ENABLED
    assert_int_equal(modesp_pool_manager_register_pressure_callback(pm, record, &tr), ESP_OK);
#else
    assert_int_equal(modesp_pool_manager_register_pressure_callback(pm, record, &tr), ESP_ERR_NOT_SUPPORTED);
#endif
    assert_int_equal(modesp_pool_manager_get_overall_utilization(pm), 0);

    fill_to(warn);
    assert_int_equal(modesp_pool_manager_get_pressure_level(pm), MODESP_PRESSURE_WARNING);
#if MODESP_PRESSURE_CALLBACKS_ENABLED /* the levels above and below hold without callbacks too */
    assert_int_equal(tr.n, 1);
    assert_int_equal(tr.from[0], MODESP_PRESSURE_NORMAL);
    assert_int_equal(tr.to[0], MODESP_PRESSURE_WARNING);
    assert_true(tr.util[0] >= warn && tr.util[0] < crit);
#endif

    drain_below(warn); /* between release and warning: still WARNING */
    assert_int_equal(modesp_pool_manager_get_pressure_level(pm), MODESP_PRESSURE_WARNING);
    fill_to(crit);
    assert_int_equal(modesp_pool_manager_get_pressure_level(pm), MODESP_PRESSURE_CRITICAL);
    drain_below(crit); /* between warning and critical: still CRITICAL */
    if (modesp_pool_manager_get_overall_utilization(pm) >= warn) {
        assert_int_equal(modesp_pool_manager_get_pressure_level(pm), MODESP_PRESSURE_CRITICAL);
    }
    drain_below(warn);
    assert_int_equal(modesp_pool_manager_get_pressure_level(pm), MODESP_PRESSURE_WARNING);
    drain_below(rel);
    assert_int_equal(modesp_pool_manager_get_pressure_level(pm), MODESP_PRESSURE_NORMAL);

#if MODESP_PRESSURE_CALLBACKS_ENABLED
    assert_int_equal(tr.n, 4);
    const modesp_pressure_level_t want_to[4] = {MODESP_PRESSURE_WARNING, MODESP_PRESSURE_CRITICAL,
                                                MODESP_PRESSURE_WARNING, MODESP_PRESSURE_NORMAL};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(tr.to[i], want_to[i]);
        if (i > 0) {
            assert_int_equal(tr.from[i], tr.to[i - 1]);
        }
    }
    assert_true(tr.util[1] >= crit);
    assert_true(tr.util[3] < rel);
    modesp_pool_manager_stats_t st;
    assert_int_equal(modesp_pool_manager_get_stats(pm, &st), ESP_OK);
    assert_int_equal(st.pressure_events_dropped, 0);
    assert_int_equal(modesp_pool_manager_unregister_pressure_callback(pm, record, &tr), ESP_OK);
    assert_int_equal(modesp_pool_manager_unregister_pressure_callback(pm, record, &tr), ESP_ERR_NOT_FOUND);
#else
    (void)tr;
#endif
}

static void test_pressure_change_in_isr_is_deferred(void **state)
{
    (void)state;
    transitions_t tr = {0};
#if MODESP_PRESSURE_CALLBACKS_ENABLED
    assert_int_equal(modesp_pool_manager_register_pressure_callback(pm, record, &tr), ESP_OK);
#endif
    fill_to(CONFIG_MEMORY_POOL_WARNING_THRESHOLD - 5u);
    assert_int_equal(modesp_pool_manager_get_pressure_level(pm), MODESP_PRESSURE_NORMAL);
    modesp_port_posix_set_isr_context(true);
    fill_to(CONFIG_MEMORY_POOL_WARNING_THRESHOLD); /* the change happens "in an ISR" */
    modesp_port_posix_set_isr_context(false);
    assert_int_equal(modesp_pool_manager_get_pressure_level(pm), MODESP_PRESSURE_WARNING);
#if !MODESP_PRESSURE_CALLBACKS_ENABLED
    assert_int_equal(modesp_pool_manager_process_pressure_events(pm), 0); /* nothing is ever pending */
    assert_int_equal(tr.n, 0);
    drain_below(CONFIG_MEMORY_POOL_RELEASE_THRESHOLD);
    assert_int_equal(modesp_pool_manager_get_pressure_level(pm), MODESP_PRESSURE_NORMAL);
#else
    assert_int_equal(tr.n, 0); /* not called in the ISR */
    assert_int_equal(modesp_pool_manager_process_pressure_events(pm), 1);
    assert_int_equal(tr.n, 1);
    assert_int_equal(tr.to[0], MODESP_PRESSURE_WARNING);
    assert_int_equal(modesp_pool_manager_process_pressure_events(pm), 0);
    drain_below(CONFIG_MEMORY_POOL_RELEASE_THRESHOLD);
    assert_int_equal(modesp_pool_manager_unregister_pressure_callback(pm, record, &tr), ESP_OK);
#endif
}

static void test_threshold_arguments(void **state)
{
    (void)state;
    assert_int_equal(modesp_pool_manager_set_pressure_thresholds(pm, 80, 70, 60), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pool_manager_set_pressure_thresholds(pm, 80, 95, 90), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pool_manager_set_pressure_thresholds(pm, 80, 101, 60), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pool_manager_set_pressure_thresholds(pm, 80, 95, 0), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_pool_manager_register_pressure_callback(pm, NULL, NULL), ESP_ERR_INVALID_ARG);
    /* a lower threshold takes effect at once */
    fill_to(30);
    assert_int_equal(modesp_pool_manager_set_pressure_thresholds(pm, 25, 50, 10), ESP_OK);
    assert_int_equal(modesp_pool_manager_get_pressure_level(pm), MODESP_PRESSURE_WARNING);
    drain_below(10);
    assert_int_equal(modesp_pool_manager_get_pressure_level(pm), MODESP_PRESSURE_NORMAL);
#if MODESP_PRESSURE_CALLBACKS_ENABLED
    /* the callback table is bounded */
    transitions_t tr[CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS + 1];
    int k = 0;
    while (k <= CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS &&
           modesp_pool_manager_register_pressure_callback(pm, record, &tr[k]) == ESP_OK) {
        /* the same callback with the same context again would be called twice per change */
        assert_int_equal(modesp_pool_manager_register_pressure_callback(pm, record, &tr[k]),
                         MODESP_ERR_ALREADY_REGISTERED);
        k++;
    }
    assert_int_equal(k, CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS);
    assert_int_equal(modesp_pool_manager_register_pressure_callback(pm, record, &tr[k]), MODESP_ERR_FULL);
    while (k > 0 && modesp_pool_manager_unregister_pressure_callback(pm, record, &tr[k - 1]) == ESP_OK) {
        k--;
    }
    assert_int_equal(k, 0);
    assert_int_equal(modesp_pool_manager_unregister_pressure_callback(pm, record, &tr[0]), ESP_ERR_NOT_FOUND);
#else
    transitions_t tr = {0};
    assert_int_equal(modesp_pool_manager_register_pressure_callback(pm, record, &tr), ESP_ERR_NOT_SUPPORTED);
    assert_int_equal(modesp_pool_manager_unregister_pressure_callback(pm, record, &tr), ESP_ERR_NOT_SUPPORTED);
#endif
}

/* ---- pooled objects ---- */

typedef struct {
    float samples[16];
    uint32_t count;
} sensor_buffer_t;

typedef struct {
    uint8_t data[CONFIG_MEMORY_POOL_XLARGE_SIZE - 8];
    uint32_t timestamp;
} big_block_t;

static size_t total_in_use(void)
{
    modesp_pool_manager_stats_t st;
    assert_int_equal(modesp_pool_manager_get_stats(pm, &st), ESP_OK);
    size_t n = 0;
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        n += st.classes[c].in_use;
    }
    return n;
}

static sensor_buffer_t *scoped_then_return_early(int *seen)
{
    MODESP_POOLED(sensor_buffer_t, tmp);
    if (tmp == NULL) {
        return NULL;
    }
    *seen = (int)total_in_use();
    MODESP_POOLED(sensor_buffer_t, kept);
    return modesp_pooled_release(kept); /* ownership leaves; tmp is freed on this return */
}

static void test_pooled_objects(void **state)
{
    (void)state;
    sensor_buffer_t *buf = modesp_make_pooled(sensor_buffer_t);
    assert_non_null(buf);
    for (int i = 0; i < 16; i++) {
        assert_true(buf->samples[i] == 0.0f); /* zero-initialised */
    }
    assert_int_equal(buf->count, 0);
    assert_int_equal(total_in_use(), 1);
    {
        MODESP_POOLED(sensor_buffer_t, tmp);
        assert_non_null(tmp);
        assert_int_equal(total_in_use(), 2);
    }
    assert_int_equal(total_in_use(), 1); /* returned at scope exit */

    int seen = 0;
    sensor_buffer_t *kept = scoped_then_return_early(&seen);
    assert_int_equal(seen, 2);
    assert_non_null(kept);
    assert_int_equal(total_in_use(), 2); /* buf + kept; tmp went back */
    assert_int_equal(modesp_pool_manager_deallocate(pm, kept, sizeof *kept), ESP_OK);

    /* move: the destination's old block goes back, the source is emptied */
    {
        MODESP_POOLED_PTR(big_block_t, slot);
        MODESP_POOLED(big_block_t, a);
        MODESP_POOLED(big_block_t, b);
        assert_non_null(a);
        assert_non_null(b);
        a->timestamp = 1;
        b->timestamp = 2;
        assert_int_equal(modesp_pooled_move(slot, a), ESP_OK);
        assert_null(a);
        assert_int_equal(slot->timestamp, 1);
        assert_int_equal(total_in_use(), 3);
        assert_int_equal(modesp_pooled_move(slot, b), ESP_OK); /* block 1 freed here */
        assert_int_equal(slot->timestamp, 2);
        assert_int_equal(total_in_use(), 2);
    }
    assert_int_equal(total_in_use(), 1);
    /* a move whose old destination cannot be freed changes nothing */
    {
        int not_pooled = 0;
        big_block_t *bad_slot = (big_block_t *)(void *)&not_pooled;
        MODESP_POOLED(big_block_t, c);
        assert_non_null(c);
        big_block_t *const c_before = c;
        assert_int_equal(modesp_pooled_move(bad_slot, c), MODESP_ERR_FOREIGN_PTR);
        assert_ptr_equal(bad_slot, (void *)&not_pooled);
        assert_ptr_equal(c, c_before); /* still ours: freed at scope exit */
    }
    assert_int_equal(total_in_use(), 1);
    assert_int_equal(modesp_pooled_free(&buf), ESP_OK);
    assert_null(buf);
    assert_int_equal(modesp_pooled_free(&buf), ESP_OK); /* NULL: nothing to do */
    assert_int_equal(modesp_pooled_free(NULL), ESP_ERR_INVALID_ARG);
}

static void test_pooled_allocation_failure_is_null(void **state)
{
    (void)state;
    exhaust(MODESP_CLASS_XLARGE);
    MODESP_POOLED(big_block_t, none);
    assert_null(none); /* handled gracefully, and the cleanup of NULL is a no-op */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_class_selection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_class_capacity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_finds_class_from_address, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_is_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_inputs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_heap_fallback, setup, teardown),
#if MODESP_WAIT_ENABLED
        cmocka_unit_test_setup_teardown(test_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wait_forever_woken_by_free, setup, teardown),
#else
        cmocka_unit_test_setup_teardown(test_wait_compiled_out, setup, teardown),
#endif
        cmocka_unit_test_setup_teardown(test_emergency_reserve, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pressure_levels_with_hysteresis, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pressure_change_in_isr_is_deferred, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threshold_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pooled_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pooled_allocation_failure_is_null, setup, teardown),
    };
    return cmocka_run_group_tests_name("pool_manager", tests, NULL, NULL);
}
