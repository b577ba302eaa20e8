/* SPDX-License-Identifier: Apache-2.0 */
/* Event bus: subscriptions, publish (tasks and ISRs), per-priority queues and dispatch. */
#include <string.h>

#include "bus_internal.h"
#include "modesp/hooks.h"
#include "modesp/pool_manager.h"
#include "mp_atomic.h"

#define MP_NO_CLASS 0xFFu

/* Tasks in modesp_bus_wait sleep here (one queue for every bus; each waiter re-checks its own bus). */
static modesp_port_waitq_t s_waitq = MODESP_PORT_WAITQ_INITIALIZER;

/* ------------------------------------------------------------ subscriptions */

static modesp_bus_slot_t *slot_of(modesp_event_bus_t *bus, modesp_bus_sub_t h, uint32_t *index)
{
    uint32_t i = (h & 0xFFu);
    if (i == 0u || i > (uint32_t)CONFIG_EVENT_BUS_MAX_SUBSCRIBERS) {
        return NULL;
    }
    modesp_bus_slot_t *s = &bus->slots[i - 1u];
    if (s->active == 0u || s->gen != (uint16_t)(h >> 8)) {
        return NULL;
    }
    *index = i - 1u;
    return s;
}

esp_err_t modesp_bus_subscribe(modesp_event_bus_t *bus, const char *pattern, modesp_bus_handler_t handler, void *ctx,
                               uint32_t depth, modesp_bus_policy_t policy, modesp_bus_sub_t *out)
{
    if (bus == NULL || handler == NULL || out == NULL || (unsigned)policy > (unsigned)MODESP_BUS_KEEP_LATEST) {
        return ESP_ERR_INVALID_ARG;
    }
    if (modesp_port_in_isr()) {
        return ESP_ERR_INVALID_STATE;
    }
    esp_err_t err = modesp_bus_pattern_validate(pattern);
    if (err != ESP_OK) {
        return err;
    }
    if (depth == 0u || depth > (uint32_t)CONFIG_EVENT_BUS_MAX_DEPTH) {
        depth = (uint32_t)CONFIG_EVENT_BUS_MAX_DEPTH;
    }
    uint32_t st = mp_bus_lock();
    for (uint32_t i = 0; i < (uint32_t)CONFIG_EVENT_BUS_MAX_SUBSCRIBERS; i++) {
        modesp_bus_slot_t *s = &bus->slots[i];
        if (s->active != 0u) {
            continue;
        }
        uint16_t gen = s->gen;
        memset(s, 0, sizeof *s);
        s->gen = gen;
        s->handler = handler;
        s->ctx = ctx;
        s->policy = (uint8_t)policy;
        s->depth = (uint8_t)depth;
        memcpy(s->pattern, pattern, mp_bus_strlen(pattern) + 1u); /* length checked by the validation */
        s->active = 1u;
        *out = ((uint32_t)gen << 8) | (i + 1u);
        mp_bus_unlock(st);
        return ESP_OK;
    }
    mp_bus_unlock(st);
    return MODESP_ERR_FULL;
}

