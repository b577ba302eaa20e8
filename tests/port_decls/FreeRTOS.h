/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DECLARATIONS ONLY, FOR COMPILE CHECKS, NOT AN IMPLEMENTATION.
 *
 * FreeRTOS.h: base types and constants as documented for the FreeRTOS kernel
 * (the widths are those of a typical 32-bit port).
 */
#ifndef PORT_DECLS_FREERTOS_H
#define PORT_DECLS_FREERTOS_H

#include <stddef.h>
#include <stdint.h>

#include "FreeRTOSConfig.h"

#ifdef PORT_DECLS_ESP_IDF
typedef int BaseType_t; /* ESP-IDF's portBASE_TYPE */
typedef unsigned int UBaseType_t;
#else
typedef long BaseType_t;
typedef unsigned long UBaseType_t;
#endif
typedef uint32_t TickType_t;

#define pdFALSE       ((BaseType_t)0)
#define pdTRUE        ((BaseType_t)1)
#define pdPASS        (pdTRUE)
#define pdFAIL        (pdFALSE)
#define portMAX_DELAY ((TickType_t)0xffffffffUL)

/* Milliseconds to ticks at configTICK_RATE_HZ (rounds down). */
#define pdMS_TO_TICKS(ms) ((TickType_t)(((TickType_t)(ms) * (TickType_t)configTICK_RATE_HZ) / (TickType_t)1000u))

/* Kernel-private layout: a placeholder the ports only embed and pass by address. */
typedef struct xSTATIC_QUEUE {
    void *placeholder[20];
} StaticQueue_t;

/* Heap of heap_1..heap_5 (portable.h). */
void *pvPortMalloc(size_t xWantedSize);
void vPortFree(void *pv);

/* Provided by the Cortex-M ports (portmacro.h); pdTRUE inside an interrupt. */
BaseType_t xPortIsInsideInterrupt(void);

#endif
