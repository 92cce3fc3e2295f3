#!/usr/bin/env bash
# `make bench`: runs the benchmarks in bench/ and prints their tables with the machine and commit,
# also written to BUILD_DIR/bench-results.md (copy the tables into docs/benchmarks.md).
set -euo pipefail
build=${1:-build}
out="$build/bench-results.md"
{
  echo "# Benchmark results"
  echo
  echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB"
  echo "- date: $(date -u +%Y-%m-%d)"
  echo
  "$build/bench/trainer_bench"
} | tee "$out"
echo
echo "written to $out"
