// Helpers for the cgroup integration tests: every cgroup hierarchy of this
// host (v1 controllers, named ones like name=systemd, the cgroup2 mount) and
// where this test process sits in each.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "harness.h"

namespace minirun::test {

struct Hierarchy {
  std::string key;    // "memory", "cpu", "name=systemd", "unified"
  std::string mount;  // /sys/fs/cgroup/memory
  std::string own;    // this process's cgroup in it, "/" or "/a/b"
  std::string own_dir() const { return own == "/" ? mount : mount + own; }
};

// Every cgroup and cgroup2 mount, keyed as in /proc/self/cgroup.
inline std::vector<Hierarchy> cgroup_hierarchies() {
  std::vector<Hierarchy> out;
  std::vector<std::pair<std::string, std::string>> own;  // controllers -> path
  for (const auto& line : split_lines(read_text("/proc/self/cgroup"))) {
    auto a = line.find(':'), b = line.find(':', a + 1);
    own.emplace_back(line.substr(a + 1, b - a - 1), line.substr(b + 1));
  }
  for (const auto& line : split_lines(read_text("/proc/self/mountinfo"))) {
    std::istringstream in(line);
    std::vector<std::string> f;
    for (std::string w; in >> w;) f.push_back(w);
    size_t dash = 0;
    while (dash < f.size() && f[dash] != "-") ++dash;
    if (dash + 3 >= f.size() || f.size() < 5) continue;
    const std::string& type = f[dash + 1];
    if (type != "cgroup" && type != "cgroup2") continue;
    Hierarchy h;
    h.mount = f[4];
    if (type == "cgroup2") {
      h.key = "unified";
      for (const auto& [c, p] : own)
        if (c.empty()) h.own = p;
    } else {
      // Super options "rw,cpu,cpuacct" or "rw,name=systemd": match the
      // /proc/self/cgroup line naming the same controllers.
      std::vector<std::string> opts;
      std::stringstream ss(f[dash + 3]);
      for (std::string o; std::getline(ss, o, ',');) opts.push_back(o);
      for (const auto& [c, p] : own) {
        if (c.empty()) continue;
        std::stringstream cs(c);
        bool all = true;
        for (std::string one; std::getline(cs, one, ',');)
          if (std::find(opts.begin(), opts.end(), one) == opts.end()) all = false;
        if (all) {
          h.key = c;
          h.own = p;
        }
      }
    }
    if (!h.key.empty()) out.push_back(h);
  }
  return out;
}

inline const Hierarchy* find_hierarchy(const std::vector<Hierarchy>& hs, const std::string& key) {
  for (const auto& h : hs)
    if (h.key == key) return &h;
  return nullptr;
}

// Directories that exist for a cgroupsPath in any hierarchy: relative paths
// under our own cgroup, absolute ones under the mount point.
inline std::vector<std::string> existing_cgroup_dirs(const std::string& cgroups_path) {
  std::vector<std::string> found;
  for (const auto& h : cgroup_hierarchies()) {
    std::string d = cgroups_path[0] == '/' ? h.mount + cgroups_path : h.own_dir() + "/" + cgroups_path;
    if (path_exists(d)) found.push_back(d);
  }
  return found;
}

inline std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

inline void set_resources(Bundle& b, const nlohmann::json& resources) {
  b.config["linux"]["resources"] = resources;
  b.save();
}

constexpr int64_t kMiB = 1024 * 1024;

// linux.resources.memory for a limit a hog over it is OOM-killed by.  With
// swap on, a memory-only limit would let it swap instead: a v1 memory cgroup
// at swappiness 0 keeps its anonymous pages in RAM, and on v2 swap = limit
// makes memory.swap.max 0.  Without swap (a fresh VM) the limit alone.
inline nlohmann::json oom_memory(int64_t limit) {
  nlohmann::json m = {{"limit", limit}};
  if (host_has_swap()) {
    if (!own_cgroup_dir("memory").empty()) {
      m["swappiness"] = 0;
    } else {
      m["swap"] = limit;
    }
  }
  return m;
}

}  // namespace minirun::test
