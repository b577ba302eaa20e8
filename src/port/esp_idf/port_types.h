/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ESP-IDF port: complete types for src/port/port.h (private).
 *
 * The ESP-IDF port keeps the FreeRTOS port's wait queue and replaces the
 * rest (spinlock, clock, log, heap) in port_esp_idf.c; the type is the same,
 * with the kernel headers taken from their ESP-IDF paths.
 */
#ifndef MODESP_PORT_ESP_IDF_TYPES_H
#define MODESP_PORT_ESP_IDF_TYPES_H

#ifndef MODESP_PORT_ESP_IDF
#define MODESP_PORT_ESP_IDF 1
#endif

#include "../freertos/port_types.h"

#endif /* MODESP_PORT_ESP_IDF_TYPES_H */
