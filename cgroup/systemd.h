// Private: the systemd driver (--systemd-cgroup).  The container's cgroup is
// a transient scope systemd makes over D-Bus; what systemd can express goes
// as unit properties, and everything is also written to the files below the
// scope by the cgroupfs manager of the scope's dirs (as runc does), so a
// limit systemd has no property for still holds.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cgroup/cgroup.h"

namespace minirun::cgroup::systemd {

// cgroupsPath "slice:prefix:name" (runc's form), parsed.
struct UnitName {
  std::string slice;  // "system.slice" when empty in the path
  std::string unit;   // "prefix-name.scope"
};
// Throws naming cgroupsPath on anything else; empty `cgroups_path` gives
// "system.slice:minirun:<id>".
UnitName parse_cgroups_path(const std::string& cgroups_path, const std::string& id);
// The slice's cgroup as systemd nests it: "a-b.slice" -> "/a.slice/a-b.slice",
// "-.slice" -> "/".  Throws on names systemd refuses.
std::string expand_slice(const std::string& slice);

// The unit properties for `r` ([name, D-Bus signature, value] triples, the
// companion's format) on a host of `layout`: only what systemd has words for.
nlohmann::json resource_properties(const spec::Resources& r, Layout layout);
// "0-2,7" -> systemd's CPU/NUMA bitmask (byte 0 = CPUs 0-7).
std::vector<uint8_t> cpu_mask(const std::string& list);
// org.systemd.property.NAME annotations -> properties: "true"/"false" as
// booleans, digits as uint64, 'quoted' or "quoted" text or anything else as
// a string; a "uint64 N" prefix as runc's GVariant syntax allows.
nlohmann::json annotation_properties(const std::map<std::string, std::string>& annotations);

class SystemdManager : public Manager {
 public:
  SystemdManager(std::string unit, std::string slice, std::unique_ptr<Manager> files, UnitCall call, Layout layout,
                 nlohmann::json extra_properties, bool started);

  std::string unit() const override { return unit_; }
  void set_first_process(pid_t pid) override { pid_ = pid; }

  std::map<std::string, std::string> paths() const override { return files_->paths(); }
  // The scope's dirs below each hierarchy first (those systemd does not
  // realize stay ours); the unit itself is started by the first apply(),
  // with the resources as its properties: one trip to systemd per create.
  void create() override { files_->create(); }
  void apply(const spec::Resources& r) override;
  void update(const spec::Resources& r) override;
  std::vector<std::string> join_files(bool cloned_into) const override { return files_->join_files(cloned_into); }
  int clone_into_fd() override { return -1; }  // systemd places the init
  void freeze() override { files_->freeze(); }
  void thaw() override { files_->thaw(); }
  FreezerState freezer_state() const override { return files_->freezer_state(); }
  std::vector<pid_t> processes() const override { return files_->processes(); }
  void kill_all(int sig, const ProcessFilter& only) override { files_->kill_all(sig, only); }
  // Stops the unit (systemd removes its dirs), then what is left of ours.
  void destroy() override;
  std::vector<std::string> made_parents() const override { return {}; }  // the slices are systemd's
  Stats stats() const override { return files_->stats(); }
  uint64_t oom_kill_count() const override { return files_->oom_kill_count(); }
  std::optional<int64_t> memory_limit() const override { return files_->memory_limit(); }
  int open_oom_event_fd() const override { return files_->open_oom_event_fd(); }

 private:
  std::string unit_, slice_;
  std::unique_ptr<Manager> files_;
  UnitCall call_;
  Layout layout_;
  nlohmann::json extra_;
  pid_t pid_ = 0;
  bool started_ = false;
};

}  // namespace minirun::cgroup::systemd
