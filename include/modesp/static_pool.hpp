/* SPDX-License-Identifier: Apache-2.0 */
/*
 * C++ layer: the guide's ModESP::Memory::StaticMemoryPool<BlockSize, Count> (section 4).
 *
 *     class DataLoggerModule : public BaseModule {
 *         ModESP::Memory::StaticMemoryPool<sizeof(LogEntry), 100> log_pool_;   // a member
 *         ...
 *         void *mem = log_pool_.allocate();                                    // nullptr when empty
 *         ...
 *         log_pool_.deallocate(mem);                                           // esp_err_t
 *
 * The pool's control block, metadata words and block storage are all inside
 * the object (about Count x (stride + 4) bytes plus ~90): no heap, no init
 * call. The constructor fills the control block from the same constant
 * initializer as MODESP_POOL_DEFINE_STATIC and zeroes the Count metadata
 * words ("free, next is the following block"). The blocks are the C pool's
 * (modesp/fixed_pool.h): lock-free, ISR-safe, every misuse an error code and
 * a counter. The control block points into the object, so a pool is neither
 * copyable nor movable. Blocks still in use when it dies are gone with it. It is not in the pool registry (a member may
 * die; the registry has no removal): register_pool() adds one that lives for the rest of the program, for the
 * diagnostics to list it.
 */
#ifndef MODESP_STATIC_POOL_HPP
#define MODESP_STATIC_POOL_HPP

#include <cstddef>
#include <cstdint>

#include "modesp/fixed_pool.h"

/* Under AddressSanitizer the C pool marks free blocks unaddressable; a pool object that dies
 * (a member, a local) must give its storage back addressable, or the next object there trips ASan. */
#if defined(__SANITIZE_ADDRESS__)
#define MODESP_STATIC_POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MODESP_STATIC_POOL_ASAN 1
#endif
#endif
#ifdef MODESP_STATIC_POOL_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace ModESP {
namespace Memory {

template <std::size_t BlockSize, std::size_t Count> class StaticMemoryPool {
    static_assert(BlockSize >= 1u && BlockSize <= 0x100000u,
                  "ModESP::Memory::StaticMemoryPool<BlockSize, Count>: BlockSize must be 1..1 MiB");
    static_assert(Count >= 1u && Count <= MODESP_POOL_MAX_BLOCKS,
                  "ModESP::Memory::StaticMemoryPool<BlockSize, Count>: Count must be 1..65535");

  public:
    /*
     * A ready pool of Count free blocks; `name` (kept, not copied) shows in statistics.
     * Errors: none (the arguments are checked at compile time).
     * Complexity: O(Count) (the metadata words are zeroed).
     * ISR-safe: not applicable (construction; the pool is usable from ISRs at once).
     */
    explicit StaticMemoryPool(const char *name = "StaticMemoryPool") noexcept
        : pool_ MODESP_POOL_INITIALIZER(name, storage_, meta_, BlockSize, Count)
    {
    }
    StaticMemoryPool(const StaticMemoryPool &) = delete;
    StaticMemoryPool &operator=(const StaticMemoryPool &) = delete;
#ifdef MODESP_STATIC_POOL_ASAN
    ~StaticMemoryPool() { ASAN_UNPOISON_MEMORY_REGION(storage_, sizeof storage_); }
#endif

    /*
     * Take one block (not zeroed).
     * Returns: the block, or nullptr on an error below.
     * Errors: as modesp_pool_allocate: pool empty (alloc_failures, exhausted), free list broken (corruptions).
     * Complexity: O(1); with poisoning on, O(BlockSize).
     * ISR-safe: yes. Lock-free where the target has a 32-bit CAS.
     */
    void *allocate() noexcept { return modesp_pool_allocate(&pool_); }

    /*
     * Return a block; the pool is unchanged on every error but the counter.
     * Returns: ESP_OK, or an error below.
     * Errors: as modesp_pool_deallocate: ESP_ERR_INVALID_ARG (nullptr; null_frees),
     *   MODESP_ERR_FOREIGN_PTR, MODESP_ERR_MISALIGNED_PTR, MODESP_ERR_DOUBLE_FREE (each counted).
     * Complexity: O(1); with poisoning on, O(BlockSize).
     * ISR-safe: yes. Lock-free where the target has a 32-bit CAS.
     */
    esp_err_t deallocate(void *ptr) noexcept { return modesp_pool_deallocate(&pool_, ptr); }

    /*
     * Whether ptr lies inside this pool's storage.
     * Returns: true when it does.
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    bool contains(const void *ptr) const noexcept { return modesp_pool_contains(&pool_, ptr); }

    /*
     * Blocks handed out now.
     * Returns: the count.
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    std::size_t in_use() const noexcept { return modesp_pool_in_use(&pool_); }

    /*
     * Number of blocks.
     * Returns: Count.
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    static constexpr std::size_t capacity() noexcept { return Count; }

    /*
     * Usable bytes per block.
     * Returns: BlockSize.
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    static constexpr std::size_t block_size() noexcept { return BlockSize; }

    /*
     * The pool's counters (modesp_pool_get_stats).
     * Returns: ESP_OK with out filled.
     * Errors: none for a constructed pool.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    esp_err_t get_stats(modesp_pool_stats_t &out) const noexcept { return modesp_pool_get_stats(&pool_, &out); }

    /*
     * Reset the counters (modesp_pool_reset_stats).
     * Returns: ESP_OK.
     * Errors: none for a constructed pool.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    esp_err_t reset_stats() noexcept { return modesp_pool_reset_stats(&pool_); }

    /*
     * Verify the pool's invariants (modesp_pool_check_integrity).
     * Returns: ESP_OK, or an error below.
     * Errors: MODESP_ERR_CORRUPTED (report says which invariant; not counted).
     * Complexity: O(Count).
     * ISR-safe: no.
     */
    esp_err_t check_integrity(modesp_pool_integrity_t *report = nullptr) const noexcept
    {
        return modesp_pool_check_integrity(&pool_, report);
    }

    /*
     * Add the pool to the registry the diagnostics walk. Only for a pool that
     * lives for the rest of the program (a static, or a member of one).
     * Returns: ESP_OK (also when already registered).
     * Errors: none for a constructed pool.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    esp_err_t register_pool() noexcept { return modesp_pool_register(&pool_); }

    /*
     * The C pool, for the C API (modesp/fixed_pool.h).
     * Returns: the control block inside this object.
     * Errors: none.
     * Complexity: O(1).
     * ISR-safe: yes.
     */
    modesp_pool_t *handle() noexcept { return &pool_; }

  private:
    modesp_pool_t pool_;
    uint32_t meta_[Count] = {};
    alignas(MODESP_POOL_ALIGN) uint8_t storage_[MODESP_POOL_STORAGE_SIZE(BlockSize, Count)];
};

} // namespace Memory
} // namespace ModESP

#endif /* MODESP_STATIC_POOL_HPP */
