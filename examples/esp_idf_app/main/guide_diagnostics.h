/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sections 7, 9 and 10 of the integration guide on a device, with the
 * diagnostics layer (modesp/memory_diagnostics.h). Two diagnostics objects,
 * because one object serves one task at a time: the app task's (reports,
 * leaks, the periodic check) and the dashboard's (esp_http_server's task).
 */
#ifndef GUIDE_DIAGNOSTICS_H
#define GUIDE_DIAGNOSTICS_H

#include "modesp/memory_diagnostics.h"

/*
 * Initialise both diagnostics objects over every pool the library knows and
 * give them the example's health policy (guide_diagnostics.c).
 * Returns: ESP_OK.
 * Errors: those of modesp_memory_diagnostics_init / _health_configure.
 * Complexity: O(pools).
 * ISR-safe: no (task context, at start-up).
 */
esp_err_t guide_diagnostics_init(void);

/*
 * The diagnostics object reserved for the dashboard's HTTP task
 * (dashboard_http_register); no other task may use it.
 * Returns: a pointer to static storage, never NULL.
 * Errors: none.
 * Complexity: O(1).
 * ISR-safe: yes.
 */
modesp_memory_diagnostics_t *guide_diagnostics_for_dashboard(void);

/*
 * Section 7: log_stats, detect_potential_leaks with owner and call site, the
 * failure ring, the event bus's pool statistics.
 * Errors: none (each step logs its own outcome).
 * Complexity: O(pools + blocks).
 * ISR-safe: no (task context, logs, waits 200 ms).
 */
void guide_section7_debugging(void);

/*
 * Section 9: TRACK_MEMORY_USAGE around a processing step, then the
 * allocation and free rates per pool.
 * Errors: none.
 * Complexity: O(pools).
 * ISR-safe: no (task context, logs).
 */
void guide_section9_monitoring(void);

/*
 * Section 10: the sizing advice as an sdkconfig fragment and the health
 * verdict (through the policy hook).
 * Errors: none.
 * Complexity: O(pools + blocks).
 * ISR-safe: no (task context, logs).
 */
void guide_section10_sizing(void);

/*
 * The guide's periodic check on the app task's object: health verdict,
 * leaks older than 30 s; the full report every `report_every` calls.
 * Errors: none.
 * Complexity: O(pools + blocks).
 * ISR-safe: no (task context, logs).
 */
void guide_diagnostics_periodic(unsigned report_every);

#endif /* GUIDE_DIAGNOSTICS_H */
