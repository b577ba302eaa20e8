/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DECLARATIONS ONLY, FOR COMPILE CHECKS, NOT AN IMPLEMENTATION.
 *
 * esp_heap_caps.h: capability-based allocation.
 */
#ifndef PORT_DECLS_ESP_HEAP_CAPS_H
#define PORT_DECLS_ESP_HEAP_CAPS_H

#include <stddef.h>
#include <stdint.h>

#define MALLOC_CAP_8BIT     (1 << 2)  /* memory that allows 8/16/32-bit access */
#define MALLOC_CAP_INTERNAL (1 << 11) /* internal RAM: stays while the flash cache is off */

void *heap_caps_malloc(size_t size, uint32_t caps);
void heap_caps_free(void *ptr);

#endif
