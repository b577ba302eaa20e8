/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pool manager's state and the helpers its source files share (private).
 *
 *   manager_init.c        the static state (class pools, arena, class table,
 *                         constant initializer) and the configuration calls
 *   manager.c             class selection, allocate and free (the hot paths)
 *   manager_pressure.c    utilization, pressure levels, their delivery, callbacks
 *   manager_strategies.c  WAIT and the heap fallback
 *   manager_stats.c       statistics and the integrity check
 */
#ifndef MODESP_MANAGER_PRIVATE_H
#define MODESP_MANAGER_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modesp/pool_manager.h"
#include "mp_atomic.h"
#include "mp_trace.h"
#include "port.h"

#ifndef CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS
#define CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS 8
#endif
#ifndef CONFIG_MEMORY_POOL_HEAP_FALLBACK_MAX_BLOCKS
#define CONFIG_MEMORY_POOL_HEAP_FALLBACK_MAX_BLOCKS 1
#endif
#ifndef CONFIG_MEMORY_POOL_EMERGENCY_RESERVE_SIZE
#define CONFIG_MEMORY_POOL_EMERGENCY_RESERVE_SIZE 0
#endif

/* Pressure: level_word = change sequence (bits 8..31) | level (bits 0..1); an 8-entry ring of changes. */
#define RING_SIZE  8u
#define LEVEL_MASK 0x3u
#define SEQ_SHIFT  8u
#define SEQ_MASK   0x00FFFFFFu

/* Smallest byte count whose utilization (rounded down) is >= percent:
 * ceil(total * percent / 100), with total = 100 q + r to stay in 32 bits.
 * The same formula at compile time (Kconfig defaults) and at run time. */
#define PERCENT_TO_BYTES_(total, percent)                                                                              \
    ((total) / 100u * (uint32_t)(percent) + ((total) % 100u * (uint32_t)(percent) + 99u) / 100u)

typedef struct {
    modesp_pressure_cb_t cb;
    void *ctx;
} pressure_cb_slot_t;

typedef struct {
    void *ptr; /* NULL when the slot is free */
    uint32_t size;
    uint8_t cls;
} heap_slot_t;

/* A default strategy's step (see default_ex below). */
typedef esp_err_t (*modesp_default_ex_fn_t)(modesp_pool_manager_t *pm, size_t size, uint32_t strategy,
                                            void **out MP_SITE_PARAMS);

/* Branch hints and out-of-line cold paths: the common case stays a straight line at -O2;
 * under -Os one copy of everything (no duplicated fast path). */
#if defined(__GNUC__) || defined(__clang__)
#define MGR_LIKELY(x)   __builtin_expect(!!(x), 1)
#define MGR_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define MGR_LIKELY(x)   (x)
#define MGR_UNLIKELY(x) (x)
#endif
#if defined(__GNUC__) && !defined(__OPTIMIZE_SIZE__)
#define MGR_COLD static __attribute__((noinline, cold))
#else
#define MGR_COLD static
#endif

