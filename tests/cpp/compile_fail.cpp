/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the C++ layer refuses at compile time. CASE 0 compiles (the allowed
 * forms); each other CASE must fail, with the message CTest looks for:
 *   1  make_pooled<T> of a T one byte larger than the largest class
 *   2  copying a PooledPtr (move-only)
 *   3  a PooledPtr converted to bool implicitly (its operator bool is explicit)
 *   4  a pressure lambda whose captures exceed its in-place slot (no heap fallback)
 *   5  an event field of a type the bus has no field for
 */
#include "memory_pool.h"

struct Fits {
    char bytes[MODESP_POOL_MAX_BLOCK_SIZE];
};
struct TooLarge {
    char bytes[MODESP_POOL_MAX_BLOCK_SIZE + 1];
};

int main()
{
    auto p = ModESP::make_pooled<Fits>();
    ModESP::Memory::PressureListener listener;
    char a = 0, b = 0, c = 0, d = 0;
    (void)listener.listen([&a, &b, &c, &d](auto, auto, uint8_t) { a = b = c = d = 1; }); /* 4 pointers fit */
#if CASE == 1
    auto q = ModESP::make_pooled<TooLarge>();
#elif CASE == 2
    ModESP::Memory::PooledPtr<Fits> q = p;
#elif CASE == 3
    bool q = p;
#elif CASE == 4
    char e = 0;
    (void)listener.listen([&a, &b, &c, &d, &e](auto, auto, uint8_t) { a = b = c = d = e = 1; });
#elif CASE == 5
    struct Unknown {
        int x;
    };
    (void)ModESP::PooledEventBus::publish_pooled("a.b", {{"k", Unknown{1}}});
#endif
#if CASE >= 1 && CASE <= 3
    (void)q;
#endif
    return p ? 0 : 1;
}
