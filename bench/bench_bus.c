/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Workload F of the benchmark (issue 15): publish + dispatch of one 4-field
 * event (the guide's sensor.temperature.updated: module_id, value, timestamp,
 * unit) to 1 and to 8 subscribers, on the pooled event bus and, side by side
 * in the same run, on a queue of heap copies (what esp_event and hand-rolled
 * fan-out queues do: malloc + memcpy of the payload per subscriber, a
 * mutex-protected queue, free after the handler).
 *
 *   bench_bus [--runs N] [--scale X] [--json FILE]   timed rows F1 / F8 (make bench)
 *   bench_bus --instr [--scale X]                    the same loops for callgrind (make bench-instr)
 *
 * Both sides do the same work per event: one publisher call with the four
 * values, a topic match per subscriber, queueing, then one dispatch pass that
 * calls each subscriber's handler, which reads the "value" field (the bus by
 * key through modesp_event_get_f32, the copy as a struct member). Events go
 * in batches of BATCH (the bus's per-subscriber depth is 8) and each batch is
 * dispatched before the next, as an event-loop task does. The bus figure
 * includes everything the bus does per event: time stamp, class choice,
 * encoding, the reference count, two clock reads per handler call for the
 * handler-time statistics, and the port critical sections.
 *
 * Also printed and written: memory per event in flight (the bus: one block of
 * the class the event fits, whatever the subscriber count; the copies: one
 * malloc_usable_size per subscriber). Every run checks the handler count and
 * that every block and copy came back; a miss fails the program.
 */
#define _GNU_SOURCE

#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <valgrind/callgrind.h>

#include "modesp/memory_pool.h"
#include "modesp/pooled_event_bus.h"

#include "bench_report.h"

#define MAX_RUNS BENCH_REPORT_MAX_RUNS
#define BATCH    8u
#define MAX_SUBS 8u
#define TOPIC    "sensor.temperature.updated"

static uint64_t now_ns(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t g_handled;    /* handler calls, both sides */
static volatile float g_sink; /* keeps the handlers' reads */
static unsigned g_errors;     /* refused publishes, missing fields, leaked blocks or copies */

/* ------------------------------------------------------------------ the bus */

static modesp_event_bus_t g_bus;

static void bus_handler(const modesp_event_t *ev, void *ctx)
{
    (void)ctx;
    float v = 0.0f;
    if (modesp_event_get_f32(ev, "value", &v) != ESP_OK) {
        g_errors++;
    }
    g_sink = v;
    g_handled++;
}

static void bus_setup(uint32_t subs)
{
    modesp_bus_sub_t h;
    (void)modesp_bus_init(&g_bus);
    for (uint32_t s = 0; s < subs; s++) {
        if (modesp_bus_subscribe(&g_bus, TOPIC, bus_handler, NULL, BATCH, MODESP_BUS_REJECT, &h) != ESP_OK) {
            g_errors++;
        }
    }
}

static void bus_loop(uint64_t n)
{
    for (uint64_t i = 0; i < n; i += BATCH) {
        for (uint32_t k = 0; k < BATCH; k++) {
            const uint32_t id = (uint32_t)(i + k);
            if (modesp_bus_publish(&g_bus, TOPIC, MODESP_BUS_NORMAL, MODESP_EV_U32("module_id", id & 15u),
                                   MODESP_EV_F32("value", (float)(id & 1023u) * 0.25f),
                                   MODESP_EV_I64("timestamp", (int64_t)id),
                                   MODESP_EV_STR("unit", "celsius")) != ESP_OK) {
                g_errors++;
            }
        }
        uint32_t done = 0;
        if (modesp_bus_process(&g_bus, UINT32_MAX, &done) != ESP_OK || done != BATCH) {
            g_errors++;
        }
    }
}

static uint32_t manager_blocks_in_use(void)
{
    modesp_pool_manager_stats_t st;
    uint32_t n = 0;
    if (modesp_pool_manager_get_stats(modesp_get_pool_manager(), &st) == ESP_OK) {
        for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
            n += st.classes[c].in_use;
        }
    }
    return n;
}

/* Bytes of the block one event takes: publish one, see which class holds it. */
static size_t bus_block_bytes(void)
{
    const modesp_pool_manager_t *pm = modesp_get_pool_manager();
    size_t bytes = 0;
    (void)modesp_bus_publish(&g_bus, TOPIC, MODESP_BUS_NORMAL, MODESP_EV_U32("module_id", 1u),
                             MODESP_EV_F32("value", 1.0f), MODESP_EV_I64("timestamp", 1),
                             MODESP_EV_STR("unit", "celsius"));
    for (int c = 0; c < MODESP_CLASS_COUNT && bytes == 0u; c++) {
        const modesp_pool_t *pool = modesp_pool_manager_get_pool(pm, (modesp_size_class_t)c);
        if (modesp_pool_in_use(pool) == 1u) {
            bytes = pool->block_size;
        }
    }
    (void)modesp_bus_process(&g_bus, UINT32_MAX, NULL);
    return bytes;
}

/* ------------------------------------------------------------------ the heap-copy queue */

typedef struct {
    char topic[sizeof TOPIC];
    uint32_t module_id;
    float value;
    int64_t timestamp;
    char unit[16];
} hc_event_t;

typedef struct {
    hc_event_t *ev;
    uint32_t sub;
} hc_item_t;

#define HC_QLEN 64u /* >= BATCH x MAX_SUBS */

static struct {
    pthread_mutex_t lock;
    hc_item_t ring[HC_QLEN];
    uint32_t head, used;
    const char *topics[MAX_SUBS];
    uint32_t subs;
    uint64_t live; /* copies not yet freed */
} g_hc = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void hc_handler(const hc_event_t *ev, uint32_t sub)
{
    (void)sub;
    g_sink = ev->value;
    g_handled++;
}

static void hc_setup(uint32_t subs)
{
    g_hc.subs = subs;
    for (uint32_t s = 0; s < subs; s++) {
        g_hc.topics[s] = TOPIC;
    }
}

static void hc_publish(const char *topic, uint32_t module_id, float value, int64_t timestamp, const char *unit)
{
    hc_event_t ev;
    memset(&ev, 0, sizeof ev);
    snprintf(ev.topic, sizeof ev.topic, "%s", topic);
    ev.module_id = module_id;
    ev.value = value;
    ev.timestamp = timestamp;
    snprintf(ev.unit, sizeof ev.unit, "%s", unit);
    for (uint32_t s = 0; s < g_hc.subs; s++) {
        if (strcmp(g_hc.topics[s], topic) != 0) {
            continue;
        }
        hc_event_t *copy = malloc(sizeof *copy);
        if (copy == NULL) {
            g_errors++;
            continue;
        }
        memcpy(copy, &ev, sizeof ev);
        pthread_mutex_lock(&g_hc.lock);
        if (g_hc.used == HC_QLEN) {
            pthread_mutex_unlock(&g_hc.lock);
            free(copy);
            g_errors++;
            continue;
        }
        g_hc.ring[(g_hc.head + g_hc.used) % HC_QLEN] = (hc_item_t){copy, s};
        g_hc.used++;
        g_hc.live++;
        pthread_mutex_unlock(&g_hc.lock);
    }
}

static uint32_t hc_process(void)
{
    uint32_t done = 0;
    for (;;) {
        pthread_mutex_lock(&g_hc.lock);
        if (g_hc.used == 0u) {
            pthread_mutex_unlock(&g_hc.lock);
            return done;
        }
        const hc_item_t it = g_hc.ring[g_hc.head];
        g_hc.head = (g_hc.head + 1u) % HC_QLEN;
        g_hc.used--;
        g_hc.live--;
        pthread_mutex_unlock(&g_hc.lock);
        hc_handler(it.ev, it.sub);
        free(it.ev);
        done++;
    }
}

static void hc_loop(uint64_t n)
{
    for (uint64_t i = 0; i < n; i += BATCH) {
        for (uint32_t k = 0; k < BATCH; k++) {
            const uint32_t id = (uint32_t)(i + k);
            hc_publish(TOPIC, id & 15u, (float)(id & 1023u) * 0.25f, (int64_t)id, "celsius");
        }
        if (hc_process() != BATCH * g_hc.subs) {
            g_errors++;
        }
    }
}

static size_t hc_bytes_per_event(uint32_t subs)
{
    void *p = malloc(sizeof(hc_event_t));
    const size_t usable = p != NULL ? malloc_usable_size(p) : 0u;
    free(p);
    return usable * subs;
}

/* ------------------------------------------------------------------ driver */

typedef struct {
    const char *name; /* the JSON "allocator" column */
    void (*setup)(uint32_t subs);
    void (*loop)(uint64_t n);
} side_t;

static const side_t g_sides[2] = {{"bus", bus_setup, bus_loop}, {"heapcopy", hc_setup, hc_loop}};

/* One run: n events (a multiple of BATCH) to `subs` subscribers; ns per event. */
static double run_once(const side_t *side, uint32_t subs, uint64_t n)
{
    side->setup(subs);
    side->loop(BATCH * 64u); /* warm-up: first-use setup is not a steady-state cost */
    const uint64_t handled = g_handled;
    const uint64_t t0 = now_ns();
    side->loop(n);
    const double ns = (double)(now_ns() - t0) / (double)n;
    if (g_handled - handled != n * subs) {
        fprintf(stderr, "bench_bus: %s %u subscribers: %llu handler calls, expected %llu\n", side->name, subs,
                (unsigned long long)(g_handled - handled), (unsigned long long)(n * subs));
        g_errors++;
    }
    if (manager_blocks_in_use() != 0u || g_hc.live != 0u) {
        fprintf(stderr, "bench_bus: %s: blocks or copies left after the run\n", side->name);
        g_errors++;
    }
    return ns;
}

static void timed(uint64_t n, int runs)
{
    static const uint32_t subs_of[2] = {1u, MAX_SUBS};
    printf("\nF: publish + dispatch of one 4-field event (%s), batches of %u, %llu events per run, %d runs\n", TOPIC,
           BATCH, (unsigned long long)n, runs);
    printf("  bus: the pooled event bus, one pool block per event shared by every subscriber (reference count)\n");
    printf("  heapcopy: malloc + memcpy of a %zu-byte struct per subscriber, a mutex-protected queue, free after "
           "the handler (glibc malloc)\n",
           sizeof(hc_event_t));
    printf("  %-4s %-9s %12s %22s %16s\n", "row", "side", "ns/event", "(min-max)", "bytes/event");
    for (int w = 0; w < 2; w++) {
        char wl[8];
        snprintf(wl, sizeof wl, "F%u", subs_of[w]);
        double v[2][MAX_RUNS];
        for (int r = 0; r < runs; r++) { /* the two sides interleaved: machine noise hits both */
            for (int s = 0; s < 2; s++) {
                v[s][r] = run_once(&g_sides[s], subs_of[w], n);
            }
        }
        for (int s = 0; s < 2; s++) {
            const bench_result_t *t = bench_report_add(wl, g_sides[s].name, "ns_per_event", v[s], runs, NULL);
            double bytes[1];
            if (s == 0) {
                bus_setup(subs_of[w]);
                bytes[0] = (double)bus_block_bytes();
            } else {
                bytes[0] = (double)hc_bytes_per_event(subs_of[w]);
            }
            (void)bench_report_add(wl, g_sides[s].name, "bytes_per_event", bytes, 1, NULL);
            printf("  %-4s %-9s %12.1f %10.1f - %-9.1f %16.0f\n", wl, g_sides[s].name, t->median, t->min, t->max,
                   bytes[0]);
        }
    }
}

/* Under callgrind (--collect-atstart=no): one dump per (row, side), named "F1 bus 100000" for instr_report.py. */
static void instr_mode(uint64_t n)
{
    static const uint32_t subs_of[2] = {1u, MAX_SUBS};
    char name[64];
    for (int w = 0; w < 2; w++) {
        for (int s = 0; s < 2; s++) {
            g_sides[s].setup(subs_of[w]);
            g_sides[s].loop(BATCH * 64u);
            CALLGRIND_TOGGLE_COLLECT;
            g_sides[s].loop(n);
            CALLGRIND_TOGGLE_COLLECT;
            snprintf(name, sizeof name, "F%u %s %llu", subs_of[w], g_sides[s].name, (unsigned long long)n);
            CALLGRIND_DUMP_STATS_AT(name);
        }
    }
    printf("bench_bus instr: %s\n", RUNNING_ON_VALGRIND ? "counted under valgrind" : "NOT under valgrind");
}

static void usage(void)
{
    fputs("usage: bench_bus [--runs N] [--scale X] [--json FILE] | bench_bus --instr [--scale X]\n", stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    double scale = 1.0;
    int runs = 5;
    const char *json = "results_bus.json";
    bool instr = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--scale") == 0 && i + 1 < argc) {
            scale = atof(argv[++i]);
        } else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc) {
            json = argv[++i];
        } else if (strcmp(argv[i], "--instr") == 0) {
            instr = true;
        } else {
            usage();
        }
    }
    if (scale <= 0.0 || runs < 1 || runs > MAX_RUNS) {
        usage();
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (instr) {
        const uint64_t n = (uint64_t)(20000.0 * scale) / BATCH * BATCH;
        instr_mode(n > 0u ? n : BATCH);
    } else {
        const uint64_t n = (uint64_t)(500000.0 * scale) / BATCH * BATCH;
        timed(n > 0u ? n : BATCH, runs);
        if (bench_report_write_json(json, "bench_bus") != 0) {
            g_errors++;
        }
    }
    if (g_errors != 0u) {
        printf("bench_bus: %u ERRORS (refused publishes, wrong handler counts or leaked blocks)\n", g_errors);
    }
    return g_errors == 0u ? 0 : 1;
}
