/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DECLARATIONS ONLY, FOR COMPILE CHECKS, NOT AN IMPLEMENTATION.
 *
 * ESP-IDF's freertos/task.h (see ../task.h).
 */
#ifndef PORT_DECLS_ESP_TASK_H
#define PORT_DECLS_ESP_TASK_H
#include "../task.h"
#endif
