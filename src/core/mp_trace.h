/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Trace hook points of the pool (private): see modesp/hooks.h.
 *
 * With Kconfig MEMORY_POOL_ENABLE_TRACING off every macro here is empty: the
 * call-site parameters vanish from the internal functions and the hook points
 * compile to nothing, so the hot path is the same code as without them. On,
 * each successful allocation, free and counted failure loads the installed
 * hook table once.
 *
 *   MP_SITE_PARAMS         extra parameters of an internal function that forwards a call site
 *                          (file, line and the requested size in bytes, 0 when the request was a whole block)
 *   MP_SITE_ARGS           forwards them
 *   MP_SITE(f, l)          passes a given file and line, size 0
 *   MP_SITE_SIZED(f, l, n) passes a given file, line and requested size
 *   MP_NO_SITE             passes none (NULL, 0, 0)
 *   MP_NO_SITE_SIZED(n)    no call site, requested size n
 *   MP_TRACE_FAIL(pool)    a request counted in pool's alloc_failures (inside a function with MP_SITE_PARAMS)
 *   MP_ADMIT(pool, size)   the admission hook's verdict on a manager request (ESP_OK, a constant, when
 *                          MODESP_ADMISSION is 0, so `if (MP_ADMIT(..) != ESP_OK)` compiles to nothing)
 */
#ifndef MODESP_MP_TRACE_H
#define MODESP_MP_TRACE_H

#include "modesp/hooks.h"

#if MODESP_TRACING
#include "mp_atomic.h"

extern const modesp_trace_hooks_t *modesp_trace_hooks_;

#define MP_SITE_PARAMS         , const char *site_file, int site_line, uint32_t site_size
#define MP_SITE_ARGS           , site_file, site_line, site_size
#define MP_SITE(f, l)          , (f), (l), 0u
#define MP_SITE_SIZED(f, l, n) , (f), (l), (uint32_t)(n)
#define MP_NO_SITE             , (const char *)0, 0, 0u
#define MP_NO_SITE_SIZED(n)    , (const char *)0, 0, (uint32_t)(n)

MODESP_IRAM_ATTR static inline void mp_trace_alloc(const modesp_pool_t *pool, uint32_t idx, const void *block,
                                                   uint32_t size, const char *file, int line)
{
    const modesp_trace_hooks_t *h = __atomic_load_n(&modesp_trace_hooks_, __ATOMIC_ACQUIRE);
    if (h != 0 && h->on_alloc != 0) {
        h->on_alloc(pool, idx, block, size, file, line, h->ctx);
    }
}

MODESP_IRAM_ATTR static inline void mp_trace_free(const modesp_pool_t *pool, uint32_t idx, const void *block)
{
    const modesp_trace_hooks_t *h = __atomic_load_n(&modesp_trace_hooks_, __ATOMIC_ACQUIRE);
    if (h != 0 && h->on_free != 0) {
        h->on_free(pool, idx, block, h->ctx);
    }
}

MODESP_IRAM_ATTR static inline void mp_trace_fail(const modesp_pool_t *pool, uint32_t size, const char *file, int line)
{
    const modesp_trace_hooks_t *h = __atomic_load_n(&modesp_trace_hooks_, __ATOMIC_ACQUIRE);
    if (h != 0 && h->on_fail != 0) {
        h->on_fail(pool, size, file, line, h->ctx);
    }
}

#define MP_TRACE_ALLOC(pool, idx, block) mp_trace_alloc((pool), (idx), (block), site_size, site_file, site_line)
#define MP_TRACE_FREE(pool, idx, block)  mp_trace_free((pool), (idx), (block))
#define MP_TRACE_FAIL(pool)              mp_trace_fail((pool), site_size, site_file, site_line)
#else
#define MP_SITE_PARAMS
#define MP_SITE_ARGS
#define MP_SITE(f, l)
#define MP_SITE_SIZED(f, l, n)
#define MP_NO_SITE
#define MP_NO_SITE_SIZED(n)
#define MP_TRACE_ALLOC(pool, idx, block) ((void)0)
#define MP_TRACE_FREE(pool, idx, block)  ((void)0)
#define MP_TRACE_FAIL(pool)              ((void)0)
#endif

#if MODESP_ADMISSION
extern const modesp_admission_hook_t *modesp_admission_hook_;

MODESP_IRAM_ATTR static inline esp_err_t mp_admit(const modesp_pool_t *pool, uint32_t size)
{
    const modesp_admission_hook_t *h = __atomic_load_n(&modesp_admission_hook_, __ATOMIC_ACQUIRE);
    return (h != 0 && h->admit != 0) ? h->admit(pool, size, h->ctx) : ESP_OK;
}
#define MP_ADMIT(pool, size) mp_admit((pool), (uint32_t)(size))
#else
#define MP_ADMIT(pool, size) ESP_OK
#endif

#endif /* MODESP_MP_TRACE_H */
