#!/usr/bin/env bash
# `make bench-network`: the network beside one machine at equal training tokens (issue 13).
# Trains the micro model on the default corpus four ways with the same number of tokens and
# measures each final model on the same held-out batches:
#   - single node: one model of batch SINGLE_BATCH (default 8) (`loconet train`);
#   - synchronous data parallel: 4 workers of DP_BATCH rows (default 2), gradients all-reduced
#     every step through c10d Gloo (`loconet train --dp 2` with 2 x DP_BATCH rows per rank: two
#     processes, one thread each, so that 2 cores are not oversubscribed);
#   - DiLoCo simulation: 4 workers of WORKER_BATCH rows (default 4), H local steps, int8
#     pseudo-gradients with error feedback, the default outer step, plain averaging (`loconet
#     train --workers 4`, one process);
#   - devnet: a validator and 4 miners as processes over ZeroMQ with `make demo`'s settings
#     (`loconet devnet`, H local steps of WORKER_BATCH rows, ROUNDS rounds), without overlap (with
#     it the miners would train more tokens than the others: `make bench-utilization` measures
#     that).
# The tokens are 4 x ROUNDS x H x WORKER_BATCH x context for every row (the step counts follow
# each row's batch), and each row's batch is its best from the sweep in docs/benchmarks.md ("The
# per-worker batch").
# All four draw their held-out batches the same way: 32 batches of 8 rows from every held-out
# page with seed 1 xor 0x5eed (the validator's `heldout_loss`, `score.heldout_batch` 8 in the
# devnet, and `loconet train`'s evaluation with `eval.batch` 8, whatever the training batch), so
# the losses are on the same 32,768 tokens. Every row gets its best inner schedule from the
# sweeps in docs/benchmarks.md ("The inner schedule", "The per-worker batch"): peak lr 3e-3 for
# the single node and synchronous data parallel (at its 4 x 2 rows), 6e-3 for the DiLoCo rows
# (the devnet miners' default), 10 warm-up steps, cosine to 10% over the run.
# Prints one table, also written to BUILD_DIR/bench-network.md. About 14 minutes on 2 cores with
# the default 10 rounds.
# Usage: scripts/bench-network.sh BUILD_DIR [ROUNDS] [H]
# OUTER=LR:MOMENTUM (environment) sets the outer step of the simulation and the devnet's
# validator (default: their defaults); the output then goes to BUILD_DIR/bench-network-LR-MOMENTUM.md.
# LR and WARMUP (environment) set the inner peak learning rate and warm-up steps of every row
# (default: each row's best, above, and 10), BENCH_DIR and BENCH_OUT the working folder and the
# table file, and RUNS picks rows by name (default: all four; a ratio column shows "-" without its reference row).
# SINGLE_BATCH, DP_BATCH and WORKER_BATCH (environment) set the rows per step of the rows
# above; scripts/sweep-inner.sh sets all three alike. MODEL (environment) names another model
# file (default configs/models/micro.toml; scripts/sweep-model.sh uses it); the tokens follow its
# context.
set -euo pipefail
build=${1:-build}
rounds=${2:-10}
h=${3:-60}
workers=4
batch=${WORKER_BATCH:-4}
single_batch=${SINGLE_BATCH:-8}
dp_batch=${DP_BATCH:-2}
bin="$build/apps/loconet"
out="$build/bench-network.md"
outer=()
if [ -n "${OUTER:-}" ]; then
  outer=(--outer-lr "${OUTER%%:*}" --outer-momentum "${OUTER##*:}")
  out="$build/bench-network-${OUTER%%:*}-${OUTER##*:}.md"
fi
lr_single=${LR:-3e-3}
lr_dp=${LR:-3e-3}
lr=${LR:-6e-3}
warmup=${WARMUP:-10}
runs=" ${RUNS:-single sync_dp diloco_sim devnet} "
dir=${BENCH_DIR:-runs/bench-network}
out=${BENCH_OUT:-$out}
rm -rf "$dir"
mkdir -p "$dir"
"$bin" data prepare --out data/corpus --cache data/cache > /dev/null
model=$(realpath "${MODEL:-configs/models/micro.toml}")
model_name=$(grep -m1 '^name' "$model" | cut -d'"' -f2)
context=$(grep -m1 '^context' "$model" | sed 's/[^0-9]//g')
tokens=$((workers * rounds * h * batch * context))

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", b - a }'; }
# The last held-out loss of a `loconet train --metrics` file.
train_loss() { grep -o '"heldout_loss":[0-9.e+-]*' "$1" | tail -1 | cut -d: -f2; }

