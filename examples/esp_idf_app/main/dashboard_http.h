/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The live memory dashboard on a device: the page and JSON the host demo
 * serves (demo/dashboard.html, demo/dashboard_render.c), on esp_http_server.
 *
 *     httpd_handle_t server = NULL;
 *     httpd_config_t config = HTTPD_DEFAULT_CONFIG();
 *     if (httpd_start(&server, &config) == ESP_OK) {
 *         dashboard_http_register(server, &diag, 30000);   // GET / and GET /api/memory
 *     }
 */
#ifndef DASHBOARD_HTTP_H
#define DASHBOARD_HTTP_H

#include <stdint.h>

#include "esp_http_server.h"
#include "modesp/memory_diagnostics.h"

/*
 * Register GET / (the page, embedded from demo/dashboard.html) and GET
 * /api/memory (a snapshot of `diag`, its health verdict and the live blocks
 * older than leak_ms, as "modesp-dashboard-1" JSON) on `server`. The JSON is
 * rendered into static buffers (DASHBOARD_HTTP_JSON_SIZE bytes), never the
 * heap. `diag` must stay valid and must not be used by another task while a
 * request is answered (esp_http_server answers from its one task).
 * Returns: ESP_OK, or the first error of httpd_register_uri_handler.
 * Errors: ESP_ERR_INVALID_ARG (server or diag NULL), httpd_register_uri_handler's.
 * Complexity: O(1).
 * ISR-safe: no (task context, at start-up).
 */
esp_err_t dashboard_http_register(httpd_handle_t server, modesp_memory_diagnostics_t *diag, uint32_t leak_ms);

#endif /* DASHBOARD_HTTP_H */
