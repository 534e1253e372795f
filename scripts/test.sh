#!/usr/bin/env bash
# Fresh machine -> every test (CI: .ci/run), as root like the CI VMs:
# installs the packages, builds the release build (build/), runs each fuzz
# target (tests/fuzz, built in the sanitizer build build-asan/: clang,
# ASan+UBSan) for 60 s, then ctest on the release build: unit,
# integration, fault, stress and engine tests.  The run ends with that
# ctest's summary and exits non-zero when any part failed.
# (scripts/sanitize-test.sh runs the unit and integration suite on the
# whole sanitizer build; not yet part of this run: see its header.)
#   scripts/test.sh [--long]
#   --long: also what CI skips: each fuzz target for 10 million executions
#           instead of 60 s, and (MINIRUN_LONG=1) the 2000-run soak of
#           tests/stress/.
#   scripts/test.sh CTEST_ARGS...   a part of the suite on the release build
#           only: e.g. `-L unit` (seconds, no root: builds just the unit
#           tests), `-L privileged`, `-L integration`, `-L engines`, `-R Fault`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ] && [ "$1" != "--long" ]; then
  targets=()
  [ "$*" = "-L unit" ] && targets=(unit_spec unit_ns unit_cgroup unit_rootfs unit_runtime)
  scripts/build.sh "${targets[@]}"
  cd "${BUILD_DIR:-build}" && exec ctest --output-on-failure --timeout 600 "$@"
fi
fuzz=(60)
if [ "${1:-}" = "--long" ]; then
  fuzz=(--runs 10000000)
  export MINIRUN_LONG=1
fi
scripts/install-deps.sh
scripts/build.sh
failed=()
scripts/fuzz.sh "${fuzz[@]}" || failed+=("fuzz (see the fuzz: lines above)")
rc=0
(cd "${BUILD_DIR:-build}" && ctest --output-on-failure --timeout 600) || rc=$?
for f in "${failed[@]}"; do
  echo "FAILED: $f" >&2
  [ "$rc" -ne 0 ] || rc=1
done
exit "$rc"
