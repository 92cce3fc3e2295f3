#!/usr/bin/env bash
# `make bench`: runs the benchmarks in bench/ and prints their tables with the machine and commit,
# also written to BUILD_DIR/bench-results.md (copy the tables into docs/benchmarks.md).
# `make bench-compression` (second argument `compression`): communication versus quality, about
# 30 minutes on 2 cores; the table goes to BUILD_DIR/bench-compression.md, the plot to
# docs/compression.svg.
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
  else
    "$build/bench/trainer_bench"
    echo
    "$build/bench/transport_bench"
  fi
} | tee "$out"
echo
echo "written to $out"
