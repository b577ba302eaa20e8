/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The live memory dashboard on esp_http_server (see dashboard_http.h). The
 * page is the host demo's demo/dashboard.html, embedded by the component
 * (EMBED_TXTFILES, which ESP-IDF turns into the NUL-terminated
 * _binary_dashboard_html_start);
 * the JSON comes from demo/dashboard_render.c, so a device and the host demo
 * serve the same text to the same page. The health verdict is evaluated once
 * per JSON request (the page polls once a second).
 */
#include "dashboard_http.h"

#include <string.h>

#include "dashboard_render.h"

#ifndef DASHBOARD_HTTP_JSON_SIZE
#define DASHBOARD_HTTP_JSON_SIZE 8192 /* the response; the snapshot's JSON takes about 3/4 of it */
#endif

extern const char dashboard_html_start[] __asm__("_binary_dashboard_html_start");

static modesp_memory_diagnostics_t *s_diag;
static uint32_t s_leak_ms;
static char s_scratch[DASHBOARD_HTTP_JSON_SIZE];
static char s_json[DASHBOARD_HTTP_JSON_SIZE];

static esp_err_t get_page(httpd_req_t *req)
{
    (void)httpd_resp_set_type(req, "text/html; charset=utf-8");
    /* EMBED_TXTFILES ends the text with a NUL: the page is a C string. */
    return httpd_resp_send(req, dashboard_html_start, HTTPD_RESP_USE_STRLEN);
}

static esp_err_t get_memory(httpd_req_t *req)
{
    modesp_health_t health;
    size_t len = 0;
    if (modesp_memory_diagnostics_health(s_diag, &health) != ESP_OK ||
        dashboard_render_json(s_diag, &health, s_leak_ms, NULL, s_scratch, sizeof s_scratch, s_json, sizeof s_json,
                              &len) != ESP_OK) {
        return httpd_resp_send_err(req, HTTPD_500_INTERNAL_SERVER_ERROR, "snapshot does not fit");
    }
    (void)httpd_resp_set_type(req, "application/json");
    (void)httpd_resp_set_hdr(req, "Cache-Control", "no-store");
    return httpd_resp_send(req, s_json, (ssize_t)len);
}

esp_err_t dashboard_http_register(httpd_handle_t server, modesp_memory_diagnostics_t *diag, uint32_t leak_ms)
{
    if (server == NULL || diag == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    s_diag = diag;
    s_leak_ms = leak_ms;
    static const httpd_uri_t page = {.uri = "/", .method = HTTP_GET, .handler = get_page, .user_ctx = NULL};
    static const httpd_uri_t memory = {
        .uri = "/api/memory", .method = HTTP_GET, .handler = get_memory, .user_ctx = NULL};
    esp_err_t err = httpd_register_uri_handler(server, &page);
    if (err == ESP_OK) {
        err = httpd_register_uri_handler(server, &memory);
    }
    return err;
}
