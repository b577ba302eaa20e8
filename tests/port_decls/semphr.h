/*
 * DECLARATIONS ONLY, FOR COMPILE CHECKS, NOT AN IMPLEMENTATION.
 *
 * semphr.h: the semaphore API the ports call (documented as macros over the
 * queue API; declared here with their documented signatures).
 */
#ifndef PORT_DECLS_SEMPHR_H
#define PORT_DECLS_SEMPHR_H

#ifndef PORT_DECLS_FREERTOS_H
#error "include FreeRTOS.h before semphr.h"
#endif

typedef struct QueueDefinition *QueueHandle_t;
typedef QueueHandle_t SemaphoreHandle_t;
typedef StaticQueue_t StaticSemaphore_t;

SemaphoreHandle_t xSemaphoreCreateCountingStatic(UBaseType_t uxMaxCount, UBaseType_t uxInitialCount,
                                                 StaticSemaphore_t *pxSemaphoreBuffer);
BaseType_t xSemaphoreTake(SemaphoreHandle_t xSemaphore, TickType_t xTicksToWait);
BaseType_t xSemaphoreGive(SemaphoreHandle_t xSemaphore);
BaseType_t xSemaphoreGiveFromISR(SemaphoreHandle_t xSemaphore, BaseType_t *pxHigherPriorityTaskWoken);

#endif
