#!/usr/bin/env bash
# The network benchmark's in-process rows (scripts/bench-network.sh: single node, synchronous
# data parallel, DiLoCo simulation) for models of other sizes at the same training tokens, to see
# how DiLoCo's gap to one machine moves with the model. Each point D_MODEL:LAYERS is the micro
# model (configs/models/micro.toml: vocabulary 4096, context 128, so the tokens stay 1,228,800 at
# the default 10 rounds) with that width and depth and one attention head per 32 dimensions. Every
# row keeps the schedule and batch it has in bench-network.sh (tuned on micro, not per size).
# Prints one table, also written to BUILD_DIR/sweep-model.md. About 8 minutes per point at
# micro's size on 2 cores, more for wider models.
# Usage: scripts/sweep-model.sh BUILD_DIR "D_MODEL:LAYERS ..." [ROUNDS] [H]
set -euo pipefail
build=${1:-build}
points=${2:-"64:4 128:4 256:4"}
rounds=${3:-10}
h=${4:-60}
runs="single sync_dp diloco_sim"
out="$build/sweep-model.md"
dir=runs/sweep-model
mkdir -p "$dir"
base=configs/models/micro.toml
{
  echo "# Model size sweep (network benchmark, in-process rows)"
  echo
  echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores"
  echo "- micro's vocabulary and context, 4 workers, $rounds rounds, H $h; held-out loss per row"
  echo
  echo "| d_model | layers | parameters | single | sync_dp | diloco_sim | sim vs sync DP | sim vs single |"
  echo "|---|---|---|---|---|---|---|---|"
} > "$out"
for p in $points; do
  IFS=: read -r width layers <<< "$p"
  name="d${width}_l${layers}"
  model="$dir/$name.toml"
  {
    echo "[model]"
    echo "name = \"$name\""
    grep -E '^(vocab_size|context)' "$base"
    echo "d_model = $width"
    echo "layers = $layers"
    echo "heads = $((width / 32 > 0 ? width / 32 : 1))"
  } > "$model"
  table=$(MODEL="$model" RUNS="$runs" BENCH_DIR="$dir/$name" BENCH_OUT="$dir/$name.md" \
    bash scripts/bench-network.sh "$build" "$rounds" "$h" 2>/dev/null | grep '^| [a-z_]* | [0-9]')
  params=$(grep -o '[0-9]* parameters' "$dir/$name/single.log" | head -1 | awk '{print $1}')
  loss() { echo "$table" | awk -v n="$1" '$2 == n { print $4 }'; }
  single=$(loss single)
  dp=$(loss sync_dp)
  sim=$(loss diloco_sim)
  awk -v w="$width" -v l="$layers" -v p="${params:-?}" -v s="$single" -v d="$dp" -v m="$sim" 'BEGIN {
    printf "| %s | %s | %s | %.4f | %.4f | %.4f | %.3fx | %.3fx |\n", w, l, p, s, d, m, m / d, m / s }' |
    tee -a "$out"
done
echo "written to $out"
