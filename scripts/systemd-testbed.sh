#!/usr/bin/env bash
# Boots a real systemd (Debian 12, PID 1 in a systemd-nspawn container) and
# runs a command in it: the --systemd-cgroup tests need systemd as PID 1,
# which this VM does not have.
#
#   scripts/systemd-testbed.sh COMMAND [ARGS...]
#
# The command runs as root in the booted system (all its namespaces), in a
# scope of its own there, with the source tree bound at the same path (the
# tests have absolute paths compiled in).  Its exit code is ours; 77 (skip)
# when mmdebstrap or systemd-nspawn cannot do their part, with the reason on
# stderr.  The rootfs is built once with mmdebstrap from Debian's packages
# and cached ($MINIRUN_TESTBED_CACHE, default
# /var/cache/minirun-test); each boot gets a fresh tmpfs overlay over it.
# Everything the script makes (the machine, its cgroups in every hierarchy,
# /run/systemd/nspawn leftovers, the temp dir) is removed on the way out.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
cache=${MINIRUN_TESTBED_CACHE:-/var/cache/minirun-test}
# What the booted system needs: systemd and its bus, the engines the tests
# drive with cgroup_manager = systemd (podman, containerd with runc's shim),
# busybox for the test bundles, libsystemd for minirun-systemd.
packages=systemd,systemd-sysv,dbus,libsystemd0,podman,conmon,containerd,runc,busybox-static,iproute2,procps,ca-certificates,jq
name=sysd-testbed-$$
skip() {
  echo "systemd-testbed: skipped: $*" >&2
  exit 77
}

[ "$(id -u)" = 0 ] || skip "needs root"
[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }
command -v mmdebstrap >/dev/null || skip "mmdebstrap is not installed (Debian package mmdebstrap)"
command -v systemd-nspawn >/dev/null || skip "systemd-nspawn is not installed (Debian package systemd-container)"
[ -d /sys/fs/cgroup ] || skip "no /sys/fs/cgroup"

# The rootfs is keyed by the package list: a new list builds a new one.
# Kept unpacked: every boot writes to a tmpfs overlay (--volatile=overlay).
key=$(printf '%s' "$packages" | sha256sum | cut -c1-12)
rootfs=$cache/bookworm-systemd-$key.root
mkdir -p "$cache"
if [ ! -d "$rootfs" ]; then
  echo "systemd-testbed: building the rootfs (mmdebstrap, once): $rootfs" >&2
  rm -rf "$rootfs.tmp"
  if ! mmdebstrap --quiet --variant=minbase --include="$packages" bookworm "$rootfs.tmp" >&2; then
    rm -rf "$rootfs.tmp"
    skip "mmdebstrap could not build the rootfs (no Debian mirror reachable?)"
  fi
  mv "$rootfs.tmp" "$rootfs"
fi

