#!/usr/bin/env bash
# minirun against runc and crun on the same busybox bundle, one hyperfine
# invocation per case (machine noise hits all three alike), then a table of
# medians with ratios to crun and to runc.
#
# Everything runs in a private mount + network namespace: a small tmpfs over
# /sys/fs/cgroup/unified lets crun 1.8.1 (which refuses hybrid cgroups) run,
# and the bridge case builds its bridge in that throwaway netns. The host's
# mounts and network are never touched; containers, cgroups and files the
# script made are removed on exit, even on failure or Ctrl-C.
#
# Usage: scripts/bench.sh [--quick] [--minirun PATH] [--runs N] [--warmup N]
#                         [--containers N] [--markdown FILE]
#   --quick        a smoke run (few runs, 10 containers): checks every case works
#   --markdown F   also write the results table (Markdown) to F
# Needs root, hyperfine, runc, crun, jq, busybox-static, /usr/bin/time.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
minirun="" runs=40 warmup=5 containers=100 markdown="" quick=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 runs=5 warmup=1 containers=10; shift ;;
    --minirun) minirun=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --containers) containers=$2; shift 2 ;;
    --markdown) markdown=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$minirun" ] || minirun=$here/../build/runtime/minirun
minirun=$(realpath "$minirun")
[ -n "$markdown" ] && markdown=$(realpath -m "$markdown")

[ "$(id -u)" = 0 ] || { echo "bench.sh: must run as root" >&2; exit 1; }
for tool in hyperfine runc crun jq unshare /usr/bin/time strip; do
  command -v "$tool" >/dev/null || { echo "bench.sh: $tool not found" >&2; exit 1; }
done
[ -x "$minirun" ] || { echo "bench.sh: $minirun is not built (cmake --build build)" >&2; exit 1; }

# Re-enter in a private mount and network namespace; the namespaces (and the
# tmpfs, bridge and veths made in them) vanish when this process exits.
if [ -z "${MINIRUN_BENCH_INNER:-}" ]; then
  export MINIRUN_BENCH_INNER=1
  args=()
  [ "$quick" = 1 ] && args+=(--quick)
  args+=(--minirun "$minirun" --runs "$runs" --warmup "$warmup" --containers "$containers")
  [ -n "$markdown" ] && args+=(--markdown "$markdown")
  exec unshare --mount --net --propagation private "$0" "${args[@]}"
fi

