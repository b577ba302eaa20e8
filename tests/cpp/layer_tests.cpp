/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The C++ layer beyond the guide's snippets: PooledPtr's ownership rules and
 * error values, lambdas as pressure callbacks, StaticMemoryPool's errors,
 * EventField's type mapping, LeakList. No heap anywhere.
 */
#include <cstdint>
#include <cstring>
#include <utility>

#include "memory_pool.h"
#include "memory_diagnostics.h"

#include "guide_support.h"

namespace {

struct Tracked {
    static int live;
    int value;
    explicit Tracked(int v) : value(v) { live++; }
    ~Tracked() { live--; }
};
int Tracked::live;

struct Aggregate {
    int a;
    float b;
};

} // namespace

void layer_pooled_ptr_semantics(void **)
{
    HeapWindow heap;
    const modesp_pool_stats_t st0 = class_stats_for(sizeof(Tracked));
    {
        auto a = ModESP::make_pooled<Tracked>(41); /* T(args...) */
        assert_true(static_cast<bool>(a));
        assert_int_equal(a->value, 41);
        assert_int_equal((*a).value, 41);
        assert_int_equal(Tracked::live, 1);

        ModESP::Memory::PooledPtr<Tracked> b(std::move(a)); /* move: a is empty, one object */
        assert_false(static_cast<bool>(a));
        assert_true(a == nullptr && b != nullptr);
        assert_int_equal(Tracked::live, 1);

        auto c = ModESP::make_pooled<Tracked>(7);
        b = std::move(c); /* b's old object destroyed, its block returned */
        assert_int_equal(Tracked::live, 1);
        assert_int_equal(b->value, 7);
        assert_int_equal(class_stats_for(sizeof(Tracked)).in_use, st0.in_use + 1);

        Tracked *raw = b.release(); /* ownership out: nothing destroyed */
        assert_false(static_cast<bool>(b));
        assert_int_equal(Tracked::live, 1);
        auto back = ModESP::Memory::PooledPtr<Tracked>::adopt(raw); /* and back in */
        assert_ptr_equal(back.get(), raw);
        assert_int_equal(back.reset(), ESP_OK);
        assert_int_equal(Tracked::live, 0);
        assert_int_equal(back.reset(), ESP_OK); /* empty: nothing to do */

        auto agg = ModESP::make_pooled<Aggregate>(3, 1.5f); /* T{args...} for an aggregate */
        assert_int_equal(agg->a, 3);
        auto zeroed = ModESP::make_pooled<Aggregate>(); /* T(): value-initialised, zeroed */
        assert_int_equal(zeroed->a, 0);
        zeroed = nullptr;
        assert_false(static_cast<bool>(zeroed));
        agg.swap(zeroed);
        assert_true(static_cast<bool>(zeroed) && !agg);
    }
    assert_int_equal(class_stats_for(sizeof(Tracked)).in_use, st0.in_use);
    assert_int_equal(heap.news(), 0);
    assert_int_equal(heap.mallocs(), 0);
}

void layer_pooled_ptr_errors(void **)
{
    /* A class exhausted: make_pooled returns an empty pointer and counts the failure. */
    ManagerFiller filler;
    assert_true(filler.exhaust_class(sizeof(Tracked)) > 0);
    const uint32_t failures = class_stats_for(sizeof(Tracked)).alloc_failures;
    auto none = ModESP::make_pooled<Tracked>(1);
    assert_false(static_cast<bool>(none));
    assert_int_equal(Tracked::live, 0); /* no constructor ran */
    assert_int_equal(class_stats_for(sizeof(Tracked)).alloc_failures, failures + 1);
    filler.release_all();

    /* A raw pointer adopted as the wrong type: the sized free refuses it, the block stays valid. */
    auto &pm = ModESP::Memory::get_pool_manager();
    void *small = pm.allocate(8);
    assert_non_null(small);
    struct Large {
        uint8_t bytes[200];
    };
    auto wrong = ModESP::Memory::PooledPtr<Large>::adopt(static_cast<Large *>(small));
    modesp_pool_manager_stats_t st;
    assert_int_equal(pm.get_stats(st), ESP_OK);
    const uint32_t mismatches = st.size_mismatch_frees;
    assert_int_equal(wrong.reset(), MODESP_ERR_SIZE_MISMATCH);
    assert_int_equal(pm.get_stats(st), ESP_OK);
    assert_int_equal(st.size_mismatch_frees, mismatches + 1);
    assert_int_equal(pm.deallocate(small, 8), ESP_OK); /* still live: freed with the right size */
    assert_int_equal(pm.deallocate(small, 8), MODESP_ERR_DOUBLE_FREE);
}

