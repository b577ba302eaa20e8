/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The web/cloud module (guide section 6): it turns requests from the
 * outside into pooled commands for the control module (a queue of pooled
 * commands: the control module frees them), and keeps the last eight
 * telemetry frames in a ring buffer of pooled blocks (modesp_pooled_replace:
 * the old block is freed before the new one is taken, so a ring of N needs
 * exactly N blocks), and its client sessions in TINY blocks. In the leak scenario its upload path "forgets" the
 * chunk buffer on an error: the leak the detector and the health verdict
 * must name, by owner and file:line.
 */
#include <stdatomic.h>
#include <string.h>

#include "demo_run.h"
#include "demo_command.h"

#define RING 8u

typedef struct {
    uint64_t t_us;
    float values[48];
} telemetry_t; /* 200 bytes: LARGE */

static telemetry_t *s_ring[RING];
static uint32_t s_head;
static uint32_t s_rng;
static uint32_t s_next_id;

/* The chunks the leak scenario forgets, so that the demo can still end clean
 * after the report (the module itself never looks at this list again). */
#define MAX_FORGOTTEN 256u
static void *s_forgotten[MAX_FORGOTTEN];
static uint32_t s_forgotten_count;

static modesp_bus_sub_t s_uplink_sub;

/* The uplink: raw samples forwarded to the cloud (the burst scenario's second stream). */
static void on_uplink(const modesp_event_t *ev, void *ctx)
{
    (void)ev;
    demo_world_t *w = ctx;
    atomic_fetch_add(&w->c.delivered, 1);
}

static void cloud_init(demo_world_t *w)
{
    s_rng = demo_seed_for(w, "cloud");
    (void)modesp_bus_subscribe(w->bus, "uplink.*", on_uplink, w, 64, MODESP_BUS_DROP_OLDEST, &s_uplink_sub);
}

static void send_command(demo_world_t *w, uint32_t op, uint32_t due_tick)
{
    atomic_fetch_add(&w->c.allocs_tried, 1);
    demo_command_t *cmd = modesp_make_pooled(demo_command_t); /* zeroed block of the fitting class */
    if (cmd == NULL) {
        atomic_fetch_add(&w->c.alloc_failed, 1);
        return;
    }
    atomic_fetch_add(&w->c.allocs_tried, 1);
    cmd->reply_token = MODESP_DIAG_ALLOC(16);
    if (cmd->reply_token == NULL) {
        atomic_fetch_add(&w->c.alloc_failed, 1);
        (void)modesp_pooled_free(&cmd); // NOLINT(bugprone-sizeof-expression): pooled.h checks the argument type
        return;
    }
    cmd->id = ++s_next_id;
    cmd->op = op;
    cmd->due_tick = due_tick;
    cmd->setpoint = 4.0f + (float)(demo_rand(&s_rng) % 10u) / 10.0f;
    (void)snprintf(cmd->origin, sizeof cmd->origin, "%s", op == DEMO_CMD_SETPOINT ? "mqtt" : "http");
    if (!demo_command_push(cmd)) { /* queue full: the command is refused, its block goes back */
        atomic_fetch_add(&w->c.commands_dropped, 1);
        (void)modesp_pool_manager_free(w->pm, cmd->reply_token);
        (void)modesp_pooled_free(&cmd); // NOLINT(bugprone-sizeof-expression): pooled.h checks the argument type
        return;
    }
    atomic_fetch_add(&w->c.commands_sent, 1);
}

/* Client sessions (TINY blocks): one opens every 0.5 s on average and lasts 2..8 s. */
#define MAX_SESSIONS 32u
static void *s_sessions[MAX_SESSIONS];
static uint32_t s_session_end[MAX_SESSIONS];

