#!/usr/bin/env bash
# `make bench`: runs the benchmarks in bench/ and prints their tables with the machine and commit,
# also written to BUILD_DIR/bench-results.md (copy the tables into docs/benchmarks.md).
# `make bench-compression` (second argument `compression`): communication versus quality, from
# scratch and warm-started, about 45 minutes on 2 cores; the tables go to
# BUILD_DIR/bench-compression.md, the plots to docs/compression*.svg.
set -euo pipefail
build=${1:-build}
what=${2:-trainer}
out="$build/bench-results.md"
[ "$what" = compression ] && out="$build/bench-compression.md"
# The C++ default plan's tokens/s (a trainer_bench table) beside the peer's (a peer_trainer table).
ratios() {
  echo "| model | C++ tokens/s | Python tokens/s | ratio |"
  echo "|---|---|---|---|"
  awk -F' *[|] *' '
    FNR == NR && /^[|] threads/ { for (i = 1; i <= NF; i++) if ($i ~ / tok\/s$/) col[i] = $i }
    FNR == NR && /[(]default[)]/ { for (i in col) cpp[substr(col[i], 1, length(col[i]) - 6)] = $i }
    FNR != NR && $3 ~ /^[0-9]+$/ { printf "| %s | %s | %s | %.2fx |\n", $2, cpp[$2], $4, cpp[$2] / $4 }
  ' "$1" "$2"
}
{
  echo "# Benchmark results"
  echo
  echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB"
  echo "- date: $(date -u +%Y-%m-%d)"
  echo
  if [ "$what" = compression ]; then
    "$build/bench/compression_bench" --table "$build/compression-table.md" --svg docs/compression.svg
    echo
    # The same comparison continuing one pretrained model, at the config's inner lr and at 1e-3
    # (about 20 more minutes).
    "$build/bench/compression_bench" --warm-steps 1000 --only a,b50,c,e,f2 \
      --warm-checkpoint "$build/warm-start.pt" \
      --table "$build/compression-warm-table.md" --svg docs/compression-warm.svg
    echo
    "$build/bench/compression_bench" --warm-checkpoint "$build/warm-start.pt" --lr 1e-3 \
      --only a,b50,c,e,f2 --table "$build/compression-warm-lr1e-3.md" \
      --svg docs/compression-warm-lr1e-3.svg
  else
    "$build/bench/trainer_bench" | tee "$build/trainer-bench.md"
    echo
    # A Python PyTorch peer with the same LibTorch, thread plan and allocator setting
    # (bench/peer_trainer.py), against the C++ default plan. Nothing is installed here.
    py=
    for p in python3 /usr/bin/python3; do
      if "$p" -c 'import torch' 2>/dev/null; then py=$p; break; fi
    done
    if [ -n "$py" ]; then
      "$py" bench/peer_trainer.py | tee "$build/peer-trainer.md"
      echo
      ratios "$build/trainer-bench.md" "$build/peer-trainer.md"
      echo
    else
      echo "Python peer skipped: python3-torch is not installed (apt-get install python3-torch to add it); the benchmark installs nothing itself."
    fi
    # bf16 autocast on CPUs with AVX512-BF16 (trainer/precision.h), for both sides on their bf16
    # plan (every core for torch's threads, where oneDNN runs the bf16 products).
    if "$build/bench/trainer_bench" --models micro,mini --precision bf16 --default-plan-only \
        > "$build/trainer-bench-bf16.md" 2>&1; then
      cat "$build/trainer-bench-bf16.md"
      echo
      if [ -n "$py" ]; then
        "$py" bench/peer_trainer.py --models micro,mini --precision bf16 | tee "$build/peer-trainer-bf16.md"
        echo
        ratios "$build/trainer-bench-bf16.md" "$build/peer-trainer-bf16.md"
        echo
      fi
    else
      echo "bf16 skipped: $(tail -1 "$build/trainer-bench-bf16.md")"
      echo
    fi
    "$build/bench/transport_bench"
  fi
} | tee "$out"
echo
echo "written to $out"
