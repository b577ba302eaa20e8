/* SPDX-License-Identifier: Apache-2.0 */
/* POSIX port: complete types for src/port/port.h (private). */
#ifndef MODESP_PORT_TYPES_H
#define MODESP_PORT_TYPES_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * The mutex is not in the queue: one statically initialised mutex in
 * port_posix.c guards every queue. PTHREAD_MUTEX_INITIALIZER is all-zero
 * bits on glibc and musl but not everywhere (macOS starts it with a
 * signature word), so a per-queue mutex would make a zero-filled queue
 * invalid there. The condition variable waits on CLOCK_MONOTONIC, which has
 * no static initializer (pthread_condattr_setclock), so the first wait
 * creates it under that mutex and sets `ready`.
 */
typedef struct modesp_port_waitq {
    pthread_cond_t cond; /* valid once ready */
    bool ready;          /* cond created; guarded by the port's wait-queue mutex */
    uint32_t seq;        /* guarded by the port's wait-queue mutex */
} modesp_port_waitq_t;

/* All zero, so a zero-filled queue is the same; the cond is created by the first wait. */
#define MODESP_PORT_WAITQ_INITIALIZER                                                                                  \
    {                                                                                                                  \
        .ready = false, .seq = 0u                                                                                      \
    }

#endif /* MODESP_PORT_TYPES_H */
