/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The end of a run: collect what the run left (snapshot, leaks, verdict, bus
 * and manager counters) before the modules shut down, check after shutdown
 * that every pool is empty and intact, and print the final report ending in
 * a one-line verdict.
 */
#include <stdatomic.h>
#include <string.h>

#include "demo_run.h"

static const char *base_name(const char *path)
{
    if (path == NULL) {
        return "?";
    }
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

void demo_collect_result(demo_world_t *w, demo_result_t *res)
{
    pthread_mutex_lock(&w->diag_lock);
    (void)modesp_memory_diagnostics_snapshot(&w->diag, &res->snap);
    res->health = w->health;
    res->leak_count =
        modesp_memory_diagnostics_detect_potential_leaks(&w->diag, DEMO_LEAK_MS, res->leaks, DEMO_REPORT_LEAKS);
    pthread_mutex_unlock(&w->diag_lock);
    (void)modesp_bus_get_stats(w->bus, &res->bus);
    (void)modesp_pool_manager_get_stats(w->pm, &res->mgr);
    res->injected = demo_fail_injected();
    res->attempts = demo_fail_attempts();
    for (const modesp_pool_t *p = modesp_pool_registry_next(NULL); p != NULL; p = modesp_pool_registry_next(p)) {
        modesp_pool_stats_t st;
        if (modesp_pool_get_stats(p, &st) == ESP_OK) {
            res->exhausted_total += st.exhausted;
            res->failures_total += st.alloc_failures;
        }
    }
    res->events_dispatched = res->bus.dispatched;
    demo_dashboard_freeze(w);
}

void demo_check_clean(demo_world_t *w, demo_result_t *res)
{
    for (const modesp_pool_t *p = modesp_pool_registry_next(NULL); p != NULL; p = modesp_pool_registry_next(p)) {
        res->blocks_left += modesp_pool_in_use(p);
        modesp_pool_stats_t st;
        if (modesp_pool_get_stats(p, &st) == ESP_OK) {
            res->invalid_frees += st.invalid_frees;
        }
        modesp_pool_integrity_t r;
        const esp_err_t err = modesp_pool_check_integrity(p, &r);
        if (err != ESP_OK && err != MODESP_ERR_MANAGED_POOL) {
            res->integrity_errors++;
            demo_event(w, "integrity: pool %s: %s (%s)", modesp_pool_name(p), modesp_err_to_name(err),
                       modesp_pool_fault_name(r.fault));
        }
    }
    int bad_class = -1;
    modesp_pool_integrity_t r;
    if (modesp_pool_manager_check_integrity(w->pm, &bad_class, &r) != ESP_OK) {
        res->integrity_errors++;
        demo_event(w, "integrity: manager class %d: %s", bad_class, modesp_pool_fault_name(r.fault));
    }
}

static void line_out(const char *line, void *ctx) { (void)fprintf(ctx, "  %s\n", line); }

static void section(FILE *f, const char *title) { (void)fprintf(f, "\n== %s\n", title); }

static void print_levels(demo_world_t *w, FILE *f)
{
    static const char *const names[] = {"NORMAL", "WARNING", "CRITICAL"};
    const uint32_t n = atomic_load(&w->level_count);
    section(f, "pressure level changes");
    if (n == 0) {
        (void)fprintf(f, "  none: the pressure level stayed NORMAL\n");
    }
    for (uint32_t i = 0; i < n && i < DEMO_MAX_LEVEL_LOGS; i++) {
        const demo_level_change_t *c = &w->levels[i];
        (void)fprintf(f, "  %7.1f s  %-8s -> %-8s at %3u %%\n", (double)c->t_ms / 1000.0, names[c->from], names[c->to],
                      (unsigned)c->utilization);
    }
}

static void print_bus(const demo_result_t *res, FILE *f)
{
    const modesp_bus_stats_t *b = &res->bus;
    section(f, "event bus");
    (void)fprintf(f, "  published %u (from the ISR %u, ISR reserve %u), dispatched %u, delivered %u\n", b->published,
                  b->isr_published, b->isr_reserve_used, b->dispatched, b->delivered);
    (void)fprintf(f,
                  "  dropped: queue full %u, subscriber full %u, no block %u, oldest %u, LOW evicted by CRITICAL %u; "
                  "coalesced %u\n",
                  b->dropped_queue_full, b->dropped_subscriber_full, b->dropped_no_block, b->dropped_oldest,
                  b->evicted_low, b->coalesced);
    (void)fprintf(f, "  queue high water (CRITICAL/HIGH/NORMAL/LOW): %u/%u/%u/%u; event blocks peak %u\n",
                  b->queue_high_water[0], b->queue_high_water[1], b->queue_high_water[2], b->queue_high_water[3],
                  b->pool.peak_allocated);
}

static void print_modules(demo_world_t *w, const demo_result_t *res, FILE *f)
{
    const demo_counters_t *c = &w->c;
    section(f, "modules");
    (void)fprintf(
        f, "  requests %llu, refused %llu; commands sent %llu, applied %llu, refused by the full queue %llu\n",
        (unsigned long long)c->allocs_tried, (unsigned long long)c->alloc_failed, (unsigned long long)c->commands_sent,
        (unsigned long long)c->commands_done, (unsigned long long)c->commands_dropped);
    (void)fprintf(f, "  memory_aware: entered low-memory mode %llu times, left %llu times\n",
                  (unsigned long long)c->low_mem_enter, (unsigned long long)c->low_mem_leave);
    if (w->opt.scenario == DEMO_EXHAUST) {
        (void)fprintf(f, "  control: WAIT served %llu, timed out %llu; reserve served %llu critical allocation(s)\n",
                      (unsigned long long)c->wait_ok, (unsigned long long)c->wait_timeout,
                      (unsigned long long)c->critical_ok);
        (void)fprintf(f, "  manager: waits %u, wait timeouts %u, critical allocs %u, critical failures %u\n",
                      res->mgr.waits, res->mgr.wait_timeouts, res->mgr.critical_allocs, res->mgr.critical_failures);
    }
    if (w->opt.scenario == DEMO_LEAK) {
        (void)fprintf(f, "  cloud: forgot %llu upload chunks\n", (unsigned long long)c->leaked_blocks);
    }
    uint32_t in_use, cap;
    uint64_t logged;
    demo_logger_stats(&in_use, &cap, &logged);
    (void)fprintf(f, "  logger: %llu readings logged in its own pool of %u entries\n", (unsigned long long)logged, cap);
    modesp_diag_track_result_t t;
    demo_logger_heaviest(&t);
    /* Elapsed time is simulated: the clock stands still within a tick, so it is not shown. */
    (void)fprintf(f,
                  "  heaviest step (TRACK_MEMORY_USAGE \"logger.flush\"): %u allocs, %u frees, net %lld bytes, "
                  "peak %lld bytes\n",
                  t.allocs, t.frees, (long long)t.net_bytes, (long long)t.peak_bytes);
    if (w->opt.fail_pct > 0) {
        (void)fprintf(f,
                      "  injected failures: %llu of %llu allocation attempts (%.2f %%); the pools counted %llu empty "
                      "attempts and %llu refused requests\n",
                      (unsigned long long)res->injected, (unsigned long long)res->attempts,
                      res->attempts ? 100.0 * (double)res->injected / (double)res->attempts : 0.0,
                      (unsigned long long)res->exhausted_total, (unsigned long long)res->failures_total);
    }
}

static void print_leaks(const demo_result_t *res, FILE *f)
{
    section(f, "leak check (live blocks older than 10 s)");
    if (res->leak_count == 0) {
        (void)fprintf(f, "  no potential leak\n");
    }
    for (size_t i = 0; i < res->leak_count && i < DEMO_REPORT_LEAKS; i++) {
        const modesp_diag_leak_t *l = &res->leaks[i];
        (void)fprintf(f, "  leak: owner %s at %s:%d, %u of %u bytes, %.1f s old\n", l->owner, base_name(l->file),
                      l->line, l->requested_size, l->block_size, (double)l->age_ms / 1000.0);
    }
    if (res->leak_count > DEMO_REPORT_LEAKS) {
        (void)fprintf(f, "  ... %zu in all\n", res->leak_count);
    }
}

static uint64_t total_allocs(const demo_result_t *res)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < res->snap.pool_count; i++) {
        n += res->snap.pools[i].allocs;
    }
    return n;
}