tmp=$(mktemp -d /tmp/sysd-testbed.XXXXXX)
had_nspawn_dir=$(ls -d /run/systemd/nspawn 2>/dev/null || true)
had_systemd_dir=$(ls -d /run/systemd 2>/dev/null || true)
cgroups=()
nspawn_pid=
cleanup() {
  set +e
  if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
    kill -TERM "$nspawn_pid"  # nspawn passes SIGRTMIN+3: systemd halts
    for _ in $(seq 100); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$nspawn_pid" 2>/dev/null
    wait "$nspawn_pid" 2>/dev/null
  fi
  # Our cgroups, deepest first (the inner systemd made some below them).
  for cg in "${cgroups[@]}"; do
    [ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  rm -rf "/run/systemd/nspawn/propagate/$name" "/run/systemd/nspawn/unix-export/$name" \
    "/run/systemd/nspawn/incoming/$name"
  if [ -z "$had_nspawn_dir" ]; then
    rmdir /run/systemd/nspawn/* /run/systemd/nspawn 2>/dev/null
    [ -n "$had_systemd_dir" ] || rmdir /run/systemd 2>/dev/null
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# PID 1 of the container: nspawn mounts the v1 controller hierarchies
# read-only, and systemd then silently applies no limit at all.
cat >"$tmp/init" <<'EOF'
#!/bin/sh
for d in /sys/fs/cgroup/*/; do mount -o remount,bind,rw "$d" 2>/dev/null; done
mount -o remount,rw /sys/fs/cgroup 2>/dev/null
exec /lib/systemd/systemd
EOF
chmod 755 "$tmp/init"

# nspawn and the inner systemd start from a cgroup of their own in every
# hierarchy (else they make dirs at the roots); cpuset needs its cpus/mems.
# Only nspawn's shell moves there: this script stays put, so it can remove
# them at the end.
for h in /sys/fs/cgroup/*/ /sys/fs/cgroup; do
  h=${h%/}
  if [ "$h" = /sys/fs/cgroup ]; then
    # A pure cgroup2 host: the one hierarchy.
    [ -e /sys/fs/cgroup/cgroup.procs ] || continue
  fi
  [ -e "$h/cgroup.procs" ] || continue
  own=$(awk -F: -v h="$h" 'BEGIN { n = split(h, p, "/"); c = p[n] }
    ($2 == c || $2 == "name=" c || ($2 == "" && (c == "unified" || c == "cgroup"))) { print $3; exit }
    index("," $2 ",", "," c ",") { print $3; exit }' /proc/self/cgroup)
  cg=$h${own%/}/$name
  mkdir -p "$cg"
  cgroups+=("$cg")
  if [ -e "$cg/cpuset.cpus" ]; then
    cat "$(dirname "$cg")/cpuset.cpus" >"$cg/cpuset.cpus"
    cat "$(dirname "$cg")/cpuset.mems" >"$cg/cpuset.mems"
  fi
done

(
  for cg in "${cgroups[@]}"; do echo "$BASHPID" >"$cg/cgroup.procs"; done
  # MINIRUN_TESTBED_UNIFIED=1: the booted system gets cgroup v2 only.
  SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=${MINIRUN_TESTBED_UNIFIED:-0} SYSTEMD_SECCOMP=0 exec systemd-nspawn --quiet -D "$rootfs" -M "$name" --register=no --keep-unit \
  --console=read-only --kill-signal=SIGRTMIN+3 --capability=all --volatile=overlay \
  --bind="$src" --bind-ro="$tmp/init:/sbin/testbed-init" /sbin/testbed-init \
  >"$tmp/console.log" 2>&1
) &
nspawn_pid=$!

# nspawn's child is the container's PID 1 (systemd once the stub exec'd).
leader=
for _ in $(seq 300); do
  kill -0 "$nspawn_pid" 2>/dev/null || { cat "$tmp/console.log" >&2; skip "systemd-nspawn failed to boot the rootfs"; }
  leader=$(cat /proc/$nspawn_pid/task/*/children 2>/dev/null | awk '{print $1; exit}')
  [ -n "$leader" ] && [ "$(cat /proc/$leader/comm 2>/dev/null)" = systemd ] && break
  leader=
  sleep 0.1
done
[ -n "$leader" ] || { cat "$tmp/console.log" >&2; skip "systemd did not start in the container"; }
inside() { nsenter -t "$leader" -m -u -i -n -p -C -r -w -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }

state=
for _ in $(seq 600); do
  state=$(inside systemctl is-system-running 2>/dev/null || true)
  case $state in running | degraded) break ;; esac
  sleep 0.1
done
case $state in
  running | degraded) ;;
  *) cat "$tmp/console.log" >&2; echo "systemd-testbed: the booted system is '$state', not running" >&2; exit 1 ;;
esac
[ "$state" = degraded ] && inside systemctl --failed --no-legend >&2

# The command runs in a scope of the inner systemd, as a login would.
set +e
inside systemd-run --quiet --scope --unit="$name-cmd" -- \
  env MINIRUN_TESTBED=1 ${GTEST_FILTER:+GTEST_FILTER=$GTEST_FILTER} "$@"
rc=$?
exit $rc
