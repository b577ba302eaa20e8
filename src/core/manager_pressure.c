/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pool manager: utilization, pressure levels with hysteresis, and their
 * delivery to callbacks. The argument for why delivery never waits for
 * another context is at modesp_mgr_deliver_.
 */
#include <string.h>

#include "manager_bytes.h"
#include "manager_private.h"
#include "mp_pause.h"

/* 0..100 whatever `bytes` holds: a count above the total (which the managed
 * pools rule out) could otherwise spill into the other fields of a ring entry. */
MODESP_IRAM_ATTR uint32_t modesp_mgr_utilization_(const modesp_pool_manager_t *pm, uint32_t bytes)
{
    const uint32_t total = pm->total_bytes;
    if (total == 0u) {
        return 0u;
    }
    return (bytes >= total) ? 100u : bytes * 100u / total; /* no overflow: see TOTAL_BYTES */
}

#if MODESP_PRESSURE_CALLBACKS_ENABLED
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
uint32_t modesp_mgr_deliver_(modesp_pool_manager_t *pm)
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

MODESP_IRAM_ATTR static bool pressure_pending(modesp_pool_manager_t *pm)
{
    return ((mp_load(&pm->level_word, MP_RELAXED) >> SEQ_SHIFT) & SEQ_MASK) != mp_load(&pm->delivered_seq, MP_RELAXED);
}

/* Deliver what is pending, from a task; nothing in an ISR. */
MODESP_IRAM_ATTR void modesp_mgr_deliver_if_pending_(modesp_pool_manager_t *pm)
{
    if (pressure_pending(pm) && !modesp_port_in_isr()) {
        (void)modesp_mgr_deliver_(pm);
    }
}

/* Store a change's ring entry unless a change RING_SIZE later already took the
 * slot (this writer was preempted that long: its change counts as dropped). */
MODESP_IRAM_ATTR static void store_entry(modesp_pool_manager_t *pm, uint32_t seq, uint32_t entry)
{
    uint32_t *slot = &pm->ring[seq % RING_SIZE];
    uint32_t cur = mp_load(slot, MP_RELAXED);
    do {
        if (seq_cmp16(entry_seq(cur), seq) > 0) {
            return;
        }
    } while (!mp_cas(slot, &cur, entry, MP_SEQ_CST, MP_RELAXED));
}

#endif /* MODESP_PRESSURE_CALLBACKS_ENABLED */

/* Re-evaluate the level from fresh loads; bounded to a few rounds. */
MODESP_IRAM_ATTR void modesp_mgr_pressure_update_(modesp_pool_manager_t *pm)
{
    for (int round = 0; round < 4; round++) {
        uint32_t lw = mp_load(&pm->level_word, MP_SEQ_CST);
        const uint32_t bytes = MGR_BYTES_IN_USE(pm, MP_SEQ_CST);
        const uint32_t from = lw & LEVEL_MASK;
        const uint32_t to = modesp_mgr_target_level_(pm, from, bytes);
        if (to == from) {
            break;
        }
        const uint32_t seq = ((lw >> SEQ_SHIFT) + 1u) & SEQ_MASK;
        if (mp_cas(&pm->level_word, &lw, (seq << SEQ_SHIFT) | to, MP_SEQ_CST, MP_SEQ_CST)) {
#if MODESP_PRESSURE_CALLBACKS_ENABLED
            const uint32_t util = modesp_mgr_utilization_(pm, bytes);
            MP_PAUSE(MP_PAUSE_LEVEL_BEFORE_RING, pm);
            store_entry(pm, seq, ((seq & 0xFFFFu) << 16) | (util << 4) | (from << 2) | to);
#endif
        }
    }
    modesp_mgr_deliver_if_pending_(pm);
}

uint32_t modesp_pool_manager_process_pressure_events(modesp_pool_manager_t *pm)
{
    if (!pm_ok(pm) || modesp_port_in_isr()) {
        return 0u;
    }
#if MODESP_PRESSURE_CALLBACKS_ENABLED
    return modesp_mgr_deliver_(pm);
#else
    return 0u; /* no callbacks compiled in: nothing is ever pending */
#endif
}

