/* SPDX-License-Identifier: Apache-2.0 */
/*
 * modesp_mempool benchmark: this library against the allocators a user would
 * pick instead, measured side by side in one run (issue 9).
 *
 *   bench [--scale X] [--runs N] [--only ABCDE] [--json FILE]   timed workloads
 *   bench --instr [--scale X]                                    A and B for callgrind
 *
 * Workloads (see the issue for their definition): A alloc+free pairs, B a
 * random 256-slot table, C two threads doing A on one allocator, D producer /
 * consumer through a single-producer ring, E per-operation latency tails, F the
 * event bus (not in the library yet: reported as missing, never simulated).
 * With A, CAS: what one uncontended locked compare-and-swap costs here, the
 * unit of the lock-free rows (pool, lfbare).
 * Each timed workload runs --runs times; runs of different allocators are
 * interleaved so that a burst of machine noise hits every row, not one.
 */
#define _GNU_SOURCE

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <valgrind/callgrind.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define HAVE_TSC 1
#else
#define HAVE_TSC 0
#endif

#include "bench_alloc.h"
#include "bench_report.h"
#include "uniform_stream.h" /* uniform_xorshift32: the one generator of the bench programs */

#define MAX_RUNS    BENCH_REPORT_MAX_RUNS
#define TABLE_SLOTS 256u
#define RING_SIZE   1024u
#define E_MAX_SIZE  512u

/* ------------------------------------------------------------------ timing */

static uint64_t now_ns(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Per-operation timer for E. On x86 the TSC, fenced on both sides so the timed
 * operation cannot drift out of the window; elsewhere clock_gettime. Its own
 * cost is measured (timer_cost) and printed next to the results.
 */
static inline uint64_t ticks(void)
{
#if HAVE_TSC
    _mm_lfence();
    uint64_t t = __rdtsc();
    _mm_lfence();
    return t;
#else
    return now_ns();
#endif
}

static double g_ns_per_tick = 1.0;

static void calibrate_ticks(void)
{
#if HAVE_TSC
    const uint64_t n0 = now_ns();
    const uint64_t t0 = ticks();
    while (now_ns() - n0 < 100000000u) {
    }
    const uint64_t n1 = now_ns();
    const uint64_t t1 = ticks();
    g_ns_per_tick = (double)(n1 - n0) / (double)(t1 - t0);
#endif
}

/* ------------------------------------------------------------- statistics */

static int cmp_u32(const void *a, const void *b)
{
    const uint32_t x = *(const uint32_t *)a;
    const uint32_t y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* ------------------------------------------------------------------ driver */

/* Failed allocations and rejected frees seen by the drivers; any is reported. */
static uint64_t g_alloc_failures;
static uint64_t g_bad_frees;

#define SEED 0x9E3779B9u

static void loop_a(const bench_alloc_t *a, uint64_t n, uint64_t *fails, uint64_t *bad)
{
    for (uint64_t i = 0; i < n; i++) {
        void *p = a->alloc(BENCH_FIXED_SIZE);
        if (p == NULL) {
            (*fails)++;
            continue;
        }
        *bad += (uint64_t)(a->release(p, BENCH_FIXED_SIZE) != 0);
    }
}

static void *g_table[TABLE_SLOTS];
static uint16_t g_table_size[TABLE_SLOTS];

static void loop_b(const bench_alloc_t *a, uint64_t n)
{
    uint32_t rng = SEED;
    for (uint64_t i = 0; i < n; i++) {
        const uint32_t slot = (uniform_xorshift32(&rng) >> 8) & (TABLE_SLOTS - 1u);
        if (g_table[slot] != NULL) {
            g_bad_frees += (uint64_t)(a->release(g_table[slot], BENCH_FIXED_SIZE) != 0);
            g_table[slot] = NULL;
        } else {
            g_table[slot] = a->alloc(BENCH_FIXED_SIZE);
            g_alloc_failures += (uint64_t)(g_table[slot] == NULL);
        }
    }
}

/* Empty the table between runs (untimed), so every run starts alike. */
static void drain_table(const bench_alloc_t *a)
{
    for (uint32_t s = 0; s < TABLE_SLOTS; s++) {
        if (g_table[s] != NULL) {
            g_bad_frees +=
                (uint64_t)(a->release(g_table[s], g_table_size[s] ? g_table_size[s] : BENCH_FIXED_SIZE) != 0);
            g_table[s] = NULL;
            g_table_size[s] = 0;
        }
    }
}

static double run_a(const bench_alloc_t *a, uint64_t n)
{
    const uint64_t t0 = now_ns();
    loop_a(a, n, &g_alloc_failures, &g_bad_frees);
    return (double)(now_ns() - t0) / (double)n;
}

static double run_b(const bench_alloc_t *a, uint64_t n)
{
    const uint64_t t0 = now_ns();
    loop_b(a, n);
    const uint64_t t1 = now_ns();
    drain_table(a);
    return (double)(t1 - t0) / (double)n;
}

/* --------------------------------------------------------------- threads */

static int g_cpus[2] = {-1, -1};

/* Two distinct CPUs to pin the two threads of C and D on, when there are two. */
static void pick_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0) {
        return;
    }
    int k = 0;
    for (int c = 0; c < CPU_SETSIZE && k < 2; c++) {
        if (CPU_ISSET(c, &set)) {
            g_cpus[k++] = c;
        }
    }
    if (k < 2) {
        g_cpus[0] = g_cpus[1] = -1;
    }
}

