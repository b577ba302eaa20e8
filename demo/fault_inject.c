/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --fail-pct N: make N % of the allocation attempts of every pool fail, as
 * if the pool were empty (issue 18's fault injection of the demo's modules
 * and the bus). It uses the core's fault-injection hook, which exists in the
 * host libraries built with the test hooks (MODESP_TEST_HOOKS, as the demo's
 * library variant is): the failure then takes the library's real failure
 * path, so every refusal is counted by the pool (`exhausted`, and
 * `alloc_failures` where the caller sees it) and by the callers. The draw is
 * a per-thread xorshift from --seed, so the fraction is exact in the long
 * run, not the sequence.
 */
#include <stdatomic.h>

#include "demo.h"

#if defined(MODESP_TEST_HOOKS) && MODESP_TEST_HOOKS
#include "mp_pause.h" /* modesp_test_set_fail_hook: test builds of the library only */
#define DEMO_HAS_FAIL_HOOK 1
#else
#define DEMO_HAS_FAIL_HOOK 0
#endif

static uint32_t s_pct;
static uint32_t s_seed;
static _Atomic uint64_t s_attempts;
static _Atomic uint64_t s_injected;
static _Atomic uint32_t s_thread_seq;
static _Thread_local uint32_t t_rng;

#if DEMO_HAS_FAIL_HOOK
static _Bool should_fail(const void *pool)
{
    (void)pool;
    if (t_rng == 0) {
        t_rng = (s_seed ^ 0x9E3779B9u) + 0x632BE5ABu * (atomic_fetch_add(&s_thread_seq, 1) + 1u);
    }
    atomic_fetch_add(&s_attempts, 1);
    if (demo_rand(&t_rng) % 100u < s_pct) {
        atomic_fetch_add(&s_injected, 1);
        return 1;
    }
    return 0;
}
#endif

bool demo_fail_inject_start(uint32_t pct, uint32_t seed)
{
    s_pct = pct;
    s_seed = seed;
#if DEMO_HAS_FAIL_HOOK
    modesp_test_set_fail_hook(pct > 0 ? should_fail : 0);
    return true;
#else
    return pct == 0;
#endif
}

void demo_fail_inject_stop(void)
{
#if DEMO_HAS_FAIL_HOOK
    modesp_test_set_fail_hook(0);
#endif
}

uint64_t demo_fail_injected(void) { return atomic_load(&s_injected); }
uint64_t demo_fail_attempts(void) { return atomic_load(&s_attempts); }
