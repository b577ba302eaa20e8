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
};

const size_t bench_alloc_count = sizeof bench_allocs / sizeof bench_allocs[0];

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
