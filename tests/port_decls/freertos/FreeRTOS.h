/*
 * DECLARATIONS ONLY, FOR COMPILE CHECKS, NOT AN IMPLEMENTATION.
 *
 * ESP-IDF's freertos/FreeRTOS.h: the FreeRTOS base types (ESP-IDF widths)
 * plus the SMP additions the ESP-IDF port calls: portMUX_TYPE spinlocks, the
 * _SAFE critical sections usable from task and ISR, xPortInIsrContext.
 */
#ifndef PORT_DECLS_ESP_FREERTOS_H
#define PORT_DECLS_ESP_FREERTOS_H

#define PORT_DECLS_ESP_IDF 1
#include "../FreeRTOS.h"

/* Spinlock; its layout is private: a placeholder. */
typedef struct {
    uint32_t owner;
    uint32_t count;
} portMUX_TYPE;

#define portMUX_INITIALIZER_UNLOCKED                                                                                   \
    {                                                                                                                  \
        0u, 0u                                                                                                         \
    }

void portENTER_CRITICAL_SAFE(portMUX_TYPE *mux);
void portEXIT_CRITICAL_SAFE(portMUX_TYPE *mux);

/* pdTRUE when running in an ISR on the calling core. */
BaseType_t xPortInIsrContext(void);

#endif
