/* SPDX-License-Identifier: Apache-2.0 */
/* Fixed-block pool: initialisation, accessors and statistics (the lock-free part is fixed_pool.c). */
#include "modesp/fixed_pool.h"

#include "modesp/hooks.h"

#include "mp_atomic.h"
#include "mp_pause.h"
#include "pool_meta.h"
#include "pool_private.h"

esp_err_t modesp_pool_init(modesp_pool_t *pool, const char *name, void *storage, size_t storage_size, uint32_t *meta,
                           size_t block_size, size_t count_)
{
    if (pool == NULL || storage == NULL || meta == NULL || ((uintptr_t)storage % MODESP_POOL_ALIGN) != 0u) {
        return ESP_ERR_INVALID_ARG;
    }
    if (block_size == 0u || block_size > 0x100000u || count_ == 0u || count_ > MODESP_POOL_MAX_BLOCKS) {
        return ESP_ERR_INVALID_SIZE;
    }
    /* In 64 bits: 1 MiB x 4096 blocks already wraps a 32-bit size_t, and a
     * wrapped product would let a far too small storage pass. */
    const uint64_t needed = (uint64_t)MODESP_POOL_STRIDE(block_size) * (uint64_t)count_;
    if ((uint64_t)storage_size < needed || needed > (uint64_t)SIZE_MAX) {
        return ESP_ERR_INVALID_SIZE;
    }
    /* The same fields MODESP_POOL_INITIALIZER derives at compile time, computed
     * with loops here (the macro's comparison chains cost ~300 bytes of code). */
    const uint32_t stride = (uint32_t)MODESP_POOL_STRIDE(block_size);
    uint8_t bits = 0;
    for (size_t v = count_; v != 0u; v >>= 1) {
        bits++;
    }
    uint8_t shift = 0xFFu;
    if ((stride & (stride - 1u)) == 0u) {
        for (shift = 0; (1u << shift) != stride; shift++) {
        }
    }
    /* A pool already in the registry keeps its place there: the registry has
     * no removal, and clearing the link would cut every later walk short. The
     * fields are kept only for a pool the walk really reaches (a never
     * initialised struct holds garbage there). */
    bool listed = false;
    for (const modesp_pool_t *q = modesp_pool_registry_next(NULL); q != NULL && !listed;
         q = modesp_pool_registry_next(q)) {
        listed = (q == pool);
    }
    modesp_pool_t *const next = listed ? pool->registry_next : NULL;
    memset(pool, 0, sizeof *pool);
    pool->registry_next = next;
    pool->registered = listed ? 1u : 0u;
    pool->magic = MODESP_POOL_MAGIC;
    pool->name = name;
    pool->storage = (uint8_t *)storage;
    pool->meta = meta;
    pool->stride = stride;
    pool->block_size = (uint32_t)block_size;
    pool->capacity = (uint16_t)count_;
    pool->idx_mask = (uint16_t)((1u << bits) - 1u);
    pool->stride_shift = shift;
    pool->poison = MODESP_POOL_POISON_DEFAULT_;
    pool->idx_bits = bits;
    pool->locate_limit = (shift == 0xFFu) ? 1u : (uint32_t)count_;    /* as MODESP_POOL_LOCATE_LIMIT_ */
    pool->out_step = MODESP_POOL_PACKED_(count_) ? (1u << bits) : 0u; /* as MODESP_POOL_OUT_STEP_ */
    pool->pop_step = (1u << (bits * (pool->out_step != 0u ? 2u : 1u))) + pool->out_step;
    memset(meta, 0, count_ * sizeof(uint32_t)); /* all FREE, list 0 -> 1 -> ... -> NIL */
    return ESP_OK;
}

bool modesp_pool_contains(const modesp_pool_t *pool, const void *ptr)
{
    if (!pool_ok(pool) || ptr == NULL) {
        return false;
    }
    const uintptr_t base = (uintptr_t)pool->storage;
    const uintptr_t addr = (uintptr_t)ptr;
    return addr >= base && addr - base < (uintptr_t)pool->stride * pool->capacity;
}

