/* POSIX port: complete types for src/port/port.h (private). */
#ifndef MODESP_PORT_TYPES_H
#define MODESP_PORT_TYPES_H

#include <pthread.h>
#include <stdint.h>

typedef struct modesp_port_waitq {
    pthread_mutex_t lock;
    pthread_cond_t cond; /* on CLOCK_MONOTONIC */
    uint32_t seq;        /* guarded by lock */
} modesp_port_waitq_t;

#endif /* MODESP_PORT_TYPES_H */
