/*
 * Pool manager: size classes, strategies, emergency reserve, pressure levels.
 *
 * Hot path (STRICT allocate, free): class selection by five compares, one
 * pool operation, one byte-counter update, one relaxed check for pressure
 * work. Everything else (spill, wait, heap, callbacks) is off that path.
 *
 * No run-time initialisation: every field of the manager, the class pools,
 * the byte thresholds and the wait queues is a constant initializer computed
 * from Kconfig, so the first call from any context (an ISR included) finds
 * it ready and nothing ever waits for an initialiser.
 *
 * The class pools and the reserve carry MODESP_POOL_MAGIC_MANAGED: the public
 * pool API refuses them, so no block can enter or leave them behind the
 * manager's byte count. The manager uses the private entry points of
 * pool_internal.h.
 *
 * Pressure levels. `level_word` holds the level (bits 0..1) and a change
 * sequence number (bits 8..31). A context whose allocation or free moves the
 * level CASes the word, then stores the change {seq, from, to, utilization}
 * in an 8-entry ring. Changes are delivered to callbacks, in order, in task
 * context, by one context at a time (a try-lock nobody spins on). Delivery
 * never waits for another context: it stops at the first change whose entry
 * is not stored yet, because that change's writer delivers it (and what
 * follows) itself once it has stored it; if the writer finds the lock taken,
 * the holder sees the stored entry when it unlocks (see deliver_pressure).
 * Changes made in an ISR are delivered by the next manager call from a task
 * that allocates or frees (whatever its result), by
 * modesp_pool_manager_set_pressure_thresholds, or by
 * modesp_pool_manager_process_pressure_events. If more than 8 changes pile up
 * undelivered (only possible from ISRs or a writer preempted for that long),
 * the oldest are counted as dropped rather than blocking anything.
 *
 * Byte counter and level are SEQ_CST so that a level decision is always
 * re-evaluated against a byte count at least as new as every change that
 * happened before it: the last context to update sees the final value, and
 * the level cannot stay stale after the system goes quiet.
 */
#include "modesp/pool_manager.h"

#include <string.h>

#include "mp_atomic.h"
#include "mp_pause.h"
#include "pool_internal.h"
#include "port.h"

#ifndef CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS
#define CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS 8
#endif
#ifndef CONFIG_MEMORY_POOL_HEAP_FALLBACK_MAX_BLOCKS
#define CONFIG_MEMORY_POOL_HEAP_FALLBACK_MAX_BLOCKS 1
#endif
#ifndef CONFIG_MEMORY_POOL_EMERGENCY_RESERVE_SIZE
#define CONFIG_MEMORY_POOL_EMERGENCY_RESERVE_SIZE 0
#endif

_Static_assert(CONFIG_MEMORY_POOL_TINY_SIZE < CONFIG_MEMORY_POOL_SMALL_SIZE &&
                   CONFIG_MEMORY_POOL_SMALL_SIZE < CONFIG_MEMORY_POOL_MEDIUM_SIZE &&
                   CONFIG_MEMORY_POOL_MEDIUM_SIZE < CONFIG_MEMORY_POOL_LARGE_SIZE &&
                   CONFIG_MEMORY_POOL_LARGE_SIZE < CONFIG_MEMORY_POOL_XLARGE_SIZE,
               "Kconfig: class sizes must strictly increase from TINY to XLARGE");
_Static_assert(CONFIG_MEMORY_POOL_RELEASE_THRESHOLD <= CONFIG_MEMORY_POOL_WARNING_THRESHOLD &&
                   CONFIG_MEMORY_POOL_WARNING_THRESHOLD <= CONFIG_MEMORY_POOL_CRITICAL_THRESHOLD,
               "Kconfig: thresholds must satisfy release <= warning <= critical");

/* A class pool: static storage, owned by the manager (the pool API refuses it). */
#define MANAGED_POOL_(name, block_size, count)                                                                         \
    MODESP_POOL_DEFINE_STORAGE_(name, block_size, count);                                                              \
    static modesp_pool_t name = MODESP_POOL_INITIALIZER_MAGIC_(#name, name##_storage_, name##_meta_, block_size,       \
                                                               count, MODESP_POOL_MAGIC_MANAGED)

MANAGED_POOL_(tiny_pool, CONFIG_MEMORY_POOL_TINY_SIZE, CONFIG_MEMORY_POOL_TINY_COUNT);
MANAGED_POOL_(small_pool, CONFIG_MEMORY_POOL_SMALL_SIZE, CONFIG_MEMORY_POOL_SMALL_COUNT);
MANAGED_POOL_(medium_pool, CONFIG_MEMORY_POOL_MEDIUM_SIZE, CONFIG_MEMORY_POOL_MEDIUM_COUNT);
MANAGED_POOL_(large_pool, CONFIG_MEMORY_POOL_LARGE_SIZE, CONFIG_MEMORY_POOL_LARGE_COUNT);
MANAGED_POOL_(xlarge_pool, CONFIG_MEMORY_POOL_XLARGE_SIZE, CONFIG_MEMORY_POOL_XLARGE_COUNT);

/* [lo, hi) of a pool's block storage, for finding the owner of a pointer. */
#define RANGE_LO_(name) ((const uint8_t *)name##_storage_)
#define RANGE_HI_(name) ((const uint8_t *)name##_storage_ + sizeof name##_storage_)

#if CONFIG_MEMORY_POOL_EMERGENCY_RESERVE_SIZE > 0
_Static_assert(CONFIG_MEMORY_POOL_EMERGENCY_RESERVE_SIZE >= CONFIG_MEMORY_POOL_EMERGENCY_BLOCK_SIZE,
               "Kconfig: the emergency reserve must hold at least one reserve block");
MANAGED_POOL_(reserve_pool, CONFIG_MEMORY_POOL_EMERGENCY_BLOCK_SIZE,
              CONFIG_MEMORY_POOL_EMERGENCY_RESERVE_SIZE / CONFIG_MEMORY_POOL_EMERGENCY_BLOCK_SIZE);