esp_err_t modesp_pool_block_index(const modesp_pool_t *pool, const void *ptr, uint32_t *index)
{
    if (pool == NULL || index == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (!pool_ok(pool)) {
        return MODESP_ERR_BAD_POOL;
    }
    return pool_locate(pool, ptr, index);
}

MODESP_IRAM_ATTR int modesp_pool_block_tag(const modesp_pool_t *pool, const void *ptr)
{
    uint32_t idx = 0;
    if (!pool_ok(pool) || pool_locate(pool, ptr, &idx) != ESP_OK) {
        return -1;
    }
    const uint32_t w = mp_load(&pool->meta[idx], MP_RELAXED);
    if ((w & META_STATE_MASK) != META_ALLOCATED) {
        return -1;
    }
    return (int)((w & META_TAG_MASK) >> META_TAG_SHIFT);
}

const char *modesp_pool_name(const modesp_pool_t *pool) { return pool_ok(pool) ? pool->name : NULL; }

MODESP_IRAM_ATTR size_t modesp_pool_block_size(const modesp_pool_t *pool)
{
    return pool_ok(pool) ? pool->block_size : 0u;
}

MODESP_IRAM_ATTR size_t modesp_pool_capacity(const modesp_pool_t *pool) { return pool_ok(pool) ? pool->capacity : 0u; }

MODESP_IRAM_ATTR size_t modesp_pool_in_use(const modesp_pool_t *pool) { return pool_ok(pool) ? pool_in_use(pool) : 0u; }

esp_err_t modesp_pool_get_stats(const modesp_pool_t *pool, modesp_pool_stats_t *stats)
{
    if (stats == NULL || pool == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (!pool_ok(pool)) {
        return MODESP_ERR_BAD_POOL;
    }
    const modesp_pool_t *p = pool;
    stats->name = p->name;
    stats->block_size = p->block_size;
    stats->capacity = p->capacity;
    stats->in_use = (uint32_t)modesp_pool_in_use(p);
#if !MP_FULL_STATS
    /* The minimal profile compiles the other counters out (never written): they read 0, peak as in_use. */
    stats->peak = stats->in_use;
    stats->total_allocs = stats->alloc_failures = stats->exhausted = stats->invalid_requests = stats->wrong_api = 0u;
    stats->null_frees = stats->foreign_frees = stats->misaligned_frees = stats->double_frees = 0u;
    stats->invalid_frees = 0u;
#else
    const uint32_t peak = mp_load(&p->peak, MP_RELAXED);
    stats->peak = peak > stats->in_use ? peak : stats->in_use; /* see modesp_pool_reset_stats */
    stats->total_allocs = pool_pops(p) - mp_load(&p->total_allocs, MP_RELAXED);
    stats->alloc_failures = mp_load(&p->alloc_failures, MP_RELAXED);
    stats->exhausted = mp_load(&p->exhausted, MP_RELAXED);
    stats->invalid_requests = mp_load(&p->invalid_requests, MP_RELAXED);
    stats->wrong_api = mp_load(&p->wrong_api, MP_RELAXED);
    stats->null_frees = mp_load(&p->null_frees, MP_RELAXED);
    stats->foreign_frees = mp_load(&p->foreign_frees, MP_RELAXED);
    stats->misaligned_frees = mp_load(&p->misaligned_frees, MP_RELAXED);
    stats->double_frees = mp_load(&p->double_frees, MP_RELAXED);
    stats->invalid_frees = stats->null_frees + stats->foreign_frees + stats->misaligned_frees + stats->double_frees;
#endif
    stats->poison_violations = mp_load(&p->poison_violations, MP_RELAXED);
    stats->quarantined = mp_load(&p->quarantined, MP_RELAXED);
    stats->corruptions = mp_load(&p->corruptions, MP_RELAXED);
    stats->resets = mp_load(&p->resets, MP_RELAXED);
    return ESP_OK;
}

esp_err_t modesp_pool_reset_stats(modesp_pool_t *pool)
{
    if (pool == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (!pool_ok(pool)) {
        return MODESP_ERR_BAD_POOL;
    }
#if MP_FULL_STATS /* the minimal profile has none of these counters, nor peak (they read 0, peak as in_use) */
    /* One store each: smaller code than a loop over a table of their addresses. */
    mp_store(&pool->alloc_failures, 0u, MP_RELAXED);
    mp_store(&pool->exhausted, 0u, MP_RELAXED);
    mp_store(&pool->invalid_requests, 0u, MP_RELAXED);
    mp_store(&pool->wrong_api, 0u, MP_RELAXED);
    mp_store(&pool->null_frees, 0u, MP_RELAXED);
    mp_store(&pool->foreign_frees, 0u, MP_RELAXED);
    mp_store(&pool->misaligned_frees, 0u, MP_RELAXED);
    mp_store(&pool->double_frees, 0u, MP_RELAXED);
#endif
    mp_store(&pool->poison_violations, 0u, MP_RELAXED);
    mp_store(&pool->corruptions, 0u, MP_RELAXED);
    (void)mp_fetch_add(&pool->resets, 1u, MP_RELAXED);
#if MP_FULL_STATS
    /* total_allocs counts from the pops made so far (pool_info.c: get_stats). */
    mp_store(&pool->total_allocs, pool_pops(pool), MP_RELAXED);
    /* peak restarts from now. An allocation between the read and the store
     * may have found the old peak high enough and left it; the store then
     * writes a value below the new in_use. Raising it again from a fresh read
     * narrows that window but cannot close it without a barrier on every
     * allocation, so readers (get_stats, the integrity check) take
     * max(peak, in_use), which is always a true high-water mark. */
    const uint32_t now_in_use = (uint32_t)modesp_pool_in_use(pool);
    MP_PAUSE(MP_PAUSE_RESET_BEFORE_PEAK, pool);
    mp_store(&pool->peak, now_in_use, MP_RELAXED);
    mp_max(&pool->peak, (uint32_t)modesp_pool_in_use(pool));
#endif
    return ESP_OK;
}
