/* SPDX-License-Identifier: Apache-2.0 */
/* The command the cloud module sends to the control module (guide section 6). */
#ifndef DEMO_COMMAND_H
#define DEMO_COMMAND_H

#include <stdint.h>

enum { DEMO_CMD_SETPOINT = 1, DEMO_CMD_DEFROST = 2 };

typedef struct {
    uint32_t id;
    uint32_t op;
    uint32_t due_tick; /* applied from this tick on (a scheduled setpoint change) */
    float setpoint;
    void *reply_token; /* TINY block: where the answer goes; freed with the command */
    char origin[32];
} demo_command_t; /* 64 bytes on a 64-bit host: SMALL */

#endif /* DEMO_COMMAND_H */
