#!/usr/bin/env bash
# The outer step of DiLoCo and the pages per round, swept on the in-process simulation at the
# network benchmark's budget (scripts/bench-network.sh): 4 workers of BATCH rows (environment,
# default 8), H local steps, ROUNDS rounds, the micro model, the same inner schedule and the same
# 32 held-out batches of 8 rows. Each point LR:MOMENTUM[:PAGES] is one `loconet train --workers 4`
# run with another outer learning rate and momentum (momentum 0: plain SGD on the averaged
# pseudo-gradient; lr 1 with momentum 0 is plain averaging) and, with PAGES, the pages every worker
# is assigned per round (`diloco.pages_per_worker`, drawn per round as the validator assigns them;
# default 0: an equal share of the training pages; the validator's default assigns as many pages
# as a round reads windows, datasets::PagesToCover, 35 at 60 steps of 4 rows). Prints one table,
# also written to BUILD_DIR/sweep-outer.md. About 2 to 3 minutes per point on 2 cores.
# Usage: scripts/sweep-outer.sh BUILD_DIR CODEC "LR:MOMENTUM[:PAGES] ..." [ROUNDS] [H]
# INNER_LR (environment) sets the workers' peak inner learning rate (default 6e-3, the miners');
# TOPK_FRACTION the share of each chunk the topk codec keeps (default 0.015, the validators').
set -euo pipefail
build=${1:-build}
codec=${2:-int8}
points=${3:-"0.7:0.9 1.0:0"}
rounds=${4:-10}
h=${5:-30}
workers=4
batch=${BATCH:-8}
bin="$build/apps/loconet"
out="$build/sweep-outer.md"
dir=runs/sweep-outer
rm -rf "$dir"
mkdir -p "$dir"
"$bin" data prepare --out data/corpus --cache data/cache > /dev/null
steps=$((rounds * h))
{
  echo "# Outer step sweep (DiLoCo simulation)"
  echo
  echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores"
  echo "- micro, $workers workers x batch $batch, H $h, $rounds rounds, codec $codec, inner lr ${INNER_LR:-6e-3}"
  echo
  echo "| outer lr | momentum | pages per worker and round | held-out loss |"
  echo "|---|---|---|---|"
} > "$out"
for p in $points; do
  IFS=: read -r lr m pages <<< "$p"
  pages=${pages:-0}
  name="lr${lr}_m${m}_p${pages}"
  cat > "$dir/$name.toml" <<TOML
model = "$(pwd)/configs/models/micro.toml"

[data]
dir = "$(pwd)/data/corpus"

[train]
steps = $steps
batch = $batch
lr = ${INNER_LR:-6e-3}
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
  "$bin" train --config "$dir/$name.toml" --metrics "$dir/$name.jsonl" --no-progress \
    --workers $workers --local-steps "$h" --codec "$codec" --outer-lr "$lr" --outer-momentum "$m" \
    --topk-fraction "${TOPK_FRACTION:-0.015}" \
    > "$dir/$name.log" 2>&1
  loss=$(grep -o '"heldout_loss":[0-9.e+-]*' "$dir/$name.jsonl" | tail -1 | cut -d: -f2)
  echo "| $lr | $m | $pages | $loss |" | tee -a "$out"
done
echo "written to $out"
