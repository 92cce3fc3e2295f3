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
      echo "| model | C++ tokens/s | Python tokens/s | ratio |"
      echo "|---|---|---|---|"
      awk -F' *[|] *' '
        FNR == NR && /^[|] threads/ { for (i = 1; i <= NF; i++) if ($i ~ / tok\/s$/) col[i] = $i }
        FNR == NR && /[(]default[)]/ { for (i in col) cpp[substr(col[i], 1, length(col[i]) - 6)] = $i }
        FNR != NR && $3 ~ /^[0-9]+$/ { printf "| %s | %s | %s | %.2fx |\n", $2, cpp[$2], $4, cpp[$2] / $4 }
      ' "$build/trainer-bench.md" "$build/peer-trainer.md"
    else
      echo "Python peer skipped: python3-torch is not installed (apt-get install python3-torch to add it); the benchmark installs nothing itself."
    fi
    echo
    "$build/bench/transport_bench"
  fi
} | tee "$out"
echo
echo "written to $out"
