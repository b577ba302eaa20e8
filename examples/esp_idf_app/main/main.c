/* SPDX-License-Identifier: Apache-2.0 */
/*
 * modesp_mempool on ESP-IDF: sections 1, 3, 7, 9 and 10 of the integration
 * guide (memory_pool_integration_guide.md), in C, and the live memory
 * dashboard.
 *
 *   1. Basic usage in modules: a buffer held for the module's lifetime and
 *      scratch data freed automatically at the end of a scope.
 *   3. Handling memory pressure: the manager's pressure levels with a
 *      callback, and the guide's periodic utilization check with hysteresis.
 *   7. Debugging memory issues: misuse the pools catch, the core's
 *      statistics and integrity check (here), then the diagnostics layer's
 *      log_stats, leaks with owner and call site, the failure ring
 *      (guide_diagnostics.c, as are 9 and 10).
 *   9. Performance monitoring: TRACK_MEMORY_USAGE, allocation rates.
 *  10. Configuration: the sizing advice as an sdkconfig fragment, the
 *      health verdict with a policy hook.
 * Then esp_http_server serves the dashboard (dashboard_http.c): the host
 * demo's page at / and its JSON at /api/memory.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_event.h"
#include "esp_http_server.h"
#include "esp_log.h"
#include "esp_netif.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"

#include "dashboard_http.h"
#include "guide_diagnostics.h"
#include "modesp/memory_pool.h"

static const char *TAG = "mempool_demo";

void app_main(void);

/* ---- 1. Basic usage in modules ---- */

typedef struct {
    float samples[32];
    uint32_t count;
} sensor_buffer_t;

typedef struct {
    float filtered[16];
    float mean;
} processing_data_t;

typedef struct {
    sensor_buffer_t *buffer; /* pooled, owned by the module until deinit */
} my_module_t;

static esp_err_t my_module_init(my_module_t *m)
{
    /* Zeroed, from the smallest class that fits; NULL when that class is exhausted. */
    m->buffer = modesp_make_pooled(sensor_buffer_t);
    if (m->buffer == NULL) {
        ESP_LOGE(TAG, "Failed to allocate sensor buffer");
        return ESP_ERR_NO_MEM; /* handle gracefully: the module runs without history */
    }
    for (uint32_t i = 0; i < 32u; i++) {
        m->buffer->samples[i] = 20.0f + (float)(i % 4u);
    }
    m->buffer->count = 32u;
    return ESP_OK;
}

static void my_module_process_data(my_module_t *m)
{
    /* Temporary allocation: returned to its pool when `tmp` leaves this scope, on every path. */
    MODESP_POOLED(processing_data_t, tmp);
    if (tmp == NULL || m->buffer == NULL) {
        return;
    }
    float sum = 0.0f;
    for (size_t i = 0; i < 16u; i++) {
        tmp->filtered[i] = (m->buffer->samples[2u * i] + m->buffer->samples[2u * i + 1u]) / 2.0f;
        sum += tmp->filtered[i];
    }
    tmp->mean = sum / 16.0f;
    ESP_LOGI(TAG, "process_data: mean %.2f from %u samples", (double)tmp->mean, (unsigned)m->buffer->count);
}

/* NOLINTNEXTLINE(bugprone-sizeof-expression): the macro's compile-time type check */
static void my_module_deinit(my_module_t *m) { (void)modesp_pooled_free(&m->buffer); }

static void section1_basic_usage(void)
{
    ESP_LOGI(TAG, "--- 1. Basic usage in modules ---");
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    my_module_t module = {0};
    if (my_module_init(&module) != ESP_OK) {
        return;
    }
    my_module_process_data(&module);
    /* The scratch block is back already; only the module's buffer is held. */
    modesp_pool_manager_stats_t st;
    ESP_ERROR_CHECK(modesp_pool_manager_get_stats(pm, &st));
    ESP_LOGI(TAG, "after process_data: %u bytes of class blocks in use (the module's buffer)",
             (unsigned)st.bytes_in_use);
    my_module_deinit(&module);
}

/* ---- 3. Handling memory pressure ---- */

static const char *level_name(modesp_pressure_level_t level)
{
    switch (level) {
    case MODESP_PRESSURE_NORMAL:
        return "NORMAL";
    case MODESP_PRESSURE_WARNING:
        return "WARNING";
    case MODESP_PRESSURE_CRITICAL:
        return "CRITICAL";
    default:
        return "?";
    }
}

