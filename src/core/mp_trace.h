/*
 * Trace hook points of the pool (private): see modesp/hooks.h.
 *
 * With Kconfig MEMORY_POOL_ENABLE_TRACING off every macro here is empty: the
 * call-site parameters vanish from the internal functions and the hook points
 * compile to nothing, so the hot path is the same code as without them. On,
 * each successful allocation and free loads the installed hook table once.
 *
 *   MP_SITE_PARAMS  extra parameters of an internal function that forwards a call site
 *   MP_SITE_ARGS    forwards them
 *   MP_SITE(f, l)   passes a given file and line
 *   MP_NO_SITE      passes none (NULL, 0)
 */
#ifndef MODESP_MP_TRACE_H
#define MODESP_MP_TRACE_H

#include "modesp/hooks.h"

#if MODESP_TRACING
#include "mp_atomic.h"

extern const modesp_trace_hooks_t *modesp_trace_hooks_;

#define MP_SITE_PARAMS , const char *site_file, int site_line
#define MP_SITE_ARGS   , site_file, site_line
#define MP_SITE(f, l)  , (f), (l)
#define MP_NO_SITE     , (const char *)0, 0

static inline void mp_trace_alloc(const modesp_pool_t *pool, uint32_t idx, const void *block, const char *file,
                                  int line)
{
    const modesp_trace_hooks_t *h = __atomic_load_n(&modesp_trace_hooks_, __ATOMIC_ACQUIRE);
    if (h != 0 && h->on_alloc != 0) {
        h->on_alloc(pool, idx, block, file, line, h->ctx);
    }
}

static inline void mp_trace_free(const modesp_pool_t *pool, uint32_t idx, const void *block)
{
    const modesp_trace_hooks_t *h = __atomic_load_n(&modesp_trace_hooks_, __ATOMIC_ACQUIRE);
    if (h != 0 && h->on_free != 0) {
        h->on_free(pool, idx, block, h->ctx);
    }
}

#define MP_TRACE_ALLOC(pool, idx, block) mp_trace_alloc((pool), (idx), (block), site_file, site_line)
#define MP_TRACE_FREE(pool, idx, block)  mp_trace_free((pool), (idx), (block))
#else
#define MP_SITE_PARAMS
#define MP_SITE_ARGS
#define MP_SITE(f, l)
#define MP_NO_SITE
#define MP_TRACE_ALLOC(pool, idx, block) ((void)0)
#define MP_TRACE_FREE(pool, idx, block)  ((void)0)
#endif

#endif /* MODESP_MP_TRACE_H */
