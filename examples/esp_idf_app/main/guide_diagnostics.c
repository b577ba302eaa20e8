/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sections 7 (debugging), 9 (performance monitoring) and 10 (configuration)
 * of the integration guide, with the diagnostics layer (see
 * guide_diagnostics.h). Leaks, owners, call sites and TRACK_MEMORY_USAGE
 * need Kconfig MEMORY_POOL_ENABLE_TRACING (sdkconfig.defaults turns it on);
 * without it the same calls compile, report what every build has
 * (statistics, rates, failures, advice, health) and say what is missing.
 */
#include "guide_diagnostics.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_log.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"

#include "modesp/memory_pool.h"
#include "modesp/pooled_event_bus.h"

static const char *TAG = "mempool_diag";

/* The guide's MemoryDiagnostics, in static storage: ~2.6 KiB each, too much for a task stack. */
static modesp_memory_diagnostics_t s_diag;     /* the app task's */
static modesp_memory_diagnostics_t s_web_diag; /* the dashboard task's (esp_http_server) */

/* Report lines (log_stats' sections, the advice fragment) into the log, one ESP_LOGI per line. */
static void log_line(const char *line, void *ctx)
{
    (void)ctx;
    ESP_LOGI(TAG, "%s", line);
}

/*
 * Policy hook, run on every raw verdict before the debounce: this product
 * takes the emergency reserve being used as by design (section 3's fault
 * record is a critical path the reserve exists for), not as a health
 * problem. Any other finding is left as the layer judged it.
 */
static void health_policy(modesp_health_t *raw, void *ctx)
{
    (void)ctx;
    raw->reasons &= ~MODESP_HEALTH_R_RESERVE;
    if (raw->reasons == 0u && raw->level != MODESP_HEALTH_OK) {
        raw->level = MODESP_HEALTH_OK;
        raw->summary[0] = '\0';
    }
}

/* Called after a debounced change. A product's reboot policy goes here (save the
 * post-mortem record, then esp_restart() on CRITICAL); the example only logs it. */
static void health_changed(const modesp_health_t *verdict, modesp_health_level_t previous, void *ctx)
{
    (void)ctx;
    ESP_LOGW(TAG, "health %s -> %s: %s", modesp_health_level_name(previous), modesp_health_level_name(verdict->level),
             verdict->summary);
}

esp_err_t guide_diagnostics_init(void)
{
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    modesp_health_config_t cfg;
    modesp_memory_diagnostics_health_default_config(&cfg); /* Kconfig's debounce, leak and failure windows */
    cfg.policy = health_policy;
    cfg.on_change = health_changed;
    esp_err_t err = modesp_memory_diagnostics_init(&s_diag, pm);
    if (err == ESP_OK) {
        err = modesp_memory_diagnostics_health_configure(&s_diag, &cfg);
    }
    if (err == ESP_OK) {
        err = modesp_memory_diagnostics_init(&s_web_diag, pm);
    }
    if (err == ESP_OK) {
        cfg.on_change = NULL; /* the dashboard shows its verdict; the app task logs the changes */
        err = modesp_memory_diagnostics_health_configure(&s_web_diag, &cfg);
    }
    return err;
}

modesp_memory_diagnostics_t *guide_diagnostics_for_dashboard(void) { return &s_web_diag; }

/* ---- 7. Debugging memory issues ---- */

static void report_leaks(uint32_t threshold_ms)
{
    modesp_diag_leak_t leaks[8];
    const size_t n = modesp_memory_diagnostics_detect_potential_leaks(&s_diag, threshold_ms, leaks, 8);
    if (n > 0u) {
        ESP_LOGW(TAG, "Potential memory leaks detected: %u", (unsigned)n);
    }
    for (size_t i = 0; i < n && i < 8u; i++) {
        ESP_LOGW(TAG, "  %u bytes (a %u-byte block) held %u ms by %s at %s:%d", (unsigned)leaks[i].requested_size,
                 (unsigned)leaks[i].block_size, (unsigned)leaks[i].age_ms, leaks[i].owner,
                 leaks[i].file != NULL ? leaks[i].file : "?", leaks[i].line);
    }
}

#define XLARGE_HELD (CONFIG_MEMORY_POOL_XLARGE_COUNT + 1)

/* Fill the largest class through MODESP_DIAG_ALLOC until it refuses: the refusal lands in the failure ring. */
static void show_failure_ring(void)
{
    static void *held[XLARGE_HELD];
    size_t n = 0;
    while (n < (size_t)XLARGE_HELD && (held[n] = MODESP_DIAG_ALLOC(CONFIG_MEMORY_POOL_XLARGE_SIZE)) != NULL) {
        n++;
    }
    modesp_diag_failure_t recent[4];
    uint32_t overwritten = 0;
    const size_t got = modesp_memory_diagnostics_get_failures(recent, 4, &overwritten);
    ESP_LOGI(TAG, "failure ring: %u recent (%u overwritten)", (unsigned)got, (unsigned)overwritten);
    for (size_t i = 0; i < got; i++) {
        const modesp_diag_failure_t *f = &recent[i];
        ESP_LOGW(TAG, "  %u bytes (class %s) refused to %s at %s:%d, pressure %d", (unsigned)f->size,
                 f->size_class >= 0 ? modesp_size_class_name((modesp_size_class_t)f->size_class) : "none", f->owner,
                 f->file != NULL ? f->file : "?", f->line, (int)f->pressure);
    }
    while (n > 0u) {
        ESP_ERROR_CHECK(modesp_pool_manager_free(modesp_get_pool_manager(), held[--n]));
    }
}