void layer_pressure_listener(void **)
{
    auto &pm = ModESP::Memory::get_pool_manager();
    assert_int_equal(pm.set_pressure_thresholds(50, 70, 30), ESP_OK);
    int warnings = 0;
    int criticals = 0;
    int normals = 0;
    {
        /* Three pointers captured: fits the default slot; the listener unregisters at scope exit. */
        ModESP::Memory::PressureListener listener;
        assert_int_equal(listener.listen([&warnings, &criticals, &normals](ModESP::Memory::PressureLevel,
                                                                           ModESP::Memory::PressureLevel to, uint8_t) {
            if (to == ModESP::Memory::PressureLevel::WARNING) {
                warnings++;
            } else if (to == ModESP::Memory::PressureLevel::CRITICAL) {
                criticals++;
            } else {
                normals++;
            }
        }),
                         ESP_OK);
        assert_true(listener.listening());
        ManagerFiller filler;
        assert_true(filler.fill_to(71) >= 70);
        assert_int_equal(warnings, 1);
        assert_int_equal(criticals, 1);
        filler.release_all(); /* CRITICAL -> WARNING below 50 %, -> NORMAL below 30 % */
        assert_int_equal(warnings, 2);
        assert_int_equal(normals, 1);
        assert_true(pm.get_pressure_level() == ModESP::Memory::PressureLevel::NORMAL);
    }
    ManagerFiller filler;
    filler.fill_to(71); /* the listener is gone: nobody is called */
    filler.release_all();
    assert_int_equal(warnings + criticals + normals, 4);
    assert_int_equal(pm.set_pressure_thresholds(80, 95, 60), ESP_OK);
    assert_int_equal(pm.set_pressure_thresholds(90, 80, 60), ESP_ERR_INVALID_ARG); /* errors are values */

    /* The table is fixed: listeners past CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS get MODESP_ERR_FULL. */
    static ModESP::Memory::PressureListener many[CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS + 1];
    esp_err_t last = ESP_OK;
    int ok = 0;
    for (auto &l : many) {
        last = l.listen([](ModESP::Memory::PressureLevel, ModESP::Memory::PressureLevel, uint8_t) {});
        ok += last == ESP_OK;
    }
    assert_int_equal(last, MODESP_ERR_FULL);
    assert_false(many[CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS].listening());
    assert_true(ok <= CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS);
    for (auto &l : many) {
        assert_int_equal(l.stop(), ESP_OK);
    }
}

void layer_static_pool(void **)
{
    HeapWindow heap;
    ModESP::Memory::StaticMemoryPool<24, 3> pool("layer_pool");
    static_assert(decltype(pool)::capacity() == 3 && decltype(pool)::block_size() == 24, "compile-time shape");
    void *a = pool.allocate();
    void *b = pool.allocate();
    void *c = pool.allocate();
    assert_true(a != nullptr && b != nullptr && c != nullptr && a != b && b != c && a != c);
    assert_null(pool.allocate());
    assert_true(pool.contains(b));
    assert_int_equal(pool.deallocate(static_cast<char *>(b) + 1), MODESP_ERR_MISALIGNED_PTR);
    int outside;
    assert_int_equal(pool.deallocate(&outside), MODESP_ERR_FOREIGN_PTR);
    assert_int_equal(pool.deallocate(nullptr), ESP_ERR_INVALID_ARG);
    assert_int_equal(pool.deallocate(b), ESP_OK);
    assert_int_equal(pool.deallocate(b), MODESP_ERR_DOUBLE_FREE);
    modesp_pool_stats_t st;
    assert_int_equal(pool.get_stats(st), ESP_OK);
    assert_int_equal(st.in_use, 2);
    assert_int_equal(st.peak, 3);
    assert_int_equal(st.misaligned_frees, 1);
    assert_int_equal(st.foreign_frees, 1);
    assert_int_equal(st.double_frees, 1);
    assert_int_equal(st.null_frees, 1);
    assert_int_equal(pool.check_integrity(), ESP_OK);
    assert_int_equal(pool.deallocate(a), ESP_OK);
    assert_int_equal(pool.deallocate(c), ESP_OK);
    assert_int_equal(pool.in_use(), 0);
    /* The manager's blocks are not this pool's. */
    void *m = ModESP::Memory::get_pool_manager().allocate(24);
    assert_int_equal(pool.deallocate(m), MODESP_ERR_FOREIGN_PTR);
    assert_int_equal(ModESP::Memory::get_pool_manager().deallocate(m), ESP_OK);
    assert_int_equal(heap.news(), 0);
    assert_int_equal(heap.mallocs(), 0);
}

