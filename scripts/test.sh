#!/usr/bin/env bash
# Fresh machine -> every test: installs the packages, builds, runs ctest
# (unit, integration and engine tests; as root, like the CI VMs).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure --timeout 600 "$@"
