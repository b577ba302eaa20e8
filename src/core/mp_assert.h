/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MODESP_ASSERT: invariant checks of debug builds (private).
 *
 * On with Kconfig MEMORY_POOL_DEBUG_ASSERTS and in the host test builds
 * (MODESP_TEST_HOOKS); otherwise each check compiles to nothing. A project can
 * define MODESP_ASSERT(cond) itself (a compiler flag) to route failures to its
 * own handler. The default calls modesp_assert_failed_(), which counts the
 * failure (modesp_assert_failures()) and logs it from task context; in test
 * builds it aborts, so a broken invariant fails the test run at once. A check
 * never changes what the library does: errors stay values.
 */
#ifndef MODESP_MP_ASSERT_H
#define MODESP_MP_ASSERT_H

#include <stdint.h>

#include "modesp/mempool_config.h"

#if !defined(MODESP_ASSERT)
#if defined(CONFIG_MEMORY_POOL_DEBUG_ASSERTS) || (defined(MODESP_TEST_HOOKS) && MODESP_TEST_HOOKS)
#define MODESP_ASSERTS_ON 1
void modesp_assert_failed_(const char *expr, const char *file, int line);
#define MODESP_ASSERT(cond) ((cond) ? (void)0 : modesp_assert_failed_(#cond, __FILE__, __LINE__))
#else
#define MODESP_ASSERTS_ON   0
#define MODESP_ASSERT(cond) ((void)0)
#endif
#endif

#endif /* MODESP_MP_ASSERT_H */
