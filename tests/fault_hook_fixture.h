/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fault-injection fixture shared by test_fault_injection.c (the manager and
 * a private pool under a failure schedule, the clock jumping under WAIT) and
 * test_fault_injection_bus.c (the event bus under 10 % failures): the test
 * builds' fail hook (mp_pause.h) makes chosen allocation attempts find a pool
 * empty, on a schedule per class (every Nth attempt, a seeded probability, or
 * always), and counts the attempts it saw and the failures it injected per
 * pool. The reserve is never failed on purpose. MODESP_STRESS_ALLOCS scales the
 * operation count (g_ops) down under sanitizers.
 */
#ifndef MODESP_TEST_FAULT_HOOK_FIXTURE_H
#define MODESP_TEST_FAULT_HOOK_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#include "modesp/hooks.h"
#include "modesp/port_posix.h"
#include "mp_pause.h"

#define NCLS   MODESP_CLASS_COUNT
#define PRIV   NCLS /* index of the private pool in the tables below */
#define NPOOLS (NCLS + 1)

MODESP_POOL_DEFINE_STATIC(fi_pool, 48, 7);

static modesp_pool_manager_t *pm;
static unsigned long g_ops = 1000000u;

enum { MODE_OFF, MODE_EVERY_NTH, MODE_PROBABILITY, MODE_ALWAYS };
static int g_mode;
static uint32_t g_nth[NPOOLS];      /* MODE_EVERY_NTH: fail attempt k when k % nth == 0 */
static uint32_t g_permille[NPOOLS]; /* MODE_PROBABILITY: chance of a failure per attempt */
static uint64_t g_rng_hook = 1;
static uint64_t g_attempts[NPOOLS];
static uint64_t g_injected[NPOOLS];

static inline uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

static inline int index_of(const void *pool)
{
    for (int c = 0; c < NCLS; c++) {
        if (pool == modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c)) {
            return c;
        }
    }
    return pool == &fi_pool ? PRIV : -1; /* the reserve: never failed on purpose */
}

static inline _Bool fail_hook(const void *pool)
{
    const int i = index_of(pool);
    if (i < 0) {
        return 0;
    }
    g_attempts[i]++;
    bool fail = false;
    switch (g_mode) {
    case MODE_EVERY_NTH:
        fail = g_attempts[i] % g_nth[i] == 0u;
        break;
    case MODE_PROBABILITY:
        fail = xorshift(&g_rng_hook) % 1000u < g_permille[i];
        break;
    case MODE_ALWAYS:
        fail = true;
        break;
    default:
        break;
    }
    g_injected[i] += fail;
    return fail;
}

static inline uint64_t injected_total(void)
{
    uint64_t s = 0;
    for (int i = 0; i < NPOOLS; i++) {
        s += g_injected[i];
    }
    return s;
}

/* Zeroed counters: the manager's, the private pool's and the hook's. */
static inline void reset_hook_counters(void)
{
    assert_int_equal(modesp_pool_manager_reset_stats(pm), ESP_OK);
    assert_int_equal(modesp_pool_reset_stats(&fi_pool), ESP_OK);
    memset(g_attempts, 0, sizeof g_attempts);
    memset(g_injected, 0, sizeof g_injected);
}

static inline void assert_all_clean(void)
{
    assert_manager_clean();
    assert_pool_intact(&fi_pool);
    assert_int_equal(modesp_pool_in_use(&fi_pool), 0);
    assert_int_equal(modesp_assert_failures(), 0);
}

/* Group setup: the manager, and the operation count from MODESP_STRESS_ALLOCS. */
static int fault_setup(void **state)
{
    (void)state;
    pm = modesp_get_pool_manager();
    const char *env = getenv("MODESP_STRESS_ALLOCS");
    if (env != NULL && strtoul(env, NULL, 10) > 0) {
        g_ops = strtoul(env, NULL, 10);
    }
    return 0;
}

#endif
