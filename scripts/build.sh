#!/usr/bin/env bash
# Configures and builds minirun and its tests.
#   scripts/build.sh [TARGET...]             build/ (or $BUILD_DIR): the release
#                                            build, what ships and what ctest runs
#   scripts/build.sh --sanitize [TARGET...]  build-asan/ (or $ASAN_BUILD_DIR): clang with
#                                            ASan+UBSan, the suite and the fuzz targets
# No TARGET: everything.  A compiler launcher (ccache) is taken from
# CMAKE_CXX_COMPILER_LAUNCHER / CMAKE_C_COMPILER_LAUNCHER in the environment.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
flags=()
if [ "${1:-}" = "--sanitize" ]; then
  shift
  build=${ASAN_BUILD_DIR:-build-asan}
  flags=(-DMINIRUN_SANITIZE=ON -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++)
fi
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${flags[@]}" >/dev/null
cmake --build "$build" -j"$(nproc)" "${targets[@]}"
