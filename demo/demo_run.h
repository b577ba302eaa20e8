/* SPDX-License-Identifier: Apache-2.0 */
/* The runner's pieces shared between runner.c, status.c, report.c, outputs.c and server.c. */
#ifndef DEMO_RUN_H
#define DEMO_RUN_H

#include "demo.h"

#define DEMO_REPORT_LEAKS 8u

typedef struct {
    modesp_diag_snapshot_t snap; /* at the end of the run, before shutdown */
    modesp_health_t health;
    size_t leak_count;
    modesp_diag_leak_t leaks[DEMO_REPORT_LEAKS];
    modesp_bus_stats_t bus;
    modesp_pool_manager_stats_t mgr;
    uint64_t injected;        /* --fail-pct: attempts made to fail */
    uint64_t attempts;        /* --fail-pct: attempts the hook saw */
    uint64_t exhausted_total; /* every pool's `exhausted` (attempts that found it empty) */
    uint64_t failures_total;  /* every pool's `alloc_failures` (requests refused as callers saw them) */
    uint64_t events_dispatched;
    /* After shutdown. */
    uint64_t blocks_left; /* blocks still in use in any pool */
    uint32_t integrity_errors;
    uint32_t invalid_frees; /* every pool's invalid frees: a module bug would show here */
} demo_result_t;

int demo_run_node(demo_world_t *w, demo_result_t *res);
int demo_run_fragment(const demo_options_t *opt);

/* status.c: once per simulated second (status line, CSV, health). */
void demo_sampler_start(demo_world_t *w);
void demo_sample_second(demo_world_t *w, uint32_t second);
void demo_sampler_finish(demo_world_t *w);
void demo_print_status(demo_world_t *w, const char *line);
extern bool demo_status_tty;

/* report.c */
void demo_collect_result(demo_world_t *w, demo_result_t *res);
void demo_check_clean(demo_world_t *w, demo_result_t *res);
void demo_print_report(demo_world_t *w, const demo_result_t *res);
int demo_print_verdict(demo_world_t *w, const demo_result_t *res);

/* outputs.c */
FILE *demo_open_out(const char *dir, const char *name, char *path, size_t path_size);
int demo_write_json(demo_world_t *w, const char *dir);
void demo_plot(const char *dir, const char *script_name, const char *script);

/* dashboard_json.c: the JSON of /api/memory (also what a device serves). */
esp_err_t demo_dashboard_json(demo_world_t *w, char *buf, size_t size, size_t *len);
void demo_dashboard_freeze(demo_world_t *w); /* from now on serve the end-of-run state */

/* server.c: --serve PORT. */
int demo_server_start(demo_world_t *w, int port);
void demo_server_stop(void);

/* Modules' extras. */
void demo_cloud_reclaim_forgotten(demo_world_t *w);
void demo_logger_heaviest(modesp_diag_track_result_t *out);

#endif /* DEMO_RUN_H */
