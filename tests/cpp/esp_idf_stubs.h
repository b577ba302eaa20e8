/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host stand-ins for the ESP-IDF and FreeRTOS names the guide's snippets use
 * (ESP_LOG*, esp_timer_get_time, esp_err_to_name, a FreeRTOS queue), so the
 * snippets compile and run on Linux as written. The log keeps the lines in a
 * fixed buffer the test reads back (no heap); the queue is a fixed ring.
 */
#ifndef MODESP_TEST_ESP_IDF_STUBS_H
#define MODESP_TEST_ESP_IDF_STUBS_H

#include <cstddef>
#include <cstdint>

#include "modesp/hooks.h"
#include "modesp/mempool_err.h"

/* ---------------------------------------------------------------- esp_log.h */

/* Record one log line ("W tag: text") in the test's buffer and print it. */
void test_log(char level, const char *tag, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Whether a line recorded since the last test_log_clear contains `text`. */
bool test_log_contains(const char *text);
/* How many recorded lines contain `text`. */
int test_log_count(const char *text);
void test_log_clear();

#define ESP_LOGE(tag, fmt, ...) test_log('E', tag, fmt, ##__VA_ARGS__)
#define ESP_LOGW(tag, fmt, ...) test_log('W', tag, fmt, ##__VA_ARGS__)
#define ESP_LOGI(tag, fmt, ...) test_log('I', tag, fmt, ##__VA_ARGS__)
#define ESP_LOGD(tag, fmt, ...) test_log('D', tag, fmt, ##__VA_ARGS__)

/* -------------------------------------------------- esp_timer.h, esp_err.h */

/* ESP-IDF's microsecond clock: the library's clock here (the tests may fake it). */
inline int64_t esp_timer_get_time() { return static_cast<int64_t>(modesp_time_us()); }

inline const char *esp_err_to_name(esp_err_t err) { return modesp_err_to_name(err); }

/* ------------------------------------------------------- FreeRTOS queue.h */

typedef int BaseType_t;
typedef uint32_t TickType_t;
#define pdTRUE  1
#define pdFALSE 0

/* A queue of pointers with a fixed capacity (the guide's queue carries Command *). */
struct StubQueue {
    static constexpr size_t kCapacity = 4;
    void *items[kCapacity];
    size_t head;
    size_t count;
};

/* The queue the handles below start connected to (the test's). */
StubQueue *stub_default_queue();

/*
 * FreeRTOS's QueueHandle_t is a pointer made by xQueueCreate, which the
 * guide's CommandQueue leaves out (its constructor is not shown). The
 * stand-in handle starts connected to the test's queue, so the class runs
 * as written.
 */
struct QueueHandle_t {
    StubQueue *queue = stub_default_queue();
};

/* Copy the pointer at *item into the queue; pdFALSE when full. */
BaseType_t xQueueSend(QueueHandle_t handle, const void *item, TickType_t ticks_to_wait);
/* Take the oldest pointer into *item; pdFALSE when empty. */
BaseType_t xQueueReceive(QueueHandle_t handle, void *item, TickType_t ticks_to_wait);

#endif /* MODESP_TEST_ESP_IDF_STUBS_H */
