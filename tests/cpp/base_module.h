/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ModESP's own framework, stubbed for the guide's snippets: BaseModule (with
 * its id and create_recurring_task) and EventBus::Priority. Everything else
 * the snippets use is the library's C++ layer under test.
 */
#ifndef MODESP_TEST_BASE_MODULE_H
#define MODESP_TEST_BASE_MODULE_H

#include <cstdint>
#include <utility>

#include "esp_idf_stubs.h"
#include "modesp/inplace_callable.hpp"

/*
 * The framework's event bus: only its priority enum appears in the guide.
 * Its values deliberately differ from the C bus's (LOW is 0 here, CRITICAL
 * is 0 there): publish_pooled maps the enumerators by name.
 */
class EventBus {
  public:
    enum class Priority { LOW, NORMAL, HIGH, CRITICAL };
};

class BaseModule {
  public:
    explicit BaseModule(uint32_t id = 7) : id_(id) {}
    virtual ~BaseModule() { remove_tasks(this); }
    BaseModule(const BaseModule &) = delete;
    BaseModule &operator=(const BaseModule &) = delete;

    virtual void init() { initialised_ = true; }
    uint32_t get_id() const { return id_; }
    bool initialised() const { return initialised_; }

    /* Run every recurring task once (one period elapsed); returns how many ran. */
    static int run_recurring_tasks();

  protected:
    /* Keeps `fn` in a fixed slot of the stub scheduler until the module dies. */
    template <typename F> void create_recurring_task(const char *name, uint32_t period_ms, F &&fn)
    {
        Task *t = free_task();
        if (t != nullptr) {
            t->owner = this;
            t->name = name;
            t->period_ms = period_ms;
            t->fn.emplace(std::forward<F>(fn));
        }
    }

  private:
    struct Task {
        const BaseModule *owner;
        const char *name;
        uint32_t period_ms;
        ModESP::Memory::InplaceCallable<void()> fn;
    };
    static Task *task_table();
    static Task *free_task();
    static void remove_tasks(const BaseModule *owner);

    uint32_t id_;
    bool initialised_ = false;
};

#endif /* MODESP_TEST_BASE_MODULE_H */
