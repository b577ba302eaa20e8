/* SPDX-License-Identifier: Apache-2.0 */
/*
 * 32-bit atomics used by the pools (private).
 *
 * Two implementations of one small set of operations, chosen at compile time:
 *
 *  - lock-free: GCC/Clang __atomic builtins on plain uint32_t words. Used where
 *    the target has a native 32-bit compare-and-swap (x86, Cortex-M3/M4/M7/M33
 *    LDREX/STREX, RV32 "A", Xtensa LX6/LX7 S32C1I). Only 32-bit words are ever
 *    used: RV32 gcc 12 calls libatomic for 8/16-bit CAS.
 *  - critical section: the same operations, each inside the port's critical
 *    section, for targets without a CAS (Cortex-M0/M0+, RV32IMC, LX106). The
 *    algorithms in fixed_pool.c are unchanged; only these primitives differ.
 *
 * Kconfig MEMORY_POOL_ATOMICS_{AUTO,LOCKFREE,CRITICAL} chooses; AUTO follows
 * the compiler's __GCC_HAVE_SYNC_COMPARE_AND_SWAP_4.
 *
 * Memory orders are the C11 ones; the critical-section variant ignores them
 * because entering/leaving the critical section is a full barrier.
 */
#ifndef MODESP_MP_ATOMIC_H
#define MODESP_MP_ATOMIC_H

#include <stdbool.h>
#include <stdint.h>

#include "modesp/mempool_config.h"

#if !defined(__GNUC__)
#error "modesp_mempool needs GCC or Clang __atomic builtins (all supported toolchains have them)"
#endif

#if defined(CONFIG_MEMORY_POOL_ATOMICS_CRITICAL)
#define MODESP_ATOMICS_LOCKFREE 0
#elif defined(CONFIG_MEMORY_POOL_ATOMICS_LOCKFREE)
#define MODESP_ATOMICS_LOCKFREE 1
#elif defined(__GCC_HAVE_SYNC_COMPARE_AND_SWAP_4)
#define MODESP_ATOMICS_LOCKFREE 1
#else
#define MODESP_ATOMICS_LOCKFREE 0
#endif

#define MP_RELAXED __ATOMIC_RELAXED
#define MP_ACQUIRE __ATOMIC_ACQUIRE
#define MP_RELEASE __ATOMIC_RELEASE
#define MP_ACQ_REL __ATOMIC_ACQ_REL
#define MP_SEQ_CST __ATOMIC_SEQ_CST

/*
 * Aligned 32-bit loads and stores are single-copy atomic on every target, so
 * both builds use them directly (no critical section), with the caller's
 * order, so host tools (ThreadSanitizer) and the compiler see the same
 * ordering in both.
 */
MODESP_IRAM_ATTR static inline uint32_t mp_load(const uint32_t *p, int order) { return __atomic_load_n(p, order); }

static inline void mp_store(uint32_t *p, uint32_t v, int order) { __atomic_store_n(p, v, order); }

#if MODESP_ATOMICS_LOCKFREE

_Static_assert(__atomic_always_lock_free(sizeof(uint32_t), 0), "32-bit atomics must be lock-free");
#define MP_CS_SHARED 0 /* see the critical-section build below */

/* Strong CAS: on failure *expected receives the current value. */
MODESP_IRAM_ATTR static inline bool mp_cas(uint32_t *p, uint32_t *expected, uint32_t desired, int success, int failure)
{
    return __atomic_compare_exchange_n(p, expected, desired, false, success, failure);
}

MODESP_IRAM_ATTR static inline uint32_t mp_fetch_add(uint32_t *p, uint32_t v, int order)
{
    return __atomic_fetch_add(p, v, order);
}

static inline uint32_t mp_fetch_sub(uint32_t *p, uint32_t v, int order) { return __atomic_fetch_sub(p, v, order); }

#else /* critical-section fallback */

#include "port.h"

