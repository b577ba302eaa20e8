/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sensor modules (guide section 2): four temperature probes publish
 * "sensor.temperature.updated" through the pooled bus from their task; the
 * humidity sensor publishes "sensor.humidity.updated" from a simulated
 * interrupt (publish_from_isr: never blocks, falls back to the bus's ISR
 * reserve). In the burst scenario a vibration analyser floods LOW
 * "sensor.vibration.sample" events of every size and a door alarm raises
 * CRITICAL events, which may evict queued LOW ones.
 */
#include <stdatomic.h>

#include "demo.h"

#define PROBES 4

static const char *const s_probe_names[PROBES] = {"cabinet", "evaporator", "condenser", "ambient"};
static float s_probe_base[PROBES] = {4.0f, -18.0f, 38.0f, 22.0f};
static uint32_t s_rng;

static void count_publish(demo_world_t *w, esp_err_t err)
{
    if (err == ESP_OK) {
        atomic_fetch_add(&w->c.published, 1);
    } else {
        atomic_fetch_add(&w->c.publish_failed, 1);
    }
}

static void sensors_init(demo_world_t *w) { s_rng = demo_seed_for(w, "sensors"); }

static float noise(uint32_t *rng) { return (float)(demo_rand(rng) % 200u) / 100.0f - 1.0f; }

/* Storm events: a size drawn so that each class an event can take gets a share
 * of the storm in proportion to its block count (0, 3 or 7 string fields:
 * MEDIUM, LARGE, XLARGE; an event never fits in 64 bytes), half to the logger ("sensor.vib.raw"), half to the cloud
 * uplink ("uplink.raw"): two subscribers' backlogs, deep enough to fill every
 * class. */
static uint32_t storm_strings(void)
{
    static const uint32_t strings[] = {0, 3, 7};
    const uint32_t weights[] = {CONFIG_MEMORY_POOL_MEDIUM_COUNT, CONFIG_MEMORY_POOL_LARGE_COUNT,
                                CONFIG_MEMORY_POOL_XLARGE_COUNT};
    uint32_t r = demo_rand(&s_rng) % (weights[0] + weights[1] + weights[2]);
    for (uint32_t i = 0; i < 3u; i++) {
        if (r < weights[i]) {
            return strings[i];
        }
        r -= weights[i];
    }
    return 0;
}

static void publish_vibration(demo_world_t *w, uint32_t n)
{
    static const char samples[] = "xyz-accelerometer-raw-samples";
    static const char *const keys[] = {"s1", "s2", "s3", "s4", "s5", "s6", "s7"};
    for (uint32_t i = 0; i < n; i++) {
        const uint32_t strings = storm_strings();
        modesp_ev_field_t f[8];
        f[0] = MODESP_EV_F32("rms", noise(&s_rng));
        for (uint32_t k = 0; k < strings; k++) {
            f[1u + k] = MODESP_EV_STR(keys[k], samples);
        }
        atomic_fetch_add(&w->c.allocs_tried, 1);
        const esp_err_t err = modesp_bus_publish_fields(w->bus, i % 2u == 0 ? "sensor.vib.raw" : "uplink.raw",
                                                        MODESP_BUS_LOW, f, 1u + strings);
        if (err != ESP_OK) {
            atomic_fetch_add(&w->c.alloc_failed, 1);
        }
        count_publish(w, err);
    }
}

static void sensors_step(demo_world_t *w, uint32_t tick)
{
    /* One reading per probe per second; every other second in low-memory mode. */
    const uint32_t period = atomic_load(&w->low_memory_mode) ? 2u * DEMO_TICKS_PER_S : DEMO_TICKS_PER_S;
    for (uint32_t id = 0; id < PROBES; id++) {
        if ((tick + id * 3u) % period != 0) {
            continue;
        }
        atomic_fetch_add(&w->c.allocs_tried, 1);
        const esp_err_t err =
            modesp_bus_publish(w->bus, "sensor.temperature.updated", MODESP_BUS_NORMAL, MODESP_EV_U32("module_id", id),
                               MODESP_EV_F32("value", s_probe_base[id] + noise(&s_rng)),
                               MODESP_EV_I64("timestamp", (int64_t)modesp_time_us()), MODESP_EV_STR("unit", "celsius"),
                               MODESP_EV_STR("probe", s_probe_names[id]));
        if (err != ESP_OK) {
            atomic_fetch_add(&w->c.alloc_failed, 1);
        }
        count_publish(w, err);
    }
    const uint32_t storm = atomic_load(&w->script.storm_per_tick);
    if (storm > 0) {
        publish_vibration(w, storm);
        if (tick % 5u == 0) { /* the door alarm: CRITICAL, evicts queued LOW events when its class is empty */
            atomic_fetch_add(&w->c.allocs_tried, 1);
            const esp_err_t err = modesp_bus_publish(w->bus, "alarm.door.open", MODESP_BUS_CRITICAL,
                                                     MODESP_EV_U32("door", 1), MODESP_EV_BOOL("open", true));
            if (err != ESP_OK) {
                atomic_fetch_add(&w->c.alloc_failed, 1);
            }
            count_publish(w, err);
        }
    }
}

const demo_module_t demo_mod_sensors = {
    .name = "sensors",
    .init = sensors_init,
    .step = sensors_step,
};

/* ------------------------------------------------ humidity, from an "ISR" */

static uint32_t s_isr_rng;

static void humidity_init(demo_world_t *w) { s_isr_rng = demo_seed_for(w, "humidity"); }

static void humidity_step(demo_world_t *w, uint32_t tick)
{
    if (tick % (DEMO_TICKS_PER_S / 2u) != 0) { /* 2 Hz */
        return;
    }
    /* The POSIX port's ISR switch: the library treats this thread as an interrupt
     * (WAIT and the heap are refused), as it would a real ADC-complete ISR. */
    modesp_port_posix_set_isr_context(true);
    bool woken = false;
    atomic_fetch_add(&w->c.allocs_tried, 1);
    const esp_err_t err = modesp_bus_publish_from_isr(w->bus, "sensor.humidity.updated", MODESP_BUS_HIGH, &woken,
                                                      MODESP_EV_U32("module_id", 10),
                                                      MODESP_EV_F32("value", 62.0f + 3.0f * noise(&s_isr_rng)));
    modesp_port_posix_set_isr_context(false);
    if (err != ESP_OK) {
        atomic_fetch_add(&w->c.alloc_failed, 1);
    }
    count_publish(w, err);
}

const demo_module_t demo_mod_humidity_isr = {
    .name = "humidity_isr",
    .init = humidity_init,
    .step = humidity_step,
};
