/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the pool's source files (private).
 *
 * fixed_pool.c holds the lock-free argument and the allocation API,
 * pool_fast.h the hot paths, fixed_pool_free.c the free's slow paths and the
 * deallocate API, pool_info.c the initialisation, accessors and statistics,
 * pool_check.c the integrity check. They share the block arithmetic, the argument checks and the poison
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
#define HOT_INLINE       static inline
#define SLOW_PATH        static
#define SLOW_PATH_EXTERN static
#define MP_FAST_PATH     0
#else
#define HOT_INLINE       static inline __attribute__((always_inline))
/* With a fast path inlined beside it (MP_FAST_PATH), the full loop and the
 * rare events live out of line, so the common case is a straight line.
 * SLOW_PATH_EXTERN: a slow path that pool_fast.h's inlined paths reach from
 * other files of the core at -O2; under -Os only its own file calls it, and
 * it is static there, so that the compiler may still fold it into its one
 * caller. */
#define SLOW_PATH        static __attribute__((noinline, cold))
#define SLOW_PATH_EXTERN __attribute__((noinline, cold))
#define MP_FAST_PATH     1
#endif
#define MP_LIKELY(x)   __builtin_expect(!!(x), 1)
#define MP_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Whether pool p packs its count of blocks out into its head word. With
 * Kconfig MEMORY_POOL_PACK_MAX_BLOCKS 0 no pool does, and the packed branches
 * compile out (smaller code, e.g. for the minimal profile). */
#define POOL_PACKED(p) (MODESP_POOL_PACK_MAX != 0u && (p)->out_step != 0u)

/* Any initialised pool, the manager's included (the two magics differ in bit 0 only). */
MODESP_IRAM_ATTR static inline bool pool_ok(const modesp_pool_t *p)
{
    return p != NULL && (p->magic | 1u) == (MODESP_POOL_MAGIC | 1u);
}

static inline uint32_t idx_mask(const modesp_pool_t *p) { return p->idx_mask; }

static inline uint8_t *block_at(const modesp_pool_t *p, uint32_t idx) { return p->storage + (size_t)idx * p->stride; }

/* One more event in a counter. Under -Os one out-of-line copy (fixed_pool.c)
 * serves both files of the pool's paths, as when they were one file. */
#if MP_FAST_PATH
MODESP_IRAM_ATTR static inline void count(uint32_t *counter) { (void)mp_fetch_add(counter, 1u, MP_RELAXED); }
#else
void modesp_pool_count_(uint32_t *counter);
#define count(counter) modesp_pool_count_(counter)
#endif

/* The minimal profile (Kconfig MEMORY_POOL_MINIMAL_STATS) keeps only the
 * counters the integrity check needs (in_use, or a packed head's count, and
 * quarantined) plus the two that report damage (corruptions,
 * poison_violations); peak, total_allocs and the per-cause failure counters
 * are compiled out, with the code that keeps them, and read as 0 (peak as
 * in_use). */
#ifdef CONFIG_MEMORY_POOL_MINIMAL_STATS
#define MP_FULL_STATS 0
#else
#define MP_FULL_STATS 1
#endif

/* One more event in a statistics counter that the minimal profile drops. */
MODESP_IRAM_ATTR static inline void count_stat(uint32_t *counter)
{
    if (MP_FULL_STATS) {
        count(counter);
    } else {
        (void)counter;
    }
}

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

/* Range and boundary checks, without touching any shared state: the error
 * for a pointer that is not a block start of the pool. */
