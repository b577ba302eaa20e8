/* SPDX-License-Identifier: Apache-2.0 */
/* The default handler of a failed MODESP_ASSERT (see mp_assert.h). */
#include "mp_assert.h"

#include "modesp/hooks.h"
#include "mp_atomic.h"
#include "port.h"

static uint32_t s_failures;

uint32_t modesp_assert_failures(void) { return mp_load(&s_failures, MP_RELAXED); }

#if MODESP_ASSERTS_ON
void modesp_assert_failed_(const char *expr, const char *file, int line)
{
    (void)mp_fetch_add(&s_failures, 1u, MP_RELAXED);
    if (!modesp_port_in_isr()) {
        modesp_port_log(MODESP_LOG_ERROR, "mempool", "invariant broken: %s (%s:%d)", expr, file, line);
    }
#if defined(MODESP_TEST_HOOKS) && MODESP_TEST_HOOKS
    __builtin_trap(); /* a test build stops at the first broken invariant */
#endif
}
#endif
