/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DECLARATIONS ONLY, FOR COMPILE CHECKS, NOT AN IMPLEMENTATION.
 *
 * ESP-IDF's freertos/semphr.h (see ../semphr.h).
 */
#ifndef PORT_DECLS_ESP_SEMPHR_H
#define PORT_DECLS_ESP_SEMPHR_H
#include "../semphr.h"
#endif