#define RESERVE_POOL (&reserve_pool)
#define RESERVE_LO   RANGE_LO_(reserve_pool)
#define RESERVE_HI   RANGE_HI_(reserve_pool)
#else
#define RESERVE_POOL NULL
#define RESERVE_LO   NULL
#define RESERVE_HI   NULL
#endif

#define RING_SIZE  8u
#define LEVEL_MASK 0x3u
#define SEQ_SHIFT  8u
#define SEQ_MASK   0x00FFFFFFu

static const uint32_t k_class_size[MODESP_CLASS_COUNT] = {CONFIG_MEMORY_POOL_TINY_SIZE, CONFIG_MEMORY_POOL_SMALL_SIZE,
                                                          CONFIG_MEMORY_POOL_MEDIUM_SIZE, CONFIG_MEMORY_POOL_LARGE_SIZE,
                                                          CONFIG_MEMORY_POOL_XLARGE_SIZE};

/*
 * Percent arithmetic stays in 32 bits (a 64-bit division pulls ~700 bytes of
 * libgcc into a Cortex-M image): total class bytes are capped below so that
 * bytes * 100 never overflows.
 */
#define CLASS_BYTES_(s, c) ((uint64_t)(s) * (uint64_t)(c))
#define TOTAL_BYTES_64_                                                                                                \
    (CLASS_BYTES_(CONFIG_MEMORY_POOL_TINY_SIZE, CONFIG_MEMORY_POOL_TINY_COUNT) +                                       \
     CLASS_BYTES_(CONFIG_MEMORY_POOL_SMALL_SIZE, CONFIG_MEMORY_POOL_SMALL_COUNT) +                                     \
     CLASS_BYTES_(CONFIG_MEMORY_POOL_MEDIUM_SIZE, CONFIG_MEMORY_POOL_MEDIUM_COUNT) +                                   \
     CLASS_BYTES_(CONFIG_MEMORY_POOL_LARGE_SIZE, CONFIG_MEMORY_POOL_LARGE_COUNT) +                                     \
     CLASS_BYTES_(CONFIG_MEMORY_POOL_XLARGE_SIZE, CONFIG_MEMORY_POOL_XLARGE_COUNT))
_Static_assert(TOTAL_BYTES_64_ <= UINT32_MAX / 100u,
               "Kconfig: the classes together may hold at most 42 MB (UINT32_MAX / 100 bytes)");
#define TOTAL_BYTES ((uint32_t)TOTAL_BYTES_64_)

/* Smallest byte count whose utilization (rounded down) is >= percent:
 * ceil(total * percent / 100), with total = 100 q + r to stay in 32 bits.
 * The same formula at compile time (Kconfig defaults) and at run time. */
#define PERCENT_TO_BYTES_(total, percent)                                                                              \
    ((total) / 100u * (uint32_t)(percent) + ((total) % 100u * (uint32_t)(percent) + 99u) / 100u)

typedef struct {
    modesp_pressure_cb_t cb;
    void *ctx;
} pressure_cb_slot_t;

typedef struct {
    void *ptr; /* NULL when the slot is free */
    uint32_t size;
    uint8_t cls;
} heap_slot_t;

struct modesp_pool_manager {
    modesp_pool_t *classes[MODESP_CLASS_COUNT];
    modesp_pool_t *reserve;
    const uint8_t *lo[MODESP_CLASS_COUNT + 1]; /* block storage [lo, hi) of each class and the reserve */
    const uint8_t *hi[MODESP_CLASS_COUNT + 1];
    uint32_t default_strategy;
    uint32_t default_timeout_ms;
    uint32_t total_bytes;
    uint32_t bytes_in_use;
    /* pressure */
    uint32_t enter_warning_bytes;
    uint32_t enter_critical_bytes;
    uint32_t below_release_bytes;
    uint32_t level_word;
    uint32_t ring[RING_SIZE];
    uint32_t delivered_seq;
    uint32_t delivering;
    uint32_t dropped_events;
    pressure_cb_slot_t callbacks[CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS];
    /* WAIT */
    uint32_t waiters[MODESP_CLASS_COUNT];
    modesp_port_waitq_t waitq[MODESP_CLASS_COUNT];
    /* heap fallback, guarded by the port critical section */
    heap_slot_t heap[CONFIG_MEMORY_POOL_HEAP_FALLBACK_MAX_BLOCKS];
    uint32_t heap_in_use;
    /* counters */
    uint32_t zero_size_requests;
    uint32_t oversize_requests;
    uint32_t null_frees;
    uint32_t foreign_frees;
    uint32_t size_mismatch_frees;
    uint32_t spills;
    uint32_t waits;
    uint32_t wait_timeouts;
    uint32_t wait_deadline_served;
    uint32_t isr_refusals;
    uint32_t heap_allocs;
    uint32_t heap_frees;
    uint32_t heap_failures;
    uint32_t critical_allocs;
    uint32_t critical_failures;
};

#if defined(CONFIG_MEMORY_POOL_DEFAULT_STRATEGY_SPILL)
#define DEFAULT_STRATEGY MODESP_ALLOC_SPILL
#else
#define DEFAULT_STRATEGY MODESP_ALLOC_STRICT
#endif

