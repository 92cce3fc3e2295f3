#!/usr/bin/env bash
# The inner schedule swept for every way of training at the network benchmark's budget
# (scripts/bench-network.sh: the micro model, 1,228,800 training tokens, the same 32 held-out
# batches). Each point LR:WARMUP runs the rows named in RUNS (default: single node, synchronous
# data parallel and the DiLoCo simulation; add devnet for the real network) with that peak inner
# learning rate and warm-up, so that every peer gets its best schedule, not only DiLoCo. A point
# LR:WARMUP:BATCH also sets every worker's batch (default 8) and scales H by 8 / BATCH, so the
# tokens stay equal: the single node then takes 4 x ROUNDS x H steps of that batch, synchronous
# data parallel ROUNDS x H steps of 4 x BATCH rows. Prints one table, also written to
# BUILD_DIR/sweep-inner.md. About 7 minutes per point at batch 8 on 2 cores.
# Usage: scripts/sweep-inner.sh BUILD_DIR "LR:WARMUP[:BATCH] ..." [ROUNDS] [H]
set -euo pipefail
build=${1:-build}
points=${2:-"3e-3:10 6e-3:10 1.2e-2:10"}
rounds=${3:-10}
h=${4:-30}
runs=${RUNS:-single sync_dp diloco_sim}
out="$build/sweep-inner.md"
{
  echo "# Inner schedule sweep"
  echo
  echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores"
  echo "- micro, 4 workers, $rounds rounds, H $h at batch 8 (scaled by 8 / batch); held-out loss per row"
  echo
  echo "| lr | warm-up | batch | H | $(echo "$runs" | sed 's/ / | /g') |"
  echo "|---|---|---|---|$(for _ in $runs; do printf -- '---|'; done)"
} > "$out"
for p in $points; do
  IFS=: read -r lr warmup batch <<< "$p"
  batch=${batch:-8}
  point_h=$((h * 8 / batch))
  name="runs/sweep-inner/lr${lr}_w${warmup}_b${batch}"
  table=$(LR=$lr WARMUP=$warmup WORKER_BATCH=$batch SINGLE_BATCH=$batch DP_BATCH=$batch \
    RUNS="$runs" BENCH_DIR="$name" \
    BENCH_OUT="$name.md" bash scripts/bench-network.sh "$build" "$rounds" "$point_h" 2>/dev/null |
    grep '^| [a-z_]* | [0-9]')
  row="| $lr | $warmup | $batch | $point_h |"
  for r in $runs; do
    row="$row $(echo "$table" | awk -v n="$r" '$2 == n { print $4 }') |"
  done
  echo "$row" | tee -a "$out"
done
echo "written to $out"
