# Thin shortcuts over CMake. Every target works from a clean clone: before it
# configures, it installs the Debian packages it lacks (tools/install-deps.sh,
# from the one list in tools/debian-packages.txt; `make deps` installs them all).

BUILD    ?= build
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE    ?= cmake
CTEST    ?= ctest
SDKCONFIG ?= $(CURDIR)/sdkconfig
PYTHON   ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)

HOST  := $(BUILD)/host
ASAN  := $(BUILD)/asan
TSAN  := $(BUILD)/tsan

# $(call check_deps,GROUP...): install the Debian packages of those groups of
# tools/debian-packages.txt that are missing (silent when none is); as root or
# through sudo -n, else it prints the apt-get command and stops.
# MODESP_NO_DEPS=1 skips it.
define check_deps
	@sh "$(CURDIR)/tools/install-deps.sh" $(1)
endef

.PHONY: contracts all build test test-host test-asan test-tsan check lint format format-check cppcheck clang-tidy \
        sanitizer-builds demo menuconfig deps clean

all: build

# Every package of the list (what .ci/run installs).
deps:
	$(call check_deps,all)

$(HOST)/Makefile:
	$(call check_deps,test)
	$(CMAKE) -S . -B $(HOST) -DCMAKE_BUILD_TYPE=Debug -DMODESP_SDKCONFIG=$(SDKCONFIG)

build: $(HOST)/Makefile
	$(CMAKE) --build $(HOST) -j$(JOBS)

# The whole suite: plain build, then AddressSanitizer+UBSan, then ThreadSanitizer
# on the concurrency tests (every configuration variant in each).
test: test-host test-asan test-tsan
	@echo "make test: host, ASan+UBSan and TSan suites passed"

test-host: build
	$(CTEST) --test-dir $(HOST) --output-on-failure -j$(JOBS)

define sanitizer_build
	$(call check_deps,test)
	$(CMAKE) -S . -B $(1) -DCMAKE_BUILD_TYPE=Debug -DMODESP_SDKCONFIG=$(SDKCONFIG) -DMODESP_SANITIZE=$(2) >/dev/null
	$(CMAKE) --build $(1) -j$(JOBS)
endef

test-asan:
	$(call sanitizer_build,$(ASAN),address$(comma)undefined)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(CTEST) --test-dir $(ASAN) --output-on-failure -j$(JOBS)

# TSan costs ~20x: the two free-list implementations (lock-free "main" and
# critical-section "fallback") at TSAN_ALLOCS allocations per thread; the
# plain and ASan runs do the full 10^6 in every variant. Plus one short demo
# run with all its threads and the HTTP server (demo.concurrency).
TSAN_ALLOCS ?= 250000
test-tsan:
	$(call sanitizer_build,$(TSAN),thread)
	TSAN_OPTIONS=halt_on_error=1 MODESP_STRESS_ALLOCS=$(TSAN_ALLOCS) \
	  $(CTEST) --test-dir $(TSAN) --output-on-failure -L concurrency -R '^(main|fallback|demo)\.' -j$(JOBS)

comma := ,

sanitizer-builds:
	$(call sanitizer_build,$(ASAN),address$(comma)undefined)
	$(call sanitizer_build,$(TSAN),thread)

# Static checks plus the sanitizer builds (make test runs their suites).
check: lint sanitizer-builds
	@echo "make check: format, cppcheck, clang-tidy and sanitizer builds clean"

LINT_SOURCES = $(shell git ls-files '*.c' '*.h' 2>/dev/null | grep -v '^tests/port_decls/')
# The library's host build without its cJSON parts (src/sources.txt), for clang-tidy.
CORE_SOURCES = $(shell tools/sources.sh pool manager errors diag bus port-posix)

lint: contracts format-check cppcheck clang-tidy

# Every public function documents Returns/Errors/Complexity/ISR-safe (tools/check_contracts.py).
contracts:
	$(PYTHON) tools/check_contracts.py

