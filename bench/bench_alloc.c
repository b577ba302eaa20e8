/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Allocator wrappers: one non-inlined function per operation per allocator,
 * so each is reached the same way (see bench_alloc.h).
 *
 * glibc is called through __libc_malloc/__libc_free because jemalloc is linked
 * at start-up and takes over the process's malloc symbol (Debian builds it
 * without a prefix). __libc_malloc is the very function glibc's malloc is an
 * alias of, so the glibc row measures ptmalloc itself. jemalloc cannot be
 * dlopen()ed (its initial-exec TLS needs the static TLS block), hence the link;
 * mimalloc and tcmalloc are dlopen()ed with RTLD_LOCAL so neither replaces
 * malloc for the rest of the process.
 */
#define _GNU_SOURCE

#include "bench_alloc.h"

#include <dlfcn.h>
#include <jemalloc/jemalloc.h>
#include <stdio.h>
#include <string.h>

#include "modesp/fixed_pool.h"
#include "modesp/pool_manager.h"

#define NOINLINE __attribute__((noinline))

/* glibc's own entry points (exported by libc.so.6, not declared in a header). */
void *__libc_malloc(size_t size);
void __libc_free(void *p);

/* ------------------------------------------------------------- this library */

MODESP_POOL_DEFINE_STATIC(bench_pool, BENCH_FIXED_SIZE, BENCH_FIXED_COUNT);

static NOINLINE void *pool_alloc(size_t size)
{
    (void)size;
    return modesp_pool_allocate(&bench_pool);
}

static NOINLINE int pool_release(void *p, size_t size)
{
    (void)size;
    return modesp_pool_deallocate(&bench_pool, p) != ESP_OK;
}

/* The same pool with 255 blocks: a packed head (count of blocks out beside the
 * index), so its statistics cost no atomic operation. 255 covers A and B. */
MODESP_POOL_DEFINE_STATIC(bench_pool255, BENCH_FIXED_SIZE, 255);

static NOINLINE void *pool255_alloc(size_t size)
{
    (void)size;
    return modesp_pool_allocate(&bench_pool255);
}

static NOINLINE int pool255_release(void *p, size_t size)
{
    (void)size;
    return modesp_pool_deallocate(&bench_pool255, p) != ESP_OK;
}

static modesp_pool_manager_t *s_pm;

static NOINLINE void *manager_alloc(size_t size) { return modesp_pool_manager_allocate(s_pm, size); }

static NOINLINE int manager_release(void *p, size_t size)
{
    (void)size;
    return modesp_pool_manager_free(s_pm, p) != ESP_OK;
}

/* ---------------------------------------------------- general allocators */

static NOINLINE void *glibc_alloc(size_t size) { return __libc_malloc(size); }

static NOINLINE int glibc_release(void *p, size_t size)
{
    (void)size;
    __libc_free(p);
    return 0;
}

static NOINLINE void *jemalloc_alloc(size_t size) { return mallocx(size, 0); }

static NOINLINE int jemalloc_release(void *p, size_t size)
{
    (void)size;
    dallocx(p, 0);
    return 0;
}

static void *(*s_mi_malloc)(size_t);
static void (*s_mi_free)(void *);

static NOINLINE void *mimalloc_alloc(size_t size) { return s_mi_malloc(size); }

static NOINLINE int mimalloc_release(void *p, size_t size)
{
    (void)size;
    s_mi_free(p);
    return 0;
}

static void *(*s_tc_malloc)(size_t);
static void (*s_tc_free)(void *);

static NOINLINE void *tcmalloc_alloc(size_t size) { return s_tc_malloc(size); }

static NOINLINE int tcmalloc_release(void *p, size_t size)
{
    (void)size;
    s_tc_free(p);
    return 0;
}

/* -------------------------------------------------------------- baselines */

/* The do-nothing allocator: what the driver loop and the call cost alone. */
static _Alignas(64) unsigned char s_null_block[BENCH_FIXED_SIZE];

static NOINLINE void *null_alloc(size_t size)
{
    (void)size;
    return s_null_block;
}

static NOINLINE int null_release(void *p, size_t size)
{
    (void)p;
    (void)size;
    return 0;
}

