# Port checks and the ESP-IDF packaging checks (included by the top-level Makefile).
#
#   make port-check   compile both ports, and the core against them, for the
#                     host and arm-none-eabi (Cortex-M4) with strict C11 and
#                     -Werror, against the declarations-only headers in
#                     tests/port_decls/, then build and run tests/port_unit
#                     (tools/port_check.sh); compile the library, the ESP-IDF
#                     port and the ESP-IDF example with ESP-IDF's own flags
#                     for esp32c3 (rv32imc), esp32c6 (rv32imac, gnu17 and
#                     gnu2x) and Xtensa to assembly (tools/port_check_idf.sh);
#                     and run the IRAM check (iram-check below).
#   make iram-check   every function and constant table reachable from the
#                     ISR-safe API is in the IRAM/DRAM sections
#                     (MODESP_IRAM_ATTR / MODESP_DRAM_ATTR), on RV32IMAC,
#                     Cortex-M4 and esp32c3-with-ESP-IDF-headers, at -Os and
#                     -Og; its self-test strips one attribute per profile and
#                     must see the check fail (tools/iram_check.py).
#   make lint-idf     idf_component.yml, the example's manifest and Kconfig's
#                     ESP-IDF style (tools/lint_idf_component.py); part of
#                     `make lint` and so of `make check`.
#   make spdx-check   every source file starts with an SPDX-License-Identifier
#                     (tools/spdx_check.py); part of `make lint`.
#   make idf-check IDF_PATH=...   compile the component against a real
#                     ESP-IDF tree (tools/idf_check.sh; the tree is not in the
#                     repository).
#
# The run on the real FreeRTOS kernel (POSIX simulator) is not a make target:
# it needs the kernel sources, fetched outside the repository. See
# tools/freertos_sim.sh.

PORT_CHECK_DIR ?= $(BUILD)/port-check

.PHONY: port-check iram-check lint-idf spdx-check idf-check
port-check:
	@sh tools/install-deps.sh test cross
	tools/port_check.sh $(PORT_CHECK_DIR)
	tools/port_check_idf.sh $(PORT_CHECK_DIR)-idf
	$(PYTHON) tools/iram_check.py --out $(PORT_CHECK_DIR)-iram --self-test

iram-check:
	@sh tools/install-deps.sh test cross
	$(PYTHON) tools/iram_check.py --out $(BUILD)/iram-check --self-test

# Runs in `make lint` (Makefile) through the prerequisite below.
lint: lint-idf spdx-check
lint-idf:
	$(call check_deps,check)
	$(PYTHON) tools/lint_idf_component.py --self-test

spdx-check:
	$(call check_deps,check)
	$(PYTHON) tools/spdx_check.py

idf-check:
	@test -n "$(IDF_PATH)" || { echo "make idf-check: set IDF_PATH to an ESP-IDF tree" >&2; exit 2; }
	tools/idf_check.sh "$(IDF_PATH)" $(BUILD)/idf-check
