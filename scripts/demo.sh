#!/usr/bin/env bash
# `make demo`: prepares the default corpus, then trains the micro model and prints the falling
# held-out loss. Usage: scripts/demo.sh path/to/loconet
set -euo pipefail
bin=${1:-build/apps/loconet}
"$bin" data prepare --out data/corpus --cache data/cache
"$bin" train --config configs/train-micro.toml --metrics runs/micro/metrics.jsonl
