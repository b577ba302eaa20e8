# Reliability checks (issue 18). Included by the top-level Makefile.
#   make fuzz [FUZZ_SECONDS=60]      differential fuzzer (libFuzzer, ASan+UBSan) per Kconfig variant
#   make soak [SOAK_SECONDS=600]     4-thread soak with quiescent checkpoints
#   make coverage                    gcov + lcov over the unit tests and the fuzz corpus
# Each builds in its own directory under build/ (rel-*), never in the test builds.

REL_PYTHON   ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
FUZZ_CC      ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_DIR     := build/rel-fuzz
# variant:sdkconfig ("-" = the Kconfig defaults)
FUZZ_VARIANTS ?= defaults:- custom:tests/configs/custom.sdkconfig fallback:tests/configs/fallback.sdkconfig \
                 debug:tests/configs/debug.sdkconfig tiny:tests/configs/tiny.sdkconfig
REL_LIB_SOURCES = $(shell tools/sources.sh pool manager errors port-posix)
REL_WARNINGS    = $(shell tools/sources.sh --warnings all)
REL_INCLUDES    = -Iinclude -Isrc/core -Isrc/port -Isrc/port/posix
FUZZ_FLAGS      = -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -pthread

.PHONY: fuzz fuzz-build soak coverage

# $(call rel_config,DIR,SDKCONFIG-or--): DIR/sdkconfig.h from Kconfig
define rel_config
	@mkdir -p $(1)
	$(REL_PYTHON) tools/gen_config.py Kconfig $(1)/sdkconfig.h $(if $(filter -,$(2)),,$(2))
endef

fuzz-build:
	@sh tools/install-deps.sh test reliability
	@set -e; for vc in $(FUZZ_VARIANTS); do \
	  v=$${vc%%:*}; c=$${vc#*:}; d=$(FUZZ_DIR)/$$v; mkdir -p $$d; \
	  if [ "$$c" = "-" ]; then c=; fi; \
	  $(REL_PYTHON) tools/gen_config.py Kconfig $$d/sdkconfig.h $$c; \
	  echo "fuzz: building $$d/fuzz_manager"; \
	  $(FUZZ_CC) $(FUZZ_FLAGS) $(REL_WARNINGS) $(REL_INCLUDES) -I$$d -o $$d/fuzz_manager \
	    tests/fuzz/fuzz_manager.c $(REL_LIB_SOURCES); \
	done

# Each harness runs FUZZ_SECONDS on a scratch copy of the committed corpus (tests/fuzz/corpus
# is read, never written); a divergence stops it with the reproducer in build/rel-fuzz/VARIANT/.
fuzz: fuzz-build
	@set -e; for vc in $(FUZZ_VARIANTS); do \
	  v=$${vc%%:*}; d=$(FUZZ_DIR)/$$v; rm -rf $$d/corpus; mkdir -p $$d/corpus; \
	  echo "fuzz: fuzz_manager [$$v] for $(FUZZ_SECONDS) s"; \
	  if ! $$d/fuzz_manager -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=$$d/ \
	        $$d/corpus tests/fuzz/corpus > $$d/fuzz.log 2>&1; then \
	    tail -n 40 $$d/fuzz.log; echo "fuzz: fuzz_manager [$$v] FAILED (log $$d/fuzz.log)"; exit 1; fi; \
	  execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$d/fuzz.log); \
	  cov=$$(grep -o 'cov: [0-9]*' $$d/fuzz.log | tail -n 1 | cut -d' ' -f2); \
	  ft=$$(grep -o 'ft: [0-9]*' $$d/fuzz.log | tail -n 1 | cut -d' ' -f2); \
	  ops=$$(sed -n 's/^fuzz_manager: \([0-9]*\) operations/\1/p' $$d/fuzz.log | tail -n 1); \
	  echo "fuzz: fuzz_manager [$$v]: $$execs executions, $$ops operations, coverage $$cov edges ($$ft features), no divergence"; \
	done

# ------------------------------------------------------------------ soak
SOAK_SECONDS ?= 600
SOAK_DIR     := build/rel-soak

