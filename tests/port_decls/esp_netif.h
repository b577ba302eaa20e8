/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DECLARATIONS ONLY, FOR COMPILE CHECKS, NOT AN IMPLEMENTATION.
 *
 * esp_netif.h: the TCP/IP stack's one-time initialisation, as ESP-IDF v5.x
 * documents it (the ESP-IDF example calls it before starting esp_http_server).
 */
#ifndef PORT_DECLS_ESP_NETIF_H
#define PORT_DECLS_ESP_NETIF_H

#include "esp_err.h"

/* Initialise the underlying TCP/IP stack; once per application, before any netif is created. */
esp_err_t esp_netif_init(void);

#endif