/*
 * Intrusive free list: the link lives in the free block itself, no checks, no
 * statistics, no synchronisation. Nothing correct can be cheaper, hence "floor".
 */
typedef struct free_node {
    struct free_node *next;
} free_node_t;

typedef struct {
    free_node_t *head;
    _Alignas(64) unsigned char blocks[BENCH_FIXED_COUNT][BENCH_FIXED_SIZE];
} free_list_t;

static void list_init(free_list_t *l)
{
    l->head = NULL;
    for (size_t i = BENCH_FIXED_COUNT; i-- > 0;) {
        free_node_t *n = (free_node_t *)(void *)l->blocks[i];
        n->next = l->head;
        l->head = n;
    }
}

static inline void *list_pop(free_list_t *l)
{
    free_node_t *n = l->head;
    if (n != NULL) {
        l->head = n->next;
    }
    return n;
}

static inline void list_push(free_list_t *l, void *p)
{
    free_node_t *n = p;
    n->next = l->head;
    l->head = n;
}

static free_list_t s_floor;

static NOINLINE void *floor_alloc(size_t size)
{
    (void)size;
    return list_pop(&s_floor);
}

static NOINLINE int floor_release(void *p, size_t size)
{
    (void)size;
    list_push(&s_floor, p);
    return 0;
}

/*
 * The same list behind a test-and-test-and-set spinlock: what a user would
 * write first to make the floor thread-safe. The lock shares its line with the
 * head, as it would in the obvious struct.
 */
static struct {
    uint32_t lock;
    free_list_t list;
} s_spin;

static inline void spin_lock(uint32_t *lock)
{
    while (__atomic_exchange_n(lock, 1u, __ATOMIC_ACQUIRE) != 0u) {
        while (__atomic_load_n(lock, __ATOMIC_RELAXED) != 0u) {
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
        }
    }
}

static inline void spin_unlock(uint32_t *lock) { __atomic_store_n(lock, 0u, __ATOMIC_RELEASE); }

static NOINLINE void *spinlock_alloc(size_t size)
{
    (void)size;
    spin_lock(&s_spin.lock);
    void *p = list_pop(&s_spin.list);
    spin_unlock(&s_spin.lock);
    return p;
}

static NOINLINE int spinlock_release(void *p, size_t size)
{
    (void)size;
    spin_lock(&s_spin.lock);
    list_push(&s_spin.list, p);
    spin_unlock(&s_spin.lock);
    return 0;
}

/*
 * lfbare: the pool's free-list design with everything else taken away, to show
 * what the design itself costs here. Head word = index of the first free block
 * (low 16 bits) | ABA tag (high 16 bits); the links live in a side array, one
 * word per block, never in the blocks. Pop = one CAS on head that installs the
 * link and bumps the tag; claim = one CAS on the block's word (its link ->
 * LF_OUT), the pool's "FREE -> ALLOCATED" step; push = one CAS on head. Three
 * locked read-modify-writes per pair, the fewest a shared list with an owner
 * mark can do, and no statistics, no checks of the pointer freed.
 */
#define LF_NIL      0xFFFFu /* index of "no block": the list is empty */
#define LF_IDX_MASK 0xFFFFu
#define LF_TAG_ONE  0x10000u    /* the tag's unit, above the index */
#define LF_OUT      0xFFFFFFFFu /* a block's word while it is handed out */

_Static_assert(BENCH_FIXED_COUNT < LF_NIL, "lfbare indexes blocks in 16 bits");

static struct {
    _Alignas(64) uint32_t head;
    _Alignas(64) uint32_t link[BENCH_FIXED_COUNT]; /* next free index while free, LF_OUT while out */
    _Alignas(64) unsigned char blocks[BENCH_FIXED_COUNT][BENCH_FIXED_SIZE];
} s_lf;

static void lfbare_init(void)
{
    for (uint32_t i = 0; i < BENCH_FIXED_COUNT; i++) {
        s_lf.link[i] = i + 1u < BENCH_FIXED_COUNT ? i + 1u : LF_NIL;
    }
    s_lf.head = 0u;
}

