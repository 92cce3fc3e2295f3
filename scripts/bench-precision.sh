#!/usr/bin/env bash
# `make bench-precision`: is bf16 worth keeping? Trains the micro model for STEPS (default 1,000)
# steps of batch 16 (configs/train-micro.toml as it was when the figures in docs/benchmarks.md were
# taken; written to the run folder) twice from the same seed, fp32 and bf16 (autocast of the
# forward pass, fp32 weights and AdamW state; trainer/precision.h), and prints the held-out loss
# and tokens/s of each and their ratios. The option is kept only if bf16's final held-out loss is
# within 1% of fp32's. About 7 minutes on 2 cores. The table goes to BUILD_DIR/bench-precision.md.
# Usage: scripts/bench-precision.sh BUILD_DIR [STEPS]
set -euo pipefail
build=${1:-build}
steps=${2:-1000}
bin="$build/apps/loconet"
dir=runs/bench-precision
out="$build/bench-precision.md"
rm -rf "$dir"
mkdir -p "$dir"
"$bin" data prepare --out data/corpus --cache data/cache > /dev/null
config="$dir/train.toml"
cat > "$config" <<EOF
model = "$(pwd)/configs/models/micro.toml"

[data]
dir = "$(pwd)/data/corpus"

[train]
steps = $steps
batch = 16
lr = 3e-3
min_lr_ratio = 0.1
warmup_steps = 50
seed = 1
threads = 0

[eval]
every = 50
batches = 8
EOF
if ! "$bin" train --config "$config" --steps 1 --precision bf16 --no-progress \
    --checkpoint "$dir/probe.pt" > /dev/null 2> "$dir/probe.err"; then
  echo "bf16 is not available here: $(tail -1 "$dir/probe.err")"
  exit 0
fi
run() {  # precision
  "$bin" train --config "$config" --steps "$steps" --precision "$1" --no-progress \
    --checkpoint "$dir/$1.pt" --metrics "$dir/$1.jsonl" > "$dir/$1.out" 2> "$dir/$1.err"
}
value() {  # file key: the last value of "key" in a metrics file
  grep -o "\"$2\":[0-9.e+-]*" "$1" | tail -1 | cut -d: -f2
}
run fp32
run bf16
f_loss=$(value "$dir/fp32.jsonl" heldout_loss)
b_loss=$(value "$dir/bf16.jsonl" heldout_loss)
f_tps=$(grep -o 'at [0-9]* tokens/s' "$dir/fp32.out" | grep -o '[0-9]*')
b_tps=$(grep -o 'at [0-9]* tokens/s' "$dir/bf16.out" | grep -o '[0-9]*')
{
  echo "## fp32 against bf16: micro, $steps steps of batch 16"
  echo
  echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores"
  echo
  echo "| precision | threads (torch x OpenBLAS) | held-out loss | tokens/s |"
  echo "|---|---|---|---|"
  echo "| fp32 | $(grep -o 'compute: [0-9]* x [0-9]*' "$dir/fp32.err" | cut -d' ' -f2-) | $f_loss | $f_tps |"
  echo "| bf16 | $(grep -o 'compute: [0-9]* x [0-9]*' "$dir/bf16.err" | cut -d' ' -f2-) | $b_loss | $b_tps |"
  echo
  awk -v f="$f_loss" -v b="$b_loss" -v ft="$f_tps" -v bt="$b_tps" 'BEGIN {
    d = (b - f) / f * 100
    printf "bf16: held-out loss %+.2f%% against fp32 (goal: within 1%%: %s), %.2fx the tokens/s\n",
           d, (d <= 1 && d >= -1) ? "met" : "NOT met", bt / ft }'
} | tee "$out"
echo "written to $out"