mount --make-rprivate /
echo "bench: private mount + network namespace (host mounts and network untouched)"
if [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
  mount -t tmpfs -o size=16m,mode=0755 bench-no-unified /sys/fs/cgroup/unified
  echo "bench: tmpfs over /sys/fs/cgroup/unified in that namespace (crun 1.8.1 refuses hybrid cgroups):"
  echo "       all three runtimes see cgroup v1 only"
fi
ip link set lo up

W=$(mktemp -d /tmp/minirun-bench.XXXXXX)
# State roots on a tmpfs, as /run is on a systemd host: creating the state
# dir, fifo and files on a large ext4 costs every runtime 2-3 ms per
# container here (inode allocation), which is the filesystem, not the runtime.
mkdir "$W/roots"
mount -t tmpfs -o size=64m,mode=0700 bench-roots "$W/roots"
echo "bench: state roots (--root) on a tmpfs in that namespace, as /run on a systemd host"
MR=$W/roots/minirun RR=$W/roots/runc CR=$W/roots/crun
declare -A ROOT=([minirun]=$MR [runc]=$RR [crun]=$CR)
declare -A BIN=([minirun]=$minirun [runc]=$(command -v runc) [crun]=$(command -v crun))
RUNTIMES=(minirun runc crun)

cleanup() {
  set +e
  for rt in "${RUNTIMES[@]}"; do
    for r in "${ROOT[$rt]}" "${ROOT[$rt]}-1"; do
      [ -d "$r" ] || continue
      for id in $("${BIN[$rt]}" --root "$r" list -q 2>/dev/null); do
        "${BIN[$rt]}" --root "$r" delete -f "$id" >/dev/null 2>&1
      done
    done
  done
  umount "$W/roots" 2>/dev/null
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The bundles: one rootfs, configs that differ only where the case says.
"$here/mkbundle.sh" "$W/plain" --minirun "$minirun" >/dev/null
ROOTFS=$W/plain/rootfs
base() { jq --arg r "$ROOTFS" '.root.path = $r | .process.terminal = false | .process.args = ["/bin/true"]' "$W/plain/config.json"; }
mkconf() {  # DIR JQ-FILTER [jq args]
  mkdir -p "$1"
  base | jq "${@:3}" "$2" > "$1/config.json.tmp"
  mv "$1/config.json.tmp" "$1/config.json"
}
mkconf "$W/plain" '.'
mkconf "$W/sleep" '.process.args = ["/bin/sleep", "3600"]'
mkconf "$W/net" '.annotations = {"run.minirun.rootfs.overlay": "true", "run.minirun.network": "bridge"}'

# podman's default seccomp profile (containers/common pkg/seccomp) as podman
# hands it to the runtime for its default capabilities on x86_64: deny by
# default with ENOSYS, an allow list, and EPERM for what needs a missing cap.
seccomp_profile() {
  local allow="_llseek _newselect accept accept4 access adjtimex alarm bind brk capget capset chdir chmod chown
    chown32 clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64
    clock_nanosleep clock_nanosleep_time64 clone clone3 close close_range connect copy_file_range creat dup dup2
    dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old
    eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2 fadvise64 fadvise64_64 fallocate
    fanotify_mark fchdir fchmod fchmodat fchown fchown32 fchownat fcntl fcntl64 fdatasync fgetxattr flistxattr
    flock fork fremovexattr fsconfig fsetxattr fsmount fsopen fspick fstat fstat64 fstatat64 fstatfs fstatfs64
    fsync ftruncate ftruncate64 futex futex_time64 futimesat get_robust_list get_thread_area getcpu getcwd
    getdents getdents64 getegid getegid32 geteuid geteuid32 getgid getgid32 getgroups getgroups32 getitimer
    getpeername getpgid getpgrp getpid getppid getpriority getrandom getresgid getresgid32 getresuid getresuid32
    getrlimit getrusage getsid getsockname getsockopt gettid gettimeofday getuid getuid32 getxattr
    inotify_add_watch inotify_init inotify_init1 inotify_rm_watch io_cancel io_destroy io_getevents io_setup
    io_submit ioctl ioprio_get ioprio_set ipc keyctl kill lchown lchown32 lgetxattr link linkat listen listxattr
    llistxattr lremovexattr lseek lsetxattr lstat lstat64 madvise memfd_create mincore mkdir mkdirat mknod
    mknodat mlock mlock2 mlockall mmap mmap2 mount move_mount mprotect mq_getsetattr mq_notify mq_open
    mq_timedreceive mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink mremap msgctl msgget
    msgrcv msgsnd msync munlock munlockall munmap name_to_handle_at nanosleep newfstatat open openat openat2
    open_tree pause pidfd_getfd pidfd_open pidfd_send_signal pipe pipe2 pivot_root pkey_alloc pkey_free
    pkey_mprotect poll ppoll ppoll_time64 prctl pread64 preadv preadv2 prlimit64 pselect6 pselect6_time64
    pwrite64 pwritev pwritev2 read readahead readdir readlink readlinkat readv reboot recv recvfrom recvmmsg
    recvmmsg_time64 recvmsg remap_file_pages removexattr rename renameat renameat2 restart_syscall rmdir rseq
    rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait
    rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_get_priority_max sched_get_priority_min sched_getaffinity
    sched_getattr sched_getparam sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64
    sched_setaffinity sched_setattr sched_setparam sched_setscheduler sched_yield seccomp select semctl semget
    semop semtimedop semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg sendto setns set_robust_list
    set_thread_area set_tid_address setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups
    setgroups32 setitimer setpgid setpriority setregid setregid32 setresgid setresgid32 setresuid setresuid32
    setreuid setreuid32 setrlimit setsid setsockopt setuid setuid32 setxattr shmat shmctl shmdt shmget shutdown
    sigaltstack signalfd signalfd4 sigreturn socketcall socketpair splice stat stat64 statfs statfs64 statx
    symlink symlinkat sync sync_file_range syncfs sysinfo syslog tee tgkill time timer_create timer_delete
    timer_getoverrun timer_gettime timer_gettime64 timer_settime timer_settime64 timerfd_create timerfd_gettime
    timerfd_gettime64 timerfd_settime timerfd_settime64 times tkill truncate truncate64 ugetrlimit umask umount
    umount2 uname unlink unlinkat unshare utime utimensat utimensat_time64 utimes vfork wait4 waitid waitpid
    write writev chroot arch_prctl modify_ldt"
  local eperm="bdflush io_pgetevents kexec_file_load kexec_load membarrier migrate_pages move_pages nfsservctl
    nice oldfstat oldlstat oldolduname oldstat olduname pciconfig_iobase pciconfig_read pciconfig_write sgetmask
    ssetmask swapcontext swapoff swapon sysfs uselib userfaultfd ustat vm86 vm86old vmsplice open_by_handle_at
    bpf fanotify_init lookup_dcookie perf_event_open quotactl setdomainname sethostname delete_module
    init_module finit_module query_module get_mempolicy mbind set_mempolicy acct kcmp process_madvise
    process_vm_readv process_vm_writev ptrace iopl ioperm settimeofday stime clock_settime clock_settime64 vhangup"
  jq -n --arg allow "$allow" --arg eperm "$eperm" '
    def names($s): [$s | splits("[ \n]+") | select(length > 0)];
    def eq($i; $v): {index: $i, value: $v, valueTwo: 0, op: "SCMP_CMP_EQ"};
    {defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 38,
     architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
     syscalls: [
       {names: names($eperm), action: "SCMP_ACT_ERRNO", errnoRet: 1},
       {names: names($allow), action: "SCMP_ACT_ALLOW"},
       ([0, 8, 131072, 131080, 4294967295][] as $p | {names: ["personality"], action: "SCMP_ACT_ALLOW", args: [eq(0; $p)]}),
       {names: ["socket"], action: "SCMP_ACT_ERRNO", errnoRet: 22, args: [eq(0; 16), eq(2; 9)]},
       {names: ["socket"], action: "SCMP_ACT_ALLOW", args: [{index: 2, value: 9, valueTwo: 0, op: "SCMP_CMP_NE"}]},
       {names: ["socket"], action: "SCMP_ACT_ALLOW", args: [{index: 0, value: 16, valueTwo: 0, op: "SCMP_CMP_NE"}]}
     ]}'
}
seccomp_profile > "$W/seccomp.json"
mkconf "$W/seccomp" '.linux.seccomp = $s[0]' --slurpfile s "$W/seccomp.json"

# One hyperfine invocation per case; its JSON feeds the table.
HF=(hyperfine --style basic)
bench() {  # CASE [hyperfine args...]; BWARMUP/BRUNS override the counts
  local case=$1
  shift
  echo
  echo "== $case"
  "${HF[@]}" --warmup "${BWARMUP:-$warmup}" --runs "${BRUNS:-$runs}" --export-json "$W/$case.json" "$@"
}
rt_cmd() { echo "${BIN[$1]} --root ${ROOT[$1]}"; }
# v1 cgroups (and so the default cgroupsPath = ID) are shared by all roots
# and by anyone else on the machine: IDs unique per runtime and per bench.
id() { echo "b$$${1:0:1}-$2"; }

# The bundles were just written: let their writeback finish, or its
# kworkers land on whichever runtime the first case measures first.
sync
sleep 1

bench run -N \
  -n minirun "$(rt_cmd minirun) run -b $W/plain $(id minirun r1)" \
  -n runc "$(rt_cmd runc) run -b $W/plain $(id runc r1)" \
  -n crun "$(rt_cmd crun) run -b $W/plain $(id crun r1)" \
  -n "floor (unshare+chroot)" "unshare -fpimun --mount-proc chroot $ROOTFS /bin/true"

lifecycle() {
  local c; c=$(id "$1" l1)
  echo "$(rt_cmd "$1") create -b $W/plain $c && $(rt_cmd "$1") start $c && $(rt_cmd "$1") delete -f $c"
}
bench create-start-delete \
  -n minirun "$(lifecycle minirun)" -n runc "$(lifecycle runc)" -n crun "$(lifecycle crun)"

for rt in "${RUNTIMES[@]}"; do
  $(rt_cmd "$rt") run -d -b "$W/sleep" "$(id "$rt" e1)" </dev/null >/dev/null 2>&1
done
bench exec -N \
  -n minirun "$(rt_cmd minirun) exec $(id minirun e1) /bin/true" \
  -n runc "$(rt_cmd runc) exec $(id runc e1) /bin/true" \
  -n crun "$(rt_cmd crun) exec $(id crun e1) /bin/true"
for rt in "${RUNTIMES[@]}"; do $(rt_cmd "$rt") delete -f "$(id "$rt" e1)" >/dev/null; done

# The first run compiles the profile; later ones read minirun's BPF cache.
rm -rf "$MR/.seccomp-cache"
t0=$(date +%s%N)
$(rt_cmd minirun) run -b "$W/seccomp" "$(id minirun s1)"
seccomp_cold_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
bench run-seccomp -N \
  -n minirun "$(rt_cmd minirun) run -b $W/seccomp $(id minirun s1)" \
  -n runc "$(rt_cmd runc) run -b $W/seccomp $(id runc s1)" \
  -n crun "$(rt_cmd crun) run -b $W/seccomp $(id crun s1)" \
  -n "minirun, no seccomp" "$(rt_cmd minirun) run -b $W/plain $(id minirun s0)"

# The same two head to head: alternating short rounds, so that a burst of
# machine noise lands in one round rather than on one side; the median of
# the per-round ratios is what the seccomp target is read from.
sec_rounds=$([ "$quick" = 1 ] && echo 1 || echo 10)
for r in $(seq 1 "$sec_rounds"); do
  BWARMUP=3 BRUNS=$([ "$quick" = 1 ] && echo 3 || echo 30) bench "seccomp-round-$r" -N \
    -n seccomp "$(rt_cmd minirun) run -b $W/seccomp $(id minirun s1)" \
    -n plain "$(rt_cmd minirun) run -b $W/plain $(id minirun s0)"
done

bench run-overlay-bridge -N \
  -n "minirun, overlay + bridge" "$(rt_cmd minirun) run -b $W/net $(id minirun n1)" \
  -n "minirun, plain" "$(rt_cmd minirun) run -b $W/plain $(id minirun n0)"

# state and list with $containers created containers per runtime; minirun
# also with a single container, to show that the cost does not grow.
echo
echo "== creating $containers containers per runtime"
${BIN[minirun]} --root "$MR-1" create -b "$W/plain" "$(id minirun one)" </dev/null >/dev/null 2>&1
for rt in "${RUNTIMES[@]}"; do
  for i in $(seq 1 "$containers"); do
    $(rt_cmd "$rt") create -b "$W/plain" "$(id "$rt" "c$i")" </dev/null >/dev/null 2>&1
  done
done
mid=$(( (containers + 1) / 2 ))
bench state -N \
  -n minirun "$(rt_cmd minirun) state $(id minirun "c$mid")" \
  -n runc "$(rt_cmd runc) state $(id runc "c$mid")" \
  -n crun "$(rt_cmd crun) state $(id crun "c$mid")" \
  -n "minirun, 1 container" "${BIN[minirun]} --root $MR-1 state $(id minirun one)"
bench list -N \
  -n minirun "$(rt_cmd minirun) list" \
  -n runc "$(rt_cmd runc) list" \
  -n crun "$(rt_cmd crun) list" \
  -n "minirun, 1 container" "${BIN[minirun]} --root $MR-1 list"
for rt in "${RUNTIMES[@]}"; do
  for i in $(seq 1 "$containers"); do $(rt_cmd "$rt") delete -f "$(id "$rt" "c$i")" >/dev/null; done
done
${BIN[minirun]} --root "$MR-1" delete -f "$(id minirun one)" >/dev/null

# $containers containers started at once; every failure is counted.
cat > "$W/parallel.sh" <<EOF
#!/bin/bash
# RUNTIME-COMMAND... : run $containers containers at once, count failures.
name=\$(basename "\$1")
prefix=b$$\${name:0:1}-p\$\$
for i in \$(seq 1 $containers); do
  ( "\$@" run -b $W/plain "\$prefix-\$i" </dev/null >/dev/null 2>>$W/parallel-errors || echo x >> "$W/failed-\$name" ) &
done
wait
EOF
chmod +x "$W/parallel.sh"
BWARMUP=0 BRUNS=$([ "$quick" = 1 ] && echo 1 || echo 3) bench "parallel-$containers" -N \
  -n minirun "$W/parallel.sh $(rt_cmd minirun)" \
  -n runc "$W/parallel.sh $(rt_cmd runc)" \
  -n crun "$W/parallel.sh $(rt_cmd crun)"
declare -A FAILED
for rt in "${RUNTIMES[@]}"; do
  f=$W/failed-$(basename "${BIN[$rt]}")
  FAILED[$rt]=0
  if [ -f "$f" ]; then FAILED[$rt]=$(wc -l < "$f"); fi
done
if [ -s "$W/parallel-errors" ]; then echo "parallel errors (first 5):"; head -5 "$W/parallel-errors"; fi

# Peak RSS of `run` (median of 5, /usr/bin/time -v) and the stripped binary size.
declare -A RSS SIZE
for rt in "${RUNTIMES[@]}"; do
  vals=()
  for _ in 1 2 3 4 5; do
    vals+=("$(/usr/bin/time -v $(rt_cmd "$rt") run -b "$W/plain" "$(id "$rt" m1)" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}')")
  done
  RSS[$rt]=$(printf '%s\n' "${vals[@]}" | sort -n | sed -n 3p)
  cp "${BIN[$rt]}" "$W/stripped-$rt"
  strip --strip-all "$W/stripped-$rt" 2>/dev/null || true
  SIZE[$rt]=$(stat -c %s "$W/stripped-$rt")
done

# The table.
median_ms() { jq -r --arg n "$2" '.results[] | select(.command == $n) | .median * 1000' "$W/$1.json"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }
{
  echo "| case | runtime | median | × crun | × runc |"
  echo "| --- | --- | ---: | ---: | ---: |"
  for case in run create-start-delete exec run-seccomp state list "parallel-$containers"; do
    c=$(median_ms "$case" crun) r=$(median_ms "$case" runc)
    for name in $(jq -r '.results[].command | @base64' "$W/$case.json"); do
      name=$(echo "$name" | base64 -d)
      m=$(median_ms "$case" "$name")
      printf '| %s | %s | %.1f ms | %s | %s |\n' "$case" "$name" "$m" "$(ratio "$m" "$c")" "$(ratio "$m" "$r")"
    done
  done
  p=$(median_ms run-overlay-bridge "minirun, plain")
  for name in "minirun, overlay + bridge" "minirun, plain"; do
    m=$(median_ms run-overlay-bridge "$name")
    printf '| run-overlay-bridge | %s | %.1f ms | × plain %s | |\n' "$name" "$m" "$(ratio "$m" "$p")"
  done
  printf '| run-seccomp | minirun, seccomp ÷ no seccomp | | %s (cold compile: %d ms) | |\n' \
    "$(ratio "$(median_ms run-seccomp minirun)" "$(median_ms run-seccomp "minirun, no seccomp")")" "$seccomp_cold_ms"
  rounds=$(for r in $(seq 1 "$sec_rounds"); do
    ratio "$(median_ms "seccomp-round-$r" seccomp)" "$(median_ms "seccomp-round-$r" plain)"
    echo
  done | sort -n | awk '{ a[NR] = $1 } END { m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
                                             printf "%.2f (median of %d rounds, %s-%s)", m, NR, a[1], a[NR] }')
  printf '| run-seccomp | minirun, seccomp ÷ no seccomp, head to head | | %s | |\n' "$rounds"
  for rt in "${RUNTIMES[@]}"; do
    printf '| peak RSS of run | %s | %.1f MB | %s | %s |\n' "$rt" "$(awk -v k="${RSS[$rt]}" 'BEGIN{print k/1024}')" \
      "$(ratio "${RSS[$rt]}" "${RSS[crun]}")" "$(ratio "${RSS[$rt]}" "${RSS[runc]}")"
  done
  for rt in "${RUNTIMES[@]}"; do
    printf '| stripped binary | %s | %.2f MB | %s | %s |\n' "$rt" "$(awk -v k="${SIZE[$rt]}" 'BEGIN{print k/1048576}')" \
      "$(ratio "${SIZE[$rt]}" "${SIZE[crun]}")" "$(ratio "${SIZE[$rt]}" "${SIZE[runc]}")"
  done
  for rt in "${RUNTIMES[@]}"; do
    printf '| parallel-%s failures | %s | %d | | |\n' "$containers" "$rt" "${FAILED[$rt]}"
  done
} > "$W/table.md"
echo
echo "== results ($(nproc) CPUs, $(uname -r); minirun $("$minirun" --version | head -1 | awk '{print $NF}'), $(runc --version | head -1), $(crun --version | head -1))"
cat "$W/table.md"
[ -n "$markdown" ] && cp "$W/table.md" "$markdown"
fail=0
for rt in "${RUNTIMES[@]}"; do [ "${FAILED[$rt]}" = 0 ] || fail=1; done
exit $fail