# One `loconet train` run: NAME STEPS EXTRA-ARGS...
train() {
  local name=$1 steps=$2
  shift 2
  cat > "$dir/$name.toml" <<EOF
model = "$model"

[data]
dir = "$(pwd)/data/corpus"

[train]
steps = $steps
batch = ${BATCH:-$batch}
lr = ${ROW_LR:-$lr}
min_lr_ratio = 0.1
warmup_steps = $warmup
seed = 1
threads = 0

[eval]
every = $steps
batches = 32
batch = 8

[checkpoint]
path = "$(pwd)/$dir/$name/checkpoint.pt"
EOF
  local t0
  t0=$(now)
  "$bin" train --config "$dir/$name.toml" --metrics "$dir/$name/metrics.jsonl" --no-progress \
    "$@" > "$dir/$name.log" 2>&1
  local t1
  t1=$(now)
  local bytes
  bytes=$(grep -o 'sent [0-9]* update bytes per worker' "$dir/$name.log" | awk '{print $2}')
  echo "$name $(train_loss "$dir/$name/metrics.jsonl") ${bytes:-0} $(elapsed "$t0" "$t1")"
}

wanted() { [[ "$runs" == *" $1 "* ]]; }
results=()
if wanted single; then
  echo "bench-network: single node" >&2
  results+=("$(ROW_LR=$lr_single BATCH=$single_batch \
    train single $((workers * rounds * h * batch / single_batch)))")
fi
if wanted sync_dp; then
  echo "bench-network: synchronous data parallel" >&2
  results+=("$(ROW_LR=$lr_dp BATCH=$((workers * dp_batch / 2)) \
    train sync_dp $((rounds * h * batch / dp_batch)) --dp 2)")
fi
if wanted diloco_sim; then
  echo "bench-network: DiLoCo simulation" >&2
  results+=("$(train diloco_sim $((rounds * h)) --workers $workers --local-steps "$h" --codec int8 "${outer[@]}")")
fi
if wanted devnet; then
  echo "bench-network: devnet" >&2
  t0=$(now)
  # Without overlap: miners trained ahead while waiting would train more tokens than the others.
  "$bin" devnet --rounds "$rounds" --miners $workers --local-steps "$h" --batch $batch --no-overlap \
    --lr "$lr" --warmup "$warmup" "${outer[@]}" \
    --model "$model" --data data/corpus --dir "$dir/devnet" > "$dir/devnet.log" 2>&1
  t1=$(now)
  devnet_loss=$(grep -o '"heldout_loss":[0-9.e+-]*' "$dir/devnet/validator/status.jsonl" | tail -1 |
    cut -d: -f2)
  devnet_bytes=$(cat "$dir"/devnet/miner-*/rounds.jsonl | grep -o '"bytes":[0-9]*' | cut -d: -f2 |
    awk -v w=$workers '{ s += $1 } END { printf "%.0f", s / w }')
  results+=("devnet $devnet_loss $devnet_bytes $(elapsed "$t0" "$t1")")
fi

# The held-out loss of the row NAME; 0 when it was not run (its ratio column then shows "-").
row_loss() { printf '%s\n' "${results[@]}" | awk -v n="$1" '$1 == n { l = $2 } END { print l + 0 }'; }
dp_loss=$(row_loss sync_dp)
single_loss=$(row_loss single)
{
  echo "# Network benchmark"
  echo
  echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores"
  [ -n "${OUTER:-}" ] && echo "- outer step of the simulation and the devnet: ${outer[*]}"
  echo "- inner schedule: peak lr $lr_single (single), $lr_dp (sync DP) and $lr (DiLoCo, devnet), $warmup warm-up steps, cosine to 10%"
  echo "- $model_name model, $tokens training tokens each ($workers x $rounds rounds x H $h x batch $batch x context $context)"
  echo "- rows per step: single $single_batch, sync DP $workers x $dp_batch, DiLoCo and devnet $workers x $batch"
  echo
  echo "| run | held-out loss | vs sync DP | vs single node | bytes sent per worker | wall time |"
  echo "|---|---|---|---|---|---|"
  for r in "${results[@]}"; do
    set -- $r
    awk -v n="$1" -v l="$2" -v dp="$dp_loss" -v s="$single_loss" -v b="$3" -v t="$4" 'BEGIN {
      printf "| %s | %.4f | %s | %s | %s | %d s |\n", n, l,
        (dp > 0 ? sprintf("%.3fx", l / dp) : "-"), (s > 0 ? sprintf("%.3fx", l / s) : "-"),
        (b > 0 ? sprintf("%.2f MB", b / 1e6) : "-"), t }'
  done
} | tee "$out"
echo "written to $out"