static NOINLINE void *lfbare_alloc(size_t size)
{
    (void)size;
    uint32_t h = __atomic_load_n(&s_lf.head, __ATOMIC_ACQUIRE);
    for (;;) {
        const uint32_t i = h & LF_IDX_MASK;
        if (i == LF_NIL) {
            return NULL;
        }
        /* A stale h may read LF_OUT or a newer link here; the tagged CAS below then fails. */
        const uint32_t next = __atomic_load_n(&s_lf.link[i], __ATOMIC_RELAXED);
        const uint32_t popped = (next & LF_IDX_MASK) | ((h & ~LF_IDX_MASK) + LF_TAG_ONE);
        if (__atomic_compare_exchange_n(&s_lf.head, &h, popped, false, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)) {
            uint32_t seen = next;
            /* Fails only on a list a tag wrap damaged: report empty (the driver counts it) rather than loop. */
            return __atomic_compare_exchange_n(&s_lf.link[i], &seen, LF_OUT, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED)
                       ? s_lf.blocks[i]
                       : NULL;
        }
    }
}

static NOINLINE int lfbare_release(void *p, size_t size)
{
    (void)size;
    const uint32_t i = (uint32_t)(((unsigned char *)p - &s_lf.blocks[0][0]) / BENCH_FIXED_SIZE);
    uint32_t h = __atomic_load_n(&s_lf.head, __ATOMIC_RELAXED);
    do {
        /* The block is ours until the CAS publishes it: a plain store of its link is enough. */
        __atomic_store_n(&s_lf.link[i], h & LF_IDX_MASK, __ATOMIC_RELAXED);
    } while (
        !__atomic_compare_exchange_n(&s_lf.head, &h, i | (h & ~LF_IDX_MASK), true, __ATOMIC_RELEASE, __ATOMIC_RELAXED));
    return 0;
}

/* ------------------------------------------------------------------ table */

bench_alloc_t bench_allocs[] = {
    {"pool", pool_alloc, pool_release, true, false, true,
     "modesp_pool_allocate/deallocate, 64-byte pool of 4096 blocks (in_use an atomic counter)"},
    {"pool255", pool255_alloc, pool255_release, false, false, true,
     "modesp_pool_allocate/deallocate, 64-byte pool of 255 blocks (packed head; too small for C and D)"},
    {"manager", manager_alloc, manager_release, true, true, true,
     "modesp_pool_manager_allocate (STRICT) / _free, bench class counts"},
    {"glibc", glibc_alloc, glibc_release, true, true, true, "glibc ptmalloc via __libc_malloc/__libc_free"},
    {"jemalloc", jemalloc_alloc, jemalloc_release, true, true, true, "mallocx/dallocx, flags 0"},
    {"mimalloc", mimalloc_alloc, mimalloc_release, true, true, false, "mi_malloc/mi_free"},
    {"tcmalloc", tcmalloc_alloc, tcmalloc_release, true, true, false, "tc_malloc/tc_free"},
    {"null", null_alloc, null_release, true, true, true, "returns one fixed pointer: driver + call cost"},
    {"floor", floor_alloc, floor_release, false, false, true, "unsynchronised intrusive free list"},
    {"spinlock", spinlock_alloc, spinlock_release, true, false, true, "the floor list behind a TTAS spinlock"},
    {"lfbare", lfbare_alloc, lfbare_release, true, false, true,
     "the pool's lock-free index+tag list bare: pop CAS, claim CAS, push CAS; no statistics, no checks"},
};

const size_t bench_alloc_count = sizeof bench_allocs / sizeof bench_allocs[0];
_Static_assert(sizeof bench_allocs / sizeof bench_allocs[0] <= BENCH_MAX_ALLOCS, "raise BENCH_MAX_ALLOCS");

static bench_alloc_t *find(const char *name)
{
    for (size_t i = 0; i < bench_alloc_count; i++) {
        if (strcmp(bench_allocs[i].name, name) == 0) {
            return &bench_allocs[i];
        }
    }
    return NULL;
}

