/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Concurrency: 4 threads, at least 10^6 allocations each (MODESP_STRESS_ALLOCS
 * overrides), on one pool and then on the manager, with random hold times.
 * Each block is claimed in an ownership table when handed out (a second
 * owner is caught at once), filled with the holder's id and checked before it
 * is freed. Afterwards every block is accounted for, the counters agree with
 * what the threads did, every pressure change was delivered (or counted as
 * dropped) and the integrity check passes.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#define THREADS 4
#define HOLD    8

MODESP_POOL_DEFINE_STATIC(c_pool, 64, 20); /* fewer blocks than 4 x 8 slots: exhaustion is part of the run */

static unsigned long g_target = 1000000ul;

typedef struct {
    uint32_t *owner; /* per block: 0 free, else holder id */
    const modesp_pool_t *pool;
} owner_table_t;

static owner_table_t g_tables[MODESP_CLASS_COUNT + 2];
static int g_ntables;

typedef struct {
    int id;
    int use_manager;
    unsigned long allocs, frees, failures, errors;
} worker_t;

static uint32_t rng_next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static uint32_t *owner_slot(const void *p)
{
    for (int t = 0; t < g_ntables; t++) {
        uint32_t idx;
        if (modesp_pool_block_index(g_tables[t].pool, p, &idx) == ESP_OK) {
            return &g_tables[t].owner[idx];
        }
    }
    return NULL;
}

static int claim(const void *p, uint32_t id)
{
    uint32_t *o = owner_slot(p);
    uint32_t expected = 0;
    return o != NULL && __atomic_compare_exchange_n(o, &expected, id, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static int unclaim(const void *p, uint32_t id)
{
    uint32_t *o = owner_slot(p);
    uint32_t expected = id;
    return o != NULL && __atomic_compare_exchange_n(o, &expected, 0u, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static void *worker(void *arg)
{
    worker_t *w = arg;
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    uint32_t rng = 0x9E3779B9u * (uint32_t)(w->id + 1);
    uint8_t *slot[HOLD] = {0};
    size_t size[HOLD] = {0};
    const uint8_t mark = (uint8_t)(0xA0 + w->id);
    const uint32_t id = (uint32_t)w->id + 1u;

    while (w->allocs < g_target) {
        const uint32_t r = rng_next(&rng);
        const unsigned s = r % HOLD;
        if (slot[s] == NULL) {
            size_t n = 64;
            uint8_t *p;
            if (!w->use_manager) {
                p = modesp_pool_allocate(&c_pool);
            } else {
                n = 1u + (r >> 8) % CONFIG_MEMORY_POOL_XLARGE_SIZE;
                if ((r >> 24) % 16u == 0u) {
                    p = modesp_pool_manager_allocate_critical(pm, n);
                } else {
                    void *out = NULL;
                    (void)modesp_pool_manager_allocate_ex(
                        pm, n, (r & 0x100u) ? MODESP_ALLOC_SPILL : MODESP_ALLOC_STRICT, 0, &out);
                    p = out;
                }
            }
            if (p == NULL) {
                w->failures++;
                continue;
            }
            if (!claim(p, id)) {
                w->errors++; /* handed out while another thread holds it */
            }
            memset(p, mark, n);
            slot[s] = p;
            size[s] = n;
            w->allocs++;
        } else {
            for (size_t i = 0; i < size[s]; i++) {
                if (slot[s][i] != mark) {
                    w->errors++; /* someone else wrote into our block */
                    break;
                }
            }
            if (!unclaim(slot[s], id)) {
                w->errors++;
            }
            esp_err_t err;
            if (!w->use_manager) {
                err = modesp_pool_deallocate(&c_pool, slot[s]);
            } else {
                err = (r & 0x200u) ? modesp_pool_manager_deallocate(pm, slot[s], size[s])
                                   : modesp_pool_manager_free(pm, slot[s]);
            }
            if (err != ESP_OK) {
                w->errors++;
            }
            slot[s] = NULL;
            w->frees++;
        }
        if ((r >> 20) % 64u == 0u) {
            sched_yield(); /* stretch some hold times across a reschedule */
        }
    }
    for (unsigned s = 0; s < HOLD; s++) {
        if (slot[s] != NULL) {
            if (!unclaim(slot[s], id)) {
                w->errors++;
            }
            esp_err_t err =
                w->use_manager ? modesp_pool_manager_free(pm, slot[s]) : modesp_pool_deallocate(&c_pool, slot[s]);
            if (err != ESP_OK) {
                w->errors++;
            }
            w->frees++;
        }
    }
    return NULL;
}

static void add_table(const modesp_pool_t *pool)
{
    g_tables[g_ntables].pool = pool;
    g_tables[g_ntables].owner = calloc(modesp_pool_capacity(pool), sizeof(uint32_t));
    assert_non_null(g_tables[g_ntables].owner);
    g_ntables++;
}

static void free_tables(void)
{
    for (int t = 0; t < g_ntables; t++) {
        for (size_t i = 0; i < modesp_pool_capacity(g_tables[t].pool); i++) {
            assert_int_equal(g_tables[t].owner[i], 0); /* every block given back */
        }
        free(g_tables[t].owner);
    }
    g_ntables = 0;
}

static void run_workers(int use_manager, worker_t *w, unsigned long *allocs)
{
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker_t){.id = i, .use_manager = use_manager};
        assert_int_equal(pthread_create(&th[i], NULL, worker, &w[i]), 0);
    }
    *allocs = 0;
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        print_message("  thread %d: %lu allocs, %lu frees, %lu exhausted, %lu errors\n", i, w[i].allocs, w[i].frees,
                      w[i].failures, w[i].errors);
        assert_int_equal(w[i].errors, 0);
        assert_true(w[i].allocs >= g_target);
        assert_int_equal(w[i].allocs, w[i].frees);
        *allocs += w[i].allocs;
    }
}

static void test_pool_stress(void **state)
{
    (void)state;
    assert_int_equal(modesp_pool_reset_stats(&c_pool), ESP_OK);
    add_table(&c_pool);
    worker_t w[THREADS];
    unsigned long allocs;
    run_workers(0, w, &allocs);
    free_tables();
    modesp_pool_stats_t st;
    assert_int_equal(modesp_pool_get_stats(&c_pool, &st), ESP_OK);
    assert_int_equal(st.in_use, 0);
    assert_stat(st.total_allocs, (uint32_t)allocs);
    assert_stat(st.invalid_frees, 0);
    assert_int_equal(st.corruptions, 0);
    assert_true(st.peak <= st.capacity);
    assert_pool_intact(&c_pool);
}

static unsigned long g_delivered;

static void count_change(modesp_pressure_level_t from, modesp_pressure_level_t to, uint8_t util, void *ctx)
{
    (void)from;
    (void)to;
    (void)util;
    (void)ctx;
    g_delivered++; /* deliveries are serialised by the manager */
}

static void test_manager_stress(void **state)
{
    (void)state;
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    assert_int_equal(modesp_pool_manager_reset_stats(pm), ESP_OK);
    modesp_pool_manager_stats_t before;
    assert_int_equal(modesp_pool_manager_get_stats(pm, &before), ESP_OK);
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        add_table(modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c));
    }
    if (modesp_pool_manager_get_reserve_pool(pm) != NULL) {
        add_table(modesp_pool_manager_get_reserve_pool(pm));
    }
    g_delivered = 0;
