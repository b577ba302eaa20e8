/* SPDX-License-Identifier: Apache-2.0 */
/* The one check macro of the standalone port unit tests (no test framework: they build for any host compiler). */
#ifndef MODESP_PORT_UNIT_CHECK_H
#define MODESP_PORT_UNIT_CHECK_H

#include <stdio.h>

static unsigned s_failures;

#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            s_failures++;                                                                                              \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                                                     \
        }                                                                                                              \
    } while (0)

#endif
