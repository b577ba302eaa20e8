/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Heap-use counting for the C++ guide test. The global operator new/delete
 * are replaced (counted, then served by malloc), and every C allocation is
 * counted: under ASan/TSan through the sanitizer's allocation hooks (the
 * sanitizer owns malloc), otherwise by interposing malloc & co. over glibc's
 * __libc_* functions. The counters only grow; HeapWindow reads differences.
 */
#include <cstddef>
#include <cstdlib>
#include <new>

#include "guide_support.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define HEAP_COUNTER_SANITIZER 1
/* From the sanitizer runtime (sanitizer/allocator_interface.h, which GCC 12 does not install). */
extern "C" int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                                         void (*free_hook)(const volatile void *));
#else
#define HEAP_COUNTER_SANITIZER 0
#endif

namespace {

size_t g_news;
size_t g_mallocs;
constexpr size_t kSizesKept = 64;
size_t g_new_sizes[kSizesKept]; /* sizes of operator new calls, by call number modulo kSizesKept */

void count_new(size_t size) { g_new_sizes[__atomic_fetch_add(&g_news, 1u, __ATOMIC_RELAXED) % kSizesKept] = size; }

void count_malloc() { __atomic_fetch_add(&g_mallocs, 1u, __ATOMIC_RELAXED); }

void *new_impl(size_t size)
{
    count_new(size);
    void *p = std::malloc(size == 0 ? 1 : size);
    if (p == nullptr) {
        std::abort(); /* -fno-exceptions: no std::bad_alloc */
    }
    return p;
}

void *new_aligned_impl(size_t size, std::align_val_t align)
{
    count_new(size);
    const size_t a = static_cast<size_t>(align);
    void *p = std::aligned_alloc(a, (size + a - 1) / a * a);
    if (p == nullptr) {
        std::abort();
    }
    return p;
}

} // namespace

void *operator new(size_t size) { return new_impl(size); }
void *operator new[](size_t size) { return new_impl(size); }
void *operator new(size_t size, const std::nothrow_t &) noexcept { return new_impl(size); }
void *operator new[](size_t size, const std::nothrow_t &) noexcept { return new_impl(size); }
void *operator new(size_t size, std::align_val_t a) { return new_aligned_impl(size, a); }
void *operator new[](size_t size, std::align_val_t a) { return new_aligned_impl(size, a); }
void operator delete(void *p) noexcept { std::free(p); }
void operator delete[](void *p) noexcept { std::free(p); }
void operator delete(void *p, size_t) noexcept { std::free(p); }
void operator delete[](void *p, size_t) noexcept { std::free(p); }
void operator delete(void *p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void *p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void *p, size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void *p, size_t, std::align_val_t) noexcept { std::free(p); }

#if HEAP_COUNTER_SANITIZER

namespace {
void on_sanitizer_malloc(const volatile void *, size_t) { count_malloc(); }
void on_sanitizer_free(const volatile void *) {}
struct InstallHooks {
    InstallHooks() { (void)__sanitizer_install_malloc_and_free_hooks(on_sanitizer_malloc, on_sanitizer_free); }
} g_install_hooks;
} // namespace

#else

/* glibc's own allocator under its internal names (exported for exactly this use). */
extern "C" {
void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t size);
void *__libc_memalign(size_t align, size_t size);
void __libc_free(void *p);

void *malloc(size_t size) noexcept
{
    count_malloc();
    return __libc_malloc(size);
}
void *calloc(size_t n, size_t size) noexcept
{
    count_malloc();
    return __libc_calloc(n, size);
}
void *realloc(void *p, size_t size) noexcept
{
    count_malloc();
    return __libc_realloc(p, size);
}
void *aligned_alloc(size_t align, size_t size) noexcept
{
    count_malloc();
    return __libc_memalign(align, size);
}
void *memalign(size_t align, size_t size) noexcept
{
    count_malloc();
    return __libc_memalign(align, size);
}
int posix_memalign(void **out, size_t align, size_t size) noexcept
{
    count_malloc();
    void *p = __libc_memalign(align, size);
    if (p == nullptr) {
        return 12; /* ENOMEM */
    }
    *out = p;
    return 0;
}
void free(void *p) noexcept { __libc_free(p); }
}

#endif

HeapWindow::HeapWindow()
    : news_at_(__atomic_load_n(&g_news, __ATOMIC_RELAXED)), mallocs_at_(__atomic_load_n(&g_mallocs, __ATOMIC_RELAXED))
{
}

size_t HeapWindow::news() const { return __atomic_load_n(&g_news, __ATOMIC_RELAXED) - news_at_; }

size_t HeapWindow::mallocs() const { return __atomic_load_n(&g_mallocs, __ATOMIC_RELAXED) - mallocs_at_; }

size_t HeapWindow::new_bytes(size_t i) const { return g_new_sizes[(news_at_ + i) % kSizesKept]; }

bool heap_counting_works()
{
    HeapWindow w;
    void *volatile p = std::malloc(24);
    std::free(p);
    return w.mallocs() == 1u;
}
