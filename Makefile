# The front door. `make test` is what CI runs (.ci/run).
SHELL := /bin/bash
JOBS ?= $(shell nproc)
BUILD ?= build/release
ASAN_BUILD ?= build/asan
FUZZ_BUILD ?= build/fuzz
FUZZ_SECONDS ?= 10
CMAKE_COMMON := -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
# ccache (installed by scripts/install-deps) makes rebuilds of a fresh clone cheap.
CCACHE := $(shell command -v ccache 2>/dev/null)
ifneq ($(CCACHE),)
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
CMAKE_COMMON += -DCMAKE_C_COMPILER_LAUNCHER=$(CCACHE) -DCMAKE_CXX_COMPILER_LAUNCHER=$(CCACHE)
endif

# `make install` (PREFIX, DESTDIR) and `make package` (a .deb from the
# Release build): docs/guide/install.md
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: all build deps test test-release test-asan test-fuzz demo bench campaigns format clean \
  install package

all: build

deps:
	@bash scripts/install-deps

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=Release

build: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

install: build
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

package: deps build
	bash packaging/build-deb $(BUILD) $(BUILD)/package

# Every test: the Release build, the ASan+UBSan build, then the fuzzers over
# their committed corpus for a short while.
test: deps
	$(MAKE) test-release
	$(MAKE) test-asan
	$(MAKE) test-fuzz

test-release: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=Debug \
	  -DTIDEMARK_SANITIZE=ON -DTIDEMARK_BENCH=OFF

test-asan: $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)

$(FUZZ_BUILD)/build.ninja:
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) $(CMAKE_COMMON) \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTIDEMARK_FUZZ=ON -DTIDEMARK_TESTS=OFF -DTIDEMARK_BENCH=OFF

test-fuzz: $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/run-fuzzers

demo: deps build
	bash scripts/demo $(BUILD)/tidemark

bench: deps build
	bash bench/run $(BUILD)

# The fault campaigns at full size (tests/campaigns/README.md); `make test`
# runs a small run of each (tests/campaigns_test.sh).
CAMPAIGN_SIZE ?= 150
CAMPAIGN_SEED ?= 1
campaigns: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target tidemark
	TIDEMARK_BIN=$(BUILD)/tidemark python3 tests/campaigns/run $(CAMPAIGN_SIZE) \
	  bench/campaigns-results.md $(CAMPAIGN_SEED)

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf build