format:
	$(call check_deps,check)
	clang-format -i $(LINT_SOURCES)

format-check:
	$(call check_deps,check)
	clang-format --dry-run --Werror $(LINT_SOURCES)

# The examples are linted too: examples/*.c as the host build compiles them, and the ESP-IDF app
# (examples/esp_idf_app/main) as tools/port_check.sh does, against the declaration headers of
# tests/port_decls with the app's own sdkconfig.defaults. cppcheck gets __GNUC__ for them: they are
# built by GCC only, and MODESP_POOLED (a GNU C cleanup) does not exist without it.
EXAMPLE_SOURCES  = $(wildcard examples/*.c)
IDF_APP_SOURCES  = $(wildcard examples/esp_idf_app/main/*.c)
IDF_APP_LINT_CFG = $(BUILD)/lint-idf-app
IDF_APP_FLAGS    = -DESP_PLATFORM=1 -I tests/port_decls -I include -I $(IDF_APP_LINT_CFG) -I src/core -I src/port \
                   -I src/port/esp_idf -I examples/esp_idf_app/main -I demo
idf_app_lint_config = mkdir -p $(IDF_APP_LINT_CFG) && $(PYTHON) tools/gen_config.py Kconfig \
                      $(IDF_APP_LINT_CFG)/sdkconfig.h examples/esp_idf_app/sdkconfig.defaults >/dev/null
CPPCHECK_FLAGS   = --error-exitcode=1 --enable=warning,style,performance,portability --inline-suppr --quiet \
                   --std=c11 --suppress=missingIncludeSystem --suppress=unusedFunction

cppcheck: build
	$(call check_deps,check)
	cppcheck $(CPPCHECK_FLAGS) -I include -I src/core -I src/port -I src/port/posix -I $(HOST)/config src
	cppcheck $(CPPCHECK_FLAGS) -D__GNUC__ -I include -I src/core -I src/port -I src/port/posix -I $(HOST)/config \
	  $(EXAMPLE_SOURCES)
	$(idf_app_lint_config)
	cppcheck $(CPPCHECK_FLAGS) -D__GNUC__ $(IDF_APP_FLAGS) $(IDF_APP_SOURCES)

clang-tidy: build
	$(call check_deps,check)
	@# One file per clang-tidy process, $(JOBS) at a time (xargs fails if any of them fails): serially the
	@# library and the examples took most of make check's time.
	printf '%s\n' $(CORE_SOURCES) $(EXAMPLE_SOURCES) | xargs -P $(JOBS) -n 1 \
	  clang-tidy -p $(HOST) --quiet --extra-arg=-Wno-unknown-warning-option 2>/dev/null
	$(idf_app_lint_config)
	clang-tidy --quiet --extra-arg=-Wno-unknown-warning-option $(IDF_APP_SOURCES) -- -std=c11 \
	  $(shell tools/sources.sh --warnings all core) $(IDF_APP_FLAGS) 2>/dev/null

# The main job (issue 19): a simulated controller node, scenario normal, with a
# status line, a report and $(BUILD)/demo/{demo.json,demo.csv,demo.png}. Builds
# only the demo and its library variant. Other runs: make demo DEMO_ARGS="--scenario burst"
# (--help lists them). The per-section examples are tests (make test).
DEMO_ARGS ?=
demo: $(HOST)/Makefile
	$(CMAKE) --build $(HOST) --target modesp_demo -j$(JOBS)
	$(HOST)/tests/demo/program/modesp_demo --out $(BUILD)/demo $(DEMO_ARGS)

# Same menu as `idf.py menuconfig`, from the same Kconfig; writes ./sdkconfig.
menuconfig:
	$(call check_deps,test)
	KCONFIG_CONFIG=$(SDKCONFIG) $(PYTHON) -m menuconfig Kconfig

clean:
	rm -rf $(BUILD)

-include mk/*.mk
