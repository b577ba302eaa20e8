/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Compiled by CTest with -Wall -Werror, not run: modesp_pooled_release
 * returns the variable's own pointer type (GCC and Clang), so handing a
 * released block to a pointer of another type is a diagnostic. CASE=0 is the
 * control (same type, and void *); CASE=1 assigns to the wrong type, CASE=2
 * returns it as the wrong type, CASE=3 releases something that is not a
 * pointer. Before, the result was void * and CASE 1 and 2 compiled silently.
 */
#include "modesp/memory_pool.h"

typedef struct {
    uint32_t id;
    uint8_t data[60];
} command_t;

typedef struct {
    float samples[16];
} sensor_t;

command_t *hand_out(void);
command_t *hand_out(void)
{
    command_t *cmd = modesp_make_pooled(command_t);
#if CASE == 0
    void *raw = modesp_pooled_release(cmd);
    cmd = raw;
    return modesp_pooled_release(cmd);
#elif CASE == 1
    sensor_t *wrong = modesp_pooled_release(cmd);
    (void)wrong;
    return NULL;
#elif CASE == 2
    sensor_t *s = modesp_make_pooled(sensor_t);
    (void)modesp_pool_manager_free(modesp_get_pool_manager(), cmd);
    return modesp_pooled_release(s);
#elif CASE == 3
    uint32_t id = cmd->id;
    (void)modesp_pooled_release(id);
    return cmd;
#endif
}
