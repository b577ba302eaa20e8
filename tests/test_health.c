/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The health verdict (modesp_memory_diagnostics_health, src/diag/health.c):
 * each reason on its own, the debounce by evaluations and by time, CRITICAL
 * at once, the failure window, the policy and change hooks, counter resets
 * and a clock going back. Every scenario runs on a fake clock driven by hand
 * over private pools (plus the manager for pressure and the reserve).
 */
#include "health_fixture.h"

/* ------------------------------------------------------------ names, args */

static void test_names_and_bad_arguments(void **state)
{
    (void)state;
    assert_string_equal(modesp_health_level_name(MODESP_HEALTH_OK), "OK");
    assert_string_equal(modesp_health_level_name(MODESP_HEALTH_WARNING), "WARNING");
    assert_string_equal(modesp_health_level_name(MODESP_HEALTH_CRITICAL), "CRITICAL");
    assert_string_equal(modesp_health_level_name((modesp_health_level_t)7), "?");

    modesp_health_t h;
    assert_int_equal(modesp_memory_diagnostics_health(NULL, &h), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_memory_diagnostics_health(&s_diag, NULL), ESP_ERR_INVALID_ARG);
    static modesp_memory_diagnostics_t zeroed;
    assert_int_equal(modesp_memory_diagnostics_health(&zeroed, &h), ESP_ERR_INVALID_ARG);

    modesp_health_config_t cfg;
    modesp_memory_diagnostics_health_default_config(&cfg);
    assert_int_equal(cfg.debounce_evals, CONFIG_MEMORY_DIAG_HEALTH_DEBOUNCE_EVALS);
    assert_int_equal(cfg.debounce_ms, CONFIG_MEMORY_DIAG_HEALTH_DEBOUNCE_MS);
    assert_int_equal(cfg.leak_threshold_ms, CONFIG_MEMORY_DIAG_HEALTH_LEAK_MS);
    assert_int_equal(cfg.failure_window_ms, CONFIG_MEMORY_DIAG_HEALTH_FAILURE_WINDOW_MS);
    assert_int_equal(cfg.warning_pct, CONFIG_MEMORY_POOL_WARNING_THRESHOLD);
    assert_true(cfg.check_integrity);
    assert_null(cfg.policy);
    modesp_memory_diagnostics_health_default_config(NULL); /* ignored */
    cfg.debounce_evals = 0;
    assert_int_equal(modesp_memory_diagnostics_health_configure(&s_diag, &cfg), ESP_ERR_INVALID_ARG);
    cfg.debounce_evals = 1;
    cfg.warning_pct = 101;
    assert_int_equal(modesp_memory_diagnostics_health_configure(&s_diag, &cfg), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_memory_diagnostics_health_configure(NULL, &cfg), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_memory_diagnostics_health_configure(&zeroed, NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(modesp_memory_diagnostics_health_configure(&s_diag, NULL), ESP_OK); /* Kconfig defaults */

    /* Quiet pools: OK, no reasons, and since_ms counts from init. */
    h = eval_at(4000);
    assert_int_equal(h.level, MODESP_HEALTH_OK);
    assert_int_equal(h.reasons, 0);
    assert_int_equal(h.since_ms, 3000);
    assert_string_equal(h.summary, "OK");
}

/* -------------------------------------------------------------- debounce */

static int s_changes;
static modesp_health_level_t s_prev_seen;
static modesp_health_t s_last_change;

static void on_change(const modesp_health_t *v, modesp_health_level_t previous, void *ctx)
{
    assert_ptr_equal(ctx, &s_changes);
    s_changes++;
    s_prev_seen = previous;
    s_last_change = *v;
}

static void test_warning_is_debounced_by_evaluations(void **state)
{
    (void)state;
    modesp_health_config_t cfg = s_diag.health.cfg;
    cfg.on_change = on_change;
    cfg.change_ctx = &s_changes;
    assert_int_equal(modesp_memory_diagnostics_health_configure(&s_diag, &cfg), ESP_OK);
    s_changes = 0;

    void *b[8];
    take(&work_pool, b, 8); /* 80 %: at the warning level */
    modesp_health_t h = eval_at(2000);
    assert_int_equal(h.level, MODESP_HEALTH_OK); /* 1 of 3 */
    assert_int_equal(h.reasons, 0);
    h = eval_at(2100);
    assert_int_equal(h.level, MODESP_HEALTH_OK); /* 2 of 3 */
    assert_int_equal(s_changes, 0);
    h = eval_at(2200);
    assert_int_equal(h.level, MODESP_HEALTH_WARNING);
    assert_int_equal(h.reasons, MODESP_HEALTH_R_PRESSURE);
    assert_int_equal(h.since_ms, 0);
    assert_string_equal(h.summary, "WARNING: pressure (work_pool 80%)");
    assert_int_equal(s_changes, 1);
    assert_int_equal(s_prev_seen, MODESP_HEALTH_OK);
    assert_int_equal(s_last_change.level, MODESP_HEALTH_WARNING);
    h = eval_at(3200);
    assert_int_equal(h.since_ms, 1000);

    /* A dip: one evaluation OK, then WARNING again, restarts the count down. */
    give(&work_pool, b, 1);
    h = eval_at(3300);
    assert_int_equal(h.level, MODESP_HEALTH_WARNING); /* reasons kept while the way down is pending */
    assert_int_equal(h.reasons, MODESP_HEALTH_R_PRESSURE);
    assert_string_equal(h.summary, "WARNING: pressure (work_pool 80%)");
    take(&work_pool, b, 1);
    h = eval_at(3400);
    assert_int_equal(h.level, MODESP_HEALTH_WARNING);
    give(&work_pool, b, 8);
    (void)eval_at(3500);
    (void)eval_at(3600);
    assert_int_equal(s_changes, 1);
    h = eval_at(3700);
    assert_int_equal(h.level, MODESP_HEALTH_OK);
    assert_int_equal(h.reasons, 0);
    assert_string_equal(h.summary, "OK");
    assert_int_equal(s_changes, 2);
    assert_int_equal(s_prev_seen, MODESP_HEALTH_WARNING);
}

static void test_warning_is_debounced_by_time(void **state)
{
    (void)state;
    configure(100, 2000); /* 100 evaluations or 2 s */
    void *b[9];
    take(&work_pool, b, 9);
    assert_int_equal(eval_at(10000).level, MODESP_HEALTH_OK); /* first seen at 10 s */
    assert_int_equal(eval_at(11000).level, MODESP_HEALTH_OK);
    assert_int_equal(eval_at(11999).level, MODESP_HEALTH_OK);
    modesp_health_t h = eval_at(12000);
    assert_int_equal(h.level, MODESP_HEALTH_WARNING);
    assert_string_equal(h.summary, "WARNING: pressure (work_pool 90%)");
    give(&work_pool, b, 9);
    assert_int_equal(eval_at(13000).level, MODESP_HEALTH_WARNING);
    assert_int_equal(eval_at(15000).level, MODESP_HEALTH_OK);
}

/* ----------------------------------------------- failures and exhaustion */

static void test_exhausting_is_critical_at_once_then_failures_age_out(void **state)
{
    (void)state;
    configure(2, 0);
    void *b[4];
    take(&spare_pool, b, 4);
    assert_null(modesp_pool_allocate(&spare_pool)); /* full and refusing */
    modesp_health_t h = eval_at(5000);
    assert_int_equal(h.level, MODESP_HEALTH_CRITICAL); /* no debounce on the way up to CRITICAL */
    assert_int_equal(h.reasons, MODESP_HEALTH_R_PRESSURE | MODESP_HEALTH_R_FAILURES);
    assert_string_equal(h.summary, "CRITICAL: pressure (spare_pool full and failing), failures (1 in spare_pool)");

    /* One block back: no longer full, but the failure is recent: WARNING after the debounce. */
    give(&spare_pool, b, 1);
    assert_int_equal(eval_at(6000).level, MODESP_HEALTH_CRITICAL);
    h = eval_at(7000);
    assert_int_equal(h.level, MODESP_HEALTH_WARNING);
    assert_int_equal(h.reasons, MODESP_HEALTH_R_FAILURES); /* 75 %: under the warning level */
    give(&spare_pool, b + 1, 3);
    h = eval_at(8000);
    assert_int_equal(h.level, MODESP_HEALTH_WARNING);
    assert_int_equal(h.reasons, MODESP_HEALTH_R_FAILURES);
    assert_string_equal(h.summary, "WARNING: failures (1 in spare_pool)");
    /* The window is 10 s after the last evaluation that saw the failure (5 s). */
    assert_int_equal(eval_at(14999).reasons, MODESP_HEALTH_R_FAILURES);
    assert_int_equal(eval_at(15000).level, MODESP_HEALTH_WARNING); /* raw OK: 1 of 2 */
    h = eval_at(15001);
    assert_int_equal(h.level, MODESP_HEALTH_OK);
    assert_int_equal(h.since_ms, 0);
}

static void test_counter_reset_and_clock_going_back(void **state)
{
    (void)state;
    configure(1, 0);
    void *b[4];
    take(&spare_pool, b, 4);
    assert_null(modesp_pool_allocate(&spare_pool));
    assert_null(modesp_pool_allocate(&spare_pool));
    give(&spare_pool, b, 4);
    modesp_health_t h = eval_at(2000);
    assert_int_equal(h.level, MODESP_HEALTH_WARNING);
    assert_string_equal(h.summary, "WARNING: failures (2 in spare_pool)");
    /* Reset: the counter drops to 0, then one new failure: counted as 1, not as a huge wrap. */
    assert_int_equal(modesp_pool_reset_stats(&spare_pool), ESP_OK);
    take(&spare_pool, b, 4);
    assert_null(modesp_pool_allocate(&spare_pool));
    give(&spare_pool, b, 4);
    h = eval_at(3000);
    assert_string_equal(h.summary, "WARNING: failures (1 in spare_pool)");
    /* The clock goes back to 1 s: no time passes, so the window still holds at "3 s". */
    h = eval_at(1000);
    assert_int_equal(h.level, MODESP_HEALTH_WARNING);
    assert_int_equal(h.since_ms, 1000); /* WARNING since 2 s, now still 3 s */
    h = eval_at(13000);
    assert_int_equal(h.level, MODESP_HEALTH_OK);
}

/* ------------------------------------------------------------ integrity */

static void test_integrity_fault_is_critical(void **state)
{
    (void)state;
    void *b = modesp_pool_allocate(&work_pool);
    assert_non_null(b);
    const uint32_t saved = work_pool.peak;
    work_pool.peak = work_pool.capacity + 1u; /* invariant I3 broken: peak over capacity */
    modesp_health_t h = eval_at(2000);
    work_pool.peak = saved;
    assert_int_equal(h.level, MODESP_HEALTH_CRITICAL);
    assert_int_equal(h.reasons & MODESP_HEALTH_R_INTEGRITY, MODESP_HEALTH_R_INTEGRITY);
    assert_string_equal(h.summary, "CRITICAL: integrity (pool work_pool)");

    /* With the checks off the same fault goes unseen. */
    modesp_health_config_t cfg = s_diag.health.cfg;
    cfg.check_integrity = false;
    cfg.debounce_evals = 1;
    assert_int_equal(modesp_memory_diagnostics_health_configure(&s_diag, &cfg), ESP_OK);
    work_pool.peak = work_pool.capacity + 1u;
    h = eval_at(3000);
    work_pool.peak = saved;
    assert_int_equal(h.level, MODESP_HEALTH_OK);
    assert_int_equal(modesp_pool_deallocate(&work_pool, b), ESP_OK);
}

/* --------------------------------------------------------------- policy */

typedef struct {
    int calls;
    uint32_t seen_reasons;
} policy_ctx_t;

/* A ring buffer fills work_pool on purpose: pressure there alone is normal. */
static void ignore_work_pool_pressure(modesp_health_t *raw, void *ctx)
{
    policy_ctx_t *p = ctx;
    p->calls++;
    p->seen_reasons = raw->reasons;
    assert_int_equal(raw->since_ms, 0);
    if (raw->reasons == MODESP_HEALTH_R_PRESSURE && strstr(raw->summary, "work_pool") != NULL) {
        raw->level = MODESP_HEALTH_OK;
        raw->reasons = 0;
    }
}

/* Any failure is CRITICAL for this product (summary left alone: the layer rewrites it). */
static void failures_are_critical(modesp_health_t *raw, void *ctx)
{
    (void)ctx;
    if ((raw->reasons & MODESP_HEALTH_R_FAILURES) != 0u) {
        raw->level = MODESP_HEALTH_CRITICAL;
    }
}

static void test_policy_hook_adjusts_the_raw_verdict(void **state)
{
    (void)state;
    static policy_ctx_t pc;
    memset(&pc, 0, sizeof pc);
    modesp_health_config_t cfg = s_diag.health.cfg;
    cfg.debounce_evals = 1;
    cfg.policy = ignore_work_pool_pressure;
    cfg.policy_ctx = &pc;
    assert_int_equal(modesp_memory_diagnostics_health_configure(&s_diag, &cfg), ESP_OK);
    void *b[10];
    take(&work_pool, b, 10);
    modesp_health_t h = eval_at(2000);
    assert_int_equal(pc.calls, 1);
    assert_int_equal(pc.seen_reasons, MODESP_HEALTH_R_PRESSURE);
    assert_int_equal(h.level, MODESP_HEALTH_OK);
    assert_string_equal(h.summary, "OK");
    give(&work_pool, b, 2); /* 80 % */
    void *s[4];
    take(&spare_pool, s, 4); /* spare_pool pressure is not excused */
    h = eval_at(3000);
    assert_int_equal(h.level, MODESP_HEALTH_WARNING);
    assert_string_equal(h.summary, "WARNING: pressure (spare_pool 100%)");
    give(&spare_pool, s, 4);

    cfg.policy = failures_are_critical;
    cfg.policy_ctx = NULL;
    assert_int_equal(modesp_memory_diagnostics_health_configure(&s_diag, &cfg), ESP_OK);
    take(&spare_pool, s, 4);
    assert_null(modesp_pool_allocate(&spare_pool));
    give(&spare_pool, s, 4);
    h = eval_at(4000);
    assert_int_equal(h.level, MODESP_HEALTH_CRITICAL);
    assert_int_equal(h.reasons, MODESP_HEALTH_R_PRESSURE | MODESP_HEALTH_R_FAILURES);
    assert_string_equal(h.summary, "CRITICAL: pressure (work_pool 80%), failures (1 in spare_pool)");
    give(&work_pool, b + 2, 8);
}

/* ------------------------------------------------ manager and reserve */

static void test_manager_pressure(void **state)
{
    (void)state;
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    assert_int_equal(modesp_memory_diagnostics_init_pools(&s_diag, pm, s_pools, 2), ESP_OK);
    configure(1, 0);
    assert_int_equal(eval_at(2000).level, MODESP_HEALTH_OK);
    void *x = modesp_pool_manager_allocate(pm, 1);
    assert_non_null(x);
    const uint8_t u = modesp_pool_manager_get_overall_utilization(pm);
    if (u >= 1u) {
        assert_int_equal(modesp_pool_manager_set_pressure_thresholds(pm, u, 100, 1), ESP_OK);
        modesp_health_t h = eval_at(3000);
        assert_int_equal(h.level, MODESP_HEALTH_WARNING);
        assert_int_equal(h.reasons, MODESP_HEALTH_R_PRESSURE);
        assert_string_equal(h.summary, "WARNING: pressure (manager WARNING)");
        assert_int_equal(modesp_pool_manager_set_pressure_thresholds(pm, u, u, 1), ESP_OK);
        h = eval_at(4000);
        assert_int_equal(h.level, MODESP_HEALTH_CRITICAL);
        assert_string_equal(h.summary, "CRITICAL: pressure (manager CRITICAL)");
    }
    assert_int_equal(modesp_pool_manager_set_pressure_thresholds(pm, CONFIG_MEMORY_POOL_WARNING_THRESHOLD,
                                                                 CONFIG_MEMORY_POOL_CRITICAL_THRESHOLD,
                                                                 CONFIG_MEMORY_POOL_RELEASE_THRESHOLD),
                     ESP_OK);
    assert_int_equal(modesp_pool_manager_free(pm, x), ESP_OK);
    assert_int_equal(eval_at(5000).level, MODESP_HEALTH_OK);
}

static void test_reserve_use_and_failure(void **state)
{
    (void)state;
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    assert_int_equal(modesp_memory_diagnostics_init_pools(&s_diag, pm, s_pools, 2), ESP_OK);
    configure(1, 0);
    modesp_pool_manager_stats_t ms;
    assert_int_equal(modesp_pool_manager_get_stats(pm, &ms), ESP_OK);
    if (ms.reserve.capacity == 0u) {
        skip(); /* a configuration without a reserve */
    }
    /* The reserve is reached only once the fitting class is empty. */
    const size_t size = ms.reserve.block_size;
    static void *cls[1024];
    size_t n = 0;
    while (n < 1024 && (cls[n] = modesp_pool_manager_allocate(pm, size)) != NULL) {
        n++;
    }
    void *r = modesp_pool_manager_allocate_critical(pm, size);
    assert_non_null(r);
    modesp_health_t h = eval_at(3000);
    assert_true((h.reasons & MODESP_HEALTH_R_RESERVE) != 0u);
    assert_non_null(strstr(h.summary, "reserve (1 in use)"));
    assert_int_equal(modesp_pool_manager_free(pm, r), ESP_OK);
    h = eval_at(4000); /* used within the window: still a reason */
    assert_true((h.reasons & MODESP_HEALTH_R_RESERVE) != 0u);
    assert_non_null(strstr(h.summary, "reserve (0 in use)"));

    static void *res[256];
    size_t m = 0;
    while (m < 256 && (res[m] = modesp_pool_manager_allocate_critical(pm, size)) != NULL) {
        m++;
    }
    assert_int_equal(m, ms.reserve.capacity); /* the last call failed: a critical failure */
    h = eval_at(5000);
    assert_int_equal(h.level, MODESP_HEALTH_CRITICAL);
    assert_true((h.reasons & (MODESP_HEALTH_R_RESERVE | MODESP_HEALTH_R_FAILURES)) ==
                (MODESP_HEALTH_R_RESERVE | MODESP_HEALTH_R_FAILURES));
    for (size_t i = 0; i < m; i++) {
        assert_int_equal(modesp_pool_manager_free(pm, res[i]), ESP_OK);
    }
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(modesp_pool_manager_free(pm, cls[i]), ESP_OK);
    }
    assert_int_equal(eval_at(14999).level, MODESP_HEALTH_CRITICAL); /* the failure at 5 s still counts */
    assert_int_equal(eval_at(15000).level, MODESP_HEALTH_OK);
}

/* ----------------------------------------------------------------- leaks */

#if MODESP_TRACING
static void test_leak_names_owner_and_call_site(void **state)
{
    (void)state;
    configure(1, 0);
    (void)modesp_memory_diagnostics_set_owner("logger");
    void *a = modesp_pool_allocate_at(&spare_pool, "src/logger.c", 88);
    at_ms(2000);
    void *b = modesp_pool_allocate_at(&spare_pool, "src/logger.c", 90);
    (void)modesp_memory_diagnostics_set_owner(NULL);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(eval_at(30999).level, MODESP_HEALTH_OK); /* a allocated at 1 s: 29.999 s old */
    modesp_health_t h = eval_at(31000);
    assert_int_equal(h.level, MODESP_HEALTH_WARNING);
    assert_int_equal(h.reasons, MODESP_HEALTH_R_LEAK);
    assert_string_equal(h.summary, "WARNING: leak (1 block, owner logger, logger.c:88)");
    h = eval_at(32000);
    assert_string_equal(h.summary, "WARNING: leak (2 blocks, owner logger, logger.c:88)");
    assert_int_equal(modesp_pool_deallocate(&spare_pool, a), ESP_OK);
    h = eval_at(32001);
    assert_string_equal(h.summary, "WARNING: leak (1 block, owner logger, logger.c:90)");
    assert_int_equal(modesp_pool_deallocate(&spare_pool, b), ESP_OK);
    assert_int_equal(eval_at(33000).level, MODESP_HEALTH_OK);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_names_and_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_warning_is_debounced_by_evaluations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_warning_is_debounced_by_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exhausting_is_critical_at_once_then_failures_age_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counter_reset_and_clock_going_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_integrity_fault_is_critical, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy_hook_adjusts_the_raw_verdict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_manager_pressure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reserve_use_and_failure, setup, teardown),
#if MODESP_TRACING
        cmocka_unit_test_setup_teardown(test_leak_names_owner_and_call_site, setup, teardown),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
