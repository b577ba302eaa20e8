/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The control module (guide section 6): takes the cloud module's pooled
 * commands from a bounded queue when they are due (setpoint changes are
 * scheduled 1..3 s ahead) and frees each after applying it, through
 * the sized free (modesp_pool_manager_deallocate checks the size against the
 * class the block was requested for). It also answers door alarms (CRITICAL
 * events, REJECT policy). In the exhaust scenario, once a second it needs a
 * LARGE response buffer and asks with the WAIT strategy: it is served when
 * the updater gives a block back, or times out; on a timeout it records the
 * alarm in the emergency reserve (modesp_pool_manager_allocate_critical).
 */
#include <pthread.h>
#include <stdatomic.h>

#include "demo.h"
#include "demo_command.h"

#define QUEUE_LEN         32u
#define COMMANDS_PER_TICK 5u
#define WAIT_MS           20u

static demo_command_t *s_queue[QUEUE_LEN];
static uint32_t s_q_head, s_q_count;
static pthread_mutex_t s_q_lock = PTHREAD_MUTEX_INITIALIZER;
static modesp_bus_sub_t s_alarm_sub;
static float s_setpoint = 4.0f;

bool demo_command_push(void *cmd)
{
    bool ok = false;
    pthread_mutex_lock(&s_q_lock);
    if (s_q_count < QUEUE_LEN) {
        s_queue[(s_q_head + s_q_count) % QUEUE_LEN] = cmd;
        s_q_count++;
        ok = true;
    }
    pthread_mutex_unlock(&s_q_lock);
    return ok;
}

/* The oldest command once it is due (any at shutdown: tick UINT32_MAX). */
static demo_command_t *pop(uint32_t tick)
{
    demo_command_t *cmd = NULL;
    pthread_mutex_lock(&s_q_lock);
    if (s_q_count > 0 && s_queue[s_q_head]->due_tick <= tick) {
        cmd = s_queue[s_q_head];
        s_q_head = (s_q_head + 1u) % QUEUE_LEN;
        s_q_count--;
    }
    pthread_mutex_unlock(&s_q_lock);
    return cmd;
}

static void on_alarm(const modesp_event_t *ev, void *ctx)
{
    (void)ev;
    demo_world_t *w = ctx;
    atomic_fetch_add(&w->c.delivered, 1);
}

static void control_init(demo_world_t *w)
{
    (void)modesp_bus_subscribe(w->bus, "alarm.*", on_alarm, w, 8, MODESP_BUS_REJECT, &s_alarm_sub);
}

static void apply(demo_world_t *w, demo_command_t *cmd)
{
    if (cmd->op == DEMO_CMD_SETPOINT) {
        s_setpoint = cmd->setpoint;
    }
    (void)modesp_pool_manager_free(w->pm, cmd->reply_token);
    /* The guide's cmd.release() + deallocate(raw, sizeof(Command)): the sized free. */
    (void)modesp_pool_manager_deallocate(w->pm, cmd, sizeof(demo_command_t));
    atomic_fetch_add(&w->c.commands_done, 1);
}

static void respond_with_wait(demo_world_t *w)
{
    void *response = NULL;
    atomic_fetch_add(&w->c.allocs_tried, 1);
    const esp_err_t err = modesp_pool_manager_allocate_ex(w->pm, 250, MODESP_ALLOC_WAIT, WAIT_MS, &response);
    if (err == ESP_OK) {
        atomic_fetch_add(&w->c.wait_ok, 1);
        (void)modesp_pool_manager_free(w->pm, response);
        return;
    }
    atomic_fetch_add(&w->c.alloc_failed, 1);
    atomic_fetch_add(&w->c.wait_timeout, 1);
    /* No buffer in time: record the alarm in the emergency reserve, the one way to reach it. */
    void *alarm = modesp_pool_manager_allocate_critical(w->pm, 200);
    if (alarm != NULL) {
        atomic_fetch_add(&w->c.critical_ok, 1);
        (void)modesp_pool_manager_free(w->pm, alarm);
    }
}

static void control_step(demo_world_t *w, uint32_t tick)
{
    for (uint32_t i = 0; i < COMMANDS_PER_TICK; i++) {
        demo_command_t *cmd = pop(tick);
        if (cmd == NULL) {
            break;
        }
        apply(w, cmd);
    }
    /* Tick 3 of each second: no other module frees a LARGE block then (sensor events go out at
     * ticks 0, 1, 4 and 7, telemetry at 0 and 5), so only the updater's give-back can serve it. */
    if (atomic_load(&w->script.drain) && tick % DEMO_TICKS_PER_S == 3u) {
        respond_with_wait(w);
    }
}

static void control_shutdown(demo_world_t *w)
{
    (void)modesp_bus_unsubscribe(w->bus, s_alarm_sub);
    for (demo_command_t *cmd = pop(UINT32_MAX); cmd != NULL; cmd = pop(UINT32_MAX)) {
        apply(w, cmd);
    }
}

const demo_module_t demo_mod_control = {
    .name = "control",
    .init = control_init,
    .step = control_step,
    .shutdown = control_shutdown,
};
