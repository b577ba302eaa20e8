/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Console output of the QEMU images (self-test, bus, dual-hart, post-mortem):
 * text and unsigned numbers through plat_puts, without printf (the images
 * link no stdio). console.c also routes the library's log lines here
 * (modesp_port_baremetal_console_write).
 */
#ifndef MODESP_QEMU_CONSOLE_H
#define MODESP_QEMU_CONSOLE_H

#include <stdint.h>

void out(const char *s);                  /* the text as is */
void out_u(uint32_t v);                   /* v in decimal */
void out_kv(const char *key, uint32_t v); /* " key=v" */

#endif /* MODESP_QEMU_CONSOLE_H */