/* Before shutdown: the report's owner, leak and hold sections read the live tracing tables. */
void demo_print_report(demo_world_t *w, const demo_result_t *res)
{
    FILE *f = w->log;
    section(f, "diagnostics report (modesp_memory_diagnostics_report)");
    (void)modesp_memory_diagnostics_report(&res->snap, MODESP_DIAG_REPORT_ALL, DEMO_LEAK_MS, line_out, f);
    print_levels(w, f);
    print_bus(res, f);
    print_modules(w, res, f);
    print_leaks(res, f);
    section(f, "health verdict");
    (void)fprintf(f, "  %s\n", res->health.summary);
    section(f, "sizing advice (sdkconfig fragment, 25 % headroom)");
    modesp_diag_class_advice_t adv[MODESP_CLASS_COUNT];
    const size_t n = modesp_memory_diagnostics_advise(w->pm, 25, adv, MODESP_CLASS_COUNT);
    (void)modesp_memory_diagnostics_advice_report(adv, n, line_out, f);
}

/* After shutdown: the one-line verdict. Returns the exit status (1: a block left, an integrity error, a bad free). */
int demo_print_verdict(demo_world_t *w, const demo_result_t *res)
{
    FILE *f = w->log;
    (void)fprintf(f,
                  "\nverdict: %zu leak%s, %u integrity errors, %u blocks left after shutdown, %u events, %llu "
                  "allocations\n",
                  res->leak_count, res->leak_count == 1 ? "" : "s", (unsigned)res->integrity_errors,
                  (unsigned)res->blocks_left, (unsigned)res->bus.published, (unsigned long long)total_allocs(res));
    return res->integrity_errors == 0 && res->blocks_left == 0 && res->invalid_frees == 0 ? 0 : 1;
}
