/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Placement of the ISR paths: MODESP_IRAM_ATTR and MODESP_DRAM_ATTR.
 *
 * On ESP-IDF code and read-only data sit in flash, reached through a cache
 * that is off during every flash write (NVS, OTA, SPIFFS). An interrupt
 * registered with ESP_INTR_FLAG_IRAM runs during those writes, so every
 * function it reaches in the library, and every constant table such a
 * function reads, must be in internal RAM. The library marks them:
 *
 *   MODESP_IRAM_ATTR  on each function reachable from an ISR-safe entry point
 *                     (pool allocate/free, manager allocate/free in STRICT and
 *                     SPILL, the port's critical section, publish_from_isr);
 *   MODESP_DRAM_ATTR  on each constant table those functions read.
 *
 * What they expand to:
 *   ESP-IDF           IRAM_ATTR / DRAM_ATTR (esp_attr.h), as the heap and
 *                     esp_ringbuf components do. Attributes rather than a
 *                     linker fragment: a fragment names the component's
 *                     archive, which depends on the directory the component
 *                     was cloned into; an attribute does not.
 *   other ELF targets a named section per function or table,
 *                     .text.modesp_iram.N / .rodata.modesp_dram.N (N unique
 *                     per use, as ESP-IDF's own attributes are). The .text. and
 *                     .rodata. prefixes keep the code and tables where every
 *                     linker script already puts them; the name lets
 *                     tools/iram_check.py prove from an object file that
 *                     everything an ISR-safe entry point reaches is marked.
 *                     -DMODESP_NO_ISR_SECTIONS leaves the default sections.
 *   anything else     nothing.
 *
 * Kconfig MEMORY_POOL_PLACE_ISR_FUNCTIONS_INTO_FLASH (default n) turns both
 * into nothing, for a project that needs the IRAM more than it needs pool
 * calls from IRAM-safe interrupts (those must then not use the library).
 */
#ifndef MODESP_MEMPOOL_ATTR_H
#define MODESP_MEMPOOL_ATTR_H

/* The option comes from sdkconfig.h; the ports include this header without the
 * rest of the configuration, and a port's unit test may have no sdkconfig.h. */
#if !defined(CONFIG_MEMORY_POOL_TINY_SIZE) && defined(__has_include)
#if __has_include("sdkconfig.h")
#include "sdkconfig.h"
#endif
#endif

#if defined(CONFIG_MEMORY_POOL_PLACE_ISR_FUNCTIONS_INTO_FLASH)
#define MODESP_IRAM_ATTR
#define MODESP_DRAM_ATTR
#elif defined(ESP_PLATFORM)
#include "esp_attr.h"
#define MODESP_IRAM_ATTR IRAM_ATTR
#define MODESP_DRAM_ATTR DRAM_ATTR
#elif defined(__GNUC__) && defined(__ELF__) && !defined(MODESP_NO_ISR_SECTIONS)
/* Two steps so that __COUNTER__ is expanded before it is turned into a string. */
#define MODESP_SECTION_NAME_(prefix, n) prefix "." #n
#define MODESP_SECTION_ATTR_(prefix, n) __attribute__((section(MODESP_SECTION_NAME_(prefix, n))))
#define MODESP_IRAM_ATTR                MODESP_SECTION_ATTR_(".text.modesp_iram", __COUNTER__)
#define MODESP_DRAM_ATTR                MODESP_SECTION_ATTR_(".rodata.modesp_dram", __COUNTER__)
#else
#define MODESP_IRAM_ATTR
#define MODESP_DRAM_ATTR
#endif

#endif /* MODESP_MEMPOOL_ATTR_H */