void guide_section7_debugging(void)
{
    ESP_LOGI(TAG, "--- 7. Debugging memory issues (diagnostics layer) ---");
    /* This task's allocations are accounted to "example" from now on (owner column, leaks, failures). */
    (void)modesp_memory_diagnostics_set_owner("example");

    /* Kept on purpose: the leak detector names it with this file and line. */
    void *forgotten = MODESP_DIAG_ALLOC(40);
    vTaskDelay(pdMS_TO_TICKS(200));

    /* The guide's diag.log_stats(TAG): pools, totals, hold times, owners, leaks over 30 s, failures. */
    ESP_ERROR_CHECK(modesp_memory_diagnostics_log_stats(&s_diag, TAG));

    /* The guide's detect_potential_leaks(30000), with 100 ms so the block kept 200 ms above shows now. */
    report_leaks(100);
#if !MODESP_TRACING
    ESP_LOGI(TAG, "leak detection needs CONFIG_MEMORY_POOL_ENABLE_TRACING=y (none reported without it)");
#endif
    show_failure_ring();

    /* The guide's PooledEventBus::get_event_pool_stats(). */
    const modesp_bus_event_pool_stats_t ev = modesp_bus_get_event_pool_stats(modesp_get_event_bus());
    ESP_LOGI(TAG, "Event pool: %u allocated, %u failures", (unsigned)ev.allocated_count,
             (unsigned)ev.allocation_failures);

    if (forgotten != NULL) {
        ESP_ERROR_CHECK(modesp_pool_manager_free(modesp_get_pool_manager(), forgotten));
    }
}

/* ---- 9. Performance monitoring ---- */

/* The guide's benchmark_module_allocations(): logged at scope exit (elapsed us, allocs, frees, net, peak). */
static void benchmark_module_allocations(void)
{
    TRACK_MEMORY_USAGE("Module Processing");
    void *window[4] = {NULL, NULL, NULL, NULL};
    for (uint32_t i = 0; i < 32u; i++) {
        /* a sliding window of four scratch buffers of varying size, as a filter stage would keep */
        void **slot = &window[i % 4u];
        if (*slot != NULL) {
            (void)modesp_pool_manager_free(modesp_get_pool_manager(), *slot);
        }
        *slot = MODESP_DIAG_ALLOC(24u + 8u * (i % 8u));
    }
    for (size_t k = 0; k < 4u; k++) {
        if (window[k] != NULL) {
            (void)modesp_pool_manager_free(modesp_get_pool_manager(), window[k]);
        }
    }
}

void guide_section9_monitoring(void)
{
    ESP_LOGI(TAG, "--- 9. Performance monitoring ---");
#if !MODESP_DIAG_TRACK_ENABLED
    ESP_LOGI(TAG, "TRACK_MEMORY_USAGE needs CONFIG_MEMORY_POOL_ENABLE_TRACING=y (it compiles to nothing now)");
#endif
    static modesp_diag_snapshot_t snap;                                  /* ~1 KiB: static, not on the task stack */
    ESP_ERROR_CHECK(modesp_memory_diagnostics_snapshot(&s_diag, &snap)); /* opens the rate window */
    for (int round = 0; round < 5; round++) {
        benchmark_module_allocations();
        vTaskDelay(pdMS_TO_TICKS(100));
    }
    ESP_ERROR_CHECK(modesp_memory_diagnostics_snapshot(&s_diag, &snap));
    for (uint32_t i = 0; i < snap.pool_count; i++) {
        const modesp_diag_pool_stats_t *p = &snap.pools[i];
        if (p->allocs > 0u) {
            ESP_LOGI(TAG, "%-8s %5u.%03u allocs/s %5u.%03u frees/s, mean hold %u us", p->name,
                     (unsigned)(p->alloc_rate_milli / 1000u), (unsigned)(p->alloc_rate_milli % 1000u),
                     (unsigned)(p->free_rate_milli / 1000u), (unsigned)(p->free_rate_milli % 1000u),
                     (unsigned)p->avg_hold_us);
        }
    }
}

/* ---- 10. Configuration tips ---- */

void guide_section10_sizing(void)
{
    ESP_LOGI(TAG, "--- 10. Configuration: sizing advice and health ---");
    /* After a representative run: counts from the observed peaks and failures plus 25 % headroom. */
    static modesp_diag_class_advice_t advice[MODESP_CLASS_COUNT];
    const size_t n = modesp_memory_diagnostics_advise(modesp_get_pool_manager(), 25, advice, MODESP_CLASS_COUNT);
    ESP_LOGI(TAG, "recommended sdkconfig fragment:");
    if (modesp_memory_diagnostics_advice_report(advice, n, log_line, NULL) != ESP_OK) {
        ESP_LOGW(TAG, "no advice report");
    }
    modesp_health_t health;
    ESP_ERROR_CHECK(modesp_memory_diagnostics_health(&s_diag, &health));
    ESP_LOGI(TAG, "health: %s%s%s", modesp_health_level_name(health.level), health.summary[0] != '\0' ? ": " : "",
             health.summary);
}

void guide_diagnostics_periodic(unsigned report_every)
{
    static unsigned calls;
    modesp_health_t health;
    if (modesp_memory_diagnostics_health(&s_diag, &health) == ESP_OK && health.level != MODESP_HEALTH_OK) {
        ESP_LOGW(TAG, "health %s for %u ms: %s", modesp_health_level_name(health.level), (unsigned)health.since_ms,
                 health.summary);
    }
    report_leaks(30000); /* the guide's threshold; without tracing there are none to report */
    if (report_every > 0u && ++calls % report_every == 0u) {
        (void)modesp_memory_diagnostics_log_stats(&s_diag, TAG);
    }
}
