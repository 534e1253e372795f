#include "cgroup/manager_util.h"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "cgroup/fs.h"
#include "spec/error.h"

namespace minirun::cgroup {

std::vector<pid_t> processes_below(const std::string& dir) {
  std::vector<pid_t> out;
  for (const auto& d : fs::walk_dirs(dir)) {
    for (pid_t p : fs::read_pids(d)) out.push_back(p);
  }
  return out;
}

void refuse_populated(const std::string& dir) {
  auto pids = fs::read_pids(dir);
  if (pids.empty()) return;
  std::string list;
  for (size_t i = 0; i < pids.size() && i < 5; ++i) list += (i ? ", " : "") + std::to_string(pids[i]);
  if (pids.size() > 5) list += ", ...";
  throw Error("cgroup " + dir + " already has processes (pid " + list + "); use another cgroupsPath", EBUSY);
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

void kill_and_wait(Manager& m) {
  if (m.processes().empty()) return;
  try {
    m.kill_all(SIGKILL);
  } catch (const Error&) {
    // Still wait: the processes may be exiting on their own.
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (!m.processes().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace minirun::cgroup
