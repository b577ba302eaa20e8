/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Configuration as seen by the library and its users.
 *
 * Kconfig (at the component root) is the single source: ESP-IDF generates
 * sdkconfig.h from it; the host build generates the same header from the
 * same Kconfig plus an optional sdkconfig file (tools/gen_config.py). This
 * header only includes it and derives a few constants; it defines no option
 * of its own, so a value changed in menuconfig always wins.
 */
#ifndef MODESP_MEMPOOL_CONFIG_H
#define MODESP_MEMPOOL_CONFIG_H

#include "sdkconfig.h"

#ifndef CONFIG_MEMORY_POOL_TINY_SIZE
#error "sdkconfig.h lacks the Memory Pool options: generate it from this component's Kconfig"
#endif

#ifdef CONFIG_MEMORY_POOL_ALLOW_HEAP_FALLBACK
#define MODESP_HEAP_FALLBACK_ENABLED 1
#else
#define MODESP_HEAP_FALLBACK_ENABLED 0
#endif

/* The minimal profile (Kconfig "Minimal profile"): features compiled out, not just off at run time. */
#ifdef CONFIG_MEMORY_POOL_WAIT_STRATEGY
#define MODESP_WAIT_ENABLED 1
#else
#define MODESP_WAIT_ENABLED 0
#endif
#ifdef CONFIG_MEMORY_POOL_PRESSURE_CALLBACKS
#define MODESP_PRESSURE_CALLBACKS_ENABLED 1
#else
#define MODESP_PRESSURE_CALLBACKS_ENABLED 0
#endif
#ifdef CONFIG_MEMORY_POOL_PRESSURE_TRACKING
#define MODESP_PRESSURE_TRACKING 1
#else
#define MODESP_PRESSURE_TRACKING 0 /* bytes and level derived when read */
#endif
#ifdef CONFIG_MEMORY_POOL_REGISTRY
#define MODESP_REGISTRY_ENABLED 1
#else
#define MODESP_REGISTRY_ENABLED 0
#endif

#ifdef CONFIG_MEMORY_POOL_POISON_FREED
#define MODESP_POISON_ENABLED 1
#else
#define MODESP_POISON_ENABLED 0
#endif

/* Trace hook points (modesp/hooks.h) and the call site the public allocation macros pass. */
#if defined(CONFIG_MEMORY_POOL_ENABLE_TRACING)
#define MODESP_TRACING   1
#define MODESP_CALL_SITE __FILE__, __LINE__
#else
#define MODESP_TRACING   0
#define MODESP_CALL_SITE NULL, 0 /* no file names in flash */
#endif

/* MODESP_IRAM_ATTR / MODESP_DRAM_ATTR: the ISR paths' placement (IRAM on ESP-IDF). */
#include "modesp/mempool_attr.h"

#endif /* MODESP_MEMPOOL_CONFIG_H */
