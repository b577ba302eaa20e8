/* SPDX-License-Identifier: Apache-2.0 */
/* Bare-metal port: complete types for src/port/port.h (private). */
#ifndef MODESP_PORT_TYPES_H
#define MODESP_PORT_TYPES_H

#include <stdint.h>

/*
 * No scheduler, nothing to block on: a waiter polls `seq`, which every signal
 * advances (see port_baremetal.c).
 */
typedef struct modesp_port_waitq {
    uint32_t seq;
} modesp_port_waitq_t;

/* Nothing to create: a zero-filled queue is the same. */
#define MODESP_PORT_WAITQ_INITIALIZER                                                                                  \
    {                                                                                                                  \
        .seq = 0u                                                                                                      \
    }

#endif /* MODESP_PORT_TYPES_H */
