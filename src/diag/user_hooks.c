/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Run-time allocation hooks: a fixed table of hook sets the application
 * registers (CONFIG_MEMORY_DIAG_MAX_HOOKS), called from the diagnostics'
 * own trace hooks (trace_tables.c), so every allocation, free and counted
 * failure of every pool reaches them with its size and call site.
 *
 * A slot is a pointer published with a release store and read with an
 * acquire load on every event; registering and removing take the port's
 * short critical section (rare, and targets without a CAS need it). Nothing
 * waits: an event in flight may still see a set just removed.
 */
#include "diag_internal.h"
#include "port.h"

#if MODESP_TRACING

#define SLOTS CONFIG_MEMORY_DIAG_MAX_HOOKS

static const modesp_diag_hooks_t *s_slots[SLOTS];

esp_err_t modesp_memory_diagnostics_add_hooks(const modesp_diag_hooks_t *hooks)
{
    if (hooks == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    esp_err_t err = ESP_ERR_NO_MEM;
    int free_slot = -1;
    const uint32_t s = modesp_port_critical_enter();
    for (int i = 0; i < SLOTS; i++) {
        if (s_slots[i] == hooks) {
            err = MODESP_ERR_ALREADY_REGISTERED;
        } else if (s_slots[i] == NULL && free_slot < 0) {
            free_slot = i;
        }
    }
    if (err != MODESP_ERR_ALREADY_REGISTERED && free_slot >= 0) {
        __atomic_store_n(&s_slots[free_slot], hooks, __ATOMIC_RELEASE);
        err = ESP_OK;
    }
    modesp_port_critical_exit(s);
    return err;
}

esp_err_t modesp_memory_diagnostics_remove_hooks(const modesp_diag_hooks_t *hooks)
{
    if (hooks == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    esp_err_t err = ESP_ERR_NOT_FOUND;
    const uint32_t s = modesp_port_critical_enter();
    for (int i = 0; i < SLOTS; i++) {
        if (s_slots[i] == hooks) {
            __atomic_store_n(&s_slots[i], (const modesp_diag_hooks_t *)NULL, __ATOMIC_RELEASE);
            err = ESP_OK;
        }
    }
    modesp_port_critical_exit(s);
    return err;
}

MODESP_IRAM_ATTR void diag_user_on_alloc(const modesp_pool_t *pool, const void *block, uint32_t size, const char *file,
                                         int line)
{
    for (int i = 0; i < SLOTS; i++) {
        const modesp_diag_hooks_t *h = __atomic_load_n(&s_slots[i], __ATOMIC_ACQUIRE);
        if (h != NULL && h->on_alloc != NULL) {
            h->on_alloc(pool, block, size, file, line, h->ctx);
        }
    }
}

MODESP_IRAM_ATTR void diag_user_on_free(const modesp_pool_t *pool, const void *block)
{
    for (int i = 0; i < SLOTS; i++) {
        const modesp_diag_hooks_t *h = __atomic_load_n(&s_slots[i], __ATOMIC_ACQUIRE);
        if (h != NULL && h->on_free != NULL) {
            h->on_free(pool, block, h->ctx);
        }
    }
}

MODESP_IRAM_ATTR void diag_user_on_fail(const modesp_pool_t *pool, uint32_t size, const char *file, int line)
{
    for (int i = 0; i < SLOTS; i++) {
        const modesp_diag_hooks_t *h = __atomic_load_n(&s_slots[i], __ATOMIC_ACQUIRE);
        if (h != NULL && h->on_fail != NULL) {
            h->on_fail(pool, size, file, line, h->ctx);
        }
    }
}

#else /* no trace hooks in the core: nothing to call them from */

esp_err_t modesp_memory_diagnostics_add_hooks(const modesp_diag_hooks_t *hooks)
{
    return hooks == NULL ? ESP_ERR_INVALID_ARG : ESP_ERR_NOT_SUPPORTED;
}

esp_err_t modesp_memory_diagnostics_remove_hooks(const modesp_diag_hooks_t *hooks)
{
    return hooks == NULL ? ESP_ERR_INVALID_ARG : ESP_ERR_NOT_SUPPORTED;
}

#endif