/* Band slots per array: the three levels, padded to four (index 3 is never a level). */
#define MGR_BAND_SLOTS 4
struct modesp_pool_manager {
    modesp_pool_t *classes[MODESP_CLASS_COUNT];
    modesp_pool_t *reserve;
    const uint8_t *reserve_lo; /* the reserve's block storage [lo, hi) (NULL, NULL: none) */
    const uint8_t *reserve_hi;
    uint32_t default_strategy;
    uint32_t default_timeout_ms;
    uint32_t total_bytes;
    uint32_t bytes_in_use;
    /* pressure */
    uint32_t enter_warning_bytes;
    uint32_t enter_critical_bytes;
    uint32_t below_release_bytes;
    /* Byte band of each level: bytes in [band_lo, band_lo + band_width) keep the
     * level (modesp_mgr_target_level_ returns it), so the hot path asks one
     * unsigned compare instead of the hysteresis rules. Index 3 is never a level. */
    union {
        struct {
            uint32_t band_lo[MGR_BAND_SLOTS];
            uint32_t band_width[MGR_BAND_SLOTS];
        };
        uint32_t band[2 * MGR_BAND_SLOTS]; /* band[level] is band_lo[level], band[level + MGR_BAND_SLOTS] its width */
    };
    uint32_t level_word;
#if MODESP_PRESSURE_CALLBACKS_ENABLED
    uint32_t ring[RING_SIZE];
    uint32_t delivered_seq;
    uint32_t delivering;
    uint32_t dropped_events;
    pressure_cb_slot_t callbacks[CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS];
#endif
#if MODESP_WAIT_ENABLED
    /* WAIT */
    uint32_t waiters[MODESP_CLASS_COUNT];
    modesp_port_waitq_t waitq[MODESP_CLASS_COUNT];
#endif
    /* How the allocate entry points serve a default strategy other than STRICT:
     * stored by set_default_strategy (or set at compile time for a Kconfig
     * default of SPILL), NULL while it is STRICT. The entry points reach
     * allocate_ex, the strategies and the WAIT code (with the clock's 64-bit
     * arithmetic) only through it, so an application that never changes the
     * default strategy links none of them. */
    modesp_default_ex_fn_t default_ex;
#if MODESP_HEAP_FALLBACK_ENABLED
    /* heap fallback, guarded by the port critical section */
    heap_slot_t heap[CONFIG_MEMORY_POOL_HEAP_FALLBACK_MAX_BLOCKS];
    uint32_t heap_in_use;
#endif
    /* counters */
    uint32_t zero_size_requests;
    uint32_t oversize_requests;
    uint32_t null_frees;
    uint32_t foreign_frees;
    uint32_t size_mismatch_frees;
    uint32_t spills;
    uint32_t waits;
    uint32_t wait_timeouts;
    uint32_t wait_deadline_served;
    uint32_t isr_refusals;
    uint32_t heap_allocs;
    uint32_t heap_frees;
    uint32_t heap_failures;
    uint32_t critical_allocs;
    uint32_t critical_failures;
    uint32_t resets; /* reset_stats calls, kept in every profile (a reader's deltas need it) */
};

/* The one manager (manager.c). */
extern modesp_pool_manager_t modesp_manager_;

/* Block size of each class, from the size-class table (manager_init.c). */
extern const uint32_t modesp_class_size_[MODESP_CLASS_COUNT];

/*
 * The block storage of every class, one after the other in one object
 * (defined in manager_init.c), so the owner of a pointer is found by one
 * subtraction and a table load (owner_of in manager.c, OWNER_SHIFT_ below). Each
 * class's storage is a whole number of strides, themselves multiples of
 * MODESP_POOL_ALIGN: no padding between classes.
 */
#define ARENA_FIELD_(NAME, name, size, count)                                                                          \
    _Alignas(MODESP_POOL_ALIGN) uint8_t name[MODESP_POOL_STORAGE_SIZE(size, count)];
typedef struct {
    MODESP_SIZE_CLASSES(ARENA_FIELD_)
} modesp_class_arena_t;
extern modesp_class_arena_t modesp_class_storage_;
#define ARENA_END_(name) (offsetof(modesp_class_arena_t, name) + sizeof(((modesp_class_arena_t *)0)->name))

/*
 * Class of a size by one table load on (size - 1) >> LUT_SHIFT_. The shift is
 * the largest power of two not above the smallest step between class sizes
 * (the first size counts as a step from 0), so one table entry (a "granule"
 * of sizes) meets at most one class boundary: the table holds the class of
 * the granule's smallest size, and one compare moves past a boundary inside
 * the granule (not even that when every class size is a multiple of the
 * granule, as the default sizes are). The table has one byte per granule up
 * to the largest class, rounded up to 8; when that would exceed 64 bytes
 * (class sizes only a few bytes apart), the compare chain stands in.
 * The table is manager_init.c's, class_of manager.c's.
 */
