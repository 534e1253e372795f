#include "cgroup/layout.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "cgroup/fs.h"
#include "spec/error.h"

namespace minirun::cgroup {

namespace {

const std::set<std::string>& known_v1_controllers() {
  static const std::set<std::string> names = {"cpu",    "cpuacct",    "cpuset", "memory",  "devices",
                                              "freezer", "net_cls",   "net_prio", "blkio", "perf_event",
                                              "hugetlb", "pids",      "rdma",   "misc",    "debug"};
  return names;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  for (auto& w : fs::split(line, ' ')) {
    if (!w.empty()) out.push_back(w);
  }
  return out;
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
  for (const auto& line : fs::split(text, '\n')) {
    auto w = words(line);
    auto dash = std::find(w.begin(), w.end(), "-");
    if (dash == w.end() || w.size() < 5 || dash + 3 > w.end()) continue;
    const std::string& fstype = *(dash + 1);
    Hierarchy h;
    h.root = unescape(w[3]);
    h.mount_point = unescape(w[4]);
    // A later mount on the same point hides the earlier one (e.g. a tmpfs
    // over the unified dir): the hidden hierarchy is not reachable there.
    if (host.v2 && host.v2->mount_point == h.mount_point) host.v2.reset();
    std::erase_if(host.v1, [&](const Hierarchy& o) { return o.mount_point == h.mount_point; });
    if (fstype == "cgroup2") {
      if (!host.v2) host.v2 = h;
      continue;
    }
    if (fstype != "cgroup") continue;
    for (const auto& opt : fs::split(*(dash + 3), ',')) {
      if (known_v1_controllers().count(opt) || opt.rfind("name=", 0) == 0) h.controllers.push_back(opt);
    }
    if (h.controllers.empty()) continue;
    bool seen = std::any_of(host.v1.begin(), host.v1.end(),
                            [&](const Hierarchy& o) { return o.controllers == h.controllers; });
    if (!seen) host.v1.push_back(h);
  }
  return host;
}

HostLayout read_host_layout() { return parse_mountinfo(fs::read("/proc/self/mountinfo")); }

std::map<std::string, std::string> parse_proc_cgroup(const std::string& text) {
  std::map<std::string, std::string> out;
  for (const auto& line : fs::split(text, '\n')) {
    auto first = line.find(':');
    if (first == std::string::npos) continue;
    auto second = line.find(':', first + 1);
    if (second == std::string::npos) continue;
    std::string ctrls = line.substr(first + 1, second - first - 1);
    std::string path = line.substr(second + 1);
    if (ctrls.empty()) {
      out[""] = path;
      continue;
    }
    for (const auto& c : fs::split(ctrls, ',')) out[c] = path;
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

namespace {

std::string dir_in(const Hierarchy& h, const std::string& cgroup_path) {
  // cgroup_path is absolute in the hierarchy; the mount shows h.root there.
  std::string rel = cgroup_path;
  std::string root = clean_cgroup_path(h.root, "mountinfo root");
  if (root != "/" && (rel == root || rel.rfind(root + "/", 0) == 0)) rel = rel.substr(root.size());
  if (rel.empty() || rel == "/") return h.mount_point;
  return h.mount_point + rel;
}

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
  if (layout != Layout::v2) {
    for (const auto& h : host.v1) {
      std::string dir = dir_in(h, container_cgroup(own_of(h.controllers.front()), cgroups_path, id));
      for (const auto& c : h.controllers) out[c] = dir;
    }
  }
  if (host.v2 && layout != Layout::v1) {
    std::string dir = dir_in(*host.v2, container_cgroup(own_of(""), cgroups_path, id));
    out[layout == Layout::v2 ? "" : "unified"] = dir;
  }
  return out;
}

}  // namespace minirun::cgroup
