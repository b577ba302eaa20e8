/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pool manager: size classes, strategies, emergency reserve, pressure levels.
 * This file: the singleton, class selection, allocate and free (the other
 * parts are listed in manager_private.h).
 *
 * Hot path (STRICT allocate, free): class selection by five compares, one
 * pool operation, one byte-counter update, one relaxed check for pressure
 * work. Everything else (spill, wait, heap, callbacks) is off that path.
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
 * A class pool: static storage, owned by the manager (the pool API refuses
 * it), chained to the next of the manager's pools for the registry (one
 * constructor below registers the whole chain).
 */
#define MANAGED_POOL_(name, block_size, count, next)                                                                   \
    MODESP_POOL_DEFINE_STORAGE_(name, block_size, count);                                                              \
    static modesp_pool_t name = MODESP_POOL_INITIALIZER_MAGIC_(#name, name##_storage_, name##_meta_, block_size,       \
                                                               count, MODESP_POOL_MAGIC_MANAGED, (next), 1u)

#define CLASS_POOL_DECL_(NAME, name, size, count) static modesp_pool_t name##_pool;
MODESP_SIZE_CLASSES(CLASS_POOL_DECL_)

/* [lo, hi) of a pool's block storage, for finding the owner of a pointer. */
#define RANGE_LO_(pool) ((const uint8_t *)pool##_storage_)
#define RANGE_HI_(pool) ((const uint8_t *)pool##_storage_ + sizeof pool##_storage_)

#if CONFIG_MEMORY_POOL_EMERGENCY_RESERVE_SIZE > 0
_Static_assert(CONFIG_MEMORY_POOL_EMERGENCY_RESERVE_SIZE >= CONFIG_MEMORY_POOL_EMERGENCY_BLOCK_SIZE,
               "Kconfig: the emergency reserve must hold at least one reserve block");
MANAGED_POOL_(reserve_pool, CONFIG_MEMORY_POOL_EMERGENCY_BLOCK_SIZE,
              CONFIG_MEMORY_POOL_EMERGENCY_RESERVE_SIZE / CONFIG_MEMORY_POOL_EMERGENCY_BLOCK_SIZE, NULL);
#define RESERVE_POOL (&reserve_pool)
#define LAST_POOL    (&reserve_pool)
#define RESERVE_LO   RANGE_LO_(reserve_pool)
#define RESERVE_HI   RANGE_HI_(reserve_pool)
#else
#define RESERVE_POOL NULL
#define LAST_POOL    (&xlarge_pool)
#define RESERVE_LO   NULL
#define RESERVE_HI   NULL
#endif

/* Each class pool links to the next one; the last to the reserve (or NULL). */
#define CLASS_POOL_(NAME, name, size, count) MANAGED_POOL_(name##_pool, size, count, CLASS_NEXT_##NAME);
#define CLASS_NEXT_TINY                      &small_pool
#define CLASS_NEXT_SMALL                     &medium_pool
#define CLASS_NEXT_MEDIUM                    &large_pool
#define CLASS_NEXT_LARGE                     &xlarge_pool
#define CLASS_NEXT_XLARGE                    RESERVE_POOL
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
#else
#define DEFAULT_STRATEGY MODESP_ALLOC_STRICT
#endif

#define CLASS_POOL_PTR_(NAME, name, size, count) &name##_pool,
#define CLASS_LO_(NAME, name, size, count)       RANGE_LO_(name##_pool),
#define CLASS_HI_(NAME, name, size, count)       RANGE_HI_(name##_pool),
#define CLASS_WAITQ_(NAME, name, size, count)    MODESP_PORT_WAITQ_INITIALIZER,

