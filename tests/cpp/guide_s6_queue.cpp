/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guide section 6, "Command Queue with Pooled Commands", as written:
 * make_pooled, release() into a FreeRTOS queue, and on a full queue the
 * sized deallocate(raw, sizeof(Command)). Checked: the consumer receives the
 * command with its fields and returns the block with the same sized call;
 * a full queue's command goes straight back (no leak, no size mismatch);
 * no heap.
 */
#include <cstdint>
#include <cstring>

#include "memory_pool.h"
#include "base_module.h"

#include "guide_support.h"

namespace guide_s6_queue {

/* ------------------------------------------------ guide section 6, verbatim */
// clang-format off
class CommandQueue {
    struct Command {
        enum Type { READ, WRITE, CONTROL };
        Type type;
        uint32_t address;
        uint8_t data[64];
    };
    
    QueueHandle_t queue_;
    
public:
    void enqueue_command(Command::Type type, uint32_t addr) {
        auto cmd = ModESP::make_pooled<Command>();
        if (cmd) {
            cmd->type = type;
            cmd->address = addr;
            
            // Queue takes ownership
            Command* raw = cmd.release();
            if (xQueueSend(queue_, &raw, 0) != pdTRUE) {
                // Failed to queue, clean up
                ModESP::Memory::get_pool_manager().deallocate(raw, sizeof(Command));
            }
        }
    }
};
// clang-format on
/* ---------------------------------------------------------- end of snippet */

/*
 * The consumer side, which the guide does not show: the same layout as the
 * private Command (the test cannot name it), received from the queue.
 */
struct ReceivedCommand {
    enum Type { READ, WRITE, CONTROL };
    Type type;
    uint32_t address;
    uint8_t data[64];
};

} // namespace guide_s6_queue

using guide_s6_queue::CommandQueue;
using guide_s6_queue::ReceivedCommand;

/* The snippet's Command::Type is private; its type is reachable through enqueue_command's signature. */
template <typename> struct FirstParameter;
template <typename C, typename A, typename B> struct FirstParameter<void (C::*)(A, B)> {
    using type = A;
};
using CommandType = FirstParameter<decltype(&CommandQueue::enqueue_command)>::type;

/* The consumer: take one command off the queue, read it, return its block as the producer would. */
static bool consume(ReceivedCommand &out)
{
    void *raw = nullptr;
    if (xQueueReceive(QueueHandle_t{}, &raw, 0) != pdTRUE) {
        return false;
    }
    std::memcpy(&out, raw, sizeof out); /* the same layout as the private Command */
    assert_int_equal(ModESP::Memory::get_pool_manager().deallocate(raw, sizeof(ReceivedCommand)), ESP_OK);
    return true;
}

void guide_section6_command_queue(void **)
{
    auto &pm = ModESP::Memory::get_pool_manager();
    modesp_pool_manager_stats_t before;
    assert_int_equal(pm.get_stats(before), ESP_OK);
    const modesp_pool_stats_t cls0 = class_stats_for(sizeof(ReceivedCommand));
    HeapWindow heap;

    CommandQueue q;
    q.enqueue_command(static_cast<CommandType>(ReceivedCommand::WRITE), 0x1000u);
    assert_int_equal(class_stats_for(sizeof(ReceivedCommand)).in_use, cls0.in_use + 1); /* owned by the queue */
    ReceivedCommand cmd{};
    assert_true(consume(cmd));
    assert_int_equal(cmd.type, ReceivedCommand::WRITE);
    assert_int_equal(cmd.address, 0x1000u);
    assert_int_equal(class_stats_for(sizeof(ReceivedCommand)).in_use, cls0.in_use);

    /* Fill the queue, then one more: xQueueSend fails and the snippet frees the command with its size. */
    for (uint32_t i = 0; i < StubQueue::kCapacity; i++) {
        q.enqueue_command(static_cast<CommandType>(ReceivedCommand::READ), 0x2000u + i);
    }
    const modesp_pool_stats_t full = class_stats_for(sizeof(ReceivedCommand));
    assert_int_equal(full.in_use, cls0.in_use + StubQueue::kCapacity);
    q.enqueue_command(static_cast<CommandType>(ReceivedCommand::CONTROL), 0x3000u);
    const modesp_pool_stats_t after_full = class_stats_for(sizeof(ReceivedCommand));
    assert_int_equal(after_full.in_use, full.in_use);                 /* the refused command went back */
    assert_int_equal(after_full.total_allocs, full.total_allocs + 1); /* it had been allocated */
    for (uint32_t i = 0; i < StubQueue::kCapacity; i++) {
        assert_true(consume(cmd));
        assert_int_equal(cmd.type, ReceivedCommand::READ);
        assert_int_equal(cmd.address, 0x2000u + i); /* FIFO, the CONTROL command never queued */
    }
    assert_false(consume(cmd));
    assert_int_equal(heap.news(), 0);
    assert_int_equal(heap.mallocs(), 0);

    modesp_pool_manager_stats_t after;
    assert_int_equal(pm.get_stats(after), ESP_OK);
    assert_int_equal(after.size_mismatch_frees, before.size_mismatch_frees); /* every sized free matched */
    assert_int_equal(after.foreign_frees, before.foreign_frees);
    assert_int_equal(class_stats_for(sizeof(ReceivedCommand)).in_use, cls0.in_use);
}
