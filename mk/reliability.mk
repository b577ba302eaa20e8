# Reliability checks (issue 18). Included by the top-level Makefile.
#   make fuzz [FUZZ_SECONDS=60]      each fuzz harness (libFuzzer, ASan+UBSan) in each of its Kconfig variants
#   make soak [SOAK_SECONDS=600]     4-thread soak with quiescent checkpoints
#   make coverage                    gcov + lcov over the unit tests and the fuzz corpus
# Each builds in its own directory under $(BUILD) (rel-*; BUILD=build by default), never in the test builds.

REL_PYTHON   ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
FUZZ_CC      ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_DIR     := $(BUILD)/rel-fuzz
# variant:sdkconfig ("-" = the Kconfig defaults); huge has a 65535-block class
FUZZ_VARIANTS ?= defaults:- custom:tests/configs/custom.sdkconfig fallback:tests/configs/fallback.sdkconfig \
                 debug:tests/configs/debug.sdkconfig tiny:tests/configs/tiny.sdkconfig huge:tests/configs/huge.sdkconfig
# Harnesses (tests/fuzz/fuzz_NAME.c), the variants each runs in (the diagnostics depend on tracing, not on
# the classes: with and without it), the library layers each links beyond the core, and its seed corpus.
FUZZ_HARNESSES        ?= manager diag $(if $(wildcard tests/fuzz/fuzz_bus.c),bus)
FUZZ_VARIANTS_manager ?= defaults custom fallback debug tiny huge
FUZZ_VARIANTS_diag    ?= defaults debug
FUZZ_VARIANTS_bus     ?= defaults tiny
FUZZ_LAYERS_diag       = diag diag-json
FUZZ_LAYERS_bus        = bus
FUZZ_LIBS_diag         = -lcjson
FUZZ_LIBS_bus          =
FUZZ_SEEDS_manager     = tests/fuzz/corpus
FUZZ_SEEDS_diag        = tests/fuzz/corpus_diag
FUZZ_SEEDS_bus         = tests/fuzz/corpus_bus
# harness:variant:sdkconfig, one per run
FUZZ_RUNS = $(foreach h,$(FUZZ_HARNESSES),$(foreach v,$(FUZZ_VARIANTS_$(h)),$(h):$(filter $(v):%,$(FUZZ_VARIANTS))))
REL_LIB_SOURCES = $(shell tools/sources.sh pool manager errors port-posix)
REL_WARNINGS    = $(shell tools/sources.sh --warnings all)
REL_INCLUDES    = -Iinclude -Isrc/core -Isrc/port -Isrc/port/posix
FUZZ_FLAGS      = -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -pthread \
                  -fsanitize-coverage-ignorelist=tests/fuzz/coverage_ignorelist.txt

.PHONY: fuzz fuzz-build soak coverage

# Shell fragment: split $$run (harness:variant:sdkconfig) into h, v, c (c empty for the defaults), d the
# variant's directory with its sdkconfig.h, srcs/libs/seeds for the harness.
define rel_fuzz_run
h=$${run%%:*}; vc=$${run#*:}; v=$${vc%%:*}; c=$${vc#*:}; [ "$$c" = "-" ] && c=; \
case $$h in manager) srcs=; libs=; seeds=$(FUZZ_SEEDS_manager);; \
  diag) srcs="$(shell tools/sources.sh $(FUZZ_LAYERS_diag))"; libs="$(FUZZ_LIBS_diag)"; seeds=$(FUZZ_SEEDS_diag);; \
  bus) srcs="$(shell tools/sources.sh $(FUZZ_LAYERS_bus))"; libs="$(FUZZ_LIBS_bus)"; seeds=$(FUZZ_SEEDS_bus);; \
  *) echo "fuzz: unknown harness $$h"; exit 1;; esac; \
[ -d "$$seeds" ] || seeds=
endef

fuzz-build:
	@sh tools/install-deps.sh test reliability
	@set -e; for run in $(FUZZ_RUNS); do $(rel_fuzz_run); d=$(FUZZ_DIR)/$$v; mkdir -p $$d; \
	  $(REL_PYTHON) tools/gen_config.py Kconfig $$d/sdkconfig.h $$c; \
	  echo "fuzz: building $$d/fuzz_$$h"; \
	  $(FUZZ_CC) $(FUZZ_FLAGS) $(REL_WARNINGS) $(REL_INCLUDES) -I$$d -o $$d/fuzz_$$h \
	    tests/fuzz/fuzz_$$h.c $(REL_LIB_SOURCES) $$srcs $$libs; \
	done

# Each harness runs FUZZ_SECONDS per variant on a scratch copy of its committed corpus (tests/fuzz/corpus*
# is read, never written); a divergence stops it with the reproducer in $(BUILD)/rel-fuzz/VARIANT/.
fuzz: fuzz-build
	@set -e; for run in $(FUZZ_RUNS); do $(rel_fuzz_run); d=$(FUZZ_DIR)/$$v; \
	  rm -rf $$d/corpus_$$h; mkdir -p $$d/corpus_$$h; \
	  echo "fuzz: fuzz_$$h [$$v] for $(FUZZ_SECONDS) s"; \
	  if ! $$d/fuzz_$$h -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=$$d/$$h- \
	        $$d/corpus_$$h $$seeds > $$d/fuzz_$$h.log 2>&1; then \
	    tail -n 40 $$d/fuzz_$$h.log; echo "fuzz: fuzz_$$h [$$v] FAILED (log $$d/fuzz_$$h.log)"; exit 1; fi; \
	  execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$d/fuzz_$$h.log); \
	  cov=$$(grep -o 'cov: [0-9]*' $$d/fuzz_$$h.log | tail -n 1 | cut -d' ' -f2); \
	  ft=$$(grep -o 'ft: [0-9]*' $$d/fuzz_$$h.log | tail -n 1 | cut -d' ' -f2); \
	  ops=$$(sed -n "s/^fuzz_$$h: \([0-9]*\) operations/\1/p" $$d/fuzz_$$h.log | tail -n 1); \
	  echo "fuzz: fuzz_$$h [$$v]: $$execs executions, $${ops:-?} operations, coverage $$cov edges ($$ft features), no divergence"; \
	done

