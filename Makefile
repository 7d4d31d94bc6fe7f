# Two commands do all the set-up on a fresh Debian 12 machine: `make bench` and `make test`.
BUILD      ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc)
REPORT     ?= results/latest.json
PYTHON     := /usr/bin/python3
ALLOCBENCH := $(BUILD)/allocbench

.PHONY: all deps configure build test bench charts clang format clean

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# Every test: the unit and conformance suites for all six backends, then the checks in
# scripts/test-extra.sh (sanitizer builds, memcheck, plotting), each of which says what it ran.
test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@if [ -f scripts/test-extra.sh ]; then bash scripts/test-extra.sh $(BUILD); fi

# The quick suite over all six backends, then the charts and results/report.md.
bench: build
	@$(ALLOCBENCH) run --quick
	@$(MAKE) --no-print-directory charts

charts:
	@$(PYTHON) scripts/plot.py $(REPORT) --out results/charts --markdown results/report.md

# Builds everything with clang 14 in its own tree, to keep both compilers happy.
clang: deps
	@cmake -S . -B build-clang -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DALLOCBENCH_CLANG=ON >/dev/null
	@cmake --build build-clang -j $(JOBS)

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	@rm -rf $(BUILD) build-clang build-asan build-tsan
