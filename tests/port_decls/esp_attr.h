/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DECLARATIONS ONLY, FOR COMPILE CHECKS, NOT AN IMPLEMENTATION.
 *
 * esp_attr.h: placement attributes. As documented for ESP-IDF (memory types
 * guide), IRAM_ATTR puts a function into internal instruction RAM and
 * DRAM_ATTR a variable or constant into internal data RAM; each use gets its
 * own input section, ".iram1.N" / ".dram1.N" with N unique per use (the
 * compiler's __COUNTER__), so that the linker can place and garbage-collect
 * each one. The same shape here lets tools/iram_check.py read the placement
 * of an object compiled against these headers.
 */
#ifndef PORT_DECLS_ESP_ATTR_H
#define PORT_DECLS_ESP_ATTR_H

#define PORT_DECLS_SECTION_NAME_(prefix, n) prefix "." #n
#define PORT_DECLS_SECTION_(prefix, n)      __attribute__((section(PORT_DECLS_SECTION_NAME_(prefix, n))))

#define IRAM_ATTR PORT_DECLS_SECTION_(".iram1", __COUNTER__)
#define DRAM_ATTR PORT_DECLS_SECTION_(".dram1", __COUNTER__)

/* Always inlined, whatever the optimisation level. */
#define FORCE_INLINE_ATTR static inline __attribute__((always_inline))

#endif
