/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Compiled by CTest, not run: modesp_make_pooled of a type larger than the
 * largest class must not compile (EXTRA=1), while the same code with a type
 * that fits must (EXTRA=0, the control that proves the failure is the size
 * check and not a typo).
 */
#include "modesp/memory_pool.h"

typedef struct {
    uint8_t bytes[MODESP_POOL_MAX_BLOCK_SIZE + EXTRA];
} payload_t;

void *make_one(void);
void *make_one(void)
{
    payload_t *p = modesp_make_pooled(payload_t);
    return p;
}
