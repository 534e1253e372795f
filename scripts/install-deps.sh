#!/usr/bin/env bash
# Installs what building and testing minirun needs, from Debian's packages.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=(
  build-essential cmake pkg-config git file
  nlohmann-json3-dev libseccomp-dev libcap-dev libnl-3-dev libcli11-dev googletest libgtest-dev
  busybox-static iproute2 procps psmisc uidmap time strace lld
  runc crun podman conmon containerd skopeo hyperfine jq
)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
