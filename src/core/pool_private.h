/*
 * Helpers shared by the pool's source files (private).
 *
 * fixed_pool.c holds the lock-free algorithm and its argument, pool_info.c
 * the initialisation, accessors and statistics, pool_check.c the integrity
 * check. They share the block arithmetic, the argument checks and the poison
 * pattern defined here.
 */
#ifndef MODESP_POOL_PRIVATE_H
#define MODESP_POOL_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "modesp/fixed_pool.h"
#include "mp_atomic.h"

#if defined(__SANITIZE_ADDRESS__)
#define MODESP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MODESP_ASAN 1
#endif
#endif
#ifdef MODESP_ASAN
#include <sanitizer/asan_interface.h>
#define ASAN_POISON_BLOCK(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define ASAN_UNPOISON_BLOCK(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define ASAN_POISON_BLOCK(p, n)   ((void)(p), (void)(n))
#define ASAN_UNPOISON_BLOCK(p, n) ((void)(p), (void)(n))
#endif

#ifndef CONFIG_MEMORY_POOL_POISON_PATTERN
#define CONFIG_MEMORY_POOL_POISON_PATTERN 0xDE
#endif
#define POISON_WORD ((uint32_t)(CONFIG_MEMORY_POOL_POISON_PATTERN & 0xFF) * 0x01010101u)

/* The hot helpers are inlined into each entry point when optimising for speed
 * (-O2: ~25 fewer instructions per alloc/free pair, measured by the bench) and
 * left to the compiler under -Os, where code size matters more. */
#if defined(__OPTIMIZE_SIZE__) || !defined(__GNUC__)
#define HOT_INLINE static inline
#else
#define HOT_INLINE static inline __attribute__((always_inline))
#endif

/* Any initialised pool, the manager's included (the two magics differ in bit 0 only). */
static inline bool pool_ok(const modesp_pool_t *p) { return p != NULL && (p->magic | 1u) == (MODESP_POOL_MAGIC | 1u); }

static inline uint32_t idx_mask(const modesp_pool_t *p) { return p->idx_mask; }

static inline uint8_t *block_at(const modesp_pool_t *p, uint32_t idx) { return p->storage + (size_t)idx * p->stride; }

static inline void count(uint32_t *counter) { (void)mp_fetch_add(counter, 1u, MP_RELAXED); }

/* Strides are multiples of MODESP_POOL_ALIGN (>= 4): poison and check whole words. */
static inline void poison_fill(uint8_t *block, uint32_t stride)
{
    uint32_t w = POISON_WORD;
    for (uint32_t off = 0; off < stride; off += 4u) {
        memcpy(block + off, &w, 4u);
    }
}

static inline bool poison_intact(const uint8_t *block, uint32_t stride)
{
    for (uint32_t off = 0; off < stride; off += 4u) {
        uint32_t w;
        memcpy(&w, block + off, 4u);
        if (w != POISON_WORD) {
            return false;
        }
    }
    return true;
}

/* Range and boundary checks, without touching any shared state. */
HOT_INLINE esp_err_t pool_locate(const modesp_pool_t *p, const void *ptr, uint32_t *index)
{
    if (ptr == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    const uintptr_t base = (uintptr_t)p->storage;
    const uintptr_t addr = (uintptr_t)ptr;
    if (addr < base || addr - base >= (uintptr_t)p->stride * p->capacity) {
        return MODESP_ERR_FOREIGN_PTR;
    }
    const uintptr_t off = addr - base;
    uintptr_t idx;
    if (p->stride_shift != 0xFFu) {
        if ((off & ((uintptr_t)p->stride - 1u)) != 0u) {
            return MODESP_ERR_MISALIGNED_PTR;
        }
        idx = off >> p->stride_shift;
    } else {
        idx = off / p->stride;
        if (idx * p->stride != off) {
            return MODESP_ERR_MISALIGNED_PTR;
        }
    }
    *index = (uint32_t)idx;
    return ESP_OK;
}

#endif /* MODESP_POOL_PRIVATE_H */
