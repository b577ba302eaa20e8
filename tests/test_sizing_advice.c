/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sizing advice from the requested-size histogram (src/diag/advice.c): a
 * scripted stream on a fake clock where one class is far too small. With
 * tracing (`debug` variant) the hold times are known and the demand is
 * estimated by Little's law (request rate x mean hold + 3 sigma); without,
 * it is the upper bound peak + failures. The histogram, the failed-request
 * count, the failure ring fed by the core's on_fail hook and the sdkconfig
 * fragment are checked figure by figure.
 */
#include <stdio.h>
#include <string.h>

#include "modesp/hooks.h"
#include "modesp/memory_diagnostics.h"
#include "modesp/port_posix.h"
#include "test_support.h"

static uint64_t s_now_us;
static uint64_t fake_clock(void) { return s_now_us; }
static void at_ms(uint64_t ms) { s_now_us = ms * 1000u; }

#define STEPS   1000u /* one request per ms */
#define HOLD_MS 100u  /* every block that is served is freed 100 ms later */

static void test_estimated_demand_from_rate_and_hold(void **state)
{
    (void)state;
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    static modesp_memory_diagnostics_t diag;
    at_ms(0);
    modesp_port_posix_set_clock(fake_clock);
    modesp_memory_diagnostics_reset_tracing();
    assert_int_equal(modesp_memory_diagnostics_init(&diag, pm), ESP_OK);
    const modesp_alloc_strategy_t saved = modesp_pool_manager_get_default_strategy(pm);
    assert_int_equal(modesp_pool_manager_set_default_strategy(pm, MODESP_ALLOC_STRICT, 0), ESP_OK);
    assert_int_equal(modesp_pool_manager_reset_stats(pm), ESP_OK);

    /* XLARGE requests of one size, in bucket `bucket` of the class's histogram. */
    const uint32_t lo = CONFIG_MEMORY_POOL_LARGE_SIZE;
    const uint32_t size = (CONFIG_MEMORY_POOL_LARGE_SIZE + CONFIG_MEMORY_POOL_XLARGE_SIZE) / 2u + 1u;
    const uint32_t width = (CONFIG_MEMORY_POOL_XLARGE_SIZE - lo) / MODESP_DIAG_HIST_BUCKETS;
    uint32_t bucket = (size - lo - 1u) / width;
    bucket = bucket < MODESP_DIAG_HIST_BUCKETS ? bucket : MODESP_DIAG_HIST_BUCKETS - 1u;
    const uint32_t cap = CONFIG_MEMORY_POOL_XLARGE_COUNT;

    static void *live[STEPS];
    static uint32_t born[STEPS];
    uint32_t served = 0;
    uint32_t oldest = 0; /* live[] is a FIFO: blocks are freed in the order they were served */
    for (uint32_t t = 0; t < STEPS; t++) {
        at_ms(t);
        while (oldest < served && born[oldest] + HOLD_MS <= t) {
            assert_int_equal(modesp_pool_manager_free(pm, live[oldest]), ESP_OK);
            oldest++;
        }
        void *p = MODESP_DIAG_ALLOC(size);
        if (p != NULL) {
            live[served] = p;
            born[served] = t;
            served++;
        }
    }
    at_ms(STEPS);
    /* 8 blocks serve 8 requests per 100 ms window: blocks t = 0..cap-1, 100..100+cap-1, ... */
    assert_int_equal(served, cap * (STEPS / HOLD_MS));
    const uint32_t failed = STEPS - served;

    modesp_diag_class_advice_t adv[MODESP_CLASS_COUNT];
    assert_int_equal(modesp_memory_diagnostics_advise(pm, 0, adv, MODESP_CLASS_COUNT), MODESP_CLASS_COUNT);
    const modesp_diag_class_advice_t *x = &adv[MODESP_CLASS_XLARGE];
    assert_int_equal(x->requests, STEPS);
    assert_int_equal(x->failed_requests, failed);
    assert_int_equal(x->failures, failed);
    assert_int_equal(x->peak, cap);
    assert_int_equal(x->max_requested, size);
    assert_int_equal(x->mean_requested, size);
    for (uint32_t k = 0; k < MODESP_DIAG_HIST_BUCKETS; k++) {
        assert_int_equal(x->histogram[k], k == bucket ? STEPS : 0u);
    }
    assert_int_equal(adv[MODESP_CLASS_TINY].requests, 0);
    assert_int_equal(adv[MODESP_CLASS_TINY].basis, MODESP_DIAG_DEMAND_PEAK);
    if (MODESP_TRACING) {
        /* L = 1000 requests / 1000 ms x 100 ms held = 100 blocks; + 3 x sqrt(100) */
        assert_int_equal(x->mean_hold_ms, HOLD_MS);
        assert_int_equal(x->basis, MODESP_DIAG_DEMAND_ESTIMATED);
        assert_int_equal(x->demand, 130);
    } else {
        assert_int_equal(x->mean_hold_ms, 0);
        assert_int_equal(x->basis, MODESP_DIAG_DEMAND_UPPER_BOUND);
        assert_int_equal(x->demand, cap + failed);
    }
    assert_int_equal(x->recommended_count, x->demand);                    /* headroom 0 */
    const bool shrink = size * 4u <= CONFIG_MEMORY_POOL_XLARGE_SIZE * 3u; /* every request well below the class */
    assert_int_equal(x->recommended_size, shrink ? (size + 7u) / 8u * 8u : CONFIG_MEMORY_POOL_XLARGE_SIZE);

    /* The failure ring heard of the class failures (through on_fail with tracing, the wrapper without). */
    modesp_diag_failure_t f[1];
    assert_int_equal(modesp_memory_diagnostics_get_failures(f, 1, NULL), 1);
    assert_ptr_equal(f[0].pool, modesp_pool_manager_get_pool(pm, MODESP_CLASS_XLARGE));
    assert_int_equal(f[0].size, size);
    assert_int_equal(f[0].size_class, MODESP_CLASS_XLARGE);
    assert_non_null(strstr(f[0].file, "test_sizing_advice.c"));

    static capture_t cap_text;
    memset(&cap_text, 0, sizeof cap_text);
    assert_int_equal(modesp_memory_diagnostics_advice_report(adv, MODESP_CLASS_COUNT, capture_line, &cap_text), ESP_OK);
    char want[160];
    (void)snprintf(want, sizeof want, "\nCONFIG_MEMORY_POOL_XLARGE_COUNT=%u\n", (unsigned)x->recommended_count);
    assert_non_null(strstr(cap_text.text, want));
    (void)snprintf(want, sizeof want,
                   "#   %u requests (%u failed), mean %u B, largest %u B, hold %u ms; sizes:", (unsigned)STEPS,
                   (unsigned)failed, (unsigned)size, (unsigned)size, (unsigned)x->mean_hold_ms);
    assert_non_null(strstr(cap_text.text, want));
    assert_non_null(strstr(cap_text.text, MODESP_TRACING ? "(estimated: request rate x mean hold + 3 sigma)"
                                                         : "(upper bound: peak + failures)"));

    for (uint32_t i = oldest; i < served; i++) {
        assert_int_equal(modesp_pool_manager_free(pm, live[i]), ESP_OK);
    }
    (void)modesp_pool_manager_process_pressure_events(pm);
    assert_int_equal(modesp_pool_manager_reset_stats(pm), ESP_OK);
    assert_int_equal(modesp_pool_manager_set_default_strategy(pm, saved, 0), ESP_OK);
    modesp_port_posix_set_clock(NULL);
    modesp_memory_diagnostics_reset_tracing();
    assert_manager_clean();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_estimated_demand_from_rate_and_hold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
