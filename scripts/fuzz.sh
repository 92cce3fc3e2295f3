#!/usr/bin/env bash
# Runs every libFuzzer target (fuzz/) for FUZZ_SECONDS each, with ASan + UBSan, starting from
# the committed seed corpus (tests/fuzz_corpus/<target>/, copied: the committed corpus is not
# changed). Fails if any target crashes, leaks or reports undefined behaviour; the input that
# did is saved under BUILD_DIR/artifacts/. Prints the executions per target.
#
#   scripts/fuzz.sh BUILD_DIR [SECONDS]
set -euo pipefail

build_dir=${1:?usage: fuzz.sh BUILD_DIR [SECONDS]}
seconds=${2:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
targets=(codec_fp32 codec_int8 codec_topk request reply announce model_update ledger_record
         ledger_body shard tarball consensus_epoch consensus_median rank_order)

mkdir -p "$build_dir/artifacts" "$build_dir/corpus" "$build_dir/logs"
failed=()
summary=()
for t in "${targets[@]}"; do
  corpus="$build_dir/corpus/$t"
  mkdir -p "$corpus"
  if [ -d "$root/tests/fuzz_corpus/$t" ]; then cp -n "$root/tests/fuzz_corpus/$t"/* "$corpus"/ || true; fi
  log="$build_dir/logs/$t.log"
  echo "fuzz: $t for ${seconds}s"
  # detect_leaks stays on; -rss_limit_mb bounds a hostile length that would allocate too much.
  if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
     TMPDIR="$build_dir" "$build_dir/fuzz/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb=2048 \
       -timeout=10 -print_final_stats=1 -artifact_prefix="$build_dir/artifacts/$t-" \
       "$corpus" >"$log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed+=("$t")
    tail -n 40 "$log"
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  summary+=("$(printf '%-14s %-7s %12s executions' "$t" "$status" "$execs")")
done
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (inputs in $build_dir/artifacts/, logs in $build_dir/logs/)"
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets ran ${seconds}s each without a crash"
