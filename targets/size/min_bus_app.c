/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The smallest useful event-bus application, for `make targets`: guide
 * section 2's sensor module publishing a 4-field temperature event, one
 * subscriber reading a field, an ISR-style publish and the event loop's
 * process call. Linked with --gc-sections it shows how much of the bus (and of
 * the core under it) an application that publishes and dispatches carries
 * (statistics, JSON, the pressure bridge, pause/clear/filter drop out).
 */
#include "modesp/memory_pool.h"
#include "modesp/pooled_event_bus.h"

static float s_last;

static void on_temperature(const modesp_event_t *ev, void *ctx)
{
    (void)ctx;
    (void)modesp_event_get_f32(ev, "value", &s_last);
}

int main(void)
{
    modesp_event_bus_t *bus = modesp_get_event_bus();
    modesp_bus_sub_t h;
    int bad = modesp_bus_subscribe(bus, "sensor.*", on_temperature, NULL, 0u, MODESP_BUS_KEEP_LATEST, &h) != ESP_OK;
    bad |= modesp_bus_publish(bus, "sensor.temperature.updated", MODESP_BUS_NORMAL, MODESP_EV_U32("module_id", 1u),
                              MODESP_EV_F32("value", 21.5f), MODESP_EV_I64("timestamp", 0),
                              MODESP_EV_STR("unit", "celsius")) != ESP_OK;
    bool woken = false;
    bad |= modesp_bus_publish_from_isr(bus, "sensor.door", MODESP_BUS_HIGH, &woken, MODESP_EV_BOOL("open", true)) !=
           ESP_OK;
    bad |= modesp_bus_process(bus, 5u, NULL) != ESP_OK;
    return bad;
}
