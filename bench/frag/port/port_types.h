/* SPDX-License-Identifier: Apache-2.0 */
/* Bare-metal single-core port (fragmentation firmware only): complete types for src/port/port.h. */
#ifndef MODESP_PORT_TYPES_H
#define MODESP_PORT_TYPES_H

#include <stdint.h>

typedef struct modesp_port_waitq {
    volatile uint32_t seq;
} modesp_port_waitq_t;

#define MODESP_PORT_WAITQ_INITIALIZER                                                                                  \
    {                                                                                                                  \
        .seq = 0u                                                                                                      \
    }

#endif
