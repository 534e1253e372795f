#!/usr/bin/env bash
# Fresh machine -> every test: installs the packages, builds, runs ctest
# (unit, integration and engine tests; as root, like the CI VMs), then each
# fuzz target (tests/fuzz) for 60 s.  Ends with the first failure's status.
#   scripts/test.sh [--long] [ctest args]
#   --long: fuzz each target for 10 million executions instead of 60 s.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzz=(60)
if [ "${1:-}" = "--long" ]; then
  fuzz=(--runs 10000000)
  shift
fi
scripts/install-deps.sh
scripts/build.sh
rc=0
(cd "${BUILD_DIR:-build}" && ctest --output-on-failure --timeout 600 "$@") || rc=$?
scripts/fuzz.sh "${fuzz[@]}" || [ "$rc" -ne 0 ] || rc=1
exit "$rc"
