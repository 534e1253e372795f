// cgroup v2 manager: one directory; controller files in v2_<controller>.cpp,
// devices as an eBPF program (device_filter.cpp).
#include "cgroup/v2.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/inotify.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <thread>

#include "cgroup/device_filter.h"
#include "cgroup/fs.h"
#include "cgroup/manager_util.h"
#include "spec/error.h"
#include "spec/unique_fd.h"

namespace minirun::cgroup::v2 {

namespace {

std::set<std::string> words(const std::string& text) {
  std::set<std::string> out;
  for (const auto& w : fs::split(fs::trim(text), ' ')) {
    if (!w.empty()) out.insert(w);
  }
  return out;
}

bool events_frozen(const std::string& dir) { return fs::read_keyed(fs::join(dir, "cgroup.events"))["frozen"] == 1; }

}  // namespace

V2Manager::V2Manager(std::string mount_point, std::string dir, std::string key, bool full, bool made_known)
    : mount_point_(std::move(mount_point)),
      dir_(std::move(dir)),
      key_(std::move(key)),
      full_(full),
      made_known_(made_known) {}

std::set<std::string> V2Manager::available_controllers() const {
  auto text = fs::try_read(fs::join(mount_point_, "cgroup.controllers"));
  return text ? words(*text) : std::set<std::string>{};
}

void V2Manager::enable_controllers(const std::set<std::string>& wanted) {
  if (wanted.empty() || dir_.size() <= mount_point_.size()) return;
  std::vector<std::string> ancestors = {mount_point_};
  for (const auto& part : fs::split(dir_.substr(mount_point_.size()), '/')) {
    if (!part.empty()) ancestors.push_back(ancestors.back() + "/" + part);
  }
  ancestors.pop_back();  // the leaf holds processes: never enable there
  for (const auto& a : ancestors) {
    auto avail = fs::try_read(fs::join(a, "cgroup.controllers"));
    auto on = fs::try_read(fs::join(a, "cgroup.subtree_control"));
    if (!avail || !on) return;
    std::set<std::string> have = words(*avail), enabled = words(*on);
    std::string all;
    std::vector<std::string> todo;
    for (const auto& c : wanted) {
      if (have.count(c) && !enabled.count(c)) {
        todo.push_back(c);
        all += (all.empty() ? "+" : " +") + c;
      }
    }
    if (todo.empty()) continue;
    std::string file = fs::join(a, "cgroup.subtree_control");
    if (fs::write_errno(file, all) == 0) continue;
    for (const auto& c : todo) fs::write_errno(file, "+" + c);  // the ones that can be
  }
}

void V2Manager::create() {
  if (created_) return;
  ScopeGuard undo([this] {
    remove_made_dirs(made_);
    made_.clear();
  });
  with_context("create cgroup", [&] { fs::mkdir_p(dir_, made_); });
  if (full_) enable_controllers(available_controllers());
  if (events_frozen(dir_)) throw Error("cgroup " + dir_ + " is frozen; thaw it first", EBUSY);
  if (std::find(made_.begin(), made_.end(), dir_) == made_.end()) refuse_populated(dir_);
  undo.dismiss();
  created_ = true;
}

void V2Manager::apply(const spec::Resources& r) {
  if (!r.devices.empty()) {
    if (!full_)
      throw Error(
          "linux.resources.devices: the devices controller is on "
          "cgroup v1 on this host",
          EINVAL);
    attach_device_filter(dir_, r.devices);
  }
  if (r.memory) {
    enable_controllers({"memory"});
    apply_memory(dir_, *r.memory);
  }
  if (r.cpu) {
    enable_controllers({"cpu", "cpuset"});
    apply_cpu(dir_, *r.cpu);
  }
  if (r.pids) {
    enable_controllers({"pids"});
    apply_pids(dir_, *r.pids);
  }
  if (r.block_io) {
    enable_controllers({"io"});
    apply_io(dir_, *r.block_io);
  }
  if (!r.hugepage_limits.empty()) {
    enable_controllers({"hugetlb"});
    apply_hugetlb(dir_, r.hugepage_limits, "max");
  }
  if (r.network && (r.network->class_id || !r.network->priorities.empty())) {
    throw Error(std::string("linux.resources.network.") + (r.network->class_id ? "classID" : "priorities") +
                    ": net_cls/net_prio do not exist on cgroup v2",
                EINVAL);
  }
  if (!r.rdma.empty()) {
    enable_controllers({"rdma"});
    apply_rdma(dir_, r.rdma);
  }
  if (!r.unified.empty()) {
    std::set<std::string> controllers;
    for (const auto& [key, value] : r.unified) {
      std::string c = unified_key_controller(key);
      if (c != "cgroup") controllers.insert(c);
    }
    enable_controllers(controllers);
    apply_unified(dir_, r.unified);
  }
}

std::vector<std::string> V2Manager::join_files(bool cloned_into) const {
  // cgroup.threads cannot cross domains: without clone3 the slow way.
  if (cloned_into) return {};
  return {fs::join(dir_, "cgroup.procs")};
}

int V2Manager::clone_into_fd() { return ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); }