modesp_pool_manager_t modesp_manager_ = {
    .classes = {MODESP_SIZE_CLASSES(CLASS_POOL_PTR_)},
    .reserve = RESERVE_POOL,
    .lo = {MODESP_SIZE_CLASSES(CLASS_LO_) RESERVE_LO},
    .hi = {MODESP_SIZE_CLASSES(CLASS_HI_) RESERVE_HI},
    .default_strategy = DEFAULT_STRATEGY,
    .total_bytes = TOTAL_BYTES,
    .enter_warning_bytes = PERCENT_TO_BYTES_(TOTAL_BYTES, CONFIG_MEMORY_POOL_WARNING_THRESHOLD),
    .enter_critical_bytes = PERCENT_TO_BYTES_(TOTAL_BYTES, CONFIG_MEMORY_POOL_CRITICAL_THRESHOLD),
    .below_release_bytes = PERCENT_TO_BYTES_(TOTAL_BYTES, CONFIG_MEMORY_POOL_RELEASE_THRESHOLD),
    .waitq = {MODESP_SIZE_CLASSES(CLASS_WAITQ_)},
};

MODESP_IRAM_ATTR modesp_pool_manager_t *modesp_get_pool_manager(void) { return &modesp_manager_; }

#define CLASS_ABOVE_(NAME, name, size, count) +(int)(sz > (size))
MODESP_IRAM_ATTR int modesp_pool_manager_class_for_size(size_t size)
{
    const size_t sz = size;
    if (sz == 0u || sz > MODESP_POOL_MAX_BLOCK_SIZE) {
        return -1;
    }
    /* the number of classes too small for it; the last term is always 0 here */
    return 0 MODESP_SIZE_CLASSES(CLASS_ABOVE_);
}

#define CLASS_NAME_(NAME, name, size, count) #NAME,
const char *modesp_size_class_name(modesp_size_class_t cls)
{
    static const char *const names[MODESP_CLASS_COUNT] = {MODESP_SIZE_CLASSES(CLASS_NAME_)};
    return ((unsigned)cls < MODESP_CLASS_COUNT) ? names[cls] : "?";
}

/* The default-strategy allocate: inlined into both entry points at -O2, one copy under -Os. */
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
 * After every allocation and free: `bytes` is the value this context's own
 * SEQ_CST read-modify-write of bytes_in_use produced. Most calls end after
 * one SEQ_CST load of the level and a few compares; only a level change (or
 * pending delivery) takes the slow path. Why the level cannot stay stale: the
 * context whose RMW is last in the single order S of SEQ_CST operations
 * holds the final byte count. Its level load either sees every level CAS
 * made before it (and corrects a stale level through the slow path), or a
 * CAS comes after that load in S, and then the CASing context's fresh
 * SEQ_CST load of bytes_in_use in pressure_update comes after the last RMW
 * and sees the final count.
 */
/* One copy under -Os (code size); inlined into both callers at -O2 (speed). */
#if !defined(__GNUC__)
#define PRESSURE_AFTER_INLINE static
#elif defined(__OPTIMIZE_SIZE__)
#define PRESSURE_AFTER_INLINE static __attribute__((noinline))
#else
#define PRESSURE_AFTER_INLINE static inline __attribute__((always_inline))
#endif
MODESP_IRAM_ATTR PRESSURE_AFTER_INLINE void pressure_after(modesp_pool_manager_t *pm, uint32_t bytes)
{
    const uint32_t lw = mp_load(&pm->level_word, MP_SEQ_CST);
    const uint32_t level = lw & LEVEL_MASK;
    if (modesp_mgr_target_level_(pm, level, bytes) != level) {
        modesp_mgr_pressure_update_(pm);
    } else if (((lw >> SEQ_SHIFT) & SEQ_MASK) != mp_load(&pm->delivered_seq, MP_RELAXED) && !modesp_port_in_isr()) {
        (void)modesp_mgr_deliver_(pm);
    }
}

