/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The periodic diagnostics task (guide section 7): every 10 simulated
 * seconds it checks the live blocks for leaks (older than DEMO_LEAK_MS) and
 * says so, naming the oldest suspect by owner and call site. The status
 * line, the CSV and the health verdict come from the main loop's
 * once-a-second snapshot; the full report (log_stats' sections) is written
 * at the end of the run.
 */
#include <stdatomic.h>
#include <string.h>

#include "demo.h"

#define CHECK_EVERY_S 10u

static size_t s_last_reported;

static const char *base_name(const char *path)
{
    if (path == NULL) {
        return "?";
    }
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

static void diag_step(demo_world_t *w, uint32_t tick)
{
    if (tick == 0 || tick % (CHECK_EVERY_S * DEMO_TICKS_PER_S) != 0) {
        return;
    }
    modesp_diag_leak_t leaks[4];
    pthread_mutex_lock(&w->diag_lock);
    const size_t n = modesp_memory_diagnostics_detect_potential_leaks(&w->diag, DEMO_LEAK_MS, leaks, 4);
    pthread_mutex_unlock(&w->diag_lock);
    if (n > 0 && n != s_last_reported) {
        demo_event(w, "diag: %zu potential leak%s (oldest %.1f s, owner %s, %s:%d)", n, n == 1 ? "" : "s",
                   (double)leaks[0].age_ms / 1000.0, leaks[0].owner, base_name(leaks[0].file), leaks[0].line);
    }
    s_last_reported = n;
}

const demo_module_t demo_mod_diag = {
    .name = "diag",
    .step = diag_step,
};