soak:
	@sh tools/install-deps.sh test
	@mkdir -p $(SOAK_DIR)
	$(REL_PYTHON) tools/gen_config.py Kconfig $(SOAK_DIR)/sdkconfig.h
	gcc -std=c11 -O2 -g -pthread $(REL_WARNINGS) $(REL_INCLUDES) -I$(SOAK_DIR) -o $(SOAK_DIR)/soak \
	  tests/soak/soak.c $(REL_LIB_SOURCES)
	$(SOAK_DIR)/soak $(SOAK_SECONDS)

# -------------------------------------------------------------- coverage
# A separate --coverage build of the whole test tree (build/rel-cov): the ctest suites (stress loops scaled down
# with MODESP_STRESS_ALLOCS), then the fuzz corpus replayed without libFuzzer in every fuzz variant (the committed
# tests/fuzz/corpus, plus what `make fuzz` grew in build/rel-fuzz/VARIANT/corpus if present). Prints the line and
# branch coverage of src/ per file and in total; the HTML report is build/rel-cov/html/index.html.
COV_DIR    := build/rel-cov
COV_ALLOCS ?= 250000
COV_LCOV    = lcov --quiet --rc lcov_branch_coverage=1
# extra ctest arguments, e.g. COV_CTEST_ARGS="-E 'test_(diagnostics|event_bus)'" to leave out suites
COV_CTEST_ARGS ?=

coverage:
	@sh tools/install-deps.sh test reliability
	cmake -S . -B $(COV_DIR) -DCMAKE_BUILD_TYPE=Debug -DMODESP_SDKCONFIG=$(SDKCONFIG) -DMODESP_SANITIZE= \
	  "-DCMAKE_C_FLAGS=--coverage -O0" -DCMAKE_EXE_LINKER_FLAGS=--coverage >/dev/null
	@rm -f $(COV_DIR)/failed
	cmake --build $(COV_DIR) -j2 -- -k || { echo "coverage: some targets did not build"; touch $(COV_DIR)/failed; }
	$(COV_LCOV) --zerocounters --directory $(COV_DIR)
	MODESP_STRESS_ALLOCS=$(COV_ALLOCS) ctest --test-dir $(COV_DIR) --output-on-failure -j2 $(COV_CTEST_ARGS) \
	  || { echo "coverage: some tests failed"; touch $(COV_DIR)/failed; }
	@set -e; for vc in $(FUZZ_VARIANTS); do \
	  v=$${vc%%:*}; c=$${vc#*:}; d=$(COV_DIR)/replay/$$v; mkdir -p $$d; rm -f $$d/*.gcda; \
	  if [ "$$c" = "-" ]; then c=; fi; \
	  $(REL_PYTHON) tools/gen_config.py Kconfig $$d/sdkconfig.h $$c; \
	  gcc -std=c11 -O0 -g --coverage -pthread $(REL_WARNINGS) $(REL_INCLUDES) -I$$d -o $$d/replay \
	    tests/fuzz/fuzz_manager.c tests/fuzz/replay_main.c $(REL_LIB_SOURCES); \
	  grown=; [ -d $(FUZZ_DIR)/$$v/corpus ] && grown=$(FUZZ_DIR)/$$v/corpus; \
	  printf 'coverage: replay [%s] ' $$v; (cd $$d && ./replay $(CURDIR)/tests/fuzz/corpus $${grown:+$(CURDIR)/$$grown}) 2>/dev/null | tail -n 1; \
	done
	$(COV_LCOV) --capture --directory $(COV_DIR) --output-file $(COV_DIR)/all.info
	$(COV_LCOV) --extract $(COV_DIR)/all.info '$(CURDIR)/src/*' --output-file $(COV_DIR)/src.info
	@lcov --rc lcov_branch_coverage=1 --list $(COV_DIR)/src.info
	@genhtml --quiet --branch-coverage --output-directory $(COV_DIR)/html $(COV_DIR)/src.info >/dev/null 2>&1 || true
	@echo "coverage of src/ (unit tests + fuzz corpus):"; lcov --rc lcov_branch_coverage=1 --summary $(COV_DIR)/src.info 2>&1 | grep -E 'lines|branches'
	@if [ -f $(COV_DIR)/failed ]; then echo "coverage: measured, but a build or a test failed (above)"; exit 1; fi