/* The byte bands of the levels from the byte thresholds (see band_lo in manager_private.h). */
void modesp_mgr_set_bands_(modesp_pool_manager_t *pm)
{
    const uint32_t warn = mp_load(&pm->enter_warning_bytes, MP_RELAXED);
    const uint32_t crit = mp_load(&pm->enter_critical_bytes, MP_RELAXED);
    const uint32_t rel = mp_load(&pm->below_release_bytes, MP_RELAXED);
    const uint32_t lo[MGR_BAND_SLOTS] = BAND_LO_INIT_(warn, crit, rel);
    const uint32_t width[MGR_BAND_SLOTS] = BAND_WIDTH_INIT_(warn, crit, rel);
    for (size_t i = 0; i < MGR_BAND_SLOTS; i++) {
        mp_store(&pm->band_lo[i], lo[i], MP_RELAXED);
        mp_store(&pm->band_width[i], width[i], MP_RELAXED);
    }
}

uint8_t modesp_pool_manager_get_overall_utilization(const modesp_pool_manager_t *pm)
{
    if (!pm_ok(pm)) {
        return 0u;
    }
    return (uint8_t)modesp_mgr_utilization_(pm, MGR_BYTES_IN_USE(pm, MP_RELAXED));
}

MODESP_IRAM_ATTR modesp_pressure_level_t modesp_pool_manager_get_pressure_level(const modesp_pool_manager_t *pm)
{
    if (!pm_ok(pm)) {
        return MODESP_PRESSURE_NORMAL;
    }
#if !MODESP_PRESSURE_TRACKING
    /* Allocations and frees do not move the level (Kconfig MEMORY_POOL_PRESSURE_TRACKING off): bring it
     * up to date now from the class pools' counts, by the same hysteresis rules. pm is the singleton. */
    modesp_mgr_pressure_update_(&modesp_manager_);
#endif
    return (modesp_pressure_level_t)(mp_load(&pm->level_word, MP_ACQUIRE) & LEVEL_MASK);
}

esp_err_t modesp_pool_manager_set_pressure_thresholds(modesp_pool_manager_t *pm, uint8_t warning, uint8_t critical,
                                                      uint8_t release)
{
    if (!pm_ok(pm) || release == 0u || release > warning || warning > critical || critical > 100u) {
        return ESP_ERR_INVALID_ARG;
    }
    mp_store(&pm->enter_warning_bytes, PERCENT_TO_BYTES_(pm->total_bytes, warning), MP_RELAXED);
    mp_store(&pm->enter_critical_bytes, PERCENT_TO_BYTES_(pm->total_bytes, critical), MP_RELAXED);
    mp_store(&pm->below_release_bytes, PERCENT_TO_BYTES_(pm->total_bytes, release), MP_RELAXED);
    modesp_mgr_set_bands_(pm);
    modesp_mgr_pressure_update_(pm);
    return ESP_OK;
}

esp_err_t modesp_pool_manager_register_pressure_callback(modesp_pool_manager_t *pm, modesp_pressure_cb_t cb, void *ctx)
{
    if (!pm_ok(pm) || cb == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
#if !MODESP_PRESSURE_CALLBACKS_ENABLED
    (void)ctx;
    return ESP_ERR_NOT_SUPPORTED; /* compiled out (Kconfig MEMORY_POOL_PRESSURE_CALLBACKS) */
#else
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
#endif
}

esp_err_t modesp_pool_manager_unregister_pressure_callback(modesp_pool_manager_t *pm, modesp_pressure_cb_t cb,
                                                           const void *ctx)
{
    if (!pm_ok(pm) || cb == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
#if !MODESP_PRESSURE_CALLBACKS_ENABLED
    (void)ctx;
    return ESP_ERR_NOT_SUPPORTED; /* compiled out (Kconfig MEMORY_POOL_PRESSURE_CALLBACKS) */
#else
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
#endif
}
