/* Host (POSIX) port extras. */
#ifndef MODESP_PORT_POSIX_H
#define MODESP_PORT_POSIX_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Mark the calling thread as running in "interrupt context" (true) or task
 * context (false). The host has no interrupts; tests use this to check that
 * calls which must not block (WAIT, heap fallback) are refused from ISRs.
 */
void modesp_port_posix_set_isr_context(bool in_isr);

#ifdef __cplusplus
}
#endif

#endif /* MODESP_PORT_POSIX_H */
