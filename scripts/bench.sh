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
    "$build/bench/trainer_bench"
    echo
    "$build/bench/transport_bench"
  fi
} | tee "$out"
echo
echo "written to $out"
