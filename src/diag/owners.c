/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Owner tags (module names) and per-owner accounting.
 *
 * A fixed table of CONFIG_MEMORY_DIAG_MAX_OWNERS names; entry 0 is "-" (no
 * owner). A task's current owner is a thread-local index (DIAG_TLS). The
 * counters of an owner change in the port's short critical section (a few
 * stores), so they are consistent with each other when read.
 */
#include <string.h>

#include "diag_internal.h"
#include "port.h"

typedef struct {
    uint32_t blocks;
    uint32_t bytes;
    uint32_t peak_blocks;
    uint32_t peak_bytes;
    uint32_t allocs;
    uint32_t failures;
} owner_counts_t;

static char s_names[MODESP_DIAG_MAX_OWNERS][MODESP_DIAG_OWNER_LEN] = {"-"};
static owner_counts_t s_counts[MODESP_DIAG_MAX_OWNERS];
static uint32_t s_owner_count = 1u; /* entries of s_names in use ("-" included) */
static uint32_t s_owners_dropped;
static DIAG_TLS uint8_t s_current;

/* strcmp(a, b) == 0 without the C library (freestanding targets have none) */
static bool same_name(const char *a, const char *b)
{
    size_t i = 0u;
    while (a[i] != '\0' && a[i] == b[i]) {
        i++;
    }
    return a[i] == b[i];
}

bool diag_owner_intern(const char *tag, uint8_t *index)
{
    char name[MODESP_DIAG_OWNER_LEN];
    size_t len = 0u;
    while (len < MODESP_DIAG_OWNER_LEN - 1u && tag[len] != '\0') { /* truncate, never read past the limit */
        name[len] = tag[len];
        len++;
    }
    name[len] = '\0';

    uint8_t found = 0u;
    bool ok = true;
    const uint32_t s = modesp_port_critical_enter();
    for (uint32_t i = 1u; i < s_owner_count; i++) {
        if (same_name(s_names[i], name)) {
            found = (uint8_t)i;
            break;
        }
    }
    if (found == 0u) {
        if (s_owner_count < MODESP_DIAG_MAX_OWNERS) {
            memcpy(s_names[s_owner_count], name, len + 1u);
            found = (uint8_t)s_owner_count;
            __atomic_store_n(&s_owner_count, s_owner_count + 1u, __ATOMIC_RELEASE);
        } else {
            s_owners_dropped++;
            ok = false;
        }
    }
    modesp_port_critical_exit(s);
    *index = found;
    return ok;
}

uint8_t modesp_memory_diagnostics_set_owner(const char *tag)
{
    uint8_t found = 0u;
    if (tag != NULL && tag[0] != '\0') {
        (void)diag_owner_intern(tag, &found); /* a full table leaves "-" */
    }
    s_current = found;
    return found;
}

const char *modesp_memory_diagnostics_get_owner(void) { return diag_owner_name(s_current); }

uint32_t modesp_memory_diagnostics_owners_dropped(void) { return __atomic_load_n(&s_owners_dropped, __ATOMIC_RELAXED); }

MODESP_IRAM_ATTR uint8_t diag_owner_current(void) { return s_current; }

MODESP_IRAM_ATTR const char *diag_owner_name(uint8_t owner)
{
    return owner < __atomic_load_n(&s_owner_count, __ATOMIC_ACQUIRE) ? s_names[owner] : s_names[0];
}

MODESP_IRAM_ATTR void diag_owner_copy_name(uint8_t owner, char out[MODESP_DIAG_OWNER_LEN])
{
    const char *n = diag_owner_name(owner);
    size_t i = 0u;
    for (; i < MODESP_DIAG_OWNER_LEN - 1u && n[i] != '\0'; i++) {
        out[i] = n[i];
    }
    out[i] = '\0';
}

MODESP_IRAM_ATTR void diag_owner_on_alloc(uint8_t owner, uint32_t bytes)
{
    if (owner >= MODESP_DIAG_MAX_OWNERS) {
        owner = 0u;
    }
    const uint32_t s = modesp_port_critical_enter();
    owner_counts_t *c = &s_counts[owner];
    c->blocks++;
    c->bytes += bytes;
    c->allocs++;
    if (c->blocks > c->peak_blocks) {
        c->peak_blocks = c->blocks;
    }
    if (c->bytes > c->peak_bytes) {
        c->peak_bytes = c->bytes;
    }
    modesp_port_critical_exit(s);
}

MODESP_IRAM_ATTR void diag_owner_on_free(uint8_t owner, uint32_t bytes)
{
    if (owner >= MODESP_DIAG_MAX_OWNERS) {
        owner = 0u;
    }
    const uint32_t s = modesp_port_critical_enter();
    owner_counts_t *c = &s_counts[owner];
    if (c->blocks > 0u) { /* a record reset while the block was live: never wrap */
        c->blocks--;
        c->bytes = c->bytes >= bytes ? c->bytes - bytes : 0u;
    }
    modesp_port_critical_exit(s);
}

MODESP_IRAM_ATTR void diag_owner_on_failure(uint8_t owner)
{
    if (owner >= MODESP_DIAG_MAX_OWNERS) {
        owner = 0u;
    }
    const uint32_t s = modesp_port_critical_enter();
    s_counts[owner].failures++;
    modesp_port_critical_exit(s);
}

void diag_owners_reset(void)
{
    const uint32_t s = modesp_port_critical_enter();
    memset(s_counts, 0, sizeof s_counts);
    memset(s_names, 0, sizeof s_names);
    s_names[0][0] = '-';
    s_owner_count = 1u;
    s_owners_dropped = 0u;
    modesp_port_critical_exit(s);
    s_current = 0u;
    diag_quota_reset();
}

size_t modesp_memory_diagnostics_get_owners(modesp_diag_owner_stats_t *out, size_t max)
{
    const size_t n = __atomic_load_n(&s_owner_count, __ATOMIC_ACQUIRE);
    if (out == NULL || max == 0u) {
        return n;
    }
    size_t filled = 0u;
    for (size_t i = 0u; i < n; i++) {
        modesp_diag_owner_stats_t o;
        memcpy(o.name, s_names[i], sizeof o.name);
        o.name[MODESP_DIAG_OWNER_LEN - 1u] = '\0';
        const uint32_t s = modesp_port_critical_enter();
        o.blocks_in_use = s_counts[i].blocks;
        o.bytes_in_use = s_counts[i].bytes;
        o.peak_blocks = s_counts[i].peak_blocks;
        o.peak_bytes = s_counts[i].peak_bytes;
        o.allocs = s_counts[i].allocs;
        o.failures = s_counts[i].failures;
        modesp_port_critical_exit(s);
        diag_quota_of((uint8_t)i, &o.quota_floor, &o.quota_cap, &o.quota_refusals);
        /* insertion sort, heaviest bytes_in_use first, ties in table order; keep the max heaviest */
        size_t pos = filled;
        while (pos > 0u && out[pos - 1u].bytes_in_use < o.bytes_in_use) {
            pos--;
        }
        if (pos >= max) {
            continue;
        }
        const size_t last = filled < max ? filled : max - 1u;
        for (size_t k = last; k > pos; k--) {
            out[k] = out[k - 1u];
        }
        out[pos] = o;
        if (filled < max) {
            filled++;
        }
    }
    return n;
}
