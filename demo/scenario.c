/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The scenarios: what the script asks of the modules in each simulated
 * second, as fractions of the run so any --seconds works.
 *   normal    steady load, below the warning level
 *   burst     20 %..50 %: an event storm (10 LOW events per tick against a
 *             loop that dispatches 6) and a command burst; then recovery
 *   leak      from 10 %: the cloud module forgets an upload chunk every 2 s
 *   exhaust   30 %..70 %: the updater holds every LARGE block, giving one
 *             back every other second
 *   fragment  the heap-versus-pools run (fragment.c), no tasks
 */
#include <stdatomic.h>
#include <string.h>

#include "demo.h"

#define STORM_PER_TICK 10u
#define COMMAND_BURST  8u

static const char *const s_names[] = {"normal", "burst", "leak", "exhaust", "fragment"};

const char *demo_scenario_name(demo_scenario_t s)
{
    return (unsigned)s < sizeof s_names / sizeof s_names[0] ? s_names[s] : "?";
}

int demo_scenario_parse(const char *name, demo_scenario_t *out)
{
    for (unsigned i = 0; i < sizeof s_names / sizeof s_names[0]; i++) {
        if (strcmp(name, s_names[i]) == 0) {
            *out = (demo_scenario_t)i;
            return 0;
        }
    }
    return -1;
}

static bool between(const demo_world_t *w, uint32_t second, uint32_t from_pct, uint32_t to_pct)
{
    const uint64_t s100 = (uint64_t)second * 100u;
    return s100 >= (uint64_t)w->opt.seconds * from_pct && s100 < (uint64_t)w->opt.seconds * to_pct;
}

void demo_scenario_second(demo_world_t *w, uint32_t second)
{
    demo_script_t *s = &w->script;
    switch (w->opt.scenario) {
    case DEMO_BURST: {
        const bool storm = between(w, second, 20, 50);
        if (storm != (atomic_load(&s->storm_per_tick) > 0)) {
            if (storm) {
                demo_event(w, "scenario: event storm starts (%u LOW events per tick, command burst)", STORM_PER_TICK);
            } else {
                demo_event(w, "scenario: event storm ends");
            }
        }
        atomic_store(&s->storm_per_tick, storm ? STORM_PER_TICK : 0u);
        atomic_store(&s->command_burst, storm ? COMMAND_BURST : 0u);
        break;
    }
    case DEMO_LEAK: {
        const bool leak = between(w, second, 10, 101);
        if (leak && !atomic_load(&s->leak)) {
            demo_event(w, "scenario: the cloud module starts forgetting an upload chunk every 2 s");
        }
        atomic_store(&s->leak, leak);
        break;
    }
    case DEMO_EXHAUST: {
        const bool drain = between(w, second, 30, 70);
        if (drain != atomic_load(&s->drain)) {
            demo_event(w, drain ? "scenario: the updater takes every LARGE block"
                                : "scenario: the updater returns the LARGE class");
        }
        atomic_store(&s->drain, drain);
        atomic_store(&s->drain_return, drain && second % 2u == 0);
        break;
    }
    default:
        break;
    }
}

const char *demo_scenario_phase(const demo_world_t *w, uint32_t second)
{
    switch (w->opt.scenario) {
    case DEMO_BURST:
        return between(w, second, 20, 50) ? "storm" : between(w, second, 50, 101) ? "recovery" : "steady";
    case DEMO_LEAK:
        return between(w, second, 10, 101) ? "leaking" : "steady";
    case DEMO_EXHAUST:
        return between(w, second, 30, 70) ? "drained" : "steady";
    default:
        return "steady";
    }
}
