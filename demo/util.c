/* SPDX-License-Identifier: Apache-2.0 */
/* Small shared pieces: random numbers, the simulated clock, event lines. */
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>

#include "demo_run.h"

uint32_t demo_rand(uint32_t *state)
{
    uint32_t x = *state != 0 ? *state : 0x9E3779B9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

/* One stream per module, from --seed and the module's name (FNV-1a). */
uint32_t demo_seed_for(const demo_world_t *w, const char *module)
{
    uint32_t h = 2166136261u ^ w->opt.seed;
    for (const char *p = module; *p != '\0'; p++) {
        h = (h ^ (uint8_t)*p) * 16777619u;
    }
    return h != 0 ? h : 1u;
}

/* The fake port clock: the library's time is the simulated time (modesp_port_posix_set_clock). */
static demo_world_t *s_clock_world;

static uint64_t sim_clock(void) { return atomic_load(&s_clock_world->sim_us); }

void demo_clock_install(demo_world_t *w)
{
    s_clock_world = w;
    modesp_port_posix_set_clock(sim_clock);
}

void demo_clock_uninstall(void) { modesp_port_posix_set_clock(NULL); }

uint64_t demo_sim_ms(const demo_world_t *w) { return (atomic_load(&w->sim_us) - w->sim_origin_us) / 1000u; }

static pthread_mutex_t s_out_lock = PTHREAD_MUTEX_INITIALIZER;
bool demo_status_tty; /* status.c redraws its line in place on a terminal */

void demo_event(demo_world_t *w, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(line, sizeof line, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
    va_end(ap);
    pthread_mutex_lock(&s_out_lock);
    /* On a terminal the status line is redrawn in place: clear it before an event line. */
    (void)fprintf(w->log, "%s[%7.1f s] %s\n", demo_status_tty ? "\r\033[K" : "", (double)demo_sim_ms(w) / 1000.0, line);
    (void)fflush(w->log);
    pthread_mutex_unlock(&s_out_lock);
}

void demo_print_status(demo_world_t *w, const char *line)
{
    pthread_mutex_lock(&s_out_lock);
    if (demo_status_tty) {
        (void)fprintf(w->log, "\r\033[K%s", line);
    } else {
        (void)fprintf(w->log, "%s\n", line);
    }
    (void)fflush(w->log);
    pthread_mutex_unlock(&s_out_lock);
}
