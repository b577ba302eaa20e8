/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Instructions per allocation on the target ISAs (make bench-target, issue 17).
 *
 * Run under QEMU with -icount shift=0, virtual time advances exactly one
 * nanosecond per guest instruction, so a clock that follows virtual time counts
 * instructions: the CMSDK APB timer 0 of mps2-an386 (25 MHz, one tick per 40
 * instructions) on the Cortex-M4, the CLINT mtime of virt (10 MHz, one tick per
 * 100 instructions) on RISC-V. SysTick would do as well, but the DWT cycle
 * counter is not modelled and the semihosting clocks (SYS_CLOCK, SYS_ELAPSED)
 * follow the host. A loop of known length (calibrate) checks the conversion;
 * on RISC-V, minstret (QEMU returns the instruction count under -icount)
 * checks it to the instruction.
 *
 * Workloads as in bench/bench.c: A alloc+free pairs, B steps on a random
 * 256-slot table (free the slot's block if it has one, else allocate), both at
 * 64 bytes, and A1-512, pairs at a size drawn from 1..512 (the manager and the
 * libc: every class, every bin), through non-inlined wrappers called by pointer; the "null"
 * allocator (a static block, nothing freed) is the empty loop, whose count
 * tools/bench_target.py subtracts. The image prints raw tick counts; the script
 * turns them into instructions per operation.
 *
 * Allocators: the fixed pool (4096 blocks, and 255 blocks with the packed head
 * word), the manager (STRICT, bench/sdkconfig.bench class counts) and the C
 * library's malloc/free of the image (newlib, newlib-nano or picolibc, the
 * libc the image is linked with).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "console.h"
#include "modesp/fixed_pool.h"
#include "modesp/pool_manager.h"
#include "selftest.h"

#define BT_SIZE     64u    /* bytes per request, as BENCH_FIXED_SIZE */
#define BT_COUNT    4096u  /* blocks of the large bench pool, as BENCH_FIXED_COUNT */
#define BT_SLOTS    256u   /* B's table, as TABLE_SLOTS */
#define BT_OPS      20000u /* pairs (A) or steps (B) per measured loop */
#define BT_RUNS     3u     /* each loop measured this many times: the counts must agree */
#define BT_MAX_SIZE 512u   /* A1-512: sizes 1..512, a power of two */
#define BT_SEED     0x9E3779B9u
#define NOINLINE    __attribute__((noinline))
/* One copy of each measuring function: the instructions around a timed loop are then the same in every row. */
#define ONE_COPY __attribute__((noinline, noclone))

/* ------------------------------------------------------------------ clock */

#if defined(__arm__)
/* CMSDK APB timer 0 of mps2-an386: a 32-bit down-counter on the 25 MHz peripheral clock. */
#define TIMER0_CTRL    (*(volatile uint32_t *)0x40000000u)
#define TIMER0_VALUE   (*(volatile uint32_t *)0x40000004u)
#define TIMER0_RELOAD  (*(volatile uint32_t *)0x40000008u)
#define BT_CLOCK_NAME  "cmsdk-apb-timer0"
#define BT_NS_PER_TICK 40u

static void clock_start(void)
{
    TIMER0_CTRL = 0u;
    TIMER0_RELOAD = 0xFFFFFFFFu;
    TIMER0_VALUE = 0xFFFFFFFFu;
    TIMER0_CTRL = 1u; /* enable, no interrupt */
}

static inline uint32_t clock_now(void) { return ~TIMER0_VALUE; }

#elif defined(__riscv)
/* CLINT mtime of virt: 64 bits at 10 MHz; a measured loop lasts far less than the low word's 429 s. */
#define MTIME_LO       (*(volatile uint32_t *)0x0200BFF8u)
#define BT_CLOCK_NAME  "clint-mtime"
#define BT_NS_PER_TICK 100u

static void clock_start(void) {}

static inline uint32_t clock_now(void) { return MTIME_LO; }
#else
#error "bench_target.c runs on the Cortex-M4 (mps2-an386) or RISC-V (virt) QEMU machines"
#endif

/* ------------------------------------------------------------ allocators */

typedef struct {
    const char *name;
    void *(*alloc)(size_t size);
    int (*release)(void *p, size_t size); /* nonzero: the free was refused */
    bool any_size;                        /* serves 1..BT_MAX_SIZE bytes (A1-512) */
} bt_alloc_t;

MODESP_POOL_DEFINE_STATIC(bt_pool, BT_SIZE, BT_COUNT);
MODESP_POOL_DEFINE_STATIC(bt_pool255, BT_SIZE, 255);
static modesp_pool_manager_t *s_pm;
static _Alignas(8) unsigned char s_null_block[BT_SIZE];

