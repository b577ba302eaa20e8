/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DECLARATIONS ONLY, FOR COMPILE CHECKS, NOT AN IMPLEMENTATION.
 *
 * <string.h> for the Xtensa compile check (tools/port_check_idf.sh):
 * Debian's xtensa-lx106-elf-gcc comes without a C library, so the C standard's
 * declarations of the functions the library calls are given here.
 */
#ifndef PORT_DECLS_LIBC_STRING_H
#define PORT_DECLS_LIBC_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strncpy(char *restrict dst, const char *restrict src, size_t n);

#endif
