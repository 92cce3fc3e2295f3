#!/usr/bin/env bash
# `make bench-dp`: data parallel across processes (`loconet train --dp`) beside one process, side
# by side in one run on the default corpus: the micro model, the same global batch of 16 rows
# and the same steps, so the same updates up to float rounding. One process uses every core;
# `--dp K` uses K processes of cores / K threads each (never more threads than cores). Prints
# tokens per second, the final held-out loss and the wall time; also written to
# BUILD_DIR/bench-dp.md.
# Usage: scripts/bench-dp.sh BUILD_DIR [STEPS]
set -euo pipefail
build=${1:-build}
steps=${2:-150}
bin="$build/apps/loconet"
out="$build/bench-dp.md"
dir=runs/bench-dp
cores=$(nproc)
rm -rf "$dir"
mkdir -p "$dir"
"$bin" data prepare --out data/corpus --cache data/cache > /dev/null

# One run: NAME BATCH_PER_RANK EXTRA-ARGS...; prints "NAME tokens/s loss seconds".
run() {
  local name=$1 batch=$2
  shift 2
  cat > "$dir/$name.toml" <<TOML
model = "$(pwd)/configs/models/micro.toml"

[data]
dir = "$(pwd)/data/corpus"

[train]
steps = $steps
batch = $batch
lr = 3e-3
warmup_steps = 20
seed = 1
threads = 0

[eval]
every = $steps
batches = 16
TOML
  local t0 t1
  t0=$(date +%s.%N)
  "$bin" train --config "$dir/$name.toml" --no-progress "$@" > "$dir/$name.log" 2>&1
  t1=$(date +%s.%N)
  local tps loss
  tps=$(grep -o 'at [0-9]* tokens/s' "$dir/$name.log" | awk '{print $2}')
  loss=$(grep -o 'held-out loss:.*' "$dir/$name.log" | awk '{print $NF}' | cut -d: -f2)
  echo "$name $tps $loss $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }')"
}

rows=()
echo "bench-dp: one process, $cores threads, batch 16" >&2
rows+=("$(run single 16)")
if [ "$cores" -ge 2 ]; then
  echo "bench-dp: --dp 2, $((cores / 2)) thread(s) each, batch 8 per rank" >&2
  rows+=("$(run dp2 8 --dp 2)")
else
  echo "bench-dp: one core: --dp 2 would oversubscribe it; skipped" >&2
fi

{
  echo "micro, $steps steps of a global batch of 16 rows, $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p')), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo
  echo "| run | tokens/s | vs one process | held-out loss | wall s |"
  echo "|---|---|---|---|---|"
  base=""
  for r in "${rows[@]}"; do
    read -r name tps loss secs <<< "$r"
    [ -z "$base" ] && base=$tps
    ratio=$(awk -v a="$tps" -v b="$base" 'BEGIN { printf "%.2fx", a / b }')
    echo "| $name | $tps | $ratio | $loss | $secs |"
  done
} | tee "$out"
