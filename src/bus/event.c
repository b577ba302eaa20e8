/* SPDX-License-Identifier: Apache-2.0 */
/* Event bus events: encoding into one pool block, typed getters, iterator, reference count. */
#include <string.h>

#include "bus_private.h"
#include "modesp/fixed_pool.h"
#include "modesp/pool_manager.h"
#include "mp_atomic.h"

#if CONFIG_EVENT_BUS_ISR_RESERVE_BLOCKS > 0
MODESP_POOL_DEFINE_STATIC(s_bus_isr_pool, CONFIG_EVENT_BUS_ISR_BLOCK_SIZE, CONFIG_EVENT_BUS_ISR_RESERVE_BLOCKS);
#endif

#define FIELD_HDR 3u /* type, key length, value length */

/* length of s, or max + 1 when s is longer than max (strnlen is not C11). */
MODESP_IRAM_ATTR static size_t bounded_len(const char *s, size_t max)
{
    size_t n = 0;
    while (n <= max && s[n] != '\0') {
        n++;
    }
    return n;
}

MODESP_IRAM_ATTR static size_t value_len(const modesp_ev_field_t *f)
{
    switch (f->type) {
    case MODESP_EV_TYPE_I32:
    case MODESP_EV_TYPE_U32:
    case MODESP_EV_TYPE_F32:
        return 4u;
    case MODESP_EV_TYPE_I64:
    case MODESP_EV_TYPE_F64:
        return 8u;
    case MODESP_EV_TYPE_BOOL:
        return 1u;
    case MODESP_EV_TYPE_STR:
        if (f->v.str == NULL) {
            return 0u;
        }
        {
            size_t n = bounded_len(f->v.str, (size_t)CONFIG_EVENT_BUS_MAX_STRING_LEN);
            return n > (size_t)CONFIG_EVENT_BUS_MAX_STRING_LEN ? 0u : n + 1u;
        }
    default:
        return 0u;
    }
}

MODESP_IRAM_ATTR esp_err_t mp_event_encoded_size(size_t topic_len, const modesp_ev_field_t *fields, size_t count,
                                                 size_t *size)
{
    if (count > (size_t)CONFIG_EVENT_BUS_MAX_FIELDS) {
        return MODESP_ERR_TOO_MANY_FIELDS;
    }
    size_t total = sizeof(struct modesp_event) + topic_len + 1u;
    for (size_t i = 0; i < count; i++) {
        const modesp_ev_field_t *f = &fields[i];
        if (f->key == NULL) {
            return MODESP_ERR_BAD_FIELD;
        }
        size_t klen = bounded_len(f->key, (size_t)MODESP_EV_MAX_KEY_LEN);
        size_t vlen = value_len(f);
        if (klen == 0u || klen > MODESP_EV_MAX_KEY_LEN || vlen == 0u) {
            return MODESP_ERR_BAD_FIELD;
        }
        total += FIELD_HDR + klen + 1u + vlen;
    }
    if (total > (size_t)MODESP_POOL_MAX_BLOCK_SIZE) {
        return MODESP_ERR_EVENT_TOO_LARGE;
    }
    *size = total;
    return ESP_OK;
}

MODESP_IRAM_ATTR void mp_event_encode(struct modesp_event *ev, size_t size, const char *topic, size_t topic_len,
                                      modesp_bus_priority_t prio, const modesp_ev_field_t *fields, size_t count)
{
    uint8_t *base = (uint8_t *)ev;
    ev->refs = 1u;
    ev->mask = 0u;
    ev->seq = 0u;
    ev->release = NULL;
    ev->size = (uint16_t)size;
    ev->qpos = MP_BUS_NOT_QUEUED;
    ev->prio = (uint8_t)prio;
    ev->nfields = (uint8_t)count;
    size_t off = sizeof(struct modesp_event);
    memcpy(base + off, topic, topic_len + 1u);
    off += topic_len + 1u;
    for (size_t i = 0; i < count; i++) {
        const modesp_ev_field_t *f = &fields[i];
        size_t klen = mp_bus_strlen(f->key);
        size_t vlen = value_len(f);
        base[off] = (uint8_t)f->type;
        base[off + 1u] = (uint8_t)klen;
        base[off + 2u] = (uint8_t)vlen;
        off += FIELD_HDR;
        memcpy(base + off, f->key, klen + 1u);
        off += klen + 1u;
        switch (f->type) {
        case MODESP_EV_TYPE_STR:
            memcpy(base + off, f->v.str, vlen);
            break;
        case MODESP_EV_TYPE_BOOL:
            base[off] = f->v.b ? 1u : 0u;
            break;
        default: /* the numeric members start at the union's first byte */
            memcpy(base + off, &f->v, vlen);
            break;
        }
        off += vlen;
    }
}

MODESP_IRAM_ATTR void *mp_event_isr_reserve_alloc(size_t size)
{
#if CONFIG_EVENT_BUS_ISR_RESERVE_BLOCKS > 0
    if (size <= (size_t)CONFIG_EVENT_BUS_ISR_BLOCK_SIZE) {
        return modesp_pool_allocate(&s_bus_isr_pool);
    }
#else
    (void)size;
#endif
    return NULL;
}

/* ------------------------------------------------------------ read side */

const char *modesp_event_topic(const modesp_event_t *ev) { return ev != NULL ? MP_EV_TOPIC(ev) : ""; }

modesp_bus_priority_t modesp_event_priority(const modesp_event_t *ev)
{
    return ev != NULL ? (modesp_bus_priority_t)ev->prio : MODESP_BUS_LOW;
}

uint64_t modesp_event_timestamp_us(const modesp_event_t *ev) { return ev != NULL ? ev->timestamp_us : 0u; }

