/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Failure attribution: a ring of the most recent failed requests (with
 * tracing: every request the core counts as failed, through its on_fail
 * hook; without: those made through modesp_memory_diagnostics_allocate_at /
 * MODESP_DIAG_ALLOC), with the owner, call site, pool, size, class, pressure
 * level and time. It counts the
 * records it overwrote, so an under-reporting ring says so. A record is
 * written and read in the port's short critical section (a few stores), so
 * a reader never sees half a record; nothing waits on another context.
 */
#include <string.h>

#include "diag_internal.h"
#include "port.h"

static modesp_diag_failure_t s_ring[MODESP_DIAG_FAILURE_SLOTS];
static uint32_t s_written; /* records written since start (next slot = s_written % slots) */

/* The class a failed request asked for: from its size, else from the pool; -1 for a pool outside the manager. */
MODESP_IRAM_ATTR static int8_t class_of(const modesp_pool_t *pool, uint32_t size)
{
    if (size != 0u) {
        return (int8_t)modesp_pool_manager_class_for_size(size);
    }
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        if (pool != NULL && modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c) == pool) {
            return (int8_t)c;
        }
    }
    return -1;
}

MODESP_IRAM_ATTR void diag_failure_record(const modesp_pool_t *pool, uint32_t size, const char *file, int line)
{
    const uint8_t owner = modesp_port_in_isr() ? 0u : diag_owner_current();
    modesp_diag_failure_t rec;
    memset(&rec, 0, sizeof rec);
    diag_owner_copy_name(owner, rec.owner);
    rec.pool = pool;
    rec.file = file;
    rec.line = line;
    rec.size = size;
    rec.size_class = class_of(pool, size);
    rec.pressure = modesp_pool_manager_get_pressure_level(modesp_get_pool_manager());
    rec.time_us = modesp_time_us();
    const uint32_t s = modesp_port_critical_enter();
    s_ring[s_written % MODESP_DIAG_FAILURE_SLOTS] = rec;
    __atomic_store_n(&s_written, s_written + 1u,
                     __ATOMIC_RELEASE); /* read without the lock by diag_failures_recorded */
    modesp_port_critical_exit(s);
    diag_owner_on_failure(owner);
}

/* With tracing the core's hooks (trace_tables.c) see the request's size, its
 * success and the failures it counts in a class (alloc_failures); a size the
 * manager refuses outright (0, or larger than every class) reaches no hook
 * and is recorded here. Without tracing this is where the size histogram
 * and the failure ring learn of every request. */
void *modesp_memory_diagnostics_allocate_at(modesp_pool_manager_t *pm, size_t size, const char *file, int line)
{
    void *block = modesp_pool_manager_allocate_at(pm, size, file, line);
    const int c = modesp_pool_manager_class_for_size(size);
    if (!MODESP_TRACING) {
        diag_advice_note_request(size, block == NULL);
    }
    if (block == NULL && (!MODESP_TRACING || c < 0)) {
        diag_failure_record(c >= 0 ? modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c) : NULL, diag_u32(size),
                            file, line);
    }
    return block;
}

size_t modesp_memory_diagnostics_get_failures(modesp_diag_failure_t *out, size_t max, uint32_t *overwritten)
{
    const uint32_t cs = modesp_port_critical_enter();
    const uint32_t written = s_written;
    modesp_port_critical_exit(cs);
    if (overwritten != NULL) {
        *overwritten = written > MODESP_DIAG_FAILURE_SLOTS ? written - MODESP_DIAG_FAILURE_SLOTS : 0u;
    }
    if (out == NULL) {
        return 0u;
    }
    const uint32_t held = written < MODESP_DIAG_FAILURE_SLOTS ? written : MODESP_DIAG_FAILURE_SLOTS;
    size_t n = 0u;
    // cppcheck-suppress knownConditionTrueFalse ; s_written grows in allocate_at (cppcheck assumes it stays 0)
    for (uint32_t k = 0u; k < held && n < max; k++) {
        const uint32_t slot = (written - 1u - k) % MODESP_DIAG_FAILURE_SLOTS;
        const uint32_t s = modesp_port_critical_enter();
        out[n] = s_ring[slot];
        modesp_port_critical_exit(s);
        n++;
    }
    return n;
}

uint32_t diag_failures_recorded(void) { return __atomic_load_n(&s_written, __ATOMIC_ACQUIRE); }

void diag_failures_reset(void)
{
    const uint32_t s = modesp_port_critical_enter();
    memset(s_ring, 0, sizeof s_ring);
    __atomic_store_n(&s_written, 0u, __ATOMIC_RELEASE);
    modesp_port_critical_exit(s);
}
