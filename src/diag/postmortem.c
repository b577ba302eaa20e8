/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Post-mortem record: the last figures of a boot kept in RAM the startup
 * code does not clear (MODESP_DIAG_NOINIT_ATTR), read back by the next boot.
 *
 * Power-on RAM holds anything, so a record counts only when its magic,
 * version, size and CRC-32 all agree. begin() re-arms the area at once, so a
 * boot that never saves still leaves a valid record (boot number and the
 * carried-over all-boots class figures) for the next one. Strings are copied
 * (call-site base names, owners, the health summary): pointers into the
 * previous boot's image could be stale after a firmware update.
 */
#include <string.h>

#include "diag_internal.h"

/* CRC-32 (IEEE 802.3, reflected 0xEDB88320), bitwise: no table, the record is a few hundred bytes. */
static uint32_t crc32_of(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0u; i < len; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

static uint32_t record_crc(const modesp_diag_postmortem_t *r)
{
    return crc32_of(r, offsetof(modesp_diag_postmortem_t, crc));
}

static void seal(modesp_diag_postmortem_t *r) { r->crc = record_crc(r); }

/* A copy of `src` that always ends in NUL inside `len` bytes. */
static void copy_text(char *dst, size_t len, const char *src)
{
    size_t n = 0u;
    if (src != NULL) {
        while (n + 1u < len && src[n] != '\0') {
            n++;
        }
        memcpy(dst, src, n);
    }
    memset(dst + n, 0, len - n);
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

static bool record_valid(const modesp_diag_postmortem_t *r)
{
    return r->magic == MODESP_DIAG_PM_MAGIC && r->version == MODESP_DIAG_PM_VERSION && r->size == sizeof *r &&
           r->crc == record_crc(r);
}

/* Arm `dst` for this boot: boot number and all-boots figures from `prev` (a valid record, or NULL). */
static void arm(modesp_diag_postmortem_t *dst, const modesp_diag_postmortem_t *prev, uint32_t seq)
{
    modesp_diag_pm_class_t carried[MODESP_CLASS_COUNT];
    memset(carried, 0, sizeof carried);
    uint32_t boot = 1u;
    if (prev != NULL) {
        memcpy(carried, prev->classes, sizeof carried);
        boot = prev->boot + 1u;
    }
    memset(dst, 0, sizeof *dst);
    dst->magic = MODESP_DIAG_PM_MAGIC;
    dst->version = MODESP_DIAG_PM_VERSION;
    dst->size = (uint16_t)sizeof *dst;
    dst->boot = boot;
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        dst->classes[c].peak_all_boots = carried[c].peak_all_boots;
        dst->classes[c].failures_all_boots = carried[c].failures_all_boots;
    }
    dst->seq = seq;
    seal(dst);
}

esp_err_t modesp_memory_diagnostics_postmortem_begin(modesp_diag_postmortem_t *area, modesp_diag_postmortem_t *previous)
{
    if (area == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    esp_err_t found = ESP_ERR_NOT_FOUND;
    if (area->magic == MODESP_DIAG_PM_MAGIC) {
        found = record_valid(area) ? ESP_OK : MODESP_ERR_CORRUPTED;
    }
    if (found == ESP_OK) {
        if (previous != NULL) {
            *previous = *area;
        }
        modesp_diag_postmortem_t prev = *area; /* arm() overwrites the area it reads from */
        arm(area, &prev, 0u);
    } else {
        arm(area, NULL, 0u);
    }
    return found;
}

/* The slot holding the newest valid record (sequence numbers compared by difference: they wrap), or -1. */
static int newest_slot(const modesp_diag_postmortem_area_t *area)
{
    const bool v0 = record_valid(&area->slot[0]);
    const bool v1 = record_valid(&area->slot[1]);
    if (v0 && v1) {
        return (int32_t)(area->slot[1].seq - area->slot[0].seq) > 0 ? 1 : 0;
    }
    return v0 ? 0 : (v1 ? 1 : -1);
}

esp_err_t modesp_memory_diagnostics_postmortem_area_begin(modesp_diag_postmortem_area_t *area,
                                                          modesp_diag_postmortem_t *previous)
{
    if (area == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    const int n = newest_slot(area);
    if (n < 0) {
        const bool any = area->slot[0].magic == MODESP_DIAG_PM_MAGIC || area->slot[1].magic == MODESP_DIAG_PM_MAGIC;
        arm(&area->slot[0], NULL, 1u);
        return any ? MODESP_ERR_CORRUPTED : ESP_ERR_NOT_FOUND;
    }
    const modesp_diag_postmortem_t *prev = &area->slot[n];
    if (previous != NULL) {
        *previous = *prev;
    }
    arm(&area->slot[1 - n], prev, prev->seq + 1u); /* the other slot: `prev` stays whole */
    return ESP_OK;
}

/* This boot's class figures, and the all-boots ones: the carried-over values plus this boot. */
static void save_classes(modesp_pool_manager_t *pm, modesp_diag_postmortem_t *area)
{
    modesp_pool_manager_stats_t ms;
    if (pm == NULL || modesp_pool_manager_get_stats(pm, &ms) != ESP_OK) {
        return;
    }
    area->class_bytes = ms.total_bytes;
    area->class_bytes_in_use = ms.bytes_in_use;
    area->pressure = (uint8_t)ms.level;
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        modesp_diag_pm_class_t *k = &area->classes[c];
        const modesp_pool_stats_t *st = &ms.classes[c];
        /* what earlier boots left: the all-boots figures minus this boot's last save */
        const uint32_t earlier_failures = k->failures_all_boots - k->failures;
        k->block_size = st->block_size;
        k->count = st->capacity;
        k->in_use = st->in_use;
        k->peak = st->peak > st->in_use ? st->peak : st->in_use;
        k->failures = st->alloc_failures;
        k->failures_all_boots = earlier_failures + k->failures;
        if (k->peak > k->peak_all_boots) {
            k->peak_all_boots = k->peak;
        }
    }
}

static void save_failures(modesp_diag_postmortem_t *area)
{
    modesp_diag_failure_t ring[MODESP_DIAG_PM_FAILURES];
    uint32_t lost = 0u;
    const size_t n = modesp_memory_diagnostics_get_failures(ring, MODESP_DIAG_PM_FAILURES, &lost);
    area->failures_total = diag_failures_recorded();
    area->failures_kept = (uint32_t)n;
    memset(area->failures, 0, sizeof area->failures);
    for (size_t i = 0u; i < n; i++) {
        modesp_diag_pm_failure_t *f = &area->failures[i];
        copy_text(f->owner, sizeof f->owner, ring[i].owner);
        copy_text(f->file, sizeof f->file, ring[i].file != NULL ? base_name(ring[i].file) : "");
        f->line = ring[i].line;
        f->size = ring[i].size;
        f->size_class = ring[i].size_class;
        f->pressure = (uint8_t)ring[i].pressure;
        f->time_us = ring[i].time_us;
    }
}

esp_err_t modesp_memory_diagnostics_postmortem_save(const modesp_memory_diagnostics_t *diag,
                                                    modesp_diag_postmortem_t *area)
{
    if (diag == NULL || area == NULL || diag->magic != DIAG_MAGIC) {
        return ESP_ERR_INVALID_ARG;
    }
    if (area->magic != MODESP_DIAG_PM_MAGIC || area->size != sizeof *area) {
        return ESP_ERR_INVALID_STATE;
    }
    area->saves++;
    area->uptime_us = modesp_time_us();
    save_classes(diag->pm, area);
    const modesp_diag_health_state_t *h = &diag->health;
    area->health_level = (uint8_t)h->verdict.level;
    area->health_reasons = h->verdict.reasons;
    copy_text(area->health_summary, sizeof area->health_summary, h->evaluations != 0u ? h->verdict.summary : "");
    save_failures(area);
    seal(area);
    return ESP_OK;
}

esp_err_t modesp_memory_diagnostics_postmortem_area_save(const modesp_memory_diagnostics_t *diag,
                                                         modesp_diag_postmortem_area_t *area)
{
    if (diag == NULL || area == NULL || diag->magic != DIAG_MAGIC) {
        return ESP_ERR_INVALID_ARG;
    }
    const int n = newest_slot(area);
    if (n < 0) {
        return ESP_ERR_INVALID_STATE;
    }
    modesp_diag_postmortem_t *next = &area->slot[1 - n];
    *next = area->slot[n]; /* then updated in place: until its seal, slot n is the newest valid one */
    next->seq = area->slot[n].seq + 1u;
    return modesp_memory_diagnostics_postmortem_save(diag, next);
}

#if DIAG_HAVE_STDIO
#include <stdio.h>

/* Milliseconds as 32 bits (49 days; saturating): newlib-nano's printf, the usual bare-metal one, has no %llu. */
static uint32_t ms_of(uint64_t us) { return us / 1000u > UINT32_MAX ? UINT32_MAX : (uint32_t)(us / 1000u); }

esp_err_t modesp_memory_diagnostics_postmortem_report(const modesp_diag_postmortem_t *rec, modesp_diag_line_fn sink,
                                                      void *ctx)
{
    if (rec == NULL || sink == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    static const char *const pressure[] = {"NORMAL", "WARNING", "CRITICAL"};
    char line[160];
    (void)snprintf(line, sizeof line, "previous boot %u: up %lu ms, %u saves", (unsigned)rec->boot,
                   (unsigned long)ms_of(rec->uptime_us), (unsigned)rec->saves);
    sink(line, ctx);
    (void)snprintf(line, sizeof line, "health: %s",
                   rec->health_summary[0] != '\0' ? rec->health_summary : "(not evaluated)");
    sink(line, ctx);
    (void)snprintf(line, sizeof line, "classes: %u of %u B in use, pressure %s", (unsigned)rec->class_bytes_in_use,
                   (unsigned)rec->class_bytes, pressure[rec->pressure <= 2u ? rec->pressure : 0u]);
    sink(line, ctx);
    sink("class    size count  used  peak  fail  peak(all boots)  fail(all boots)", ctx);
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        const modesp_diag_pm_class_t *k = &rec->classes[c];
        (void)snprintf(line, sizeof line, "%-7s %5u %5u %5u %5u %5u  %15u  %15u",
                       modesp_size_class_name((modesp_size_class_t)c), (unsigned)k->block_size, (unsigned)k->count,
                       (unsigned)k->in_use, (unsigned)k->peak, (unsigned)k->failures, (unsigned)k->peak_all_boots,
                       (unsigned)k->failures_all_boots);
        sink(line, ctx);
    }
    (void)snprintf(line, sizeof line, "failed requests: %u recorded, newest %u:", (unsigned)rec->failures_total,
                   (unsigned)rec->failures_kept);
    sink(line, ctx);
    for (uint32_t i = 0u; i < rec->failures_kept && i < MODESP_DIAG_PM_FAILURES; i++) {
        const modesp_diag_pm_failure_t *f = &rec->failures[i];
        (void)snprintf(line, sizeof line, "  %lu ms %u B class %s pressure %s owner %.*s at %.*s:%d",
                       (unsigned long)ms_of(f->time_us), (unsigned)f->size,
                       f->size_class >= 0 && f->size_class < MODESP_CLASS_COUNT
                           ? modesp_size_class_name((modesp_size_class_t)f->size_class)
                           : "-",
                       pressure[f->pressure <= 2u ? f->pressure : 0u], (int)sizeof f->owner, f->owner,
                       (int)sizeof f->file, f->file[0] != '\0' ? f->file : "?", (int)f->line);
        sink(line, ctx);
    }
    return ESP_OK;
}

#else /* no C library: no text */

esp_err_t modesp_memory_diagnostics_postmortem_report(const modesp_diag_postmortem_t *rec, modesp_diag_line_fn sink,
                                                      void *ctx)
{
    (void)ctx;
    return (rec == NULL || sink == NULL) ? ESP_ERR_INVALID_ARG : ESP_ERR_NOT_SUPPORTED;
}

#endif
