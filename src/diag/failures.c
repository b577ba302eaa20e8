/*
 * Failure attribution: a ring of the most recent failed requests made
 * through modesp_memory_diagnostics_allocate_at (MODESP_DIAG_ALLOC), with the
 * owner, call site, size, class, pressure level and time. It counts the
 * records it overwrote, so an under-reporting ring says so. A record is
 * written and read in the port's short critical section (a few stores), so
 * a reader never sees half a record; nothing waits on another context.
 */
#include <string.h>

#include "diag_internal.h"
#include "port.h"

static modesp_diag_failure_t s_ring[MODESP_DIAG_FAILURE_SLOTS];
static uint32_t s_written; /* records written since start (next slot = s_written % slots) */

void *modesp_memory_diagnostics_allocate_at(modesp_pool_manager_t *pm, size_t size, const char *file, int line)
{
    void *block = modesp_pool_manager_allocate_at(pm, size, file, line);
    diag_advice_note_request(size);
    if (block != NULL) {
#if MODESP_TRACING
        const modesp_pool_t *pool = NULL;
        for (int c = 0; c < MODESP_CLASS_COUNT && pool == NULL; c++) {
            const modesp_pool_t *p = modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c);
            pool = modesp_pool_contains(p, block) ? p : NULL;
        }
        if (pool != NULL) { /* heap-fallback blocks have no record */
            diag_trace_set_requested(pool, block, diag_u32(size));
        }
#endif
        return block;
    }
    const uint8_t owner = modesp_port_in_isr() ? 0u : diag_owner_current();
    modesp_diag_failure_t rec;
    memset(&rec, 0, sizeof rec);
    diag_owner_copy_name(owner, rec.owner);
    rec.file = file;
    rec.line = line;
    rec.size = diag_u32(size);
    rec.size_class = (int8_t)modesp_pool_manager_class_for_size(size);
    rec.pressure = modesp_pool_manager_get_pressure_level(pm);
    rec.time_us = modesp_time_us();
    const uint32_t s = modesp_port_critical_enter();
    s_ring[s_written % MODESP_DIAG_FAILURE_SLOTS] = rec;
    s_written++;
    modesp_port_critical_exit(s);
    diag_owner_on_failure(owner);
    return NULL;
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
    s_written = 0u;
    modesp_port_critical_exit(s);
}
