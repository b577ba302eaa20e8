/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guide section 2, "Event publishing with pooled memory", in C.
 *
 * A sensor module publishes "sensor.temperature.updated" with four typed
 * fields, as the guide's PooledEventBus::publish_pooled does; a logger
 * subscribed to "sensor.*" reads the fields by key and logs them. The event
 * lives in ONE pool block from publish to the last reader, shared by every
 * subscriber, and goes back to its pool after the last handler. No heap.
 */
#include <stdio.h>

#include "example_check.h"
#include "modesp/hooks.h"
#include "modesp/memory_pool.h"
#include "modesp/pooled_event_bus.h"

#define NAME "example_event_bus"

typedef struct {
    uint32_t id;
} sensor_module_t;

/* The guide's MyModule::publish_sensor_event(float value). */
static esp_err_t publish_sensor_event(const sensor_module_t *m, float value)
{
    esp_err_t err =
        modesp_bus_publish(modesp_get_event_bus(), "sensor.temperature.updated", MODESP_BUS_NORMAL,
                           MODESP_EV_U32("module_id", m->id), MODESP_EV_F32("value", value),
                           MODESP_EV_I64("timestamp", (int64_t)modesp_time_us()), MODESP_EV_STR("unit", "celsius"));
    if (err != ESP_OK) {
        printf("  Failed to publish event: %s\n", modesp_err_to_name(err));
    }
    return err;
}

typedef struct {
    uint32_t events;
    float last_value;
} logger_t;

/* A subscriber: typed getters by key; a missing key and a wrong type are distinct answers. */
static void log_temperature(const modesp_event_t *ev, void *ctx)
{
    logger_t *log = ctx;
    uint32_t id = 0;
    float value = 0.0f;
    const char *unit = "?";
    check(modesp_event_get_u32(ev, "module_id", &id) == ESP_OK, "module_id is a u32");
    check(modesp_event_get_f32(ev, "value", &value) == ESP_OK, "value is a float");
    check(modesp_event_get_str(ev, "unit", &unit) == ESP_OK, "unit is a string");
    check(modesp_event_get_i32(ev, "value", &(int32_t){0}) == MODESP_ERR_WRONG_TYPE, "value is not an i32");
    check(modesp_event_get_f32(ev, "humidity", &value) == ESP_ERR_NOT_FOUND, "no humidity field");
    printf("  [logger] %s: module %u, %.1f %s (%u fields)\n", modesp_event_topic(ev), (unsigned)id, (double)value, unit,
           (unsigned)modesp_event_field_count(ev));
    log->events++;
    log->last_value = value;
}

int main(void)
{
    modesp_event_bus_t *bus = modesp_get_event_bus();
    logger_t log = {0, 0.0f};
    modesp_bus_sub_t sub = 0;
    check(modesp_bus_subscribe(bus, "sensor.*", log_temperature, &log, 4, MODESP_BUS_DROP_OLDEST, &sub) == ESP_OK,
          "subscribe the logger to sensor.*");

    const sensor_module_t sensor = {7};
    check(publish_sensor_event(&sensor, 21.5f) == ESP_OK, "publish the first reading");
    check(publish_sensor_event(&sensor, 22.0f) == ESP_OK, "publish the second reading");

    modesp_bus_event_pool_stats_t ps = modesp_bus_get_event_pool_stats(bus);
    printf("  queued: %u event blocks in the pools, %u allocation failures\n", (unsigned)ps.allocated_count,
           (unsigned)ps.allocation_failures);
    check(ps.allocated_count == 2u, "two event blocks held while queued");

    uint32_t dispatched = 0;
    check(modesp_bus_process(bus, 10, &dispatched) == ESP_OK, "process the queue (10 ms budget)");
    check(dispatched == 2u && log.events == 2u && log.last_value == 22.0f, "the logger saw both readings in order");

    /* A malformed topic is refused with its own code, nothing is allocated. */
    check(modesp_bus_publish(bus, "Sensor..bad", MODESP_BUS_NORMAL, MODESP_EV_F32("value", 1.0f)) ==
              MODESP_ERR_BAD_TOPIC,
          "malformed topic refused");

    modesp_bus_stats_t st;
    check(modesp_bus_get_stats(bus, &st) == ESP_OK, "read the bus stats");
    printf("  bus: published %u, delivered %u, bad topics %u, avg handler %u us\n", (unsigned)st.published,
           (unsigned)st.delivered, (unsigned)st.bad_topic, (unsigned)st.handler_avg_us);
    check(st.published == 2u && st.delivered == 2u && st.bad_topic == 1u, "bus counters");
    check(modesp_bus_get_event_pool_stats(bus).allocated_count == 0u, "every event block is back in its pool");

    check(modesp_bus_unsubscribe(bus, sub) == ESP_OK, "unsubscribe the logger");
    check_manager_clean();
    return example_finish(NAME);
}