/*
 * Read-modify-writes run inside the port's critical section, which excludes
 * every other core and ISR; their accesses are sequentially consistent so that a lock-free reader outside the
 * section (an acquire load of the head) still synchronises with them.
 *
 * Under -Os the pool's two files of paths (fixed_pool.c, fixed_pool_free.c,
 * which define MODESP_POOL_ALLOC_FILE / MODESP_POOL_FREE_FILE) share one
 * out-of-line copy of the CAS and of the add, defined in fixed_pool.c, as
 * when they were one file; everywhere else the compiler decides as before.
 * mp_cs_cas and mp_cs_add are the two read-modify-writes themselves.
 */
static inline __attribute__((always_inline)) bool mp_cs_cas(uint32_t *p, uint32_t *expected, uint32_t desired)
{
    uint32_t s = modesp_port_critical_enter();
    uint32_t cur = __atomic_load_n(p, __ATOMIC_SEQ_CST);
    bool ok = (cur == *expected);
    if (ok) {
        __atomic_store_n(p, desired, __ATOMIC_SEQ_CST);
    } else {
        *expected = cur;
    }
    modesp_port_critical_exit(s);
    return ok;
}

static inline __attribute__((always_inline)) uint32_t mp_cs_add(uint32_t *p, uint32_t v)
{
    uint32_t s = modesp_port_critical_enter();
    uint32_t old = __atomic_load_n(p, __ATOMIC_SEQ_CST);
    __atomic_store_n(p, old + v, __ATOMIC_SEQ_CST);
    modesp_port_critical_exit(s);
    return old;
}

#if defined(__OPTIMIZE_SIZE__) && (defined(MODESP_POOL_ALLOC_FILE) || defined(MODESP_POOL_FREE_FILE))
#define MP_CS_SHARED 1
bool modesp_pool_cs_cas_(uint32_t *p, uint32_t *expected, uint32_t desired);
uint32_t modesp_pool_cs_add_(uint32_t *p, uint32_t v);
#else
#define MP_CS_SHARED 0
#endif

MODESP_IRAM_ATTR static inline bool mp_cas(uint32_t *p, uint32_t *expected, uint32_t desired, int success, int failure)
{
    (void)success;
    (void)failure;
#if MP_CS_SHARED
    return modesp_pool_cs_cas_(p, expected, desired);
#else
    return mp_cs_cas(p, expected, desired);
#endif
}

MODESP_IRAM_ATTR static inline uint32_t mp_fetch_add(uint32_t *p, uint32_t v, int order)
{
    (void)order;
#if MP_CS_SHARED
    return modesp_pool_cs_add_(p, v);
#else
    return mp_cs_add(p, v);
#endif
}

MODESP_IRAM_ATTR static inline uint32_t mp_fetch_sub(uint32_t *p, uint32_t v, int order)
{
    return mp_fetch_add(p, 0u - v, order);
}

#endif

/*
 * Bounded exponential backoff after a lost CAS (1, 2, 4 .. 64 pause
 * instructions). On a multi-core host two contexts hammering one head otherwise
 * bounce its cache line on every retry; the bench measured producer/consumer
 * hand-over going from ~260 to ~70 ns/block with it. On single-core MCUs a
 * lost CAS means an ISR ran in between and retrying at once is right, so it
 * compiles to nothing there.
 */
static inline void mp_backoff(uint32_t *spins)
{
#if defined(__x86_64__) || defined(__i386__) || defined(__aarch64__)
    for (uint32_t i = 0; i < *spins; i++) {
#if defined(__aarch64__)
        __asm__ volatile("yield");
#else
        __builtin_ia32_pause();
#endif
    }
    *spins = (*spins < 64u) ? *spins * 2u : 64u;
#else
    (void)spins;
#endif
}

/* Atomically raise *p to at least v (statistics high-water marks). */
MODESP_IRAM_ATTR static inline void mp_max(uint32_t *p, uint32_t v)
{
    uint32_t cur = mp_load(p, MP_RELAXED);
    while (cur < v && !mp_cas(p, &cur, v, MP_RELAXED, MP_RELAXED)) {
    }
}

#endif /* MODESP_MP_ATOMIC_H */
