/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The data logger (guide section 4): its own static pool of 100 entries
 * (MODESP_POOL_DEFINE_STATIC), filled by a "sensor.*" subscription and
 * flushed in batches. The flush is the node's heaviest processing step:
 * it runs inside a tracked scope (guide section 9, TRACK_MEMORY_USAGE; the
 * function form, so the figures go into the final report instead of a log
 * line every flush). In low-memory mode it flushes every second.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "demo_run.h"

typedef struct {
    uint64_t t_us;
    char topic[32];
    float value;
    uint32_t module_id;
} log_entry_t;

#define LOG_CAPACITY 100u
/* The macro's compile-time size checks compare sizeof expressions. */
MODESP_POOL_DEFINE_STATIC(s_log_pool, sizeof(log_entry_t), LOG_CAPACITY); // NOLINT(bugprone-sizeof-expression)

static log_entry_t *s_entries[LOG_CAPACITY];
static uint32_t s_count;
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static modesp_bus_sub_t s_sub;
static _Atomic uint64_t s_logged;
static modesp_diag_track_result_t s_heaviest;

static void on_sensor(const modesp_event_t *ev, void *ctx)
{
    demo_world_t *w = ctx;
    atomic_fetch_add(&w->c.delivered, 1);
    atomic_fetch_add(&w->c.allocs_tried, 1);
    const char *prev = modesp_memory_diagnostics_get_owner();
    (void)modesp_memory_diagnostics_set_owner("logger");
    log_entry_t *e = modesp_pool_new(&s_log_pool, log_entry_t); /* zeroed; NULL when the 100 are in use */
    (void)modesp_memory_diagnostics_set_owner(prev);
    if (e == NULL) {
        atomic_fetch_add(&w->c.alloc_failed, 1);
        return;
    }
    e->t_us = modesp_event_timestamp_us(ev);
    (void)snprintf(e->topic, sizeof e->topic, "%s", modesp_event_topic(ev));
    (void)modesp_event_get_f32(ev, "value", &e->value);
    (void)modesp_event_get_u32(ev, "module_id", &e->module_id);
    pthread_mutex_lock(&s_lock);
    s_entries[s_count++] = e; /* s_count < LOG_CAPACITY: the pool has no more blocks than slots */
    pthread_mutex_unlock(&s_lock);
    atomic_fetch_add(&s_logged, 1);
}

static void logger_init(demo_world_t *w)
{
    (void)modesp_bus_subscribe(w->bus, "sensor.*", on_sensor, w, 64, MODESP_BUS_DROP_OLDEST, &s_sub);
}

/* Pack the entries into one batch block, "send" it, give everything back. */
static void flush(demo_world_t *w)
{
    modesp_diag_track_t scope;
    modesp_memory_diagnostics_track_begin(&scope, "logger.flush");
    atomic_fetch_add(&w->c.allocs_tried, 1);
    uint8_t *batch = MODESP_DIAG_ALLOC(400); /* XLARGE: the upload frame */
    if (batch == NULL) {
        atomic_fetch_add(&w->c.alloc_failed, 1);
    }
    pthread_mutex_lock(&s_lock);
    size_t used = 0;
    for (uint32_t i = 0; i < s_count; i++) {
        if (batch != NULL && used + 8u <= 400u) {
            memcpy(batch + used, &s_entries[i]->value, sizeof(float));
            memcpy(batch + used + 4u, &s_entries[i]->module_id, sizeof(uint32_t));
            used += 8u;
        }
        (void)modesp_pool_deallocate(&s_log_pool, s_entries[i]);
    }
    s_count = 0;
    pthread_mutex_unlock(&s_lock);
    if (batch != NULL) {
        (void)modesp_pool_manager_free(w->pm, batch);
    }
    modesp_diag_track_result_t r;
    if (modesp_memory_diagnostics_track_end(&scope, &r, false) == ESP_OK &&
        r.peak_bytes + (int64_t)r.frees >= s_heaviest.peak_bytes + (int64_t)s_heaviest.frees) {
        s_heaviest = r;
    }
}

static void logger_step(demo_world_t *w, uint32_t tick)
{
    const uint32_t every = atomic_load(&w->low_memory_mode) ? 1u : 5u;
    if (tick % (every * DEMO_TICKS_PER_S) == DEMO_TICKS_PER_S - 1u) {
        flush(w);
    }
}

static void logger_shutdown(demo_world_t *w)
{
    (void)modesp_bus_unsubscribe(w->bus, s_sub);
    flush(w);
}

void demo_logger_stats(uint32_t *entries_in_use, uint32_t *capacity, uint64_t *logged)
{
    *entries_in_use = (uint32_t)modesp_pool_in_use(&s_log_pool);
    *capacity = (uint32_t)modesp_pool_capacity(&s_log_pool);
    *logged = atomic_load(&s_logged);
}

/* The heaviest flush seen (most bytes at its peak, then most frees). */
void demo_logger_heaviest(modesp_diag_track_result_t *out) { *out = s_heaviest; }

const demo_module_t demo_mod_logger = {
    .name = "logger",
    .init = logger_init,
    .step = logger_step,
    .shutdown = logger_shutdown,
};
