# The C++ layer (issue 20). Its test runs in `make test` (tests/cpp, CTest); its size
# row is printed by `make targets`. This runs only the size comparison:
#   make cpp-size    the same module app in C++ and in C on Cortex-M4 -> $(BUILD)/targets/cpp

MODESP_CPP_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)

.PHONY: cpp-size

cpp-size:
	@sh $(MODESP_CPP_ROOT)/tools/install-deps.sh test cross
	/usr/bin/python3 $(MODESP_CPP_ROOT)/tests/cpp/size/measure_cpp_layer.py --out $(abspath $(BUILD))/targets/cpp
