# SPDX-License-Identifier: Apache-2.0
# Diagnostics rows of `make bench-instr` (issue 14): workload A (manager alloc+free pair) under callgrind with
# the diagnostics layer off, with statistics, with tracing and with per-owner quotas (bench/bench_diag.c, three
# builds of the library: bench/bench_diag.cmake). Included by the top-level Makefile (mk/*.mk) after
# mk/bench.mk (BENCH_DIR, BENCH_BIN, bench-build); bench-instr depends on it.
#   make bench-instr-diag   the rows alone: $(BENCH_DIR)/results_instr_diag.json

BENCH_DIAG_ROWS := off:off stats:off points:tracing tracing:tracing quota-none:quota quota:quota

.PHONY: bench-instr-diag

bench-instr-diag: bench-build
	rm -rf $(BENCH_DIR)/callgrind-diag
	@set -e; for spec in $(BENCH_DIAG_ROWS); do \
		row=$${spec%%:*}; build=$${spec##*:}; dir=$(BENCH_DIR)/callgrind-diag/$$row; mkdir -p $$dir; \
		valgrind --tool=callgrind --collect-atstart=no --collect-bus=yes --compress-strings=no --compress-pos=no \
			--callgrind-out-file=$$dir/cg.out $(BENCH_BIN)/bench_diag_$$build $$row 2>$$dir/valgrind.log; \
	done
	$(BENCH_PYTHON) bench/bench_diag_report.py $(BENCH_DIR)/results_instr_diag.json \
		$(foreach spec,$(BENCH_DIAG_ROWS),$(BENCH_DIR)/callgrind-diag/$(firstword $(subst :, ,$(spec))))
