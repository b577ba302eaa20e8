/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sizing advice: from each class's observed peak and failures, a fixed
 * histogram of the sizes requested of it, and (tracing) the mean time its
 * blocks are held, a recommended count and block size per class, the RAM it
 * saves or needs, and the sdkconfig lines that apply it.
 *
 *   demand  no failures: the peak (the class never refused anyone, so the
 *             most blocks in use at once is what was wanted)
 *           failures, hold times known: L = request rate x mean hold time
 *             (Little's law: the blocks the requests would have kept busy,
 *             failed ones included), demand = max(peak, L + 3 sqrt(L)):
 *             with independent arrivals the number held is Poisson(L), and
 *             3 standard deviations cover its fluctuation
 *           failures, no hold times: peak + failures (an upper bound,
 *             refined by rerunning with the advice applied)
 *   count   = demand + ceil(demand x headroom / 100), at least 1
 *   size    = the largest request rounded up to 8 when that is at most 3/4
 *             of the class size (requests cluster well below it) and the
 *             sizes still strictly increase; else unchanged
 * The histogram counts requests (and failed requests) per class in
 * MODESP_DIAG_HIST_BUCKETS buckets plus the largest size and the byte sum, in
 * the port's short critical section (any context). It sees every manager
 * request through the core's trace hooks with tracing, only those made
 * through MODESP_DIAG_ALLOC without.
 */
#include <string.h>

#include "diag_internal.h"
#include "port.h"

typedef struct {
    uint32_t buckets[MODESP_DIAG_HIST_BUCKETS];
    uint32_t requests;
    uint32_t failed;
    uint32_t max;
    uint64_t bytes;
} class_hist_t;

static class_hist_t s_hist[MODESP_CLASS_COUNT];
static uint64_t s_start_us; /* the first request noted since the last reset */
static bool s_started;

#define DIAG_CLASS_SIZE_(NAME, name, size, count) (uint32_t)(size),
MODESP_DRAM_ATTR static const uint32_t k_class_size[MODESP_CLASS_COUNT] = {MODESP_SIZE_CLASSES(DIAG_CLASS_SIZE_)};
#undef DIAG_CLASS_SIZE_

MODESP_IRAM_ATTR static uint32_t lower_bound(int c) { return c > 0 ? k_class_size[c - 1] : 0u; }

MODESP_IRAM_ATTR static uint32_t bucket_of(int c, uint32_t size)
{
    const uint32_t lo = lower_bound(c);
    const uint32_t w = (k_class_size[c] - lo) / MODESP_DIAG_HIST_BUCKETS;
    const uint32_t k = (w == 0u || size <= lo) ? 0u : (size - lo - 1u) / w;
    return k < MODESP_DIAG_HIST_BUCKETS ? k : MODESP_DIAG_HIST_BUCKETS - 1u;
}

MODESP_IRAM_ATTR void diag_advice_note_request(size_t size, bool failed)
{
    const int c = modesp_pool_manager_class_for_size(size);
    if (c < 0) {
        return;
    }
    const uint32_t v = (uint32_t)size; /* <= the largest class size here */
    const uint32_t k = bucket_of(c, v);
    /* s_started is written in the critical section below; read here without it (atomically) to keep the clock
     * read outside the critical section */
    const uint64_t now = __atomic_load_n(&s_started, __ATOMIC_RELAXED) ? 0u : modesp_time_us();
    /* a few stores in the port's short critical section: no CAS needed (Cortex-M0, ESP32-C3) */
    const uint32_t s = modesp_port_critical_enter();
    class_hist_t *h = &s_hist[c];
    h->buckets[k]++;
    h->requests++;
    h->failed += failed ? 1u : 0u;
    h->bytes += v;
    if (v > h->max) {
        h->max = v;
    }
    if (!s_started) {
        __atomic_store_n(&s_started, true, __ATOMIC_RELAXED);
        s_start_us = now;
    }
    modesp_port_critical_exit(s);
}

void diag_advice_reset(void)
{
    const uint32_t s = modesp_port_critical_enter();
    memset(s_hist, 0, sizeof s_hist);
    __atomic_store_n(&s_started, false, __ATOMIC_RELAXED);
    s_start_us = 0u;
    modesp_port_critical_exit(s);
}

static uint32_t stride_of(uint32_t size) { return (uint32_t)MODESP_POOL_STRIDE(size); }

