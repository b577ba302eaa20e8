/* SPDX-License-Identifier: Apache-2.0 */
/* Event bus: the queue and subscriber helpers shared by bus.c and bus_stats.c (private). */
#ifndef MODESP_BUS_INTERNAL_H
#define MODESP_BUS_INTERNAL_H

#include "bus_private.h"
#include "port.h"

#define MP_QLEN ((uint16_t)CONFIG_EVENT_BUS_QUEUE_LENGTH)

static inline uint32_t mp_bus_lock(void) { return modesp_port_critical_enter(); }
static inline void mp_bus_unlock(uint32_t s) { modesp_port_critical_exit(s); }

/* Under the lock: forget `ev` in slot `s`'s pending list. */
MODESP_IRAM_ATTR static inline void mp_bus_pending_remove(modesp_bus_slot_t *s, const struct modesp_event *ev)
{
    for (uint32_t k = 0; k < s->npending; k++) {
        if (s->pending[k] == ev) {
            s->npending--;
            s->pending[k] = s->pending[s->npending];
            s->pending[s->npending] = NULL;
            return;
        }
    }
}

/* Under the lock: take a queued event out of its ring (slot left NULL). */
MODESP_IRAM_ATTR static inline void mp_bus_vacate(modesp_event_bus_t *bus, struct modesp_event *ev)
{
    modesp_bus_queue_t *q = &bus->queues[ev->prio];
    q->ring[ev->qpos] = NULL;
    q->live--;
    ev->qpos = MP_BUS_NOT_QUEUED;
    while (q->used > 0u && q->ring[q->head] == NULL) {
        q->head = (uint16_t)((q->head + 1u) % MP_QLEN);
        q->used--;
    }
}

/* Under the lock: the oldest queued event of the highest non-empty priority, out of its ring; NULL if none. */
static inline struct modesp_event *mp_bus_pop(modesp_event_bus_t *bus)
{
    for (int p = 0; p < (int)MODESP_BUS_PRIORITY_COUNT; p++) {
        modesp_bus_queue_t *q = &bus->queues[p];
        while (q->used > 0u) {
            struct modesp_event *ev = q->ring[q->head];
            q->ring[q->head] = NULL;
            q->head = (uint16_t)((q->head + 1u) % MP_QLEN);
            q->used--;
            if (ev != NULL) {
                q->live--;
                ev->qpos = MP_BUS_NOT_QUEUED;
                return ev;
            }
        }
    }
    return NULL;
}

/* After the lock: drop the bus's reference of every event on a release list. */
MODESP_IRAM_ATTR static inline void mp_bus_release_list(struct modesp_event *list)
{
    while (list != NULL) {
        struct modesp_event *next = list->release;
        list->release = NULL;
        (void)modesp_event_unref(list);
        list = next;
    }
}

#endif /* MODESP_BUS_INTERNAL_H */
