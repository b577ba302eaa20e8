/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The health-verdict fixture (test_health.c, test_health_coverage.c): two private pools covered by
 * one diagnostics object, a fake clock driven by hand (at_ms), a
 * configuration with N evaluations of debounce and a 10 s failure window, and
 * a teardown that requires both pools intact and empty and the manager clean.
 */
#ifndef MODESP_TEST_HEALTH_FIXTURE_H
#define MODESP_TEST_HEALTH_FIXTURE_H

#include <string.h>

#include "modesp/hooks.h"
#include "modesp/memory_diagnostics.h"
#include "modesp/port_posix.h"
#include "test_support.h"

MODESP_POOL_DEFINE_STATIC(work_pool, 32, 10);
MODESP_POOL_DEFINE_STATIC(spare_pool, 64, 4);

static const modesp_pool_t *const s_pools[] = {&work_pool, &spare_pool};

static uint64_t s_now_us;
static uint64_t fake_clock(void) { return s_now_us; }
static void at_ms(uint64_t ms) { s_now_us = ms * 1000u; }

static modesp_memory_diagnostics_t s_diag;

/* Configuration used by most cases: `evals` evaluations or `debounce_ms`, 10 s failure window, 30 s leaks, 80 %. */
static void configure(uint32_t evals, uint32_t debounce_ms)
{
    modesp_health_config_t cfg;
    modesp_memory_diagnostics_health_default_config(&cfg);
    cfg.debounce_evals = evals;
    cfg.debounce_ms = debounce_ms;
    cfg.failure_window_ms = 10000;
    cfg.leak_threshold_ms = 30000;
    cfg.warning_pct = 80;
    assert_int_equal(modesp_memory_diagnostics_health_configure(&s_diag, &cfg), ESP_OK);
}

static int setup(void **state)
{
    (void)state;
    at_ms(1000);
    modesp_port_posix_set_clock(fake_clock);
    modesp_memory_diagnostics_reset_tracing();
    assert_int_equal(modesp_memory_diagnostics_init_pools(&s_diag, NULL, s_pools, 2), ESP_OK);
    configure(3, 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    modesp_port_posix_set_clock(NULL);
    (void)modesp_memory_diagnostics_set_owner(NULL);
    assert_pool_intact(&work_pool);
    assert_pool_intact(&spare_pool);
    assert_int_equal(modesp_pool_in_use(&work_pool), 0);
    assert_int_equal(modesp_pool_in_use(&spare_pool), 0);
    assert_manager_clean();
    return 0;
}

static modesp_health_t eval_at(uint64_t ms)
{
    at_ms(ms);
    modesp_health_t h;
    memset(&h, 0xA5, sizeof h);
    assert_int_equal(modesp_memory_diagnostics_health(&s_diag, &h), ESP_OK);
    return h;
}

static void take(const modesp_pool_t *pool, void **blocks, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        blocks[i] = modesp_pool_allocate((modesp_pool_t *)pool);
        assert_non_null(blocks[i]);
    }
}

static void give(const modesp_pool_t *pool, void **blocks, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(modesp_pool_deallocate((modesp_pool_t *)pool, blocks[i]), ESP_OK);
    }
}

#endif
