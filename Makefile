# The two set-up commands: `make demo` and `make test`. Both install what is missing, then build.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
export CCACHE_SLOPPINESS := pch_defines,time_macros,include_file_mtime,include_file_ctime
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 20

.PHONY: all deps configure build test demo dashboard bench bench-compression bench-incentives bench-network bench-dp bench-ledger bench-scoring bench-utilization bench-precision fuzz fuzz-seeds clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD_DIR)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

configure: deps $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

demo: build
	@bash scripts/demo.sh $(BUILD_DIR)/apps/loconet

# Serves the web dashboard of the last `make demo` run until Ctrl-C.
DASHBOARD_LISTEN ?= 127.0.0.1:8080
dashboard: build
	$(BUILD_DIR)/apps/loconet dashboard --db runs/devnet/validator/ledger --listen $(DASHBOARD_LISTEN) --cache data/cache

bench: build
	@bash scripts/bench.sh $(BUILD_DIR)

bench-compression: build
	@bash scripts/bench.sh $(BUILD_DIR) compression

# Rewards by group of miners in devnets: equal honest miners, and honest miners beside attacks.
bench-incentives: build
	@bash scripts/bench-incentives.sh $(BUILD_DIR)

# The network beside one machine at equal tokens: single node, synchronous data parallel, the
# DiLoCo simulation and a devnet, on the same held-out batches.
bench-network: build
	@bash scripts/bench-network.sh $(BUILD_DIR)

# Data parallel across processes (train --dp 2) beside one process at the same global batch.
bench-dp: build
	@bash scripts/bench-dp.sh $(BUILD_DIR)

# `ledger verify` beside raw libsodium signature verification on a 3-validator devnet's ledger.
bench-ledger: build
	@bash scripts/bench-ledger.sh $(BUILD_DIR)

# The validator's scoring throughput: 16, 64 and 256 micro submissions, one worker and one per core.
bench-scoring: build
	@bash scripts/bench-scoring.sh $(BUILD_DIR)

# Miners' compute utilization with and without overlap over a simulated 100 Mbit/s, 50 ms link.
bench-utilization: build
	@bash scripts/bench-utilization.sh $(BUILD_DIR)

# fp32 against bf16 (autocast, AVX512-BF16): held-out loss after 1,000 micro steps and tokens/s.
bench-precision: build
	@bash scripts/bench-precision.sh $(BUILD_DIR)

# libFuzzer targets with ASan + UBSan (clang, torch-free; fuzz/CMakeLists.txt), each run for
# FUZZ_SECONDS from the seed corpus in tests/fuzz_corpus/; fails on any crash.
fuzz:
	@bash scripts/install-deps.sh --fuzz
	@test -f $(FUZZ_DIR)/build.ninja || CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) -G Ninja \
	  -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DLOCONET_FUZZ=ON
	cmake --build $(FUZZ_DIR) -j $(JOBS)
	@bash scripts/fuzz.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

# Regenerates the committed seed corpus (tests/fuzz_corpus/) from fuzz/seeds.cpp.
fuzz-seeds:
	@bash scripts/install-deps.sh --fuzz
	@test -f $(FUZZ_DIR)/build.ninja || CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) -G Ninja \
	  -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DLOCONET_FUZZ=ON
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target fuzz_seeds
	$(FUZZ_DIR)/fuzz/fuzz_seeds tests/fuzz_corpus

clean:
	rm -rf $(BUILD_DIR)
