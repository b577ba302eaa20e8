/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sizing advice, before and after (issue 14): the uniform 1..512-byte stream
 * of frag_host.c (256 random slots, fixed seed, STRICT) run through the
 * manager with the diagnostics layer watching, on a clock that advances one
 * millisecond per step so that hold times are in steps.
 *
 *   frag_advice [--steps N] [--headroom PCT] [--advice FILE] [--json FILE] [--label NAME]
 *
 * It prints the failures per class and in total, the class bytes, then the
 * advice (modesp_memory_diagnostics_advise + advice_report). With --advice
 * it writes an sdkconfig file (tracing on, plus the advice's lines) that
 * mk/bench.mk builds a second copy of this program against: that run is the
 * "after" figure. --json writes the figures of this run.
 *
 * Needs a library built with tracing (MEMORY_POOL_ENABLE_TRACING): the
 * hold times behind the demand estimate come from the trace hooks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modesp/hooks.h"
#include "modesp/memory_diagnostics.h"
#include "modesp/port_posix.h"

#include "uniform_stream.h"

static uint64_t s_now_us;
static uint64_t step_clock(void) { return s_now_us; }

typedef struct {
    unsigned long requests[MODESP_CLASS_COUNT];
    unsigned long failures[MODESP_CLASS_COUNT];
} counts_t;

static void run(modesp_pool_manager_t *pm, unsigned long steps, counts_t *cc)
{
    static void *slot_ptr[UNIFORM_SLOTS];
    memset(cc, 0, sizeof *cc);
    uint32_t rng = UNIFORM_SEED;
    for (unsigned long i = 0; i < steps; i++) {
        s_now_us = (uint64_t)i * 1000u;
        const uint32_t s = uniform_next_slot(&rng);
        if (slot_ptr[s] != NULL) {
            if (modesp_pool_manager_free(pm, slot_ptr[s]) != ESP_OK) {
                fprintf(stderr, "frag_advice: a free was rejected\n");
                exit(1);
            }
            slot_ptr[s] = NULL;
            continue;
        }
        const size_t size = uniform_next_size(&rng);
        const int cls = modesp_pool_manager_class_for_size(size);
        void *p = modesp_pool_manager_allocate(pm, size);
        cc->requests[cls]++;
        if (p == NULL) {
            cc->failures[cls]++;
        }
        slot_ptr[s] = p;
    }
    s_now_us = (uint64_t)steps * 1000u;
    for (uint32_t s = 0; s < UNIFORM_SLOTS; s++) {
        if (slot_ptr[s] != NULL) {
            (void)modesp_pool_manager_free(pm, slot_ptr[s]);
            slot_ptr[s] = NULL;
        }
    }
}

static void print_line(const char *line, void *ctx)
{
    FILE *f = ctx;
    fprintf(f, "%s\n", line);
}

/* The advice's sdkconfig lines (not its comments), after the tracing line the next build needs. */
static void config_line(const char *line, void *ctx)
{
    if (line[0] != '#') {
        fprintf((FILE *)ctx, "%s\n", line);
    }
}

int main(int argc, char **argv)
{
    unsigned long steps = 1000000ul;
    uint32_t headroom = 25u;
    const char *advice_path = NULL;
    const char *json_path = NULL;
    const char *label = "run";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--steps") == 0) {
            steps = strtoul(argv[i + 1], NULL, 10);
        } else if (strcmp(argv[i], "--headroom") == 0) {
            headroom = (uint32_t)strtoul(argv[i + 1], NULL, 10);
        } else if (strcmp(argv[i], "--advice") == 0) {
            advice_path = argv[i + 1];
        } else if (strcmp(argv[i], "--json") == 0) {
            json_path = argv[i + 1];
        } else if (strcmp(argv[i], "--label") == 0) {
            label = argv[i + 1];
        } else {
            fprintf(stderr,
                    "usage: frag_advice [--steps N] [--headroom PCT] [--advice FILE] [--json FILE] [--label L]\n");
            return 2;
        }
    }
    if (!MODESP_TRACING) {
        fprintf(stderr, "frag_advice: needs a library built with MEMORY_POOL_ENABLE_TRACING\n");
        return 2;
    }
    modesp_port_posix_set_clock(step_clock);
    modesp_pool_manager_t *pm = modesp_get_pool_manager();
    static modesp_memory_diagnostics_t diag;
    if (modesp_memory_diagnostics_init(&diag, pm) != ESP_OK ||
        modesp_pool_manager_set_default_strategy(pm, MODESP_ALLOC_STRICT, 0) != ESP_OK) {
        fprintf(stderr, "frag_advice: set-up failed\n");
        return 1;
    }
    counts_t cc;
    run(pm, steps, &cc);

    unsigned long req = 0;
    unsigned long fail = 0;
    unsigned long class_bytes = 0;
    printf("[%s] uniform 1..512-byte stream, %lu steps, 256 random slots (seed 0x%08X), STRICT\n", label, steps,
           UNIFORM_SEED);
    printf("  %-7s %6s %6s %10s %10s %7s\n", "class", "size", "count", "requests", "failures", "fail%");
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        const modesp_pool_t *pool = modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c);
        printf("  %-7s %6zu %6zu %10lu %10lu %6.1f%%\n", modesp_size_class_name((modesp_size_class_t)c),
               modesp_pool_block_size(pool), modesp_pool_capacity(pool), cc.requests[c], cc.failures[c],
               cc.requests[c] ? 100.0 * (double)cc.failures[c] / (double)cc.requests[c] : 0.0);
        req += cc.requests[c];
        fail += cc.failures[c];
        class_bytes += (unsigned long)(modesp_pool_block_size(pool) * modesp_pool_capacity(pool));
    }
    const double fail_pct = req ? 100.0 * (double)fail / (double)req : 0.0;
    printf("  %-7s %6s %6s %10lu %10lu %6.1f%%   class bytes %lu\n", "all", "", "", req, fail, fail_pct, class_bytes);

    modesp_diag_class_advice_t adv[MODESP_CLASS_COUNT];
    if (modesp_memory_diagnostics_advise(pm, headroom, adv, MODESP_CLASS_COUNT) != (size_t)MODESP_CLASS_COUNT) {
        fprintf(stderr, "frag_advice: advise failed\n");
        return 1;
    }
    printf("\n[%s] advice with %u%% headroom:\n", label, (unsigned)headroom);
    (void)modesp_memory_diagnostics_advice_report(adv, MODESP_CLASS_COUNT, print_line, stdout);
    unsigned long advised_bytes = 0;
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        advised_bytes += (unsigned long)adv[c].recommended_count * adv[c].recommended_size;
    }

    if (advice_path != NULL) {
        FILE *f = fopen(advice_path, "w");
        if (f == NULL) {
            perror(advice_path);
            return 1;
        }
        fprintf(f, "# written by bench/frag_advice.c from a %lu-step run; tracing for the hold times\n", steps);
        fprintf(f, "CONFIG_MEMORY_POOL_ENABLE_TRACING=y\nCONFIG_MEMORY_DIAG_MAX_TRACKED_BLOCKS=8192\n");
        (void)modesp_memory_diagnostics_advice_report(adv, MODESP_CLASS_COUNT, config_line, f);
        fclose(f);
    }
    if (json_path != NULL) {
        FILE *f = fopen(json_path, "w");
        if (f == NULL) {
            perror(json_path);
            return 1;
        }
        fprintf(f,
                "{\"label\": \"%s\", \"steps\": %lu, \"requests\": %lu, \"failures\": %lu, \"fail_pct\": %.3f, "
                "\"class_bytes\": %lu, \"advised_class_bytes\": %lu, \"classes\": [",
                label, steps, req, fail, fail_pct, class_bytes, advised_bytes);
        for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
            fprintf(f,
                    "%s{\"name\": \"%s\", \"size\": %u, \"count\": %u, \"requests\": %lu, \"failures\": %lu, "
                    "\"demand\": %u, \"advised_count\": %u, \"advised_size\": %u}",
                    c ? ", " : "", adv[c].name, (unsigned)adv[c].block_size, (unsigned)adv[c].count, cc.requests[c],
                    cc.failures[c], (unsigned)adv[c].demand, (unsigned)adv[c].recommended_count,
                    (unsigned)adv[c].recommended_size);
        }
        fprintf(f, "]}\n");
        fclose(f);
    }
    modesp_port_posix_set_clock(NULL);
    return modesp_pool_manager_check_integrity(pm, NULL, NULL) == ESP_OK ? 0 : 1;
}
