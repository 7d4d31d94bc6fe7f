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

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# Every test: the unit and conformance suites for every registered backend, then the checks in
# scripts/test-extra.sh (sanitizer builds, memcheck, plotting), each of which says what it ran.
test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@if [ -f scripts/test-extra.sh ]; then bash scripts/test-extra.sh $(BUILD); fi

# The quick suite over every registered backend, then the charts and results/report.md.
bench: build
	@$(ALLOCBENCH) run --quick
	@$(MAKE) --no-print-directory charts

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