/* One attempt on one class; the tag records the requested class for sized frees. */
MODESP_IRAM_ATTR static void *take_class(modesp_pool_manager_t *pm, int cls, int requested MP_SITE_PARAMS)
{
    void *p = modesp_pool_take_managed_(pm->classes[cls], (uint32_t)requested + 1u MP_SITE_ARGS_OR_NONE);
    if (p != NULL) {
        pressure_after(pm,
                       mp_fetch_add(&pm->bytes_in_use, modesp_class_size_[cls], MP_SEQ_CST) + modesp_class_size_[cls]);
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
MODESP_IRAM_ATTR static void request_failed(modesp_pool_manager_t *pm, int cls MP_SITE_PARAMS)
{
    modesp_pool_count_failure_(pm->classes[cls]);
    MP_TRACE_FAIL(pm->classes[cls]);
    modesp_mgr_deliver_if_pending_(pm);
}

MODESP_IRAM_ATTR static esp_err_t allocate_class(modesp_pool_manager_t *pm, size_t size, int cls,
                                                 modesp_alloc_strategy_t strategy, uint32_t timeout_ms,
                                                 void **out MP_SITE_PARAMS)
{
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
    case MODESP_ALLOC_WAIT:
        *out = take_class(pm, cls, cls MP_SITE_ARGS);
        if (*out != NULL) {
            return ESP_OK;
        }
        return timeout_ms == 0u ? ESP_ERR_NO_MEM : modesp_mgr_wait_for_block_(pm, cls, timeout_ms, out MP_SITE_ARGS);
    default:
        return ESP_ERR_INVALID_ARG;
    }
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
    if (strategy == MODESP_ALLOC_HEAP_FALLBACK && !MODESP_HEAP_FALLBACK_ENABLED) {
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

MODESP_IRAM_ATTR HOT_MGR void *allocate_default(modesp_pool_manager_t *pm, size_t size MP_SITE_PARAMS)
{
    void *p = NULL;
    if (pm_ok(pm)) {
        const uint32_t strategy = mp_load(&pm->default_strategy, MP_RELAXED);
        const int cls = modesp_pool_manager_class_for_size(size);
        if (strategy == MODESP_ALLOC_STRICT && cls >= 0) {
            /* the common case, straight to the class */
            p = take_class(pm, cls, cls MP_SITE_ARGS);
            if (p == NULL) {
                request_failed(pm, cls MP_SITE_ARGS);
            }
            return p;
        }
        (void)allocate_ex(pm, size, (modesp_alloc_strategy_t)strategy, mp_load(&pm->default_timeout_ms, MP_RELAXED),
                          &p MP_SITE_ARGS);
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

/* Which pool holds ptr: class index, MODESP_CLASS_COUNT for the reserve, -1 for none. */
MODESP_IRAM_ATTR static int owner_of(const modesp_pool_manager_t *pm, const void *ptr)
{
    const uintptr_t a = (uintptr_t)ptr;
    for (int c = 0; c <= MODESP_CLASS_COUNT; c++) { /* an empty range (no reserve) never matches */
        const uintptr_t lo = (uintptr_t)pm->lo[c];
        if (a - lo < (uintptr_t)pm->hi[c] - lo) {
            return c;
        }
    }
    return -1;
}

MODESP_IRAM_ATTR static esp_err_t give_back(modesp_pool_manager_t *pm, void *ptr, size_t size, bool sized)
{
    if (ptr == NULL) {
        bump(&pm->null_frees);
        return ESP_ERR_INVALID_ARG;
    }
    if (sized && size == 0u) {
        bump(&pm->zero_size_requests);
        return MODESP_ERR_ZERO_SIZE;
    }
    const int owner = owner_of(pm, ptr);
    if (owner < 0) {
        const esp_err_t err =
            MODESP_HEAP_FALLBACK_ENABLED ? modesp_mgr_heap_give_back_(pm, ptr, size, sized) : MODESP_ERR_FOREIGN_PTR;
        if (err == MODESP_ERR_FOREIGN_PTR) {
            bump(&pm->foreign_frees);
        } else if (err == MODESP_ERR_SIZE_MISMATCH) {
            bump(&pm->size_mismatch_frees);
        } else if (err == ESP_ERR_INVALID_STATE) {
            bump(&pm->isr_refusals);
        } else {
            modesp_mgr_deliver_if_pending_(pm); /* a heap block freed: deliver like any free */
        }
        return err;
    }
    modesp_pool_t *pool = (owner == MODESP_CLASS_COUNT) ? pm->reserve : pm->classes[owner];
    if (sized) {
        /* The tag holds the requested class + 1; a block that is not allocated
         * (tag -1) goes on to the pool, which names the exact error. */
        const int tag = modesp_pool_block_tag(pool, ptr);
        if (tag > 0 && modesp_pool_manager_class_for_size(size) != tag - 1) {
            bump(&pm->size_mismatch_frees);
            return MODESP_ERR_SIZE_MISMATCH;
        }
    }
    const esp_err_t err = modesp_pool_give_managed_(pool, ptr);
    if (err != ESP_OK) {
        return err;
    }
    if (owner == MODESP_CLASS_COUNT) {
        modesp_mgr_deliver_if_pending_(pm);
        return ESP_OK;
    }
    const uint32_t bytes =
        mp_fetch_sub(&pm->bytes_in_use, modesp_class_size_[owner], MP_SEQ_CST) - modesp_class_size_[owner];
    /* The push in the pool's free was SEQ_CST: see the WAIT pairing in fixed_pool.c. */
    if (mp_load(&pm->waiters[owner], MP_SEQ_CST) != 0u) {
        modesp_port_waitq_signal(&pm->waitq[owner]);
    }
    pressure_after(pm, bytes);
    return ESP_OK;
}

/* Every free from a task delivers pending changes, whatever its result. */
MODESP_IRAM_ATTR static esp_err_t give_back_and_deliver(modesp_pool_manager_t *pm, void *ptr, size_t size, bool sized)
{
    if (!pm_ok(pm)) {
        return ESP_ERR_INVALID_ARG;
    }
    const esp_err_t err = give_back(pm, ptr, size, sized);
    if (err != ESP_OK) {
        modesp_mgr_deliver_if_pending_(pm);
    }
    return err;
}

MODESP_IRAM_ATTR esp_err_t modesp_pool_manager_free(modesp_pool_manager_t *pm, void *ptr)
{
    return give_back_and_deliver(pm, ptr, 0u, false);
}

MODESP_IRAM_ATTR esp_err_t modesp_pool_manager_deallocate(modesp_pool_manager_t *pm, void *ptr, size_t size)
{
    return give_back_and_deliver(pm, ptr, size, true);
}
/* ---------------------------------------------------------- configuration */

esp_err_t modesp_pool_manager_set_default_strategy(modesp_pool_manager_t *pm, modesp_alloc_strategy_t strategy,
                                                   uint32_t timeout_ms)
{
    if (!pm_ok(pm) || (unsigned)strategy > MODESP_ALLOC_WAIT) {
        return ESP_ERR_INVALID_ARG;
    }
    if (strategy == MODESP_ALLOC_HEAP_FALLBACK && !MODESP_HEAP_FALLBACK_ENABLED) {
        return ESP_ERR_NOT_SUPPORTED;
    }
    mp_store(&pm->default_timeout_ms, timeout_ms, MP_RELAXED);
    mp_store(&pm->default_strategy, (uint32_t)strategy, MP_RELAXED);
    return ESP_OK;
}

modesp_alloc_strategy_t modesp_pool_manager_get_default_strategy(const modesp_pool_manager_t *pm)
{
    return !pm_ok(pm) ? MODESP_ALLOC_STRICT : (modesp_alloc_strategy_t)mp_load(&pm->default_strategy, MP_RELAXED);
}

const modesp_pool_t *modesp_pool_manager_get_pool(const modesp_pool_manager_t *pm, modesp_size_class_t cls)
{
    return (!pm_ok(pm) || (unsigned)cls >= MODESP_CLASS_COUNT) ? NULL : pm->classes[cls];
}

const modesp_pool_t *modesp_pool_manager_get_reserve_pool(const modesp_pool_manager_t *pm)
{
    return !pm_ok(pm) ? NULL : pm->reserve;
}
