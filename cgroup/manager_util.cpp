#include "cgroup/manager_util.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "cgroup/fs.h"
#include "spec/error.h"
#include "spec/unique_fd.h"

namespace minirun::cgroup {

unsigned device_access_bits(const std::string& letters, unsigned read, unsigned write, unsigned mknod,
                            const std::string& what) {
  unsigned bits = 0;
  for (char c : letters) {
    switch (c) {
      case 'r': bits |= read; break;
      case 'w': bits |= write; break;
      case 'm': bits |= mknod; break;
      default: throw Error(what + ": invalid access \"" + letters + "\"", EINVAL);
    }
  }
  return bits;
}

std::vector<pid_t> processes_below(const std::string& dir) {
  std::vector<pid_t> out;
  for (const auto& d : fs::walk_dirs(dir)) {
    for (pid_t p : fs::read_pids(d)) out.push_back(p);
  }
  return out;
}

void apply_pids(const std::string& dir, const spec::Pids& p) {
  if (p.limit == 0) return;  // runc: 0 leaves the limit as it is, -1 lifts it
  fs::write_field("pids.limit", fs::join(dir, "pids.max"), p.limit > 0 ? std::to_string(p.limit) : "max");
}

void apply_hugetlb(const std::string& dir, const std::vector<spec::HugepageLimit>& limits, const char* suffix) {
  for (const auto& h : limits) {
    std::string field = "hugepageLimits[" + h.page_size + "]";
    std::string base = "hugetlb." + h.page_size + ".";
    fs::write_field(field, fs::join(dir, base + suffix), std::to_string(h.limit));
    std::string rsvd = fs::join(dir, base + "rsvd." + suffix);
    if (fs::exists(rsvd)) fs::write_field(field, rsvd, std::to_string(h.limit));
  }
}

void apply_rdma(const std::string& dir, const std::map<std::string, spec::Rdma>& rdma) {
  for (const auto& [device, limits] : rdma) {
    std::string line = device;
    if (limits.hca_handles) line += " hca_handle=" + std::to_string(*limits.hca_handles);
    if (limits.hca_objects) line += " hca_object=" + std::to_string(*limits.hca_objects);
    if (line == device) continue;
    fs::write_field("rdma[" + device + "]", fs::join(dir, "rdma.max"), line);
  }
}

namespace {

std::string pid_list(const std::vector<pid_t>& pids) {
  std::string list;
  for (size_t i = 0; i < pids.size() && i < 5; ++i) list += (i ? ", " : "") + std::to_string(pids[i]);
  if (pids.size() > 5) list += ", ...";
  return list;
}

}  // namespace

void refuse_populated(const std::string& dir) {
  // Below it too: killing "everything in the container's cgroup" would reach them.
  auto pids = processes_below(dir);
  if (pids.empty()) return;
  throw Error("cgroup " + dir + " already has processes (pid " + pid_list(pids) + "); use another cgroupsPath",
              EBUSY);
}

void remove_made_dirs(const std::vector<std::string>& dirs) {
  std::string first_error;
  int first_errno = 0;
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
    auto tree = fs::walk_dirs(*it);
    for (auto d = tree.rbegin(); d != tree.rend(); ++d) {
      if (int err = fs::rmdir_retry(*d); err != 0 && first_errno == 0) {
        first_errno = err;
        first_error = "remove cgroup " + *d + ": " + std::strerror(err);
      }
    }
  }
  if (first_errno) throw Error(first_error, first_errno);
}

bool remove_if_empty(const std::vector<std::string>& dirs) {
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it)
    if (::rmdir(it->c_str()) != 0 && errno != ENOENT) return false;
  return true;
}

void destroy_dirs(Manager& m, const std::vector<std::string>& dirs) {
  if (remove_if_empty(dirs)) return;
  wait_empty(m, dirs.empty() ? std::string() : dirs.back());
  remove_made_dirs(dirs);
}

void wait_empty(const Manager& m, const std::string& dir) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (;;) {
    auto left = m.processes();
    if (left.empty()) return;
    if (std::chrono::steady_clock::now() >= deadline)
      throw Error("cgroup " + dir + " still has processes the container did not start (pid " + pid_list(left) +
                      "); left in place",
                  EBUSY);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void signal_pids(const std::vector<pid_t>& pids, int sig, const ProcessFilter& only) {
  for (pid_t pid : pids) {
    // The pidfd pins the process `only` then reads about: if the pid is
    // reused in between, the signal goes to the dead one, not the new one.
    UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!fd) continue;
    if (only && !only(pid)) continue;
    ::syscall(SYS_pidfd_send_signal, fd.get(), sig, nullptr, 0);
  }
}

}  // namespace minirun::cgroup
