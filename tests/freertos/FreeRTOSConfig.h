/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel configuration for tests/freertos/freertos_sim_test.c on the FreeRTOS
 * POSIX simulator port (tools/freertos_sim.sh). Our own file: the kernel
 * itself is fetched outside the repository.
 *
 * Everything is allocated statically (configSUPPORT_DYNAMIC_ALLOCATION 0), as
 * the library's FreeRTOS port does: if anything in the run asked for the
 * kernel heap, the link would fail.
 */
#ifndef FREERTOS_CONFIG_H
#define FREERTOS_CONFIG_H

#define configUSE_PREEMPTION                1
#define configUSE_TIME_SLICING              1 /* equal-priority hammer tasks share the CPU tick by tick */
#define configUSE_IDLE_HOOK                 0
#define configUSE_TICK_HOOK                 1 /* the test's "ISR" side runs in the tick interrupt */
#define configTICK_RATE_HZ                  1000
#define configMAX_PRIORITIES                6
#define configMINIMAL_STACK_SIZE            256 /* the POSIX port runs each task on its own pthread stack */
#define configMAX_TASK_NAME_LEN             12
#define configTICK_TYPE_WIDTH_IN_BITS       TICK_TYPE_WIDTH_64_BITS /* the POSIX port's TickType_t is unsigned long */
#define configIDLE_SHOULD_YIELD             1
#define configUSE_MUTEXES                   1
#define configUSE_COUNTING_SEMAPHORES       1 /* the library's wait queue */
#define configUSE_TIMERS                    0
#define configUSE_CO_ROUTINES               0
#define configSUPPORT_STATIC_ALLOCATION     1
#define configSUPPORT_DYNAMIC_ALLOCATION    0
#define configKERNEL_PROVIDED_STATIC_MEMORY 1 /* idle task memory */
#define configCHECK_FOR_STACK_OVERFLOW      0
#define configUSE_TRACE_FACILITY            0

#define INCLUDE_vTaskDelay             1
#define INCLUDE_vTaskSuspend           1 /* portMAX_DELAY blocks without a time limit */
#define INCLUDE_vTaskDelete            1
#define INCLUDE_xTaskGetSchedulerState 1

void sim_assert_failed(const char *file, int line);
#define configASSERT(x)                                                                                                \
    if ((x) == 0) {                                                                                                    \
        sim_assert_failed(__FILE__, __LINE__);                                                                         \
    }

#endif /* FREERTOS_CONFIG_H */
