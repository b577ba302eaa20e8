/* SPDX-License-Identifier: Apache-2.0 */
/* Host (POSIX) port extras. */
#ifndef MODESP_PORT_POSIX_H
#define MODESP_PORT_POSIX_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Mark the calling thread as running in "interrupt context" (true) or task
 * context (false). The host has no interrupts; tests use this to check that
 * calls which must not block (WAIT, heap fallback) are refused from ISRs.
 * The flag is per thread: other threads keep theirs.
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes (the host has no ISRs; it writes a thread-local flag).
 */
void modesp_port_posix_set_isr_context(bool in_isr);

/*
 * Replace the port clock (modesp_port_time_us, and so modesp_time_us) with
 * `clock`, for tests that drive time by hand (rates, ages, time budgets);
 * NULL restores CLOCK_MONOTONIC. A WAIT under a fake clock sleeps on the real
 * clock until the earlier of its deadline read as a CLOCK_MONOTONIC time and
 * the time the fake clock says is left, so a fake clock far ahead, behind or
 * jumping does not stretch a short WAIT. The clock is
 * shared by every thread and may be called from any of them.
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes (one atomic store).
 */
void modesp_port_posix_set_clock(uint64_t (*clock)(void));

#ifdef __cplusplus
}
#endif

#endif /* MODESP_PORT_POSIX_H */
