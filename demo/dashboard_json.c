/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The demo's /api/memory and demo.json: the dashboard JSON (dashboard_render.c,
 * the same a device serves) with the node's own figures in "node": scenario,
 * simulated second, phase, events published, drops, running.
 */
#include <stdatomic.h>
#include <string.h>

#include "dashboard_render.h"
#include "demo_run.h"

static esp_err_t render(demo_world_t *w, char *buf, size_t size, size_t *len)
{
    static char scratch[32 * 1024];
    modesp_bus_stats_t b;
    (void)modesp_bus_get_stats(w->bus, &b);
    const uint32_t second = (uint32_t)(atomic_load(&w->tick) / DEMO_TICKS_PER_S);
    char node[256];
    (void)snprintf(node, sizeof node,
                   "{\"scenario\":\"%s\",\"second\":%u,\"phase\":\"%s\",\"published\":%u,\"drops\":%u,"
                   "\"running\":%s}",
                   demo_scenario_name(w->opt.scenario), (unsigned)second, demo_scenario_phase(w, second), b.published,
                   b.dropped_queue_full + b.dropped_subscriber_full + b.dropped_no_block + b.dropped_oldest +
                       b.evicted_low,
                   atomic_load(&w->running) ? "true" : "false");
    pthread_mutex_lock(&w->diag_lock);
    const modesp_health_t h = w->health;
    const esp_err_t err =
        dashboard_render_json(&w->diag, &h, DEMO_LEAK_MS, node, scratch, sizeof scratch, buf, size, len);
    pthread_mutex_unlock(&w->diag_lock);
    return err;
}

/* The end of the run, before shutdown: what demo.json and the lingering dashboard show. */
static char s_final[64 * 1024];
static size_t s_final_len;
static _Atomic bool s_frozen;

void demo_dashboard_freeze(demo_world_t *w)
{
    if (render(w, s_final, sizeof s_final, &s_final_len) == ESP_OK) {
        atomic_store(&s_frozen, true);
    }
}

esp_err_t demo_dashboard_json(demo_world_t *w, char *buf, size_t size, size_t *len)
{
    if (!atomic_load(&s_frozen)) {
        return render(w, buf, size, len);
    }
    *len = s_final_len;
    if (s_final_len >= size) {
        return ESP_ERR_INVALID_SIZE;
    }
    memcpy(buf, s_final, s_final_len + 1u);
    return ESP_OK;
}
