/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers of the C++ guide test (tests/cpp): heap-use counting, stderr
 * capture (the library's port log), a fake clock, per-class statistics and
 * filling the manager to a utilisation. Each guide section's file defines
 * one test function declared at the end.
 */
#ifndef MODESP_TEST_GUIDE_SUPPORT_H
#define MODESP_TEST_GUIDE_SUPPORT_H

#include <cstddef>
#include <cstdint>

#include "esp_idf_stubs.h" /* test_log_*: the recorded ESP_LOG lines */
#include "modesp/memory_pool.h"

extern "C" {
#include <setjmp.h> /* cmocka needs these before cmocka.h */
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
}

/* ------------------------------------------------------------ heap use */

/*
 * Counts every operator new and every malloc/calloc/realloc/aligned
 * allocation made between construction and the reads (heap_counter.cpp
 * replaces the global operator new and interposes malloc; under a sanitizer
 * it uses the sanitizer's allocation hooks instead).
 */
class HeapWindow {
  public:
    HeapWindow();
    size_t news() const;              /* operator new calls since construction */
    size_t mallocs() const;           /* C allocation calls since construction (operator new's included) */
    size_t new_bytes(size_t i) const; /* size of the i-th operator new since construction */

  private:
    size_t news_at_;
    size_t mallocs_at_;
};

/* Whether the malloc counting works in this build (it can fail to interpose on a non-glibc system). */
bool heap_counting_works();

/* ------------------------------------------------------- stderr capture */

/* Redirect stderr (where the host port logs) into a buffer until stderr_capture_end. */
void stderr_capture_begin();
/* Restore stderr; returns the text written meanwhile (NUL-terminated, static). */
const char *stderr_capture_end();

/* ------------------------------------------------------------ fake clock */

/* Make the library clock (and esp_timer_get_time) a fake starting at `start_us`. */
void fake_clock_install(uint64_t start_us);
void fake_clock_advance_ms(uint32_t ms);
void fake_clock_remove();

/* ----------------------------------------------------- manager statistics */

/* The pool statistics of the class that serves `size` bytes. */
modesp_pool_stats_t class_stats_for(size_t size);

/* Blocks of every class, taken until the overall utilisation reaches a value and given back. */
class ManagerFiller {
  public:
    ~ManagerFiller() { release_all(); }
    /* Take blocks, largest class first, until utilisation >= pct; returns it. */
    uint8_t fill_to(uint8_t pct);
    /* Take every block of the class that serves `size`; returns how many. */
    size_t exhaust_class(size_t size);
    /* Give blocks back, newest first, until utilisation < pct; returns it. */
    uint8_t drain_below(uint8_t pct);
    void release_all();

  private:
    void *blocks_[512];
    size_t count_ = 0;
};

/* ------------------------------------------------------ the guide's tests */

void guide_section1_basic_usage(void **state);
void guide_section1_allocation_failure(void **state);
void guide_section2_publish(void **state);
void guide_section2_publish_failure(void **state);
void guide_section3_memory_pressure(void **state);
void guide_section4_data_logger(void **state);
void guide_section6_ring_buffer(void **state);
void guide_section6_command_queue(void **state);
void guide_section7_debugging(void **state);
void guide_section8_migration(void **state);
void guide_section9_performance_monitoring(void **state);

/* The layer itself, beyond the snippets (layer_tests.cpp). */
void layer_pooled_ptr_semantics(void **state);
void layer_pooled_ptr_errors(void **state);
void layer_pressure_listener(void **state);
void layer_static_pool(void **state);
void layer_event_fields(void **state);
void layer_health(void **state);
void layer_leak_list(void **state);

#endif /* MODESP_TEST_GUIDE_SUPPORT_H */