static modesp_pool_manager_t s_manager = {
    .classes = {&tiny_pool, &small_pool, &medium_pool, &large_pool, &xlarge_pool},
    .reserve = RESERVE_POOL,
    .lo = {RANGE_LO_(tiny_pool), RANGE_LO_(small_pool), RANGE_LO_(medium_pool), RANGE_LO_(large_pool),
           RANGE_LO_(xlarge_pool), RESERVE_LO},
    .hi = {RANGE_HI_(tiny_pool), RANGE_HI_(small_pool), RANGE_HI_(medium_pool), RANGE_HI_(large_pool),
           RANGE_HI_(xlarge_pool), RESERVE_HI},
    .default_strategy = DEFAULT_STRATEGY,
    .total_bytes = TOTAL_BYTES,
    .enter_warning_bytes = PERCENT_TO_BYTES_(TOTAL_BYTES, CONFIG_MEMORY_POOL_WARNING_THRESHOLD),
    .enter_critical_bytes = PERCENT_TO_BYTES_(TOTAL_BYTES, CONFIG_MEMORY_POOL_CRITICAL_THRESHOLD),
    .below_release_bytes = PERCENT_TO_BYTES_(TOTAL_BYTES, CONFIG_MEMORY_POOL_RELEASE_THRESHOLD),
    .waitq = {MODESP_PORT_WAITQ_INITIALIZER, MODESP_PORT_WAITQ_INITIALIZER, MODESP_PORT_WAITQ_INITIALIZER,
              MODESP_PORT_WAITQ_INITIALIZER, MODESP_PORT_WAITQ_INITIALIZER},
};
_Static_assert(MODESP_CLASS_COUNT == 5, "one initializer per class above");

/* The manager is a singleton: any other pointer (NULL, a stray or stale one) is refused. */
static inline bool pm_ok(const modesp_pool_manager_t *pm) { return pm == &s_manager; }

static inline void bump(uint32_t *counter) { (void)mp_fetch_add(counter, 1u, MP_RELAXED); }

static void set_thresholds(modesp_pool_manager_t *pm, uint32_t warning, uint32_t critical, uint32_t release)
{
    mp_store(&pm->enter_warning_bytes, PERCENT_TO_BYTES_(pm->total_bytes, warning), MP_RELAXED);
    mp_store(&pm->enter_critical_bytes, PERCENT_TO_BYTES_(pm->total_bytes, critical), MP_RELAXED);
    mp_store(&pm->below_release_bytes, PERCENT_TO_BYTES_(pm->total_bytes, release), MP_RELAXED);
}

modesp_pool_manager_t *modesp_get_pool_manager(void) { return &s_manager; }

int modesp_pool_manager_class_for_size(size_t size)
{
    if (size == 0u || size > CONFIG_MEMORY_POOL_XLARGE_SIZE) {
        return -1;
    }
    return (int)(size > CONFIG_MEMORY_POOL_TINY_SIZE) + (int)(size > CONFIG_MEMORY_POOL_SMALL_SIZE) +
           (int)(size > CONFIG_MEMORY_POOL_MEDIUM_SIZE) + (int)(size > CONFIG_MEMORY_POOL_LARGE_SIZE);
}

const char *modesp_size_class_name(modesp_size_class_t cls)
{
    static const char *const names[MODESP_CLASS_COUNT] = {"TINY", "SMALL", "MEDIUM", "LARGE", "XLARGE"};
    return ((unsigned)cls < MODESP_CLASS_COUNT) ? names[cls] : "?";
}

/* ---------------------------------------------------------------- pressure */

/* 0..100 whatever `bytes` holds: a count above the total (which the managed
 * pools rule out) could otherwise spill into the other fields of a ring entry. */
static uint32_t utilization_of(const modesp_pool_manager_t *pm, uint32_t bytes)
{
    const uint32_t total = pm->total_bytes;
    if (total == 0u) {
        return 0u;
    }
    return (bytes >= total) ? 100u : bytes * 100u / total; /* no overflow: see TOTAL_BYTES */
}

static uint32_t target_level(modesp_pool_manager_t *pm, uint32_t level, uint32_t bytes)
{
    const uint32_t warn = mp_load(&pm->enter_warning_bytes, MP_RELAXED);
    const uint32_t crit = mp_load(&pm->enter_critical_bytes, MP_RELAXED);
    const uint32_t rel = mp_load(&pm->below_release_bytes, MP_RELAXED);
    if (bytes >= crit) {
        return MODESP_PRESSURE_CRITICAL;
    }
    if (bytes < rel) {
        return MODESP_PRESSURE_NORMAL;
    }
    if (level == MODESP_PRESSURE_CRITICAL) {
        return bytes < warn ? MODESP_PRESSURE_WARNING : MODESP_PRESSURE_CRITICAL;
    }
    if (level == MODESP_PRESSURE_WARNING || bytes >= warn) {
        return MODESP_PRESSURE_WARNING;
    }
    return MODESP_PRESSURE_NORMAL;
}

/* Ring entry: seq (low 16 bits) << 16 | utilization << 4 | from << 2 | to. */
static inline uint32_t entry_seq(uint32_t e) { return e >> 16; }

/* Sequence order modulo 2^16: < 0 when a is older than b. */
static inline int seq_cmp16(uint32_t a, uint32_t b) { return (int)(int16_t)(uint16_t)((a - b) & 0xFFFFu); }

/* The first change after `done` that can still be delivered: older ones were
 * overwritten in the ring when more than RING_SIZE piled up (dropped). */
static uint32_t first_wanted(modesp_pool_manager_t *pm, uint32_t done, uint32_t latest)
{
    const uint32_t behind = (latest - done) & SEQ_MASK;
    if (behind > RING_SIZE) {
        (void)mp_fetch_add(&pm->dropped_events, behind - RING_SIZE, MP_RELAXED);
        return (latest - RING_SIZE) & SEQ_MASK;
    }
    return done;
}

/* True when the change after `done` has its entry stored (or was overwritten, which delivery skips). */
static bool next_entry_ready(modesp_pool_manager_t *pm, uint32_t done)
{
    const uint32_t latest = (mp_load(&pm->level_word, MP_SEQ_CST) >> SEQ_SHIFT) & SEQ_MASK;
    if (latest == done) {
        return false;
    }
    const uint32_t want = (done + 1u) & SEQ_MASK;
    const uint32_t e = mp_load(&pm->ring[want % RING_SIZE], MP_SEQ_CST);
    return seq_cmp16(entry_seq(e), want) >= 0;
}

/* Call every registered callback for one change. The list is copied per change,
 * so a callback unregistered meanwhile is called for at most the change being
 * delivered when it was removed. */
