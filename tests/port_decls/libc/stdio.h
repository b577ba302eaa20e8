/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DECLARATIONS ONLY, FOR COMPILE CHECKS, NOT AN IMPLEMENTATION.
 *
 * <stdio.h> for the Xtensa compile check (see string.h here): the C
 * standard's declarations of the formatted-output functions the library uses.
 */
#ifndef PORT_DECLS_LIBC_STDIO_H
#define PORT_DECLS_LIBC_STDIO_H

#include <stdarg.h>
#include <stddef.h>

int printf(const char *restrict fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *restrict fmt, va_list ap) __attribute__((format(printf, 1, 0)));
int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif
