#!/usr/bin/env bash
# Fresh machine -> every test: installs the packages, builds, runs ctest
# (unit, integration and engine tests; as root, like the CI VMs).
#   --long  also the long runs CI skips (MINIRUN_LONG=1): the 2000-run soak
#           of tests/stress/.  Other arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--long" ]; then
  shift
  export MINIRUN_LONG=1
fi
scripts/install-deps.sh
scripts/build.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure --timeout 600 "$@"
