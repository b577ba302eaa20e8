/* SPDX-License-Identifier: Apache-2.0 */
/* Pool manager: the WAIT strategy and the opt-in heap fallback. */
#include "manager_private.h"

#if MODESP_WAIT_ENABLED
esp_err_t modesp_mgr_wait_for_block_(modesp_pool_manager_t *pm, int cls, uint32_t timeout_ms, void **out MP_SITE_PARAMS)
{
    const uint64_t deadline =
        (timeout_ms == MODESP_WAIT_FOREVER) ? UINT64_MAX : modesp_port_time_us() + (uint64_t)timeout_ms * 1000u;
    bump(&pm->waits);
    /* SEQ_CST: pairs with the pop's SEQ_CST head load and the freer's SEQ_CST
     * push + waiter read (argument in fixed_pool.c): no lost wake-up. */
    (void)mp_fetch_add(&pm->waiters[cls], 1u, MP_SEQ_CST);
    esp_err_t err = ESP_ERR_TIMEOUT;
    for (;;) {
        const uint32_t seq = modesp_port_waitq_seq(&pm->waitq[cls]);
        *out = modesp_mgr_take_class_(pm, cls, cls MP_SITE_ARGS);
        if (*out != NULL) {
            err = ESP_OK;
            break;
        }
        if (modesp_port_time_us() >= deadline ||
            modesp_port_waitq_wait(&pm->waitq[cls], seq, deadline) == ESP_ERR_TIMEOUT) {
            /* One last look: a block freed right at the deadline still counts.
             * Served here means the wait ran to its deadline although a block
             * was free: a free that did not wake this waiter (or one at the
             * very deadline). Counted, because it is how a lost wake-up shows. */
            *out = modesp_mgr_take_class_(pm, cls, cls MP_SITE_ARGS);
            err = (*out != NULL) ? ESP_OK : ESP_ERR_TIMEOUT;
            if (*out != NULL) {
                bump(&pm->wait_deadline_served);
            }
            break;
        }
    }
    (void)mp_fetch_sub(&pm->waiters[cls], 1u, MP_SEQ_CST);
    if (err == ESP_ERR_TIMEOUT) {
        bump(&pm->wait_timeouts);
    }
    return err;
}
#endif

#if MODESP_HEAP_FALLBACK_ENABLED
esp_err_t modesp_mgr_heap_take_(modesp_pool_manager_t *pm, size_t size, int cls, void **out)
{
    void *p = modesp_port_heap_alloc(size);
    if (p == NULL) {
        bump(&pm->heap_failures);
        return ESP_ERR_NO_MEM;
    }
    bool stored = false;
    uint32_t s = modesp_port_critical_enter();
    for (size_t i = 0; i < CONFIG_MEMORY_POOL_HEAP_FALLBACK_MAX_BLOCKS && !stored; i++) {
        if (pm->heap[i].ptr == NULL) {
            pm->heap[i].ptr = p;
            pm->heap[i].size = (uint32_t)size;
            pm->heap[i].cls = (uint8_t)cls;
            pm->heap_in_use++;
            stored = true;
        }
    }
    modesp_port_critical_exit(s);
    if (!stored) { /* every slot taken: the bound on heap use is part of the contract */
        modesp_port_heap_free(p);
        bump(&pm->heap_failures);
        return ESP_ERR_NO_MEM;
    }
    bump(&pm->heap_allocs);
    *out = p;
    return ESP_OK;
}

esp_err_t modesp_mgr_heap_give_back_(modesp_pool_manager_t *pm, void *ptr, size_t size, bool sized)
{
    esp_err_t err = MODESP_ERR_FOREIGN_PTR;
    uint32_t s = modesp_port_critical_enter();
    for (size_t i = 0; i < CONFIG_MEMORY_POOL_HEAP_FALLBACK_MAX_BLOCKS; i++) {
        if (pm->heap[i].ptr == ptr) {
            if (sized && modesp_pool_manager_class_for_size(size) != (int)pm->heap[i].cls) {
                err = MODESP_ERR_SIZE_MISMATCH;
            } else if (modesp_port_in_isr()) {
                err = ESP_ERR_INVALID_STATE;
            } else {
                pm->heap[i].ptr = NULL;
                pm->heap_in_use--;
                err = ESP_OK;
            }
            break;
        }
    }
    modesp_port_critical_exit(s);
    if (err == ESP_OK) {
        modesp_port_heap_free(ptr);
        bump(&pm->heap_frees);
    }
    return err;
}
#endif
