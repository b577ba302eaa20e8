/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The scenario runner: sets the node up, runs one thread per module in
 * lock-step with the simulated clock (tick barrier), samples once per
 * simulated second, then shuts every module down and checks that nothing is
 * left: no block in use in any pool, every pool's integrity check passing.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "demo.h"
#include "demo_run.h"

static const demo_module_t *const s_modules[] = {
    &demo_mod_sensors, &demo_mod_humidity_isr, &demo_mod_event_loop, &demo_mod_logger, &demo_mod_memory_aware,
    &demo_mod_cloud,   &demo_mod_control,      &demo_mod_updater,    &demo_mod_diag,
};
#define MODULE_COUNT (sizeof s_modules / sizeof s_modules[0])

static pthread_barrier_t s_start;
static pthread_barrier_t s_done;
static _Atomic bool s_stop;

typedef struct {
    demo_world_t *w;
    const demo_module_t *m;
} task_arg_t;

/* A module's task: one step per tick, between the two barriers. */
static void *task_main(void *arg)
{
    const task_arg_t *t = arg;
    (void)modesp_memory_diagnostics_set_owner(t->m->name);
    for (;;) {
        (void)pthread_barrier_wait(&s_start);
        if (atomic_load(&s_stop)) {
            break;
        }
        if (t->m->step != NULL) {
            t->m->step(t->w, atomic_load(&t->w->tick));
        }
        (void)pthread_barrier_wait(&s_done);
    }
    return NULL;
}

static void on_level(modesp_pressure_level_t old_level, modesp_pressure_level_t new_level, uint8_t util, void *ctx)
{
    static const char *const names[] = {"NORMAL", "WARNING", "CRITICAL"};
    demo_world_t *w = ctx;
    const uint32_t i = atomic_fetch_add(&w->level_count, 1);
    if (i < DEMO_MAX_LEVEL_LOGS) {
        w->levels[i] = (demo_level_change_t){demo_sim_ms(w), old_level, new_level, util};
    }
    atomic_store(&w->pressure, (int)new_level);
    demo_event(w, "pressure %s -> %s at %u %% utilisation", names[old_level], names[new_level], (unsigned)util);
}

static void on_health(const modesp_health_t *verdict, modesp_health_level_t previous, void *ctx)
{
    demo_event(ctx, "health %s -> %s", modesp_health_level_name(previous), verdict->summary);
}