static void call_callbacks(modesp_pool_manager_t *pm, uint32_t e)
{
    pressure_cb_slot_t cbs[CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS];
    const uint32_t s = modesp_port_critical_enter();
    memcpy(cbs, pm->callbacks, sizeof cbs);
    modesp_port_critical_exit(s);
    const modesp_pressure_level_t from = (modesp_pressure_level_t)((e >> 2) & LEVEL_MASK);
    const modesp_pressure_level_t to = (modesp_pressure_level_t)(e & LEVEL_MASK);
    const uint8_t util = (uint8_t)((e >> 4) & 0x7Fu);
    MP_PAUSE(MP_PAUSE_DELIVER_BEFORE_CALL, pm);
    for (size_t i = 0; i < CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS; i++) {
        if (cbs[i].cb != NULL) {
            cbs[i].cb(from, to, util, cbs[i].ctx);
        }
    }
}

/*
 * Deliver stored changes in order; never waits for another context.
 *  - The lock is a try-lock: a context that finds it taken returns at once.
 *  - A change whose entry is not stored yet stops the delivery: its writer
 *    (between its level CAS and its ring store) delivers it after storing.
 *  - A writer that stores its entry and then finds the lock taken leaves the
 *    change to the holder. The holder unlocks (SEQ_CST store) and then reads
 *    the level and the entry (SEQ_CST loads); the writer stored the entry
 *    (SEQ_CST) before its lock CAS (SEQ_CST). In the single order of SEQ_CST
 *    operations either the writer's CAS comes after the unlock (and it takes
 *    the lock and delivers), or the holder's read comes after the store (and
 *    it sees the entry and goes round again).
 *  - Each extra round is taken only for an entry already stored, and at most
 *    RING_SIZE of them per call: a stream of changes from other contexts
 *    cannot keep one caller here; what is left is delivered by the next call.
 */
static uint32_t deliver_pressure(modesp_pool_manager_t *pm)
{
    uint32_t delivered = 0;
    for (uint32_t round = 0; round <= RING_SIZE; round++) {
        uint32_t unlocked = 0;
        if (!mp_cas(&pm->delivering, &unlocked, 1u, MP_SEQ_CST, MP_RELAXED)) {
            return delivered; /* the holder looks again after unlocking */
        }
        const uint32_t latest = (mp_load(&pm->level_word, MP_SEQ_CST) >> SEQ_SHIFT) & SEQ_MASK;
        uint32_t done = first_wanted(pm, mp_load(&pm->delivered_seq, MP_RELAXED), latest);
        while (done != latest) {
            const uint32_t want = (done + 1u) & SEQ_MASK;
            const uint32_t e = mp_load(&pm->ring[want % RING_SIZE], MP_SEQ_CST);
            const int age = seq_cmp16(entry_seq(e), want);
            if (age < 0) {
                break; /* not stored yet: its writer delivers it */
            }
            if (age == 0) {
                call_callbacks(pm, e);
                delivered++;
            } else {
                /* Overwritten by a change RING_SIZE later while its writer was preempted. */
                (void)mp_fetch_add(&pm->dropped_events, 1u, MP_RELAXED);
            }
            done = want;
        }
        mp_store(&pm->delivered_seq, done, MP_RELAXED);
        mp_store(&pm->delivering, 0u, MP_SEQ_CST);
        if (!next_entry_ready(pm, done)) {
            break;
        }
    }
    return delivered;
}

static bool pressure_pending(modesp_pool_manager_t *pm)
{
    return ((mp_load(&pm->level_word, MP_RELAXED) >> SEQ_SHIFT) & SEQ_MASK) != mp_load(&pm->delivered_seq, MP_RELAXED);
}

/* Deliver what is pending, from a task; nothing in an ISR. */
static void deliver_if_pending(modesp_pool_manager_t *pm)
{
    if (pressure_pending(pm) && !modesp_port_in_isr()) {
        (void)deliver_pressure(pm);
    }
}

/* Store a change's ring entry unless a change RING_SIZE later already took the
 * slot (this writer was preempted that long: its change counts as dropped). */
static void store_entry(modesp_pool_manager_t *pm, uint32_t seq, uint32_t entry)
{
    uint32_t *slot = &pm->ring[seq % RING_SIZE];
    uint32_t cur = mp_load(slot, MP_RELAXED);
    do {
        if (seq_cmp16(entry_seq(cur), seq) > 0) {
            return;
        }
    } while (!mp_cas(slot, &cur, entry, MP_SEQ_CST, MP_RELAXED));
}

/* Re-evaluate the level from fresh loads; bounded to a few rounds. */
static void pressure_update(modesp_pool_manager_t *pm)
{
    for (int round = 0; round < 4; round++) {
        uint32_t lw = mp_load(&pm->level_word, MP_SEQ_CST);
        const uint32_t bytes = mp_load(&pm->bytes_in_use, MP_SEQ_CST);
        const uint32_t from = lw & LEVEL_MASK;
        const uint32_t to = target_level(pm, from, bytes);
        if (to == from) {
            break;
        }
        const uint32_t seq = ((lw >> SEQ_SHIFT) + 1u) & SEQ_MASK;
        if (mp_cas(&pm->level_word, &lw, (seq << SEQ_SHIFT) | to, MP_SEQ_CST, MP_SEQ_CST)) {
            const uint32_t util = utilization_of(pm, bytes);
            MP_PAUSE(MP_PAUSE_LEVEL_BEFORE_RING, pm);
            store_entry(pm, seq, ((seq & 0xFFFFu) << 16) | (util << 4) | (from << 2) | to);
        }
    }
    deliver_if_pending(pm);
}

/*
 * After every allocation and free: `bytes` is the value this context's own
 * SEQ_CST read-modify-write of bytes_in_use produced. Most calls end after
 * one SEQ_CST load of the level and a few compares; only a level change (or
 * pending delivery) takes the slow path. Why the level cannot stay stale: the
 * context whose RMW is last in the single order S of SEQ_CST operations
 * holds the final byte count. Its level load either sees every level CAS
 * made before it (and corrects a stale level through the slow path), or a
 * CAS comes after that load in S, and then the CASing context's fresh
 * SEQ_CST load of bytes_in_use in pressure_update comes after the last RMW
 * and sees the final count.
 */
