#!/usr/bin/env bash
# Fresh machine -> every test: installs the packages, builds, runs each fuzz
# target (tests/fuzz) for 60 s, then ctest (unit, integration and engine
# tests; as root, like the CI VMs), so the run ends with ctest's summary.
# Exits non-zero when either failed.
#   scripts/test.sh [--long] [ctest args]
#   --long: also what CI skips: each fuzz target for 10 million executions
#           instead of 60 s, and (MINIRUN_LONG=1) the 2000-run soak of
#           tests/stress/.  Other arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzz=(60)
if [ "${1:-}" = "--long" ]; then
  fuzz=(--runs 10000000)
  shift
  export MINIRUN_LONG=1
fi
scripts/install-deps.sh
scripts/build.sh
fuzz_rc=0
scripts/fuzz.sh "${fuzz[@]}" || fuzz_rc=$?
rc=0
(cd "${BUILD_DIR:-build}" && ctest --output-on-failure --timeout 600 "$@") || rc=$?
if [ "$fuzz_rc" -ne 0 ]; then
  echo "fuzz: FAILED (see the fuzz: lines above)" >&2
  [ "$rc" -ne 0 ] || rc=$fuzz_rc
fi
exit "$rc"
