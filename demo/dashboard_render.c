/* SPDX-License-Identifier: Apache-2.0 */
/* The dashboard JSON from the public diagnostics API (see dashboard_render.h). */
#include "dashboard_render.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    char *buf;
    size_t size;
    size_t len; /* what the whole text needs, even past size */
} out_t;

static void put(out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out_t *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const size_t room = o->len < o->size ? o->size - o->len : 0;
    const int n =
        vsnprintf(room > 0 ? o->buf + o->len : NULL, room, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
    va_end(ap);
    if (n > 0) {
        o->len += (size_t)n;
    }
}

/* A JSON string; owners, file names and summaries are printable ASCII, anything else is left out. */
static void put_str(out_t *o, const char *s)
{
    put(o, "\"");
    for (const char *p = s != NULL ? s : ""; *p != '\0'; p++) {
        const unsigned char ch = (unsigned char)*p;
        if (ch == '"' || ch == '\\') {
            put(o, "\\%c", ch);
        } else if (ch >= 0x20u && ch < 0x7fu) {
            put(o, "%c", ch);
        }
    }
    put(o, "\"");
}

static const char *base_name(const char *path)
{
    const char *slash = path != NULL ? strrchr(path, '/') : NULL;
    return slash != NULL ? slash + 1 : path;
}

esp_err_t dashboard_render_json(modesp_memory_diagnostics_t *diag, const modesp_health_t *health, uint32_t leak_ms,
                                const char *node_json, char *diag_scratch, size_t scratch_size, char *buf, size_t size,
                                size_t *len)
{
    static const char *const reason_names[] = {"pressure", "leak", "failures", "integrity", "reserve"};
    if (diag == NULL || health == NULL || diag_scratch == NULL || buf == NULL || len == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    modesp_diag_snapshot_t snap;
    size_t diag_len = 0;
    (void)modesp_memory_diagnostics_snapshot(diag, &snap);
    if (modesp_memory_diagnostics_to_json(&snap, diag_scratch, scratch_size, &diag_len) != ESP_OK) {
        *len = 0;
        return ESP_ERR_INVALID_SIZE;
    }
    modesp_diag_leak_t leaks[8];
    const size_t nleaks = modesp_memory_diagnostics_detect_potential_leaks(diag, leak_ms, leaks, 8);

    out_t o = {buf, size, 0};
    put(&o, "{\"schema\":\"modesp-dashboard-1\",\"diagnostics\":%s,\"health\":{\"level\":", diag_scratch);
    put_str(&o, modesp_health_level_name(health->level));
    put(&o, ",\"reasons\":[");
    unsigned first = 1;
    for (unsigned i = 0; i < sizeof reason_names / sizeof reason_names[0]; i++) {
        if ((health->reasons & (1u << i)) != 0u) {
            put(&o, "%s\"%s\"", first ? "" : ",", reason_names[i]);
            first = 0;
        }
    }
    put(&o, "],\"since_ms\":%lu,\"summary\":", (unsigned long)health->since_ms);
    put_str(&o, health->summary);
    put(&o, "},\"leaks\":{\"threshold_ms\":%lu,\"count\":%lu,\"list\":[", (unsigned long)leak_ms,
        (unsigned long)nleaks);
    for (size_t i = 0; i < nleaks && i < 8u; i++) {
        put(&o, "%s{\"owner\":", i > 0u ? "," : "");
        put_str(&o, leaks[i].owner);
        put(&o, ",\"file\":");
        put_str(&o, base_name(leaks[i].file));
        put(&o, ",\"line\":%d,\"age_ms\":%lu,\"size\":%lu,\"block_size\":%lu}", leaks[i].line,
            (unsigned long)leaks[i].age_ms, (unsigned long)leaks[i].requested_size, (unsigned long)leaks[i].block_size);
    }
    put(&o, "]},\"node\":%s}", node_json != NULL ? node_json : "null");
    *len = o.len;
    return o.len < size ? ESP_OK : ESP_ERR_INVALID_SIZE;
}
