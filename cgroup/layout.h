// Private: where the cgroup hierarchies are mounted and where a container's
// cgroup goes in each.  Parsing takes text so tests can feed sample
// /proc/self/mountinfo and /proc/self/cgroup files of every layout.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cgroup/cgroup.h"

namespace minirun::cgroup {

struct Hierarchy {
  std::vector<std::string> controllers;  // v1: {"cpu", "cpuacct"} or {"name=systemd"}; v2: {}
  std::string mount_point;               // /sys/fs/cgroup/memory
  std::string root;                      // the cgroup mounted there (mountinfo field 4), usually "/"
};

struct HostLayout {
  std::vector<Hierarchy> v1;     // first mount of each v1 hierarchy
  std::optional<Hierarchy> v2;   // the first cgroup2 mount
  Layout layout() const;         // v1 controllers only: v1; cgroup2 only: v2; both: hybrid
  // The v1 hierarchy carrying `controller`, or null.
  const Hierarchy* v1_for(const std::string& controller) const;
};

HostLayout parse_mountinfo(const std::string& text);
HostLayout read_host_layout();  // /proc/self/mountinfo

// /proc/PID/cgroup: controller -> path.  A v1 line "4:cpu,cpuacct:/a" gives
// "cpu" and "cpuacct"; "9:name=systemd:/" gives "name=systemd"; "0::/b" gives "".
std::map<std::string, std::string> parse_proc_cgroup(const std::string& text);

// The dir of `cgroup_path` (absolute in the hierarchy, as /proc/PID/cgroup
// has it) below the mount of `h`, which shows h.root there.
std::string dir_in(const Hierarchy& h, const std::string& cgroup_path);

// The container's directory in every hierarchy, keyed as Manager::paths():
// one key per v1 controller, "unified" for cgroup2 on a hybrid host, "" on a
// v2-only host.  Relative or empty `cgroups_path` nests under `own` (from
// parse_proc_cgroup); absolute is taken below each mount point.  Throws on
// ".." components.
std::map<std::string, std::string> resolve_paths(const HostLayout& host, const std::map<std::string, std::string>& own,
                                                 const std::string& cgroups_path, const std::string& id);

// "/a//b/" -> "/a/b"; throws Error naming `what` on a ".." component.
std::string clean_cgroup_path(const std::string& p, const std::string& what);

}  // namespace minirun::cgroup