void V2Manager::wait_frozen(bool frozen) {
  for (int i = 0; i < 2000; ++i) {
    if (events_frozen(dir_) == frozen) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(i < 100 ? 1 : 5));
  }
  throw Error(
      std::string(frozen ? "freeze " : "thaw ") + dir_ + ": cgroup.events did not show frozen " + (frozen ? "1" : "0"),
      EBUSY);
}

void V2Manager::freeze() {
  fs::write(fs::join(dir_, "cgroup.freeze"), "1");
  wait_frozen(true);
}

void V2Manager::thaw() {
  fs::write(fs::join(dir_, "cgroup.freeze"), "0");
  wait_frozen(false);
}

FreezerState V2Manager::freezer_state() const {
  auto want = fs::try_read(fs::join(dir_, "cgroup.freeze"));
  if (!want) return FreezerState::unknown;
  if (fs::trim(*want) != "1") return FreezerState::thawed;
  return events_frozen(dir_) ? FreezerState::frozen : FreezerState::freezing;
}

std::vector<pid_t> V2Manager::processes() const { return processes_below(dir_); }

void V2Manager::kill_all(int sig, const ProcessFilter& only) {
  std::string kill_file = fs::join(dir_, "cgroup.kill");
  if (sig == SIGKILL && !only && fs::exists(kill_file)) {
    fs::write(kill_file, "1");
    return;
  }
  bool was_frozen = freezer_state() == FreezerState::frozen;
  bool froze = false;
  if (!was_frozen && fs::exists(fs::join(dir_, "cgroup.freeze"))) {
    try {
      freeze();
      froze = true;
    } catch (const Error&) {
    }
  }
  signal_pids(processes(), sig, only);
  if (froze) thaw();
}

std::vector<std::string> V2Manager::own_dirs() const { return made_known_ ? made_ : std::vector<std::string>{dir_}; }

bool V2Manager::remove_if_empty() {
  if (!cgroup::remove_if_empty(own_dirs())) return false;
  made_.clear();
  return true;
}

void V2Manager::destroy() {
  created_ = false;
  destroy_dirs(*this, own_dirs());
  made_.clear();
}

std::vector<std::string> V2Manager::made_parents() const {
  std::vector<std::string> out;
  for (const auto& d : made_) {
    if (d != dir_) out.push_back(d);
  }
  return out;
}

Stats V2Manager::stats() const {
  Stats s;
  cpu_stats(dir_, s.cpu);
  memory_stats(dir_, s.memory);
  pids_stats(dir_, s.pids);
  io_stats(dir_, s.blkio);
  hugetlb_stats(dir_, s.hugetlb);
  return s;
}

uint64_t V2Manager::oom_kill_count() const { return fs::read_keyed(fs::join(dir_, "memory.events"))["oom_kill"]; }

std::optional<int64_t> V2Manager::memory_limit() const {
  auto text = fs::try_read(fs::join(dir_, "memory.max"));
  if (!text) return std::nullopt;
  auto v = fs::parse_uint(*text);
  if (!v) return std::nullopt;
  return static_cast<int64_t>(*v);
}

int V2Manager::open_oom_event_fd() const {
  std::string file = fs::join(dir_, "memory.events");
  if (!fs::exists(file)) return -1;
  UniqueFd fd(::inotify_init1(IN_CLOEXEC));
  if (!fd) return -1;
  // Readable on every change of memory.events; callers re-read oom_kill.
  if (::inotify_add_watch(fd.get(), file.c_str(), IN_MODIFY) < 0) return -1;
  return fd.release();
}

}  // namespace minirun::cgroup::v2
