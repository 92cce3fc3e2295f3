#!/usr/bin/env bash
# Pages per round, swept on the DiLoCo simulation at the network benchmark's budget
# (scripts/bench-network.sh: the micro model, 4 workers of BATCH rows (environment, default 4,
# the miners'), H local steps, ROUNDS rounds, int8 with error feedback, plain averaging, inner
# peak lr 6e-3, the same 32 held-out batches of 8 rows). Each point is the pages every worker is
# assigned per round (`diloco.pages_per_worker`, drawn per round as the validator assigns them;
# 0: an equal share of the training pages). The validator's default is as many pages as a round
# reads windows (`round.pages_per_miner` 0, datasets::PagesToCover: 35 at 60 steps of 4 rows), so
# that no window is read twice. Prints one table, also written to BUILD_DIR/sweep-pages.md. About 3
# minutes per point on 2 cores.
# Usage: scripts/sweep-pages.sh BUILD_DIR "PAGES ..." [ROUNDS] [H]
set -euo pipefail
build=${1:-build}
points=${2:-"9 17 35 70 0"}
rounds=${3:-10}
h=${4:-60}
workers=4
batch=${BATCH:-4}
bin="$build/apps/loconet"
out="$build/sweep-pages.md"
dir=runs/sweep-pages
rm -rf "$dir"
mkdir -p "$dir"
"$bin" data prepare --out data/corpus --cache data/cache > /dev/null
steps=$((rounds * h))
{
  echo "# Pages per round sweep (DiLoCo simulation)"
  echo
  echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores"
  echo "- micro, $workers workers x batch $batch, H $h, $rounds rounds, int8, inner lr 6e-3"
  echo
  echo "| pages per worker and round | held-out loss |"
  echo "|---|---|"
} > "$out"
for pages in $points; do
  cat > "$dir/p$pages.toml" <<TOML
model = "$(pwd)/configs/models/micro.toml"

[data]
dir = "$(pwd)/data/corpus"

[train]
steps = $steps
batch = $batch
lr = 6e-3
min_lr_ratio = 0.1
warmup_steps = 10
seed = 1
threads = 0

[eval]
every = $steps
batches = 32
batch = 8

[diloco]
pages_per_worker = $pages
TOML
  "$bin" train --config "$dir/p$pages.toml" --metrics "$dir/p$pages.jsonl" --no-progress \
    --workers $workers --local-steps "$h" --codec int8 > "$dir/p$pages.log" 2>&1
  loss=$(grep -o '"heldout_loss":[0-9.e+-]*' "$dir/p$pages.jsonl" | tail -1 | cut -d: -f2)
  echo "| $pages | $loss |" | tee -a "$out"
done
echo "written to $out"
