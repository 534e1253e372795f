// fork() with namespace flags, optionally straight into a cgroup2 dir.
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ns/ns.h"
#include "spec/error.h"
#include "spec/unique_fd.h"

namespace minirun::ns {

namespace {

pid_t clone_here(int flags, int cgroup_fd, bool& into_cgroup) {
  // Set before the syscall: the child returns from it with this value.
  into_cgroup = cgroup_fd >= 0;
  if (into_cgroup) {
    struct clone_args args;
    std::memset(&args, 0, sizeof args);
    args.flags = static_cast<uint64_t>(static_cast<unsigned>(flags)) | CLONE_INTO_CGROUP;
    args.exit_signal = SIGCHLD;
    args.cgroup = static_cast<uint64_t>(cgroup_fd);
    long pid = ::syscall(SYS_clone3, &args, sizeof args);
    if (pid >= 0) return static_cast<pid_t>(pid);
    // No clone3 (ENOSYS, E2BIG) or a cgroup it refuses: clone, and the
    // caller's join reports whatever is wrong with the cgroup.
    into_cgroup = false;
  }
  // No new stack: the child goes on from here like after fork().
  long pid = ::syscall(SYS_clone, static_cast<unsigned long>(flags | SIGCHLD), nullptr, nullptr, nullptr, 0);
  if (pid < 0) throw_errno("clone");
  return static_cast<pid_t>(pid);
}

}  // namespace

pid_t clone_process(int flags, int cgroup_fd, bool& into_cgroup, int pid_ns_fd) {
  if (pid_ns_fd < 0) return clone_here(flags, cgroup_fd, into_cgroup);
  UniqueFd own(::open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC));
  if (!own) throw_errno("open /proc/self/ns/pid_for_children");
  if (::setns(pid_ns_fd, CLONE_NEWPID) != 0) throw_errno("join the container's pid namespace");
  ScopeGuard back([&] { ::setns(own.get(), CLONE_NEWPID); });
  pid_t pid = clone_here(flags, cgroup_fd, into_cgroup);
  if (pid == 0) back.dismiss();  // the child has no parent pid namespace to go back to
  return pid;
}

}  // namespace minirun::ns
