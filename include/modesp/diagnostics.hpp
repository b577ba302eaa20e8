/* SPDX-License-Identifier: Apache-2.0 */
/*
 * C++ layer: the guide's ModESP::Memory::MemoryDiagnostics and TRACK_MEMORY_USAGE (sections 7 and 9).
 *
 *     ModESP::Memory::MemoryDiagnostics diag(ModESP::Memory::get_pool_manager());
 *     diag.log_stats(TAG);
 *     auto leaks = diag.detect_potential_leaks(30000);   // LeakList<8>: fixed capacity, no heap
 *     if (!leaks.empty()) ESP_LOGW(TAG, "Potential memory leaks detected: %zu", leaks.size());
 *
 *     void process() {
 *         TRACK_MEMORY_USAGE("Module Processing");         // logs at scope exit
 *         ...
 *     }
 *
 * MemoryDiagnostics holds a modesp_memory_diagnostics_t (the rate-window state
 * of every registered pool: sizeof(MemoryDiagnostics), about 2.6 KiB on a
 * 64-bit host with 16 pools, less on 32-bit; log_stats adds a snapshot of
 * ~1 KiB on the stack). Leaks, owners and TRACK_MEMORY_USAGE need Kconfig
 * MEMORY_POOL_ENABLE_TRACING (detect_potential_leaks is empty without it, the
 * macro does nothing). Errors are the C layer's esp_err_t values.
 */
#ifndef MODESP_DIAGNOSTICS_HPP
#define MODESP_DIAGNOSTICS_HPP

#include <cstddef>
#include <cstdint>

#include "modesp/memory_diagnostics.h"
#include "modesp/pool_manager.hpp"

