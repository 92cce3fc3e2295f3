#!/usr/bin/env bash
# `make bench-incentives`: the incentive benchmark. Runs devnets of the micro model and prints
# the rewards by group of miners (`loconet devnet --report`): identical honest miners (how evenly
# equals are paid), honest miners beside attackers (what each attack earns) and miners doing
# a quarter to all of the work (rewards should follow it). About 31 minutes
# on 2 cores; the tables go to BUILD_DIR/bench-incentives.md (copy them into docs/incentives.md).
# Usage: scripts/bench-incentives.sh BUILD_DIR [ROUNDS] [ATTACK_ROUNDS]
# DEVNET_ARGS (environment) is added to every devnet, e.g. "--outer-lr 1 --outer-momentum 0";
# BENCH_NAME names the runs' folder and the output file (default bench-incentives); H and BATCH
# set the miners' local steps and rows per step (default 30 and 8, the settings of the figures in
# docs/incentives.md; `make demo` and the devnet default to 60 and 4).
set -euo pipefail
build=${1:-build}
rounds=${2:-20}
attack_rounds=${3:-15}  # nine miners on two cores: about a minute a round
bin="$build/apps/loconet"
bench=${BENCH_NAME:-bench-incentives}
h=${H:-30}
batch=${BATCH:-8}
out="$build/$bench.md"
"$bin" data prepare --out data/corpus --cache data/cache > /dev/null
run() {  # name, rounds, extra devnet arguments...
  local name=$1 n=$2
  shift 2
  echo "## $name"
  echo
  echo '```'
  "$bin" devnet --rounds "$n" --local-steps "$h" --batch "$batch" --model configs/models/micro.toml \
    --data data/corpus --dir "runs/$bench/$name" \
    --report "runs/$bench/$name.json" ${DEVNET_ARGS:-} "$@" | sed -n '/^rewards by group/,$p'
  echo '```'
  echo
}
{
  echo "# Incentive benchmark"
  echo
  echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores"
  [ -n "${DEVNET_ARGS:-}" ] && echo "- devnet arguments: $DEVNET_ARGS"
  echo "- micro model, rounds of $h local steps, batch $batch, int8 codec, epochs of 5 rounds:"
  echo "  $rounds rounds for the equals, $attack_rounds for the attacks"
  echo
  run equals "$rounds" --miners 4
  run attacks "$attack_rounds" --miners 3 \
    --adversaries lazy,copy_noise,heldout_mix,heldout_only,sybil
  # A spread of work: a quarter, half, three quarters and all of the round's steps.
  run work "$attack_rounds" --miners 1 --adversaries lazy,work50,work75
} | tee "$out"
echo "written to $out"
