/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guide's `#include "memory_pool.h"`, with this component's include/
 * folder on the path as ESP-IDF puts it (INCLUDE_DIRS "include"). It forwards
 * to modesp/memory_pool.h: the C API in C, and in C++ also the guide's C++
 * API (ModESP::make_pooled, PooledPtr, get_pool_manager, StaticMemoryPool,
 * PooledEventBus). Only the guide's two names are forwarded, so the
 * library's other headers stay under modesp/ and cannot clash with a
 * project's own "hooks.h" or "port.h".
 */
#ifndef MODESP_GUIDE_MEMORY_POOL_H
#define MODESP_GUIDE_MEMORY_POOL_H

#include "modesp/memory_pool.h"

#endif /* MODESP_GUIDE_MEMORY_POOL_H */
