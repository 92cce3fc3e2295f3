#!/usr/bin/env bash
# `make bench-ledger`: `ledger verify` against raw libsodium signature verification on a real
# ledger: a 3-validator nano devnet on the default corpus (6 miners, 20 short rounds) writes
# one, then bench/ledger_bench times both on it, side by side, one thread. About a minute.
# Usage: scripts/bench-ledger.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
bin="$build/apps/loconet"
dir=runs/bench-ledger
"$bin" data prepare --out data/corpus --cache data/cache > /dev/null
"$bin" devnet --validators 3 --miners 6 --rounds 20 --model configs/models/nano.toml \
  --data data/corpus --dir "$dir" --local-steps 5 --batch 4 --round-seconds 30 > "$dir.log" 2>&1
echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p'))"
"$build/bench/ledger_bench" "$dir/validator/ledger" --repeat 21
