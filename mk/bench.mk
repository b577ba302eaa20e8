# Benchmarks (issue 9). Included by the top-level Makefile.
#   make bench        timed workloads A-E (bench), F (bench_bus: event bus vs heap copies), build/bench/results.json
#   make bench-instr  A, B, F and the DIAG rows (mk/bench_diag.mk) under callgrind: instructions per operation
#   make bench-frag   fragmentation: host class-failure table, then runs 1 and 2 on the Cortex-M4 QEMU image
#   make bench-target instructions per alloc+free on Cortex-M4 and RV32IMAC under QEMU -icount shift=0,
#                     $(BENCH_DIR)/results_target.json (tools/bench_target.py; no host bench build needed)
# A separate Release (-O2, no sanitizers; -g only names functions in callgrind) build in build/bench, with the class
# counts of bench/sdkconfig.bench; it never touches the test build.

BENCH_DIR     ?= $(BUILD)/bench
BENCH_BIN     := $(BENCH_DIR)/bin
BENCH_PYTHON  ?= python3
BENCH_ARGS    ?=
BENCH_BUS_ARGS ?=
BENCH_CMAKE_FLAGS := -DCMAKE_BUILD_TYPE=Release "-DCMAKE_C_FLAGS_RELEASE=-O2 -g -DNDEBUG" \
                     -DMODESP_BUILD_TESTS=OFF -DMODESP_BUILD_BENCH=ON -DMODESP_SANITIZE= \
                     -DMODESP_SDKCONFIG=$(CURDIR)/bench/sdkconfig.bench

.PHONY: bench bench-instr bench-build bench-frag bench-frag-host bench-frag-advice bench-target

# Configures every time: first the packages it lacks (tools/install-deps.sh).
bench-build:
	@sh tools/install-deps.sh test bench
	cmake -S . -B $(BENCH_DIR) $(BENCH_CMAKE_FLAGS) >/dev/null
	cmake --build $(BENCH_DIR) -j2

bench: bench-build
	$(BENCH_BIN)/bench --json $(BENCH_DIR)/results_time.json $(BENCH_ARGS)
	$(BENCH_BIN)/bench_bus --json $(BENCH_DIR)/results_bus.json $(BENCH_BUS_ARGS)
	$(BENCH_PYTHON) bench/merge_results.py $(BENCH_DIR)/results.json $(BENCH_DIR)/results_time.json \
		$(BENCH_DIR)/results_instr.json $(BENCH_DIR)/results_bus.json $(BENCH_DIR)/results_instr_bus.json \
		$(BENCH_DIR)/results_instr_diag.json

# Callgrind counts instructions exactly, so 10^5 iterations per loop are plenty. --collect-bus=yes adds
# the Ge event: locked (bus-locking) instructions executed, i.e. x86 atomic read-modify-writes.
# Uncompressed names keep each dump readable alone by callgrind_annotate.
bench-instr: bench-build bench-instr-diag
	rm -rf $(BENCH_DIR)/callgrind && mkdir -p $(BENCH_DIR)/callgrind
	valgrind --tool=callgrind --collect-atstart=no --collect-bus=yes --compress-strings=no --compress-pos=no --callgrind-out-file=$(BENCH_DIR)/callgrind/cg.out \
		$(BENCH_BIN)/bench --instr 2>$(BENCH_DIR)/callgrind/valgrind.log
	$(BENCH_PYTHON) bench/instr_report.py $(BENCH_DIR)/callgrind $(BENCH_DIR)/results_instr.json
	rm -rf $(BENCH_DIR)/callgrind-bus && mkdir -p $(BENCH_DIR)/callgrind-bus
	valgrind --tool=callgrind --collect-atstart=no --collect-bus=yes --compress-strings=no --compress-pos=no --callgrind-out-file=$(BENCH_DIR)/callgrind-bus/cg.out \
		$(BENCH_BIN)/bench_bus --instr 2>$(BENCH_DIR)/callgrind-bus/valgrind.log
	$(BENCH_PYTHON) bench/instr_report.py $(BENCH_DIR)/callgrind-bus $(BENCH_DIR)/results_instr_bus.json
	$(BENCH_PYTHON) bench/merge_results.py $(BENCH_DIR)/results.json $(BENCH_DIR)/results_time.json \
		$(BENCH_DIR)/results_instr.json $(BENCH_DIR)/results_bus.json $(BENCH_DIR)/results_instr_bus.json \
		$(BENCH_DIR)/results_instr_diag.json

bench-frag-host: bench-build
	$(BENCH_BIN)/frag_host > $(BENCH_DIR)/frag_host.txt; rc=$$?; cat $(BENCH_DIR)/frag_host.txt; exit $$rc

# Sizing advice (issue 14): frag_advice runs the stream on the default classes and writes the advice as an
# sdkconfig; a second build (BENCH_DIR/frag_advised) applies it and the same stream runs again.
FRAG_ADVICE := $(abspath $(BENCH_DIR))/frag_advice
bench-frag-advice: bench-build
	mkdir -p $(FRAG_ADVICE)
	$(BENCH_BIN)/frag_advice --label before --advice $(FRAG_ADVICE)/advice.sdkconfig --json $(FRAG_ADVICE)/before.json
	cmake -S . -B $(BENCH_DIR)/frag_advised $(BENCH_CMAKE_FLAGS) -DMODESP_FRAG_ADVICE_SDKCONFIG=$(FRAG_ADVICE)/advice.sdkconfig >/dev/null
	cmake --build $(BENCH_DIR)/frag_advised -j2 --target frag_advice
	$(BENCH_DIR)/frag_advised/bin/frag_advice --label after --json $(FRAG_ADVICE)/after.json

# Cortex-M4 QEMU runs 1 and 2 (bench/frag/run_frag.sh): series printed, PNG plots in build/bench/frag.
bench-frag: bench-frag-host bench-frag-advice
	@sh tools/install-deps.sh cross
	mkdir -p $(BENCH_DIR)/frag
	sh bench/frag/run_frag.sh $(BENCH_DIR)/frag > $(BENCH_DIR)/frag/report.txt 2>&1; rc=$$?; \
		cat $(BENCH_DIR)/frag/report.txt; exit $$rc

# On-target instruction counts (issue 17): targets/qemu/bench_target.c on Cortex-M4 (newlib, newlib-nano) and
# RV32IMAC (picolibc) at -O2 and -Os, pool / manager / the image's malloc, the empty loop subtracted (~30 s).
bench-target:
	@sh tools/install-deps.sh test cross
	/usr/bin/python3 tools/bench_target.py --out $(BENCH_DIR)/target --json $(BENCH_DIR)/results_target.json
