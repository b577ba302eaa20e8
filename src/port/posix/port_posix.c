/*
 * POSIX port: the host build (Linux, macOS). Threads stand in for tasks and
 * cores; "ISR context" is a per-thread flag tests can set to check that
 * blocking calls are refused from interrupts.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "modesp/port_posix.h"
#include "port.h"

static _Thread_local bool s_in_isr;
static pthread_mutex_t s_critical = PTHREAD_MUTEX_INITIALIZER;

uint64_t modesp_port_time_us(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

bool modesp_port_in_isr(void) { return s_in_isr; }

void modesp_port_posix_set_isr_context(bool in_isr) { s_in_isr = in_isr; }

uint32_t modesp_port_critical_enter(void)
{
    (void)pthread_mutex_lock(&s_critical);
    return 0u;
}

void modesp_port_critical_exit(uint32_t state)
{
    (void)state;
    (void)pthread_mutex_unlock(&s_critical);
}

void modesp_port_waitq_init(modesp_port_waitq_t *q)
{
    pthread_condattr_t attr;
    (void)pthread_condattr_init(&attr);
    (void)pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    (void)pthread_mutex_init(&q->lock, NULL);
    (void)pthread_cond_init(&q->cond, &attr);
    (void)pthread_condattr_destroy(&attr);
    q->seq = 0u;
}

uint32_t modesp_port_waitq_seq(modesp_port_waitq_t *q)
{
    (void)pthread_mutex_lock(&q->lock);
    uint32_t seq = q->seq;
    (void)pthread_mutex_unlock(&q->lock);
    return seq;
}

esp_err_t modesp_port_waitq_wait(modesp_port_waitq_t *q, uint32_t seen_seq, uint64_t deadline_us)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(deadline_us / 1000000u);
    ts.tv_nsec = (long)((deadline_us % 1000000u) * 1000u);
    esp_err_t result = ESP_OK;
    (void)pthread_mutex_lock(&q->lock);
    while (q->seq == seen_seq) {
        if (pthread_cond_timedwait(&q->cond, &q->lock, &ts) == ETIMEDOUT) {
            result = (q->seq == seen_seq) ? ESP_ERR_TIMEOUT : ESP_OK;
            break;
        }
    }
    (void)pthread_mutex_unlock(&q->lock);
    return result;
}

void modesp_port_waitq_signal(modesp_port_waitq_t *q)
{
    (void)pthread_mutex_lock(&q->lock);
    q->seq++;
    (void)pthread_cond_broadcast(&q->cond);
    (void)pthread_mutex_unlock(&q->lock);
}

void modesp_port_log(modesp_log_level_t level, const char *tag, const char *fmt, ...)
{
    static const char *const names[] = {"?", "E", "W", "I", "D"};
    const char *name = ((unsigned)level < sizeof names / sizeof names[0]) ? names[level] : "?";
    (void)fprintf(stderr, "%s (%s) ", name, tag);
    va_list ap;
    va_start(ap, fmt);
    /* va_start above initialises ap; clang-analyzer 14 misreads the branch before it */
    (void)vfprintf(stderr, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
    va_end(ap);
    (void)fputc('\n', stderr);
}

void *modesp_port_heap_alloc(size_t size) { return malloc(size); }

void modesp_port_heap_free(void *ptr) { free(ptr); }