/* a x b / c without overflowing 64 bits (saturating; c > 0). */
static uint64_t mul_div(uint64_t a, uint64_t b, uint64_t c)
{
    if (b != 0u && a > UINT64_MAX / b) {
        const uint64_t q = a / c;
        return q > UINT64_MAX / b ? UINT64_MAX : q * b; /* b != 0 here */
    }
    return a * b / c;
}

/* ceil(sqrt(v)) for v < 2^32. */
static uint32_t isqrt_ceil(uint32_t v)
{
    uint32_t r = 0u;
    for (uint32_t bit = 1u << 15; bit != 0u; bit >>= 1) {
        const uint32_t t = r | bit;
        if ((uint64_t)t * t <= v) {
            r = t;
        }
    }
    return (uint64_t)r * r < v ? r + 1u : r;
}

/* Demand of a class that failed requests: L + 3 sqrt(L) from the hold times, or 0 when they are unknown. */
static uint32_t estimated_demand(const modesp_diag_class_advice_t *a, uint64_t hold_sum_ms, uint32_t hold_count,
                                 uint64_t elapsed_ms)
{
    if (a->requests == 0u || hold_count == 0u || elapsed_ms == 0u) {
        return 0u;
    }
    /* L = requests / elapsed x hold_sum / hold_count, in thousandths, rounded up */
    const uint64_t rate_hold = mul_div(a->requests, hold_sum_ms * 1000u, elapsed_ms);
    const uint64_t l_milli = (rate_hold + hold_count - 1u) / hold_count;
    const uint64_t l = (l_milli + 999u) / 1000u;
    if (l >= MODESP_POOL_MAX_BLOCKS) {
        return MODESP_POOL_MAX_BLOCKS;
    }
    return (uint32_t)l + 3u * isqrt_ceil((uint32_t)l);
}

size_t modesp_memory_diagnostics_advise(modesp_pool_manager_t *pm, uint32_t headroom_pct,
                                        modesp_diag_class_advice_t *out, size_t max)
{
    modesp_pool_manager_stats_t ms;
    if (out == NULL || max < (size_t)MODESP_CLASS_COUNT || pm == NULL ||
        modesp_pool_manager_get_stats(pm, &ms) != ESP_OK) {
        return 0u;
    }
    static class_hist_t hist[MODESP_CLASS_COUNT]; /* a copy taken at once (advise runs in one task at a time) */
    const uint32_t cs = modesp_port_critical_enter();
    memcpy(hist, s_hist, sizeof hist);
    const bool started = s_started;
    const uint64_t start_us = s_start_us;
    modesp_port_critical_exit(cs);
    const uint64_t now_us = modesp_time_us();
    const uint64_t elapsed_ms = started && now_us > start_us ? (now_us - start_us) / 1000u : 0u;

    uint32_t prev_size = 0u;
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        const modesp_pool_stats_t *st = &ms.classes[c];
        const class_hist_t *h = &hist[c];
        modesp_diag_class_advice_t *a = &out[c];
        memset(a, 0, sizeof *a);
        a->name = modesp_size_class_name((modesp_size_class_t)c);
        a->block_size = st->block_size;
        a->count = st->capacity;
        a->peak = st->peak > st->in_use ? st->peak : st->in_use;
        a->failures = st->alloc_failures;
        a->max_requested = h->max;
        a->requests = h->requests;
        a->failed_requests = h->failed;
        a->mean_requested = h->requests != 0u ? (uint32_t)(h->bytes / h->requests) : 0u;
        memcpy(a->histogram, h->buckets, sizeof a->histogram);

        uint64_t hold_sum_ms = 0u;
        uint32_t hold_count = 0u;
        (void)diag_trace_pool_hold_sum(modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c), &hold_sum_ms,
                                       &hold_count);
        a->mean_hold_ms = hold_count != 0u ? (uint32_t)(hold_sum_ms / hold_count) : 0u;
        uint64_t demand = a->peak;
        a->basis = MODESP_DIAG_DEMAND_PEAK;
        if (a->failures != 0u) {
            const uint32_t est = estimated_demand(a, hold_sum_ms, hold_count, elapsed_ms);
            if (est != 0u) {
                a->basis = MODESP_DIAG_DEMAND_ESTIMATED;
                demand = est > a->peak ? est : a->peak;
            } else {
                a->basis = MODESP_DIAG_DEMAND_UPPER_BOUND;
                demand = (uint64_t)a->peak + a->failures;
            }
        }
        a->demand = demand > UINT32_MAX ? UINT32_MAX : (uint32_t)demand;
        uint64_t count = demand + (demand * headroom_pct + 99u) / 100u;
        count = count < 1u ? 1u : (count > MODESP_POOL_MAX_BLOCKS ? MODESP_POOL_MAX_BLOCKS : count);
        a->recommended_count = (uint32_t)count;
        uint32_t size = a->block_size;
        if (a->max_requested != 0u && (uint64_t)a->max_requested * 4u <= (uint64_t)a->block_size * 3u) {
            const uint32_t tight = (a->max_requested + 7u) / 8u * 8u;
            size = tight > prev_size ? tight : a->block_size;
        }
        if (size <= prev_size) {
            size = a->block_size;
        }
        a->recommended_size = size;
        prev_size = size;
        a->ram_delta_bytes =
            (int64_t)a->recommended_count * stride_of(size) - (int64_t)a->count * stride_of(a->block_size);
    }
    return (size_t)MODESP_CLASS_COUNT;
}

