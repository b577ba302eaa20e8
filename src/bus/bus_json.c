/* SPDX-License-Identifier: Apache-2.0 */
/* Event bus: JSON rendering of an event with cJSON (layer bus-json: host and ESP-IDF). */
#include <string.h>

#if defined(ESP_PLATFORM)
#include "cJSON.h"
#else
#include <cjson/cJSON.h>
#endif

#include "bus_private.h"
#include "port.h"

static const char *prio_name(modesp_bus_priority_t p)
{
    static const char *const names[] = {"CRITICAL", "HIGH", "NORMAL", "LOW"};
    return (unsigned)p < 4u ? names[p] : "?";
}

/* An integer as its exact decimal digits (a raw JSON number). cJSON_CreateNumber would go through a
 * double and print it with %1.15g: integers past 2^50 or so come out rounded or in exponent form. The
 * digits are written here, not with printf, because newlib-nano's printf has no 64-bit conversions. */
static cJSON *integer_item(int64_t v)
{
    char text[24]; /* "-9223372036854775808" and the NUL */
    char *p = text + sizeof text;
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    *--p = '\0';
    do {
        *--p = (char)('0' + (int)(mag % 10u));
        mag /= 10u;
    } while (mag != 0u);
    if (v < 0) {
        *--p = '-';
    }
    return cJSON_CreateRaw(p);
}

static bool add_field(cJSON *obj, const modesp_ev_field_t *f)
{
    cJSON *item = NULL;
    switch (f->type) {
    case MODESP_EV_TYPE_I32:
        item = integer_item(f->v.i32);
        break;
    case MODESP_EV_TYPE_U32:
        item = integer_item(f->v.u32);
        break;
    case MODESP_EV_TYPE_I64:
        item = integer_item(f->v.i64);
        break;
    case MODESP_EV_TYPE_F32:
        item = cJSON_CreateNumber((double)f->v.f32);
        break;
    case MODESP_EV_TYPE_F64:
        item = cJSON_CreateNumber(f->v.f64);
        break;
    case MODESP_EV_TYPE_BOOL:
        item = cJSON_CreateBool(f->v.b ? 1 : 0);
        break;
    case MODESP_EV_TYPE_STR:
        item = cJSON_CreateString(f->v.str);
        break;
    default:
        break;
    }
    if (item == NULL) {
        return false;
    }
    /* The key is copied into cJSON's heap; when that fails the item is not attached, so it is ours to free. */
    if (!cJSON_AddItemToObject(obj, f->key, item)) {
        cJSON_Delete(item);
        return false;
    }
    return true;
}

/* The event as a cJSON object tree in root; false when cJSON's allocation failed. */
static bool build(cJSON *root, const modesp_event_t *ev)
{
    if (cJSON_AddStringToObject(root, "topic", modesp_event_topic(ev)) == NULL ||
        cJSON_AddStringToObject(root, "priority", prio_name(modesp_event_priority(ev))) == NULL ||
        cJSON_AddNumberToObject(root, "timestamp_us", (double)modesp_event_timestamp_us(ev)) == NULL) {
        return false;
    }
    cJSON *fields = cJSON_AddObjectToObject(root, "fields");
    if (fields == NULL) {
        return false;
    }
    modesp_event_iter_t it;
    modesp_ev_field_t f;
    modesp_event_iter_init(&it, ev);
    while (modesp_event_iter_next(&it, &f)) {
        if (!add_field(fields, &f)) {
            return false;
        }
    }
    return true;
}

esp_err_t modesp_event_to_json(const modesp_event_t *ev, char *buf, size_t size, size_t *len)
{
    if (ev == NULL || len == NULL || (buf == NULL && size > 0u)) {
        return ESP_ERR_INVALID_ARG;
    }
    if (modesp_port_in_isr()) {
        return ESP_ERR_INVALID_STATE;
    }
    cJSON *root = cJSON_CreateObject();
    char *text = (root != NULL && build(root, ev)) ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (text == NULL) {
        return ESP_ERR_NO_MEM;
    }
    const size_t n = mp_bus_strlen(text);
    *len = n;
    esp_err_t err = ESP_ERR_INVALID_SIZE;
    if (buf != NULL && n + 1u <= size) {
        memcpy(buf, text, n + 1u);
        err = ESP_OK;
    }
    cJSON_free(text);
    return err;
}
