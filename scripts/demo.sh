#!/usr/bin/env bash
# Fresh machine -> a busybox container: installs the packages, builds minirun,
# makes a bundle from busybox-static (no image download) and runs it, showing
# what isolation the container has.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh >/dev/null
bundle=$(mktemp -d /tmp/minirun-demo-XXXXXX)
trap 'rm -rf "$bundle"' EXIT
scripts/mkbundle.sh "$bundle" --minirun build/runtime/minirun >/dev/null
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
echo "+ minirun run $bundle/"
build/runtime/minirun run "$bundle/"