#define MIN2_(a, b) ((a) < (b) ? (a) : (b))
#define GAP_MIN_                                                                                                       \
    MIN2_(MIN2_(MIN2_(CONFIG_MEMORY_POOL_TINY_SIZE, CONFIG_MEMORY_POOL_SMALL_SIZE - CONFIG_MEMORY_POOL_TINY_SIZE),     \
                MIN2_(CONFIG_MEMORY_POOL_MEDIUM_SIZE - CONFIG_MEMORY_POOL_SMALL_SIZE,                                  \
                      CONFIG_MEMORY_POOL_LARGE_SIZE - CONFIG_MEMORY_POOL_MEDIUM_SIZE)),                                \
          CONFIG_MEMORY_POOL_XLARGE_SIZE - CONFIG_MEMORY_POOL_LARGE_SIZE)
#define LUT_SHIFT_                                                                                                     \
    (GAP_MIN_ >= 4096   ? 12                                                                                           \
     : GAP_MIN_ >= 2048 ? 11                                                                                           \
     : GAP_MIN_ >= 1024 ? 10                                                                                           \
     : GAP_MIN_ >= 512  ? 9                                                                                            \
     : GAP_MIN_ >= 256  ? 8                                                                                            \
     : GAP_MIN_ >= 128  ? 7                                                                                            \
     : GAP_MIN_ >= 64   ? 6                                                                                            \
     : GAP_MIN_ >= 32   ? 5                                                                                            \
     : GAP_MIN_ >= 16   ? 4                                                                                            \
     : GAP_MIN_ >= 8    ? 3                                                                                            \
     : GAP_MIN_ >= 4    ? 2                                                                                            \
     : GAP_MIN_ >= 2    ? 1                                                                                            \
                        : 0)
#define LUT_ENTRIES_ ((((CONFIG_MEMORY_POOL_XLARGE_SIZE - 1) >> LUT_SHIFT_) + 8) / 8 * 8)
/* As C constants for the code (see OWNER_SHIFT_C_ below for why). */
enum { LUT_SHIFT_C_ = LUT_SHIFT_, LUT_ENTRIES_C_ = LUT_ENTRIES_ };
#define LUT_GRAIN_                         (1 << LUT_SHIFT_C_)
#define ON_GRAIN_(NAME, name, size, count) &&((size) % LUT_GRAIN_ == 0)
#define LUT_EXACT_                         (1 MODESP_SIZE_CLASSES(ON_GRAIN_))
#if LUT_ENTRIES_ <= 64
extern const uint8_t modesp_class_lut_[LUT_ENTRIES_C_];
#endif

/*
 * Owner of a freed pointer by one table load on its arena offset >>
 * OWNER_SHIFT_, as for the class of a size: the shift is the largest power of
 * two not above the smallest class storage, so one table entry (a granule of
 * the arena) meets at most one end of a class; the table holds the class of
 * the granule's first byte, and one compare moves past an end inside the
 * granule (none when every end is a multiple of the granule, as with the
 * default classes). #if cannot evaluate MODESP_POOL_ALIGN (an _Alignof), so
 * the shift and the table length come from bounds of each class's storage:
 * at least size * count, at most with the stride rounded up to
 * OWNER_ALIGN_MAX_. owner_of (manager.c) checks at compile time that the table
 * covers the real arena; past 64 entries (a class far smaller than the whole
 * arena), or if it does not cover it, the compare chain stands in.
 */
