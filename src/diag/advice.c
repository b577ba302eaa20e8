/*
 * Sizing advice: from each class's observed peak and failures, and the
 * largest size requested of it through MODESP_DIAG_ALLOC, a recommended
 * count and block size per class, the RAM it saves or needs, and the
 * sdkconfig lines that apply it.
 *
 *   demand      = peak + alloc_failures (a class that ran out saw at least
 *                 that many requests it could have held at once: an upper
 *                 bound, refined by rerunning with the advice applied)
 *   count       = demand + ceil(demand x headroom / 100), at least 1
 *   block size  = the largest request rounded up to 8 when that is at most
 *                 3/4 of the class size (requests cluster well below it) and
 *                 the sizes still strictly increase; else unchanged
 * The largest size per class is recorded by every build (one max per class,
 * in a short critical section); a class never asked through MODESP_DIAG_ALLOC keeps its size.
 */
#include <string.h>

#include "diag_internal.h"
#include "port.h"

static uint32_t s_max_requested[MODESP_CLASS_COUNT];

static uint32_t max_requested(int c)
{
    const uint32_t s = modesp_port_critical_enter();
    const uint32_t v = s_max_requested[c];
    modesp_port_critical_exit(s);
    return v;
}

void diag_advice_note_request(size_t size)
{
    const int c = modesp_pool_manager_class_for_size(size);
    if (c < 0) {
        return;
    }
    const uint32_t v = (uint32_t)size; /* <= the largest class size here */
    /* a compare and a store in the port's short critical section: no CAS needed (Cortex-M0, ESP32-C3) */
    const uint32_t s = modesp_port_critical_enter();
    if (v > s_max_requested[c]) {
        s_max_requested[c] = v;
    }
    modesp_port_critical_exit(s);
}

void diag_advice_reset(void) { memset(s_max_requested, 0, sizeof s_max_requested); }

static uint32_t stride_of(uint32_t size) { return (uint32_t)MODESP_POOL_STRIDE(size); }

size_t modesp_memory_diagnostics_advise(modesp_pool_manager_t *pm, uint32_t headroom_pct,
                                        modesp_diag_class_advice_t *out, size_t max)
{
    modesp_pool_manager_stats_t ms;
    if (out == NULL || max < (size_t)MODESP_CLASS_COUNT || pm == NULL ||
        modesp_pool_manager_get_stats(pm, &ms) != ESP_OK) {
        return 0u;
    }
    uint32_t prev_size = 0u;
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        const modesp_pool_stats_t *st = &ms.classes[c];
        modesp_diag_class_advice_t *a = &out[c];
        memset(a, 0, sizeof *a);
        a->name = modesp_size_class_name((modesp_size_class_t)c);
        a->block_size = st->block_size;
        a->count = st->capacity;
        a->peak = st->peak > st->in_use ? st->peak : st->in_use;
        a->failures = st->alloc_failures;
        a->max_requested = max_requested(c);
        const uint64_t demand = (uint64_t)a->peak + a->failures;
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
    char line[128];
    int64_t total = 0;
    static const char *const upper[] = {
#define MODESP_DIAG_CLASS_NAME_(NAME, name, size, count) #NAME,
        MODESP_SIZE_CLASSES(MODESP_DIAG_CLASS_NAME_)
#undef MODESP_DIAG_CLASS_NAME_
    };
    sink("# sizing advice (modesp_memory_diagnostics_advise)", ctx);
    for (size_t i = 0u; i < n && i < (size_t)MODESP_CLASS_COUNT; i++) {
        const modesp_diag_class_advice_t *a = &advice[i];
        (void)snprintf(line, sizeof line, "# %s: %u x %u B, peak %u, failures %u, largest request %u B: %+lld B",
                       a->name, (unsigned)a->count, (unsigned)a->block_size, (unsigned)a->peak, (unsigned)a->failures,
                       (unsigned)a->max_requested, (long long)a->ram_delta_bytes);
        sink(line, ctx);
        if (a->recommended_size != a->block_size) {
            (void)snprintf(line, sizeof line, "CONFIG_MEMORY_POOL_%s_SIZE=%u", upper[i], (unsigned)a->recommended_size);
            sink(line, ctx);
        }
        (void)snprintf(line, sizeof line, "CONFIG_MEMORY_POOL_%s_COUNT=%u", upper[i], (unsigned)a->recommended_count);
        sink(line, ctx);
        total += a->ram_delta_bytes;
    }
    (void)snprintf(line, sizeof line, "# RAM %s: %lld B", total <= 0 ? "saved" : "needed",
                   (long long)(total < 0 ? -total : total));
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
