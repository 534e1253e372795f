#include "runtime/signals.h"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "runtime/state.h"
#include "spec/error.h"
#include "spec/unique_fd.h"

namespace minirun::runtime {

namespace {

struct NsId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const NsId&) const = default;
};

std::optional<NsId> ns_id(int fd) {
  struct stat st;
  if (fd < 0 || ::fstat(fd, &st) != 0) return std::nullopt;
  return NsId{st.st_dev, st.st_ino};
}

UniqueFd open_pid_ns(const std::string& proc_dir) {
  return UniqueFd(::open((proc_dir + "/ns/pid").c_str(), O_RDONLY | O_CLOEXEC));
}

// The pid namespace of pid is `root` or nested in it (up to 32 levels).
bool in_pid_ns_tree(pid_t pid, const NsId& root) {
  UniqueFd ns = open_pid_ns("/proc/" + std::to_string(pid));
  for (int depth = 0; ns && depth <= 32; ++depth) {
    if (ns_id(ns.get()) == root) return true;
    ns.reset(::ioctl(ns.get(), NS_GET_PARENT));  // EPERM at minirun's own: not below root
  }
  return false;
}

// The init as a pidfd, if it is still the process the state names: its start
// time is read after the pidfd pinned it.
UniqueFd open_init(const InitProcess& init) {
  if (init.pid <= 0) return UniqueFd();
  UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, init.pid, 0)));
  if (fd && init.start_time != 0 && process_start_time(init.pid) != init.start_time) return UniqueFd();
  return fd;
}

// Which processes in the container's cgroup are the container's (see the
// header); null when even the init's pid namespace cannot be read: then
// only the init is.
cgroup::ProcessFilter container_processes(const InitProcess& init) {
  uint64_t started = process_start_time(init.pid);
  UniqueFd init_ns = open_pid_ns("/proc/" + std::to_string(init.pid));
  UniqueFd own_ns = open_pid_ns("/proc/self");
  auto ns = ns_id(init_ns.get()), own = ns_id(own_ns.get());
  if (!ns || !own || started == 0) return nullptr;
  auto started_since = [started](pid_t pid) {
    uint64_t t = process_start_time(pid);
    return t != 0 && t >= started;
  };
  if (*ns == *own) return started_since;
  return [started_since, ns = *ns](pid_t pid) { return started_since(pid) && in_pid_ns_tree(pid, ns); };
}

void signal_init(const UniqueFd& pidfd, pid_t pid, int sig) {
  if (::syscall(SYS_pidfd_send_signal, pidfd.get(), sig, nullptr, 0) != 0 && errno != ESRCH)
    throw_errno("kill " + std::to_string(pid));
}

}  // namespace

void signal_container(const InitProcess& init, cgroup::Manager* cg, int sig, bool all,
                      const std::function<bool()>& shares_pid_namespace) {
  UniqueFd pidfd = open_init(init);
  if (!pidfd && all) {
    // As runc's kill --all: a stopped container is no error (engines send it
    // while cleaning up); what exec'd processes left in its cgroup still get
    // the signal when the init's pid namespace did not take them along.
    try {
      if (cg && shares_pid_namespace && !cg->processes().empty() && shares_pid_namespace())
        cg->kill_all(sig, [&](pid_t pid) { return process_start_time(pid) >= init.start_time; });
    } catch (const Error&) {
      // The cgroup went with the container: nothing is left to signal.
    }
    return;
  }
  if (!pidfd) throw Error("container not running");
  cgroup::ProcessFilter only = all && cg ? container_processes(init) : nullptr;
  if (only) {
    cg->kill_all(sig, only);
  } else {
    signal_init(pidfd, init.pid, sig);
  }
}

void kill_container(const InitProcess& init, cgroup::Manager* cg, const std::function<bool()>& shares_pid_namespace) {
  UniqueFd pidfd = open_init(init);
  if (!pidfd) {
    if (!cg || !shares_pid_namespace || cg->processes().empty() || !shares_pid_namespace()) return;
    // Left by the container's exec'd processes: started since the init.
    cg->kill_all(SIGKILL, [&](pid_t pid) { return process_start_time(pid) >= init.start_time; });
    return;
  }
  if (cgroup::ProcessFilter only = cg ? container_processes(init) : nullptr) {
    try {
      cg->kill_all(SIGKILL, only);
    } catch (const Error&) {
      // The init still goes below; with a pid namespace of its own, all of it.
    }
  }
  signal_init(pidfd, init.pid, SIGKILL);
  struct pollfd p = {pidfd.get(), POLLIN, 0};
  ::poll(&p, 1, 5000);
  ::waitpid(init.pid, nullptr, init.start_time == 0 ? 0 : WNOHANG);
}

std::vector<pid_t> container_processes_left(const InitProcess& init, const cgroup::Manager& cg) {
  // The processes kill_container signalled are those of container_processes():
  // one a user moved in from outside was never signalled, so is not "left".
  std::vector<pid_t> left;
  if (init.start_time == 0 || process_start_time(init.pid) != init.start_time) return left;
  cgroup::ProcessFilter ours = container_processes(init);
  if (!ours) return left;
  for (pid_t pid : cg.processes())
    if (ours(pid)) left.push_back(pid);
  return left;
}

}  // namespace minirun::runtime
