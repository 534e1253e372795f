#!/usr/bin/env bash
# Regenerates runtime/symbol-order.txt: the functions minirun runs for run
# (plain and with a cached seccomp filter), create, start, exec, state,
# list, kill and delete, in the order they first run, traced under gdb
# (scripts/symbol-order.py). The linker (lld) puts them first in .text, so
# a container start faults in a few 64 KB windows of minirun's text instead
# of nearly all of it (runtime/CMakeLists.txt).
# Rerun after changes to the hot path; a stale list only costs pages.
#
# Usage: scripts/symbol-order.sh [--minirun PATH]   (root; needs gdb, nm)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
minirun=$here/../build/runtime/minirun
[ "${1:-}" = --minirun ] && minirun=$2
minirun=$(realpath "$minirun")
out=$here/../runtime/symbol-order.txt
[ "$(id -u)" = 0 ] || { echo "symbol-order.sh: must run as root" >&2; exit 1; }
command -v gdb >/dev/null || { echo "symbol-order.sh: gdb not found" >&2; exit 1; }

# A private mount and network namespace: the state root and the container's
# cgroups and mounts stay inside it, and nothing of the host changes.
if [ -z "${MINIRUN_ORDER_INNER:-}" ]; then
  export MINIRUN_ORDER_INNER=1
  exec unshare --mount --net --propagation private "$0" --minirun "$minirun"
fi
mount --make-rprivate /
W=$(mktemp -d /tmp/minirun-order.XXXXXX)
mount -t tmpfs -o size=64m,mode=0700 order-root "$W"
trap 'set +e; [ "$(stat -f -c %T /sys/fs/cgroup/unified)" = tmpfs ] && umount /sys/fs/cgroup/unified; for c in $("$minirun" --root "$W/root" list -q 2>/dev/null); do "$minirun" --root "$W/root" delete -f "$c"; done; umount -l "$W"; rmdir "$W"' EXIT
"$here/mkbundle.sh" "$W/b" --minirun "$minirun" >/dev/null
jq '.process.terminal = false | .process.args = ["/bin/true"]' "$W/b/config.json" > "$W/b/c.json"
mv "$W/b/c.json" "$W/b/config.json"
mkdir "$W/s"
jq --arg r "$W/b/rootfs" '.root.path = $r | .process.args = ["/bin/sleep", "3600"]' "$W/b/config.json" > "$W/s/config.json"

# A seccomp profile shaped like podman's (allow list, errno default, argument
# conditions): run twice, so the cached filter's path is what gets traced.
mkdir "$W/sc"
jq --arg r "$W/b/rootfs" '.root.path = $r | .linux.seccomp = {defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 38,
  architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  syscalls: [{names: ["reboot", "kexec_load"], action: "SCMP_ACT_ERRNO", errnoRet: 1},
             {names: ["execve", "exit_group", "brk", "mmap", "munmap", "mprotect", "arch_prctl", "read", "write",
                      "close", "openat", "fstat", "newfstatat", "getpid", "rt_sigaction", "rt_sigprocmask",
                      "set_tid_address", "set_robust_list", "rseq", "prlimit64", "getrandom", "exit"],
              action: "SCMP_ACT_ALLOW"},
             {names: ["personality"], action: "SCMP_ACT_ALLOW",
              args: [{index: 0, value: 0, valueTwo: 0, op: "SCMP_CMP_EQ"}]}]}' "$W/b/config.json" > "$W/sc/config.json"
"$minirun" --root "$W/root" run -b "$W/sc" s0 </dev/null >/dev/null 2>&1

trace() {  # FOLLOW ARGS...: trace one minirun command
  local before; before=$(wc -l < "$W/hits")
  # A Python error leaves gdb's status 0: no new lines is a failure too.
  ORDER_OUT=$W/hits ORDER_FOLLOW=$1 gdb -q -batch -x "$here/symbol-order.py" \
    --args "$minirun" --root "$W/root" "${@:2}" </dev/null >"$W/gdb.log" 2>&1 &&
    [ "$(wc -l < "$W/hits")" -gt "$before" ] ||
    { echo "symbol-order.sh: tracing ($1) ${*:2} failed:"; tail -5 "$W/gdb.log"; exit 1; } >&2
}
mr() { "$minirun" --root "$W/root" "$@"; }
: > "$W/hits"
trace parent run -b "$W/b" r1
trace child run -b "$W/b" r2
trace parent run -b "$W/sc" s1
trace child run -b "$W/sc" s2
trace parent create -b "$W/s" c1
mr delete -f c1
trace child create -b "$W/b" c2 &
until [ "$(mr state c2 2>/dev/null | jq -r .status)" = created ]; do sleep 0.1; done
mr start c2
wait $!
mr delete -f c2
mr create -b "$W/s" c3
trace parent start c3
trace parent state c3
trace parent list
trace parent exec c3 /bin/true
trace child exec c3 /bin/true
trace parent kill c3 KILL
trace parent delete c3
trace parent delete -f c3
# The view scripts/bench.sh gives every runtime: cgroup v1 only.
if [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
  mount -t tmpfs -o size=1m order-no-unified /sys/fs/cgroup/unified
  trace parent run -b "$W/b" r3
  trace child run -b "$W/b" r4
  umount /sys/fs/cgroup/unified
fi

{
  echo "# minirun's hot functions, first run first: scripts/symbol-order.sh wrote it."
  awk '!seen[$0]++' "$W/hits"
} > "$out"
echo "symbol-order.sh: $(($(wc -l < "$out") - 1)) functions in $out"