esp_err_t modesp_bus_unsubscribe(modesp_event_bus_t *bus, modesp_bus_sub_t handle)
{
    if (bus == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (modesp_port_in_isr()) {
        return ESP_ERR_INVALID_STATE;
    }
    struct modesp_event *rel = NULL;
    uint32_t i = 0;
    uint32_t st = mp_bus_lock();
    modesp_bus_slot_t *s = slot_of(bus, handle, &i);
    if (s == NULL) {
        mp_bus_unlock(st);
        return ESP_ERR_NOT_FOUND;
    }
    for (uint32_t k = 0; k < s->npending; k++) {
        struct modesp_event *ev = s->pending[k];
        s->pending[k] = NULL;
        ev->mask &= ~(1u << i);
        bus->dropped_unsubscribed++;
        if (ev->mask == 0u && ev->qpos != MP_BUS_NOT_QUEUED) {
            mp_bus_vacate(bus, ev);
            ev->release = rel;
            rel = ev;
        }
    }
    s->npending = 0u;
    s->active = 0u;
    s->gen++;
    mp_bus_unlock(st);
    mp_bus_release_list(rel);
    return ESP_OK;
}

/* ------------------------------------------------------------ publish */

/* Under the lock: `ev` is no longer wanted by slot i; a queued event nobody wants goes on the release list. */
MODESP_IRAM_ATTR static void drop_for(modesp_event_bus_t *bus, uint32_t i, struct modesp_event *ev,
                                      struct modesp_event **rel)
{
    ev->mask &= ~(1u << i);
    mp_bus_pending_remove(&bus->slots[i], ev);
    if (ev->mask == 0u && ev->qpos != MP_BUS_NOT_QUEUED) {
        mp_bus_vacate(bus, ev);
        ev->release = *rel;
        *rel = ev;
    }
}

/* Under the lock: move the live entries of a full ring together. */
MODESP_IRAM_ATTR static void compact(modesp_bus_queue_t *q)
{
    uint16_t w = 0;
    for (uint16_t r = 0; r < q->used; r++) {
        uint16_t idx = (uint16_t)((q->head + r) % MP_QLEN);
        struct modesp_event *ev = q->ring[idx];
        if (ev != NULL) {
            uint16_t widx = (uint16_t)((q->head + w) % MP_QLEN);
            q->ring[idx] = NULL;
            q->ring[widx] = ev;
            ev->qpos = widx;
            w++;
        }
    }
    q->used = w;
}

/* Evict the oldest queued LOW event whose block is of class `cls`. True if one was evicted. */
MODESP_IRAM_ATTR static bool evict_low(modesp_event_bus_t *bus, uint8_t cls)
{
    struct modesp_event *victim = NULL;
    uint32_t st = mp_bus_lock();
    modesp_bus_queue_t *q = &bus->queues[MODESP_BUS_LOW];
    for (uint16_t r = 0; r < q->used && victim == NULL; r++) {
        struct modesp_event *ev = q->ring[(q->head + r) % MP_QLEN];
        if (ev != NULL && ev->cls == cls) {
            victim = ev;
        }
    }
    if (victim != NULL) {
        for (uint32_t i = 0; i < (uint32_t)CONFIG_EVENT_BUS_MAX_SUBSCRIBERS; i++) {
            if ((victim->mask & (1u << i)) != 0u) {
                mp_bus_pending_remove(&bus->slots[i], victim);
            }
        }
        victim->mask = 0u;
        mp_bus_vacate(bus, victim);
        bus->evicted_low++;
    }
    mp_bus_unlock(st);
    if (victim != NULL) {
        (void)modesp_event_unref(victim);
    }
    return victim != NULL;
}

MODESP_IRAM_ATTR static void count(uint32_t *counter)
{
    uint32_t st = mp_bus_lock();
    (*counter)++;
    mp_bus_unlock(st);
}

/* A block for `size` bytes: the class (STRICT), the ISR reserve, or (CRITICAL) after evicting a LOW event. */
MODESP_IRAM_ATTR static struct modesp_event *get_block(modesp_event_bus_t *bus, size_t size, modesp_bus_priority_t prio,
                                                       bool isr)
{
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    void *blk = NULL;
    uint8_t cls = (uint8_t)modesp_pool_manager_class_for_size(size);
    uint8_t flags = 0u;
    (void)modesp_pool_manager_allocate_ex(pm, size, MODESP_ALLOC_STRICT, 0u, &blk);
    if (blk == NULL && isr) {
        blk = mp_event_isr_reserve_alloc(size);
        if (blk != NULL) {
            flags = MP_EV_FROM_ISR_POOL;
            cls = MP_NO_CLASS;
            count(&bus->isr_reserve_used);
        }
    }
#if defined(CONFIG_EVENT_BUS_CRITICAL_EVICTS_LOW)
    if (blk == NULL && prio == MODESP_BUS_CRITICAL && evict_low(bus, cls)) {
        (void)modesp_pool_manager_allocate_ex(pm, size, MODESP_ALLOC_STRICT, 0u, &blk);
    }
#else
    (void)prio;
#endif
    if (blk == NULL) {
        count(&bus->alloc_failures);
        return NULL;
    }
    struct modesp_event *ev = blk;
    ev->bus = bus;
    ev->cls = cls;
    ev->flags = flags;
    uint32_t held = mp_fetch_add(&bus->blocks_held, 1u, MP_RELAXED) + 1u;
    mp_max(&bus->blocks_peak, held);
    return ev;
}

/* Under the lock: route and queue `ev`; returns the result of the publish. */
MODESP_IRAM_ATTR static esp_err_t route(modesp_event_bus_t *bus, struct modesp_event *ev, const char *topic, bool isr,
                                        struct modesp_event **rel)
{
    modesp_bus_queue_t *q = &bus->queues[ev->prio];
    if (q->used == MP_QLEN) {
        compact(q);
    }
    if (q->used == MP_QLEN) {
        q->refused++;
        bus->dropped_queue_full++;
        return MODESP_ERR_QUEUE_FULL;
    }
    uint32_t mask = 0u;
    for (uint32_t i = 0; i < (uint32_t)CONFIG_EVENT_BUS_MAX_SUBSCRIBERS; i++) {
        if (bus->slots[i].active != 0u && mp_bus_match(bus->slots[i].pattern, topic)) {
            mask |= 1u << i;
        }
    }
    if (mask == 0u) {
        bus->unrouted++;
        return ESP_ERR_NOT_FOUND; /* ESP_OK to the caller, the block goes back */
    }
    for (uint32_t i = 0; i < (uint32_t)CONFIG_EVENT_BUS_MAX_SUBSCRIBERS; i++) {
        modesp_bus_slot_t *s = &bus->slots[i];
        if ((mask & (1u << i)) != 0u && s->policy == (uint8_t)MODESP_BUS_REJECT && s->npending >= s->depth) {
            s->rejected++;
            bus->dropped_subscriber_full++;
            return MODESP_ERR_SUBSCRIBER_FULL;
        }
    }
    ev->seq = bus->seq++;
    ev->mask = mask;
    for (uint32_t i = 0; i < (uint32_t)CONFIG_EVENT_BUS_MAX_SUBSCRIBERS; i++) {
        modesp_bus_slot_t *s = &bus->slots[i];
        if ((mask & (1u << i)) == 0u) {
            continue;
        }
        if (s->policy == (uint8_t)MODESP_BUS_KEEP_LATEST) {
            for (uint32_t k = 0; k < s->npending; k++) {
                if (mp_bus_streq(MP_EV_TOPIC(s->pending[k]), topic)) {
                    drop_for(bus, i, s->pending[k], rel);
                    s->coalesced++;
                    bus->coalesced++;
                    break;
                }
            }
        }
        if (s->npending >= s->depth) {
            struct modesp_event *oldest = s->pending[0];
            for (uint32_t k = 1; k < s->npending; k++) {
                if ((int32_t)(s->pending[k]->seq - oldest->seq) < 0) {
                    oldest = s->pending[k];
                }
            }
            drop_for(bus, i, oldest, rel);
            s->dropped_oldest++;
            bus->dropped_oldest++;
        }
        s->pending[s->npending++] = ev;
        if (s->npending > s->high_water) {
            s->high_water = s->npending;
        }
    }
    uint16_t idx = (uint16_t)((q->head + q->used) % MP_QLEN);
    q->ring[idx] = ev;
    ev->qpos = idx;
    q->used++;
    q->live++;
    if (q->live > q->high_water) {
        q->high_water = q->live;
    }
    bus->published++;
    if (isr) {
        bus->isr_published++;
    }
    return ESP_OK;
}

MODESP_IRAM_ATTR static esp_err_t publish(modesp_event_bus_t *bus, const char *topic, modesp_bus_priority_t prio,
                                          const modesp_ev_field_t *fields, size_t n, bool isr, bool *woken)
{
    if (bus == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if ((unsigned)prio >= (unsigned)MODESP_BUS_PRIORITY_COUNT) {
        count(&bus->bad_priority);
        return ESP_ERR_INVALID_ARG;
    }
    if (modesp_bus_topic_validate(topic) != ESP_OK) {
        count(&bus->bad_topic);
        return MODESP_ERR_BAD_TOPIC;
    }
    if (fields == NULL && n > 0u) {
        count(&bus->bad_field);
        return ESP_ERR_INVALID_ARG;
    }
    size_t tlen = mp_bus_strlen(topic);
    size_t size = 0;
    esp_err_t err = mp_event_encoded_size(tlen, fields, n, &size);
    if (err != ESP_OK) {
        count(err == MODESP_ERR_TOO_MANY_FIELDS ? &bus->too_many_fields
              : err == MODESP_ERR_BAD_FIELD     ? &bus->bad_field
                                                : &bus->too_large);
        return err;
    }
    uint32_t st = mp_bus_lock();
    modesp_bus_filter_t filter = bus->filter;
    void *fctx = bus->filter_ctx;
    mp_bus_unlock(st);
    if (filter != NULL && !filter(topic, prio, fctx)) {
        count(&bus->dropped_filtered);
        return MODESP_ERR_FILTERED;
    }
    struct modesp_event *ev = get_block(bus, size, prio, isr);
    if (ev == NULL) {
        return ESP_ERR_NO_MEM;
    }
    mp_event_encode(ev, size, topic, tlen, prio, fields, n);
    ev->timestamp_us = modesp_time_us();
    struct modesp_event *rel = NULL;
    st = mp_bus_lock();
    err = route(bus, ev, topic, isr, &rel);
    mp_bus_unlock(st);
    mp_bus_release_list(rel);
    if (err != ESP_OK) {
        (void)modesp_event_unref(ev);
    } else if (mp_load(&bus->waiters, MP_ACQUIRE) != 0u) {
        modesp_port_waitq_signal(&s_waitq);
        if (woken != NULL) {
            *woken = true;
        }
    }
    return err == ESP_ERR_NOT_FOUND ? ESP_OK : err;
}

esp_err_t modesp_bus_publish_fields(modesp_event_bus_t *bus, const char *topic, modesp_bus_priority_t priority,
                                    const modesp_ev_field_t *fields, size_t count_)
{
    if (bus != NULL && modesp_port_in_isr()) {
        return ESP_ERR_INVALID_STATE;
    }
    return publish(bus, topic, priority, fields, count_, false, NULL);
}

MODESP_IRAM_ATTR esp_err_t modesp_bus_publish_from_isr_fields(modesp_event_bus_t *bus, const char *topic,
                                                              modesp_bus_priority_t priority,
                                                              const modesp_ev_field_t *fields, size_t count_,
                                                              bool *woken)
{
    if (woken != NULL) {
        *woken = false;
    }
    return publish(bus, topic, priority, fields, count_, true, woken);
}

/* ------------------------------------------------------------ dispatch */

static void deliver(modesp_event_bus_t *bus, struct modesp_event *ev)
{
    for (;;) {
        uint32_t st = mp_bus_lock();
        uint32_t m = ev->mask;
        if (m == 0u) {
            mp_bus_unlock(st);
            return;
        }
        uint32_t i = 0;
        while ((m & (1u << i)) == 0u) {
            i++; /* m != 0: at most 31 steps */
        }
        modesp_bus_slot_t *s = &bus->slots[i];
        ev->mask &= ~(1u << i);
        mp_bus_pending_remove(s, ev);
        modesp_bus_handler_t h = s->handler;
        void *ctx = s->ctx;
        uint16_t gen = s->gen;
        mp_bus_unlock(st);

        uint64_t t0 = modesp_time_us();
        h(ev, ctx);
        uint64_t dt = modesp_time_us() - t0;

        st = mp_bus_lock();
        bus->delivered++;
        bus->handler_total_us += dt;
        if (dt > bus->handler_max_us) {
            bus->handler_max_us = dt > UINT32_MAX ? UINT32_MAX : (uint32_t)dt;
        }
        if (s->active != 0u && s->gen == gen) {
            s->delivered++;
        }
        mp_bus_unlock(st);
    }
}

esp_err_t modesp_bus_process(modesp_event_bus_t *bus, uint32_t max_ms, uint32_t *dispatched)
{
    if (dispatched != NULL) {
        *dispatched = 0u;
    }
    if (bus == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (modesp_port_in_isr()) {
        return ESP_ERR_INVALID_STATE;
    }
    uint32_t st = mp_bus_lock();
    if (bus->processing != 0u) {
        mp_bus_unlock(st);
        return ESP_ERR_INVALID_STATE;
    }
    bus->processing = 1u;
    mp_bus_unlock(st);

    const uint64_t start = modesp_time_us();
    const uint64_t budget = (uint64_t)max_ms * 1000u;
    uint32_t n = 0;
    for (;;) {
        st = mp_bus_lock();
        struct modesp_event *ev = bus->paused != 0u ? NULL : mp_bus_pop(bus);
        if (ev != NULL) {
            bus->dispatched++;
        }
        mp_bus_unlock(st);
        if (ev == NULL) {
            break;
        }
        deliver(bus, ev);
        (void)modesp_event_unref(ev);
        n++;
        if (max_ms != UINT32_MAX && modesp_time_us() - start >= budget) {
            break;
        }
    }
    st = mp_bus_lock();
    bus->processing = 0u;
    mp_bus_unlock(st);
    if (dispatched != NULL) {
        *dispatched = n;
    }
    return ESP_OK;
}

static bool anything_queued(modesp_event_bus_t *bus)
{
    uint32_t st = mp_bus_lock();
    uint32_t n = 0;
    for (int p = 0; p < (int)MODESP_BUS_PRIORITY_COUNT; p++) {
        n += bus->queues[p].live;
    }
    mp_bus_unlock(st);
    return n != 0u;
}

esp_err_t modesp_bus_wait(modesp_event_bus_t *bus, uint32_t timeout_ms)
{
    if (bus == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (modesp_port_in_isr()) {
        return ESP_ERR_INVALID_STATE;
    }
    const uint64_t deadline = timeout_ms == UINT32_MAX ? UINT64_MAX : modesp_time_us() + (uint64_t)timeout_ms * 1000u;
    esp_err_t err = ESP_ERR_TIMEOUT;
    (void)mp_fetch_add(&bus->waiters, 1u, MP_ACQ_REL);
    for (;;) {
        /* seq before the check: a publish after the check changes it, so the wait returns at once */
        uint32_t seq = modesp_port_waitq_seq(&s_waitq);
        if (anything_queued(bus)) {
            err = ESP_OK;
            break;
        }
        if (deadline != UINT64_MAX && modesp_time_us() >= deadline) {
            break;
        }
        (void)modesp_port_waitq_wait(&s_waitq, seq, deadline);
    }
    (void)mp_fetch_sub(&bus->waiters, 1u, MP_ACQ_REL);
    return err;
}