/* Called in task context once per level change (never from an ISR, never under a pool lock). */
static void on_pressure(modesp_pressure_level_t old_level, modesp_pressure_level_t new_level, uint8_t utilization,
                        void *ctx)
{
    uint32_t *changes = ctx;
    (*changes)++;
    ESP_LOGW(TAG, "memory pressure %s -> %s at %u%%", level_name(old_level), level_name(new_level),
             (unsigned)utilization);
}

static bool s_low_memory_mode;

/* The guide's check_memory_status(): enter low-memory mode above 80 %, leave it below 60 %. */
static void check_memory_status(modesp_pool_manager_t *pm)
{
    const uint8_t usage = modesp_pool_manager_get_overall_utilization(pm);
    if (usage > 80u && !s_low_memory_mode) {
        ESP_LOGW(TAG, "Entering low memory mode (usage: %u%%)", (unsigned)usage);
        s_low_memory_mode = true;
        /* reduce_memory_usage(): smaller buffers, longer aggregation intervals, non-critical features off */
    } else if (usage < 60u && s_low_memory_mode) {
        ESP_LOGI(TAG, "Exiting low memory mode (usage: %u%%)", (unsigned)usage);
        s_low_memory_mode = false;
    }
}

#define TOTAL_BLOCKS                                                                                                   \
    (CONFIG_MEMORY_POOL_TINY_COUNT + CONFIG_MEMORY_POOL_SMALL_COUNT + CONFIG_MEMORY_POOL_MEDIUM_COUNT +                \
     CONFIG_MEMORY_POOL_LARGE_COUNT + CONFIG_MEMORY_POOL_XLARGE_COUNT)

static void *s_held[TOTAL_BLOCKS];

static void section3_memory_pressure(void)
{
    ESP_LOGI(TAG, "--- 3. Handling memory pressure ---");
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    static uint32_t changes;
    ESP_ERROR_CHECK(modesp_pool_manager_register_pressure_callback(pm, on_pressure, &changes));

    /* Fill the classes from the largest down, checking as a periodic task would. */
    static const size_t sizes[MODESP_CLASS_COUNT] = {CONFIG_MEMORY_POOL_XLARGE_SIZE, CONFIG_MEMORY_POOL_LARGE_SIZE,
                                                     CONFIG_MEMORY_POOL_MEDIUM_SIZE, CONFIG_MEMORY_POOL_SMALL_SIZE,
                                                     CONFIG_MEMORY_POOL_TINY_SIZE};
    size_t held = 0;
    for (size_t c = 0; c < MODESP_CLASS_COUNT; c++) {
        void *p;
        while (held < TOTAL_BLOCKS && (p = modesp_pool_manager_allocate(pm, sizes[c])) != NULL) {
            s_held[held++] = p;
            if (held % 8u == 0u) {
                check_memory_status(pm);
            }
        }
        ESP_LOGI(TAG, "class of %u bytes full: utilization %u%%, level %s", (unsigned)sizes[c],
                 (unsigned)modesp_pool_manager_get_overall_utilization(pm),
                 level_name(modesp_pool_manager_get_pressure_level(pm)));
    }
    check_memory_status(pm);

    /* A critical path still gets memory from the emergency reserve. */
    void *fault_record = modesp_pool_manager_allocate_critical(pm, 64);
    ESP_LOGI(TAG, "critical allocation with every class full: %s", fault_record != NULL ? "served" : "refused");

    while (held > 0u) {
        ESP_ERROR_CHECK(modesp_pool_manager_free(pm, s_held[--held]));
        if (held % 8u == 0u) {
            check_memory_status(pm);
        }
    }
    if (fault_record != NULL) {
        ESP_ERROR_CHECK(modesp_pool_manager_free(pm, fault_record));
    }
    check_memory_status(pm);
    ESP_LOGI(TAG, "%u level changes delivered, level now %s", (unsigned)changes,
             level_name(modesp_pool_manager_get_pressure_level(pm)));
    ESP_ERROR_CHECK(modesp_pool_manager_unregister_pressure_callback(pm, on_pressure, &changes));
}

/* ---- 7. Debugging memory issues: what the core itself reports ---- */

