#!/usr/bin/env bash
# Makes a Debian package of minirun with CPack: /usr/bin/minirun (stripped),
# the man page minirun(8) and the bash completion.  Builds only what the
# package holds (not the tests).  Prints the .deb's path (under build/packages/).
# Install it with: apt-get install ./build/packages/minirun_*.deb
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
[ -f "$build/CMakeCache.txt" ] || cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target minirun minirun_man >&2
out=$(cd "$build" && pwd)/packages
rm -f "$out"/minirun_*.deb
(cd "$build" && cpack -G DEB -B "$out" >&2)
ls "$out"/minirun_*.deb
