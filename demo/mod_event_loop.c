/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The event-loop task: dispatches the bus (guide section 2). Handlers of the
 * logger, the memory-aware module and the control module run here. Its
 * capacity is bounded per tick, as a real loop's time budget is; in the burst
 * scenario the storm outruns it, the backlog of pooled events grows and the
 * subscribers' policies (DROP_OLDEST, KEEP_LATEST) and the queue limits drop
 * LOW events, each one counted by the bus.
 */
#include "demo.h"

#define EVENTS_PER_TICK 6u /* 60 events per simulated second */

static void event_loop_step(demo_world_t *w, uint32_t tick)
{
    (void)tick;
    for (uint32_t i = 0; i < EVENTS_PER_TICK; i++) {
        uint32_t n = 0;
        /* max_ms 0: exactly one event per call; the simulated clock stands still within a tick. */
        if (modesp_bus_process(w->bus, 0, &n) != ESP_OK || n == 0) {
            break;
        }
    }
}

const demo_module_t demo_mod_event_loop = {
    .name = "event_loop",
    .step = event_loop_step,
};
