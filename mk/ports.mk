# FreeRTOS / ESP-IDF port compile check (included by the top-level Makefile).
#
#   make port-check   compile both ports, and the core against them, for the
#                     host and arm-none-eabi (Cortex-M4) with -Werror, against
#                     the declarations-only headers in tests/port_decls/.
#                     -c only; then builds and runs tests/port_unit (the generic
#                     FreeRTOS port against test doubles of the kernel calls:
#                     tick wrap, wait-queue races). A few seconds: cheap enough
#                     for every CI run.
#
# The run on the real FreeRTOS kernel (POSIX simulator) is not a make target:
# it needs the kernel sources, fetched outside the repository. See
# tools/freertos_sim.sh.

PORT_CHECK_DIR ?= build/port-check

.PHONY: port-check
port-check:
	@sh tools/install-deps.sh test cross
	tools/port_check.sh $(PORT_CHECK_DIR)
