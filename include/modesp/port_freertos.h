/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Generic FreeRTOS port extras (src/port/freertos/port_freertos.c).
 *
 * The port works out of the box on any FreeRTOS port that provides
 * xPortIsInsideInterrupt() (the Cortex-M ports do). Three things differ from
 * one FreeRTOS port to the next, so the application may supply them:
 *
 *   in_isr   "am I in an interrupt?" Needed where the port has no
 *            xPortIsInsideInterrupt() (build the library with
 *            -DMODESP_FREERTOS_HAS_IS_INSIDE_INTERRUPT=0 there, and set this
 *            hook; without it every caller is taken for a task).
 *   time_us  a monotonic microsecond clock. The default is the tick count
 *            times the tick period: tick resolution only, and it must be read
 *            at least once per half tick-counter period (about 24 days for a
 *            32-bit tick at 1 kHz) to notice the counter wrapping. Supply a
 *            hardware timer for better resolution.
 *   log      one log line (level 1 error .. 4 debug, a tag, printf format and
 *            arguments). The default prints with vprintf; build with
 *            -DMODESP_FREERTOS_LOG_NONE=1 to drop logging altogether.
 *
 * Call modesp_port_freertos_set_hooks once, before the first use of the
 * library, from task context; NULL members keep the defaults. On ESP-IDF the
 * esp_idf port supplies all three and this call does not exist.
 */
#ifndef MODESP_PORT_FREERTOS_H
#define MODESP_PORT_FREERTOS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    bool (*in_isr)(void);                                                   /**< NULL: xPortIsInsideInterrupt() */
    uint64_t (*time_us)(void);                                              /**< NULL: tick count x tick period */
    void (*log)(int level, const char *tag, const char *fmt, va_list args); /**< NULL: vprintf */
} modesp_freertos_hooks_t;

/*
 * Install the hooks (copied). hooks == NULL restores every default; a NULL
 * member keeps that member's default. Call it once, before the first use of
 * the library.
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: no (task context: a plain copy that the library's calls may read meanwhile).
 */
void modesp_port_freertos_set_hooks(const modesp_freertos_hooks_t *hooks);

#ifdef __cplusplus
}
#endif

#endif /* MODESP_PORT_FREERTOS_H */