/* dlopen the first library of `libs` that has both symbols. */
static bool load_pair(const char *const *libs, const char *alloc_sym, const char *free_sym, void **alloc_fn,
                      void **free_fn, const char **loaded)
{
    for (; *libs != NULL; libs++) {
        void *h = dlopen(*libs, RTLD_NOW | RTLD_LOCAL);
        if (h == NULL) {
            continue;
        }
        *alloc_fn = dlsym(h, alloc_sym);
        *free_fn = dlsym(h, free_sym);
        if (*alloc_fn != NULL && *free_fn != NULL) {
            *loaded = *libs;
            return true;
        }
    }
    return false;
}

bool bench_alloc_init(void)
{
    s_pm = modesp_get_pool_manager();
    list_init(&s_floor);
    list_init(&s_spin.list);
    lfbare_init();

    static const char *const mi_libs[] = {"libmimalloc.so.2", "libmimalloc.so", NULL};
    static const char *const tc_libs[] = {"libtcmalloc.so.4", "libtcmalloc_minimal.so.4", NULL};
    void *a = NULL;
    void *f = NULL;
    const char *lib = NULL;
    if (load_pair(mi_libs, "mi_malloc", "mi_free", &a, &f, &lib)) {
        /* POSIX guarantees dlsym results convert to function pointers; memcpy avoids -Wpedantic noise. */
        memcpy(&s_mi_malloc, &a, sizeof a);
        memcpy(&s_mi_free, &f, sizeof f);
        static char mi_detail[80];
        snprintf(mi_detail, sizeof mi_detail, "mi_malloc/mi_free from %s (dlopen)", lib);
        find("mimalloc")->detail = mi_detail;
        find("mimalloc")->available = true;
    } else {
        fprintf(stderr, "bench: mimalloc not found (libmimalloc-dev): its rows are skipped\n");
    }
    if (load_pair(tc_libs, "tc_malloc", "tc_free", &a, &f, &lib)) {
        memcpy(&s_tc_malloc, &a, sizeof a);
        memcpy(&s_tc_free, &f, sizeof f);
        static char tc_detail[80];
        snprintf(tc_detail, sizeof tc_detail, "tc_malloc/tc_free from %s (dlopen)", lib);
        find("tcmalloc")->detail = tc_detail;
        find("tcmalloc")->available = true;
    } else {
        fprintf(stderr, "bench: tcmalloc not found (libgoogle-perftools-dev): its rows are skipped\n");
    }
    return true;
}

static int check_pool(const char *label, const modesp_pool_t *pool)
{
    modesp_pool_stats_t st;
    int bad = 0;
    if (modesp_pool_get_stats(pool, &st) != ESP_OK || st.invalid_frees != 0u || st.corruptions != 0u ||
        st.in_use != 0u || modesp_pool_check_integrity(pool, NULL) != ESP_OK) {
        bad = 1;
    }
    printf("%s self-check: %s (in_use %u, peak %u, allocations %u, alloc failures %u, invalid frees %u, "
           "corruptions %u)\n",
           label, bad ? "FAILED" : "ok", (unsigned)st.in_use, (unsigned)st.peak, (unsigned)st.total_allocs,
           (unsigned)st.alloc_failures, (unsigned)st.invalid_frees, (unsigned)st.corruptions);
    return bad;
}

int bench_alloc_check_pools(void)
{
    int bad = check_pool("pool", &bench_pool);
    bad |= check_pool("pool255", &bench_pool255);
    modesp_pool_manager_stats_t ms;
    int cls_bad = 0;
    if (modesp_pool_manager_get_stats(s_pm, &ms) == ESP_OK) {
        for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
            cls_bad |= ms.classes[c].invalid_frees != 0u || ms.classes[c].corruptions != 0u;
        }
        cls_bad |= ms.foreign_frees != 0u || ms.bytes_in_use != 0u;
        cls_bad |= modesp_pool_manager_check_integrity(s_pm, NULL, NULL) != ESP_OK;
        printf("manager self-check: %s (bytes in use %u, foreign frees %u)\n", cls_bad ? "FAILED" : "ok",
               (unsigned)ms.bytes_in_use, (unsigned)ms.foreign_frees);
    }
    return bad | cls_bad;
}
