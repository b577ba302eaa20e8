/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dashboard's JSON ("modesp-dashboard-1"), rendered from the public
 * diagnostics API into a caller buffer without heap. The host demo
 * (--serve) and a device (examples/esp_idf_app/main/dashboard_http.c) serve
 * the same text at /api/memory to the same page (demo/dashboard.html):
 *   {"schema": "modesp-dashboard-1",
 *    "diagnostics": <modesp_memory_diagnostics_to_json: pools, totals, manager, owners, failures>,
 *    "health": {"level", "reasons": [...], "since_ms", "summary"},
 *    "leaks": {"threshold_ms", "count", "list": [{"owner", "file", "line", "age_ms", "size", "block_size"}]},
 *    "node": <node_json, or null>}
 */
#ifndef DASHBOARD_RENDER_H
#define DASHBOARD_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "modesp/memory_diagnostics.h"

/*
 * Render the dashboard JSON: a snapshot of `diag` (the caller serialises
 * calls on one diag), the verdict `health` (the caller's last evaluation:
 * evaluating here would move its debounce), the live blocks older than
 * leak_ms (the oldest 8 listed), and node_json (a JSON value, or NULL for
 * null). diag_scratch holds the snapshot's JSON on the way.
 * Returns: ESP_OK and *len, the text's length (NUL-terminated in buf).
 * Errors: ESP_ERR_INVALID_ARG (NULL), ESP_ERR_INVALID_SIZE (buf or the
 *   scratch too small: *len is what buf needs, or 0 when the scratch is).
 * Complexity: O(pools + owners + failures + tracked blocks).
 * ISR-safe: no (task context).
 */
esp_err_t dashboard_render_json(modesp_memory_diagnostics_t *diag, const modesp_health_t *health, uint32_t leak_ms,
                                const char *node_json, char *diag_scratch, size_t scratch_size, char *buf, size_t size,
                                size_t *len);

#endif /* DASHBOARD_RENDER_H */
