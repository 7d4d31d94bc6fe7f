# Two commands do all the set-up on a fresh Debian 12 machine: `make bench` and `make test`.
# Configurations are CMakePresets.json's: release (here), asan, tsan, clang.
BUILD      ?= build
JOBS       ?= $(shell nproc)
REPORT     ?= results/latest.json
PYTHON     := /usr/bin/python3
ALLOCBENCH := $(BUILD)/allocbench

.PHONY: all deps configure build test bench charts clang format clean

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@cmake --preset release -B $(BUILD) >/dev/null

# Quiet: the compiler's output (warnings are errors anyway) is kept in $(BUILD)/build.log and
# shown only when the build fails; `make V=1 ...` shows it as it comes.
build: configure
ifeq ($(V),1)
	@cmake --build $(BUILD) -j $(JOBS)
else
	@echo "build: $(BUILD) (output in $(BUILD)/build.log; make V=1 shows it)"
	@cmake --build $(BUILD) -j $(JOBS) > $(BUILD)/build.log 2>&1 || \
	  { tail -n 80 $(BUILD)/build.log; echo "build FAILED: the whole log is $(BUILD)/build.log"; exit 1; }
endif

# Every test: the unit and conformance suites for every registered backend, then the checks in
# scripts/test-extra.sh (sanitizer builds, memcheck, plotting), each of which says what it ran.
test: build
	@cd $(BUILD) && ctest --output-on-failure $(if $(filter 1,$(V)),,--progress) -j $(JOBS)
	@if [ -f scripts/test-extra.sh ]; then bash scripts/test-extra.sh $(BUILD); fi

# The quick suite over every registered backend, then the charts and results/report.md. Progress
# shows on stderr as it runs (one live line on a terminal); the last thing printed is the summary
# and where the report, charts and report.md are. A run with a failed backend still charts what
# it measured, and make then fails with the driver's status.
bench: build
	@$(ALLOCBENCH) run --quick $(BENCH_ARGS) > $(BUILD)/summary.txt; rc=$$?; \
	  if [ ! -s $(BUILD)/summary.txt ]; then exit $$rc; fi; \
	  $(PYTHON) scripts/plot.py $(REPORT) --out results/charts --markdown results/report.md \
	    2> $(BUILD)/plot.log || { cat $(BUILD)/plot.log; exit 1; }; \
	  echo; cat $(BUILD)/summary.txt; \
	  echo "report: $(REPORT) (and a time-stamped copy in results/); charts: results/charts/; readable report: results/report.md"; \
	  exit $$rc

charts:
	@$(PYTHON) scripts/plot.py $(REPORT) --out results/charts --markdown results/report.md

# Builds everything with clang 14 in its own tree (preset clang), to keep both compilers happy.
clang: deps
	@cmake --preset clang >/dev/null
	@cmake --build build-clang -j $(JOBS)

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	@rm -rf $(BUILD) build-clang build-asan build-tsan
