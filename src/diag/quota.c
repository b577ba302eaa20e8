/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-owner quotas: a floor (blocks the other owners may not take while the
 * owner holds fewer) and a cap, in manager blocks, enforced by the core's
 * admission hook (modesp/hooks.h) that this file installs at the first
 * modesp_memory_diagnostics_set_quota.
 *
 * Blocks held per owner come from the tracing records (trace_tables.c calls
 * diag_quota_on_alloc / _on_free for the manager's pools), so the counts are
 * those of the side tables: blocks allocated since init or reset_tracing.
 * `s_unmet` is the sum over owners of max(0, floor - held), kept up to date
 * on every change, so the admission check is O(1): a few loads and compares
 * in the port's short critical section, which also keeps the counters and
 * the refusal counts consistent with each other. Nothing waits.
 *
 * Built only with Kconfig MEMORY_DIAG_OWNER_QUOTAS (MODESP_ADMISSION);
 * otherwise the public calls say ESP_ERR_NOT_SUPPORTED / 0 and the internal
 * ones do nothing.
 */
#include "diag_internal.h"
#include "port.h"

#if MODESP_ADMISSION

typedef struct {
    uint32_t floor;    /* 0: none */
    uint32_t cap;      /* MODESP_DIAG_NO_CAP: none */
    uint32_t held;     /* manager blocks with a record of this owner */
    uint32_t refusals; /* its requests refused */
} quota_t;

static quota_t s_quota[MODESP_DIAG_MAX_OWNERS];
static uint32_t s_unmet; /* sum of max(0, floor - held) over the owners */
static uint32_t s_cap_refusals;
static uint32_t s_floor_refusals;
static bool s_any; /* a quota was set: quota_t.cap of an untouched entry is 0, read as "no cap" until then */

MODESP_IRAM_ATTR static inline uint32_t unmet_of(const quota_t *q)
{
    return q->floor > q->held ? q->floor - q->held : 0u;
}

MODESP_IRAM_ATTR static inline uint32_t cap_of(const quota_t *q) { return s_any ? q->cap : MODESP_DIAG_NO_CAP; }

MODESP_IRAM_ATTR void diag_quota_on_alloc(uint8_t owner)
{
    if (owner >= MODESP_DIAG_MAX_OWNERS) {
        return;
    }
    const uint32_t s = modesp_port_critical_enter();
    quota_t *q = &s_quota[owner];
    if (q->held < q->floor) {
        s_unmet--;
    }
    q->held++;
    modesp_port_critical_exit(s);
}

MODESP_IRAM_ATTR void diag_quota_on_free(uint8_t owner)
{
    if (owner >= MODESP_DIAG_MAX_OWNERS) {
        return;
    }
    const uint32_t s = modesp_port_critical_enter();
    quota_t *q = &s_quota[owner];
    if (q->held > 0u) { /* never wrap (records reset while blocks were live) */
        q->held--;
        if (q->held < q->floor) {
            s_unmet++;
        }
    }
    modesp_port_critical_exit(s);
}

/* The admission hook: the calling context's owner ("-" in an ISR) against its cap and the others' floors. */
MODESP_IRAM_ATTR static esp_err_t admit(const modesp_pool_t *class_pool, uint32_t size, void *ctx)
{
    (void)size;
    (void)ctx;
    const uint8_t owner = modesp_port_in_isr() ? 0u : diag_owner_current();
    if (owner >= MODESP_DIAG_MAX_OWNERS) {
        return ESP_OK;
    }
    /* read before the critical section: the pool's own counters, a snapshot either way */
    const uint32_t capacity = (uint32_t)modesp_pool_capacity(class_pool);
    const uint32_t in_use = (uint32_t)modesp_pool_in_use(class_pool);
    const uint32_t free_blocks = capacity > in_use ? capacity - in_use : 0u;
    esp_err_t verdict = ESP_OK;
    const uint32_t s = modesp_port_critical_enter();
    quota_t *q = &s_quota[owner];
    const uint32_t others_unmet = s_unmet - unmet_of(q);
    if (q->held >= cap_of(q)) {
        s_cap_refusals++;
        q->refusals++;
        verdict = MODESP_ERR_QUOTA;
    } else if (others_unmet != 0u && free_blocks <= others_unmet) {
        s_floor_refusals++;
        q->refusals++;
        verdict = MODESP_ERR_QUOTA;
    }
    modesp_port_critical_exit(s);
    return verdict;
}

/* Read by the manager's admission check, in ISRs too: kept in RAM (not const: flash on ESP-IDF). */
static modesp_admission_hook_t s_hook = {admit, NULL};

esp_err_t modesp_memory_diagnostics_set_quota(const char *owner, uint32_t floor_blocks, uint32_t cap_blocks)
{
    if (owner == NULL || owner[0] == '\0' || floor_blocks > cap_blocks) {
        return ESP_ERR_INVALID_ARG;
    }
    if (!diag_trace_attached()) {
        return ESP_ERR_INVALID_STATE;
    }
    uint8_t idx = 0u;
    if (!(owner[0] == '-' && owner[1] == '\0') && !diag_owner_intern(owner, &idx)) {
        return MODESP_ERR_FULL;
    }
    const uint32_t s = modesp_port_critical_enter();
    if (!s_any) {
        for (uint32_t i = 0u; i < MODESP_DIAG_MAX_OWNERS; i++) {
            s_quota[i].cap = MODESP_DIAG_NO_CAP;
        }
        s_any = true;
    }
    quota_t *q = &s_quota[idx];
    s_unmet -= unmet_of(q);
    q->floor = floor_blocks;
    q->cap = cap_blocks;
    s_unmet += unmet_of(q);
    modesp_port_critical_exit(s);
    return modesp_admission_set_hook(&s_hook);
}

uint32_t modesp_memory_diagnostics_quota_refusals(uint32_t *cap_refusals, uint32_t *floor_refusals)
{
    const uint32_t s = modesp_port_critical_enter();
    const uint32_t c = s_cap_refusals;
    const uint32_t f = s_floor_refusals;
    modesp_port_critical_exit(s);
    if (cap_refusals != NULL) {
        *cap_refusals = c;
    }
    if (floor_refusals != NULL) {
        *floor_refusals = f;
    }
    return c + f;
}

void diag_quota_of(uint8_t owner, uint32_t *floor_blocks, uint32_t *cap_blocks, uint32_t *refusals)
{
    *floor_blocks = 0u;
    *cap_blocks = MODESP_DIAG_NO_CAP;
    *refusals = 0u;
    if (owner >= MODESP_DIAG_MAX_OWNERS) {
        return;
    }
    const uint32_t s = modesp_port_critical_enter();
    *floor_blocks = s_quota[owner].floor;
    *cap_blocks = cap_of(&s_quota[owner]);
    *refusals = s_quota[owner].refusals;
    modesp_port_critical_exit(s);
}

/* With the owner table: indices are reused, so every quota goes (the hook stays, admitting everything). */
void diag_quota_reset(void)
{
    const uint32_t s = modesp_port_critical_enter();
    for (uint32_t i = 0u; i < MODESP_DIAG_MAX_OWNERS; i++) {
        s_quota[i] = (quota_t){0u, MODESP_DIAG_NO_CAP, 0u, 0u};
    }
    s_any = true;
    s_unmet = 0u;
    s_cap_refusals = 0u;
    s_floor_refusals = 0u;
    modesp_port_critical_exit(s);
}

#else /* quotas compiled out */

MODESP_IRAM_ATTR void diag_quota_on_alloc(uint8_t owner) { (void)owner; }

MODESP_IRAM_ATTR void diag_quota_on_free(uint8_t owner) { (void)owner; }

void diag_quota_reset(void) {}

void diag_quota_of(uint8_t owner, uint32_t *floor_blocks, uint32_t *cap_blocks, uint32_t *refusals)
{
    (void)owner;
    *floor_blocks = 0u;
    *cap_blocks = MODESP_DIAG_NO_CAP;
    *refusals = 0u;
}

esp_err_t modesp_memory_diagnostics_set_quota(const char *owner, uint32_t floor_blocks, uint32_t cap_blocks)
{
    (void)owner;
    (void)floor_blocks;
    (void)cap_blocks;
    return ESP_ERR_NOT_SUPPORTED;
}

uint32_t modesp_memory_diagnostics_quota_refusals(uint32_t *cap_refusals, uint32_t *floor_refusals)
{
    if (cap_refusals != NULL) {
        *cap_refusals = 0u;
    }
    if (floor_refusals != NULL) {
        *floor_refusals = 0u;
    }
    return 0u;
}

#endif