#define OWNER_ALIGN_MAX_ 16
#define STORE_LO_(NAME)  (CONFIG_MEMORY_POOL_##NAME##_SIZE * CONFIG_MEMORY_POOL_##NAME##_COUNT)
#define STORE_HI_(NAME)                                                                                                \
    ((CONFIG_MEMORY_POOL_##NAME##_SIZE + OWNER_ALIGN_MAX_ - 1) / OWNER_ALIGN_MAX_ * OWNER_ALIGN_MAX_ *                 \
     CONFIG_MEMORY_POOL_##NAME##_COUNT)
#define OWNER_STORE_MIN_                                                                                               \
    MIN2_(MIN2_(MIN2_(STORE_LO_(TINY), STORE_LO_(SMALL)), MIN2_(STORE_LO_(MEDIUM), STORE_LO_(LARGE))),                 \
          STORE_LO_(XLARGE))
#define OWNER_ARENA_HI_  (STORE_HI_(TINY) + STORE_HI_(SMALL) + STORE_HI_(MEDIUM) + STORE_HI_(LARGE) + STORE_HI_(XLARGE))
#define LOG2_STEP_(x, k) (x) >= (1L << (k)) ? (k):
#define LOG2_FLOOR_(x)                                                                                                 \
    (LOG2_STEP_(x, 26) LOG2_STEP_(x, 25) LOG2_STEP_(x, 24) LOG2_STEP_(x, 23) LOG2_STEP_(x, 22) LOG2_STEP_(x, 21)       \
         LOG2_STEP_(x, 20) LOG2_STEP_(x, 19) LOG2_STEP_(x, 18) LOG2_STEP_(x, 17) LOG2_STEP_(x, 16) LOG2_STEP_(x, 15)   \
             LOG2_STEP_(x, 14) LOG2_STEP_(x, 13) LOG2_STEP_(x, 12) LOG2_STEP_(x, 11) LOG2_STEP_(x, 10)                 \
                 LOG2_STEP_(x, 9) LOG2_STEP_(x, 8) LOG2_STEP_(x, 7) LOG2_STEP_(x, 6) LOG2_STEP_(x, 5) LOG2_STEP_(x, 4) \
                     LOG2_STEP_(x, 3) LOG2_STEP_(x, 2) LOG2_STEP_(x, 1) 0)
#define OWNER_SHIFT_   LOG2_FLOOR_(OWNER_STORE_MIN_)
#define OWNER_ENTRIES_ ((((OWNER_ARENA_HI_ - 1) >> OWNER_SHIFT_) + 8) / 8 * 8)
/* The same two values as C constants for the code: each use of the macros above
 * expands to about a thousand tokens (LOG2_FLOOR_ over nested MIN2_), which
 * over the table's 64 entries made clang-tidy take minutes on one file. */
enum { OWNER_SHIFT_C_ = OWNER_SHIFT_, OWNER_ENTRIES_C_ = OWNER_ENTRIES_ };
#if OWNER_ENTRIES_ <= 64
extern const uint8_t modesp_owner_lut_[OWNER_ENTRIES_C_];
#endif

/* The manager is a singleton: any other pointer (NULL, a stray or stale one) is refused. */
static inline bool pm_ok(const modesp_pool_manager_t *pm) { return pm == &modesp_manager_; }

/* A misuse or strategy counter. The minimal profile (Kconfig MEMORY_POOL_MINIMAL_STATS) keeps only
 * what the integrity check needs: the error is still returned, the counter stays 0. */
#ifdef CONFIG_MEMORY_POOL_MINIMAL_STATS
MODESP_IRAM_ATTR static inline void bump(uint32_t *counter) { (void)counter; }
#else
MODESP_IRAM_ATTR static inline void bump(uint32_t *counter) { (void)mp_fetch_add(counter, 1u, MP_RELAXED); }
#endif

/* The byte bands of the three levels for these byte thresholds (see band_lo):
 * NORMAL stays below warn, WARNING in [release, critical), CRITICAL from warn up. */
#define BAND_LO_INIT_(warn, crit, rel)                                                                                 \
    {                                                                                                                  \
        0u, (rel), (warn), 0u                                                                                          \
    }
#define BAND_WIDTH_INIT_(warn, crit, rel)                                                                              \
    {                                                                                                                  \
        (warn), (crit) - (rel), (warn) == 0u ? UINT32_MAX : 0u - (warn), 0u                                            \
    }
void modesp_mgr_set_bands_(modesp_pool_manager_t *pm);

/* Pending pressure changes: the level word's sequence is ahead of the last delivered one. */
MODESP_IRAM_ATTR static inline bool modesp_mgr_pending_(const modesp_pool_manager_t *pm, uint32_t level_word)
{
#if MODESP_PRESSURE_CALLBACKS_ENABLED
    return (level_word >> SEQ_SHIFT) != mp_load(&pm->delivered_seq, MP_RELAXED);
#else
    (void)pm;
    (void)level_word;
    return false;
#endif
}

/* The level `bytes` calls for from `level` (hysteresis); on the hot path of every allocate and free. */
MODESP_IRAM_ATTR static inline uint32_t modesp_mgr_target_level_(modesp_pool_manager_t *pm, uint32_t level,
                                                                 uint32_t bytes)
{
    const uint32_t warn = mp_load(&pm->enter_warning_bytes, MP_RELAXED);
    const uint32_t crit = mp_load(&pm->enter_critical_bytes, MP_RELAXED);
    const uint32_t rel = mp_load(&pm->below_release_bytes, MP_RELAXED);
    if (bytes >= crit) {
        return MODESP_PRESSURE_CRITICAL;
    }
    if (bytes < rel) {
        return MODESP_PRESSURE_NORMAL;
    }
    if (level == MODESP_PRESSURE_CRITICAL) {
        return bytes < warn ? MODESP_PRESSURE_WARNING : MODESP_PRESSURE_CRITICAL;
    }
    if (level == MODESP_PRESSURE_WARNING || bytes >= warn) {
        return MODESP_PRESSURE_WARNING;
    }
    return MODESP_PRESSURE_NORMAL;
}

/* A strategy this build can serve (the others are compiled out: ESP_ERR_NOT_SUPPORTED). */
static inline bool strategy_built(modesp_alloc_strategy_t strategy)
{
    return (strategy != MODESP_ALLOC_HEAP_FALLBACK || MODESP_HEAP_FALLBACK_ENABLED) &&
           (strategy != MODESP_ALLOC_WAIT || MODESP_WAIT_ENABLED);
}

/* manager.c: one attempt on class cls for a request of class `requested`. */
void *modesp_mgr_take_class_(modesp_pool_manager_t *pm, int cls, int requested MP_SITE_PARAMS);

/* manager.c: the default strategy's step when it is not STRICT (stored in default_ex). */
esp_err_t modesp_mgr_default_ex_step_(modesp_pool_manager_t *pm, size_t size, uint32_t strategy,
                                      void **out MP_SITE_PARAMS);

/* manager_pressure.c */
uint32_t modesp_mgr_utilization_(const modesp_pool_manager_t *pm, uint32_t bytes);
void modesp_mgr_pressure_update_(modesp_pool_manager_t *pm);
#if MODESP_PRESSURE_CALLBACKS_ENABLED
uint32_t modesp_mgr_deliver_(modesp_pool_manager_t *pm);
void modesp_mgr_deliver_if_pending_(modesp_pool_manager_t *pm);
#else
/* Nothing to deliver without callbacks: compiled out of every path. */
#define modesp_mgr_deliver_if_pending_(pm) ((void)(pm))
#endif

/* manager_strategies.c */
#if MODESP_WAIT_ENABLED
esp_err_t modesp_mgr_wait_for_block_(modesp_pool_manager_t *pm, int cls, uint32_t timeout_ms,
                                     void **out MP_SITE_PARAMS);
#endif
#if MODESP_HEAP_FALLBACK_ENABLED
esp_err_t modesp_mgr_heap_take_(modesp_pool_manager_t *pm, size_t size, int cls, void **out);
esp_err_t modesp_mgr_heap_give_back_(modesp_pool_manager_t *pm, void *ptr, size_t size, bool sized);
#endif

#endif /* MODESP_MANAGER_PRIVATE_H */
