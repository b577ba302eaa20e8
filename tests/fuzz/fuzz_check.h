/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The divergence report of the fuzz harnesses (fuzz_bus.c, fuzz_diag.c): the
 * first difference between the library and the model aborts the run, so
 * libFuzzer keeps the input as a crash, with what differed on stderr.
 * Define FUZZ_HARNESS_NAME (a string) before including this.
 */
#ifndef MODESP_FUZZ_CHECK_H
#define MODESP_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#ifndef FUZZ_HARNESS_NAME
#error "define FUZZ_HARNESS_NAME before including fuzz_check.h"
#endif

static void fail(const char *what, long expected, long got)
{
    fprintf(stderr, FUZZ_HARNESS_NAME ": %s: expected %ld, got %ld\n", what, expected, got);
    abort();
}

/* Model value e against library value g, both as long. */
#define EXPECT_EQ(what, e, g)                                                                                          \
    do {                                                                                                               \
        const long e_ = (long)(e), g_ = (long)(g);                                                                     \
        if (e_ != g_) {                                                                                                \
            fail((what), e_, g_);                                                                                      \
        }                                                                                                              \
    } while (0)

#endif
