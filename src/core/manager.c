/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pool manager: size classes, strategies, emergency reserve, pressure levels.
 * This file: the singleton, class selection, allocate and free (the other
 * parts are listed in manager_private.h).
 *
 * Hot path (STRICT allocate, free): the class by one table load, the owner
 * of a freed pointer by one subtraction and compares against constants (the
 * class pools' storage is one arena), one pool operation, one byte-counter
 * update, and one compare of the byte count against the level's byte band
 * for pressure work. Everything else (spill, wait, heap, callbacks, failure
 * accounting) is out of line. allocate_ex and the strategies (WAIT with the
 * clock's 64-bit arithmetic) are reached from the allocate entry points only
 * through default_ex, which set_default_strategy stores: an application that
 * never changes the default strategy (nor calls allocate_ex) links none of
 * them.
 *
 * No run-time initialisation: every field of the manager, the class pools,
 * the byte thresholds and the wait queues is a constant initializer computed
 * from Kconfig, so the first call from any context (an ISR included) finds
 * it ready and nothing ever waits for an initialiser.
 *
 * The class pools and the reserve carry MODESP_POOL_MAGIC_MANAGED: the public
 * pool API refuses them, so no block can enter or leave them behind the
 * manager's byte count. The manager uses the private entry points of
 * pool_internal.h.
 *
 * Pressure levels. `level_word` holds the level (bits 0..1) and a change
 * sequence number (bits 8..31). A context whose allocation or free moves the
 * level CASes the word, then stores the change {seq, from, to, utilization}
 * in an 8-entry ring. Changes are delivered to callbacks, in order, in task
 * context, by one context at a time (a try-lock nobody spins on). Delivery
 * never waits for another context: it stops at the first change whose entry
 * is not stored yet, because that change's writer delivers it (and what
 * follows) itself once it has stored it; if the writer finds the lock taken,
 * the holder sees the stored entry when it unlocks (see deliver_pressure).
 * Changes made in an ISR are delivered by the next manager call from a task
 * that allocates or frees (whatever its result), by
 * modesp_pool_manager_set_pressure_thresholds, or by
 * modesp_pool_manager_process_pressure_events. If more than 8 changes pile up
 * undelivered (only possible from ISRs or a writer preempted for that long),
 * the oldest are counted as dropped rather than blocking anything.
 *
 * Byte counter and level are SEQ_CST so that a level decision is always
 * re-evaluated against a byte count at least as new as every change that
 * happened before it: the last context to update sees the final value, and
 * the level cannot stay stale after the system goes quiet.
 */
#include <stddef.h>
#include <string.h>

#include "manager_private.h"
#include "pool_internal.h"

#define CLASS_SIZE_OK_(NAME, name, size, count)                                                                        \
    _Static_assert((size) >= 1 && (count) >= 1, "Kconfig: class " #NAME " needs a size and a count");
MODESP_SIZE_CLASSES(CLASS_SIZE_OK_)
_Static_assert(MODESP_CLASS_SIZES_INCREASE, "Kconfig: class sizes must strictly increase from TINY to XLARGE");
_Static_assert(CONFIG_MEMORY_POOL_RELEASE_THRESHOLD <= CONFIG_MEMORY_POOL_WARNING_THRESHOLD &&
                   CONFIG_MEMORY_POOL_WARNING_THRESHOLD <= CONFIG_MEMORY_POOL_CRITICAL_THRESHOLD,
               "Kconfig: thresholds must satisfy release <= warning <= critical");

/*
 * A class pool: block storage in the one class arena below, metadata of its
 * own, owned by the manager (the pool API refuses it), chained to the next of
 * the manager's pools for the registry (one constructor below registers the
 * whole chain).
 */
#define MANAGED_POOL_(name, block_size, count, next)                                                                   \
    MODESP_POOL_DEFINE_STORAGE_(name, block_size, count);                                                              \
    static modesp_pool_t name = MODESP_POOL_INITIALIZER_MAGIC_(#name, name##_storage_, name##_meta_, block_size,       \
                                                               count, MODESP_POOL_MAGIC_MANAGED, (next), 1u)

/*
 * The block storage of every class, one after the other in one object, so the
 * owner of a pointer is found by one subtraction and compares against
 * constants (owner_of). Each class's storage is a whole number of strides,
 * themselves multiples of MODESP_POOL_ALIGN: no padding between classes.
 */
#define ARENA_FIELD_(NAME, name, size, count)                                                                          \
    _Alignas(MODESP_POOL_ALIGN) uint8_t name[MODESP_POOL_STORAGE_SIZE(size, count)];
typedef struct {
    MODESP_SIZE_CLASSES(ARENA_FIELD_)
} class_arena_t;
static class_arena_t modesp_class_storage_;
#define ARENA_END_(name) (offsetof(class_arena_t, name) + sizeof(((class_arena_t *)0)->name))

#define CLASS_POOL_DECL_(NAME, name, size, count) static modesp_pool_t name##_pool;
MODESP_SIZE_CLASSES(CLASS_POOL_DECL_)

#if CONFIG_MEMORY_POOL_EMERGENCY_RESERVE_SIZE > 0
_Static_assert(CONFIG_MEMORY_POOL_EMERGENCY_RESERVE_SIZE >= CONFIG_MEMORY_POOL_EMERGENCY_BLOCK_SIZE,
               "Kconfig: the emergency reserve must hold at least one reserve block");
MANAGED_POOL_(reserve_pool, CONFIG_MEMORY_POOL_EMERGENCY_BLOCK_SIZE,
              CONFIG_MEMORY_POOL_EMERGENCY_RESERVE_SIZE / CONFIG_MEMORY_POOL_EMERGENCY_BLOCK_SIZE, NULL);
#define RESERVE_POOL (&reserve_pool)
#define LAST_POOL    (&reserve_pool)
#define RESERVE_LO   ((const uint8_t *)reserve_pool_storage_)
#define RESERVE_HI   ((const uint8_t *)reserve_pool_storage_ + sizeof reserve_pool_storage_)
#else
#define RESERVE_POOL NULL
#define LAST_POOL    (&xlarge_pool)
#define RESERVE_LO   NULL
#define RESERVE_HI   NULL
#endif

/* Each class pool links to the next one; the last to the reserve (or NULL). */
#define CLASS_POOL_(NAME, name, size, count)                                                                           \
    MODESP_POOL_CHECK_ARGS_(size, count);                                                                              \
    static uint32_t name##_pool_meta_[(count)];                                                                        \
    static modesp_pool_t name##_pool =                                                                                 \
        MODESP_POOL_INITIALIZER_MAGIC_(#name "_pool", modesp_class_storage_.name, name##_pool_meta_, size, count,      \
                                       MODESP_POOL_MAGIC_MANAGED, CLASS_NEXT_##NAME, 1u);
#define CLASS_NEXT_TINY   &small_pool
#define CLASS_NEXT_SMALL  &medium_pool
#define CLASS_NEXT_MEDIUM &large_pool
#define CLASS_NEXT_LARGE  &xlarge_pool
#define CLASS_NEXT_XLARGE RESERVE_POOL
MODESP_SIZE_CLASSES(CLASS_POOL_)

#if (defined(__GNUC__) || defined(__clang__))
/* Registers the manager's pools before main() (modesp/hooks.h). */
__attribute__((constructor)) static void register_class_pools(void)
{
    modesp_pool_register_chain_(&tiny_pool, LAST_POOL);
}
#endif

#define CLASS_SIZE_(NAME, name, size, count) (size),
MODESP_DRAM_ATTR const uint32_t modesp_class_size_[MODESP_CLASS_COUNT] = {MODESP_SIZE_CLASSES(CLASS_SIZE_)};

/*
 * Percent arithmetic stays in 32 bits (a 64-bit division pulls ~700 bytes of
 * libgcc into a Cortex-M image): total class bytes are capped below so that
 * bytes * 100 never overflows.
 */
#define CLASS_BYTES_(NAME, name, size, count) +((uint64_t)(size) * (uint64_t)(count))
#define TOTAL_BYTES_64_                       (0 MODESP_SIZE_CLASSES(CLASS_BYTES_))
_Static_assert(TOTAL_BYTES_64_ <= UINT32_MAX / 100u,
               "Kconfig: the classes together may hold at most 42 MB (UINT32_MAX / 100 bytes)");
#define TOTAL_BYTES ((uint32_t)TOTAL_BYTES_64_)

#if defined(CONFIG_MEMORY_POOL_DEFAULT_STRATEGY_SPILL)
#define DEFAULT_STRATEGY MODESP_ALLOC_SPILL
#define DEFAULT_EX       default_ex_step
#else
#define DEFAULT_STRATEGY MODESP_ALLOC_STRICT
#define DEFAULT_EX       NULL
#endif
static esp_err_t default_ex_step(modesp_pool_manager_t *pm, size_t size, uint32_t strategy, void **out MP_SITE_PARAMS);

#define CLASS_POOL_PTR_(NAME, name, size, count) &name##_pool,
#define CLASS_WAITQ_(NAME, name, size, count)    MODESP_PORT_WAITQ_INITIALIZER,

#define WARN_BYTES_ PERCENT_TO_BYTES_(TOTAL_BYTES, CONFIG_MEMORY_POOL_WARNING_THRESHOLD)
#define CRIT_BYTES_ PERCENT_TO_BYTES_(TOTAL_BYTES, CONFIG_MEMORY_POOL_CRITICAL_THRESHOLD)
#define REL_BYTES_  PERCENT_TO_BYTES_(TOTAL_BYTES, CONFIG_MEMORY_POOL_RELEASE_THRESHOLD)

modesp_pool_manager_t modesp_manager_ = {
    .classes = {MODESP_SIZE_CLASSES(CLASS_POOL_PTR_)},
    .reserve = RESERVE_POOL,
    .reserve_lo = RESERVE_LO,
    .reserve_hi = RESERVE_HI,
    .default_strategy = DEFAULT_STRATEGY,
    .default_ex = DEFAULT_EX,
    .total_bytes = TOTAL_BYTES,
    .enter_warning_bytes = WARN_BYTES_,
    .enter_critical_bytes = CRIT_BYTES_,
    .below_release_bytes = REL_BYTES_,
    .band_lo = BAND_LO_INIT_(WARN_BYTES_, CRIT_BYTES_, REL_BYTES_),
    .band_width = BAND_WIDTH_INIT_(WARN_BYTES_, CRIT_BYTES_, REL_BYTES_),
#if MODESP_WAIT_ENABLED
    .waitq = {MODESP_SIZE_CLASSES(CLASS_WAITQ_)},
#endif
};

MODESP_IRAM_ATTR modesp_pool_manager_t *modesp_get_pool_manager(void) { return &modesp_manager_; }

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
#define LUT_ENTRIES_                       ((((CONFIG_MEMORY_POOL_XLARGE_SIZE - 1) >> LUT_SHIFT_) + 8) / 8 * 8)
#define LUT_GRAIN_                         (1 << LUT_SHIFT_)
#define ON_GRAIN_(NAME, name, size, count) &&((size) % LUT_GRAIN_ == 0)
#define LUT_EXACT_                         (1 MODESP_SIZE_CLASSES(ON_GRAIN_))

#define CLASS_ABOVE_(NAME, name, size, count) +(int)(sz > (size))
#if LUT_ENTRIES_ <= 64
#define CLASS_LUT_E_(g)                                                                                                \
    (uint8_t)(0 + (((g) << LUT_SHIFT_) + 1 > CONFIG_MEMORY_POOL_TINY_SIZE) +                                           \
              (((g) << LUT_SHIFT_) + 1 > CONFIG_MEMORY_POOL_SMALL_SIZE) +                                              \
              (((g) << LUT_SHIFT_) + 1 > CONFIG_MEMORY_POOL_MEDIUM_SIZE) +                                             \
              (((g) << LUT_SHIFT_) + 1 > CONFIG_MEMORY_POOL_LARGE_SIZE) +                                              \
              (((g) << LUT_SHIFT_) + 1 > CONFIG_MEMORY_POOL_XLARGE_SIZE))
#define CLASS_LUT8_(g)                                                                                                 \
    CLASS_LUT_E_(g), CLASS_LUT_E_((g) + 1), CLASS_LUT_E_((g) + 2), CLASS_LUT_E_((g) + 3), CLASS_LUT_E_((g) + 4),       \
        CLASS_LUT_E_((g) + 5), CLASS_LUT_E_((g) + 6), CLASS_LUT_E_((g) + 7),
_Static_assert(MODESP_CLASS_COUNT == 5, "the class table below lists the five Kconfig classes");
static MODESP_DRAM_ATTR const uint8_t class_lut_[LUT_ENTRIES_] = {CLASS_LUT8_(0)
#if LUT_ENTRIES_ > 8
                                                                      CLASS_LUT8_(8)
#endif
#if LUT_ENTRIES_ > 16
                                                                          CLASS_LUT8_(16)
#endif
#if LUT_ENTRIES_ > 24
                                                                              CLASS_LUT8_(24)
#endif
#if LUT_ENTRIES_ > 32
                                                                                  CLASS_LUT8_(32)
#endif
#if LUT_ENTRIES_ > 40
                                                                                      CLASS_LUT8_(40)
#endif
#if LUT_ENTRIES_ > 48
                                                                                          CLASS_LUT8_(48)
#endif
#if LUT_ENTRIES_ > 56
                                                                                              CLASS_LUT8_(56)
#endif
};

/* The class of a size in 1..MODESP_POOL_MAX_BLOCK_SIZE (not checked). */
MODESP_IRAM_ATTR static inline int class_of(size_t size)
{
    const unsigned cls = class_lut_[(size - 1u) >> LUT_SHIFT_];
    return (int)(LUT_EXACT_ ? cls : cls + (size > modesp_class_size_[cls]));
}
#else
MODESP_IRAM_ATTR static inline int class_of(size_t size)
{
    const size_t sz = size;
    return 0 MODESP_SIZE_CLASSES(CLASS_ABOVE_); /* the classes too small for it; the last term is 0 */
}
#endif

MODESP_IRAM_ATTR int modesp_pool_manager_class_for_size(size_t size)
{
    return (size - 1u < (size_t)MODESP_POOL_MAX_BLOCK_SIZE) ? class_of(size) : -1; /* 0 wraps to SIZE_MAX */
}

#define CLASS_NAME_(NAME, name, size, count) #NAME,
const char *modesp_size_class_name(modesp_size_class_t cls)
{
    static const char *const names[MODESP_CLASS_COUNT] = {MODESP_SIZE_CLASSES(CLASS_NAME_)};
    return ((unsigned)cls < MODESP_CLASS_COUNT) ? names[cls] : "?";
}

/* The default-strategy allocate and the free: inlined into their entry points at -O2, one copy under -Os. */
#if defined(__OPTIMIZE_SIZE__) || !defined(__GNUC__)
#define HOT_MGR static
#else
#define HOT_MGR static inline __attribute__((always_inline))
#endif

/* Forward the call site to the pool's trace hook point, or nothing. */
#if MODESP_TRACING
#define MP_SITE_ARGS_OR_NONE MP_SITE_ARGS
#else
#define MP_SITE_ARGS_OR_NONE , NULL, 0, 0u
#endif

/*
 * A level change or pending delivery seen after an allocation or free: the
 * hysteresis rules decide from the fresh byte count; out of line.
 */
MGR_COLD MODESP_IRAM_ATTR void pressure_slow(modesp_pool_manager_t *pm, uint32_t lw, uint32_t bytes)
{
    const uint32_t level = lw & LEVEL_MASK;
    if (modesp_mgr_target_level_(pm, level, bytes) != level) {
        modesp_mgr_pressure_update_(pm);
    } else if (modesp_mgr_pending_(pm, lw) && !modesp_port_in_isr()) {
        modesp_mgr_deliver_if_pending_(pm);
    }
}

/*
 * After every allocation and free: `bytes` is the value this context's own
 * SEQ_CST read-modify-write of bytes_in_use produced. Most calls end after
 * one SEQ_CST load of the level and one compare against the level's byte
 * band; only a level change (or pending delivery) takes the slow path. Why
 * the level cannot stay stale: the context whose RMW is last in the single
 * order S of SEQ_CST operations holds the final byte count. Its level load
 * either sees every level CAS made before it (and corrects a stale level
 * through the slow path), or a CAS comes after that load in S, and then the
 * CASing context's fresh SEQ_CST load of bytes_in_use in pressure_update
 * comes after the last RMW and sees the final count.
 */
MODESP_IRAM_ATTR static inline void pressure_after(modesp_pool_manager_t *pm, uint32_t bytes)
{
    const uint32_t lw = mp_load(&pm->level_word, MP_SEQ_CST);
    const uint32_t level = lw & LEVEL_MASK;
    if (MGR_UNLIKELY(bytes - mp_load(&pm->band_lo[level], MP_RELAXED) >= mp_load(&pm->band_width[level], MP_RELAXED)) ||
        MGR_UNLIKELY(modesp_mgr_pending_(pm, lw))) {
        pressure_slow(pm, lw, bytes);
    }
}

/* One attempt on one class; the tag records the requested class for sized frees. */
MODESP_IRAM_ATTR HOT_MGR void *take_class(modesp_pool_manager_t *pm, int cls, int requested MP_SITE_PARAMS)
{
    void *p = modesp_pool_take_managed_(pm->classes[cls], (uint32_t)requested + 1u MP_SITE_ARGS_OR_NONE);
    if (MGR_LIKELY(p != NULL)) {
        const uint32_t sz = modesp_class_size_[cls];
        pressure_after(pm, mp_fetch_add(&pm->bytes_in_use, sz, MP_SEQ_CST) + sz);
    }
    return p;
}

void *modesp_mgr_take_class_(modesp_pool_manager_t *pm, int cls, int requested MP_SITE_PARAMS)
{
    return take_class(pm, cls, requested MP_SITE_ARGS);
}

/* The class of a request, or the size error (counted; pending pressure changes delivered). */
MODESP_IRAM_ATTR static esp_err_t checked_class(modesp_pool_manager_t *pm, size_t size, int *cls)
{
    if (size == 0u) {
        bump(&pm->zero_size_requests);
        modesp_mgr_deliver_if_pending_(pm);
        return MODESP_ERR_ZERO_SIZE;
    }
    *cls = modesp_pool_manager_class_for_size(size);
    if (*cls < 0) {
        bump(&pm->oversize_requests);
        modesp_mgr_deliver_if_pending_(pm);
        return ESP_ERR_INVALID_SIZE;
    }
    return ESP_OK;
}

/* The request for class `cls` failed as its caller sees it (and the trace hook hears of it). */
MGR_COLD MODESP_IRAM_ATTR void request_failed(modesp_pool_manager_t *pm, int cls MP_SITE_PARAMS)
{
    modesp_pool_count_failure_(pm->classes[cls]);
    MP_TRACE_FAIL(pm->classes[cls]);
    modesp_mgr_deliver_if_pending_(pm);
}

MODESP_IRAM_ATTR static esp_err_t allocate_class(modesp_pool_manager_t *pm, size_t size, int cls,
                                                 modesp_alloc_strategy_t strategy, uint32_t timeout_ms,
                                                 void **out MP_SITE_PARAMS)
{
    (void)size;
    (void)timeout_ms;
    switch (strategy) {
    case MODESP_ALLOC_STRICT:
        *out = take_class(pm, cls, cls MP_SITE_ARGS);
        return (*out != NULL) ? ESP_OK : ESP_ERR_NO_MEM;
    case MODESP_ALLOC_SPILL:
        for (int c = cls; c < MODESP_CLASS_COUNT; c++) {
            *out = take_class(pm, c, cls MP_SITE_ARGS);
            if (*out != NULL) {
                if (c != cls) {
                    bump(&pm->spills);
                }
                return ESP_OK;
            }
        }
        return ESP_ERR_NO_MEM;
#if MODESP_HEAP_FALLBACK_ENABLED
    case MODESP_ALLOC_HEAP_FALLBACK:
        /* From an ISR the class is served as with STRICT; only the heap step is refused. */
        *out = take_class(pm, cls, cls MP_SITE_ARGS);
        if (*out != NULL) {
            return ESP_OK;
        }
        if (modesp_port_in_isr()) {
            bump(&pm->isr_refusals);
            return ESP_ERR_INVALID_STATE;
        }
        {
            const esp_err_t err = modesp_mgr_heap_take_(pm, size, cls, out);
            if (err == ESP_OK) {
                modesp_mgr_deliver_if_pending_(pm); /* served by the heap: deliver like any allocation */
            }
            return err;
        }
#endif
#if MODESP_WAIT_ENABLED
    case MODESP_ALLOC_WAIT:
        *out = take_class(pm, cls, cls MP_SITE_ARGS);
        if (*out != NULL) {
            return ESP_OK;
        }
        return timeout_ms == 0u ? ESP_ERR_NO_MEM : modesp_mgr_wait_for_block_(pm, cls, timeout_ms, out MP_SITE_ARGS);
#endif
    default:
        return ESP_ERR_INVALID_ARG;
    }
}

/* A strategy this build can serve (the others are compiled out: ESP_ERR_NOT_SUPPORTED). */
static inline bool strategy_built(modesp_alloc_strategy_t strategy)
{
    return (strategy != MODESP_ALLOC_HEAP_FALLBACK || MODESP_HEAP_FALLBACK_ENABLED) &&
           (strategy != MODESP_ALLOC_WAIT || MODESP_WAIT_ENABLED);
}

MODESP_IRAM_ATTR static esp_err_t allocate_ex(modesp_pool_manager_t *pm, size_t size, modesp_alloc_strategy_t strategy,
                                              uint32_t timeout_ms, void **out MP_SITE_PARAMS)
{
    if (!pm_ok(pm) || out == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    *out = NULL;
    if ((unsigned)strategy > MODESP_ALLOC_WAIT) {
        modesp_mgr_deliver_if_pending_(pm);
        return ESP_ERR_INVALID_ARG;
    }
    if (!strategy_built(strategy)) {
        modesp_mgr_deliver_if_pending_(pm);
        return ESP_ERR_NOT_SUPPORTED;
    }
    int cls = -1;
    const esp_err_t size_err = checked_class(pm, size, &cls);
    if (size_err != ESP_OK) {
        return size_err;
    }
    if (strategy == MODESP_ALLOC_WAIT && modesp_port_in_isr()) {
        bump(&pm->isr_refusals);
        return ESP_ERR_INVALID_STATE;
    }
    const esp_err_t admitted = MP_ADMIT(pm->classes[cls], size); /* per-owner quotas (modesp/hooks.h) */
    if (admitted != ESP_OK) {
        modesp_mgr_deliver_if_pending_(pm);
        return admitted;
    }
    const esp_err_t err = allocate_class(pm, size, cls, strategy, timeout_ms, out MP_SITE_ARGS);
    if (err != ESP_OK) {
        request_failed(pm, cls MP_SITE_ARGS);
    }
    return err;
}

MODESP_IRAM_ATTR esp_err_t modesp_pool_manager_allocate_ex(modesp_pool_manager_t *pm, size_t size,
                                                           modesp_alloc_strategy_t strategy, uint32_t timeout_ms,
                                                           void **out)
{
    return allocate_ex(pm, size, strategy, timeout_ms, out MP_NO_SITE_SIZED(size));
}

/* The default strategy's step when it is not STRICT (see default_ex). */
MODESP_IRAM_ATTR static esp_err_t default_ex_step(modesp_pool_manager_t *pm, size_t size, uint32_t strategy,
                                                  void **out MP_SITE_PARAMS)
{
    return allocate_ex(pm, size, (modesp_alloc_strategy_t)strategy, mp_load(&pm->default_timeout_ms, MP_RELAXED),
                       out MP_SITE_ARGS);
}

/* A default strategy other than STRICT; out of line. */
MGR_COLD MODESP_IRAM_ATTR void *allocate_by_default_ex(modesp_pool_manager_t *pm, size_t size, uint32_t strategy,
                                                       modesp_default_ex_fn_t ex MP_SITE_PARAMS)
{
    void *p = NULL;
    (void)ex(pm, size, strategy, &p MP_SITE_ARGS);
    return p;
}

/* A size no class serves (0 or too large): counted, pending changes delivered; out of line. */
MGR_COLD MODESP_IRAM_ATTR void *size_refused(modesp_pool_manager_t *pm, size_t size)
{
    int cls = -1;
    (void)checked_class(pm, size, &cls);
    return NULL;
}

MODESP_IRAM_ATTR HOT_MGR void *allocate_default(modesp_pool_manager_t *pm_arg, size_t size MP_SITE_PARAMS)
{
    if (MGR_UNLIKELY(!pm_ok(pm_arg))) {
        return NULL;
    }
    modesp_pool_manager_t *const pm = &modesp_manager_; /* the same, as a constant: one register less */
    const uint32_t strategy = mp_load(&pm->default_strategy, MP_RELAXED);
    if (MGR_UNLIKELY(strategy != MODESP_ALLOC_STRICT)) {
        /* NULL only while set_default_strategy is storing both: served as STRICT */
        const modesp_default_ex_fn_t ex = __atomic_load_n(&pm->default_ex, __ATOMIC_ACQUIRE);
        if (ex != NULL) {
            return allocate_by_default_ex(pm, size, strategy, ex MP_SITE_ARGS);
        }
    }
    if (MGR_UNLIKELY(size - 1u >= (size_t)MODESP_POOL_MAX_BLOCK_SIZE)) { /* 0 wraps to SIZE_MAX */
        return size_refused(pm, size);
    }
    /* the common case, straight to the class */
    const int cls = class_of(size);
    if (MP_ADMIT(pm->classes[cls], size) != ESP_OK) { /* refused by a quota (compiled out when off) */
        modesp_mgr_deliver_if_pending_(pm);
        return NULL;
    }
    void *p = take_class(pm, cls, cls MP_SITE_ARGS);
    if (MGR_UNLIKELY(p == NULL)) {
        request_failed(pm, cls MP_SITE_ARGS);
    }
    return p;
}

MODESP_IRAM_ATTR void *modesp_pool_manager_allocate(modesp_pool_manager_t *pm, size_t size)
{
    return allocate_default(pm, size MP_NO_SITE_SIZED(size));
}

MODESP_IRAM_ATTR void *modesp_pool_manager_allocate_at(modesp_pool_manager_t *pm, size_t size, const char *file,
                                                       int line)
{
    (void)file;
    (void)line;
    return allocate_default(pm, size MP_SITE_SIZED(file, line, size));
}

MODESP_IRAM_ATTR void *modesp_pool_manager_allocate_critical(modesp_pool_manager_t *pm, size_t size)
{
    if (!pm_ok(pm)) {
        return NULL;
    }
    int cls = -1;
    if (checked_class(pm, size, &cls) != ESP_OK) {
        return NULL;
    }
    if (MP_ADMIT(pm->classes[cls], size) != ESP_OK) { /* refused by a quota (compiled out when off) */
        modesp_mgr_deliver_if_pending_(pm);
        return NULL;
    }
    void *p = take_class(pm, cls, cls MP_NO_SITE_SIZED(size));
    if (p != NULL) {
        return p;
    }
    if (pm->reserve != NULL && size <= modesp_pool_block_size(pm->reserve)) {
        p = modesp_pool_take_managed_(pm->reserve, (uint32_t)cls + 1u, NULL, 0, (uint32_t)size);
    }
    if (p != NULL) {
        bump(&pm->critical_allocs);
        modesp_mgr_deliver_if_pending_(pm);
    } else {
        bump(&pm->critical_failures);
        request_failed(pm, cls MP_NO_SITE_SIZED(size));
    }
    return p;
}

/* The class whose storage holds arena offset `off` (< sizeof the arena): the class ends below it. */
#define CLASS_END_BELOW_(NAME, name, size, count) +(int)(off >= ARENA_END_(name))
MODESP_IRAM_ATTR static inline int owner_of(uintptr_t off)
{
    return 0 MODESP_SIZE_CLASSES(CLASS_END_BELOW_); /* the last term is 0 */
}

/* A free outside the class arena: NULL, a zero size, the reserve, a heap block or a foreign pointer. */
/* cppcheck-suppress constParameter ; ptr goes to the reserve or the heap where they are compiled in */
MGR_COLD MODESP_IRAM_ATTR esp_err_t give_back_other(modesp_pool_manager_t *pm, void *ptr, size_t size, bool sized)
{
    esp_err_t err = MODESP_ERR_FOREIGN_PTR;
    if (ptr == NULL) {
        bump(&pm->null_frees);
        err = ESP_ERR_INVALID_ARG;
    } else if (sized && size == 0u) {
        bump(&pm->zero_size_requests);
        err = MODESP_ERR_ZERO_SIZE;
#if CONFIG_MEMORY_POOL_EMERGENCY_RESERVE_SIZE > 0
    } else if ((uintptr_t)ptr - (uintptr_t)pm->reserve_lo < (uintptr_t)(pm->reserve_hi - pm->reserve_lo)) {
        const int tag = modesp_pool_block_tag(pm->reserve, ptr);
        if (sized && tag > 0 && modesp_pool_manager_class_for_size(size) != tag - 1) {
            bump(&pm->size_mismatch_frees);
            err = MODESP_ERR_SIZE_MISMATCH;
        } else {
            err = modesp_pool_give_managed_(pm->reserve, ptr);
        }
#endif
    } else {
#if MODESP_HEAP_FALLBACK_ENABLED
        err = modesp_mgr_heap_give_back_(pm, ptr, size, sized);
#endif
        if (err == MODESP_ERR_FOREIGN_PTR) {
            bump(&pm->foreign_frees);
        } else if (err == MODESP_ERR_SIZE_MISMATCH) {
            bump(&pm->size_mismatch_frees);
        } else if (err == ESP_ERR_INVALID_STATE) {
            bump(&pm->isr_refusals);
        }
    }
    modesp_mgr_deliver_if_pending_(pm); /* every free from a task delivers, whatever its result */
    return err;
}

/* A sized free whose size names another class than the one the block was requested for. */
MGR_COLD MODESP_IRAM_ATTR esp_err_t size_mismatch(modesp_pool_manager_t *pm)
{
    bump(&pm->size_mismatch_frees);
    modesp_mgr_deliver_if_pending_(pm);
    return MODESP_ERR_SIZE_MISMATCH;
}

/* The pool refused the free (double, misaligned...): counted by the pool; deliver and report. */
MGR_COLD MODESP_IRAM_ATTR esp_err_t pool_refused(modesp_pool_manager_t *pm, esp_err_t err)
{
    modesp_mgr_deliver_if_pending_(pm);
    return err;
}

MODESP_IRAM_ATTR HOT_MGR esp_err_t give_back(modesp_pool_manager_t *pm_arg, void *ptr, size_t size, bool sized)
{
    if (MGR_UNLIKELY(!pm_ok(pm_arg))) {
        return ESP_ERR_INVALID_ARG;
    }
    modesp_pool_manager_t *const pm = &modesp_manager_; /* the same, as a constant: one register less */
    const uintptr_t off = (uintptr_t)ptr - (uintptr_t)&modesp_class_storage_;
    if (MGR_UNLIKELY(off >= sizeof modesp_class_storage_) || MGR_UNLIKELY(sized && size == 0u)) {
        return give_back_other(pm, ptr, size, sized);
    }
    const int owner = owner_of(off);
    modesp_pool_t *pool = pm->classes[owner];
    const esp_err_t err = modesp_pool_give_managed_(pool, ptr);
    if (MGR_UNLIKELY(err != ESP_OK)) {
        return pool_refused(pm, err);
    }
    const uint32_t sz = modesp_class_size_[owner];
    const uint32_t bytes = mp_fetch_sub(&pm->bytes_in_use, sz, MP_SEQ_CST) - sz;
#if MODESP_WAIT_ENABLED
    /* The push in the pool's free was SEQ_CST: see the WAIT pairing in fixed_pool.c. */
    if (MGR_UNLIKELY(mp_load(&pm->waiters[owner], MP_SEQ_CST) != 0u)) {
        modesp_port_waitq_signal(&pm->waitq[owner]);
    }
#endif
    pressure_after(pm, bytes);
    return ESP_OK;
}

MODESP_IRAM_ATTR esp_err_t modesp_pool_manager_free(modesp_pool_manager_t *pm, void *ptr)
{
    return give_back(pm, ptr, 0u, false);
}

MODESP_IRAM_ATTR esp_err_t modesp_pool_manager_deallocate(modesp_pool_manager_t *pm, void *ptr, size_t size)
{
    const uintptr_t off = (uintptr_t)ptr - (uintptr_t)&modesp_class_storage_;
    if (pm_ok(pm) && size != 0u && off < sizeof modesp_class_storage_) {
        /* The tag holds the requested class + 1; a block that is not allocated
         * (tag -1) goes on to the pool, which names the exact error. Checked
         * here, not in give_back, so an application that only calls _free
         * does not link it. */
        const int tag = modesp_pool_block_tag(pm->classes[owner_of(off)], ptr);
        if (tag > 0 && modesp_pool_manager_class_for_size(size) != tag - 1) {
            return size_mismatch(pm);
        }
    }
    return give_back(pm, ptr, size, true);
}
/* ---------------------------------------------------------- configuration */

esp_err_t modesp_pool_manager_set_default_strategy(modesp_pool_manager_t *pm, modesp_alloc_strategy_t strategy,
                                                   uint32_t timeout_ms)
{
    if (!pm_ok(pm) || (unsigned)strategy > MODESP_ALLOC_WAIT) {
        return ESP_ERR_INVALID_ARG;
    }
    if (!strategy_built(strategy)) {
        return ESP_ERR_NOT_SUPPORTED;
    }
    /* The step first, then the strategy: a reader that sees the new strategy finds its step (or,
     * racing, the step of the strategy before, or NULL, which serves it as STRICT). */
    const modesp_default_ex_fn_t ex = (strategy == MODESP_ALLOC_STRICT) ? NULL : default_ex_step;
    __atomic_store_n(&pm->default_ex, ex, __ATOMIC_RELEASE);
    mp_store(&pm->default_timeout_ms, timeout_ms, MP_RELAXED);
    mp_store(&pm->default_strategy, (uint32_t)strategy, MP_RELAXED);
    return ESP_OK;
}

modesp_alloc_strategy_t modesp_pool_manager_get_default_strategy(const modesp_pool_manager_t *pm)
{
    return !pm_ok(pm) ? MODESP_ALLOC_STRICT : (modesp_alloc_strategy_t)mp_load(&pm->default_strategy, MP_RELAXED);
}

MODESP_IRAM_ATTR const modesp_pool_t *modesp_pool_manager_get_pool(const modesp_pool_manager_t *pm,
                                                                   modesp_size_class_t cls)
{
    return (!pm_ok(pm) || (unsigned)cls >= MODESP_CLASS_COUNT) ? NULL : pm->classes[cls];
}

const modesp_pool_t *modesp_pool_manager_get_reserve_pool(const modesp_pool_manager_t *pm)
{
    return !pm_ok(pm) ? NULL : pm->reserve;
}
