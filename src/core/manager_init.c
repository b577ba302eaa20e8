/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pool manager: its static state and its configuration. This file: the
 * Kconfig checks, the class pools over the one class arena, the emergency
 * reserve, the class table, the manager's constant initializer and the
 * configuration calls (default strategy, pool getters, class names). The hot
 * paths (allocate, free, pressure check) are in manager.c; the other parts
 * are listed in manager_private.h.
 *
 * No run-time initialisation: every field of the manager, the class pools,
 * the byte thresholds and the wait queues is a constant initializer computed
 * from Kconfig, so the first call from any context (an ISR included) finds
 * it ready and nothing ever waits for an initialiser.
 *
 * The class pools and the reserve carry MODESP_POOL_MAGIC_MANAGED: the public
 * pool API refuses them, so no block can enter or leave them behind the
 * manager's byte count. The manager uses the private entry points of
 * pool_internal.h and, on its hot paths, pool_fast.h.
 */
#include <stddef.h>

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

/* The block storage of every class, one object (its layout and why: manager_private.h). */
modesp_class_arena_t modesp_class_storage_;

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

#if (defined(__GNUC__) || defined(__clang__)) && MODESP_REGISTRY_ENABLED /* Kconfig MEMORY_POOL_REGISTRY */
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
#define DEFAULT_EX       modesp_mgr_default_ex_step_
#else
#define DEFAULT_STRATEGY MODESP_ALLOC_STRICT
#define DEFAULT_EX       NULL
#endif

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
 * The class table (see LUT_SHIFT_ in manager_private.h): entry g holds the
 * class of the granule's smallest size, (g << LUT_SHIFT_) + 1.
 */
#if LUT_ENTRIES_ <= 64
#define CLASS_LUT_E_(g)                                                                                                \
    (uint8_t)(0 + (((g) << LUT_SHIFT_C_) + 1 > CONFIG_MEMORY_POOL_TINY_SIZE) +                                         \
              (((g) << LUT_SHIFT_C_) + 1 > CONFIG_MEMORY_POOL_SMALL_SIZE) +                                            \
              (((g) << LUT_SHIFT_C_) + 1 > CONFIG_MEMORY_POOL_MEDIUM_SIZE) +                                           \
              (((g) << LUT_SHIFT_C_) + 1 > CONFIG_MEMORY_POOL_LARGE_SIZE) +                                            \
              (((g) << LUT_SHIFT_C_) + 1 > CONFIG_MEMORY_POOL_XLARGE_SIZE))
#define CLASS_LUT8_(g)                                                                                                 \
    CLASS_LUT_E_(g), CLASS_LUT_E_((g) + 1), CLASS_LUT_E_((g) + 2), CLASS_LUT_E_((g) + 3), CLASS_LUT_E_((g) + 4),       \
        CLASS_LUT_E_((g) + 5), CLASS_LUT_E_((g) + 6), CLASS_LUT_E_((g) + 7),
_Static_assert(MODESP_CLASS_COUNT == 5, "the class table below lists the five Kconfig classes");
MODESP_DRAM_ATTR const uint8_t modesp_class_lut_[LUT_ENTRIES_C_] = {CLASS_LUT8_(0)
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
#endif

/*
 * The owner table (see OWNER_SHIFT_ in manager_private.h): entry g holds the
 * class of arena offset g << OWNER_SHIFT_, the number of class ends at or
 * below it (entries past the arena are never read).
 */
#if OWNER_ENTRIES_ <= 64
#define OWNER_AT_(g, name) ((size_t)(g) << OWNER_SHIFT_C_ >= ARENA_END_(name))
#define OWNER_LUT_E_(g)    (uint8_t)(OWNER_AT_(g, tiny) + OWNER_AT_(g, small) + OWNER_AT_(g, medium) + OWNER_AT_(g, large))
#define OWNER_LUT8_(g)                                                                                                 \
    OWNER_LUT_E_(g), OWNER_LUT_E_((g) + 1), OWNER_LUT_E_((g) + 2), OWNER_LUT_E_((g) + 3), OWNER_LUT_E_((g) + 4),       \
        OWNER_LUT_E_((g) + 5), OWNER_LUT_E_((g) + 6), OWNER_LUT_E_((g) + 7),
MODESP_DRAM_ATTR const uint8_t modesp_owner_lut_[OWNER_ENTRIES_C_] = {OWNER_LUT8_(0)
#if OWNER_ENTRIES_ > 8
                                                                          OWNER_LUT8_(8)
#endif
#if OWNER_ENTRIES_ > 16
                                                                              OWNER_LUT8_(16)
#endif
#if OWNER_ENTRIES_ > 24
                                                                                  OWNER_LUT8_(24)
#endif
#if OWNER_ENTRIES_ > 32
                                                                                      OWNER_LUT8_(32)
#endif
#if OWNER_ENTRIES_ > 40
                                                                                          OWNER_LUT8_(40)
#endif
#if OWNER_ENTRIES_ > 48
                                                                                              OWNER_LUT8_(48)
#endif
#if OWNER_ENTRIES_ > 56
                                                                                                  OWNER_LUT8_(56)
#endif
};
#endif

#define CLASS_NAME_(NAME, name, size, count) #NAME,
const char *modesp_size_class_name(modesp_size_class_t cls)
{
    static const char *const names[MODESP_CLASS_COUNT] = {MODESP_SIZE_CLASSES(CLASS_NAME_)};
    return ((unsigned)cls < MODESP_CLASS_COUNT) ? names[cls] : "?";
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
    const modesp_default_ex_fn_t ex = (strategy == MODESP_ALLOC_STRICT) ? NULL : modesp_mgr_default_ex_step_;
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