/* One copy under -Os (code size); inlined into both callers at -O2 (speed). */
#if !defined(__GNUC__)
#define PRESSURE_AFTER_INLINE static
#elif defined(__OPTIMIZE_SIZE__)
#define PRESSURE_AFTER_INLINE static __attribute__((noinline))
#else
#define PRESSURE_AFTER_INLINE static inline __attribute__((always_inline))
#endif
PRESSURE_AFTER_INLINE void pressure_after(modesp_pool_manager_t *pm, uint32_t bytes)
{
    const uint32_t lw = mp_load(&pm->level_word, MP_SEQ_CST);
    const uint32_t level = lw & LEVEL_MASK;
    if (target_level(pm, level, bytes) != level) {
        pressure_update(pm);
    } else if (((lw >> SEQ_SHIFT) & SEQ_MASK) != mp_load(&pm->delivered_seq, MP_RELAXED) && !modesp_port_in_isr()) {
        (void)deliver_pressure(pm);
    }
}

uint32_t modesp_pool_manager_process_pressure_events(modesp_pool_manager_t *pm)
{
    if (!pm_ok(pm) || modesp_port_in_isr()) {
        return 0u;
    }
    return deliver_pressure(pm);
}

/* ---------------------------------------------------------------- allocate */

/* One attempt on one class; the tag records the requested class for sized frees. */
static void *take_class(modesp_pool_manager_t *pm, int cls, int requested)
{
    void *p = modesp_pool_take_managed_(pm->classes[cls], (uint32_t)requested + 1u);
    if (p != NULL) {
        pressure_after(pm, mp_fetch_add(&pm->bytes_in_use, k_class_size[cls], MP_SEQ_CST) + k_class_size[cls]);
    }
    return p;
}

static esp_err_t wait_for_block(modesp_pool_manager_t *pm, int cls, uint32_t timeout_ms, void **out)
{
    const uint64_t deadline =
        (timeout_ms == MODESP_WAIT_FOREVER) ? UINT64_MAX : modesp_port_time_us() + (uint64_t)timeout_ms * 1000u;
    bump(&pm->waits);
    /* SEQ_CST: pairs with the pop's SEQ_CST head load and the freer's SEQ_CST
     * push + waiter read (argument in fixed_pool.c): no lost wake-up. */
    (void)mp_fetch_add(&pm->waiters[cls], 1u, MP_SEQ_CST);
    esp_err_t err = ESP_ERR_TIMEOUT;
    for (;;) {
        const uint32_t seq = modesp_port_waitq_seq(&pm->waitq[cls]);
        *out = take_class(pm, cls, cls);
        if (*out != NULL) {
            err = ESP_OK;
            break;
        }
        if (modesp_port_time_us() >= deadline ||
            modesp_port_waitq_wait(&pm->waitq[cls], seq, deadline) == ESP_ERR_TIMEOUT) {
            /* One last look: a block freed right at the deadline still counts.
             * Served here means the wait ran to its deadline although a block
             * was free: a free that did not wake this waiter (or one at the
             * very deadline). Counted, because it is how a lost wake-up shows. */
            *out = take_class(pm, cls, cls);
            err = (*out != NULL) ? ESP_OK : ESP_ERR_TIMEOUT;
            if (*out != NULL) {
                bump(&pm->wait_deadline_served);
            }
            break;
        }
    }
    (void)mp_fetch_sub(&pm->waiters[cls], 1u, MP_SEQ_CST);
    if (err == ESP_ERR_TIMEOUT) {
        bump(&pm->wait_timeouts);
    }
    return err;
}

static esp_err_t heap_take(modesp_pool_manager_t *pm, size_t size, int cls, void **out)
{
    void *p = modesp_port_heap_alloc(size);
    if (p == NULL) {
        bump(&pm->heap_failures);
        return ESP_ERR_NO_MEM;
    }
    bool stored = false;
    uint32_t s = modesp_port_critical_enter();
    for (size_t i = 0; i < CONFIG_MEMORY_POOL_HEAP_FALLBACK_MAX_BLOCKS && !stored; i++) {
        if (pm->heap[i].ptr == NULL) {
            pm->heap[i].ptr = p;
            pm->heap[i].size = (uint32_t)size;
            pm->heap[i].cls = (uint8_t)cls;
            pm->heap_in_use++;
            stored = true;
        }
    }
    modesp_port_critical_exit(s);
    if (!stored) { /* every slot taken: the bound on heap use is part of the contract */
        modesp_port_heap_free(p);
        bump(&pm->heap_failures);
        return ESP_ERR_NO_MEM;
    }
    bump(&pm->heap_allocs);
    *out = p;
    return ESP_OK;
}

/* The request for class `cls` failed as its caller sees it. */
static void request_failed(modesp_pool_manager_t *pm, int cls)
{
    modesp_pool_count_failure_(pm->classes[cls]);
    deliver_if_pending(pm);
}

static esp_err_t allocate_class(modesp_pool_manager_t *pm, size_t size, int cls, modesp_alloc_strategy_t strategy,
                                uint32_t timeout_ms, void **out)
{
    switch (strategy) {
    case MODESP_ALLOC_STRICT:
        *out = take_class(pm, cls, cls);
        return (*out != NULL) ? ESP_OK : ESP_ERR_NO_MEM;
    case MODESP_ALLOC_SPILL:
        for (int c = cls; c < MODESP_CLASS_COUNT; c++) {
            *out = take_class(pm, c, cls);
            if (*out != NULL) {
                if (c != cls) {
                    bump(&pm->spills);
                }
                return ESP_OK;
            }
        }
        return ESP_ERR_NO_MEM;
    case MODESP_ALLOC_HEAP_FALLBACK:
        /* From an ISR the class is served as with STRICT; only the heap step is refused. */
        *out = take_class(pm, cls, cls);
        if (*out != NULL) {
            return ESP_OK;
        }
        if (modesp_port_in_isr()) {
            bump(&pm->isr_refusals);
            return ESP_ERR_INVALID_STATE;
        }
        return heap_take(pm, size, cls, out);
    case MODESP_ALLOC_WAIT:
        *out = take_class(pm, cls, cls);
        if (*out != NULL) {
            return ESP_OK;
        }
        return timeout_ms == 0u ? ESP_ERR_NO_MEM : wait_for_block(pm, cls, timeout_ms, out);
    default:
        return ESP_ERR_INVALID_ARG;
    }
}

