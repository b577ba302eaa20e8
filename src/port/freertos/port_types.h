/*
 * FreeRTOS port: complete types for src/port/port.h (private).
 *
 * Shared by the generic FreeRTOS port and the ESP-IDF port (which includes
 * this file after defining MODESP_PORT_ESP_IDF): only the include paths of
 * the kernel headers differ between the two.
 */
#ifndef MODESP_PORT_TYPES_H
#define MODESP_PORT_TYPES_H

#include <stdint.h>

#if defined(MODESP_PORT_ESP_IDF) && MODESP_PORT_ESP_IDF
#include "freertos/FreeRTOS.h"
#include "freertos/semphr.h"
#include "freertos/task.h"
#else
#include "FreeRTOS.h"
#include "semphr.h"
#include "task.h"
#endif

#if !defined(configSUPPORT_STATIC_ALLOCATION) || (configSUPPORT_STATIC_ALLOCATION == 0)
#error "modesp_mempool's FreeRTOS port creates its semaphores statically: set configSUPPORT_STATIC_ALLOCATION to 1"
#endif

/*
 * One wait queue per size class. The seq/sleepers/owed words are guarded by
 * the port critical section; the semaphore only carries wake-ups. See
 * port_freertos.c for why the counts make every wake-up reach the task it
 * was meant for.
 */
typedef struct modesp_port_waitq {
    StaticSemaphore_t sem_storage; /* the counting semaphore lives here: no heap */
    SemaphoreHandle_t sem;         /* tokens = wake-ups given and not yet taken */
    uint32_t seq;                  /* advanced by every signal */
    uint32_t sleepers;             /* tasks registered to sleep since the last signal */
    uint32_t owed;                 /* tokens a signal handed out that their sleepers have not taken yet */
} modesp_port_waitq_t;

#endif /* MODESP_PORT_TYPES_H */
