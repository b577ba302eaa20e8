/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Compiled by CTest with the project's warnings (MODESP_WARNINGS), not run:
 * a goto (CASE=1) or a switch (CASE=2) that jumps into the scope of a
 * MODESP_POOLED variable, past its initialisation, must not compile: its
 * scope exit would free an uninitialised pointer. Clang refuses these jumps
 * itself; GCC needs -Wjump-misses-init, which the project adds. CASE=0 is the
 * control: the same jumps around the scope, not into it.
 */
#include "modesp/memory_pool.h"

typedef struct {
    uint8_t data[48];
} work_t;

int process(int mode);
int process(int mode)
{
    int result = 0;
#if CASE == 1
    if (mode > 1) {
        goto retry; /* into the scope of `w`: w is not initialised there */
    }
#else
    if (mode > 1) {
        goto done; /* around the scope */
    }
#endif
    {
        MODESP_POOLED(work_t, w);
#if CASE == 1
    retry:
#endif
        result += w != NULL;
    }
#if CASE == 2
    switch (mode) {
        MODESP_POOLED(work_t, v); /* case 1 below jumps past this initialisation */
    case 1:
        result += v != NULL;
        break;
    default:
        break;
    }
#else
    switch (mode) {
    case 1: {
        MODESP_POOLED(work_t, v);
        result += v != NULL;
        break;
    }
    default:
        break;
    }
#endif
#if CASE != 1
done:
#endif
    return result;
}
