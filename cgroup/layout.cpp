#include "cgroup/layout.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>

#include "cgroup/fs.h"
#include "spec/error.h"
#include "spec/proc_tables.h"
#include "spec/strings.h"

namespace minirun::cgroup {

namespace {

bool is_known_v1_controller(std::string_view name) {
  static const std::set<std::string, std::less<>> names = {
      "cpu",     "cpuacct", "cpuset",   "memory", "devices",    "freezer", "net_cls", "net_prio",
      "blkio",   "perf_event", "hugetlb", "pids",   "rdma",       "misc",    "debug"};
  return names.count(name) != 0 || name.rfind("name=", 0) == 0;
}

}  // namespace

Layout HostLayout::layout() const {
  bool has_v1 = std::any_of(v1.begin(), v1.end(), [](const Hierarchy& h) {
    return std::any_of(h.controllers.begin(), h.controllers.end(),
                       [](const std::string& c) { return c.rfind("name=", 0) != 0; });
  });
  if (has_v1 && v2) return Layout::hybrid;
  if (has_v1) return Layout::v1;
  return Layout::v2;
}

const Hierarchy* HostLayout::v1_for(const std::string& controller) const {
  for (const auto& h : v1) {
    if (std::find(h.controllers.begin(), h.controllers.end(), controller) != h.controllers.end()) return &h;
  }
  return nullptr;
}

HostLayout parse_mountinfo(const std::string& text) {
  HostLayout host;
  std::string unescaped;
  for (const procfs::MountLine& m : procfs::parse_mountinfo(text)) {
    std::string_view mount_point = m.mount_point;
    if (mount_point.find('\\') != std::string_view::npos) {
      unescaped = procfs::unescape(mount_point);
      mount_point = unescaped;
    }
    // A later mount on the same point hides the earlier one (e.g. a tmpfs
    // over the unified dir): the hidden hierarchy is not reachable there.
    if (host.v2 && host.v2->mount_point == mount_point) host.v2.reset();
    std::erase_if(host.v1, [&](const Hierarchy& o) { return o.mount_point == mount_point; });
    const bool v2 = m.fstype == "cgroup2";
    if (!v2 && m.fstype != "cgroup") continue;
    Hierarchy h;
    h.root = procfs::unescape(m.root);
    h.mount_point = std::string(mount_point);
    if (v2) {
      if (!host.v2) host.v2 = std::move(h);
      continue;
    }
    for (std::string_view opts = m.super_options; !opts.empty();) {
      std::string_view opt = next_piece(opts, ',');
      if (is_known_v1_controller(opt)) h.controllers.emplace_back(opt);
    }
    if (h.controllers.empty()) continue;
    bool seen = std::any_of(host.v1.begin(), host.v1.end(),
                            [&](const Hierarchy& o) { return o.controllers == h.controllers; });
    if (!seen) host.v1.push_back(std::move(h));
  }
  return host;
}

HostLayout read_host_layout() { return parse_mountinfo(fs::read("/proc/self/mountinfo")); }

std::map<std::string, std::string> parse_proc_cgroup(const std::string& text) {
  std::map<std::string, std::string> out;
  for (const procfs::CgroupLine& line : procfs::parse_proc_cgroup(text)) {
    if (line.controllers.empty()) {
      out[""] = std::string(line.path);
      continue;
    }
    for (std::string_view ctrls = line.controllers; !ctrls.empty();)
      out[std::string(next_piece(ctrls, ','))] = std::string(line.path);
  }
  return out;
}

std::string clean_cgroup_path(const std::string& p, const std::string& what) {
  std::string out;
  for (const auto& part : fs::split(p, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") throw Error(what + ": \"" + p + "\": \"..\" is not allowed in a cgroup path", EINVAL);
    out += "/" + part;
  }
  return out.empty() ? "/" : out;
}

std::string dir_in(const Hierarchy& h, const std::string& cgroup_path) {
  std::string rel = cgroup_path;
  std::string root = clean_cgroup_path(h.root, "mountinfo root");
  if (root != "/" && (rel == root || rel.rfind(root + "/", 0) == 0)) rel = rel.substr(root.size());
  if (rel.empty() || rel == "/") return h.mount_point;
  return h.mount_point + rel;
}

namespace {

std::string container_cgroup(const std::string& own, const std::string& cgroups_path, const std::string& id) {
  std::string p = cgroups_path.empty() ? id : cgroups_path;
  if (p.empty()) throw Error("cgroupsPath: empty path and no container id", EINVAL);
  std::string clean = clean_cgroup_path(p, "linux.cgroupsPath");
  if (p[0] == '/') return clean;
  std::string base = clean_cgroup_path(own.empty() ? "/" : own, "/proc/self/cgroup");
  return base == "/" ? clean : base + clean;
}

}  // namespace

std::map<std::string, std::string> resolve_paths(const HostLayout& host, const std::map<std::string, std::string>& own,
                                                 const std::string& cgroups_path, const std::string& id) {
  std::map<std::string, std::string> out;
  Layout layout = host.layout();
  auto own_of = [&](const std::string& key) {
    auto it = own.find(key);
    return it == own.end() ? std::string("/") : it->second;
  };
  // A root holds every process of the host (or of the namespace): no
  // container's own.
  auto not_root = [&](const Hierarchy& h, const std::string& dir) {
    if (dir != h.mount_point) return dir;
    throw Error("linux.cgroupsPath: \"" + cgroups_path + "\" is the root of the cgroup hierarchy at " + dir +
                    "; a container needs a cgroup of its own",
                EINVAL);
  };
  if (layout != Layout::v2) {
    for (const auto& h : host.v1) {
      std::string dir = not_root(h, dir_in(h, container_cgroup(own_of(h.controllers.front()), cgroups_path, id)));
      for (const auto& c : h.controllers) out[c] = dir;
    }
  }
  if (host.v2 && layout != Layout::v1) {
    std::string dir = not_root(*host.v2, dir_in(*host.v2, container_cgroup(own_of(""), cgroups_path, id)));
    out[layout == Layout::v2 ? "" : "unified"] = dir;
  }
  return out;
}

}  // namespace minirun::cgroup
