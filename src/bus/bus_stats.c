/* SPDX-License-Identifier: Apache-2.0 */
/* Event bus: the process-wide bus, pause/resume/clear, filter, statistics and the pressure bridge. */
#include <string.h>

#include "bus_internal.h"
#include "modesp/pool_manager.h"
#include "mp_atomic.h"

static modesp_event_bus_t s_bus; /* all zero: an empty bus */

modesp_event_bus_t *modesp_get_event_bus(void) { return &s_bus; }

esp_err_t modesp_bus_init(modesp_event_bus_t *bus)
{
    if (bus == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    memset(bus, 0, sizeof *bus);
    return ESP_OK;
}

static esp_err_t set_paused(modesp_event_bus_t *bus, uint8_t paused)
{
    if (bus == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    uint32_t st = mp_bus_lock();
    bus->paused = paused;
    mp_bus_unlock(st);
    return ESP_OK;
}

esp_err_t modesp_bus_pause(modesp_event_bus_t *bus) { return set_paused(bus, 1u); }

esp_err_t modesp_bus_resume(modesp_event_bus_t *bus) { return set_paused(bus, 0u); }

esp_err_t modesp_bus_clear(modesp_event_bus_t *bus, uint32_t *released)
{
    if (released != NULL) {
        *released = 0u;
    }
    if (bus == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (modesp_port_in_isr()) {
        return ESP_ERR_INVALID_STATE;
    }
    /* One event per critical section; at most the events queued at the start. */
    uint32_t st = mp_bus_lock();
    uint32_t todo = 0;
    for (int p = 0; p < (int)MODESP_BUS_PRIORITY_COUNT; p++) {
        todo += bus->queues[p].live;
    }
    mp_bus_unlock(st);
    uint32_t n = 0;
    for (; n < todo; n++) {
        st = mp_bus_lock();
        struct modesp_event *ev = mp_bus_pop(bus);
        if (ev != NULL) {
            for (uint32_t i = 0; i < (uint32_t)CONFIG_EVENT_BUS_MAX_SUBSCRIBERS; i++) {
                if ((ev->mask & (1u << i)) != 0u) {
                    mp_bus_pending_remove(&bus->slots[i], ev);
                }
            }
            ev->mask = 0u;
            bus->dropped_cleared++;
        }
        mp_bus_unlock(st);
        if (ev == NULL) {
            break;
        }
        (void)modesp_event_unref(ev);
    }
    if (released != NULL) {
        *released = n;
    }
    return ESP_OK;
}

esp_err_t modesp_bus_set_filter(modesp_event_bus_t *bus, modesp_bus_filter_t filter, void *ctx)
{
    if (bus == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    uint32_t st = mp_bus_lock();
    bus->filter = filter;
    bus->filter_ctx = ctx;
    mp_bus_unlock(st);
    return ESP_OK;
}

modesp_bus_event_pool_stats_t modesp_bus_get_event_pool_stats(modesp_event_bus_t *bus)
{
    modesp_bus_event_pool_stats_t ps = {0u, 0u, 0u};
    if (bus != NULL) {
        ps.allocated_count = mp_load(&bus->blocks_held, MP_RELAXED);
        ps.peak_allocated = mp_load(&bus->blocks_peak, MP_RELAXED);
        uint32_t st = mp_bus_lock();
        ps.allocation_failures = bus->alloc_failures;
        mp_bus_unlock(st);
    }
    return ps;
}

esp_err_t modesp_bus_get_stats(modesp_event_bus_t *bus, modesp_bus_stats_t *stats)
{
    if (bus == NULL || stats == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    memset(stats, 0, sizeof *stats);
    stats->pool = modesp_bus_get_event_pool_stats(bus);
    uint32_t st = mp_bus_lock();
    stats->published = bus->published;
    stats->isr_published = bus->isr_published;
    stats->isr_reserve_used = bus->isr_reserve_used;
    stats->unrouted = bus->unrouted;
    stats->dispatched = bus->dispatched;
    stats->delivered = bus->delivered;
    stats->dropped_queue_full = bus->dropped_queue_full;
    stats->dropped_subscriber_full = bus->dropped_subscriber_full;
    stats->dropped_no_block = bus->alloc_failures;
    stats->dropped_filtered = bus->dropped_filtered;
    stats->dropped_oldest = bus->dropped_oldest;
    stats->coalesced = bus->coalesced;
    stats->evicted_low = bus->evicted_low;
    stats->dropped_cleared = bus->dropped_cleared;
    stats->dropped_unsubscribed = bus->dropped_unsubscribed;
    stats->bad_topic = bus->bad_topic;
    stats->bad_field = bus->bad_field;
    stats->too_many_fields = bus->too_many_fields;
    stats->too_large = bus->too_large;
    stats->bad_priority = bus->bad_priority;
    for (int p = 0; p < (int)MODESP_BUS_PRIORITY_COUNT; p++) {
        stats->queue_len[p] = bus->queues[p].live;
        stats->queue_high_water[p] = bus->queues[p].high_water;
        stats->queue_refused[p] = bus->queues[p].refused;
    }
    for (uint32_t i = 0; i < (uint32_t)CONFIG_EVENT_BUS_MAX_SUBSCRIBERS; i++) {
        stats->subscriptions += bus->slots[i].active;
    }
    stats->handler_avg_us = bus->delivered != 0u ? (uint32_t)(bus->handler_total_us / bus->delivered) : 0u;
    stats->handler_max_us = bus->handler_max_us;
    stats->paused = bus->paused != 0u;
    mp_bus_unlock(st);
    stats->bridge_skipped = mp_load(&bus->bridge_skipped, MP_RELAXED);
    return ESP_OK;
}

esp_err_t modesp_bus_get_sub_stats(modesp_event_bus_t *bus, modesp_bus_sub_t handle, modesp_bus_sub_stats_t *stats)
{
    if (bus == NULL || stats == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    uint32_t i = handle & 0xFFu;
    esp_err_t err = ESP_ERR_NOT_FOUND;
    uint32_t st = mp_bus_lock();
    if (i >= 1u && i <= (uint32_t)CONFIG_EVENT_BUS_MAX_SUBSCRIBERS) {
        const modesp_bus_slot_t *s = &bus->slots[i - 1u];
        if (s->active != 0u && s->gen == (uint16_t)(handle >> 8)) {
            stats->depth = s->depth;
            stats->pending = s->npending;
            stats->high_water = s->high_water;
            stats->delivered = s->delivered;
            stats->rejected = s->rejected;
            stats->dropped_oldest = s->dropped_oldest;
            stats->coalesced = s->coalesced;
            stats->policy = (modesp_bus_policy_t)s->policy;
            err = ESP_OK;
        }
    }
    mp_bus_unlock(st);
    return err;
}

/* ------------------------------------------------------------ mem.pressure bridge */

static void pressure_to_bus(modesp_pressure_level_t old_level, modesp_pressure_level_t new_level, uint8_t utilization,
                            void *ctx)
{
    static const char *const topics[] = {"mem.pressure.normal", "mem.pressure.warning", "mem.pressure.critical"};
    static const modesp_bus_priority_t prios[] = {MODESP_BUS_NORMAL, MODESP_BUS_HIGH, MODESP_BUS_CRITICAL};
    modesp_event_bus_t *bus = ctx;
    uint32_t lvl = (uint32_t)new_level;
    uint32_t idle = 0u;
    if (lvl > 2u) {
        return;
    }
    /* The bridge's own allocation or free can change the level again: such a nested change is not
     * published (it would feed back), only counted. */
    if (!mp_cas(&bus->bridge_busy, &idle, 1u, MP_ACQUIRE, MP_RELAXED)) {
        (void)mp_fetch_add(&bus->bridge_skipped, 1u, MP_RELAXED);
        return;
    }
    (void)modesp_bus_publish(bus, topics[lvl], prios[lvl], MODESP_EV_U32("old", (uint32_t)old_level),
                             MODESP_EV_U32("level", lvl), MODESP_EV_U32("utilization", utilization));
    mp_store(&bus->bridge_busy, 0u, MP_RELEASE);
}

esp_err_t modesp_bus_bridge_pressure(modesp_event_bus_t *bus)
{
    if (bus == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    return modesp_pool_manager_register_pressure_callback(modesp_get_pool_manager(), pressure_to_bus, bus);
}

esp_err_t modesp_bus_unbridge_pressure(modesp_event_bus_t *bus)
{
    if (bus == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    return modesp_pool_manager_unregister_pressure_callback(modesp_get_pool_manager(), pressure_to_bus, bus);
}
