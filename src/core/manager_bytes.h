/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pool manager (private): the class bytes in use, as the pressure level,
 * utilisation, statistics and the integrity check read them.
 *
 * By default (Kconfig MEMORY_POOL_PRESSURE_TRACKING) every allocation and free
 * keeps them in a counter and re-tests the level. With the option off (the
 * minimal size profile) allocations and frees touch only their class pool, and
 * the bytes are summed from the class pools' block counts when read: the same
 * figure the integrity check computes, read one pool after another (so, under
 * concurrent use, as a snapshot of several pools always is, from slightly
 * different moments).
 */
#ifndef MODESP_MANAGER_BYTES_H
#define MODESP_MANAGER_BYTES_H

#include "manager_private.h"

#if MODESP_PRESSURE_TRACKING
#define MGR_BYTES_IN_USE(pm, order) mp_load(&(pm)->bytes_in_use, (order))
#else
#define MGR_BYTES_IN_USE(pm, order) modesp_mgr_class_bytes_(pm)
#endif

/* Class bytes handed out now, from the class pools' counts (O(classes)). In IRAM: the ISR-safe level
 * and utilisation reads reach it. */
MODESP_IRAM_ATTR static inline uint32_t modesp_mgr_class_bytes_(const modesp_pool_manager_t *pm)
{
    uint32_t bytes = 0u;
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        bytes += modesp_class_size_[c] * (uint32_t)modesp_pool_in_use(pm->classes[c]);
    }
    return bytes;
}

#endif /* MODESP_MANAGER_BYTES_H */