#if DIAG_HAVE_STDIO
#include <stdio.h>

esp_err_t modesp_memory_diagnostics_advice_report(const modesp_diag_class_advice_t *advice, size_t n,
                                                  modesp_diag_line_fn sink, void *ctx)
{
    if (advice == NULL || sink == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    char line[192];
    int64_t total = 0;
    static const char *const upper[] = {
#define MODESP_DIAG_CLASS_NAME_(NAME, name, size, count) #NAME,
        MODESP_SIZE_CLASSES(MODESP_DIAG_CLASS_NAME_)
#undef MODESP_DIAG_CLASS_NAME_
    };
    sink("# sizing advice (modesp_memory_diagnostics_advise)", ctx);
    for (size_t i = 0u; i < n && i < (size_t)MODESP_CLASS_COUNT; i++) {
        const modesp_diag_class_advice_t *a = &advice[i];
        static const char *const basis[] = {"peak", "estimated: request rate x mean hold + 3 sigma",
                                            "upper bound: peak + failures"};
        (void)snprintf(line, sizeof line, "# %s: %u x %u B, peak %u, failures %u, demand %u (%s): %+lld B", a->name,
                       (unsigned)a->count, (unsigned)a->block_size, (unsigned)a->peak, (unsigned)a->failures,
                       (unsigned)a->demand, basis[a->basis <= MODESP_DIAG_DEMAND_UPPER_BOUND ? a->basis : 0],
                       (long long)a->ram_delta_bytes);
        sink(line, ctx);
        if (a->requests != 0u) {
            int len =
                snprintf(line, sizeof line, "#   %u requests (%u failed), mean %u B, largest %u B, hold %u ms; sizes:",
                         (unsigned)a->requests, (unsigned)a->failed_requests, (unsigned)a->mean_requested,
                         (unsigned)a->max_requested, (unsigned)a->mean_hold_ms);
            for (uint32_t k = 0u; k < MODESP_DIAG_HIST_BUCKETS && len > 0 && (size_t)len < sizeof line; k++) {
                len += snprintf(line + len, sizeof line - (size_t)len, " %u", (unsigned)a->histogram[k]);
            }
            sink(line, ctx);
        }
        if (a->recommended_size != a->block_size) {
            (void)snprintf(line, sizeof line, "CONFIG_MEMORY_POOL_%s_SIZE=%u", upper[i], (unsigned)a->recommended_size);
            sink(line, ctx);
        }
        (void)snprintf(line, sizeof line, "CONFIG_MEMORY_POOL_%s_COUNT=%u", upper[i], (unsigned)a->recommended_count);
        sink(line, ctx);
        total += a->ram_delta_bytes;
    }
    char bytes[DIAG_U64_DIGITS + 1u]; /* not %lld: newlib-nano's printf lacks it */
    (void)snprintf(line, sizeof line, "# RAM %s: %s B", total <= 0 ? "saved" : "needed",
                   diag_i64_text((int64_t)(total < 0 ? -total : total), bytes));
    sink(line, ctx);
    return ESP_OK;
}

#else /* no C library: no text */

esp_err_t modesp_memory_diagnostics_advice_report(const modesp_diag_class_advice_t *advice, size_t n,
                                                  modesp_diag_line_fn sink, void *ctx)
{
    (void)n;
    (void)ctx;
    return (advice == NULL || sink == NULL) ? ESP_ERR_INVALID_ARG : ESP_ERR_NOT_SUPPORTED;
}

#endif
