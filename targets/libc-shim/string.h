/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Declarations-only <string.h> for cross toolchains that ship no libc
 * (Debian's gcc-xtensa-lx106). Used by `make targets` to compile the library
 * for code-size numbers; nothing is linked against it. On a real ESP8266 the
 * SDK's libc provides these functions.
 */
#ifndef MODESP_LIBC_SHIM_STRING_H
#define MODESP_LIBC_SHIM_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

#endif /* MODESP_LIBC_SHIM_STRING_H */
