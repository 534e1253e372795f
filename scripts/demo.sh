#!/usr/bin/env bash
# Fresh machine -> a busybox container: installs the packages, builds only
# the minirun binary (not the test suite), makes a bundle from
# busybox-static (no image download) and runs it, showing what isolation the
# container has.  Each step says what it does; the build shows its progress.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }
step "installing the Debian packages minirun needs (scripts/install-deps.sh)"
scripts/install-deps.sh
build=${BUILD_DIR:-build}
step "configuring the build in $build/"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
step "building the minirun binary only, not the tests ($(nproc) jobs)"
cmake --build "$build" -j"$(nproc)" --target minirun
bundle=$(mktemp -d /tmp/minirun-demo-XXXXXX)
trap 'rm -rf "$bundle"' EXIT
step "making a busybox bundle in $bundle (rootfs/ from busybox-static, config.json from minirun spec)"
scripts/mkbundle.sh "$bundle" --minirun "$build/runtime/minirun" >/dev/null
# The demo's command instead of runc's interactive "sh".
python3 - "$bundle/config.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["terminal"] = False
c["process"]["args"] = ["sh", "-c",
    "echo \"hostname: $(hostname)\"; echo 'processes (ps):'; ps; "
    "echo 'mounts:'; cut -d' ' -f5,9 /proc/self/mountinfo | head -20; "
    "echo \"uid: $(id -u), caps: $(grep CapEff /proc/self/status)\""]
c["hostname"] = "minirun-demo"
json.dump(c, open(p, "w"), indent=2)
PY
step "running the container: minirun run $bundle/"
"$build/runtime/minirun" run "$bundle/"
