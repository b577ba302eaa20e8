/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cmocka fixture shared by the suites that test the manager singleton
 * (test_misuse.c, test_core_coverage.c): `pm` is the manager; each case
 * starts in task context with zeroed counters, and ends with the thresholds
 * back at their Kconfig values and the manager intact with nothing in use.
 */
#ifndef MODESP_TEST_MANAGER_FIXTURE_H
#define MODESP_TEST_MANAGER_FIXTURE_H

#include "modesp/port_posix.h"
#include "test_support.h"

static modesp_pool_manager_t *pm;

static int setup(void **state)
{
    (void)state;
    pm = modesp_get_pool_manager();
    modesp_port_posix_set_isr_context(false);
    return modesp_pool_manager_reset_stats(pm) == ESP_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    modesp_port_posix_set_isr_context(false);
    (void)modesp_pool_manager_set_pressure_thresholds(pm, CONFIG_MEMORY_POOL_WARNING_THRESHOLD,
                                                      CONFIG_MEMORY_POOL_CRITICAL_THRESHOLD,
                                                      CONFIG_MEMORY_POOL_RELEASE_THRESHOLD);
    assert_manager_clean();
    return 0;
}

#endif
