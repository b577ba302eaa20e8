/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every example does to check itself: count failed checks, verify at
 * the end that the manager is intact and nothing is left allocated, and
 * print the "<name>: OK" line the example's test looks for.
 */
#ifndef MODESP_EXAMPLE_CHECK_H
#define MODESP_EXAMPLE_CHECK_H

#include <stdio.h>

#include "modesp/memory_pool.h"

static int s_failures;

static inline void check(int ok, const char *what)
{
    if (!ok) {
        printf("  FAILED: %s\n", what);
        s_failures++;
    }
}

/* Integrity of every pool and nothing left allocated anywhere in the manager. */
static inline void check_manager_clean(void)
{
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    modesp_pool_integrity_t report = {0};
    int bad_class = -1;
    const esp_err_t err = modesp_pool_manager_check_integrity(pm, &bad_class, &report);
    printf("integrity check: %s\n", modesp_err_to_name(err));
    if (err != ESP_OK) {
        printf("  class %d: %s\n", bad_class, modesp_pool_fault_name(report.fault));
    }
    check(err == ESP_OK, "modesp_pool_manager_check_integrity returns ESP_OK");

    modesp_pool_manager_stats_t st;
    check(modesp_pool_manager_get_stats(pm, &st) == ESP_OK, "read the manager stats");
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        if (st.classes[c].in_use != 0u) {
            printf("  %s class still has %u blocks in use\n", modesp_size_class_name((modesp_size_class_t)c),
                   (unsigned)st.classes[c].in_use);
        }
    }
    printf("manager in use: %u bytes, reserve %u blocks, heap %u blocks; size-mismatch frees %u\n",
           (unsigned)st.bytes_in_use, (unsigned)st.reserve.in_use, (unsigned)st.heap_in_use,
           (unsigned)st.size_mismatch_frees);
    check(st.bytes_in_use == 0u && st.reserve.in_use == 0u && st.heap_in_use == 0u, "nothing left in use");
}

/* The example's exit status, after its final line. */
static inline int example_finish(const char *name)
{
    if (s_failures != 0) {
        printf("%s: FAILED (%d checks)\n", name, s_failures);
        return 1;
    }
    printf("%s: OK\n", name);
    return 0;
}

#endif