static NOINLINE void *null_alloc(size_t size)
{
    (void)size;
    return s_null_block;
}

// cppcheck-suppress constParameter ; the prototype of every release wrapper (called through bt_alloc_t)
static NOINLINE int null_release(void *p, size_t size)
{
    (void)size;
    return p != s_null_block;
}

/* The wrapper pair of one pool, shaped as bench_alloc.c's (the pool named in the wrapper, not passed). */
#define BT_POOL_WRAPPERS(name)                                                                                         \
    static NOINLINE void *name##_alloc(size_t size)                                                                    \
    {                                                                                                                  \
        (void)size;                                                                                                    \
        return modesp_pool_allocate(&bt_##name);                                                                       \
    }                                                                                                                  \
    static NOINLINE int name##_release(void *p, size_t size)                                                           \
    {                                                                                                                  \
        (void)size;                                                                                                    \
        return modesp_pool_deallocate(&bt_##name, p) != ESP_OK;                                                        \
    }

BT_POOL_WRAPPERS(pool)
BT_POOL_WRAPPERS(pool255)

static NOINLINE void *manager_alloc(size_t size) { return modesp_pool_manager_allocate(s_pm, size); }

static NOINLINE int manager_release(void *p, size_t size)
{
    (void)size;
    return modesp_pool_manager_free(s_pm, p) != ESP_OK;
}

static NOINLINE void *libc_alloc(size_t size) { return malloc(size); }

static NOINLINE int libc_release(void *p, size_t size)
{
    (void)size;
    free(p);
    return 0;
}

static const bt_alloc_t s_allocs[] = {
    {"null", null_alloc, null_release, true},           {"pool", pool_alloc, pool_release, false},
    {"pool255", pool255_alloc, pool255_release, false}, {"manager", manager_alloc, manager_release, true},
    {"libc", libc_alloc, libc_release, true},
};

/* ---------------------------------------------------------------- loops */

static uint32_t s_alloc_failures;
static uint32_t s_bad_frees;
static void *s_table[BT_SLOTS];

static NOINLINE void loop_a(const bt_alloc_t *a, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        void *p = a->alloc(BT_SIZE);
        if (p == NULL) {
            s_alloc_failures++;
            continue;
        }
        s_bad_frees += (uint32_t)(a->release(p, BT_SIZE) != 0);
    }
}

static NOINLINE void loop_b(const bt_alloc_t *a, uint32_t n)
{
    uint32_t rng = BT_SEED;
    for (uint32_t i = 0; i < n; i++) {
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        const uint32_t slot = (rng >> 8) & (BT_SLOTS - 1u);
        if (s_table[slot] != NULL) {
            s_bad_frees += (uint32_t)(a->release(s_table[slot], BT_SIZE) != 0);
            s_table[slot] = NULL;
        } else {
            s_table[slot] = a->alloc(BT_SIZE);
            s_alloc_failures += (uint32_t)(s_table[slot] == NULL);
        }
    }
}

/* A at a size drawn from 1..BT_MAX_SIZE for each pair (the manager and the libc only: every class, every bin). */
static NOINLINE void loop_a_sizes(const bt_alloc_t *a, uint32_t n)
{
    uint32_t rng = BT_SEED;
    for (uint32_t i = 0; i < n; i++) {
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        const size_t size = ((rng >> 8) & (BT_MAX_SIZE - 1u)) + 1u;
        void *p = a->alloc(size);
        if (p == NULL) {
            s_alloc_failures++;
            continue;
        }
        s_bad_frees += (uint32_t)(a->release(p, size) != 0);
    }
}

/* Untimed: every B run starts from an empty table. */
static void drain_table(const bt_alloc_t *a)
{
    for (uint32_t s = 0; s < BT_SLOTS; s++) {
        if (s_table[s] != NULL) {
            s_bad_frees += (uint32_t)(a->release(s_table[s], BT_SIZE) != 0);
            s_table[s] = NULL;
        }
    }
}

/* ------------------------------------------------------------ measuring */

/* Two instructions per iteration on both ISAs (decrement, branch while not zero). */
static NOINLINE void known_loop(uint32_t n)
{
#if defined(__arm__)
    __asm volatile("1: subs %0, %0, #1\n\tbne 1b" : "+r"(n) : : "cc");
#else
    __asm volatile("1: addi %0, %0, -1\n\tbnez %0, 1b" : "+r"(n));
#endif
}

#if defined(__riscv)
/* RISC-V only: QEMU's minstret under -icount is the instruction count itself, a second, finer witness. */
static inline uint32_t instret_now(void)
{
    uint32_t v;
    __asm volatile("csrr %0, minstret" : "=r"(v));
    return v;
}
#endif

/* One copy: both lengths run the same instructions around the loop, so they cancel in the difference. */
static ONE_COPY uint32_t time_known_loop(uint32_t n, uint32_t *instret)
{
#if defined(__riscv)
    const uint32_t i0 = instret_now();
#endif
    const uint32_t t0 = clock_now();
    known_loop(n);
    const uint32_t t1 = clock_now();
#if defined(__riscv)
    *instret = instret_now() - i0;
#else
    *instret = 0u;
#endif
    return t1 - t0;
}

/* The known loop at two lengths: the difference is exactly 2 x (n2 - n1) instructions. */
static void calibrate(void)
{
    const uint32_t n1 = 100000u;
    const uint32_t n2 = 1100000u;
    for (uint32_t run = 0; run < BT_RUNS; run++) {
        uint32_t i1;
        uint32_t i2;
        const uint32_t t1 = time_known_loop(n1, &i1);
        const uint32_t t2 = time_known_loop(n2, &i2);
        out("calibrate");
        out_kv("iterations_short", n1);
        out_kv("ticks_short", t1);
        out_kv("iterations_long", n2);
        out_kv("ticks_long", t2);
        out_kv("expected_instructions", 2u * (n2 - n1));
#if defined(__riscv)
        out_kv("instret_difference", i2 - i1);
#endif
        out("\n");
    }
}

static ONE_COPY void measure(const char *workload, void (*loop)(const bt_alloc_t *, uint32_t), const bt_alloc_t *a)
{
    for (uint32_t run = 0; run < BT_RUNS; run++) {
        const uint32_t failures = s_alloc_failures;
        const uint32_t bad = s_bad_frees;
        const uint32_t t0 = clock_now();
        loop(a, BT_OPS);
        const uint32_t t1 = clock_now();
        drain_table(a); /* B's table; empty after the other loops */
        out("row");
        out(" workload=");
        out(workload);
        out(" allocator=");
        out(a->name);
        out_kv("ops", BT_OPS);
        out_kv("ticks", t1 - t0);
        out_kv("alloc_failures", s_alloc_failures - failures);
        out_kv("bad_frees", s_bad_frees - bad);
        out("\n");
    }
}

/* Every pool back to empty and intact after the runs. */
static int check_pools(void)
{
    int bad = 0;
    const modesp_pool_t *pools[] = {&bt_pool, &bt_pool255};
    for (size_t i = 0; i < sizeof pools / sizeof pools[0]; i++) {
        modesp_pool_stats_t st;
        if (modesp_pool_get_stats(pools[i], &st) != ESP_OK || st.in_use != 0u || st.invalid_frees != 0u ||
            st.corruptions != 0u || modesp_pool_check_integrity(pools[i], NULL) != ESP_OK) {
            out("check: pool ");
            out_u((uint32_t)i);
            out(" not empty or not intact\n");
            bad = 1;
        }
    }
    if (modesp_pool_manager_check_integrity(s_pm, NULL, NULL) != ESP_OK) {
        out("check: manager not intact\n");
        bad = 1;
    }
    return bad;
}

int selftest_main(void)
{
    out("bench-target on ");
    out(plat_name());
    out("\nclock: ");
    out(BT_CLOCK_NAME);
    out_kv("ns_per_tick", BT_NS_PER_TICK);
    out("\n");
    clock_start();
    s_pm = modesp_get_pool_manager();
    calibrate();
    for (size_t i = 0; i < sizeof s_allocs / sizeof s_allocs[0]; i++) {
        loop_a(&s_allocs[i], 64u); /* warm-up: first-call set-up (libc heap, lazy init) stays out */
        measure("A", loop_a, &s_allocs[i]);
    }
    for (size_t i = 0; i < sizeof s_allocs / sizeof s_allocs[0]; i++) {
        measure("B", loop_b, &s_allocs[i]);
    }
    for (size_t i = 0; i < sizeof s_allocs / sizeof s_allocs[0]; i++) {
        if (s_allocs[i].any_size) {
            measure("A1-512", loop_a_sizes, &s_allocs[i]);
        }
    }
    const int bad = check_pools();
    out("totals");
    out_kv("alloc_failures", s_alloc_failures);
    out_kv("bad_frees", s_bad_frees);
    out("\n");
    out(bad == 0 && s_bad_frees == 0u ? "RESULT: PASS\n" : "RESULT: FAIL\n");
    return bad == 0 && s_bad_frees == 0u ? 0 : 1;
}

/* The machine files (cortex_m/startup.c, riscv/platform.c) call this from their timer interrupt; never started here. */
void selftest_timer_isr(void) {}