static inline esp_err_t pool_locate_error(const modesp_pool_t *p, const void *ptr)
{
    if (ptr == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    const uintptr_t base = (uintptr_t)p->storage;
    const uintptr_t addr = (uintptr_t)ptr;
    if (addr < base || addr - base >= (uintptr_t)p->stride * p->capacity) {
        return MODESP_ERR_FOREIGN_PTR;
    }
    return MODESP_ERR_MISALIGNED_PTR;
}

/* The block index of ptr, or the error above. A power-of-two stride (the
 * usual case) takes one rotate and one compare: the offset from the storage
 * rotated right by log2(stride) is the index when the offset is a multiple
 * of the stride; any remainder lands in the top bits (at or above
 * 2^(width - log2(stride)), which exceeds every capacity, since the storage
 * fits in the address space), and an offset below the storage (NULL
 * included: the storage never ends past the top of the address space) wraps
 * to a huge one, so `idx < capacity` is the whole range and boundary check.
 * Any other stride has stride_shift 0xFF (a rotate that moves every nonzero
 * offset off zero) and locate_limit 1: block 0 passes here and every other
 * block takes the division below. */
MODESP_IRAM_ATTR static inline esp_err_t pool_locate_inline(const modesp_pool_t *p, const void *ptr, uint32_t *index)
{
    const unsigned width = (unsigned)sizeof(uintptr_t) * 8u;
    const uintptr_t off = (uintptr_t)ptr - (uintptr_t)p->storage;
    const unsigned shift = p->stride_shift & (width - 1u);
    uintptr_t idx = (off >> shift) | (off << ((width - shift) & (width - 1u))); /* rotate right */
    if (MP_LIKELY(idx < p->locate_limit)) {
        *index = (uint32_t)idx;
        return ESP_OK;
    }
    if (p->stride_shift == 0xFFu && off < (uintptr_t)p->stride * p->capacity) {
        idx = off / p->stride;
        if (idx * p->stride == off) {
            *index = (uint32_t)idx;
            return ESP_OK;
        }
    }
    return pool_locate_error(p, ptr);
}

/* The free's fast path inlines the check (MP_FAST_PATH); under -Os every
 * caller (free, block_index, block_tag) shares one out-of-line copy,
 * defined in fixed_pool_free.c. */
#if MP_FAST_PATH
MODESP_IRAM_ATTR HOT_INLINE esp_err_t pool_locate(const modesp_pool_t *p, const void *ptr, uint32_t *index)
{
    return pool_locate_inline(p, ptr, index);
}
#else
esp_err_t modesp_pool_locate_(const modesp_pool_t *p, const void *ptr, uint32_t *index);
#define pool_locate modesp_pool_locate_
#endif

/* Blocks handed out now. A packed head (<= 255 blocks) counts the blocks
 * off the list in its "out" field: those are the allocated ones plus the
 * quarantined ones, plus in_use, a correction that stays 0 unless a list
 * damaged by a tag wrap led two pops to one block. */
MODESP_IRAM_ATTR static inline uint32_t pool_in_use(const modesp_pool_t *p)
{
    if (!POOL_PACKED(p)) {
        return mp_load(&p->in_use, MP_RELAXED);
    }
    const uint32_t out = (mp_load(&p->head, MP_RELAXED) >> p->idx_bits) & p->idx_mask;
    return out - mp_load(&p->quarantined, MP_RELAXED) + mp_load(&p->in_use, MP_RELAXED);
}

/* Pops since the pool was set up, mod 2^32. The head's tag (its bits above
 * the index and, when packed, the count) gains one per pop; tag_laps counts
 * the flips of its top bit (head bit 31), written by the pop that flipped it
 * just after its CAS. A reader that finds the parity of tag_laps different
 * from that top bit has seen the flip before the count: it adds the one that
 * is on its way. */
static inline uint32_t pool_pops(const modesp_pool_t *p)
{
    const uint32_t tag_shift = p->idx_bits * (POOL_PACKED(p) ? 2u : 1u);
    const uint32_t half = 31u - tag_shift; /* bits of the tag below its top bit */
    uint32_t laps = mp_load(&p->tag_laps, MP_ACQUIRE);
    const uint32_t tag = mp_load(&p->head, MP_ACQUIRE) >> tag_shift;
    laps += (laps ^ (tag >> half)) & 1u;
    return (laps << half) + (tag & ((1u << half) - 1u));
}

#endif /* MODESP_POOL_PRIVATE_H */
