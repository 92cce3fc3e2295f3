#!/usr/bin/env bash
# `make bench-scoring`: the validator's scoring throughput (bench/scoring_bench) with the shipped
# validator config on the default corpus: rounds of 16, 64 and 256 micro submissions, one worker
# beside one per core. About 25 minutes on 2 cores (COUNTS=16,64 for a shorter run).
# Usage: scripts/bench-scoring.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
"$build/apps/loconet" data prepare --out data/corpus --cache data/cache > /dev/null
echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p'))"
"$build/bench/scoring_bench" --config configs/validator.toml --data data/corpus \
  --counts "${COUNTS:-16,64,256}"
