# Cross builds with a code-size table, and the firmware self-test under QEMU.
# Included by the top-level Makefile (include mk/*.mk); usable alone too:
#   make -f mk/targets.mk targets      size table for every target and size profile -> build/targets/size.json
#   make -f mk/targets.mk qemu-test    self-test firmware on Cortex-M4, RV32 (and Cortex-M0+)

MODESP_TARGETS_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)

.PHONY: targets qemu-test

# Each first installs the Debian packages it lacks: the cross compilers and QEMU,
# and kconfiglib (for tools/gen_config.py), a Debian package of the system Python.
MODESP_INSTALL_DEPS := sh $(MODESP_TARGETS_ROOT)/tools/install-deps.sh test cross

# The output follows the top-level BUILD (make BUILD=build/x targets -> build/x/targets); alone: build/targets.
# It fails when libgcc's 64-bit division is linked into targets/size/min_app.c (tools/targets.py).
MODESP_TARGETS_OUT ?= $(if $(BUILD),$(abspath $(BUILD)),$(MODESP_TARGETS_ROOT)/build)/targets

targets:
	@$(MODESP_INSTALL_DEPS)
	/usr/bin/python3 $(MODESP_TARGETS_ROOT)/tools/targets.py --out $(MODESP_TARGETS_OUT)
	/usr/bin/python3 $(MODESP_TARGETS_ROOT)/tools/targets_diag.py --out $(MODESP_TARGETS_OUT)/diag

# Into $(BUILD)/qemu, so that builds with BUILD=build/NAME do not share one output directory.
QEMU_TEST_OUT ?= $(if $(BUILD),$(abspath $(BUILD)),$(MODESP_TARGETS_ROOT)/build)/qemu
qemu-test:
	@$(MODESP_INSTALL_DEPS)
	$(MODESP_TARGETS_ROOT)/tools/qemu-test.sh $(QEMU_TEST_OUT)
