/* SPDX-License-Identifier: Apache-2.0 */
/* Fixed-block pool: the integrity check (invariants I1-I3 of fixed_pool.c). */
#include "modesp/fixed_pool.h"

#include "mp_atomic.h"
#include "mp_pause.h"
#include "pool_meta.h"
#include "pool_private.h"

static esp_err_t fault(modesp_pool_integrity_t *r, modesp_pool_fault_t f, uint32_t block)
{
    r->fault = f;
    r->block = block;
    return MODESP_ERR_CORRUPTED;
}

/* With the pool quiescent (the caller's promise): every poisoned free block still holds the pattern. */
static esp_err_t check_poison(const modesp_pool_t *p, modesp_pool_integrity_t *r)
{
    for (uint32_t i = 0; i < p->capacity; i++) {
        const uint32_t w = mp_load(&p->meta[i], MP_RELAXED);
        if ((w & META_STATE_MASK) != META_FREE || (w & META_POISONED) == 0u) {
            continue;
        }
        uint8_t *block = block_at(p, i);
        ASAN_UNPOISON_BLOCK(block, p->stride);
        const bool intact = poison_intact(block, p->stride);
        ASAN_POISON_BLOCK(block, p->stride);
        if (!intact) {
            (void)fault(r, MODESP_POOL_POISON_DAMAGED, i);
            return MODESP_ERR_USE_AFTER_FREE;
        }
    }
    return ESP_OK;
}

esp_err_t modesp_pool_check_integrity_ex(const modesp_pool_t *pool, uint32_t flags, modesp_pool_integrity_t *report)
{
    modesp_pool_integrity_t local = {0};
    modesp_pool_integrity_t *r = (report != NULL) ? report : &local;
    memset(r, 0, sizeof *r);
    r->block = UINT32_MAX;
    if (pool == NULL || (flags & ~MODESP_POOL_CHECK_POISON) != 0u) {
        r->fault = MODESP_POOL_BAD_MAGIC;
        return ESP_ERR_INVALID_ARG;
    }
    if (!pool_ok(pool)) {
        r->fault = MODESP_POOL_BAD_MAGIC;
        return MODESP_ERR_BAD_POOL;
    }
    const modesp_pool_t *p = pool;
    const uint32_t cap = p->capacity;
    const uint32_t mask = idx_mask(p);

    /* I1: walk the list. A node reached twice means a cycle (links are a
     * function of the node), so "NIL within cap steps" rules out both. */
    uint32_t idx = mp_load(&p->head, MP_ACQUIRE) & mask;
    uint32_t steps = 0;
    while (idx != cap) {
        if (idx > cap) {
            return fault(r, MODESP_POOL_BAD_INDEX, idx);
        }
        if (++steps > cap) {
            return fault(r, MODESP_POOL_CYCLE, idx);
        }
        const uint32_t w = mp_load(&p->meta[idx], MP_RELAXED);
        if ((w & META_STATE_MASK) != META_FREE) {
            return fault(r, MODESP_POOL_FREE_MARKED_USED, idx);
        }
        idx = meta_link_decode(idx, w);
    }
    r->free_blocks = steps;

    /* I2: classify every block from its metadata word alone: the bytes of a
     * block may belong to another context by now. */
    uint32_t free_count = 0;
    for (uint32_t i = 0; i < cap; i++) {
        const uint32_t w = mp_load(&p->meta[i], MP_RELAXED);
        MP_PAUSE(MP_PAUSE_CHECK_BLOCK, p);
        switch (w & META_STATE_MASK) {
        case META_FREE:
            free_count++;
            break;
        case META_ALLOCATED:
            r->allocated_blocks++;
            break;
        case META_QUARANTINED:
            r->quarantined_blocks++;
            break;
        default: /* RELEASING: a free under way; at quiescence one that never finished */
            return fault(r, MODESP_POOL_BAD_STATE, i);
        }
    }
    if (free_count != steps) {
        return fault(r, MODESP_POOL_LOST_BLOCK, UINT32_MAX);
    }
    const uint32_t in_use = (uint32_t)modesp_pool_in_use(p);
    if (in_use != r->allocated_blocks || mp_load(&p->quarantined, MP_RELAXED) != r->quarantined_blocks) {
        return fault(r, MODESP_POOL_COUNT_MISMATCH, UINT32_MAX);
    }
    /* I3. peak below in_use is not a fault: see modesp_pool_reset_stats. */
    if (mp_load(&p->peak, MP_RELAXED) > cap) {
        return fault(r, MODESP_POOL_PEAK_INVALID, UINT32_MAX);
    }
    if (MODESP_POISON_ENABLED && (flags & MODESP_POOL_CHECK_POISON) != 0u && p->poison) {
        const esp_err_t err = check_poison(p, r);
        if (err != ESP_OK) {
            return err;
        }
    }
    r->fault = MODESP_POOL_OK;
    return ESP_OK;
}

esp_err_t modesp_pool_check_integrity(const modesp_pool_t *pool, modesp_pool_integrity_t *report)
{
    return modesp_pool_check_integrity_ex(pool, 0u, report);
}

const char *modesp_pool_fault_name(modesp_pool_fault_t f)
{
    switch (f) {
    case MODESP_POOL_OK:
        return "OK";
    case MODESP_POOL_BAD_MAGIC:
        return "BAD_MAGIC";
    case MODESP_POOL_BAD_INDEX:
        return "BAD_INDEX";
    case MODESP_POOL_CYCLE:
        return "CYCLE";
    case MODESP_POOL_FREE_MARKED_USED:
        return "FREE_MARKED_USED";
    case MODESP_POOL_LOST_BLOCK:
        return "LOST_BLOCK";
    case MODESP_POOL_COUNT_MISMATCH:
        return "COUNT_MISMATCH";
    case MODESP_POOL_PEAK_INVALID:
        return "PEAK_INVALID";
    case MODESP_POOL_POISON_DAMAGED:
        return "POISON_DAMAGED";
    case MODESP_POOL_BAD_STATE:
        return "BAD_STATE";
    }
    return "UNKNOWN";
}
