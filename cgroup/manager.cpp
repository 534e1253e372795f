// The public entry points: layout detection, the factories, the hybrid
// composition and the pure helpers.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "cgroup/fs.h"
#include "cgroup/hybrid.h"
#include "cgroup/manager_util.h"
#include "spec/error.h"
#include "spec/unique_fd.h"

namespace minirun::cgroup {

Layout detect_layout() { return read_host_layout().layout(); }

const char* layout_name(Layout l) {
  switch (l) {
    case Layout::v1: return "v1";
    case Layout::v2: return "v2";
    case Layout::hybrid: return "hybrid";
  }
  return "unknown";
}

uint64_t shares_to_weight(uint64_t shares) {
  if (shares == 0) return 0;
  if (shares < 2) shares = 2;
  if (shares > 262144) shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

std::string blkio_device_line(int64_t major, int64_t minor, uint64_t value) {
  return std::to_string(major) + ":" + std::to_string(minor) + " " + std::to_string(value);
}

HybridManager::HybridManager(std::unique_ptr<v1::V1Manager> v1, std::unique_ptr<v2::V2Manager> v2)
    : v1_(std::move(v1)), v2_(std::move(v2)) {}

std::map<std::string, std::string> HybridManager::paths() const {
  auto out = v1_->paths();
  for (const auto& [k, v] : v2_->paths()) out[k] = v;
  return out;
}

void HybridManager::create() {
  v1_->create();
  ScopeGuard undo([this] { v1_->destroy(); });
  v2_->create();  // nothing to do if create_clone_dir() made it
  undo.dismiss();
}

void HybridManager::split(const spec::Resources& r, spec::Resources& for_v1, spec::Resources& for_v2) const {
  for_v1 = r;
  for_v2 = spec::Resources{};
  for_v1.unified.clear();
  std::set<std::string> on_v2 = v2_->available_controllers();
  if (!r.hugepage_limits.empty() && !v1_->has("hugetlb") && on_v2.count("hugetlb")) {
    for_v2.hugepage_limits = r.hugepage_limits;
    for_v1.hugepage_limits.clear();
  }
  if (!r.rdma.empty() && !v1_->has("rdma") && on_v2.count("rdma")) {
    for_v2.rdma = r.rdma;
    for_v1.rdma.clear();
  }
  for (const auto& [key, value] : r.unified) {
    std::string c = v2::unified_key_controller(key);
    if (c != "cgroup" && v1_->has(c)) {
      throw Error("linux.resources.unified: \"" + key + "\": the " + c + " controller is on cgroup v1 on this host",
                  EINVAL);
    }
    if (c != "cgroup" && !on_v2.count(c)) {
      throw Error("linux.resources.unified: \"" + key + "\": the " + c + " controller is not available on this host",
                  ENODEV);
    }
    for_v2.unified[key] = value;
  }
}

void HybridManager::apply(const spec::Resources& r) {
  spec::Resources a, b;
  split(r, a, b);
  v1_->apply(a);
  v2_->apply(b);
}

std::vector<std::string> HybridManager::join_files(bool cloned_into) const {
  auto out = v1_->join_files(cloned_into);
  for (auto& f : v2_->join_files(cloned_into)) out.push_back(std::move(f));
  return out;
}

void Manager::join_self(bool cloned_into) {
  for (const auto& f : join_files(cloned_into)) with_context("join cgroup", [&] { fs::write(f, "0"); });
}

std::vector<pid_t> HybridManager::processes() const {
  auto out = v1_->processes();
  for (pid_t p : v2_->processes()) {
    if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  }
  return out;
}

void HybridManager::kill_all(int sig, const ProcessFilter& only) {
  // cgroup.kill of the unified dir is atomic; the v1 pass (frozen) catches
  // anything that joined only the v1 hierarchies, and does it all when
  // filtered.
  if (!only) {
    if (sig == SIGKILL) {
      try {
        v2_->kill_all(sig, nullptr);
      } catch (const Error&) {
      }
    }
    v1_->kill_all(sig, nullptr);
    return;
  }
  auto in_v1 = v1_->processes();
  v1_->kill_all(sig, only);
  // A process only in the unified dir (an init not yet in the v1 ones).
  std::vector<pid_t> only_v2;
  for (pid_t p : v2_->processes())
    if (std::find(in_v1.begin(), in_v1.end(), p) == in_v1.end()) only_v2.push_back(p);
  signal_pids(only_v2, sig, only);
}

void HybridManager::destroy() {
  // Both halves empty (the usual case after the container exited): done.
  bool v1_gone = v1_->remove_if_empty();
  if (v2_->remove_if_empty() && v1_gone) return;
  std::optional<Error> failed;
  try {
    v1_->destroy();
  } catch (const Error& e) {
    failed = e;
  }
  try {
    v2_->destroy();
  } catch (const Error& e) {
    if (!failed) failed = e;
  }
  if (failed) throw *failed;
}

std::vector<std::string> HybridManager::made_parents() const {
  auto out = v1_->made_parents();
  for (const auto& d : v2_->made_parents()) out.push_back(d);
  return out;
}

void remove_made_parents(const std::vector<std::string>& dirs) {
  // Deepest first, whatever order the hierarchies came in.
  std::vector<std::string> sorted = dirs;
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  for (const auto& d : sorted) ::rmdir(d.c_str());
}

std::vector<std::string> missing_parents(const std::map<std::string, std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& [controller, path] : paths) {
    std::string dir = path;
    for (size_t slash; (slash = dir.rfind('/')) != std::string::npos && slash > 0;) {
      dir.resize(slash);
      if (::access(dir.c_str(), F_OK) == 0) break;
      if (std::find(out.begin(), out.end(), dir) == out.end()) out.push_back(dir);
    }
  }
  return out;
}

Stats HybridManager::stats() const {
  Stats s = v1_->stats();
  if (!v1_->has("hugetlb")) v2::hugetlb_stats(v2_->dir(), s.hugetlb);
  return s;
}

std::unique_ptr<Manager> make_manager(const HostLayout& host, const std::map<std::string, std::string>& paths,
                                      bool made_known) {
  std::map<std::string, std::string> v1_paths;
  for (const auto& [k, v] : paths) {
    if (k != "" && k != "unified") v1_paths[k] = v;
  }
  auto v2_mount = [&]() -> std::string {
    if (!host.v2) throw Error("cgroup: no cgroup2 filesystem is mounted on this host", ENOENT);
    return host.v2->mount_point;
  };
  if (auto it = paths.find(""); it != paths.end()) {
    return std::make_unique<v2::V2Manager>(v2_mount(), it->second, "", true, made_known);
  }
  auto v1 = std::make_unique<v1::V1Manager>(v1_paths, made_known);
  if (auto it = paths.find("unified"); it != paths.end()) {
    auto v2 = std::make_unique<v2::V2Manager>(v2_mount(), it->second, "unified", false, made_known);
    return std::make_unique<HybridManager>(std::move(v1), std::move(v2));
  }
  return v1;
}

// The mount table is read once per minirun process: `run` needs the layout
// three times and `list` once per container.
static const HostLayout& host_layout() {
  static const HostLayout host = read_host_layout();
  return host;
}

// Per v1 hierarchy of the host, the dir `dirs` names for its first
// controller (none: left out), with `to_dir` applied.
template <class ToDir>
std::vector<Manager::V1Mount> v1_mounts_of(const std::map<std::string, std::string>& dirs, ToDir to_dir) {
  std::vector<Manager::V1Mount> out;
  for (const Hierarchy& h : host_layout().v1) {
    auto it = dirs.find(h.controllers.front());
    if (it != dirs.end()) out.push_back({h.mount_point, to_dir(h, it->second), h.controllers});
  }
  return out;
}

std::vector<Manager::V1Mount> Manager::v1_mounts() const {
  return v1_mounts_of(paths(), [](const Hierarchy&, const std::string& dir) { return dir; });
}

std::vector<Manager::V1Mount> Manager::own_v1_mounts() {
  if (host_layout().v1.empty()) return {};
  return v1_mounts_of(parse_proc_cgroup(fs::read("/proc/self/cgroup")), dir_in);
}

std::unique_ptr<Manager> Manager::for_container(const std::string& cgroups_path, const std::string& id) {
  const HostLayout& host = host_layout();
  if (host.v1.empty() && !host.v2) throw Error("cgroup: no cgroup filesystem is mounted on this host", ENOENT);
  auto own = parse_proc_cgroup(fs::read("/proc/self/cgroup"));
  return make_manager(host, resolve_paths(host, own, cgroups_path, id), true);
}

std::unique_ptr<Manager> Manager::from_paths(const std::map<std::string, std::string>& paths) {
  return make_manager(host_layout(), paths, false);
}

}  // namespace minirun::cgroup
