/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pool manager: size classes, strategies, emergency reserve, pressure levels.
 * This file: class selection, allocate and free (the other parts are listed
 * in manager_private.h).
 *
 * Hot path (STRICT allocate, free): the class by one table load, the owner
 * of a freed pointer by one subtraction and one table load (the class pools'
 * storage is one arena), one pool operation (pool_fast.h, inlined at -O2),
 * one byte-counter update, and one compare of the byte count against the
 * level's byte band for pressure work. Everything else (spill, wait, heap, callbacks, failure
 * accounting) is out of line. allocate_ex and the strategies (WAIT with the
 * clock's 64-bit arithmetic) are reached from the allocate entry points only
 * through default_ex, which set_default_strategy stores: an application that
 * never changes the default strategy (nor calls allocate_ex) links none of
 * them.
 *
 * The manager's static state (class pools, arena, class table, constant
 * initializer) and its configuration calls are in manager_init.c.
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
#include "pool_fast.h" /* the class pools' take and give, inlined at -O2 (one out-of-line copy under -Os) */
#include "pool_internal.h"

/* Class selection by the class table (LUT_SHIFT_ in manager_private.h says why one compare is enough). */
#if LUT_ENTRIES_ <= 64
/* The class of a size in 1..MODESP_POOL_MAX_BLOCK_SIZE (not checked). */
MODESP_IRAM_ATTR static inline int class_of(size_t size)
{
    const unsigned cls = modesp_class_lut_[(size - 1u) >> LUT_SHIFT_C_];
    return (int)(LUT_EXACT_ ? cls : cls + (size > modesp_class_size_[cls]));
}
#else
#define CLASS_ABOVE_(NAME, name, size, count) +(int)(sz > (size))
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

/* The default-strategy allocate and the free: inlined into their entry points at -O2, one copy under -Os. */
#if defined(__OPTIMIZE_SIZE__) || !defined(__GNUC__)
#define HOT_MGR static
#else
#define HOT_MGR static inline __attribute__((always_inline))
#endif

#if MODESP_PRESSURE_TRACKING /* off: no byte counter, the level moves when read (manager_bytes.h) */
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
MODESP_IRAM_ATTR static inline bool pressure_due(modesp_pool_manager_t *pm, uint32_t lw, uint32_t bytes)
{
    /* band_lo[level] and band_width[level] from one address (atomic loads get no base + index + offset) */
    const uint32_t *const band = &pm->band[lw & LEVEL_MASK];
    return MGR_UNLIKELY(bytes - mp_load(&band[0], MP_RELAXED) >= mp_load(&band[MGR_BAND_SLOTS], MP_RELAXED)) ||
           MGR_UNLIKELY(modesp_mgr_pending_(pm, lw));
}

MODESP_IRAM_ATTR static inline void pressure_after(modesp_pool_manager_t *pm, uint32_t bytes)
{
    const uint32_t lw = mp_load(&pm->level_word, MP_SEQ_CST);
    if (pressure_due(pm, lw, bytes)) {
        pressure_slow(pm, lw, bytes);
    }
}
#endif

/* One attempt on one class; the tag records the requested class for sized frees. */
MODESP_IRAM_ATTR HOT_MGR void *take_class(modesp_pool_manager_t *pm, int cls, int requested MP_SITE_PARAMS)
{
    modesp_pool_t *const pool = pm->classes[cls];
    void *p = pool_take(pool, (uint32_t)requested + 1u, false MP_SITE_ARGS);
#if MODESP_PRESSURE_TRACKING
    if (MGR_LIKELY(p != NULL)) {
        const uint32_t sz = pool->block_size; /* the class size (manager_init.c), one load from a live register */
        pressure_after(pm, mp_fetch_add(&pm->bytes_in_use, sz, MP_SEQ_CST) + sz);
    }
#endif
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

/* The default strategy's step when it is not STRICT (see default_ex; stored by manager_init.c). */
MODESP_IRAM_ATTR esp_err_t modesp_mgr_default_ex_step_(modesp_pool_manager_t *pm, size_t size, uint32_t strategy,
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

/*
 * The class whose storage holds arena offset `off` (< sizeof the arena): by
 * the owner table when it covers the arena (constant: see OWNER_SHIFT_ in
 * manager_private.h), else the number of class ends at or below it.
 */
#define CLASS_END_BELOW_(NAME, name, size, count) +(int)(off >= ARENA_END_(name))
#define CLASS_END_(NAME, name, size, count)       ARENA_END_(name),
#if OWNER_ENTRIES_ <= 64
#define OWNER_LUT_COVERS_                      (sizeof(modesp_class_arena_t) <= ((size_t)OWNER_ENTRIES_C_ << OWNER_SHIFT_C_))
#define END_ON_GRAIN_(NAME, name, size, count) &&(ARENA_END_(name) % ((size_t)1 << OWNER_SHIFT_C_) == 0)
#define OWNER_EXACT_                           (1 MODESP_SIZE_CLASSES(END_ON_GRAIN_))
static MODESP_DRAM_ATTR const size_t class_end_[MODESP_CLASS_COUNT] = {MODESP_SIZE_CLASSES(CLASS_END_)};
#else
#define OWNER_LUT_COVERS_ 0
#endif
MODESP_IRAM_ATTR static inline int owner_of(uintptr_t off)
{
#if OWNER_ENTRIES_ <= 64
    if (OWNER_LUT_COVERS_) {
        const unsigned c = modesp_owner_lut_[off >> OWNER_SHIFT_C_];
        return (int)(OWNER_EXACT_ ? c : c + (off >= class_end_[c]));
    }
#endif
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
    const esp_err_t err = pool_give(pool, ptr);
    if (MGR_UNLIKELY(err != ESP_OK)) {
        return pool_refused(pm, err);
    }
#if MODESP_PRESSURE_TRACKING
    const uint32_t sz = pool->block_size; /* the class size */
    const uint32_t bytes = mp_fetch_sub(&pm->bytes_in_use, sz, MP_SEQ_CST) - sz;
#endif
#if MODESP_WAIT_ENABLED
    /* The push in the pool's free was SEQ_CST: see the WAIT pairing in fixed_pool.c. */
    if (MGR_UNLIKELY(mp_load(&pm->waiters[owner], MP_SEQ_CST) != 0u)) {
        modesp_port_waitq_signal(&pm->waitq[owner]);
    }
#endif
#if MODESP_PRESSURE_TRACKING
    pressure_after(pm, bytes);
#endif
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
