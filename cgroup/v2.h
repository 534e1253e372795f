// Private: cgroup v2, one directory.  One file per controller writes its
// part of spec::Resources (v2_memory.cpp, v2_cpu.cpp, v2_io.cpp, ...).
// Also the cgroup2 half of a hybrid host: there it only holds the process
// (no controllers enabled) unless a resource needs a controller that only
// cgroup2 has here (hugetlb, rdma, `unified` keys).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "cgroup/cgroup.h"

namespace minirun::cgroup::v2 {

// Controller writers.  Absent fields are not written.
void apply_memory(const std::string& dir, const spec::Memory& m);
void apply_cpu(const std::string& dir, const spec::Cpu& c);
void apply_io(const std::string& dir, const spec::BlockIO& b);
void apply_unified(const std::string& dir, const std::map<std::string, std::string>& unified);

// OCI memory.swap (memory+swap) -> memory.swap.max, as runc: -1 max, 0 unset.
int64_t swap_to_v2(int64_t swap, int64_t limit);
// blkio weight 10..1000 -> io.weight 1..10000.
uint64_t blkio_weight_to_io_weight(uint64_t w);
// The controller a `unified` key belongs to ("memory.max" -> "memory"); throws on bad keys.
std::string unified_key_controller(const std::string& key);

void cpu_stats(const std::string& dir, CpuStats& out);
void memory_stats(const std::string& dir, MemoryStats& out);
void pids_stats(const std::string& dir, PidsStats& out);
void io_stats(const std::string& dir, BlkioStats& out);
void hugetlb_stats(const std::string& dir, std::map<std::string, HugetlbStats>& out);
std::vector<BlkioEntry> parse_io_stat(const std::string& text, bool bytes);

class V2Manager : public Manager {
 public:
  // `key`: "" on a v2 host, "unified" on a hybrid one.  `full`: this is the
  // only hierarchy, so create() enables every controller and devices are an
  // eBPF program here.
  V2Manager(std::string mount_point, std::string dir, std::string key, bool full, bool made_known);

  std::map<std::string, std::string> paths() const override { return {{key_, dir_}}; }
  void create() override;
  void create_clone_dir() override { create(); }
  void apply(const spec::Resources& r) override;
  void update(const spec::Resources& r) override { apply(r); }
  std::vector<std::string> join_files(bool cloned_into) const override;
  int clone_into_fd() override;
  void freeze() override;
  void thaw() override;
  FreezerState freezer_state() const override;
  std::vector<pid_t> processes() const override;
  void kill_all(int sig, const ProcessFilter& only) override;
  void destroy() override;
  // The fast half of destroy(): rmdir only, true when everything went.
  bool remove_if_empty();
  std::vector<std::string> made_parents() const override;
  Stats stats() const override;
  uint64_t oom_kill_count() const override;
  std::optional<int64_t> memory_limit() const override;
  int open_oom_event_fd() const override;

  const std::string& dir() const { return dir_; }
  // Controllers the parent offers this cgroup (cgroup.controllers of dir's parent).
  std::set<std::string> available_controllers() const;
  // "+c" in cgroup.subtree_control of every ancestor from the mount point
  // down to dir's parent, where not yet on.  Failures are left for the
  // controller's file write to report.
  void enable_controllers(const std::set<std::string>& wanted);

 private:
  std::vector<std::string> own_dirs() const;  // what destroy() removes
  void wait_frozen(bool frozen);

  std::string mount_point_, dir_, key_;
  bool full_;
  bool made_known_;
  bool created_ = false;  // create() ran: a second call (after create_clone_dir) does nothing
  std::vector<std::string> made_;
};

}  // namespace minirun::cgroup::v2
