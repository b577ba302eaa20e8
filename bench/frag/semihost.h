/* SPDX-License-Identifier: Apache-2.0 */
/* ARM semihosting calls used by the fragmentation firmware (QEMU -semihosting). */
#ifndef FRAG_SEMIHOST_H
#define FRAG_SEMIHOST_H

#include <stdint.h>

void semihost_puts(const char *s);
__attribute__((noreturn)) void semihost_exit(int status);

/* Tiny formatted output without stdio: stdio would allocate its buffers on the heap under study. */
void out_str(const char *s);
void out_u(unsigned long v);
void out_i(long v);
void out_flush(void);

#endif
