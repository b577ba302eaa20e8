/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fixed-block pool: the free's slow paths and the deallocate API.
 *
 * The steps F1..F4 named here are those of the lock-free argument at the top
 * of fixed_pool.c; the free itself (checks, F1, F2, one inlined F4) is
 * pool_give in pool_fast.h, which the manager also inlines for its class
 * pools. This file holds what it continues in: F4 until it succeeds, the
 * poisoning free, the refusals, and under -Os the one out-of-line copy of
 * the free and of the pointer check.
 */
/* Under -Os the free's slow paths are compiled here only (pool_fast.h). */
#define MODESP_POOL_FREE_FILE 1

#include "modesp/fixed_pool.h"

#include "mp_assert.h"
#include "mp_atomic.h"
#include "mp_pause.h"
#include "mp_trace.h"
#include "pool_fast.h"
#include "pool_internal.h"
#include "pool_meta.h"
#include "pool_private.h"

/* F4 until it succeeds: push block idx, whose FREE word `linked` (`freed`
 * plus its link) was written from `head`. With `lost` the caller's own F4
 * already failed and `head` is what it read. After a lost F4, F3 again, now
 * as a CAS from the word we wrote, then F4 again. The block is FREE, and only
 * a list damaged by a tag wrap could let a pop reach it before the push. If a
 * pop claimed it (P5), it is that pop's block now and must not be pushed.
 * Under -Os this loop is the only copy of F4 (the free calls it with lost
 * false); at -O2 the free inlines one F4 and calls it only when that failed. */
SLOW_PATH_EXTERN MODESP_IRAM_ATTR esp_err_t pool_push_loop(modesp_pool_t *p, uint32_t idx, uint32_t freed,
                                                           uint32_t linked, uint32_t head, bool lost)
{
    const uint32_t mask = idx_mask(p);
    uint32_t spins = 1u;
    for (;;) {
        if (!lost) {
            MP_PAUSE(MP_PAUSE_FREE_BEFORE_PUSH, p);
            /* F4. Failure order SEQ_CST, not RELAXED: with a RELAXED failure
             * order GCC 12 for RV32A emits `lr.w; bne; sc.w.aq` with no release
             * fence, which would let the link and block stores above pass the
             * push on a multi-hart part. With SEQ_CST it emits `fence iorw,ow;
             * lr.w.aq; sc.w.aq`. Free elsewhere. A packed head takes the block
             * back from its count of blocks out in the same CAS (F2). */
            if (mp_cas(&p->head, &head, ((head & ~mask) - p->out_step) | idx, MP_SEQ_CST, MP_SEQ_CST)) {
                return ESP_OK;
            }
        }
        lost = false;
        mp_backoff(&spins);
        const uint32_t relinked = freed | meta_link_encode(idx, head & mask);
        uint32_t expected = linked;
        if (!mp_cas(&p->meta[idx], &expected, relinked, MP_RELAXED, MP_RELAXED)) {
            count(&p->corruptions);
            if (POOL_PACKED(p)) { /* the claimer's pop counted the block out a second time */
                (void)mp_fetch_sub(&p->in_use, 1u, MP_RELAXED);
            }
            return ESP_OK; /* the caller's free itself succeeded */
        }
        linked = relinked;
    }
}

/* F3 (a plain store: the word is RELEASING and ours, I4) and F4 for a block
 * claimed by the poisoning free below; `freed` is its FREE word without the link. */
HOT_INLINE void pool_push(modesp_pool_t *p, uint32_t idx, uint32_t freed)
{
    const uint32_t mask = idx_mask(p);
    uint32_t head = mp_load(&p->head, MP_RELAXED);
    const uint32_t linked = freed | meta_link_encode(idx, head & mask);
    MODESP_ASSERT((mp_load(&p->meta[idx], MP_RELAXED) & META_STATE_MASK) == META_RELEASING); /* I4 */
    MODESP_ASSERT((head & mask) <= p->capacity);                                             /* I1 */
    mp_store(&p->meta[idx], linked, MP_RELAXED);
    (void)pool_push_loop(p, idx, freed, linked, head, false); /* F4 */
}

#if !MP_FAST_PATH
/* The one copy of the pointer check under -Os (pool_private.h: pool_locate). */
MODESP_IRAM_ATTR esp_err_t modesp_pool_locate_(const modesp_pool_t *p, const void *ptr, uint32_t *index)
{
    return pool_locate_inline(p, ptr, index);
}
#endif

/* A rejected free: count it by its cause. */
SLOW_PATH_EXTERN MODESP_IRAM_ATTR esp_err_t pool_give_refused(modesp_pool_t *pool, esp_err_t why)
{
    count_stat(why == ESP_ERR_INVALID_ARG      ? &pool->null_frees
               : why == MODESP_ERR_FOREIGN_PTR ? &pool->foreign_frees
               : why == MODESP_ERR_DOUBLE_FREE ? &pool->double_frees
                                               : &pool->misaligned_frees);
    return why;
}

/* The free of a poisoning pool: F1 to RELEASING, so that the pattern is
 * written while the block is ours and reachable by nobody, then F2..F4. */
SLOW_PATH_EXTERN MODESP_IRAM_ATTR esp_err_t pool_give_poisoned(modesp_pool_t *pool, uint32_t idx, uint32_t w)
{
    const uint32_t freed = (w & META_GEN_MASK) | META_POISONED;
    if (!mp_cas(&pool->meta[idx], &w, freed | META_RELEASING, MP_RELAXED, MP_RELAXED)) {
        return pool_give_refused(pool, MODESP_ERR_DOUBLE_FREE);
    }
    uint8_t *block = block_at(pool, idx);
    MP_TRACE_FREE(pool, idx, block); /* the block is still the caller's bytes here */
    poison_fill(block, pool->stride);
    ASAN_POISON_BLOCK(block, pool->stride);
    if (!POOL_PACKED(pool)) {
        const uint32_t before = mp_fetch_sub(&pool->in_use, 1u, MP_RELAXED); /* F2 */
        MODESP_ASSERT(before >= 1u && before <= pool->capacity);             /* I2 */
        (void)before;
    }
    pool_push(pool, idx, freed); /* F3, F4 */
    return ESP_OK;
}

/* A free refused for its handle: NULL, one of the manager's pools (counted),
 * or no pool at all. Out of line, so that the free's success path returns
 * ESP_OK directly. */
SLOW_PATH MODESP_IRAM_ATTR esp_err_t pool_give_bad_handle(modesp_pool_t *pool)
{
    if (pool == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (pool->magic == MODESP_POOL_MAGIC_MANAGED) {
        count_stat(&pool->wrong_api);
        return MODESP_ERR_MANAGED_POOL;
    }
    return MODESP_ERR_BAD_POOL;
}

MODESP_IRAM_ATTR esp_err_t modesp_pool_deallocate(modesp_pool_t *pool, void *ptr)
{
    if (MP_LIKELY(pool != NULL && pool->magic == MODESP_POOL_MAGIC)) {
        return pool_give(pool, ptr);
    }
    return pool_give_bad_handle(pool);
}

/* The free of a manager class pool (pool_internal.h); under -Os also the one copy of the free that pool_give calls. */
MODESP_IRAM_ATTR esp_err_t modesp_pool_give_managed_(modesp_pool_t *pool, void *ptr)
{
    return pool_give_inline(pool, ptr);
}
