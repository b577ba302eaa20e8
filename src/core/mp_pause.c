/* SPDX-License-Identifier: Apache-2.0 */
/* Pause-point and fault-injection hooks of test builds (see mp_pause.h); empty otherwise. */
#include "mp_pause.h"

#if defined(MODESP_TEST_HOOKS) && MODESP_TEST_HOOKS

static mp_pause_hook_t s_hook;

void modesp_test_set_pause_hook(mp_pause_hook_t hook) { __atomic_store_n(&s_hook, hook, __ATOMIC_SEQ_CST); }

void modesp_test_pause_(mp_pause_point_t point, const void *object)
{
    const mp_pause_hook_t hook = __atomic_load_n(&s_hook, __ATOMIC_ACQUIRE);
    if (hook != 0) {
        hook(point, object);
    }
}

static mp_fail_hook_t s_fail;

void modesp_test_set_fail_hook(mp_fail_hook_t hook) { __atomic_store_n(&s_fail, hook, __ATOMIC_SEQ_CST); }

_Bool modesp_test_inject_fail_(const void *pool)
{
    const mp_fail_hook_t hook = __atomic_load_n(&s_fail, __ATOMIC_ACQUIRE);
    return hook != 0 && hook(pool);
}

#else
typedef int mp_pause_unused_t; /* ISO C wants at least one declaration in a translation unit */
#endif
