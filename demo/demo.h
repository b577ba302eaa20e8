/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The demo: one simulated ModESP refrigeration controller node on the host.
 *
 * Shared types of the demo's files. The node is a set of modules (init /
 * periodic step / pressure reaction / shutdown), each run by its own thread
 * as a FreeRTOS task would be. Time is simulated: the main thread advances a
 * fake port clock by one tick, releases every task for that tick, waits for
 * all of them, then samples the diagnostics (status line, CSV, health). So
 * the library sees a consistent clock (leak ages, rates, WAIT deadlines) and
 * a run of a simulated day takes seconds. Everything goes through the
 * library's public API (include/modesp/).
 */
#ifndef DEMO_H
#define DEMO_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "modesp/hooks.h"
#include "modesp/memory_diagnostics.h"
#include "modesp/memory_pool.h"
#include "modesp/port_posix.h"
#include "modesp/pooled_event_bus.h"

#define DEMO_TICK_MS        100u /* simulated time per tick */
#define DEMO_TICKS_PER_S    (1000u / DEMO_TICK_MS)
#define DEMO_LEAK_MS        10000u /* leak threshold of the detector and the health verdict */
#define DEMO_MAX_LEVEL_LOGS 64u

typedef enum {
    DEMO_NORMAL = 0,
    DEMO_BURST,
    DEMO_LEAK,
    DEMO_EXHAUST,
    DEMO_FRAGMENT,
} demo_scenario_t;

typedef struct {
    demo_scenario_t scenario;
    uint32_t seconds;    /* simulated seconds to run */
    double speed;        /* simulated time / real time; 0: as fast as possible */
    uint32_t seed;       /* the workload's random numbers (thread timing is not repeatable) */
    const char *out_dir; /* JSON, CSV, PNG */
    int serve_port;      /* 0: no dashboard */
    int linger_s;        /* with --serve: keep serving this long after the run (-1: until a signal) */
    uint32_t fail_pct;   /* injected allocation failures, percent of attempts */
    bool plot;           /* run gnuplot */
} demo_options_t;

/* What the scenario asks of the modules this second (set by scenario.c, read by the tasks). */
typedef struct {
    _Atomic uint32_t storm_per_tick; /* burst: LOW vibration events published per tick */
    _Atomic uint32_t command_burst;  /* burst: extra commands per tick */
    _Atomic bool leak;               /* leak: the cloud module forgets to free its chunks */
    _Atomic bool drain;              /* exhaust: the updater holds every LARGE block */
    _Atomic bool drain_return;       /* exhaust: the updater gives one block back this tick */
} demo_script_t;

typedef struct {
    uint64_t t_ms; /* simulated */
    modesp_pressure_level_t from, to;
    uint8_t utilization;
} demo_level_change_t;

/* Counters the modules keep of what they saw (the library keeps its own). */
typedef struct {
    _Atomic uint64_t allocs_tried;   /* allocation requests made by modules */
    _Atomic uint64_t alloc_failed;   /* of which refused (any reason) */
    _Atomic uint64_t published;      /* bus publishes accepted */
    _Atomic uint64_t publish_failed; /* bus publishes refused */
    _Atomic uint64_t delivered;      /* handler calls seen by modules */
    _Atomic uint64_t commands_sent;
    _Atomic uint64_t commands_done;
    _Atomic uint64_t commands_dropped;
    _Atomic uint64_t wait_ok;       /* exhaust: WAIT allocations served */
    _Atomic uint64_t wait_timeout;  /* exhaust: WAIT allocations timed out */
    _Atomic uint64_t critical_ok;   /* exhaust: reserve allocations served */
    _Atomic uint64_t low_mem_enter; /* memory-aware module entered low-memory mode */
    _Atomic uint64_t low_mem_leave;
    _Atomic uint64_t leaked_blocks; /* leak: chunks the cloud module forgot */
} demo_counters_t;

typedef struct demo_world demo_world_t;

/* One ModESP module. Every function but name may be NULL. */
typedef struct {
    const char *name; /* also the diagnostics owner tag of its task */
    void (*init)(demo_world_t *w);
    void (*step)(demo_world_t *w, uint32_t tick); /* the task's work for one tick */
    void (*shutdown)(demo_world_t *w);            /* give everything back */
} demo_module_t;

struct demo_world {
    demo_options_t opt;
    modesp_pool_manager_t *pm;
    modesp_event_bus_t *bus;
    modesp_memory_diagnostics_t diag; /* guarded by diag_lock */
    pthread_mutex_t diag_lock;
    _Atomic uint64_t sim_us; /* the fake port clock */
    uint64_t sim_origin_us;  /* sim_us at the start of the run */
    _Atomic uint32_t tick;
    demo_script_t script;
    demo_counters_t c;
    _Atomic int pressure; /* last level the callback saw (modesp_pressure_level_t) */
    _Atomic bool low_memory_mode;
    _Atomic bool running; /* the tasks are running (the dashboard says "finished" after) */
    demo_level_change_t levels[DEMO_MAX_LEVEL_LOGS];
    _Atomic uint32_t level_count;
    modesp_health_t health; /* last verdict (diag_lock) */
    FILE *log;              /* event lines (level changes, scenario phases): stdout */
};

/* Random numbers per task, from --seed (xorshift32; 0 is mapped away). */
uint32_t demo_rand(uint32_t *state);
uint32_t demo_seed_for(const demo_world_t *w, const char *module);

/* Simulated time. */
uint64_t demo_sim_ms(const demo_world_t *w);
void demo_clock_install(demo_world_t *w);
void demo_clock_uninstall(void);

/* An event line with the simulated time in front (level changes, phases). */
void demo_event(demo_world_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The modules (mod_*.c). */
extern const demo_module_t demo_mod_sensors;
extern const demo_module_t demo_mod_humidity_isr;
extern const demo_module_t demo_mod_event_loop;
extern const demo_module_t demo_mod_logger;
extern const demo_module_t demo_mod_memory_aware;
extern const demo_module_t demo_mod_cloud;
extern const demo_module_t demo_mod_control;
extern const demo_module_t demo_mod_updater;
extern const demo_module_t demo_mod_diag;

/* The data logger's figures for the report. */
void demo_logger_stats(uint32_t *entries_in_use, uint32_t *capacity, uint64_t *logged);

/* The control module's command queue (mod_control.c), fed by the cloud module. */
bool demo_command_push(void *cmd);

/* Scenario script (scenario.c). */
const char *demo_scenario_name(demo_scenario_t s);
int demo_scenario_parse(const char *name, demo_scenario_t *out);
void demo_scenario_second(demo_world_t *w, uint32_t second);
const char *demo_scenario_phase(const demo_world_t *w, uint32_t second);

/* Failure injection (fault_inject.c): --fail-pct. */
bool demo_fail_inject_start(uint32_t pct, uint32_t seed);
void demo_fail_inject_stop(void);
uint64_t demo_fail_injected(void);
uint64_t demo_fail_attempts(void);

#endif /* DEMO_H */