/* Sleep until the real time that --speed assigns to simulated time `sim_ms`. */
static void pace(const demo_world_t *w, const struct timespec *t0, uint64_t sim_ms)
{
    if (w->opt.speed <= 0.0) {
        return;
    }
    const double due_s = (double)sim_ms / 1000.0 / w->opt.speed;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    const double spent_s = (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
    if (due_s > spent_s) {
        const double d = due_s - spent_s;
        const struct timespec ts = {(time_t)d, (long)((d - (double)(time_t)d) * 1e9)};
        while (nanosleep(&ts, NULL) != 0 && errno == EINTR) {
        }
    }
}

static void setup_diagnostics(demo_world_t *w)
{
    (void)modesp_memory_diagnostics_init(&w->diag, w->pm);
    modesp_health_config_t cfg;
    modesp_memory_diagnostics_health_default_config(&cfg);
    cfg.leak_threshold_ms = DEMO_LEAK_MS;
    cfg.on_change = on_health;
    cfg.change_ctx = w;
    (void)modesp_memory_diagnostics_health_configure(&w->diag, &cfg);
}

int demo_run_node(demo_world_t *w, demo_result_t *res)
{
    w->pm = modesp_get_pool_manager();
    w->bus = modesp_get_event_bus();
    pthread_mutex_init(&w->diag_lock, NULL);
    /* The simulated clock starts at zero: the library's times (ages, failure
     * times, the JSON's timestamps) are simulated seconds since boot, as on a
     * device. The POSIX port ends a WAIT by either clock (tests/test_wait_clock.c). */
    w->sim_origin_us = 0u;
    atomic_store(&w->sim_us, w->sim_origin_us);
    demo_clock_install(w);
    setup_diagnostics(w);
    /* The HTTP server's thread reads the bus, the lock and the diagnostics from its first request:
     * it starts only once they are set up (TSan caught the server answering before they were). */
    if (w->opt.serve_port > 0 && demo_server_start(w, w->opt.serve_port) != 0) {
        demo_clock_uninstall();
        return 2;
    }
    (void)modesp_pool_manager_register_pressure_callback(w->pm, on_level, w);
    (void)modesp_bus_bridge_pressure(w->bus); /* mem.pressure.* events for whoever subscribes */
    if (!demo_fail_inject_start(w->opt.fail_pct, w->opt.seed)) {
        (void)fprintf(stderr, "demo: --fail-pct needs a library built with MODESP_TEST_HOOKS\n");
        demo_server_stop();
        return 2;
    }
    for (size_t i = 0; i < MODULE_COUNT; i++) {
        if (s_modules[i]->init != NULL) {
            (void)modesp_memory_diagnostics_set_owner(s_modules[i]->name);
            s_modules[i]->init(w);
        }
    }
    (void)modesp_memory_diagnostics_set_owner("main");
    demo_sampler_start(w);

    pthread_barrier_init(&s_start, NULL, (unsigned)MODULE_COUNT + 1u);
    pthread_barrier_init(&s_done, NULL, (unsigned)MODULE_COUNT + 1u);
    pthread_t threads[MODULE_COUNT];
    task_arg_t args[MODULE_COUNT];
    for (size_t i = 0; i < MODULE_COUNT; i++) {
        args[i] = (task_arg_t){w, s_modules[i]};
        pthread_create(&threads[i], NULL, task_main, &args[i]);
    }

    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const uint32_t ticks = w->opt.seconds * DEMO_TICKS_PER_S;
    for (uint32_t tick = 0; tick < ticks; tick++) {
        const uint32_t second = tick / DEMO_TICKS_PER_S;
        atomic_store(&w->tick, tick);
        atomic_store(&w->sim_us, w->sim_origin_us + (uint64_t)tick * DEMO_TICK_MS * 1000u);
        if (tick % DEMO_TICKS_PER_S == 0) {
            demo_scenario_second(w, second);
        }
        (void)pthread_barrier_wait(&s_start);
        (void)pthread_barrier_wait(&s_done);
        /* Every task is parked: deliver what an ISR-context change left, sample quiescent pools. */
        (void)modesp_pool_manager_process_pressure_events(w->pm);
        if (tick % DEMO_TICKS_PER_S == DEMO_TICKS_PER_S - 1u) {
            demo_sample_second(w, second + 1u);
        }
        pace(w, &t0, (uint64_t)(tick + 1u) * DEMO_TICK_MS);
    }
    atomic_store(&s_stop, true);
    (void)pthread_barrier_wait(&s_start);
    for (size_t i = 0; i < MODULE_COUNT; i++) {
        pthread_join(threads[i], NULL);
    }
    demo_sampler_finish(w);
    atomic_store(&w->running, false);

    /* The end-of-run picture (leaks still live, the last verdict) goes into the report first. */
    demo_collect_result(w, res);
    demo_fail_inject_stop();
    demo_print_report(w, res);

    /* Shutdown: every module gives its blocks back, the bus is emptied. */
    for (size_t i = MODULE_COUNT; i-- > 0;) {
        if (s_modules[i]->shutdown != NULL) {
            s_modules[i]->shutdown(w);
        }
    }
    demo_cloud_reclaim_forgotten(w);
    uint32_t released = 0;
    (void)modesp_bus_clear(w->bus, &released);
    (void)modesp_bus_unbridge_pressure(w->bus);
    (void)modesp_pool_manager_unregister_pressure_callback(w->pm, on_level, w);
    demo_check_clean(w, res);
    pthread_barrier_destroy(&s_start);
    pthread_barrier_destroy(&s_done);
    return 0;
}
