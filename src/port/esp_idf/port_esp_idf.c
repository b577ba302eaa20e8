/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ESP-IDF port: the FreeRTOS port's wait queue (port_freertos.c, built with
 * MODESP_PORT_ESP_IDF) plus what ESP-IDF does differently from a generic
 * single-core FreeRTOS:
 *
 *  - critical section: a portMUX_TYPE spinlock. Masking interrupts on one
 *    core does not stop the other core (ESP32, ESP32-S3), so every section
 *    takes the same spinlock; the _SAFE forms pick the task or ISR variant.
 *  - "in ISR": xPortInIsrContext().
 *  - clock: esp_timer_get_time(), microseconds since boot, 64-bit.
 *  - log: ESP_LOGx with the caller's tag, so the lines carry the usual level
 *    letter, timestamp and per-tag level filtering.
 *  - heap fallback: heap_caps_malloc(MALLOC_CAP_8BIT), byte-addressable RAM
 *    (not the 32-bit-only IRAM), as a plain malloc would on most targets but
 *    without depending on the malloc configuration.
 */
#include <stdarg.h>
#include <stdio.h>

#include "esp_heap_caps.h"
#include "esp_log.h"
#include "esp_timer.h"
#include "port.h"

/* One lock for the whole library: its sections are a few instructions long. */
static portMUX_TYPE s_lock = portMUX_INITIALIZER_UNLOCKED;

MODESP_IRAM_ATTR uint64_t modesp_port_time_us(void) { return (uint64_t)esp_timer_get_time(); }

MODESP_IRAM_ATTR bool modesp_port_in_isr(void) { return xPortInIsrContext() != pdFALSE; }

MODESP_IRAM_ATTR uint32_t modesp_port_critical_enter(void)
{
    portENTER_CRITICAL_SAFE(&s_lock);
    return 0u;
}

MODESP_IRAM_ATTR void modesp_port_critical_exit(uint32_t state)
{
    (void)state;
    portEXIT_CRITICAL_SAFE(&s_lock);
}

/*
 * ESP_LOGx take a literal format (they paste the level prefix onto it), so
 * the line is formatted here first. 160 bytes hold every message the library
 * writes; a longer one is cut, not overrun.
 */
void modesp_port_log(modesp_log_level_t level, const char *tag, const char *fmt, ...)
{
    char line[160];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    switch (level) {
    case MODESP_LOG_ERROR:
        ESP_LOGE(tag, "%s", line);
        break;
    case MODESP_LOG_WARN:
        ESP_LOGW(tag, "%s", line);
        break;
    case MODESP_LOG_INFO:
        ESP_LOGI(tag, "%s", line);
        break;
    default:
        ESP_LOGD(tag, "%s", line);
        break;
    }
}

void *modesp_port_heap_alloc(size_t size) { return heap_caps_malloc(size, MALLOC_CAP_8BIT); }

void modesp_port_heap_free(void *ptr) { heap_caps_free(ptr); }