static void core_report(modesp_pool_manager_t *pm)
{
    modesp_pool_manager_stats_t st;
    ESP_ERROR_CHECK(modesp_pool_manager_get_stats(pm, &st));
    ESP_LOGI(TAG, "bytes in use %u of %u (%u%%), level %s, pressure changes %u", (unsigned)st.bytes_in_use,
             (unsigned)st.total_bytes, (unsigned)st.utilization, level_name(st.level), (unsigned)st.pressure_changes);
    ESP_LOGI(TAG, "bad requests: zero size %u, oversize %u; bad frees: null %u, foreign %u, size mismatch %u",
             (unsigned)st.zero_size_requests, (unsigned)st.oversize_requests, (unsigned)st.null_frees,
             (unsigned)st.foreign_frees, (unsigned)st.size_mismatch_frees);
    int bad_class = 0;
    modesp_pool_integrity_t report;
    const esp_err_t err = modesp_pool_manager_check_integrity(pm, &bad_class, &report);
    if (err == ESP_OK) {
        ESP_LOGI(TAG, "integrity check: OK");
    } else {
        ESP_LOGE(TAG, "integrity check: %s in class %d (fault %d, block %u)", modesp_err_to_name(err), bad_class,
                 (int)report.fault, (unsigned)report.block);
    }
}

static void section7_misuse(void)
{
    ESP_LOGI(TAG, "--- 7. Debugging memory issues: misuse the pools catch ---");
    modesp_pool_manager_t *pm = modesp_get_pool_manager();

    /* Mistakes the pools catch without trusting the freed memory: each is an error code and a counter. */
    char *block = modesp_pool_manager_allocate(pm, 40);
    void *p = modesp_pool_manager_allocate(pm, 100);
    ESP_ERROR_CHECK(modesp_pool_manager_free(pm, p));
    esp_err_t err = modesp_pool_manager_free(pm, p);
    ESP_LOGI(TAG, "second free of a block: %s", modesp_err_to_name(err));
    static char not_pooled[16];
    err = modesp_pool_manager_free(pm, not_pooled);
    ESP_LOGI(TAG, "free of a static buffer: %s", modesp_err_to_name(err));
    if (block != NULL) {
        err = modesp_pool_manager_free(pm, block + 1);
        ESP_LOGI(TAG, "free of a pointer inside a block: %s", modesp_err_to_name(err));
        ESP_ERROR_CHECK(modesp_pool_manager_free(pm, block));
    }
    core_report(pm);
}

/* ---- The live memory dashboard ---- */

/*
 * esp_http_server with the dashboard's two handlers. Bringing the network up
 * is the application's own job and is not done here: Wi-Fi or Ethernet
 * through ESP-IDF's example_connect() (protocol_examples_common) or the
 * board's code, after esp_netif_init and the default event loop below. The
 * server listens on every interface and answers as soon as one has an
 * address: http://<device address>/ and /api/memory.
 */
static void start_dashboard(void)
{
    ESP_ERROR_CHECK(esp_netif_init());
    const esp_err_t loop = esp_event_loop_create_default();
    if (loop != ESP_OK && loop != ESP_ERR_INVALID_STATE) { /* INVALID_STATE: the app created it already */
        ESP_LOGE(TAG, "no default event loop (%s): no dashboard", esp_err_to_name(loop));
        return;
    }
    static httpd_handle_t server;
    httpd_config_t config = HTTPD_DEFAULT_CONFIG();
    /* The JSON handler takes a diagnostics snapshot (~1 KiB) and the leak list on the server task's stack. */
    config.stack_size = 8192;
    const esp_err_t err = httpd_start(&server, &config);
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "httpd_start: %s: no dashboard", esp_err_to_name(err));
        return;
    }
    /* The dashboard's own diagnostics object: esp_http_server answers from its one task. */
    ESP_ERROR_CHECK(dashboard_http_register(server, guide_diagnostics_for_dashboard(), 30000));
    ESP_LOGI(TAG, "dashboard on port %u: the page at /, the JSON at /api/memory", (unsigned)config.server_port);
}

void app_main(void)
{
    /* Before the first allocation the diagnostics should see (blocks taken earlier have no owner or age). */
    ESP_ERROR_CHECK(guide_diagnostics_init());
    section1_basic_usage();
    section3_memory_pressure();
    section7_misuse();
    guide_section7_debugging();
    guide_section9_monitoring();
    guide_section10_sizing();
    start_dashboard();
    for (;;) {
        /* the guide's "memory_check" task: every 5 s; the diagnostics report every 60 s */
        check_memory_status(modesp_get_pool_manager());
        guide_diagnostics_periodic(12);
        vTaskDelay(pdMS_TO_TICKS(5000));
    }
}
