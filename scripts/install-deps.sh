#!/usr/bin/env bash
# Installs what building and testing minirun needs, from Debian's packages.
# CI runs it on a fresh VM as root with no stdin: the package lists there may
# be missing or stale, so they are always refreshed first, and apt waits for
# a lock held by a boot-time apt job instead of failing.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=(
  # build
  build-essential cmake pkg-config git lld
  nlohmann-json3-dev libseccomp-dev libcap-dev libnl-3-dev libnftables-dev libsystemd-dev libcli11-dev googletest libgtest-dev
  # the fuzz targets (scripts/fuzz.sh): clang with libFuzzer and the sanitizer runtimes
  clang libclang-rt-14-dev
  # the booted systemd the --systemd-cgroup tests run in (scripts/systemd-testbed.sh)
  mmdebstrap systemd-container
  # what the tests run on the host: file (mkbundle.sh), ip, ps, setpriv and
  # unshare (util-linux), mount, tar, nft (reads the ruleset), jq (mkimage.sh),
  # the engines and runc to compare with
  busybox-static file jq iproute2 nftables procps util-linux mount tar findutils coreutils
  runc podman conmon containerd
  # the Kubernetes (CRI) engine test: pod networking and its gRPC client
  containernetworking-plugins python3-grpcio python3-grpc-tools python3-protobuf
  # scripts/bench.sh and debugging
  crun skopeo hyperfine time strace psmisc uidmap
)
apt_opts=(-o DPkg::Lock::Timeout=300)
apt-get "${apt_opts[@]}" update -qq
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
fi
