# Cross builds with a code-size table, and the firmware self-test under QEMU.
# Included by the top-level Makefile (include mk/*.mk); usable alone too:
#   make -f mk/targets.mk targets      size table for every target -> build/targets/size.json
#   make -f mk/targets.mk qemu-test    self-test firmware on Cortex-M4, RV32 (and Cortex-M0+)

MODESP_TARGETS_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)

.PHONY: targets qemu-test

# kconfiglib (for tools/gen_config.py) is a Debian package of the system Python.
targets:
	/usr/bin/python3 $(MODESP_TARGETS_ROOT)/tools/targets.py --out $(MODESP_TARGETS_ROOT)/build/targets

qemu-test:
	$(MODESP_TARGETS_ROOT)/tools/qemu-test.sh $(MODESP_TARGETS_ROOT)/build/qemu
