/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The firmware updater (exhaust scenario): while the script says "drain" it
 * holds every block of the LARGE class (its download buffers), so the other
 * modules' STRICT requests for that class fail (counted, with their call
 * sites in the failure ring) and the control module's WAIT request is served
 * only when the updater gives a block back (every other second), else it
 * times out. When the drain ends it returns everything.
 */
#include <stdatomic.h>
#include <time.h>

#include "demo.h"

#define MAX_HELD 256u

static void *s_held[MAX_HELD];
static uint32_t s_count;

static void release_all(demo_world_t *w)
{
    while (s_count > 0) {
        (void)modesp_pool_manager_free(w->pm, s_held[--s_count]);
    }
}

static void updater_step(demo_world_t *w, uint32_t tick)
{
    (void)tick;
    if (!atomic_load(&w->script.drain)) {
        release_all(w);
        return;
    }
    /* Take every free LARGE block; look before asking, so the updater itself rarely fails. */
    const modesp_pool_t *large = modesp_pool_manager_get_pool(w->pm, MODESP_CLASS_LARGE);
    while (s_count < MAX_HELD && modesp_pool_in_use(large) < modesp_pool_capacity(large)) {
        void *p = modesp_pool_manager_allocate_at(w->pm, 256, __FILE__, __LINE__);
        if (p == NULL) {
            break;
        }
        s_held[s_count++] = p;
    }
    if (atomic_load(&w->script.drain_return) && s_count > 0) {
        /* Let the control task start waiting, then hand one block back: its WAIT is served. */
        const struct timespec pause = {0, 5000000L};
        nanosleep(&pause, NULL);
        (void)modesp_pool_manager_free(w->pm, s_held[--s_count]);
    }
}

static void updater_shutdown(demo_world_t *w) { release_all(w); }

const demo_module_t demo_mod_updater = {
    .name = "updater",
    .step = updater_step,
    .shutdown = updater_shutdown,
};