#if MODESP_PRESSURE_CALLBACKS_ENABLED
    assert_int_equal(modesp_pool_manager_register_pressure_callback(pm, count_change, NULL), ESP_OK);
#else /* compiled out (minimal profile): refused, and nothing is delivered below */
    assert_int_equal(modesp_pool_manager_register_pressure_callback(pm, count_change, NULL), ESP_ERR_NOT_SUPPORTED);
#endif
    /* Low thresholds so the level moves all the time under the threads. */
    assert_int_equal(modesp_pool_manager_set_pressure_thresholds(pm, 8, 14, 4), ESP_OK);
    worker_t w[THREADS];
    unsigned long allocs;
    run_workers(1, w, &allocs);
    (void)modesp_pool_manager_process_pressure_events(pm);
#if MODESP_PRESSURE_CALLBACKS_ENABLED
    assert_int_equal(modesp_pool_manager_unregister_pressure_callback(pm, count_change, NULL), ESP_OK);
#endif
    assert_int_equal(modesp_pool_manager_set_pressure_thresholds(pm, CONFIG_MEMORY_POOL_WARNING_THRESHOLD,
                                                                 CONFIG_MEMORY_POOL_CRITICAL_THRESHOLD,
                                                                 CONFIG_MEMORY_POOL_RELEASE_THRESHOLD),
                     ESP_OK);
    free_tables();

    modesp_pool_manager_stats_t st;
    assert_int_equal(modesp_pool_manager_get_stats(pm, &st), ESP_OK);
    unsigned long pool_allocs = st.reserve.total_allocs;
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        pool_allocs += st.classes[c].total_allocs;
        assert_stat(st.classes[c].invalid_frees, 0);
        assert_int_equal(st.classes[c].corruptions, 0);
        assert_int_equal(st.classes[c].in_use, 0);
    }
    assert_stat(pool_allocs, allocs);
    assert_int_equal(st.bytes_in_use, 0);
    assert_stat(st.size_mismatch_frees, 0);
    assert_stat(st.foreign_frees, 0);
    const unsigned long changes = st.pressure_changes - before.pressure_changes;
    print_message("  pressure changes %lu, delivered %lu, dropped %u, spills %u, critical %u\n", changes, g_delivered,
                  (unsigned)st.pressure_events_dropped, (unsigned)st.spills, (unsigned)st.critical_allocs);
#if MODESP_PRESSURE_TRACKING /* else the level moves only when read, and no change is delivered */
    assert_true(changes > 0);
