/* SPDX-License-Identifier: Apache-2.0 */
/*
 * modesp_mempool: deterministic, fragmentation-free memory for ModESP modules.
 *
 * The one header a module includes (the guide's memory_pool.h):
 *   fixed_pool.h    fixed-block pools (StaticMemoryPool<Size, Count>)
 *   pool_manager.h  size-class manager (get_pool_manager())
 *   pooled.h        typed and scoped pooled objects (make_pooled<T>, PooledPtr<T>)
 *   mempool_err.h   error codes
 * In C++ it also gives the guide's C++ API (the modesp/ .hpp headers, namespace ModESP).
 */
#ifndef MODESP_MEMORY_POOL_H
#define MODESP_MEMORY_POOL_H

#include "modesp/fixed_pool.h"
#include "modesp/mempool_config.h"
#include "modesp/mempool_err.h"
#include "modesp/pool_manager.h"
#include "modesp/pooled.h"

#ifdef __cplusplus                 /* the guide's C++ API, header-only over the C calls */
#include "modesp/event_bus.hpp"    /* PooledEventBus::publish_pooled, EventSubscription */
#include "modesp/pool_manager.hpp" /* get_pool_manager(), PressureListener */
#include "modesp/pooled_ptr.hpp"   /* make_pooled<T>(), PooledPtr<T> */
#include "modesp/static_pool.hpp"  /* StaticMemoryPool<BlockSize, Count> */
#endif

#endif /* MODESP_MEMORY_POOL_H */
