/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Event bus internals (private): the event block layout and the helpers the
 * bus sources share.
 *
 * Block layout: struct modesp_event, the topic and its NUL, then per field
 * [type u8][key length u8][value length u8][key, NUL][value bytes] (values
 * are copied with memcpy, so nothing needs alignment; a string value keeps
 * its NUL).
 */
#ifndef MODESP_BUS_PRIVATE_H
#define MODESP_BUS_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modesp/pooled_event_bus.h"

/* qpos of an event no longer in a queue (being dispatched). */
#define MP_BUS_NOT_QUEUED 0xFFFFu

/* flags */
#define MP_EV_FROM_ISR_POOL 0x01u

struct modesp_event {
    uint32_t refs;                /* atomic reference count */
    uint32_t mask;                /* subscriber slots still to receive it (bus lock) */
    uint32_t seq;                 /* publish order (bus lock) */
    modesp_event_bus_t *bus;      /* for the bus's block counters */
    struct modesp_event *release; /* link of a to-be-released list (bus lock) */
    uint64_t timestamp_us;
    uint16_t size;   /* encoded bytes, header included */
    uint16_t qpos;   /* ring slot, or MP_BUS_NOT_QUEUED */
    uint8_t prio;    /* modesp_bus_priority_t */
    uint8_t nfields; /* field count */
    uint8_t cls;     /* manager size class of the block, 0xFF: ISR reserve */
    uint8_t flags;   /* MP_EV_* */
};

/* String helpers: the library needs only memcpy/memset from the C library (the LX106 build has no more). */
static inline size_t mp_bus_strlen(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0') {
        n++;
    }
    return n;
}

static inline bool mp_bus_streq(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

#define MP_EV_TOPIC(ev) ((const char *)((const uint8_t *)(ev) + sizeof(struct modesp_event)))

/* topic.c: the same as the public matcher, without validation (both valid). */
bool mp_bus_match(const char *pattern, const char *topic);

/* event.c */
/* Encoded size of an event, or an error (BAD_FIELD, TOO_MANY_FIELDS, EVENT_TOO_LARGE). */
esp_err_t mp_event_encoded_size(size_t topic_len, const modesp_ev_field_t *fields, size_t count, size_t *size);
/* Write header (refs = 1), topic and fields into `block` (size from mp_event_encoded_size). */
void mp_event_encode(struct modesp_event *ev, size_t size, const char *topic, size_t topic_len,
                     modesp_bus_priority_t prio, const modesp_ev_field_t *fields, size_t count);
/* A block from the ISR reserve of at least `size` bytes, or NULL. */
void *mp_event_isr_reserve_alloc(size_t size);

#endif /* MODESP_BUS_PRIVATE_H */
