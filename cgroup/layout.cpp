#include "cgroup/layout.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>

#include "cgroup/fs.h"
#include "spec/error.h"

namespace minirun::cgroup {

namespace {

bool is_known_v1_controller(std::string_view name) {
  static const std::set<std::string, std::less<>> names = {
      "cpu",     "cpuacct", "cpuset",   "memory", "devices",    "freezer", "net_cls", "net_prio",
      "blkio",   "perf_event", "hugetlb", "pids",   "rdma",       "misc",    "debug"};
  return names.count(name) != 0 || name.rfind("name=", 0) == 0;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
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

// The next `sep`-separated piece of `rest` (which loses it and the separator).
std::string_view next_piece(std::string_view& rest, char sep) {
  const size_t end = rest.find(sep);
  std::string_view piece = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  return piece;
}

// The fields parse_mountinfo() needs from one line: "36 35 98:0 ROOT
// MOUNT_POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTIONS".
struct MountLine {
  std::string_view root, mount_point, fstype, super_options;
};

// Up to n more space-separated words of `line` into out; how many there were.
size_t take_words(std::string_view& line, std::string_view* out, size_t n) {
  size_t k = 0;
  while (!line.empty() && k < n) {
    std::string_view w = next_piece(line, ' ');
    if (!w.empty()) out[k++] = w;
  }
  return k;
}

bool split_mount_line(std::string_view line, MountLine& out) {
  std::string_view words[5], after[3];
  if (take_words(line, words, 5) < 5) return false;
  while (!line.empty()) {
    if (next_piece(line, ' ') != "-") continue;
    if (take_words(line, after, 3) < 3) return false;
    out = {words[3], words[4], after[0], after[2]};
    return true;
  }
  return false;
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

// string_views, no copy per line: `run` parses the whole table at each start.
HostLayout parse_mountinfo(const std::string& text) {
  HostLayout host;
  std::string unescaped;
  for (std::string_view rest(text); !rest.empty();) {
    MountLine m;
    if (!split_mount_line(next_piece(rest, '\n'), m)) continue;
    std::string_view mount_point = m.mount_point;
    if (mount_point.find('\\') != std::string_view::npos) {
      unescaped = unescape(mount_point);
      mount_point = unescaped;
    }
    // A later mount on the same point hides the earlier one (e.g. a tmpfs
    // over the unified dir): the hidden hierarchy is not reachable there.
    if (host.v2 && host.v2->mount_point == mount_point) host.v2.reset();
    std::erase_if(host.v1, [&](const Hierarchy& o) { return o.mount_point == mount_point; });
    const bool v2 = m.fstype == "cgroup2";
    if (!v2 && m.fstype != "cgroup") continue;
    Hierarchy h;
    h.root = unescape(m.root);
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
