/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DECLARATIONS ONLY, FOR COMPILE CHECKS, NOT AN IMPLEMENTATION.
 *
 * esp_event.h: the default event loop, as ESP-IDF v5.x documents it (Wi-Fi,
 * Ethernet, IP and esp_http_server post their events to it).
 */
#ifndef PORT_DECLS_ESP_EVENT_H
#define PORT_DECLS_ESP_EVENT_H

#include "esp_err.h"

/* esp_event_base.h: an event base is a unique string pointer. */
typedef const char *esp_event_base_t;

/* Create the default event loop. Errors: ESP_ERR_INVALID_STATE when it already exists, ESP_ERR_NO_MEM. */
esp_err_t esp_event_loop_create_default(void);

#endif