# ------------------------------------------------------------------ soak
SOAK_SECONDS ?= 600
SOAK_DIR     := $(BUILD)/rel-soak

soak:
	@sh tools/install-deps.sh test
	@mkdir -p $(SOAK_DIR)
	$(REL_PYTHON) tools/gen_config.py Kconfig $(SOAK_DIR)/sdkconfig.h
	gcc -std=c11 -O2 -g -pthread $(REL_WARNINGS) $(REL_INCLUDES) -I$(SOAK_DIR) -o $(SOAK_DIR)/soak \
	  tests/soak/soak.c $(REL_LIB_SOURCES)
	$(SOAK_DIR)/soak $(SOAK_SECONDS)

# -------------------------------------------------------------- coverage
# A separate --coverage build of the whole test tree ($(BUILD)/rel-cov): the ctest suites (stress loops scaled down
# with MODESP_STRESS_ALLOCS), then each harness's corpus replayed without libFuzzer in each of its variants (the committed
# tests/fuzz/corpus*, plus what `make fuzz` grew in $(BUILD)/rel-fuzz/VARIANT/corpus_HARNESS if present). Prints the line and
# branch coverage of src/ per file and in total; the HTML report is $(BUILD)/rel-cov/html/index.html.
COV_DIR    := $(BUILD)/rel-cov
COV_ALLOCS ?= 250000
COV_LCOV    = lcov --quiet --rc lcov_branch_coverage=1
# -fprofile-update=atomic: the concurrency suites bump the counters from several threads at once (without it lcov
# finds negative counts). A replay that does not build is reported and the others still run.
# extra ctest arguments, e.g. COV_CTEST_ARGS="-E 'test_(diagnostics|event_bus)'" to leave out suites
COV_CTEST_ARGS ?=

coverage:
	@sh tools/install-deps.sh test reliability
	cmake -S . -B $(COV_DIR) -DCMAKE_BUILD_TYPE=Debug -DMODESP_SDKCONFIG=$(SDKCONFIG) -DMODESP_SANITIZE= \
	  "-DCMAKE_C_FLAGS=--coverage -fprofile-update=atomic -O0" -DCMAKE_EXE_LINKER_FLAGS=--coverage >/dev/null
	@rm -f $(COV_DIR)/failed
	cmake --build $(COV_DIR) -j2 -- -k || { echo "coverage: some targets did not build"; touch $(COV_DIR)/failed; }
	$(COV_LCOV) --zerocounters --directory $(COV_DIR)
	MODESP_STRESS_ALLOCS=$(COV_ALLOCS) ctest --test-dir $(COV_DIR) --output-on-failure -j2 $(COV_CTEST_ARGS) \
	  || { echo "coverage: some tests failed"; touch $(COV_DIR)/failed; }
	@set -e; rm -rf $(COV_DIR)/replay; for run in $(FUZZ_RUNS); do $(rel_fuzz_run); d=$(COV_DIR)/replay/$$v; mkdir -p $$d; \
	  [ -f $$d/sdkconfig.h ] || $(REL_PYTHON) tools/gen_config.py Kconfig $$d/sdkconfig.h $$c; \
	  if ! gcc -std=c11 -O0 -g --coverage -fprofile-update=atomic -pthread $(REL_WARNINGS) $(REL_INCLUDES) -I$$d -o $$d/replay_$$h \
	    tests/fuzz/fuzz_$$h.c tests/fuzz/replay_main.c $(REL_LIB_SOURCES) $$srcs $$libs; then \
	    echo "coverage: replay $$h [$$v] did not build"; touch $(COV_DIR)/failed; continue; fi; \
	  grown=; [ -d $(FUZZ_DIR)/$$v/corpus_$$h ] && grown=$(FUZZ_DIR)/$$v/corpus_$$h; \
	  printf 'coverage: replay %s [%s] ' $$h $$v; \
	  (cd $$d && ./replay_$$h $${seeds:+$(CURDIR)/$$seeds} $${grown:+$(CURDIR)/$$grown}) 2>/dev/null | tail -n 1; \
	done
	$(COV_LCOV) --capture --directory $(COV_DIR) --output-file $(COV_DIR)/all.info
	$(COV_LCOV) --extract $(COV_DIR)/all.info '$(CURDIR)/src/*' --output-file $(COV_DIR)/src.info
	@lcov --rc lcov_branch_coverage=1 --list $(COV_DIR)/src.info
	@genhtml --quiet --branch-coverage --output-directory $(COV_DIR)/html $(COV_DIR)/src.info >/dev/null 2>&1 || true
	@echo "coverage of src/ (unit tests + fuzz corpus):"; lcov --rc lcov_branch_coverage=1 --summary $(COV_DIR)/src.info 2>&1 | grep -E 'lines|branches'
	@if [ -f $(COV_DIR)/failed ]; then echo "coverage: measured, but a build or a test failed (above)"; exit 1; fi