static void pin_self(int which)
{
    if (g_cpus[which] < 0) {
        return;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(g_cpus[which], &set);
    (void)pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

typedef struct {
    const bench_alloc_t *a;
    uint64_t n;
    int which;
    pthread_barrier_t *start;
    uint64_t fails, bad;
    uint64_t t0, t1; /* this thread's own start and end */
} c_arg_t;

/*
 * The workers time themselves: with two CPUs and three threads, the main
 * thread may not run again until both workers are done, so its clock reads
 * would miss the work entirely.
 */
static void *c_thread(void *arg)
{
    c_arg_t *c = arg;
    pin_self(c->which);
    (void)pthread_barrier_wait(c->start);
    c->t0 = now_ns();
    loop_a(c->a, c->n, &c->fails, &c->bad);
    c->t1 = now_ns();
    return NULL;
}

/* Wall time from the first start to the last end (CLOCK_MONOTONIC is one clock for all CPUs). */
static uint64_t span(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
    return (a1 > b1 ? a1 : b1) - (a0 < b0 ? a0 : b0);
}

static double run_c(const bench_alloc_t *a, uint64_t n)
{
    pthread_barrier_t start;
    (void)pthread_barrier_init(&start, NULL, 2);
    c_arg_t args[2] = {{a, n, 0, &start, 0, 0, 0, 0}, {a, n, 1, &start, 0, 0, 0, 0}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        (void)pthread_create(&th[i], NULL, c_thread, &args[i]);
    }
    for (int i = 0; i < 2; i++) {
        (void)pthread_join(th[i], NULL);
    }
    (void)pthread_barrier_destroy(&start);
    for (int i = 0; i < 2; i++) {
        g_alloc_failures += args[i].fails;
        g_bad_frees += args[i].bad;
    }
    /* Both threads did n pairs in this wall time: that is ns per pair per thread. */
    return (double)span(args[0].t0, args[0].t1, args[1].t0, args[1].t1) / (double)n;
}

/*
 * Single-producer single-consumer ring. Each index has its own cache line and
 * each side keeps a private copy of the other's index, refreshed only when the
 * ring looks full/empty, so the ring itself adds little traffic: what D
 * measures is the allocator's cross-thread free.
 */
typedef struct {
    _Alignas(64) uint32_t head; /* written by the producer */
    _Alignas(64) uint32_t tail; /* written by the consumer */
    _Alignas(64) void *slot[RING_SIZE];
} ring_t;

typedef struct {
    const bench_alloc_t *a;
    uint64_t n;
    ring_t *ring;
    pthread_barrier_t *start;
    uint64_t fails, bad;
    uint64_t p0, p1, c0, c1; /* producer's and consumer's own start and end */
} d_arg_t;

/*
 * Wait step of the ring's spin loops. On a loaded 2-CPU machine the other side
 * may be descheduled; after a short spin, yield so it can run instead of
 * burning our time slice (the wait is then not what D measures).
 */
static inline void cpu_relax(uint32_t *spins)
{
    if (++*spins < 1000u) {
#if HAVE_TSC
        _mm_pause();
#endif
    } else {
        *spins = 0;
        (void)sched_yield();
    }
}

static void *d_producer(void *arg)
{
    d_arg_t *d = arg;
    ring_t *r = d->ring;
    pin_self(0);
    (void)pthread_barrier_wait(d->start);
    d->p0 = now_ns();
    uint32_t head = 0;
    uint32_t tail_seen = 0;
    for (uint64_t i = 0; i < d->n; i++) {
        void *p = d->a->alloc(BENCH_FIXED_SIZE);
        d->fails += (uint64_t)(p == NULL); /* a NULL travels too; the consumer skips it */
        uint32_t spins = 0;
        while (head - tail_seen == RING_SIZE) {
            tail_seen = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
            cpu_relax(&spins);
        }
        r->slot[head & (RING_SIZE - 1u)] = p;
        __atomic_store_n(&r->head, ++head, __ATOMIC_RELEASE);
    }
    d->p1 = now_ns();
    return NULL;
}

static void *d_consumer(void *arg)
{
    d_arg_t *d = arg;
    ring_t *r = d->ring;
    pin_self(1);
    (void)pthread_barrier_wait(d->start);
    d->c0 = now_ns();
    uint32_t tail = 0;
    uint32_t head_seen = 0;
    for (uint64_t i = 0; i < d->n; i++) {
        uint32_t spins = 0;
        while (tail == head_seen) {
            head_seen = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
            if (tail == head_seen) {
                cpu_relax(&spins);
            }
        }
        void *p = r->slot[tail & (RING_SIZE - 1u)];
        __atomic_store_n(&r->tail, ++tail, __ATOMIC_RELEASE);
        if (p != NULL) {
            d->bad += (uint64_t)(d->a->release(p, BENCH_FIXED_SIZE) != 0);
        }
    }
    d->c1 = now_ns();
    return NULL;
}

static double run_d(const bench_alloc_t *a, uint64_t n)
{
    static ring_t ring;
    memset(&ring, 0, sizeof ring);
    pthread_barrier_t start;
    (void)pthread_barrier_init(&start, NULL, 2);
    d_arg_t arg = {a, n, &ring, &start, 0, 0, 0, 0, 0, 0};
    pthread_t prod, cons;
    (void)pthread_create(&prod, NULL, d_producer, &arg);
    (void)pthread_create(&cons, NULL, d_consumer, &arg);
    (void)pthread_join(prod, NULL);
    (void)pthread_join(cons, NULL);
    (void)pthread_barrier_destroy(&start);
    g_alloc_failures += arg.fails;
    g_bad_frees += arg.bad;
    return (double)span(arg.p0, arg.p1, arg.c0, arg.c1) / (double)n;
}

/* ------------------------------------------------------------ latency (E) */

typedef struct {
    double p50, p99, p999, max;
} tail_t;

static tail_t tail_of(uint32_t *t, size_t n)
{
    qsort(t, n, sizeof t[0], cmp_u32);
    tail_t r;
    r.p50 = t[n / 2] * g_ns_per_tick;
    r.p99 = t[(size_t)((double)n * 0.99)] * g_ns_per_tick;
    r.p999 = t[(size_t)((double)n * 0.999)] * g_ns_per_tick;
    r.max = t[n - 1] * g_ns_per_tick;
    return r;
}

static uint32_t *g_lat_alloc;
static uint32_t *g_lat_free;

/* B with each operation timed alone, until `samples` of each kind. */
static void run_e(const bench_alloc_t *a, size_t samples, bool varied, tail_t *alloc_tail, tail_t *free_tail)
{
    uint32_t rng = SEED;
    size_t na = 0;
    size_t nf = 0;
    while (na < samples || nf < samples) {
        const uint32_t r = uniform_xorshift32(&rng);
        const uint32_t slot = (r >> 8) & (TABLE_SLOTS - 1u);
        if (g_table[slot] != NULL) {
            const uint64_t t0 = ticks();
            const int bad = a->release(g_table[slot], g_table_size[slot]);
            const uint64_t t1 = ticks();
            g_bad_frees += (uint64_t)(bad != 0);
            g_table[slot] = NULL;
            if (nf < samples) {
                g_lat_free[nf++] = (uint32_t)(t1 - t0);
            }
        } else {
            const size_t size = varied ? 1u + (uniform_xorshift32(&rng) % E_MAX_SIZE) : BENCH_FIXED_SIZE;
            const uint64_t t0 = ticks();
            void *p = a->alloc(size);
            const uint64_t t1 = ticks();
            g_table[slot] = p;
            g_table_size[slot] = (uint16_t)size;
            g_alloc_failures += (uint64_t)(p == NULL);
            if (na < samples) {
                g_lat_alloc[na++] = (uint32_t)(t1 - t0);
            }
        }
    }
    drain_table(a);
    *alloc_tail = tail_of(g_lat_alloc, samples);
    *free_tail = tail_of(g_lat_free, samples);
}

/* Cost of one empty ticks() window, the floor under every E figure, and the timer's step. */
static void timer_cost(double *median_ns, double *min_ns, double *step_ns)
{
    enum { N = 100000 };
    static uint32_t t[N];
    for (int i = 0; i < N; i++) {
        const uint64_t t0 = ticks();
        const uint64_t t1 = ticks();
        t[i] = (uint32_t)(t1 - t0);
    }
    qsort(t, N, sizeof t[0], cmp_u32);
    *median_ns = t[N / 2] * g_ns_per_tick;
    *min_ns = t[0] * g_ns_per_tick;
    /* The smallest difference between two distinct readings: how finely E can resolve anything. */
    uint32_t step = UINT32_MAX;
    for (int i = 1; i < N; i++) {
        if (t[i] != t[i - 1] && t[i] - t[i - 1] < step) {
            step = t[i] - t[i - 1];
        }
    }
    *step_ns = step == UINT32_MAX ? 0.0 : step * g_ns_per_tick;
}

/* ------------------------------------------------------------------ output */

static void print_load(const char *when)
{
    char line[128];
    FILE *f = fopen("/proc/loadavg", "r");
    if (f != NULL) {
        if (fgets(line, sizeof line, f) != NULL) {
            printf("%s: %s", when, line);
        }
        fclose(f);
    }
}

static void print_rows(const char *workload, const char *metric, const char *unit)
{
    const bench_result_t *null_row = bench_report_get(workload, "null", metric);
    printf("  %-10s %12s %12s %12s %14s\n", "allocator", unit, "min", "max", "minus null");
    for (size_t i = 0; i < bench_alloc_count; i++) {
        const bench_result_t *r = bench_report_get(workload, bench_allocs[i].name, metric);
        if (r == NULL) {
            continue;
        }
        printf("  %-10s %12.2f %12.2f %12.2f", r->allocator, r->median, r->min, r->max);
        if (null_row != NULL && strcmp(r->allocator, "null") != 0) {
            printf(" %14.2f", r->median - null_row->median);
        } else {
            printf(" %14s", "");
        }
        printf("%s%s\n", r->note[0] ? "  " : "", r->note);
    }
}

/* A row whose allocator failed or rejected a free says so next to its figure. */
static void failure_note(uint64_t f, uint64_t b, char *note, size_t len)
{
    if (f != 0u || b != 0u) {
        snprintf(note, len, "FAILURES: %llu allocs, %llu frees", (unsigned long long)f, (unsigned long long)b);
    } else {
        note[0] = '\0';
    }
}

/* The machine the figures come from, and how busy it was. */
static void print_machine(void)
{
    char line[256];
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f != NULL) {
        while (fgets(line, sizeof line, f) != NULL) {
            if (strncmp(line, "model name", 10) == 0) {
                printf("machine: %s", strchr(line, ':') != NULL ? strchr(line, ':') + 2 : line);
                break;
            }
        }
        fclose(f);
    }
    printf("online CPUs: %ld\n", sysconf(_SC_NPROCESSORS_ONLN));
    print_load("load average at start");
}

/* --------------------------------------------------------------- workloads */

typedef double (*run_fn_t)(const bench_alloc_t *a, uint64_t n);

/*
 * Threaded workloads on a loaded 2-CPU machine can take minutes at the issue's
 * 10^7 operations, and `make bench` must finish in 5. A probe at 1/20 of n
 * estimates the full cost; if it exceeds the workload's budget, n is scaled
 * down for every allocator alike and the table header says so. The probe
 * overestimates D (short runs pay the threads' start-up and cold caches,
 * about 3x here), so the cut is conservative.
 */
static uint64_t fit_budget(const char *name, run_fn_t fn, uint64_t n, int runs, bool threaded, double budget_s)
{
    if (budget_s <= 0.0) {
        return n;
    }
    /* Long enough to reach steady state: shorter probes overestimated D by 3x. */
    const uint64_t probe = n / 20u > 1000u ? n / 20u : 1000u;
    double ns_per_op = 0.0;
    for (size_t i = 0; i < bench_alloc_count; i++) {
        const bench_alloc_t *a = &bench_allocs[i];
        if (a->available && !(threaded && !a->thread_safe)) {
            ns_per_op += fn(a, probe);
        }
    }
    const double est_s = ns_per_op * (double)n * runs / 1e9;
    if (est_s <= budget_s) {
        return n;
    }
    const uint64_t reduced = (uint64_t)((double)n * budget_s / est_s);
    printf("\n%s: NOTE n reduced from %llu to %llu per run: the probe estimated %.0f s for all rows, over the %.0f s "
           "budget that keeps `make bench` under 5 minutes on this machine now\n",
           name, (unsigned long long)n, (unsigned long long)reduced, est_s, budget_s);
    return reduced;
}

static double g_budget_scale = 1.0; /* --budget 0 turns the budget off */

static void timed_workload(const char *name, const char *title, run_fn_t fn, uint64_t n, int runs, bool threaded,
                           double budget_s)
{
    n = fit_budget(name, fn, n, runs, threaded, budget_s * g_budget_scale);
    printf("\n%s: %s, %llu per run, %d runs, ns per op (median, min, max)\n", name, title, (unsigned long long)n, runs);
    double v[BENCH_MAX_ALLOCS][MAX_RUNS];
    uint64_t fails[BENCH_MAX_ALLOCS] = {0};
    uint64_t bad[BENCH_MAX_ALLOCS] = {0};
    for (int r = 0; r < runs; r++) {
        for (size_t i = 0; i < bench_alloc_count; i++) {
            const bench_alloc_t *a = &bench_allocs[i];
            if (!a->available || (threaded && !a->thread_safe)) {
                continue;
            }
            const uint64_t f0 = g_alloc_failures;
            const uint64_t b0 = g_bad_frees;
            v[i][r] = fn(a, n);
            fails[i] += g_alloc_failures - f0;
            bad[i] += g_bad_frees - b0;
        }
    }
    for (size_t i = 0; i < bench_alloc_count; i++) {
        const bench_alloc_t *a = &bench_allocs[i];
        if (!a->available) {
            continue;
        }
        if (threaded && !a->thread_safe) {
            printf("  %-10s not run: not thread-safe by design\n", a->name);
            continue;
        }
        char note[64] = "";
        failure_note(fails[i], bad[i], note, sizeof note);
        bench_report_add(name, a->name, "ns_per_op", v[i], runs, note);
    }
    print_rows(name, "ns_per_op", "ns/op");
}

static void latency_workload(bool varied, size_t samples, int runs)
{
    const char *wl = varied ? "E1-512" : "E64";
    printf("\n%s: B with each op timed alone, %s, %zu samples each of alloc and free, %d runs\n", wl,
           varied ? "1..512-byte requests (manager and general allocators)" : "64-byte requests", samples, runs);
    static const char *const metric[4] = {"p50_ns", "p99_ns", "p99_9_ns", "max_ns"};
    double v[BENCH_MAX_ALLOCS][2][4][MAX_RUNS];
    for (int r = 0; r < runs; r++) {
        for (size_t i = 0; i < bench_alloc_count; i++) {
            const bench_alloc_t *a = &bench_allocs[i];
            if (!a->available || (varied && !a->any_size)) {
                continue;
            }
            tail_t ta, tf;
            run_e(a, samples, varied, &ta, &tf);
            const tail_t *t[2] = {&ta, &tf};
            for (int k = 0; k < 2; k++) {
                v[i][k][0][r] = t[k]->p50;
                v[i][k][1][r] = t[k]->p99;
                v[i][k][2][r] = t[k]->p999;
                v[i][k][3][r] = t[k]->max;
            }
        }
    }
    for (int k = 0; k < 2; k++) {
        char name[24];
        snprintf(name, sizeof name, "%s.%s", wl, k == 0 ? "alloc" : "free");
        printf("  %s (medians over runs; [min-max] of p99.9)\n", name);
        printf("  %-10s %9s %9s %9s %9s   %s\n", "allocator", "p50", "p99", "p99.9", "max", "p99.9 range");
        for (size_t i = 0; i < bench_alloc_count; i++) {
            const bench_alloc_t *a = &bench_allocs[i];
            if (!a->available || (varied && !a->any_size)) {
                continue;
            }
            double med[4];
            for (int m = 0; m < 4; m++) {
                bench_report_add(name, a->name, metric[m], v[i][k][m], runs, NULL);
                med[m] = bench_report_get(name, a->name, metric[m])->median;
            }
            const bench_result_t *p = bench_report_get(name, a->name, "p99_9_ns");
            printf("  %-10s %9.1f %9.1f %9.1f %9.1f   [%.1f-%.1f]\n", a->name, med[0], med[1], med[2], med[3], p->min,
                   p->max);
        }
    }
}

/* ------------------------------------------------- one locked RMW (the unit) */

/*
 * What one uncontended locked compare-and-swap costs on this machine (lock
 * cmpxchg on x86): the unit a shared lock-free pair is built from, 3 per pair
 * for lfbare and more for the pool, so their floor is that many times this.
 * One cache-hot word that only this thread touches; every CAS succeeds (it
 * expects what the previous one stored). The same loop with a plain store in
 * place of the CAS is timed beside it and subtracted: what remains is the
 * locked instruction alone.
 */
static _Alignas(64) uint32_t g_cas_word;

static double cas_loop_ns(uint64_t n, bool locked)
{
    uint32_t v = __atomic_load_n(&g_cas_word, __ATOMIC_RELAXED);
    const uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < n; i++) {
        if (locked) {
            uint32_t seen = v;
            (void)__atomic_compare_exchange_n(&g_cas_word, &seen, v + 1u, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
        } else {
            __atomic_store_n(&g_cas_word, v + 1u, __ATOMIC_RELAXED);
        }
        v++;
    }
    return (double)(now_ns() - t0) / (double)n;
}

static void cas_workload(uint64_t n, int runs)
{
    double cas[MAX_RUNS];
    double plain[MAX_RUNS];
    double diff[MAX_RUNS];
    for (int r = 0; r < runs; r++) {
        cas[r] = cas_loop_ns(n, true);
        plain[r] = cas_loop_ns(n, false);
        diff[r] = cas[r] - plain[r];
    }
    const bench_result_t *c = bench_report_add("CAS", "cas_loop", "ns_per_op", cas, runs, NULL);
    const bench_result_t *p = bench_report_add("CAS", "store_loop", "ns_per_op", plain, runs, NULL);
    const bench_result_t *d = bench_report_add("CAS", "cas", "ns_per_op", diff, runs, NULL);
    if (c == NULL || p == NULL || d == NULL) {
        return;
    }
    printf("\nCAS: one uncontended %s on a private cache-hot word, %llu per run, %d runs\n",
           HAVE_TSC ? "lock cmpxchg" : "compare-and-swap", (unsigned long long)n, runs);
    printf("  CAS loop %.2f ns, plain-store loop %.2f ns: one locked CAS costs %.2f ns (median; %.2f-%.2f)\n",
           c->median, p->median, d->median, d->min, d->max);
    printf("  floor of a shared lock-free pair of this design (pop, claim, push): 3 x %.2f = %.1f ns per pair\n",
           d->median, 3.0 * d->median);
}

/* --------------------------------------------------- callgrind (bench-instr) */

/*
 * Under callgrind with --collect-atstart=no: collect only the measured loop of
 * each (workload, allocator) and dump it under a name the report script reads
 * back ("A pool 100000"). Warm-up and table draining happen outside.
 */
static void instr_mode(uint64_t n)
{
    char name[64];
    for (size_t i = 0; i < bench_alloc_count; i++) {
        const bench_alloc_t *a = &bench_allocs[i];
        if (!a->available) {
            continue;
        }
        uint64_t f = 0;
        uint64_t b = 0;
        loop_a(a, 1000, &f, &b); /* warm-up: first-use setup is not a steady-state cost */
        CALLGRIND_TOGGLE_COLLECT;
        loop_a(a, n, &g_alloc_failures, &g_bad_frees);
        CALLGRIND_TOGGLE_COLLECT;
        snprintf(name, sizeof name, "A %s %llu", a->name, (unsigned long long)n);
        CALLGRIND_DUMP_STATS_AT(name);

        loop_b(a, n / 10u);
        drain_table(a);
        CALLGRIND_TOGGLE_COLLECT;
        loop_b(a, n);
        CALLGRIND_TOGGLE_COLLECT;
        snprintf(name, sizeof name, "B %s %llu", a->name, (unsigned long long)n);
        CALLGRIND_DUMP_STATS_AT(name);
        drain_table(a);
    }
    printf("instr: %s; alloc failures %llu, rejected frees %llu\n",
           RUNNING_ON_VALGRIND ? "counted under valgrind" : "NOT under valgrind (nothing counted)",
           (unsigned long long)g_alloc_failures, (unsigned long long)g_bad_frees);
}

/* -------------------------------------------------------------------- main */

/* Rows left out by --alloc: they are skipped like a missing library, but the header says why. */
static bool g_unselected[BENCH_MAX_ALLOCS];

/* Whether name is one of the comma-separated entries of list (whole entries only: "pool" is not "pool255"). */
static bool listed(const char *list, const char *name)
{
    const size_t len = strlen(name);
    while (*list != '\0') {
        const size_t entry = strcspn(list, ",");
        if (entry == len && strncmp(list, name, len) == 0) {
            return true;
        }
        list += entry;
        list += *list == ',';
    }
    return false;
}

/* --alloc pool,null,...: run only these rows (experiments). */
static void select_allocs(const char *list)
{
    for (size_t i = 0; i < bench_alloc_count; i++) {
        if (!listed(list, bench_allocs[i].name)) {
            g_unselected[i] = bench_allocs[i].available;
            bench_allocs[i].available = false;
        }
    }
}

static void usage(void)
{
    fputs("usage: bench [--scale X] [--runs N] [--only ABCDEF] [--json FILE] [--budget F] [--alloc a,b] | bench "
          "--instr [--scale X]\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    double scale = 1.0;
    int runs = 5;
    const char *only = "ABCDEF";
    const char *json = "results_time.json";
    bool instr = false;
    const char *alloc_list = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--scale") == 0 && i + 1 < argc) {
            scale = atof(argv[++i]);
        } else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            only = argv[++i];
        } else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc) {
            json = argv[++i];
        } else if (strcmp(argv[i], "--alloc") == 0 && i + 1 < argc) {
            alloc_list = argv[++i];
        } else if (strcmp(argv[i], "--budget") == 0 && i + 1 < argc) {
            g_budget_scale = atof(argv[++i]);
        } else if (strcmp(argv[i], "--instr") == 0) {
            instr = true;
        } else {
            usage();
        }
    }
    if (scale <= 0.0 || runs < 1 || runs > MAX_RUNS) {
        usage();
    }
    if (!bench_alloc_init()) {
        return 1;
    }
    if (alloc_list != NULL) {
        select_allocs(alloc_list);
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    if (instr) {
        instr_mode((uint64_t)(100000.0 * scale));
        return (g_alloc_failures != 0u || g_bad_frees != 0u || bench_alloc_check_pools() != 0) ? 1 : 0;
    }

    const uint64_t n = (uint64_t)(1e7 * scale);
    const size_t e_samples = (size_t)(1e6 * scale);
    pick_cpus();
    calibrate_ticks();
    printf("modesp_mempool bench: release build, every free validated by the pool/manager, statistics on.\n");
    print_machine();
    printf(
        "Diagnostics: off in these rows (bench/sdkconfig.bench); its costs are the DIAG rows of make bench-instr.\n");
    for (size_t i = 0; i < bench_alloc_count; i++) {
        printf("  %-10s %s%s\n", bench_allocs[i].name, bench_allocs[i].detail,
               bench_allocs[i].available ? ""
               : g_unselected[i]         ? " (not run: not named by --alloc)"
                                         : " (NOT AVAILABLE)");
    }
    if (g_cpus[0] >= 0) {
        printf("threads of C and D pinned to CPUs %d and %d\n", g_cpus[0], g_cpus[1]);
    } else {
        printf("fewer than 2 CPUs available: C and D threads share a CPU\n");
    }

    if (strchr(only, 'A') != NULL) {
        timed_workload("A", "one thread, 64-byte alloc then free", run_a, n, runs, false, 30.0);
        cas_workload(n, runs);
    }
    if (strchr(only, 'B') != NULL) {
        timed_workload("B", "one thread, 256 random slots, 64 bytes", run_b, n, runs, false, 30.0);
    }
    if (strchr(only, 'C') != NULL) {
        timed_workload("C", "two threads each doing A on one allocator, ns per pair per thread", run_c, n, runs, true,
                       60.0);
    }
    if (strchr(only, 'D') != NULL) {
        timed_workload("D", "producer allocates, SPSC ring, consumer frees, ns per block", run_d, n, runs, true, 140.0);
    }
    if (strchr(only, 'E') != NULL) {
        g_lat_alloc = malloc(e_samples * sizeof *g_lat_alloc);
        g_lat_free = malloc(e_samples * sizeof *g_lat_free);
        if (g_lat_alloc == NULL || g_lat_free == NULL) {
            return 1;
        }
        double tmed, tmin, tstep;
        timer_cost(&tmed, &tmin, &tstep);
        printf("\nE timer: %s, one empty window costs %.1f ns (median), %.1f ns (min); included in every E figure. "
               "Readings come in steps of %.1f ns here, so E figures are multiples of that step.\n",
               HAVE_TSC ? "lfence+rdtsc+lfence" : "clock_gettime", tmed, tmin, tstep);
        latency_workload(false, e_samples, runs);
        latency_workload(true, e_samples, runs);
        free(g_lat_alloc);
        free(g_lat_free);
    }
    if (strchr(only, 'F') != NULL) {
        printf("\nF: event bus publish+dispatch: measured by bench_bus (bench/bench_bus.c), which make bench runs "
               "next.\n");
    }

    print_load("\nload average at end");
    const int pools_bad = bench_alloc_check_pools();
    if (g_alloc_failures != 0u || g_bad_frees != 0u) {
        printf("driver: %llu failed allocations, %llu rejected frees (see FAILURES notes)\n",
               (unsigned long long)g_alloc_failures, (unsigned long long)g_bad_frees);
    }
    const int json_bad = bench_report_write_json(json, "bench");
    return (pools_bad || json_bad) ? 1 : 0;
}