void layer_event_fields(void **)
{
    enum class Mode : uint8_t { A = 3 };
    const int64_t big = INT64_C(1) << 40;
    const char text[] = "text";
    const ModESP::EventField fields[] = {
        {"b", true},  {"i", -5},   {"u", 5u},      {"c", static_cast<int8_t>(-2)}, {"l", big}, {"f", 1.5f}, {"d", 2.25},
        {"s", "str"}, {"a", text}, {"e", Mode::A},
    };
    const modesp_ev_type_t expect[] = {MODESP_EV_TYPE_BOOL, MODESP_EV_TYPE_I32, MODESP_EV_TYPE_U32, MODESP_EV_TYPE_I32,
                                       MODESP_EV_TYPE_I64,  MODESP_EV_TYPE_F32, MODESP_EV_TYPE_F64, MODESP_EV_TYPE_STR,
                                       MODESP_EV_TYPE_STR,  MODESP_EV_TYPE_U32};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        assert_int_equal(fields[i].type, expect[i]);
    }
    assert_int_equal(fields[1].v.i32, -5);
    assert_int_equal(fields[4].v.i64, big);
    assert_int_equal(fields[9].v.u32, 3);
    assert_ptr_equal(fields[8].v.str, text);

    /* Published and read back through Event, with the bus's own errors as values. */
    struct Seen {
        int count;
        bool flag;
        int64_t wide;
        double dbl;
        int32_t wrong;
        esp_err_t wrong_type;
        esp_err_t missing;
    } seen{};
    ModESP::EventSubscription sub;
    assert_int_equal(sub.subscribe("layer.*",
                                   [&seen](const ModESP::Event &ev) {
                                       seen.count++;
                                       (void)ev.get("b", seen.flag);
                                       (void)ev.get("l", seen.wide);
                                       (void)ev.get("d", seen.dbl);
                                       seen.wrong_type = ev.get("d", seen.wrong);
                                       seen.missing = ev.get("nope", seen.wrong);
                                   }),
                     ESP_OK);
    HeapWindow heap;
    assert_int_equal(ModESP::PooledEventBus::publish_pooled("layer.fields", {{"b", true}, {"l", big}, {"d", 2.25}},
                                                            ModESP::EventPriority::HIGH),
                     ESP_OK);
    assert_int_equal(ModESP::PooledEventBus::publish_pooled("Bad Topic", {{"b", true}}), MODESP_ERR_BAD_TOPIC);
    assert_int_equal(ModESP::PooledEventBus::publish_pooled("layer.x", {{"", 1}}), MODESP_ERR_BAD_FIELD);
    assert_int_equal(ModESP::PooledEventBus::process(UINT32_MAX), ESP_OK);
    assert_int_equal(seen.count, 1);
    assert_true(seen.flag);
    assert_true(seen.wide == big);
    assert_true(seen.dbl == 2.25);
    assert_int_equal(seen.wrong_type, MODESP_ERR_WRONG_TYPE);
    assert_int_equal(seen.missing, ESP_ERR_NOT_FOUND);
    assert_int_equal(sub.unsubscribe(), ESP_OK);
    assert_int_equal(sub.handle(), 0);
    assert_int_equal(heap.news(), 0);
    assert_int_equal(heap.mallocs(), 0);
}

void layer_health(void **)
{
    ModESP::Memory::MemoryDiagnostics diag(ModESP::Memory::get_pool_manager());
    modesp_health_config_t cfg;
    modesp_memory_diagnostics_health_default_config(&cfg);
    cfg.debounce_evals = 1;
    cfg.debounce_ms = 0;
    assert_int_equal(diag.configure_health(&cfg), ESP_OK);
    modesp_health_t h;
    assert_int_equal(diag.health(h), ESP_OK);
    assert_int_equal(h.level, MODESP_HEALTH_OK);
    assert_string_equal(ModESP::Memory::MemoryDiagnostics::health_level_name(h.level), "OK");

    ManagerFiller filler; /* a class full and refusing: pressure, failures */
    assert_true(filler.exhaust_class(sizeof(Tracked)) > 0);
    auto refused = ModESP::make_pooled<Tracked>(1);
    assert_false(static_cast<bool>(refused));
    assert_int_equal(diag.health(h), ESP_OK);
    assert_true(h.level != MODESP_HEALTH_OK);
    assert_true((h.reasons & MODESP_HEALTH_R_PRESSURE) != 0u);
    assert_true(std::strlen(h.summary) > 0u);
    filler.release_all();
    cfg.debounce_evals = 0;
    assert_int_equal(diag.configure_health(&cfg), ESP_ERR_INVALID_ARG); /* errors are values */
}

void layer_leak_list(void **)
{
    ModESP::Memory::LeakList<4> empty;
    assert_true(empty.empty());
    assert_int_equal(empty.size(), 0);
    assert_int_equal(empty.total(), 0);
    assert_true(empty.begin() == empty.end());
    static_assert(ModESP::Memory::LeakList<4>::capacity() == 4, "fixed capacity");
    ModESP::Memory::MemoryDiagnostics diag(ModESP::Memory::get_pool_manager());
    modesp_diag_snapshot_t snap;
    assert_int_equal(diag.snapshot(snap), ESP_OK);
    assert_true(snap.has_manager);
    assert_true(snap.pool_count >= MODESP_CLASS_COUNT);
    auto leaks = diag.detect_potential_leaks<2>(0);
    size_t n = 0;
    for (const modesp_diag_leak_t &l : leaks) {
        (void)l;
        n++;
    }
    assert_int_equal(n, leaks.size());
}
