/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The health verdict's remaining cases (issue 18, coverage of
 * src/diag/health.c), each checked against the contract of
 * modesp_memory_diagnostics_health in memory_diagnostics.h:
 *  - which pool the PRESSURE summary names when several are over the level;
 *  - a pool without a name, and a pool whose handle is overwritten;
 *  - a policy hook that returns a level out of range, its own summary, or a
 *    summary without its NUL;
 *  - since_ms over 2^32 ms;
 *  - tracing: leak checks off (threshold 0), a call site with a Windows
 *    path, a leak without a call site;
 *  - a counter reset followed by as many failures as before is seen (a bug
 *    this test found; the core's reset count fixes it).
 */
#include <stdlib.h>

#include "health_fixture.h"

/* ------------------------------------------------------------ pressure */

/* Several pools over warning_pct: the one with the highest utilisation is named, the first of equals. */
static void test_pressure_names_the_fullest_pool(void **state)
{
    (void)state;
    configure(1, 0);
    void *w[10];
    void *s[4];
    take(&work_pool, w, 10);
    take(&spare_pool, s, 4);
    modesp_health_t h = eval_at(2000); /* full but no failed request: WARNING, not CRITICAL */
    assert_int_equal(h.level, MODESP_HEALTH_WARNING);
    assert_int_equal(h.reasons, MODESP_HEALTH_R_PRESSURE);
    assert_string_equal(h.summary, "WARNING: pressure (work_pool 100%)");
    give(&work_pool, w, 1);
    h = eval_at(3000);
    assert_string_equal(h.summary, "WARNING: pressure (spare_pool 100%)");
    give(&spare_pool, s, 1); /* 75 %: under the level */
    h = eval_at(4000);
    assert_string_equal(h.summary, "WARNING: pressure (work_pool 90%)");
    give(&work_pool, w + 1, 9);
    give(&spare_pool, s + 1, 3);
    assert_int_equal(eval_at(5000).level, MODESP_HEALTH_OK);
}

#define ANON_BLOCKS 4u
static _Alignas(MODESP_POOL_ALIGN) uint8_t s_anon_storage[MODESP_POOL_STORAGE_SIZE(16, ANON_BLOCKS)];
static uint32_t s_anon_meta[ANON_BLOCKS];
static modesp_pool_t s_anon;

/* A pool initialised without a name is labelled "?" in every part of the summary. */
static void test_unnamed_pool_is_labelled(void **state)
{
    (void)state;
    assert_int_equal(
        modesp_pool_init(&s_anon, NULL, s_anon_storage, sizeof s_anon_storage, s_anon_meta, 16, ANON_BLOCKS), ESP_OK);
    const modesp_pool_t *const pools[] = {&s_anon};
    assert_int_equal(modesp_memory_diagnostics_init_pools(&s_diag, NULL, pools, 1), ESP_OK);
    configure(1, 0);
    void *b[ANON_BLOCKS];
    take(&s_anon, b, ANON_BLOCKS);
    modesp_health_t h = eval_at(2000);
    assert_string_equal(h.summary, "WARNING: pressure (? 100%)");
    assert_null(modesp_pool_allocate(&s_anon)); /* a failed request on a full pool: exhausting */
    h = eval_at(3000);
    assert_int_equal(h.level, MODESP_HEALTH_CRITICAL);
    assert_string_equal(h.summary, "CRITICAL: pressure (? full and failing), failures (1 in ?)");
    give(&s_anon, b, ANON_BLOCKS);
    assert_pool_intact(&s_anon);
}

/* A pool whose handle no longer reads as a pool (its stats refused) is an integrity fault: CRITICAL. */
static void test_overwritten_pool_handle_is_critical(void **state)
{
    (void)state;
    configure(1, 0);
    const uint32_t magic = work_pool.magic;
    work_pool.magic = ~magic;
    modesp_health_t h = eval_at(2000);
    work_pool.magic = magic;
    assert_int_equal(h.level, MODESP_HEALTH_CRITICAL);
    assert_int_equal(h.reasons, MODESP_HEALTH_R_INTEGRITY);
    assert_string_equal(h.summary, "CRITICAL: integrity (pool ?)");
}

/* ------------------------------------------------------------ policy */

static int s_mode;

static void policy(modesp_health_t *raw, void *ctx)
{
    (void)ctx;
    switch (s_mode) {
    case 0: /* a level past CRITICAL */
        raw->level = (modesp_health_level_t)7;
        break;
    case 1: /* its own verdict and words */
        raw->level = MODESP_HEALTH_WARNING;
        raw->reasons = MODESP_HEALTH_R_PRESSURE;
        (void)strcpy(raw->summary, "WARNING: maintenance window");
        break;
    default: /* a summary without its NUL */
        memset(raw->summary, 'x', sizeof raw->summary);
        break;
    }
}

static int s_changes;
static modesp_health_level_t s_previous;

static void on_change(const modesp_health_t *verdict, modesp_health_level_t previous, void *ctx)
{
    (void)verdict;
    (void)ctx;
    s_changes++;
    s_previous = previous;
}

static void use_policy(int mode)
{
    modesp_health_config_t cfg = s_diag.health.cfg;
    cfg.debounce_evals = 1;
    cfg.policy = policy;
    cfg.on_change = on_change;
    assert_int_equal(modesp_memory_diagnostics_health_configure(&s_diag, &cfg), ESP_OK);
    s_mode = mode;
    s_changes = 0;
}

static void test_policy_level_past_critical_is_critical(void **state)
{
    (void)state;
    use_policy(0);
    const modesp_health_t h = eval_at(2000);
    assert_int_equal(h.level, MODESP_HEALTH_CRITICAL);
    assert_string_equal(h.summary, "CRITICAL"); /* the layer says what the policy decided */
    assert_int_equal(s_changes, 1);
    assert_int_equal(s_previous, MODESP_HEALTH_OK);
}

static void test_policy_summary_is_kept_and_terminated(void **state)
{
    (void)state;
    use_policy(1);
    modesp_health_t h = eval_at(2000);
    assert_int_equal(h.level, MODESP_HEALTH_WARNING);
    assert_int_equal(h.reasons, MODESP_HEALTH_R_PRESSURE);
    assert_string_equal(h.summary, "WARNING: maintenance window");
    use_policy(2);
    h = eval_at(3000);
    assert_int_equal(h.level, MODESP_HEALTH_OK);
    assert_int_equal(strlen(h.summary), MODESP_HEALTH_SUMMARY_LEN - 1u);
}

/* ------------------------------------------------------------ time */

static void test_since_ms_saturates(void **state)
{
    (void)state;
    configure(1, 0);
    assert_int_equal(eval_at(1000).since_ms, 0);
    const modesp_health_t h = eval_at(1000u + 0x100000000ull + 5000u); /* 49.7 days and more later */
    assert_int_equal(h.level, MODESP_HEALTH_OK);
    assert_int_equal(h.since_ms, UINT32_MAX);
}

/*
 * A counter reset followed by as many failures as before (the header: "counter resets are seen as
 * new counts"). This test found the layer reading only a lower counter as a reset: two failures, a
 * reset, two failures again read as no change, and the pool reported OK once the old window had
 * passed. The core now counts resets (modesp_pool_stats_t.resets), which the layer compares.
 */
static void test_reset_then_as_many_failures(void **state)
{
    (void)state;
    configure(1, 0);
    void *b[4];
    take(&spare_pool, b, 4);
    assert_null(modesp_pool_allocate(&spare_pool));
    assert_null(modesp_pool_allocate(&spare_pool));
    give(&spare_pool, b, 4);
    assert_string_equal(eval_at(2000).summary, "WARNING: failures (2 in spare_pool)");
    assert_int_equal(modesp_pool_reset_stats(&spare_pool), ESP_OK);
    take(&spare_pool, b, 4);
    at_ms(12500);
    assert_null(modesp_pool_allocate(&spare_pool));
    assert_null(modesp_pool_allocate(&spare_pool));
    give(&spare_pool, b, 4);
    const modesp_health_t h = eval_at(13000); /* the failures at 2 s are out of the window; the new ones are not */
    assert_int_equal(h.level, MODESP_HEALTH_WARNING);
    assert_string_equal(h.summary, "WARNING: failures (2 in spare_pool)");
}

/* ------------------------------------------------------------ leaks */

#if MODESP_TRACING
static void test_leak_edge_cases(void **state)
{
    (void)state;
    configure(1, 0);
    (void)modesp_memory_diagnostics_set_owner("updater");
    void *win = modesp_pool_allocate_at(&work_pool, "C:\\fw\\main\\ota.c", 7);
    (void)modesp_memory_diagnostics_set_owner(NULL);
    assert_non_null(win);
    modesp_health_t h = eval_at(40000);
    assert_int_equal(h.reasons, MODESP_HEALTH_R_LEAK);
    assert_string_equal(h.summary, "WARNING: leak (1 block, owner updater, ota.c:7)"); /* base name after '\' */

    /* threshold 0: no leak check at all */
    modesp_health_config_t cfg = s_diag.health.cfg;
    cfg.leak_threshold_ms = 0;
    assert_int_equal(modesp_memory_diagnostics_health_configure(&s_diag, &cfg), ESP_OK);
    h = eval_at(90000);
    assert_int_equal(h.level, MODESP_HEALTH_OK);
    assert_int_equal(modesp_pool_deallocate(&work_pool, win), ESP_OK);

    /* a block taken without a call site: the summary has no file part */
    cfg.leak_threshold_ms = 30000;
    assert_int_equal(modesp_memory_diagnostics_health_configure(&s_diag, &cfg), ESP_OK);
    (void)modesp_memory_diagnostics_set_owner("logger");
    void *anon = modesp_pool_allocate(&work_pool);
    (void)modesp_memory_diagnostics_set_owner(NULL);
    assert_non_null(anon);
    h = eval_at(130000);
    assert_string_equal(h.summary, "WARNING: leak (1 block, owner logger)");
    assert_int_equal(modesp_pool_deallocate(&work_pool, anon), ESP_OK);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pressure_names_the_fullest_pool, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unnamed_pool_is_labelled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overwritten_pool_handle_is_critical, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy_level_past_critical_is_critical, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy_summary_is_kept_and_terminated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_since_ms_saturates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_then_as_many_failures, setup, teardown),
#if MODESP_TRACING
        cmocka_unit_test_setup_teardown(test_leak_edge_cases, setup, teardown),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
