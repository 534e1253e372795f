// cgroup v1 manager: one directory per hierarchy; the controller files are
// written by v1_<controller>.cpp.
#include "cgroup/v1.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <set>
#include <thread>

#include "cgroup/fs.h"
#include "cgroup/manager_util.h"
#include "spec/error.h"
#include "spec/unique_fd.h"

namespace minirun::cgroup::v1 {

namespace {

std::string read_freezer(const std::string& dir) {
  auto s = fs::try_read(fs::join(dir, "freezer.state"));
  return s ? fs::trim(*s) : std::string();
}

bool has_blkio_content(const spec::BlockIO& b) {
  return (b.weight && *b.weight) || (b.leaf_weight && *b.leaf_weight) || !b.weight_device.empty() ||
         !b.throttle_read_bps.empty() || !b.throttle_write_bps.empty() || !b.throttle_read_iops.empty() ||
         !b.throttle_write_iops.empty();
}

bool has_cpu_content(const spec::Cpu& c) {
  return (c.shares && *c.shares) || (c.quota && *c.quota) || c.burst || (c.period && *c.period) ||
         (c.realtime_runtime && *c.realtime_runtime) || (c.realtime_period && *c.realtime_period) || c.idle;
}

}  // namespace

V1Manager::V1Manager(std::map<std::string, std::string> paths, bool made_known)
    : paths_(std::move(paths)), made_known_(made_known) {}

std::string V1Manager::dir(const std::string& controller) const {
  auto it = paths_.find(controller);
  return it == paths_.end() ? std::string() : it->second;
}

std::vector<std::string> V1Manager::distinct_dirs() const {
  std::vector<std::string> out;
  for (const auto& [key, d] : paths_) {
    if (std::find(out.begin(), out.end(), d) == out.end()) out.push_back(d);
  }
  return out;
}

void V1Manager::create() {
  ScopeGuard undo([this] {
    remove_made_dirs(made_);
    made_.clear();
  });
  for (const auto& d : distinct_dirs()) {
    with_context("create cgroup", [&] { fs::mkdir_p(d, made_); });
  }
  if (has("cpuset")) inherit_cpuset(dir("cpuset"));
  if (has("freezer") && read_freezer(dir("freezer")) == "FROZEN") {
    throw Error("cgroup " + dir("freezer") + " is frozen; thaw it first", EBUSY);
  }
  // A dir made just now cannot hold processes: only check pre-existing ones.
  for (const auto& d : distinct_dirs())
    if (std::find(made_.begin(), made_.end(), d) == made_.end()) refuse_populated(d);
  undo.dismiss();
}

void V1Manager::apply(const spec::Resources& r) {
  auto need = [&](const char* controller, const std::string& field) -> std::string {
    if (!has(controller)) {
      throw Error(std::string("linux.resources.") + field + ": the " + controller +
                      " cgroup controller is not mounted on this host",
                  ENODEV);
    }
    return dir(controller);
  };
  // runc's order: cpuset, devices, memory, cpu, pids, blkio, hugetlb, net, rdma.
  if (r.cpu && (!r.cpu->cpus.empty() || !r.cpu->mems.empty())) apply_cpuset(need("cpuset", "cpu.cpus"), *r.cpu);
  if (!r.devices.empty()) apply_devices(need("devices", "devices"), r.devices);
  if (r.memory) apply_memory(need("memory", "memory"), *r.memory);
  if (r.cpu && has_cpu_content(*r.cpu)) apply_cpu(need("cpu", "cpu"), *r.cpu);
  if (r.pids) apply_pids(need("pids", "pids"), *r.pids);
  if (r.block_io && has_blkio_content(*r.block_io)) apply_blkio(need("blkio", "blockIO"), *r.block_io);
  if (!r.hugepage_limits.empty()) apply_hugetlb(need("hugetlb", "hugepageLimits"), r.hugepage_limits, "limit_in_bytes");
  if (r.network && r.network->class_id) apply_net_cls(need("net_cls", "network.classID"), *r.network->class_id);
  if (r.network && !r.network->priorities.empty()) {
    apply_net_prio(need("net_prio", "network.priorities"), r.network->priorities);
  }
  if (!r.rdma.empty()) apply_rdma(need("rdma", "rdma"), r.rdma);
  if (!r.unified.empty()) {
    throw Error("linux.resources.unified: \"" + r.unified.begin()->first +
                    "\": this host has cgroup v1 only (unified needs cgroup v2)",
                EINVAL);
  }
}

std::vector<std::string> V1Manager::join_files(bool) const {
  // `tasks`, not cgroup.procs: "0" there moves only this thread (the whole
  // process, it has one) without the global threadgroup lock.
  std::vector<std::string> out;
  for (const auto& d : distinct_dirs()) out.push_back(fs::join(d, "tasks"));
  return out;
}

void V1Manager::freeze() {
  if (!has("freezer")) throw Error("freeze: the freezer cgroup controller is not mounted on this host", ENODEV);
  std::string d = dir("freezer");
  std::string file = fs::join(d, "freezer.state");
  // Tasks forking while we freeze can keep the cgroup FREEZING: retry, and
  // now and then thaw briefly so the stragglers settle (as runc).
  for (int i = 0; i < 1000; ++i) {
    if (i % 50 == 49) {
      fs::write(file, "THAWED");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    fs::write(file, "FROZEN");
    std::string state = read_freezer(d);
    if (state == "FROZEN") return;
    std::this_thread::sleep_for(std::chrono::milliseconds(i % 25 == 24 ? 10 : 1));
  }
  fs::write_errno(file, "THAWED");
  throw Error("freeze " + d + ": still FREEZING after 1000 attempts", EBUSY);
}

void V1Manager::thaw() {
  if (!has("freezer")) throw Error("thaw: the freezer cgroup controller is not mounted on this host", ENODEV);
  std::string d = dir("freezer");
  for (int i = 0; i < 1000; ++i) {
    fs::write(fs::join(d, "freezer.state"), "THAWED");
    if (read_freezer(d) == "THAWED") return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  throw Error("thaw " + d + ": still not THAWED", EBUSY);
}

FreezerState V1Manager::freezer_state() const {
  if (!has("freezer")) return FreezerState::unknown;
  std::string s = read_freezer(dir("freezer"));
  if (s == "FROZEN") return FreezerState::frozen;
  if (s == "FREEZING") return FreezerState::freezing;
  if (s == "THAWED") return FreezerState::thawed;
  return FreezerState::unknown;
}

std::vector<pid_t> V1Manager::processes() const {
  for (const char* c : {"pids", "memory", "freezer", "devices", "cpu"}) {
    if (has(c)) return processes_below(dir(c));
  }
  if (paths_.empty()) return {};
  return processes_below(paths_.begin()->second);
}

void V1Manager::kill_all(int sig, const ProcessFilter& only) {
  // Frozen, the set of tasks cannot change while we signal it.
  FreezerState before = freezer_state();
  bool froze = false;
  if (has("freezer") && before != FreezerState::frozen && fs::exists(dir("freezer"))) {
    try {
      freeze();
      froze = true;
    } catch (const Error&) {
    }
  }
  signal_pids(processes(), sig, only);
  // SIGKILL is only delivered once thawed; other signals leave a paused
  // container paused.
  if (froze || (sig == SIGKILL && before == FreezerState::frozen)) {
    try {
      thaw();
    } catch (const Error&) {
    }
  }
}

std::vector<std::string> V1Manager::own_dirs() const { return made_known_ ? made_ : distinct_dirs(); }

bool V1Manager::remove_if_empty() {
  if (!cgroup::remove_if_empty(own_dirs())) return false;
  made_.clear();
  return true;
}

void V1Manager::destroy() {
  destroy_dirs(*this, own_dirs());
  made_.clear();
}

std::vector<std::string> V1Manager::made_parents() const {
  auto dirs = distinct_dirs();
  std::vector<std::string> out;
  for (const auto& d : made_) {
    if (std::find(dirs.begin(), dirs.end(), d) == dirs.end()) out.push_back(d);
  }
  return out;
}

Stats V1Manager::stats() const {
  Stats s;
  cpu_stats(dir("cpu"), dir("cpuacct"), s.cpu);
  if (has("cpuset")) cpuset_stats(dir("cpuset"), s.cpuset);
  if (has("memory")) memory_stats(dir("memory"), s.memory);
  if (has("pids")) pids_stats(dir("pids"), s.pids);
  if (has("blkio")) blkio_stats(dir("blkio"), s.blkio);
  if (has("hugetlb")) hugetlb_stats(dir("hugetlb"), s.hugetlb);
  return s;
}

uint64_t V1Manager::oom_kill_count() const { return has("memory") ? v1::oom_kill_count(dir("memory")) : 0; }

std::optional<int64_t> V1Manager::memory_limit() const {
  if (!has("memory")) return std::nullopt;
  auto text = fs::try_read(fs::join(dir("memory"), "memory.limit_in_bytes"));
  if (!text) return std::nullopt;
  auto v = fs::parse_uint(*text);
  // "Unlimited" reads as PAGE_COUNTER_MAX pages: 0x7FFFFFFFFFFFF000 here.
  if (!v || *v >= (1ULL << 62)) return std::nullopt;
  return static_cast<int64_t>(*v);
}

int V1Manager::open_oom_event_fd() const {
  if (!has("memory")) return -1;
  std::string d = dir("memory");
  UniqueFd efd(::eventfd(0, EFD_CLOEXEC));
  if (!efd) return -1;
  UniqueFd control(::open(fs::join(d, "memory.oom_control").c_str(), O_RDONLY | O_CLOEXEC));
  if (!control) return -1;
  // The registration keeps a reference to the cgroup, not to `control`.
  std::string line = std::to_string(efd.get()) + " " + std::to_string(control.get());
  if (fs::write_errno(fs::join(d, "cgroup.event_control"), line) != 0) return -1;
  return efd.release();
}

}  // namespace minirun::cgroup::v1
