/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stand-ins of base_module.h and esp_idf_stubs.h, and the helpers of
 * guide_support.h. No heap: logs, queue, tasks and captures use fixed
 * buffers, so the guide's snippets are the only possible heap users.
 */
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include "base_module.h"
#include "guide_support.h"
#include "modesp/port_posix.h"

/* ------------------------------------------------------------------ log */

namespace {
char g_log[16384];
size_t g_log_len;
} // namespace

void test_log(char level, const char *tag, const char *fmt, ...)
{
    char line[512];
    int n = std::snprintf(line, sizeof line, "%c (%s) ", level, tag);
    va_list ap;
    va_start(ap, fmt);
    (void)std::vsnprintf(line + n, sizeof line - static_cast<size_t>(n), fmt, ap);
    va_end(ap);
    std::printf("%s\n", line);
    const size_t len = std::strlen(line);
    if (g_log_len + len + 2 < sizeof g_log) {
        std::memcpy(g_log + g_log_len, line, len);
        g_log_len += len;
        g_log[g_log_len++] = '\n';
        g_log[g_log_len] = '\0';
    }
}

bool test_log_contains(const char *text) { return test_log_count(text) > 0; }

int test_log_count(const char *text)
{
    int n = 0;
    for (const char *p = std::strstr(g_log, text); p != nullptr; p = std::strstr(p + 1, text)) {
        n++;
    }
    return n;
}

void test_log_clear()
{
    g_log_len = 0;
    g_log[0] = '\0';
}

/* ---------------------------------------------------------------- queue */

StubQueue *stub_default_queue()
{
    static StubQueue queue;
    return &queue;
}

BaseType_t xQueueSend(QueueHandle_t handle, const void *item, TickType_t)
{
    StubQueue *q = handle.queue;
    if (q->count == StubQueue::kCapacity) {
        return pdFALSE;
    }
    std::memcpy(&q->items[(q->head + q->count) % StubQueue::kCapacity], item, sizeof(void *));
    q->count++;
    return pdTRUE;
}

BaseType_t xQueueReceive(QueueHandle_t handle, void *item, TickType_t)
{
    StubQueue *q = handle.queue;
    if (q->count == 0) {
        return pdFALSE;
    }
    std::memcpy(item, &q->items[q->head], sizeof(void *));
    q->head = (q->head + 1) % StubQueue::kCapacity;
    q->count--;
    return pdTRUE;
}

/* ------------------------------------------------- recurring tasks (stub) */

namespace {
constexpr int kMaxTasks = 4;
} // namespace

BaseModule::Task *BaseModule::task_table()
{
    static BaseModule::Task tasks[kMaxTasks];
    return tasks;
}

BaseModule::Task *BaseModule::free_task()
{
    for (int i = 0; i < kMaxTasks; i++) {
        if (task_table()[i].owner == nullptr) {
            return &task_table()[i];
        }
    }
    return nullptr;
}

void BaseModule::remove_tasks(const BaseModule *owner)
{
    for (int i = 0; i < kMaxTasks; i++) {
        if (task_table()[i].owner == owner) {
            task_table()[i].fn.reset();
            task_table()[i].owner = nullptr;
        }
    }
}

int BaseModule::run_recurring_tasks()
{
    int ran = 0;
    for (int i = 0; i < kMaxTasks; i++) {
        if (task_table()[i].owner != nullptr && task_table()[i].fn) {
            task_table()[i].fn();
            ran++;
        }
    }
    return ran;
}

/* ------------------------------------------------------- stderr capture */

namespace {
int g_capture_fd = -1;
int g_saved_stderr = -1;
char g_captured[32768];
} // namespace

