/* SPDX-License-Identifier: Apache-2.0 */
/*
 * min_app.c plus the diagnostics a device would keep running, for the
 * diagnostics size check (tools/targets_diag.py): init over every pool, an
 * owner tag, a snapshot and its JSON, the health verdict, leak detection.
 * Linked with --gc-sections it shows what the diagnostics layer costs an
 * application in each configuration (off, tracing, quotas).
 */
#include "modesp/memory_diagnostics.h"
#include "modesp/memory_pool.h"

MODESP_POOL_DEFINE_STATIC(app_pool, 32, 4);

static modesp_memory_diagnostics_t s_diag;
static modesp_diag_snapshot_t s_snap;
static char s_json[2048];

int main(void)
{
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    int bad = modesp_memory_diagnostics_init(&s_diag, pm) != ESP_OK;
    (void)modesp_memory_diagnostics_set_owner("app");
    void *a = modesp_pool_allocate(&app_pool);
    void *b = modesp_pool_manager_allocate(pm, 24u);
    bad |= modesp_memory_diagnostics_snapshot(&s_diag, &s_snap) != ESP_OK;
    bad |= modesp_memory_diagnostics_to_json(&s_snap, s_json, sizeof s_json, NULL) != ESP_OK;
    modesp_health_t h;
    bad |= modesp_memory_diagnostics_health(&s_diag, &h) != ESP_OK;
    modesp_diag_leak_t leaks[4];
    bad |= modesp_memory_diagnostics_detect_potential_leaks(&s_diag, 30000u, leaks, 4) > 4u;
    bad |= modesp_pool_deallocate(&app_pool, a) != ESP_OK;
    bad |= modesp_pool_manager_free(pm, b) != ESP_OK;
    return bad;
}
