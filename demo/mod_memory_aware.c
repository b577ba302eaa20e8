/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The memory-aware module (guide section 3): it keeps four history buffers
 * for its temperature statistics and follows the manager's pressure levels
 * through a callback. At WARNING (80 % utilisation by default) it enters
 * low-memory mode: it drops three buffers and the sensors halve their
 * sampling rate; it leaves only when the level is back to NORMAL (below
 * 60 %): hysteresis, so it does not flap. The callback only records the
 * request; the module's task does the work (callbacks must be short).
 * The buffers are rebuilt every 4 s (dropped, then allocated afresh two
 * ticks later), so no block of the module lives long enough to look like a
 * leak; when its class is empty the STRICT requests fail and are recorded
 * with this file's line (exhaust scenario).
 * The bus delivers on the event-loop thread while the module's task drops
 * and refills the buffers: s_lock makes the handler's look at s_buf and its
 * write one step, so it never writes into a buffer just freed.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "demo.h"

#define BUFFERS     4u
#define BUFFER_SIZE 240u /* LARGE class */
#define ROTATE_S    4u

static uint8_t *s_buf[BUFFERS]; /* under s_lock */
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic int s_want_low; /* -1 no request, 0 leave, 1 enter */
static modesp_bus_sub_t s_sub;
static _Atomic uint32_t s_readings;

static void on_pressure(modesp_pressure_level_t old_level, modesp_pressure_level_t new_level, uint8_t util, void *ctx)
{
    (void)old_level;
    (void)util;
    (void)ctx;
    if (new_level >= MODESP_PRESSURE_WARNING) {
        atomic_store(&s_want_low, 1);
    } else {
        atomic_store(&s_want_low, 0);
    }
}

static void on_temperature(const modesp_event_t *ev, void *ctx)
{
    demo_world_t *w = ctx;
    float v = 0.0f;
    if (modesp_event_get_f32(ev, "value", &v) == ESP_OK) {
        pthread_mutex_lock(&s_lock);
        if (s_buf[0] != NULL) {
            const uint32_t i = atomic_fetch_add(&s_readings, 1) % (BUFFER_SIZE / sizeof(float));
            memcpy(s_buf[0] + i * sizeof(float), &v, sizeof v);
        }
        pthread_mutex_unlock(&s_lock);
    }
    atomic_fetch_add(&w->c.delivered, 1);
}

/* Allocate the buffers the current mode wants that are missing. */
static void fill(demo_world_t *w)
{
    const uint32_t want = atomic_load(&w->low_memory_mode) ? 1u : BUFFERS;
    pthread_mutex_lock(&s_lock);
    for (uint32_t i = 0; i < want; i++) {
        if (s_buf[i] == NULL) {
            atomic_fetch_add(&w->c.allocs_tried, 1);
            s_buf[i] = MODESP_DIAG_ALLOC(BUFFER_SIZE); /* STRICT: NULL when LARGE is empty, recorded with this line */
            if (s_buf[i] == NULL) {
                atomic_fetch_add(&w->c.alloc_failed, 1);
            }
        }
    }
    pthread_mutex_unlock(&s_lock);
}

static void drop_from(demo_world_t *w, uint32_t first)
{
    pthread_mutex_lock(&s_lock);
    for (uint32_t i = first; i < BUFFERS; i++) {
        if (s_buf[i] != NULL) {
            (void)modesp_pool_manager_free(w->pm, s_buf[i]);
            s_buf[i] = NULL;
        }
    }
    pthread_mutex_unlock(&s_lock);
}

static void memory_aware_init(demo_world_t *w)
{
    atomic_store(&s_want_low, -1);
    (void)modesp_pool_manager_register_pressure_callback(w->pm, on_pressure, w);
    (void)modesp_bus_subscribe(w->bus, "sensor.temperature.*", on_temperature, w, 4, MODESP_BUS_KEEP_LATEST, &s_sub);
}

static void memory_aware_step(demo_world_t *w, uint32_t tick)
{
    const int want = atomic_exchange(&s_want_low, -1);
    if (want == 1 && !atomic_load(&w->low_memory_mode)) {
        atomic_store(&w->low_memory_mode, true);
        atomic_fetch_add(&w->c.low_mem_enter, 1);
        drop_from(w, 1);
        demo_event(w, "memory_aware: entering low-memory mode (3 of 4 buffers dropped, sampling halved)");
    } else if (want == 0 && atomic_load(&w->low_memory_mode)) {
        atomic_store(&w->low_memory_mode, false);
        atomic_fetch_add(&w->c.low_mem_leave, 1);
        demo_event(w, "memory_aware: leaving low-memory mode (buffers and sampling restored)");
    }
    const uint32_t phase = tick % (ROTATE_S * DEMO_TICKS_PER_S);
    if (phase == 0) {
        drop_from(w, 0); /* compacted into fresh buffers two ticks later */
    } else if (phase >= 2u) {
        fill(w);
    }
}

static void memory_aware_shutdown(demo_world_t *w)
{
    (void)modesp_bus_unsubscribe(w->bus, s_sub);
    (void)modesp_pool_manager_unregister_pressure_callback(w->pm, on_pressure, w);
    drop_from(w, 0);
}

const demo_module_t demo_mod_memory_aware = {
    .name = "memory_aware",
    .init = memory_aware_init,
    .step = memory_aware_step,
    .shutdown = memory_aware_shutdown,
};
