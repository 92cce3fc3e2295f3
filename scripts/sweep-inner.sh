#!/usr/bin/env bash
# The inner schedule swept for every way of training at the network benchmark's budget
# (scripts/bench-network.sh: the micro model, 1,228,800 training tokens, the same 32 held-out
# batches). Each point LR:WARMUP runs the rows named in RUNS (default: single node, synchronous
# data parallel and the DiLoCo simulation; add devnet for the real network) with that peak inner
# learning rate and warm-up, so that every peer gets its best schedule, not only DiLoCo. Prints
# one table, also written to BUILD_DIR/sweep-inner.md. About 7 minutes per point on 2 cores.
# Usage: scripts/sweep-inner.sh BUILD_DIR "LR:WARMUP ..." [ROUNDS] [H]
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
  echo "- micro, 4 workers x batch 8, H $h, $rounds rounds; held-out loss per row"
  echo
  echo "| lr | warm-up | $(echo "$runs" | sed 's/ / | /g') |"
  echo "|---|---|$(for _ in $runs; do printf -- '---|'; done)"
} > "$out"
for p in $points; do
  lr=${p%%:*}
  warmup=${p##*:}
  name="runs/sweep-inner/lr${lr}_w${warmup}"
  table=$(LR=$lr WARMUP=$warmup RUNS="$runs" BENCH_DIR="$name" BENCH_OUT="$name.md" \
    bash scripts/bench-network.sh "$build" "$rounds" "$h" 2>/dev/null | grep '^| [a-z_]* | [0-9]')
  row="| $lr | $warmup |"
  for r in $runs; do
    row="$row $(echo "$table" | awk -v n="$r" '$2 == n { print $4 }') |"
  done
  echo "$row" | tee -a "$out"
done
echo "written to $out"
