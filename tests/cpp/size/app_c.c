/* SPDX-License-Identifier: Apache-2.0 */
/*
 * app_cpp.cpp's module app written with the C calls (the baseline of the
 * code-size comparison in measure_cpp_layer.py): the same allocations,
 * pool, callback, subscription and publish, in the same order.
 */
#include <string.h>

#include "modesp/memory_pool.h"
#include "modesp/pooled_event_bus.h"

typedef struct {
    float samples[8];
} sensor_buffer_t;

typedef struct {
    int64_t timestamp;
    uint32_t sensor_id;
    float value;
} log_entry_t;

static volatile uint32_t g_sink;

/* The C form of a pool inside a module object: control block, metadata and storage together. */
typedef struct {
    modesp_pool_t pool;
    uint32_t meta[16];
    _Alignas(MODESP_POOL_ALIGN) uint8_t storage[MODESP_POOL_STORAGE_SIZE(sizeof(log_entry_t), 16)];
} data_logger_t;

static void data_logger_init(data_logger_t *lg)
{
    const modesp_pool_t init =
        MODESP_POOL_INITIALIZER("StaticMemoryPool", lg->storage, lg->meta, sizeof(log_entry_t), 16);
    lg->pool = init;
    memset(lg->meta, 0, sizeof lg->meta);
}

static void data_logger_log(data_logger_t *lg, uint32_t id, float value)
{
    log_entry_t *entry = modesp_pool_allocate(&lg->pool);
    if (entry != NULL) {
        entry->timestamp = 0;
        entry->sensor_id = id;
        entry->value = value;
        g_sink = entry->sensor_id;
        (void)modesp_pool_deallocate(&lg->pool, entry);
    }
}

static void on_pressure(modesp_pressure_level_t old_level, modesp_pressure_level_t level, uint8_t usage, void *ctx)
{
    (void)old_level;
    (void)ctx;
    g_sink = (uint32_t)level + usage;
}

static void on_event(const modesp_event_t *ev, void *ctx)
{
    (void)ctx;
    float v = 0.0f;
    (void)modesp_event_get_f32(ev, "value", &v);
    g_sink = (uint32_t)v;
}

int main(void)
{
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    static char listener; /* the callback's context */
    (void)modesp_pool_manager_register_pressure_callback(pm, on_pressure, &listener);

    sensor_buffer_t *buffer = modesp_make_pooled(sensor_buffer_t);
    if (buffer != NULL) {
        buffer->samples[0] = 1.0f;
    }
    g_sink = modesp_pool_manager_get_overall_utilization(pm);

    (void)modesp_pool_manager_deallocate(pm, buffer, sizeof(sensor_buffer_t));

    data_logger_t logger;
    data_logger_init(&logger);
    data_logger_log(&logger, 3u, 2.5f);

    modesp_event_bus_t *bus = modesp_get_event_bus();
    modesp_bus_sub_t sub = 0;
    (void)modesp_bus_subscribe(bus, "sensor.*", on_event, NULL, 0u, MODESP_BUS_DROP_OLDEST, &sub);
    (void)modesp_bus_publish(bus, "sensor.temperature.updated", MODESP_BUS_NORMAL, MODESP_EV_U32("module_id", 1u),
                             MODESP_EV_F32("value", 21.5f));
    (void)modesp_bus_process(bus, 5u, NULL);

    (void)modesp_bus_unsubscribe(bus, sub); /* what the C++ objects' destructors do */
    (void)modesp_pool_manager_unregister_pressure_callback(pm, on_pressure, &listener);
    return 0;
}