static void sessions_step(demo_world_t *w, uint32_t tick)
{
    for (uint32_t i = 0; i < MAX_SESSIONS; i++) {
        if (s_sessions[i] != NULL && tick >= s_session_end[i]) {
            (void)modesp_pool_manager_free(w->pm, s_sessions[i]);
            s_sessions[i] = NULL;
        }
    }
    if (demo_rand(&s_rng) % 5u != 0) {
        return;
    }
    for (uint32_t i = 0; i < MAX_SESSIONS; i++) {
        if (s_sessions[i] == NULL) {
            atomic_fetch_add(&w->c.allocs_tried, 1);
            s_sessions[i] = MODESP_DIAG_ALLOC(24);
            if (s_sessions[i] == NULL) {
                atomic_fetch_add(&w->c.alloc_failed, 1);
            }
            s_session_end[i] = tick + DEMO_TICKS_PER_S * (2u + demo_rand(&s_rng) % 7u);
            break;
        }
    }
}

static void upload_chunk(demo_world_t *w)
{
    atomic_fetch_add(&w->c.allocs_tried, 1);
    uint8_t *chunk = MODESP_DIAG_ALLOC(100); /* MEDIUM: one upload chunk */
    if (chunk == NULL) {
        atomic_fetch_add(&w->c.alloc_failed, 1);
        return;
    }
    memset(chunk, 0x5A, 100);
    if (atomic_load(&w->script.leak) && s_forgotten_count < MAX_FORGOTTEN) {
        /* The bug: on a failed upload the error path returns without freeing the chunk. */
        s_forgotten[s_forgotten_count++] = chunk;
        atomic_fetch_add(&w->c.leaked_blocks, 1);
        return;
    }
    (void)modesp_pool_manager_free(w->pm, chunk);
}

static void cloud_step(demo_world_t *w, uint32_t tick)
{
    if (demo_rand(&s_rng) % 4u == 0) { /* a setpoint change, scheduled 1..3 s ahead */
        send_command(w, DEMO_CMD_SETPOINT, tick + DEMO_TICKS_PER_S * (1u + demo_rand(&s_rng) % 3u));
    }
    const uint32_t burst = atomic_load(&w->script.command_burst);
    for (uint32_t i = 0; i < burst; i++) {
        send_command(w, DEMO_CMD_DEFROST, tick);
    }
    sessions_step(w, tick);
    if (tick % 5u == 0) { /* a telemetry frame every 0.5 s into the ring of 8 */
        atomic_fetch_add(&w->c.allocs_tried, 1);
        const esp_err_t err = modesp_pooled_replace(s_ring[s_head], telemetry_t); // NOLINT(bugprone-sizeof-expression)
        if (err == ESP_OK) {
            s_ring[s_head]->t_us = modesp_time_us();
        } else {
            atomic_fetch_add(&w->c.alloc_failed, 1);
        }
        s_head = (s_head + 1u) % RING;
    }
    if (tick % (2u * DEMO_TICKS_PER_S) == 7u) {
        upload_chunk(w);
    }
}

static void cloud_shutdown(demo_world_t *w)
{
    (void)modesp_bus_unsubscribe(w->bus, s_uplink_sub);
    for (uint32_t i = 0; i < MAX_SESSIONS; i++) {
        (void)modesp_pool_manager_free(w->pm, s_sessions[i]);
        s_sessions[i] = NULL;
    }
    for (uint32_t i = 0; i < RING; i++) {
        (void)modesp_pooled_free(&s_ring[i]); // NOLINT(bugprone-sizeof-expression)
    }
}

/* After the final report: give back what the leak scenario forgot. */
void demo_cloud_reclaim_forgotten(demo_world_t *w)
{
    for (uint32_t i = 0; i < s_forgotten_count; i++) {
        (void)modesp_pool_manager_free(w->pm, s_forgotten[i]);
    }
    s_forgotten_count = 0;
}

const demo_module_t demo_mod_cloud = {
    .name = "cloud",
    .init = cloud_init,
    .step = cloud_step,
    .shutdown = cloud_shutdown,
};