namespace ModESP {
namespace Memory {

/*
 * The leaks detect_potential_leaks found, oldest first: up to N entries in
 * the object itself; total() counts every one found, also those past N.
 */
template <std::size_t N> class LeakList {
    static_assert(N >= 1u, "ModESP::Memory::LeakList<N>: N must be at least 1");

  public:
    using value_type = modesp_diag_leak_t;
    using const_iterator = const modesp_diag_leak_t *;

    /*
     * Leaks held (at most N).
     * Returns: the count.
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    std::size_t size() const noexcept { return size_; }

    /*
     * Whether no leak was found.
     * Returns: true when none.
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    bool empty() const noexcept { return size_ == 0u; }

    /*
     * Every leak found, including those that did not fit.
     * Returns: the count (>= size()).
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    std::size_t total() const noexcept { return total_; }

    /*
     * The most entries a LeakList<N> holds.
     * Returns: N.
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    static constexpr std::size_t capacity() noexcept { return N; }

    /*
     * Range access over the leaks held.
     * Returns: a pointer to the first / one past the last.
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    const_iterator begin() const noexcept { return items_; }
    const_iterator end() const noexcept { return items_ + size_; }

    /*
     * The i-th oldest leak (i < size()).
     * Returns: a reference to it.
     * Errors: none (i is not checked).
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    const modesp_diag_leak_t &operator[](std::size_t i) const noexcept { return items_[i]; }

  private:
    friend class MemoryDiagnostics;
    modesp_diag_leak_t items_[N] = {};
    std::size_t size_ = 0;
    std::size_t total_ = 0;
};

/* The guide's MemoryDiagnostics: diagnostics over every registered pool and the manager. */
class MemoryDiagnostics {
  public:
    /*
     * Set up diagnostics over every pool registered now and the manager's figures
     * (modesp_memory_diagnostics_init; with tracing, the first set-up installs the trace hooks).
     * Errors: none in practice (init_error() keeps the C result).
     * Complexity: O(pools).
     * ISR-safe: no (task context).
     */
    explicit MemoryDiagnostics(PoolManager &pm) noexcept : err_(modesp_memory_diagnostics_init(&diag_, pm.handle())) {}
    MemoryDiagnostics(const MemoryDiagnostics &) = delete;
    MemoryDiagnostics &operator=(const MemoryDiagnostics &) = delete;

    /*
     * The set-up's result.
     * Returns: ESP_OK, or the error of modesp_memory_diagnostics_init.
     * Errors: none of its own.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    esp_err_t init_error() const noexcept { return err_; }

    /*
     * The guide's log_stats(TAG): the whole report through the port's log.
     * Returns: ESP_OK, or an error below.
     * Errors: as modesp_memory_diagnostics_log_stats: ESP_ERR_NOT_SUPPORTED (no snprintf).
     * Complexity: O(pools x samples + tracked blocks).
     * ISR-safe: no (logs).
     */
    esp_err_t log_stats(const char *tag) noexcept { return modesp_memory_diagnostics_log_stats(&diag_, tag); }

    /*
     * The guide's detect_potential_leaks(threshold_ms): live tracked blocks
     * older than threshold_ms, oldest first, the N oldest kept.
     * Returns: a LeakList<N> (empty without tracing).
     * Errors: none.
     * Complexity: O(tracked blocks x N).
     * ISR-safe: no.
     */
    template <std::size_t N = 8> LeakList<N> detect_potential_leaks(uint32_t threshold_ms) const noexcept
    {
        LeakList<N> leaks;
        leaks.total_ = modesp_memory_diagnostics_detect_potential_leaks(&diag_, threshold_ms, leaks.items_, N);
        leaks.size_ = leaks.total_ < N ? leaks.total_ : N;
        return leaks;
    }

    /*
     * Statistics of every pool and the system-wide figures (modesp_memory_diagnostics_snapshot).
     * Returns: ESP_OK with out filled.
     * Errors: ESP_ERR_INVALID_ARG (not set up).
     * Complexity: O(pools x rate samples).
     * ISR-safe: no.
     */
    esp_err_t snapshot(modesp_diag_snapshot_t &out) noexcept
    {
        return modesp_memory_diagnostics_snapshot(&diag_, &out);
    }

    /*
     * The health verdict (modesp_memory_diagnostics_health): level (debounced),
     * reason bits MODESP_HEALTH_R_*, how long it has held, a one-line summary.
     * Returns: ESP_OK with out filled, or an error below.
     * Errors: ESP_ERR_INVALID_ARG (not set up).
     * Complexity: O(pools + blocks) with the integrity checks, O(pools + tracked blocks) without.
     * ISR-safe: no (task context; the health hooks run in it).
     */
    esp_err_t health(modesp_health_t &out) noexcept { return modesp_memory_diagnostics_health(&diag_, &out); }

    /*
     * Replace the health configuration (nullptr: the Kconfig defaults); the level and its history stay.
     * Returns: ESP_OK, or an error below.
     * Errors: ESP_ERR_INVALID_ARG (debounce_evals 0, warning_pct over 100).
     * Complexity: O(1).
     * ISR-safe: no.
     */
    esp_err_t configure_health(const modesp_health_config_t *cfg) noexcept
    {
        return modesp_memory_diagnostics_health_configure(&diag_, cfg);
    }

    /*
     * Name of a health level.
     * Returns: "OK", "WARNING", "CRITICAL", or "?".
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    static const char *health_level_name(modesp_health_level_t level) noexcept
    {
        return modesp_health_level_name(level);
    }

    /*
     * The C diagnostics object, for the C API (report, JSON, health).
     * Returns: the object inside this one.
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    modesp_memory_diagnostics_t *handle() noexcept { return &diag_; }

  private:
    modesp_memory_diagnostics_t diag_;
    esp_err_t err_;
};

/*
 * The object behind TRACK_MEMORY_USAGE: begins a tracked scope for the
 * calling task when constructed, logs "name: N us, A allocs, F frees, net B
 * bytes, peak P bytes" when destroyed (modesp_memory_diagnostics_track_begin/_end).
 */
class ScopedMemoryTracker {
  public:
    /*
     * Begin tracking (`name` is kept, not copied).
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: no (task context).
     */
    explicit ScopedMemoryTracker(const char *name) noexcept { modesp_memory_diagnostics_track_begin(&track_, name); }
    ScopedMemoryTracker(const ScopedMemoryTracker &) = delete;
    ScopedMemoryTracker &operator=(const ScopedMemoryTracker &) = delete;
    ~ScopedMemoryTracker() { (void)modesp_memory_diagnostics_track_end(&track_, nullptr, true); }

  private:
    modesp_diag_track_t track_;
};

} // namespace Memory
} // namespace ModESP

/*
 * The guide's TRACK_MEMORY_USAGE("name"): at the top of a scope, a
 * ScopedMemoryTracker that logs at scope exit what the task allocated and
 * freed inside it. Without tracing or Kconfig MEMORY_DIAG_TRACK_USAGE it is ((void)0).
 * Errors: none.
 * Complexity: O(1) at entry and exit.
 * ISR-safe: no (task context, logs).
 */
#if defined(CONFIG_MEMORY_DIAG_TRACK_USAGE) && MODESP_TRACING
#define TRACK_MEMORY_USAGE(name)                                                                                       \
    ::ModESP::Memory::ScopedMemoryTracker MODESP_DIAG_TRACK_CAT_(modesp_track_, __LINE__)(name)
#define MODESP_DIAG_TRACK_ENABLED 1
#else
#define TRACK_MEMORY_USAGE(name)  ((void)0)
#define MODESP_DIAG_TRACK_ENABLED 0
#endif

#endif /* MODESP_DIAGNOSTICS_HPP */
