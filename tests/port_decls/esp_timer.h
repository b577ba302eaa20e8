/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DECLARATIONS ONLY, FOR COMPILE CHECKS, NOT AN IMPLEMENTATION.
 *
 * esp_timer.h: microseconds since boot.
 */
#ifndef PORT_DECLS_ESP_TIMER_H
#define PORT_DECLS_ESP_TIMER_H

#include <stdint.h>

int64_t esp_timer_get_time(void);

#endif
