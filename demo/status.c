/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Once per simulated second, with every task parked between ticks: a
 * diagnostics snapshot and the health verdict, the status line (in place on
 * a terminal, one line per second otherwise) and a CSV row
 * (demo.csv: per-class utilisation, pressure level, verdict, events/s, drops).
 */
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "demo_run.h"

static FILE *s_csv;
static uint32_t s_last_published;

static uint8_t class_util(const modesp_diag_snapshot_t *snap, const modesp_pool_t *pool)
{
    for (uint32_t i = 0; i < snap->pool_count; i++) {
        if (snap->pools[i].pool == pool) {
            return snap->pools[i].utilization;
        }
    }
    return 0;
}

static uint32_t bus_drops(const modesp_bus_stats_t *b)
{
    return b->dropped_queue_full + b->dropped_subscriber_full + b->dropped_no_block + b->dropped_oldest +
           b->evicted_low;
}

void demo_sampler_start(demo_world_t *w)
{
    demo_status_tty = isatty(fileno(w->log)) != 0;
    char path[512];
    s_csv = demo_open_out(w->opt.out_dir, "demo.csv", path, sizeof path);
    if (s_csv != NULL) {
        (void)fprintf(s_csv, "second");
        for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
            (void)fprintf(s_csv, ",%s", modesp_size_class_name((modesp_size_class_t)c));
        }
        (void)fprintf(s_csv, ",overall,pressure,health,events_per_s,drops,leaks\n");
    }
    modesp_bus_stats_t b;
    (void)modesp_bus_get_stats(w->bus, &b);
    s_last_published = b.published;
}

void demo_sample_second(demo_world_t *w, uint32_t second)
{
    static const char *const levels[] = {"NORMAL", "WARNING", "CRITICAL"};
    modesp_diag_snapshot_t snap;
    modesp_health_t h;
    pthread_mutex_lock(&w->diag_lock);
    (void)modesp_memory_diagnostics_snapshot(&w->diag, &snap);
    (void)modesp_memory_diagnostics_health(&w->diag, &h);
    w->health = h;
    const size_t leaks = modesp_memory_diagnostics_detect_potential_leaks(&w->diag, DEMO_LEAK_MS, NULL, 0);
    pthread_mutex_unlock(&w->diag_lock);

    modesp_bus_stats_t b;
    (void)modesp_bus_get_stats(w->bus, &b);
    const uint32_t events = b.published - s_last_published;
    s_last_published = b.published;

    uint8_t util[MODESP_CLASS_COUNT];
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        util[c] = class_util(&snap, modesp_pool_manager_get_pool(w->pm, (modesp_size_class_t)c));
    }
    char line[256];
    int n = snprintf(line, sizeof line, "%6u s %-8s |", (unsigned)second, demo_scenario_phase(w, second - 1u));
    for (int c = 0; c < MODESP_CLASS_COUNT && n > 0 && (size_t)n < sizeof line; c++) {
        n += snprintf(line + n, sizeof line - (size_t)n, " %.2s %3u%%", modesp_size_class_name((modesp_size_class_t)c),
                      (unsigned)util[c]);
    }
    if (n > 0 && (size_t)n < sizeof line) {
        (void)snprintf(line + n, sizeof line - (size_t)n, " | all %3u%% %-8s | %-8s | %4u ev/s | drops %u",
                       (unsigned)snap.manager_utilization, levels[snap.pressure], modesp_health_level_name(h.level),
                       (unsigned)events, (unsigned)bus_drops(&b));
    }
    demo_print_status(w, line);

    if (s_csv != NULL) {
        (void)fprintf(s_csv, "%u", (unsigned)second);
        for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
            (void)fprintf(s_csv, ",%u", (unsigned)util[c]);
        }
        (void)fprintf(s_csv, ",%u,%d,%d,%u,%u,%zu\n", (unsigned)snap.manager_utilization, (int)snap.pressure,
                      (int)h.level, (unsigned)events, (unsigned)bus_drops(&b), leaks);
        (void)fflush(s_csv);
    }
}

void demo_sampler_finish(demo_world_t *w)
{
    if (demo_status_tty) { /* keep the last status line */
        (void)fputc('\n', w->log);
    }
    if (s_csv != NULL) {
        (void)fclose(s_csv);
        s_csv = NULL;
    }
}
