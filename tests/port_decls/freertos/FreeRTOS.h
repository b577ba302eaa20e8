/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DECLARATIONS ONLY, FOR COMPILE CHECKS, NOT AN IMPLEMENTATION.
 *
 * ESP-IDF's freertos/FreeRTOS.h: the FreeRTOS base types (ESP-IDF widths)
 * plus the SMP additions the ESP-IDF port calls, in the shapes ESP-IDF's API
 * reference documents:
 *  - portMUX_TYPE is the spinlock type of esp_hw_support (spinlock_t: an owner
 *    word and a recursion count; portMUX_INITIALIZER_UNLOCKED has the owner set
 *    to the "free" value, so a lock is not all-zero);
 *  - portENTER_CRITICAL_SAFE / portEXIT_CRITICAL_SAFE are macros over
 *    vPortEnterCriticalSafe / vPortExitCriticalSafe, which pick the task or
 *    the ISR form themselves (always-inline functions in ESP-IDF, declared
 *    here as functions with the same signature);
 *  - xPortInIsrContext; portYIELD_FROM_ISR with or without its argument, over
 *    vPortYieldFromISR (freertos/task.h).
 */
#ifndef PORT_DECLS_ESP_FREERTOS_H
#define PORT_DECLS_ESP_FREERTOS_H

#define PORT_DECLS_ESP_IDF 1
#include "../FreeRTOS.h"

typedef struct {
    volatile uint32_t owner; /* core id of the holder, or SPINLOCK_FREE */
    volatile uint32_t count; /* recursion depth */
} spinlock_t;

#define SPINLOCK_FREE        0xB33FFFFFu
#define SPINLOCK_INITIALIZER {.owner = SPINLOCK_FREE, .count = 0}

typedef spinlock_t portMUX_TYPE;
#define portMUX_INITIALIZER_UNLOCKED SPINLOCK_INITIALIZER

void vPortEnterCriticalSafe(portMUX_TYPE *mux);
void vPortExitCriticalSafe(portMUX_TYPE *mux);
#define portENTER_CRITICAL_SAFE(mux) vPortEnterCriticalSafe(mux)
#define portEXIT_CRITICAL_SAFE(mux)  vPortExitCriticalSafe(mux)

/* pdTRUE when running in an ISR on the calling core. */
BaseType_t xPortInIsrContext(void);

/* Request a context switch when the ISR returns. */
void vPortYieldFromISR(void);

#endif
