/* SPDX-License-Identifier: Apache-2.0 */
/* Pool manager: statistics and the integrity check. */
#include <string.h>

#include "manager_bytes.h"
#include "manager_private.h"

/* ---------------------------------------------------------- statistics */

esp_err_t modesp_pool_manager_get_stats(const modesp_pool_manager_t *pm_c, modesp_pool_manager_stats_t *st)
{
    if (!pm_ok(pm_c) || st == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    const modesp_pool_manager_t *pm = pm_c;
    memset(st, 0, sizeof *st);
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        (void)modesp_pool_get_stats(pm->classes[c], &st->classes[c]);
    }
    if (pm->reserve != NULL) {
        (void)modesp_pool_get_stats(pm->reserve, &st->reserve);
    }
    st->total_bytes = pm->total_bytes;
    st->bytes_in_use = MGR_BYTES_IN_USE(pm, MP_RELAXED);
    st->utilization = (uint8_t)modesp_mgr_utilization_(pm, st->bytes_in_use);
    st->level = modesp_pool_manager_get_pressure_level(pm);
    st->pressure_changes = (mp_load(&pm->level_word, MP_RELAXED) >> SEQ_SHIFT) & SEQ_MASK;
    st->resets = mp_load(&pm->resets, MP_RELAXED);
#ifndef CONFIG_MEMORY_POOL_MINIMAL_STATS /* compiled out there: they read 0 (memset above) */
    st->zero_size_requests = mp_load(&pm->zero_size_requests, MP_RELAXED);
    st->oversize_requests = mp_load(&pm->oversize_requests, MP_RELAXED);
    st->null_frees = mp_load(&pm->null_frees, MP_RELAXED);
    st->foreign_frees = mp_load(&pm->foreign_frees, MP_RELAXED);
    st->size_mismatch_frees = mp_load(&pm->size_mismatch_frees, MP_RELAXED);
    st->spills = mp_load(&pm->spills, MP_RELAXED);
    st->waits = mp_load(&pm->waits, MP_RELAXED);
    st->wait_timeouts = mp_load(&pm->wait_timeouts, MP_RELAXED);
    st->wait_deadline_served = mp_load(&pm->wait_deadline_served, MP_RELAXED);
    st->isr_refusals = mp_load(&pm->isr_refusals, MP_RELAXED);
    st->heap_allocs = mp_load(&pm->heap_allocs, MP_RELAXED);
    st->heap_frees = mp_load(&pm->heap_frees, MP_RELAXED);
    st->heap_failures = mp_load(&pm->heap_failures, MP_RELAXED);
    st->critical_allocs = mp_load(&pm->critical_allocs, MP_RELAXED);
    st->critical_failures = mp_load(&pm->critical_failures, MP_RELAXED);
#endif
#if MODESP_PRESSURE_CALLBACKS_ENABLED
    st->pressure_events_dropped = mp_load(&pm->dropped_events, MP_RELAXED);
#endif
#if MODESP_HEAP_FALLBACK_ENABLED
    const uint32_t s = modesp_port_critical_enter();
    st->heap_in_use = pm->heap_in_use;
    modesp_port_critical_exit(s);
#endif
    return ESP_OK;
}

esp_err_t modesp_pool_manager_reset_stats(modesp_pool_manager_t *pm)
{
    if (!pm_ok(pm)) {
        return ESP_ERR_INVALID_ARG;
    }
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        (void)modesp_pool_reset_stats(pm->classes[c]);
    }
    if (pm->reserve != NULL) {
        (void)modesp_pool_reset_stats(pm->reserve);
    }
    (void)mp_fetch_add(&pm->resets, 1u, MP_RELAXED);
#ifndef CONFIG_MEMORY_POOL_MINIMAL_STATS /* the counters are compiled out there */
    uint32_t *const zeroed[] = {&pm->zero_size_requests,
                                &pm->oversize_requests,
                                &pm->null_frees,
                                &pm->foreign_frees,
                                &pm->size_mismatch_frees,
                                &pm->spills,
                                &pm->waits,
                                &pm->wait_timeouts,
                                &pm->wait_deadline_served,
                                &pm->isr_refusals,
                                &pm->heap_allocs,
                                &pm->heap_frees,
                                &pm->heap_failures,
                                &pm->critical_allocs,
                                &pm->critical_failures};
    for (size_t i = 0; i < sizeof zeroed / sizeof zeroed[0]; i++) {
        mp_store(zeroed[i], 0u, MP_RELAXED);
    }
#endif
    return ESP_OK;
}

esp_err_t modesp_pool_manager_check_integrity(const modesp_pool_manager_t *pm, int *bad_class,
                                              modesp_pool_integrity_t *report)
{
    int dummy = -1;
    int *bad = bad_class != NULL ? bad_class : &dummy;
    *bad = -1;
    if (!pm_ok(pm)) {
        return ESP_ERR_INVALID_ARG;
    }
    uint32_t bytes = 0;
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        const esp_err_t err = modesp_pool_check_integrity(pm->classes[c], report);
        if (err != ESP_OK) {
            *bad = c;
            return err;
        }
        bytes += modesp_class_size_[c] * (uint32_t)modesp_pool_in_use(pm->classes[c]);
    }
    if (pm->reserve != NULL) {
        const esp_err_t err = modesp_pool_check_integrity(pm->reserve, report);
        if (err != ESP_OK) {
            *bad = MODESP_CLASS_COUNT;
            return err;
        }
    }
    /* Without tracking (Kconfig MEMORY_POOL_PRESSURE_TRACKING off) there is no byte counter to compare:
     * the bytes are this very sum. */
    if (MODESP_PRESSURE_TRACKING && bytes != MGR_BYTES_IN_USE(pm, MP_RELAXED)) {
        if (report != NULL) {
            memset(report, 0, sizeof *report);
            report->fault = MODESP_POOL_COUNT_MISMATCH;
            report->block = UINT32_MAX;
        }
        return MODESP_ERR_CORRUPTED;
    }
    return ESP_OK;
}
