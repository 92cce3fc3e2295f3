#!/usr/bin/env bash
# `make bench-utilization`: the miners' compute utilization (inner-step seconds / wall seconds)
# with and without overlap (miners training ahead while their update travels), with `make
# demo`'s settings (micro, a validator and 3 miners, 10 rounds of 30 steps of batch 8) and with
# 4 rounds of 100 steps (training longer than the validator's scoring), every
# miner behind a simulated link of 100 Mbit/s with 50 ms latency each way (`devnet
# --link-delay-ms 50 --link-mbit 100`, sync/simulated_link.h: this machine's kernel has no
# netem). Prints one table, also written to BUILD_DIR/bench-utilization.md. About 16 minutes on
# 2 cores.
# Usage: scripts/bench-utilization.sh BUILD_DIR [ROUNDS] [ROUNDS_AT_H100]
set -euo pipefail
build=${1:-build}
rounds=${2:-10}
long_rounds=${3:-4}
bin="$(realpath "$build/apps/loconet")"
out="$build/bench-utilization.md"
dir=runs/bench-utilization
"$bin" data prepare --out data/corpus --cache data/cache > /dev/null
rm -rf "$dir"
mkdir -p "$dir"
rows=()
# make demo's H, then a longer round in which training outlasts the validator's scoring.
for run in "30 overlap $rounds" "30 no-overlap $rounds" "100 overlap $long_rounds" \
  "100 no-overlap $long_rounds"; do
  read -r h mode n <<< "$run"
  name="h$h-$mode"
  echo "bench-utilization: devnet --local-steps $h --$mode, $n rounds" >&2
  t0=$(date +%s.%N)
  "$bin" devnet --link-delay-ms 50 --link-mbit 100 --miners 3 --rounds "$n" --local-steps "$h" \
    --batch 8 --model configs/models/micro.toml --data data/corpus --dir "$dir/$name" "--$mode" \
    > "$dir/$name.log" 2>&1
  t1=$(date +%s.%N)
  util=$(sed -n 's/^compute utilization[^:]*: //p' "$dir/$name.log")
  mean=$(echo "$util" | grep -o '[0-9.]*%' | tr -d % | awk '{s += $1} END {printf "%.1f", s / NR}')
  loss=$(grep -o '"heldout_loss":[0-9.e+-]*' "$dir/$name/validator/status.jsonl" | tail -1 | cut -d: -f2)
  carried=$(cat "$dir/$name"/miner-*/rounds.jsonl | grep -o '"carried_steps":[0-9]*' | cut -d: -f2 |
    awk '{s += $1} END {print s + 0}')
  rows+=("| $h | $n | --$mode | $util | $mean% | $(printf %.4f "$loss") | $carried | $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", b - a}') |")
done
{
  echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p')); every miner's link: 100 Mbit/s, 50 ms each way"
  echo
  echo "| H | rounds | miners | utilization per miner | mean | final held-out loss | steps carried (all miners) | wall s |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} | tee "$out"