#endif
    assert_int_equal(g_delivered + (st.pressure_events_dropped - before.pressure_events_dropped),
                     MODESP_PRESSURE_CALLBACKS_ENABLED ? changes : 0u);
    assert_int_equal(st.level, MODESP_PRESSURE_NORMAL);
    assert_manager_clean();
}

/*
 * WAIT hand-over: more threads than blocks, every allocation with WAIT and a
 * long timeout. A lost wake-up (a free that does not reach a waiter that
 * registered before it) shows as a timeout, because then nobody else may free
 * for the whole timeout: the test asserts there are none.
 */
#if MODESP_WAIT_ENABLED /* WAIT compiled out (minimal profile): allocate_ex refuses it, test_manager checks that */
#define WAIT_THREADS    4
#define WAIT_TIMEOUT_MS 5000u

typedef struct {
    int id;
    unsigned long served, timeouts, errors;
} waiter_t;

static unsigned long g_wait_rounds = 20000ul;

static void *wait_worker(void *arg)
{
    waiter_t *w = arg;
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    const uint8_t mark = (uint8_t)(0xC0 + w->id);
    for (unsigned long i = 0; i < g_wait_rounds; i++) {
        void *p = NULL;
        const esp_err_t err =
            modesp_pool_manager_allocate_ex(pm, CONFIG_MEMORY_POOL_XLARGE_SIZE, MODESP_ALLOC_WAIT, WAIT_TIMEOUT_MS, &p);
        if (err == ESP_ERR_TIMEOUT) {
            w->timeouts++;
            continue;
        }
        if (err != ESP_OK) {
            w->errors++;
            continue;
        }
        memset(p, mark, 16);
        if ((i & 7u) == 0u) {
            sched_yield(); /* hold it across a reschedule now and then */
        }
        for (int b = 0; b < 16; b++) {
            if (((uint8_t *)p)[b] != mark) {
                w->errors++;
                break;
            }
        }
        if (modesp_pool_manager_free(pm, p) != ESP_OK) {
            w->errors++;
        }
        w->served++;
    }
    return NULL;
}

static void test_wait_handover_loses_no_wakeup(void **state)
{
    (void)state;
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    assert_int_equal(modesp_pool_manager_reset_stats(pm), ESP_OK);
    /* leave exactly two XLARGE blocks for four threads */
    void *hold_back[CONFIG_MEMORY_POOL_XLARGE_COUNT];
    size_t held = 0;
    while (held + 2u < CONFIG_MEMORY_POOL_XLARGE_COUNT) {
        hold_back[held] = modesp_pool_manager_allocate(pm, CONFIG_MEMORY_POOL_XLARGE_SIZE);
        assert_non_null(hold_back[held]);
        held++;
    }
    pthread_t th[WAIT_THREADS];
    waiter_t w[WAIT_THREADS];
    for (int i = 0; i < WAIT_THREADS; i++) {
        w[i] = (waiter_t){.id = i};
        assert_int_equal(pthread_create(&th[i], NULL, wait_worker, &w[i]), 0);
    }
    unsigned long served = 0;
    for (int i = 0; i < WAIT_THREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        print_message("  waiter %d: %lu served, %lu timeouts, %lu errors\n", i, w[i].served, w[i].timeouts,
                      w[i].errors);
        assert_int_equal(w[i].timeouts, 0);
        assert_int_equal(w[i].errors, 0);
        served += w[i].served;
    }
    while (held > 0) {
        assert_int_equal(modesp_pool_manager_free(pm, hold_back[--held]), ESP_OK);
    }
    modesp_pool_manager_stats_t st;
    assert_int_equal(modesp_pool_manager_get_stats(pm, &st), ESP_OK);
    print_message("  %lu served, %u blocked waits, %u timeouts, %u served only at the deadline\n", served,
                  (unsigned)st.waits, (unsigned)st.wait_timeouts, (unsigned)st.wait_deadline_served);
    assert_int_equal(served, WAIT_THREADS * g_wait_rounds);
    assert_true(st.waits > 0); /* the threads really blocked */
    assert_int_equal(st.wait_timeouts, 0);
    /* Blocks are freed every few microseconds here: a wait that ran to its
     * 5 s deadline means a free did not wake it (a lost wake-up). */
    assert_int_equal(st.wait_deadline_served, 0);
    assert_manager_clean();
}
#endif

int main(void)
{
    const char *env = getenv("MODESP_STRESS_ALLOCS");
    if (env != NULL && strtoul(env, NULL, 10) > 0) {
        g_target = strtoul(env, NULL, 10);
#if MODESP_WAIT_ENABLED
        g_wait_rounds = g_target / 50u > 0u ? g_target / 50u : 1u;
#endif
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_stress),
        cmocka_unit_test(test_manager_stress),
#if MODESP_WAIT_ENABLED
        cmocka_unit_test(test_wait_handover_loses_no_wakeup),
#endif
    };
    return cmocka_run_group_tests_name("concurrency", tests, NULL, NULL);
}
