/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DECLARATIONS ONLY, FOR COMPILE CHECKS, NOT AN IMPLEMENTATION.
 *
 * task.h: the task and critical-section API the ports call. Documented as
 * macros or functions; declared here with their documented signatures.
 */
#ifndef PORT_DECLS_TASK_H
#define PORT_DECLS_TASK_H

#ifndef PORT_DECLS_FREERTOS_H
#error "include FreeRTOS.h before task.h"
#endif

/* The idle task's priority: application tasks are given it plus something. */
#define tskIDLE_PRIORITY ((UBaseType_t)0U)

TickType_t xTaskGetTickCount(void);
TickType_t xTaskGetTickCountFromISR(void);
void vTaskDelay(const TickType_t xTicksToDelay);

#ifndef PORT_DECLS_ESP_IDF
/* Generic FreeRTOS critical sections (ESP-IDF's take a spinlock argument instead). */
void taskENTER_CRITICAL(void);
void taskEXIT_CRITICAL(void);
UBaseType_t taskENTER_CRITICAL_FROM_ISR(void);
void taskEXIT_CRITICAL_FROM_ISR(UBaseType_t uxSavedInterruptStatus);
#endif

#ifdef PORT_DECLS_ESP_IDF
/* ESP-IDF's SMP kernel: a task (e.g. esp_http_server's) that may run on either core. */
#define tskNO_AFFINITY ((BaseType_t)0x7FFFFFFF)

/* ESP-IDF: a macro taking the "woken" flag or nothing; yields when it is true or absent. */
#define PORT_DECLS_YIELD_ARG_(woken) ((woken) != pdFALSE ? vPortYieldFromISR() : (void)0)
#define PORT_DECLS_YIELD_PICK_(_0, _1, name, ...) name
#define portYIELD_FROM_ISR(...)                                                                                        \
    PORT_DECLS_YIELD_PICK_(_0, ##__VA_ARGS__, PORT_DECLS_YIELD_ARG_, vPortYieldFromISR)(__VA_ARGS__)
#else
/* Request a context switch at the end of an ISR when a give woke a higher-priority task. */
void portYIELD_FROM_ISR(BaseType_t xHigherPriorityTaskWoken);
#endif

#endif
