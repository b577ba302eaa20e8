/* SPDX-License-Identifier: Apache-2.0 */
/* Extension points of the core (modesp/hooks.h): trace hooks, pool registry, clock. */
#include "modesp/hooks.h"

#include "mp_trace.h"
#include "pool_internal.h"
#include "pool_private.h"
#include "port.h"

#if MODESP_TRACING
const modesp_trace_hooks_t *modesp_trace_hooks_;
#endif

esp_err_t modesp_trace_set_hooks(const modesp_trace_hooks_t *hooks)
{
#if MODESP_TRACING
    __atomic_store_n(&modesp_trace_hooks_, hooks, __ATOMIC_RELEASE);
    return ESP_OK;
#else
    (void)hooks;
    return ESP_ERR_NOT_SUPPORTED;
#endif
}

#if MODESP_ADMISSION
const modesp_admission_hook_t *modesp_admission_hook_;
#endif

esp_err_t modesp_admission_set_hook(const modesp_admission_hook_t *hook)
{
#if MODESP_ADMISSION
    __atomic_store_n(&modesp_admission_hook_, hook, __ATOMIC_RELEASE);
    return ESP_OK;
#else
    (void)hook;
    return ESP_ERR_NOT_SUPPORTED;
#endif
}

void *modesp_pool_block_at(const modesp_pool_t *pool, uint32_t index)
{
    if (!pool_ok(pool) || index >= pool->capacity) {
        return NULL;
    }
    return block_at(pool, index);
}

#if MODESP_REGISTRY_ENABLED
/* Newest first. Pushed in the port's critical section (registration is rare,
 * mostly before main, and a pointer CAS would need libatomic on the targets
 * without a CAS); read without a lock: a pool is published with its link set
 * and is never removed. */
static modesp_pool_t *s_registry;
#endif

esp_err_t modesp_pool_register(modesp_pool_t *pool)
{
    if (pool == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (!pool_ok(pool)) {
        return MODESP_ERR_BAD_POOL;
    }
#if MODESP_REGISTRY_ENABLED
    const uint32_t s = modesp_port_critical_enter();
    if (pool->registered == 0u) {
        pool->registered = 1u;
        pool->registry_next = s_registry;
        __atomic_store_n(&s_registry, pool, __ATOMIC_RELEASE);
    }
    modesp_port_critical_exit(s);
    return ESP_OK;
#else
    return ESP_ERR_NOT_SUPPORTED; /* compiled out (Kconfig MEMORY_POOL_REGISTRY): nothing to add it to */
#endif
}

#if MODESP_REGISTRY_ENABLED
void modesp_pool_register_chain_(modesp_pool_t *first, modesp_pool_t *last)
{
    const uint32_t s = modesp_port_critical_enter();
    last->registry_next = s_registry;
    __atomic_store_n(&s_registry, first, __ATOMIC_RELEASE);
    modesp_port_critical_exit(s);
}
#endif

const modesp_pool_t *modesp_pool_registry_next(const modesp_pool_t *previous)
{
#if MODESP_REGISTRY_ENABLED
    if (previous == NULL) {
        return __atomic_load_n(&s_registry, __ATOMIC_ACQUIRE);
    }
    return previous->registry_next;
#else
    (void)previous;
    return NULL; /* compiled out (Kconfig MEMORY_POOL_REGISTRY): an empty registry */
#endif
}

MODESP_IRAM_ATTR uint64_t modesp_time_us(void) { return modesp_port_time_us(); }
