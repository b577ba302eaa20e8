/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guide section 6, "Command queue with pooled commands", in C.
 *
 * A producer builds each command in a pooled block and passes the pointer
 * through a queue; whoever holds the pointer owns the block:
 *   - the producer gives up ownership with modesp_pooled_release before
 *     sending, so its scope no longer frees the block;
 *   - if the queue is full, nobody took it: the producer frees it itself;
 *   - the consumer frees each command after processing it, with the sized
 *     free modesp_pool_manager_deallocate(pm, raw, sizeof(command_t)).
 * On the host a small pthread queue stands in for a FreeRTOS queue; the send
 * never waits, like xQueueSend(queue, &raw, 0).
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "example_check.h"
#include "modesp/memory_pool.h"

#define NAME       "example_command_queue"
#define QUEUE_LEN  8u
#define N_COMMANDS 1000u

typedef enum { CMD_READ, CMD_WRITE, CMD_CONTROL } command_type_t;

/* 72 bytes: the 128-byte MEDIUM class by default. */
typedef struct {
    command_type_t type;
    uint32_t address;
    uint8_t data[64];
} command_t;

/* ----- a bounded queue of command pointers: send never blocks, receive does ----- */

typedef struct {
    command_t *items[QUEUE_LEN];
    size_t head;
    size_t count;
    bool closed; /* no more sends: receive returns NULL once empty */
    pthread_mutex_t lock;
    pthread_cond_t not_empty;
} cmd_queue_t;

static void queue_init(cmd_queue_t *q)
{
    *q = (cmd_queue_t){.head = 0};
    (void)pthread_mutex_init(&q->lock, NULL);
    (void)pthread_cond_init(&q->not_empty, NULL);
}

static void queue_destroy(cmd_queue_t *q)
{
    (void)pthread_cond_destroy(&q->not_empty);
    (void)pthread_mutex_destroy(&q->lock);
}

/* Like xQueueSend(q, &cmd, 0): false when full, the caller still owns cmd. */
static bool queue_try_send(cmd_queue_t *q, command_t *cmd)
{
    bool sent = false;
    (void)pthread_mutex_lock(&q->lock);
    if (q->count < QUEUE_LEN && !q->closed) {
        q->items[(q->head + q->count) % QUEUE_LEN] = cmd;
        q->count++;
        sent = true;
        (void)pthread_cond_signal(&q->not_empty);
    }
    (void)pthread_mutex_unlock(&q->lock);
    return sent;
}

/* Like xQueueReceive(q, &cmd, portMAX_DELAY); NULL once the queue is closed and empty. */
static command_t *queue_receive(cmd_queue_t *q)
{
    command_t *cmd = NULL;
    (void)pthread_mutex_lock(&q->lock);
    while (q->count == 0u && !q->closed) {
        (void)pthread_cond_wait(&q->not_empty, &q->lock);
    }
    if (q->count > 0u) {
        cmd = q->items[q->head];
        q->head = (q->head + 1u) % QUEUE_LEN;
        q->count--;
    }
    (void)pthread_mutex_unlock(&q->lock);
    return cmd;
}

static void queue_close(cmd_queue_t *q)
{
    (void)pthread_mutex_lock(&q->lock);
    q->closed = true;
    (void)pthread_cond_broadcast(&q->not_empty);
    (void)pthread_mutex_unlock(&q->lock);
}

/* ----- producer side: the guide's enqueue_command ----- */

typedef enum { ENQ_QUEUED, ENQ_QUEUE_FULL, ENQ_NO_MEMORY, ENQ_FREE_ERROR } enqueue_result_t;

static enqueue_result_t enqueue_command(cmd_queue_t *q, command_type_t type, uint32_t addr)
{
    MODESP_POOLED(command_t, cmd); /* freed at scope exit while we still own it */
    if (cmd == NULL) {
        return ENQ_NO_MEMORY;
    }
    cmd->type = type;
    cmd->address = addr;
    for (size_t i = 0; i < sizeof cmd->data; i++) {
        cmd->data[i] = (uint8_t)(addr + i); /* a pattern the consumer verifies */
    }

    /* NOLINTNEXTLINE(bugprone-sizeof-expression): the macro's compile-time type check */
    command_t *raw = modesp_pooled_release(cmd); /* the queue takes ownership; cmd is NULL now */
    if (!queue_try_send(q, raw)) {
        /* Failed to queue: nobody owns it but us, clean up. */
        const esp_err_t err = modesp_pool_manager_deallocate(modesp_get_pool_manager(), raw, sizeof(command_t));
        return err == ESP_OK ? ENQ_QUEUE_FULL : ENQ_FREE_ERROR;
    }
    return ENQ_QUEUED;
}

typedef struct {
    cmd_queue_t *queue;
    uint32_t first_addr;
    unsigned queued;
    unsigned refused;
    unsigned no_memory;
    unsigned free_errors;
    uint64_t queued_addr_sum; /* to check the consumer saw exactly the queued commands */
} producer_t;

