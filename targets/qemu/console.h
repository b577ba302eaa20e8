/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Console output of the QEMU images (self-test, bus, dual-hart, post-mortem):
 * text and unsigned numbers through plat_puts, without printf (the images
 * link no stdio). console.c also routes the library's log lines here
 * (modesp_port_baremetal_console_write).
 */
#ifndef MODESP_QEMU_CONSOLE_H
#define MODESP_QEMU_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>

void out(const char *s);                  /* the text as is */
void out_u(uint32_t v);                   /* v in decimal */
void out_kv(const char *key, uint32_t v); /* " key=v" */

/*
 * Checks of the self-test images (selftest.c, bus_selftest.c, riscv/dual_hart.c,
 * postmortem_demo.c), counted once per image and summed up in its RESULT line,
 * which tools/qemu-test.sh looks for. The counters are plain words: each image
 * checks from its main loop only (dual_hart.c from hart 0's).
 */

/* Count a check; when !ok print "FAIL <file's base name>:<line>: <what>", then, when got is not NULL,
 * " returned <got>, expected <want>". Returns ok. */
bool check_at(bool ok, const char *file, int line, const char *what, const char *got, const char *want);

/* How many checks have failed so far. */
uint32_t check_failures(void);

/* "<label> checks=N failures=M" on one line: the counts so far. */
void check_totals(const char *label);

/* The image's last line, "RESULT: PASS checks=N failures=M" (FAIL when a check failed or !ok), and
 * the exit status for plat_exit: 0 on PASS. */
int check_result(bool ok);

#define CHECK(cond)    check_at((cond), __FILE__, __LINE__, #cond, NULL, NULL)
#define CHECK_EQ(a, b) check_at((a) == (b), __FILE__, __LINE__, #a " == " #b, NULL, NULL)

#endif /* MODESP_QEMU_CONSOLE_H */
