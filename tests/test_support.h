/* SPDX-License-Identifier: Apache-2.0 */
/* Shared helpers for the cmocka suites. */
#ifndef MODESP_TEST_SUPPORT_H
#define MODESP_TEST_SUPPORT_H

#include <setjmp.h> /* cmocka needs these before cmocka.h */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>

#include "modesp/memory_pool.h"

/* Fail the test, naming the pool and the broken invariant, unless the pool is intact. */
static inline void assert_pool_intact_(const modesp_pool_t *pool, const char *file, int line)
{
    modesp_pool_integrity_t r;
    esp_err_t err = modesp_pool_check_integrity(pool, &r);
    if (err != ESP_OK) {
        print_error("%s:%d: pool '%s' integrity: %s (%s) at block %u\n", file, line,
                    pool != NULL && pool->name != NULL ? pool->name : "?", modesp_err_to_name(err),
                    modesp_pool_fault_name(r.fault), (unsigned)r.block);
        fail();
    }
}
#define assert_pool_intact(pool) assert_pool_intact_((pool), __FILE__, __LINE__)

/* A pool statistic the minimal profile (Kconfig MEMORY_POOL_MINIMAL_STATS) compiles out: peak,
 * total_allocs, the failure and misuse counters. There get_stats reads them as 0 and peak as in_use,
 * and that is what is checked. */
#ifdef CONFIG_MEMORY_POOL_MINIMAL_STATS
#define assert_stat(value, expected) ((void)(expected), assert_int_equal(value, 0))
#define assert_peak(st, expected)    ((void)(expected), assert_int_equal((st).peak, (st).in_use))
#else
#define assert_stat(value, expected) assert_int_equal(value, expected)
#define assert_peak(st, expected)    assert_int_equal((st).peak, expected)
#endif

/* Manager intact and nothing outstanding in any class or the reserve (teardown check). */
static inline void assert_manager_clean_(const char *file, int line)
{
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    int bad = -1;
    modesp_pool_integrity_t r;
    esp_err_t err = modesp_pool_manager_check_integrity(pm, &bad, &r);
    if (err != ESP_OK) {
        print_error("%s:%d: manager integrity: %s in class %d: %s block %u\n", file, line, modesp_err_to_name(err), bad,
                    modesp_pool_fault_name(r.fault), (unsigned)r.block);
        fail();
    }
    modesp_pool_manager_stats_t st;
    assert_int_equal(modesp_pool_manager_get_stats(pm, &st), ESP_OK);
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        if (st.classes[c].in_use != 0u) {
            print_error("%s:%d: class %s still has %u blocks allocated\n", file, line,
                        modesp_size_class_name((modesp_size_class_t)c), (unsigned)st.classes[c].in_use);
            fail();
        }
    }
    assert_int_equal(st.reserve.in_use, 0);
    assert_int_equal(st.heap_in_use, 0);
    assert_int_equal(st.bytes_in_use, 0);
}
#define assert_manager_clean() assert_manager_clean_(__FILE__, __LINE__)

/* A report written line by line (the diagnostics' line sinks), kept as one text for the checks. */
typedef struct {
    char text[4096];
    size_t len;
} capture_t;

/* Line sink for capture_t (ctx): appends the line and a newline; fails the test if the text overflows. */
static inline void capture_line(const char *line, void *ctx)
{
    capture_t *c = (capture_t *)ctx; /* the cast: C++ suites include this header too */
    const int n = snprintf(c->text + c->len, sizeof c->text - c->len, "%s\n", line);
    assert_true(n > 0 && (size_t)n < sizeof c->text - c->len);
    c->len += (size_t)n;
}

#endif