uint32_t modesp_event_field_count(const modesp_event_t *ev) { return ev != NULL ? ev->nfields : 0u; }

void modesp_event_iter_init(modesp_event_iter_t *it, const modesp_event_t *ev)
{
    if (it == NULL) {
        return;
    }
    it->ev = ev;
    it->index = 0u;
    it->offset = ev != NULL ? (uint32_t)(sizeof(struct modesp_event) + mp_bus_strlen(MP_EV_TOPIC(ev)) + 1u) : 0u;
}

bool modesp_event_iter_next(modesp_event_iter_t *it, modesp_ev_field_t *field)
{
    if (it == NULL || field == NULL || it->ev == NULL || it->index >= it->ev->nfields) {
        return false;
    }
    const uint8_t *p = (const uint8_t *)it->ev + it->offset;
    uint8_t klen = p[1];
    uint8_t vlen = p[2];
    const uint8_t *val = p + FIELD_HDR + klen + 1u;
    memset(field, 0, sizeof *field);
    field->type = (modesp_ev_type_t)p[0];
    field->key = (const char *)(p + FIELD_HDR);
    switch (field->type) {
    case MODESP_EV_TYPE_STR:
        field->v.str = (const char *)val;
        break;
    case MODESP_EV_TYPE_BOOL:
        field->v.b = val[0] != 0u;
        break;
    default:
        memcpy(&field->v, val, vlen);
        break;
    }
    it->offset += FIELD_HDR + klen + 1u + vlen;
    it->index++;
    return true;
}

static esp_err_t find(const modesp_event_t *ev, const char *key, modesp_ev_type_t type, modesp_ev_field_t *f)
{
    if (ev == NULL || key == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    modesp_event_iter_t it;
    modesp_event_iter_init(&it, ev);
    while (modesp_event_iter_next(&it, f)) {
        if (mp_bus_streq(f->key, key)) {
            return f->type == type ? ESP_OK : MODESP_ERR_WRONG_TYPE;
        }
    }
    return ESP_ERR_NOT_FOUND;
}

#define MP_EV_GETTER(name, ctype, TYPE, member)                                                                        \
    esp_err_t modesp_event_get_##name(const modesp_event_t *ev, const char *key, ctype *out)                           \
    {                                                                                                                  \
        modesp_ev_field_t f;                                                                                           \
        if (out == NULL) {                                                                                             \
            return ESP_ERR_INVALID_ARG;                                                                                \
        }                                                                                                              \
        esp_err_t err = find(ev, key, TYPE, &f);                                                                       \
        if (err == ESP_OK) {                                                                                           \
            *out = f.v.member;                                                                                         \
        }                                                                                                              \
        return err;                                                                                                    \
    }

MP_EV_GETTER(i32, int32_t, MODESP_EV_TYPE_I32, i32)
MP_EV_GETTER(u32, uint32_t, MODESP_EV_TYPE_U32, u32)
MP_EV_GETTER(i64, int64_t, MODESP_EV_TYPE_I64, i64)
MP_EV_GETTER(f32, float, MODESP_EV_TYPE_F32, f32)
MP_EV_GETTER(f64, double, MODESP_EV_TYPE_F64, f64)
MP_EV_GETTER(bool, bool, MODESP_EV_TYPE_BOOL, b)
MP_EV_GETTER(str, const char *, MODESP_EV_TYPE_STR, str)

/* ------------------------------------------------------------ references */

/* Add `step` (1, or 0u - 1u) to the count of a live event: one CAS that is
 * retried only when another holder changed the count meanwhile. A count
 * already at 0 (the block is back in its pool) is refused. *before: the
 * count the step was applied to. */
MODESP_IRAM_ATTR static esp_err_t refs_step(const modesp_event_t *cev, uint32_t step, int order, uint32_t *before)
{
    if (cev == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    struct modesp_event *ev = (struct modesp_event *)cev; /* the count is the one mutable part */
    uint32_t cur = mp_load(&ev->refs, MP_RELAXED);
    do {
        if (cur == 0u) {
            return ESP_ERR_INVALID_STATE;
        }
    } while (!mp_cas(&ev->refs, &cur, cur + step, order, MP_RELAXED));
    *before = cur;
    return ESP_OK;
}

esp_err_t modesp_event_ref(const modesp_event_t *cev)
{
    uint32_t before = 0;
    return refs_step(cev, 1u, MP_RELAXED, &before);
}

MODESP_IRAM_ATTR esp_err_t modesp_event_unref(const modesp_event_t *cev)
{
    uint32_t cur = 0;
    const esp_err_t step_err = refs_step(cev, 0u - 1u, MP_ACQ_REL, &cur);
    if (step_err != ESP_OK) {
        return step_err;
    }
    struct modesp_event *ev = (struct modesp_event *)cev;
    if (cur != 1u) {
        return ESP_OK;
    }
    modesp_event_bus_t *bus = ev->bus;
    esp_err_t err;
#if CONFIG_EVENT_BUS_ISR_RESERVE_BLOCKS > 0
    if ((ev->flags & MP_EV_FROM_ISR_POOL) != 0u) {
        err = modesp_pool_deallocate(&s_bus_isr_pool, ev);
    } else
#endif
    {
        err = modesp_pool_manager_free(modesp_get_pool_manager(), ev);
    }
    if (err == ESP_OK && bus != NULL) {
        (void)mp_fetch_sub(&bus->blocks_held, 1u, MP_RELAXED);
    }
    return err;
}

uint32_t modesp_event_refcount(const modesp_event_t *ev) { return ev != NULL ? mp_load(&ev->refs, MP_RELAXED) : 0u; }