/* One command every `pace_us` (0: as fast as possible). */
static void produce(producer_t *p, unsigned n, unsigned pace_us, bool verbose)
{
    const struct timespec pause = {.tv_sec = 0, .tv_nsec = (long)pace_us * 1000L};
    for (unsigned i = 0; i < n; i++) {
        if (pace_us != 0u) {
            (void)nanosleep(&pause, NULL);
        }
        const uint32_t addr = p->first_addr + i;
        switch (enqueue_command(p->queue, (command_type_t)(i % 3u), addr)) {
        case ENQ_QUEUED:
            p->queued++;
            p->queued_addr_sum += addr;
            break;
        case ENQ_QUEUE_FULL:
            p->refused++;
            if (verbose) {
                printf("  command 0x%04x: queue full, the producer freed it itself\n", (unsigned)addr);
            }
            break;
        case ENQ_NO_MEMORY:
            p->no_memory++;
            break;
        case ENQ_FREE_ERROR:
            p->free_errors++;
            break;
        }
    }
}

static void *producer_main(void *arg)
{
    /* A sensor-paced producer: the consumer normally keeps up, a hiccup may fill the queue. */
    produce(arg, N_COMMANDS, 20u, false);
    return NULL;
}

/* ----- consumer side ----- */

typedef struct {
    cmd_queue_t *queue;
    unsigned processed;
    unsigned bad_data;
    unsigned free_errors;
    uint64_t addr_sum;
} consumer_t;

static void *consumer_main(void *arg)
{
    static const char *const names[] = {"READ", "WRITE", "CONTROL"};
    consumer_t *c = arg;
    command_t *raw;
    while ((raw = queue_receive(c->queue)) != NULL) {
        /* "Process" the command: check that it arrived intact. */
        for (size_t i = 0; i < sizeof raw->data; i++) {
            c->bad_data += raw->data[i] != (uint8_t)(raw->address + i);
        }
        if (c->processed < 3u) {
            printf("  consumer: %s @0x%04x\n", names[raw->type], (unsigned)raw->address);
        }
        c->addr_sum += raw->address;
        c->processed++;
        /* The consumer owns it now: sized free, as the guide's deallocate(raw, sizeof(Command)). */
        c->free_errors += modesp_pool_manager_deallocate(modesp_get_pool_manager(), raw, sizeof(command_t)) != ESP_OK;
    }
    return NULL;
}

/* ----- checks ----- */

static size_t command_class_in_use(void)
{
    const int cls = modesp_pool_manager_class_for_size(sizeof(command_t));
    return modesp_pool_in_use(modesp_pool_manager_get_pool(modesp_get_pool_manager(), (modesp_size_class_t)cls));
}

int main(void)
{
    cmd_queue_t queue;
    queue_init(&queue);

    printf("1) the consumer is not running yet: send %u commands to a queue of %u\n", QUEUE_LEN + 2u, QUEUE_LEN);
    producer_t early = {.queue = &queue, .first_addr = 0x0100};
    produce(&early, QUEUE_LEN + 2u, 0u, true);
    printf("  queued %u, refused %u; commands in the pool: %zu (only the queued ones)\n", early.queued, early.refused,
           command_class_in_use());
    check(early.queued == QUEUE_LEN && early.refused == 2u, "the two extra commands are refused");
    check(command_class_in_use() == QUEUE_LEN, "refused commands went back to the pool");

    printf("2) consumer and producer threads: %u more commands\n", N_COMMANDS);
    consumer_t consumer = {.queue = &queue};
    producer_t producer = {.queue = &queue, .first_addr = 0x1000};
    pthread_t consumer_thread;
    pthread_t producer_thread;
    check(pthread_create(&consumer_thread, NULL, consumer_main, &consumer) == 0, "start the consumer");
    check(pthread_create(&producer_thread, NULL, producer_main, &producer) == 0, "start the producer");
    (void)pthread_join(producer_thread, NULL);
    queue_close(&queue); /* the consumer drains what is left, then stops */
    (void)pthread_join(consumer_thread, NULL);
    queue_destroy(&queue);

    printf("  producer: queued %u, queue full %u (freed by the producer), no memory %u\n", producer.queued,
           producer.refused, producer.no_memory);
    printf("  consumer: processed %u, damaged %u, free errors %u\n", consumer.processed, consumer.bad_data,
           consumer.free_errors);
    check(producer.queued + producer.refused + producer.no_memory == N_COMMANDS, "every command accounted for");
    check(early.free_errors == 0u && producer.free_errors == 0u, "refused commands freed cleanly");
    check(consumer.processed == early.queued + producer.queued, "every queued command was processed");
    check(consumer.addr_sum == early.queued_addr_sum + producer.queued_addr_sum, "exactly the queued commands");
    check(consumer.bad_data == 0u && consumer.free_errors == 0u, "intact commands, clean frees");

    check_manager_clean();
    return example_finish(NAME);
}
