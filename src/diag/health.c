/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Health verdict: OK / WARNING / CRITICAL with the reasons behind it, from
 * the pools a diagnostics object covers, debounced so that a transient dip
 * does not flip it, with a policy hook that may adjust the raw verdict and a
 * change hook (e.g. a reboot policy).
 *
 * Each evaluation computes a raw verdict from the core's counters (no hook
 * on the hot path: failures and reserve use are seen as counter changes
 * between evaluations, remembered for the failure window), runs the policy
 * hook on it, then the debounce: the raw level replaces the current one
 * after debounce_evals evaluations in a row or debounce_ms, CRITICAL at
 * once. The verdict's reasons and summary are those of the last evaluation
 * whose raw level equalled the verdict's level, so a verdict on its way
 * back down still says what caused it.
 *
 * The summary is built with a small appender instead of snprintf, so the
 * verdict works on freestanding targets too.
 */
#include <string.h>

#include "diag_internal.h"

/* ------------------------------------------------------------ summary */

typedef struct {
    char *buf;
    size_t len;
} line_t;

static void put(line_t *l, const char *s)
{
    while (*s != '\0' && l->len + 1u < MODESP_HEALTH_SUMMARY_LEN) {
        l->buf[l->len++] = *s++;
    }
    l->buf[l->len] = '\0';
}

