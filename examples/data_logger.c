/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guide section 4, "Module-specific memory pools", in C.
 *
 * A data logger owns a pool of 100 log entries, so a burst of logging can
 * never take memory from other modules (and other modules cannot starve the
 * logger). Entries wait in the logger until flush() writes them out and
 * returns them to the pool; when all 100 are pending, the 101st log call
 * finds the pool empty and the entry is dropped and counted, not blocked on.
 */
#include <stdio.h>

#include "example_check.h"
#include "modesp/memory_pool.h"

#define NAME "example_data_logger"

typedef struct {
    uint16_t sensor_id;
    float value;
} sensor_data_t;

typedef struct log_entry {
    int64_t timestamp_us;
    uint16_t sensor_id;
    float value;
    struct log_entry *next; /* pending list: no array to size, the pool bounds it */
} log_entry_t;

#define LOG_CAPACITY 100

/* The module's own pool: 100 blocks of sizeof(log_entry_t), static, ready without init. */
/* NOLINTNEXTLINE(bugprone-sizeof-expression): the macro's _Static_assert on the block size */
MODESP_POOL_DEFINE_STATIC(log_pool, sizeof(log_entry_t), LOG_CAPACITY);

typedef struct {
    log_entry_t *first; /* oldest pending entry */
    log_entry_t *last;
    unsigned pending;
    unsigned dropped;
    unsigned written;
} data_logger_t;

/* Stand-in for esp_timer_get_time(): a sample every 10 ms, same output on every run. */
static int64_t fake_time_us(void)
{
    static int64_t now;
    return now += 10000;
}

static void log_data(data_logger_t *logger, const sensor_data_t *data)
{
    log_entry_t *entry = modesp_pool_allocate(&log_pool);
    if (entry == NULL) {
        /* Pool exhausted: drop and count. Never block a sensor task on logging. */
        logger->dropped++;
        printf("  log #%u: pool exhausted, entry dropped (%u dropped so far)\n",
               logger->pending + logger->dropped + logger->written, logger->dropped);
        return;
    }
    *entry =
        (log_entry_t){.timestamp_us = fake_time_us(), .sensor_id = data->sensor_id, .value = data->value, .next = NULL};
    if (logger->last != NULL) {
        logger->last->next = entry;
    } else {
        logger->first = entry;
    }
    logger->last = entry;
    logger->pending++;
}

/* Write pending entries out (here: a summary line) and return them to the pool. */
static void flush(data_logger_t *logger)
{
    unsigned n = 0;
    int64_t t0 = 0;
    int64_t t1 = 0;
    while (logger->first != NULL) {
        log_entry_t *entry = logger->first;
        logger->first = entry->next;
        t0 = (n == 0u) ? entry->timestamp_us : t0;
        t1 = entry->timestamp_us;
        n++;
        check(modesp_pool_deallocate(&log_pool, entry) == ESP_OK, "return an entry to the log pool");
    }
    logger->last = NULL;
    logger->pending = 0;
    logger->written += n;
    printf("  flush: wrote %u entries (t = %lld .. %lld us)\n", n, (long long)t0, (long long)t1);
}

static void print_stats(const char *when)
{
    modesp_pool_stats_t st;
    check(modesp_pool_get_stats(&log_pool, &st) == ESP_OK, "read log pool stats");
    printf("  stats %s: %s %u x %u B, in_use %u, peak %u, total_allocs %u, alloc_failures %u, invalid_frees %u\n", when,
           st.name, (unsigned)st.capacity, (unsigned)st.block_size, (unsigned)st.in_use, (unsigned)st.peak,
           (unsigned)st.total_allocs, (unsigned)st.alloc_failures, (unsigned)st.invalid_frees);
}

static void check_clean(void)
{
    modesp_pool_integrity_t report = {0};
    esp_err_t err = modesp_pool_check_integrity(&log_pool, &report);
    printf("log pool integrity: %s (%u free, %u allocated)\n", modesp_err_to_name(err), (unsigned)report.free_blocks,
           (unsigned)report.allocated_blocks);
    check(err == ESP_OK && modesp_pool_in_use(&log_pool) == 0u, "log pool intact and empty");

    /* The logger never touched the shared manager: it must be clean too. */
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    modesp_pool_manager_stats_t st;
    err = modesp_pool_manager_check_integrity(pm, NULL, NULL);
    check(modesp_pool_manager_get_stats(pm, &st) == ESP_OK, "read the manager stats");
    printf("manager integrity: %s, in use: %u bytes, reserve %u blocks, heap %u blocks\n", modesp_err_to_name(err),
           (unsigned)st.bytes_in_use, (unsigned)st.reserve.in_use, (unsigned)st.heap_in_use);
    check(err == ESP_OK && st.bytes_in_use == 0u && st.reserve.in_use == 0u && st.heap_in_use == 0u,
          "manager intact and empty");
}

int main(void)
{
    data_logger_t logger = {0};

    printf("log pool: %zu entries of %zu bytes (static, no init call)\n", modesp_pool_capacity(&log_pool),
           modesp_pool_block_size(&log_pool));

    printf("1) log 101 samples without flushing\n");
    for (unsigned i = 0; i < LOG_CAPACITY + 1u; i++) {
        const sensor_data_t sample = {.sensor_id = (uint16_t)(i % 4u), .value = 20.0f + (float)i * 0.1f};
        log_data(&logger, &sample);
        if (i + 1u == LOG_CAPACITY) {
            printf("  log #%u: ok, %u entries pending, pool in_use %zu\n", i + 1u, logger.pending,
                   modesp_pool_in_use(&log_pool));
        }
    }
    check(logger.pending == LOG_CAPACITY && logger.dropped == 1u, "100 pending, the 101st dropped");
    print_stats("when full");

    printf("2) flush\n");
    flush(&logger);
    print_stats("after flush");

    printf("3) log 10 more and flush: the freed entries are reused\n");
    for (unsigned i = 0; i < 10u; i++) {
        const sensor_data_t sample = {.sensor_id = 7, .value = (float)i};
        log_data(&logger, &sample);
    }
    flush(&logger);

    modesp_pool_stats_t st;
    check(modesp_pool_get_stats(&log_pool, &st) == ESP_OK, "read log pool stats");
    print_stats("at the end");
    check(st.in_use == 0u && st.peak == LOG_CAPACITY && st.total_allocs == LOG_CAPACITY + 10u &&
              st.alloc_failures == 1u && st.invalid_frees == 0u,
          "stats: 110 allocations, peak 100, one failure");
    check(logger.written == LOG_CAPACITY + 10u, "110 entries written");

    check_clean();
    return example_finish(NAME);
}
