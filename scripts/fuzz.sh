#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, clang, ASan+UBSan) in the
# sanitizer build, build-asan/ (scripts/build.sh --sanitize), and runs each
# on its seed corpus:
#   scripts/fuzz.sh SECONDS          each target for SECONDS (CI: 60)
#   scripts/fuzz.sh --runs N         each target for N executions (--long: 10 M)
# New inputs go to a scratch dir, the committed seeds are only read.  A
# crash leaves its reproducer in build-asan/crashes/ and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
# A fixed seed: CI's run walks the same inputs every time, so a red CI means
# a change broke something, not that this run's dice found an old bug
# (--long and a seed of 0, libFuzzer's "pick one", explore further).
limit=(-max_total_time="${1:-60}" -seed=1)
if [ "${1:-}" = "--runs" ]; then limit=(-runs="$2" -seed=0); fi
build=${ASAN_BUILD_DIR:-build-asan}
ASAN_BUILD_DIR=$build scripts/build.sh --sanitize config_fuzz seccomp_layout_fuzz procfs_parsers_fuzz
mkdir -p "$build/crashes"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
rc=0
for t in config:config_fuzz seccomp:seccomp_layout_fuzz procfs:procfs_parsers_fuzz; do
  corpus=${t%%:*} target=${t#*:}
  scratch=$(mktemp -d "/tmp/minirun-fuzz-$corpus-XXXXXX")
  start=$(date +%s)
  if ! "$build/tests/fuzz/$target" "${limit[@]}" -artifact_prefix="$build/crashes/$target-" \
      -print_final_stats=1 "$scratch" "tests/fuzz/corpus/$corpus" >"$build/$target.log" 2>&1; then
    echo "fuzz: $target FAILED: reproducer and log in $build/crashes/, $build/$target.log" >&2
    tail -n 40 "$build/$target.log" >&2
    rc=1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/$target.log" | tail -n1)
  echo "fuzz: $target: ${runs:-?} executions in $(($(date +%s) - start)) s"
  rm -rf "$scratch"
done
exit $rc