static void put_u32(line_t *l, uint32_t v)
{
    char tmp[11];
    size_t n = 0u;
    do {
        tmp[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0u);
    char out[11];
    for (size_t i = 0u; i < n; i++) {
        out[i] = tmp[n - 1u - i];
    }
    out[n] = '\0';
    put(l, out);
}

/* strncmp(s, prefix, strlen(prefix)) == 0 without the C library (freestanding targets have none). */
static bool starts_with(const char *s, const char *prefix)
{
    while (*prefix != '\0' && *s == *prefix) {
        s++;
        prefix++;
    }
    return *prefix == '\0';
}

static const char *base_name(const char *path)
{
    const char *b = path;
    for (const char *p = path; *p != '\0'; p++) {
        if (*p == '/' || *p == '\\') {
            b = p + 1;
        }
    }
    return b;
}

/* ------------------------------------------------------ raw findings */

typedef struct {
    modesp_health_level_t level;
    uint32_t reasons;
    /* details for the summary */
    const char *integrity_pool;
    const char *exhausted_pool;
    const char *pressure_pool;
    uint8_t pressure_pct;
    modesp_pressure_level_t manager_pressure;
    size_t leaks;
    modesp_diag_leak_t oldest;
    uint32_t reserve_in_use;
} findings_t;

static void raise_to(findings_t *f, modesp_health_level_t level, uint32_t reason)
{
    f->reasons |= reason;
    if (level > f->level) {
        f->level = level;
    }
}

static bool within(uint64_t now, uint64_t then, uint32_t window_ms) { return now - then < (uint64_t)window_ms * 1000u; }

static const char *pool_label(const modesp_pool_t *pool)
{
    const char *n = modesp_pool_name(pool);
    return n != NULL ? n : "?";
}

/* One integrity check can report a fault that a concurrent change made up; two in a row are believed. */
static bool pool_corrupt(const modesp_pool_t *pool)
{
    if (modesp_pool_check_integrity(pool, NULL) == ESP_OK) {
        return false;
    }
    return modesp_pool_check_integrity(pool, NULL) != ESP_OK; /* the second look */
}

static void check_pools(modesp_memory_diagnostics_t *diag, uint64_t now, findings_t *f)
{
    modesp_diag_health_state_t *h = &diag->health;
    const modesp_pool_t *reserve = diag->pm != NULL ? modesp_pool_manager_get_reserve_pool(diag->pm) : NULL;
    uint32_t most_failures = 0u;
    uint32_t total_failures = 0u;
    const char *most_failing = NULL;
    for (uint32_t i = 0u; i < diag->pool_count; i++) {
        modesp_diag_pool_track_t *t = &diag->pools[i];
        modesp_pool_stats_t st;
        if (modesp_pool_get_stats(t->pool, &st) != ESP_OK) {
            raise_to(f, MODESP_HEALTH_CRITICAL, MODESP_HEALTH_R_INTEGRITY); /* the handle itself is overwritten */
            f->integrity_pool = f->integrity_pool != NULL ? f->integrity_pool : "?";
            continue;
        }
        /* Reset since the last evaluation (the reset count moved, or the counter went down): those
         * counted since are new, however many there were before. */
        const bool reset = st.resets != t->health_resets || st.alloc_failures < t->last_failures;
        const uint32_t fails = reset ? st.alloc_failures : st.alloc_failures - t->last_failures;
        t->last_failures = st.alloc_failures;
        t->health_resets = st.resets;
        if (fails > 0u) {
            t->last_failure_us = now;
            t->has_failed = true;
            total_failures += fails;
            if (fails > most_failures) {
                most_failures = fails;
                most_failing = pool_label(t->pool);
            }
        }
        if (h->cfg.check_integrity && f->integrity_pool == NULL && pool_corrupt(t->pool)) {
            raise_to(f, MODESP_HEALTH_CRITICAL, MODESP_HEALTH_R_INTEGRITY);
            f->integrity_pool = pool_label(t->pool);
        }
        if (t->pool == reserve || st.capacity == 0u) {
            continue; /* the reserve has its own reason */
        }
        const bool recent_failure = t->has_failed && within(now, t->last_failure_us, h->cfg.failure_window_ms);
        if (st.in_use >= st.capacity && recent_failure) {
            raise_to(f, MODESP_HEALTH_CRITICAL, MODESP_HEALTH_R_PRESSURE | MODESP_HEALTH_R_FAILURES);
            f->exhausted_pool = f->exhausted_pool != NULL ? f->exhausted_pool : pool_label(t->pool);
        }
        const uint8_t pct = (uint8_t)((uint64_t)st.in_use * 100u / st.capacity);
        if (pct >= h->cfg.warning_pct && pct > f->pressure_pct) {
            raise_to(f, MODESP_HEALTH_WARNING, MODESP_HEALTH_R_PRESSURE);
            f->pressure_pct = pct;
            f->pressure_pool = pool_label(t->pool);
        }
    }
    if (total_failures > 0u) {
        h->last_failure_us = now;
        h->seen_failure = true;
        h->last_fail_count = total_failures;
        h->last_fail_pool = most_failing;
    }
    if (h->seen_failure && within(now, h->last_failure_us, h->cfg.failure_window_ms)) {
        raise_to(f, MODESP_HEALTH_WARNING, MODESP_HEALTH_R_FAILURES);
    }
}

static void check_manager(modesp_memory_diagnostics_t *diag, uint64_t now, findings_t *f)
{
    modesp_diag_health_state_t *h = &diag->health;
    modesp_pool_manager_stats_t ms;
    if (diag->pm == NULL || modesp_pool_manager_get_stats(diag->pm, &ms) != ESP_OK) {
        return;
    }
    f->manager_pressure = ms.level;
    if (ms.level == MODESP_PRESSURE_CRITICAL) {
        raise_to(f, MODESP_HEALTH_CRITICAL, MODESP_HEALTH_R_PRESSURE);
    } else if (ms.level == MODESP_PRESSURE_WARNING) {
        raise_to(f, MODESP_HEALTH_WARNING, MODESP_HEALTH_R_PRESSURE);
    }
    /* Reset since the last evaluation (the manager's reset count moved, or a counter went down): the
     * counts since are new. */
    const bool reset = ms.resets != h->last_manager_resets || ms.critical_allocs < h->last_critical_allocs ||
                       ms.critical_failures < h->last_critical_failures;
    const uint32_t used = reset ? ms.critical_allocs : ms.critical_allocs - h->last_critical_allocs;
    const uint32_t failed = reset ? ms.critical_failures : ms.critical_failures - h->last_critical_failures;
    h->last_critical_allocs = ms.critical_allocs;
    h->last_critical_failures = ms.critical_failures;
    h->last_manager_resets = ms.resets;
    if (used > 0u || ms.reserve.in_use > 0u) {
        h->last_reserve_us = now;
        h->seen_reserve = true;
    }
    if (failed > 0u) {
        h->last_reserve_fail_us = now;
        h->seen_reserve_fail = true;
    }
    f->reserve_in_use = ms.reserve.in_use;
    if (h->seen_reserve_fail && within(now, h->last_reserve_fail_us, h->cfg.failure_window_ms)) {
        raise_to(f, MODESP_HEALTH_CRITICAL, MODESP_HEALTH_R_RESERVE | MODESP_HEALTH_R_FAILURES);
    } else if (h->seen_reserve && within(now, h->last_reserve_us, h->cfg.failure_window_ms)) {
        raise_to(f, MODESP_HEALTH_WARNING, MODESP_HEALTH_R_RESERVE);
    }
}

static void check_leaks(modesp_memory_diagnostics_t *diag, findings_t *f)
{
    if (!MODESP_TRACING || diag->health.cfg.leak_threshold_ms == 0u) {
        return;
    }
    f->leaks =
        modesp_memory_diagnostics_detect_potential_leaks(diag, diag->health.cfg.leak_threshold_ms, &f->oldest, 1u);
    if (f->leaks > 0u) {
        raise_to(f, MODESP_HEALTH_WARNING, MODESP_HEALTH_R_LEAK);
    }
}

/* "LEVEL: reason (detail), reason (detail)", the most severe reasons first. */
static void summarise(const findings_t *f, const modesp_diag_health_state_t *h, modesp_health_t *out)
{
    line_t l = {out->summary, 0u};
    out->summary[0] = '\0';
    put(&l, modesp_health_level_name(f->level));
    const char *sep = ": ";
    if ((f->reasons & MODESP_HEALTH_R_INTEGRITY) != 0u) {
        put(&l, sep);
        put(&l, "integrity (pool ");
        put(&l, f->integrity_pool != NULL ? f->integrity_pool : "?");
        put(&l, ")");
        sep = ", ";
    }
    if ((f->reasons & MODESP_HEALTH_R_PRESSURE) != 0u) {
        put(&l, sep);
        put(&l, "pressure (");
        if (f->exhausted_pool != NULL) {
            put(&l, f->exhausted_pool);
            put(&l, " full and failing");
        } else if (f->manager_pressure != MODESP_PRESSURE_NORMAL) {
            put(&l, "manager ");
            put(&l, f->manager_pressure == MODESP_PRESSURE_CRITICAL ? "CRITICAL" : "WARNING");
        } else {
            put(&l, f->pressure_pool != NULL ? f->pressure_pool : "?");
            put(&l, " ");
            put_u32(&l, f->pressure_pct);
            put(&l, "%");
        }
        put(&l, ")");
        sep = ", ";
    }
    if ((f->reasons & MODESP_HEALTH_R_RESERVE) != 0u) {
        put(&l, sep);
        put(&l, "reserve (");
        put_u32(&l, f->reserve_in_use);
        put(&l, " in use)");
        sep = ", ";
    }
    if ((f->reasons & MODESP_HEALTH_R_FAILURES) != 0u) {
        put(&l, sep);
        put(&l, "failures (");
        put_u32(&l, h->last_fail_count);
        put(&l, " in ");
        put(&l, h->last_fail_pool != NULL ? h->last_fail_pool : "reserve");
        put(&l, ")");
        sep = ", ";
    }
    if ((f->reasons & MODESP_HEALTH_R_LEAK) != 0u && f->leaks > 0u) {
        put(&l, sep);
        put(&l, "leak (");
        put_u32(&l, diag_u32(f->leaks));
        put(&l, f->leaks == 1u ? " block, owner " : " blocks, owner ");
        put(&l, f->oldest.owner);
        if (f->oldest.file != NULL) {
            put(&l, ", ");
            put(&l, base_name(f->oldest.file));
            put(&l, ":");
            put_u32(&l, f->oldest.line > 0 ? (uint32_t)f->oldest.line : 0u);
        }
        put(&l, ")");
    }
}

/* ------------------------------------------------------------ public */

const char *modesp_health_level_name(modesp_health_level_t level)
{
    switch (level) {
    case MODESP_HEALTH_OK:
        return "OK";
    case MODESP_HEALTH_WARNING:
        return "WARNING";
    case MODESP_HEALTH_CRITICAL:
        return "CRITICAL";
    default:
        return "?";
    }
}

void modesp_memory_diagnostics_health_default_config(modesp_health_config_t *cfg)
{
    if (cfg == NULL) {
        return;
    }
    memset(cfg, 0, sizeof *cfg);
    cfg->debounce_evals = CONFIG_MEMORY_DIAG_HEALTH_DEBOUNCE_EVALS;
    cfg->debounce_ms = CONFIG_MEMORY_DIAG_HEALTH_DEBOUNCE_MS;
    cfg->leak_threshold_ms = CONFIG_MEMORY_DIAG_HEALTH_LEAK_MS;
    cfg->failure_window_ms = CONFIG_MEMORY_DIAG_HEALTH_FAILURE_WINDOW_MS;
    cfg->warning_pct = CONFIG_MEMORY_POOL_WARNING_THRESHOLD;
    cfg->check_integrity = true;
}

/* Called by init: the level starts OK at `now` with the Kconfig defaults. */
void diag_health_init(modesp_memory_diagnostics_t *diag, uint64_t now)
{
    modesp_diag_health_state_t *h = &diag->health;
    memset(h, 0, sizeof *h);
    modesp_memory_diagnostics_health_default_config(&h->cfg);
    h->verdict.level = MODESP_HEALTH_OK;
    (void)memcpy(h->verdict.summary, "OK", 3u);
    h->level_since_us = now;
    h->pending = MODESP_HEALTH_OK;
    /* Failures and reserve use before the diagnostics started are history, not news. */
    for (uint32_t i = 0u; i < diag->pool_count; i++) {
        modesp_pool_stats_t st;
        if (modesp_pool_get_stats(diag->pools[i].pool, &st) == ESP_OK) {
            diag->pools[i].last_failures = st.alloc_failures;
            diag->pools[i].health_resets = st.resets;
        }
    }
    modesp_pool_manager_stats_t ms;
    if (diag->pm != NULL && modesp_pool_manager_get_stats(diag->pm, &ms) == ESP_OK) {
        h->last_critical_allocs = ms.critical_allocs;
        h->last_critical_failures = ms.critical_failures;
        h->last_manager_resets = ms.resets;
    }
}

esp_err_t modesp_memory_diagnostics_health_configure(modesp_memory_diagnostics_t *diag,
                                                     const modesp_health_config_t *cfg)
{
    if (diag == NULL || diag->magic != DIAG_MAGIC) {
        return ESP_ERR_INVALID_ARG;
    }
    if (cfg == NULL) {
        modesp_memory_diagnostics_health_default_config(&diag->health.cfg);
        return ESP_OK;
    }
    if (cfg->debounce_evals == 0u || cfg->warning_pct > 100u) {
        return ESP_ERR_INVALID_ARG;
    }
    diag->health.cfg = *cfg;
    return ESP_OK;
}

/* The debounce: does `raw` replace the current level now? */
static bool debounced_change(modesp_diag_health_state_t *h, modesp_health_level_t raw, uint64_t now)
{
    if (raw == h->verdict.level) {
        h->pending_count = 0u;
        return false;
    }
    if (raw == MODESP_HEALTH_CRITICAL) {
        return true;
    }
    if (h->pending_count == 0u || h->pending != raw) {
        h->pending = raw;
        h->pending_count = 0u;
        h->pending_since_us = now;
    }
    h->pending_count++;
    return h->pending_count >= h->cfg.debounce_evals ||
           (h->cfg.debounce_ms != 0u && now - h->pending_since_us >= (uint64_t)h->cfg.debounce_ms * 1000u);
}

esp_err_t modesp_memory_diagnostics_health(modesp_memory_diagnostics_t *diag, modesp_health_t *out)
{
    if (diag == NULL || out == NULL || diag->magic != DIAG_MAGIC) {
        return ESP_ERR_INVALID_ARG;
    }
    modesp_diag_health_state_t *h = &diag->health;
    uint64_t now = modesp_time_us();
    if (now < diag->last_now_us) {
        now = diag->last_now_us; /* the clock went back: no time passed */
    }
    diag->last_now_us = now;
    h->evaluations++;

    findings_t f;
    memset(&f, 0, sizeof f);
    check_pools(diag, now, &f);
    check_manager(diag, now, &f);
    check_leaks(diag, &f);

    modesp_health_t raw;
    memset(&raw, 0, sizeof raw);
    raw.level = f.level;
    raw.reasons = f.reasons;
    summarise(&f, h, &raw);
    if (h->cfg.policy != NULL) {
        h->cfg.policy(&raw, h->cfg.policy_ctx);
        if (raw.level > MODESP_HEALTH_CRITICAL) {
            raw.level = MODESP_HEALTH_CRITICAL;
        }
        raw.summary[MODESP_HEALTH_SUMMARY_LEN - 1u] = '\0';
        if ((raw.level != f.level || raw.reasons != f.reasons) &&
            starts_with(raw.summary, modesp_health_level_name(f.level))) {
            f.level = raw.level; /* the policy changed the verdict but not its text: say what it decided */
            f.reasons = raw.reasons;
            summarise(&f, h, &raw);
        }
    }

    const modesp_health_level_t previous = h->verdict.level;
    const bool changed = debounced_change(h, raw.level, now);
    if (changed) {
        h->level_since_us = now;
        h->pending_count = 0u;
    }
    if (changed || raw.level == h->verdict.level) {
        h->verdict.level = raw.level;
        h->verdict.reasons = raw.reasons;
        (void)memcpy(h->verdict.summary, raw.summary, sizeof raw.summary);
    }
    const uint64_t held_ms = (now - h->level_since_us) / 1000u;
    h->verdict.since_ms = held_ms > UINT32_MAX ? UINT32_MAX : (uint32_t)held_ms;
    *out = h->verdict;
    if (changed && h->cfg.on_change != NULL) {
        h->cfg.on_change(out, previous, h->cfg.change_ctx);
    }
    return ESP_OK;
}