void stderr_capture_begin()
{
    if (g_capture_fd < 0) {
        char path[] = "/tmp/modesp_cpp_stderr_XXXXXX";
        g_capture_fd = mkstemp(path);
        assert_true(g_capture_fd >= 0);
        (void)unlink(path);
    }
    (void)std::fflush(stderr);
    assert_int_equal(ftruncate(g_capture_fd, 0), 0);
    assert_int_equal(lseek(g_capture_fd, 0, SEEK_SET), 0); /* the offset is shared with fd 2: start over */
    g_saved_stderr = dup(STDERR_FILENO);
    assert_true(g_saved_stderr >= 0);
    assert_true(dup2(g_capture_fd, STDERR_FILENO) >= 0);
}

const char *stderr_capture_end()
{
    (void)std::fflush(stderr);
    assert_true(dup2(g_saved_stderr, STDERR_FILENO) >= 0);
    (void)close(g_saved_stderr);
    g_saved_stderr = -1;
    const ssize_t n = pread(g_capture_fd, g_captured, sizeof g_captured - 1, 0);
    g_captured[n > 0 ? n : 0] = '\0';
    (void)std::fputs(g_captured, stderr); /* still visible in the test's output */
    return g_captured;
}

/* ------------------------------------------------------------ fake clock */

namespace {
uint64_t g_fake_us;
uint64_t fake_clock() { return __atomic_load_n(&g_fake_us, __ATOMIC_RELAXED); }
} // namespace

void fake_clock_install(uint64_t start_us)
{
    __atomic_store_n(&g_fake_us, start_us, __ATOMIC_RELAXED);
    modesp_port_posix_set_clock(fake_clock);
}

void fake_clock_advance_ms(uint32_t ms) { __atomic_fetch_add(&g_fake_us, uint64_t{ms} * 1000u, __ATOMIC_RELAXED); }

void fake_clock_remove() { modesp_port_posix_set_clock(nullptr); }

/* ----------------------------------------------------- manager statistics */

modesp_pool_stats_t class_stats_for(size_t size)
{
    modesp_pool_stats_t st{};
    const int cls = modesp_pool_manager_class_for_size(size);
    assert_true(cls >= 0);
    const modesp_pool_t *pool =
        modesp_pool_manager_get_pool(modesp_get_pool_manager(), static_cast<modesp_size_class_t>(cls));
    assert_int_equal(modesp_pool_get_stats(pool, &st), ESP_OK);
    return st;
}

uint8_t ManagerFiller::fill_to(uint8_t pct)
{
    auto &pm = ModESP::Memory::get_pool_manager();
    static const size_t sizes[] = {
#define MODESP_TEST_CLASS_SIZE_(NAME, name, size, count) size,
        MODESP_SIZE_CLASSES(MODESP_TEST_CLASS_SIZE_)
#undef MODESP_TEST_CLASS_SIZE_
    };
    for (size_t c = MODESP_CLASS_COUNT; c-- > 0;) {
        while (pm.get_overall_utilization() < pct && count_ < sizeof blocks_ / sizeof blocks_[0]) {
            void *p = pm.allocate(sizes[c]);
            if (p == nullptr) {
                break;
            }
            blocks_[count_++] = p;
        }
    }
    return pm.get_overall_utilization();
}

size_t ManagerFiller::exhaust_class(size_t size)
{
    auto &pm = ModESP::Memory::get_pool_manager();
    size_t n = 0;
    while (count_ < sizeof blocks_ / sizeof blocks_[0]) {
        void *p = pm.allocate(size);
        if (p == nullptr) {
            break;
        }
        blocks_[count_++] = p;
        n++;
    }
    return n;
}

uint8_t ManagerFiller::drain_below(uint8_t pct)
{
    auto &pm = ModESP::Memory::get_pool_manager();
    while (pm.get_overall_utilization() >= pct && count_ > 0) {
        assert_int_equal(pm.deallocate(blocks_[--count_]), ESP_OK);
    }
    return pm.get_overall_utilization();
}

void ManagerFiller::release_all()
{
    auto &pm = ModESP::Memory::get_pool_manager();
    while (count_ > 0) {
        (void)pm.deallocate(blocks_[--count_]);
    }
}
