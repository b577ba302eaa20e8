/* SPDX-License-Identifier: Apache-2.0 */
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
 * One wait queue per size class. The seq/sleepers/owed/sem_state words (and
 * sem) are guarded by the port critical section; the semaphore only carries
 * wake-ups. See port_freertos.c for why the counts make every wake-up reach
 * the task it was meant for.
 *
 * The semaphore has no static initializer (xSemaphoreCreateCountingStatic
 * builds it in sem_storage at run time), so the first waiter creates it;
 * sem_state says how far that got. Everything starts at zero, so a
 * zero-filled queue is the same as MODESP_PORT_WAITQ_INITIALIZER.
 */
#define MODESP_PORT_WAITQ_SEM_NONE     0u /* not created: nobody has waited yet */
#define MODESP_PORT_WAITQ_SEM_CREATING 1u /* a waiter is creating it, outside the critical section */
#define MODESP_PORT_WAITQ_SEM_READY    2u /* sem is valid; only now may a task register as a sleeper */

typedef struct modesp_port_waitq {
    StaticSemaphore_t sem_storage; /* the counting semaphore lives here: no heap */
    SemaphoreHandle_t sem;         /* tokens = wake-ups given and not yet taken; valid in state READY */
    uint32_t sem_state;            /* MODESP_PORT_WAITQ_SEM_* */
    uint32_t seq;                  /* advanced by every signal */
    uint32_t sleepers;             /* tasks registered to sleep since the last signal */
    uint32_t owed;                 /* tokens a signal handed out that their sleepers have not taken yet */
} modesp_port_waitq_t;

/* sem_storage is left to the zero fill: its layout is the kernel's. */
#define MODESP_PORT_WAITQ_INITIALIZER                                                                                  \
    {                                                                                                                  \
        .sem = NULL, .sem_state = MODESP_PORT_WAITQ_SEM_NONE, .seq = 0u, .sleepers = 0u, .owed = 0u                    \
    }

#endif /* MODESP_PORT_TYPES_H */