esp_err_t modesp_pool_manager_allocate_ex(modesp_pool_manager_t *pm, size_t size, modesp_alloc_strategy_t strategy,
                                          uint32_t timeout_ms, void **out)
{
    if (!pm_ok(pm) || out == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    *out = NULL;
    if ((unsigned)strategy > MODESP_ALLOC_WAIT) {
        deliver_if_pending(pm);
        return ESP_ERR_INVALID_ARG;
    }
    if (strategy == MODESP_ALLOC_HEAP_FALLBACK && !MODESP_HEAP_FALLBACK_ENABLED) {
        deliver_if_pending(pm);
        return ESP_ERR_NOT_SUPPORTED;
    }
    if (size == 0u) {
        bump(&pm->zero_size_requests);
        deliver_if_pending(pm);
        return MODESP_ERR_ZERO_SIZE;
    }
    const int cls = modesp_pool_manager_class_for_size(size);
    if (cls < 0) {
        bump(&pm->oversize_requests);
        deliver_if_pending(pm);
        return ESP_ERR_INVALID_SIZE;
    }
    if (strategy == MODESP_ALLOC_WAIT && modesp_port_in_isr()) {
        bump(&pm->isr_refusals);
        return ESP_ERR_INVALID_STATE;
    }
    const esp_err_t err = allocate_class(pm, size, cls, strategy, timeout_ms, out);
    if (err != ESP_OK) {
        request_failed(pm, cls);
    }
    return err;
}

void *modesp_pool_manager_allocate(modesp_pool_manager_t *pm, size_t size)
{
    void *p = NULL;
    if (pm_ok(pm)) {
        const uint32_t strategy = mp_load(&pm->default_strategy, MP_RELAXED);
        const int cls = modesp_pool_manager_class_for_size(size);
        if (strategy == MODESP_ALLOC_STRICT && cls >= 0) {
            /* the common case, straight to the class */
            p = take_class(pm, cls, cls);
            if (p == NULL) {
                request_failed(pm, cls);
            }
            return p;
        }
        (void)modesp_pool_manager_allocate_ex(pm, size, (modesp_alloc_strategy_t)strategy,
                                              mp_load(&pm->default_timeout_ms, MP_RELAXED), &p);
    }
    return p;
}

void *modesp_pool_manager_allocate_critical(modesp_pool_manager_t *pm, size_t size)
{
    if (!pm_ok(pm)) {
        return NULL;
    }
    if (size == 0u) {
        bump(&pm->zero_size_requests);
        deliver_if_pending(pm);
        return NULL;
    }
    const int cls = modesp_pool_manager_class_for_size(size);
    if (cls < 0) {
        bump(&pm->oversize_requests);
        deliver_if_pending(pm);
        return NULL;
    }
    void *p = take_class(pm, cls, cls);
    if (p != NULL) {
        return p;
    }
    if (pm->reserve != NULL && size <= modesp_pool_block_size(pm->reserve)) {
        p = modesp_pool_take_managed_(pm->reserve, (uint32_t)cls + 1u);
    }
    if (p != NULL) {
        bump(&pm->critical_allocs);
        deliver_if_pending(pm);
    } else {
        bump(&pm->critical_failures);
        request_failed(pm, cls);
    }
    return p;
}

/* -------------------------------------------------------------------- free */

/* Which pool holds ptr: class index, MODESP_CLASS_COUNT for the reserve, -1 for none. */
static int owner_of(const modesp_pool_manager_t *pm, const void *ptr)
{
    const uintptr_t a = (uintptr_t)ptr;
    for (int c = 0; c <= MODESP_CLASS_COUNT; c++) { /* an empty range (no reserve) never matches */
        const uintptr_t lo = (uintptr_t)pm->lo[c];
        if (a - lo < (uintptr_t)pm->hi[c] - lo) {
            return c;
        }
    }
    return -1;
}

static esp_err_t heap_give_back(modesp_pool_manager_t *pm, void *ptr, size_t size, bool sized)
{
    esp_err_t err = MODESP_ERR_FOREIGN_PTR;
    uint32_t s = modesp_port_critical_enter();
    for (size_t i = 0; i < CONFIG_MEMORY_POOL_HEAP_FALLBACK_MAX_BLOCKS; i++) {
        if (pm->heap[i].ptr == ptr) {
            if (sized && modesp_pool_manager_class_for_size(size) != (int)pm->heap[i].cls) {
                err = MODESP_ERR_SIZE_MISMATCH;
            } else if (modesp_port_in_isr()) {
                err = ESP_ERR_INVALID_STATE;
            } else {
                pm->heap[i].ptr = NULL;
                pm->heap_in_use--;
                err = ESP_OK;
            }
            break;
        }
    }
    modesp_port_critical_exit(s);
    if (err == ESP_OK) {
        modesp_port_heap_free(ptr);
        bump(&pm->heap_frees);
    }
    return err;
}

static esp_err_t give_back(modesp_pool_manager_t *pm, void *ptr, size_t size, bool sized)
{
    if (ptr == NULL) {
        bump(&pm->null_frees);
        return ESP_ERR_INVALID_ARG;
    }
    if (sized && size == 0u) {
        bump(&pm->zero_size_requests);
        return MODESP_ERR_ZERO_SIZE;
    }
    const int owner = owner_of(pm, ptr);
    if (owner < 0) {
        const esp_err_t err =
            MODESP_HEAP_FALLBACK_ENABLED ? heap_give_back(pm, ptr, size, sized) : MODESP_ERR_FOREIGN_PTR;
        if (err == MODESP_ERR_FOREIGN_PTR) {
            bump(&pm->foreign_frees);
        } else if (err == MODESP_ERR_SIZE_MISMATCH) {
            bump(&pm->size_mismatch_frees);
        } else if (err == ESP_ERR_INVALID_STATE) {
            bump(&pm->isr_refusals);
        }
        return err;
    }
    modesp_pool_t *pool = (owner == MODESP_CLASS_COUNT) ? pm->reserve : pm->classes[owner];
    if (sized) {
        /* The tag holds the requested class + 1; a block that is not allocated
         * (tag -1) goes on to the pool, which names the exact error. */
        const int tag = modesp_pool_block_tag(pool, ptr);
        if (tag > 0 && modesp_pool_manager_class_for_size(size) != tag - 1) {
            bump(&pm->size_mismatch_frees);
            return MODESP_ERR_SIZE_MISMATCH;
        }
    }
    const esp_err_t err = modesp_pool_give_managed_(pool, ptr);
    if (err != ESP_OK) {
        return err;
    }
    if (owner == MODESP_CLASS_COUNT) {
        deliver_if_pending(pm);
        return ESP_OK;
    }
    const uint32_t bytes = mp_fetch_sub(&pm->bytes_in_use, k_class_size[owner], MP_SEQ_CST) - k_class_size[owner];
    /* The push in the pool's free was SEQ_CST: see the WAIT pairing in fixed_pool.c. */
    if (mp_load(&pm->waiters[owner], MP_SEQ_CST) != 0u) {
        modesp_port_waitq_signal(&pm->waitq[owner]);
    }
    pressure_after(pm, bytes);
    return ESP_OK;
}

/* Every free from a task delivers pending changes, whatever its result. */
static esp_err_t give_back_and_deliver(modesp_pool_manager_t *pm, void *ptr, size_t size, bool sized)
{
    if (!pm_ok(pm)) {
        return ESP_ERR_INVALID_ARG;
    }
    const esp_err_t err = give_back(pm, ptr, size, sized);
    if (err != ESP_OK) {
        deliver_if_pending(pm);
    }
    return err;
}

esp_err_t modesp_pool_manager_free(modesp_pool_manager_t *pm, void *ptr)
{
    return give_back_and_deliver(pm, ptr, 0u, false);
}

esp_err_t modesp_pool_manager_deallocate(modesp_pool_manager_t *pm, void *ptr, size_t size)
{
    return give_back_and_deliver(pm, ptr, size, true);
}
/* ---------------------------------------------------------- configuration */

esp_err_t modesp_pool_manager_set_default_strategy(modesp_pool_manager_t *pm, modesp_alloc_strategy_t strategy,
                                                   uint32_t timeout_ms)
{
    if (!pm_ok(pm) || (unsigned)strategy > MODESP_ALLOC_WAIT) {
        return ESP_ERR_INVALID_ARG;
    }
    if (strategy == MODESP_ALLOC_HEAP_FALLBACK && !MODESP_HEAP_FALLBACK_ENABLED) {
        return ESP_ERR_NOT_SUPPORTED;
    }
    mp_store(&pm->default_timeout_ms, timeout_ms, MP_RELAXED);
    mp_store(&pm->default_strategy, (uint32_t)strategy, MP_RELAXED);
    return ESP_OK;
}

modesp_alloc_strategy_t modesp_pool_manager_get_default_strategy(const modesp_pool_manager_t *pm)
{
    return !pm_ok(pm) ? MODESP_ALLOC_STRICT : (modesp_alloc_strategy_t)mp_load(&pm->default_strategy, MP_RELAXED);
}

const modesp_pool_t *modesp_pool_manager_get_pool(const modesp_pool_manager_t *pm, modesp_size_class_t cls)
{
    return (!pm_ok(pm) || (unsigned)cls >= MODESP_CLASS_COUNT) ? NULL : pm->classes[cls];
}

const modesp_pool_t *modesp_pool_manager_get_reserve_pool(const modesp_pool_manager_t *pm)
{
    return !pm_ok(pm) ? NULL : pm->reserve;
}

uint8_t modesp_pool_manager_get_overall_utilization(const modesp_pool_manager_t *pm)
{
    if (!pm_ok(pm)) {
        return 0u;
    }
    return (uint8_t)utilization_of(pm, mp_load(&pm->bytes_in_use, MP_RELAXED));
}

modesp_pressure_level_t modesp_pool_manager_get_pressure_level(const modesp_pool_manager_t *pm)
{
    if (!pm_ok(pm)) {
        return MODESP_PRESSURE_NORMAL;
    }
    return (modesp_pressure_level_t)(mp_load(&pm->level_word, MP_ACQUIRE) & LEVEL_MASK);
}

esp_err_t modesp_pool_manager_set_pressure_thresholds(modesp_pool_manager_t *pm, uint8_t warning, uint8_t critical,
                                                      uint8_t release)
{
    if (!pm_ok(pm) || release == 0u || release > warning || warning > critical || critical > 100u) {
        return ESP_ERR_INVALID_ARG;
    }
    set_thresholds(pm, warning, critical, release);
    pressure_update(pm);
    return ESP_OK;
}

esp_err_t modesp_pool_manager_register_pressure_callback(modesp_pool_manager_t *pm, modesp_pressure_cb_t cb, void *ctx)
{
    if (!pm_ok(pm) || cb == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    esp_err_t err = MODESP_ERR_FULL;
    size_t free_slot = CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS;
    uint32_t s = modesp_port_critical_enter();
    for (size_t i = 0; i < CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS; i++) {
        if (pm->callbacks[i].cb == cb && pm->callbacks[i].ctx == ctx) {
            free_slot = CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS;
            err = MODESP_ERR_ALREADY_REGISTERED; /* it would be called twice per change */
            break;
        }
        if (pm->callbacks[i].cb == NULL && free_slot == CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS) {
            free_slot = i;
        }
    }
    if (free_slot < CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS) {
        pm->callbacks[free_slot].cb = cb;
        pm->callbacks[free_slot].ctx = ctx;
        err = ESP_OK;
    }
    modesp_port_critical_exit(s);
    return err;
}

esp_err_t modesp_pool_manager_unregister_pressure_callback(modesp_pool_manager_t *pm, modesp_pressure_cb_t cb,
                                                           const void *ctx)
{
    if (!pm_ok(pm) || cb == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    esp_err_t err = ESP_ERR_NOT_FOUND;
    uint32_t s = modesp_port_critical_enter();
    for (size_t i = 0; i < CONFIG_MEMORY_POOL_MAX_PRESSURE_CALLBACKS; i++) {
        if (pm->callbacks[i].cb == cb && pm->callbacks[i].ctx == ctx) {
            pm->callbacks[i].cb = NULL;
            pm->callbacks[i].ctx = NULL;
            err = ESP_OK;
            break;
        }
    }
    modesp_port_critical_exit(s);
    return err;
}

/* ---------------------------------------------------------- statistics */

esp_err_t modesp_pool_manager_get_stats(const modesp_pool_manager_t *pm_c, modesp_pool_manager_stats_t *st)
{
    if (!pm_ok(pm_c) || st == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    const modesp_pool_manager_t *pm = pm_c;
    memset(st, 0, sizeof *st);
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        (void)modesp_pool_get_stats(pm->classes[c], &st->classes[c]);
    }
    if (pm->reserve != NULL) {
        (void)modesp_pool_get_stats(pm->reserve, &st->reserve);
    }
    st->total_bytes = pm->total_bytes;
    st->bytes_in_use = mp_load(&pm->bytes_in_use, MP_RELAXED);
    st->utilization = (uint8_t)utilization_of(pm, st->bytes_in_use);
    st->level = modesp_pool_manager_get_pressure_level(pm);
    st->zero_size_requests = mp_load(&pm->zero_size_requests, MP_RELAXED);
    st->oversize_requests = mp_load(&pm->oversize_requests, MP_RELAXED);
    st->null_frees = mp_load(&pm->null_frees, MP_RELAXED);
    st->foreign_frees = mp_load(&pm->foreign_frees, MP_RELAXED);
    st->size_mismatch_frees = mp_load(&pm->size_mismatch_frees, MP_RELAXED);
    st->spills = mp_load(&pm->spills, MP_RELAXED);
    st->waits = mp_load(&pm->waits, MP_RELAXED);
    st->wait_timeouts = mp_load(&pm->wait_timeouts, MP_RELAXED);
    st->wait_deadline_served = mp_load(&pm->wait_deadline_served, MP_RELAXED);
    st->isr_refusals = mp_load(&pm->isr_refusals, MP_RELAXED);
    st->heap_allocs = mp_load(&pm->heap_allocs, MP_RELAXED);
    st->heap_frees = mp_load(&pm->heap_frees, MP_RELAXED);
    st->heap_failures = mp_load(&pm->heap_failures, MP_RELAXED);
    st->critical_allocs = mp_load(&pm->critical_allocs, MP_RELAXED);
    st->critical_failures = mp_load(&pm->critical_failures, MP_RELAXED);
    st->pressure_changes = (mp_load(&pm->level_word, MP_RELAXED) >> SEQ_SHIFT) & SEQ_MASK;
    st->pressure_events_dropped = mp_load(&pm->dropped_events, MP_RELAXED);
    const uint32_t s = modesp_port_critical_enter();
    st->heap_in_use = pm->heap_in_use;
    modesp_port_critical_exit(s);
    return ESP_OK;
}

esp_err_t modesp_pool_manager_reset_stats(modesp_pool_manager_t *pm)
{
    if (!pm_ok(pm)) {
        return ESP_ERR_INVALID_ARG;
    }
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        (void)modesp_pool_reset_stats(pm->classes[c]);
    }
    if (pm->reserve != NULL) {
        (void)modesp_pool_reset_stats(pm->reserve);
    }
    uint32_t *const zeroed[] = {&pm->zero_size_requests,
                                &pm->oversize_requests,
                                &pm->null_frees,
                                &pm->foreign_frees,
                                &pm->size_mismatch_frees,
                                &pm->spills,
                                &pm->waits,
                                &pm->wait_timeouts,
                                &pm->wait_deadline_served,
                                &pm->isr_refusals,
                                &pm->heap_allocs,
                                &pm->heap_frees,
                                &pm->heap_failures,
                                &pm->critical_allocs,
                                &pm->critical_failures};
    for (size_t i = 0; i < sizeof zeroed / sizeof zeroed[0]; i++) {
        mp_store(zeroed[i], 0u, MP_RELAXED);
    }
    return ESP_OK;
}

esp_err_t modesp_pool_manager_check_integrity(const modesp_pool_manager_t *pm, int *bad_class,
                                              modesp_pool_integrity_t *report)
{
    int dummy = -1;
    int *bad = bad_class != NULL ? bad_class : &dummy;
    *bad = -1;
    if (!pm_ok(pm)) {
        return ESP_ERR_INVALID_ARG;
    }
    uint32_t bytes = 0;
    for (int c = 0; c < MODESP_CLASS_COUNT; c++) {
        const esp_err_t err = modesp_pool_check_integrity(pm->classes[c], report);
        if (err != ESP_OK) {
            *bad = c;
            return err;
        }
        bytes += k_class_size[c] * (uint32_t)modesp_pool_in_use(pm->classes[c]);
    }
    if (pm->reserve != NULL) {
        const esp_err_t err = modesp_pool_check_integrity(pm->reserve, report);
        if (err != ESP_OK) {
            *bad = MODESP_CLASS_COUNT;
            return err;
        }
    }
    if (bytes != mp_load(&pm->bytes_in_use, MP_RELAXED)) {
        if (report != NULL) {
            memset(report, 0, sizeof *report);
            report->fault = MODESP_POOL_COUNT_MISMATCH;
            report->block = UINT32_MAX;
        }
        return MODESP_ERR_CORRUPTED;
    }
    return ESP_OK;
}
