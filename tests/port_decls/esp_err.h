/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DECLARATIONS ONLY, FOR COMPILE CHECKS, NOT AN IMPLEMENTATION.
 *
 * esp_err.h: the error type and the generic codes with their documented values.
 */
#ifndef PORT_DECLS_ESP_ERR_H
#define PORT_DECLS_ESP_ERR_H

typedef int esp_err_t;

#define ESP_OK                0
#define ESP_FAIL              (-1)
#define ESP_ERR_NO_MEM        0x101
#define ESP_ERR_INVALID_ARG   0x102
#define ESP_ERR_INVALID_STATE 0x103
#define ESP_ERR_INVALID_SIZE  0x104
#define ESP_ERR_NOT_FOUND     0x105
#define ESP_ERR_NOT_SUPPORTED 0x106
#define ESP_ERR_TIMEOUT       0x107

const char *esp_err_to_name(esp_err_t code);

/* Aborts with a message when x is not ESP_OK (used as a statement). */
void ESP_ERROR_CHECK(esp_err_t x);

#endif
