// Private: cgroup v1, one directory per hierarchy.  One file per controller
// writes its part of spec::Resources (v1_memory.cpp, v1_cpu.cpp, ...).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "cgroup/cgroup.h"

namespace minirun::cgroup::v1 {

// Controller writers: `dir` is the container's directory in that
// controller's hierarchy.  Absent fields are not written.
void apply_memory(const std::string& dir, const spec::Memory& m);
void apply_cpu(const std::string& dir, const spec::Cpu& c);
void apply_cpuset(const std::string& dir, const spec::Cpu& c);
// cpuset.cpus/mems of a new cgroup start empty: copy them from the parent.
void inherit_cpuset(const std::string& dir);
void apply_blkio(const std::string& dir, const spec::BlockIO& b);
void apply_net_cls(const std::string& dir, uint32_t class_id);
void apply_net_prio(const std::string& dir, const std::vector<spec::NetPriority>& prios);
// Writes only the change from devices.list to the state `rules` give
// (v1_devices.h), then checks devices.list.
void apply_devices(const std::string& dir, const std::vector<spec::DeviceRule>& rules);

// Stats readers.
void cpu_stats(const std::string& cpu_dir, const std::string& cpuacct_dir, CpuStats& out);
void cpuset_stats(const std::string& dir, CpusetStats& out);
// "0-3,8" -> {0,1,2,3,8}; throws on a malformed list.
std::vector<uint16_t> parse_cpu_list(const std::string& text);
void memory_stats(const std::string& dir, MemoryStats& out);
void pids_stats(const std::string& dir, PidsStats& out);
void blkio_stats(const std::string& dir, BlkioStats& out);
void hugetlb_stats(const std::string& dir, std::map<std::string, HugetlbStats>& out);
uint64_t oom_kill_count(const std::string& memory_dir);
// Parses blkio "8:0 Read 4096" lines (the Total line is skipped).
std::vector<BlkioEntry> parse_blkio_stat(const std::string& text);
// "user 12\nsystem 3" in USER_HZ ticks -> nanoseconds.
void parse_cpuacct_stat(const std::string& text, long ticks_per_second, uint64_t& user_ns, uint64_t& system_ns);

class V1Manager : public Manager {
 public:
  // `paths`: controller -> dir, as resolve_paths().  `made_known`: false for
  // a manager rebuilt from state (destroy then removes the leaf dirs).
  V1Manager(std::map<std::string, std::string> paths, bool made_known);

  std::map<std::string, std::string> paths() const override { return paths_; }
  void create() override;
  void apply(const spec::Resources& r) override;
  void update(const spec::Resources& r) override { apply(r); }
  std::vector<std::string> join_files(bool cloned_into) const override;
  int clone_into_fd() override { return -1; }
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

  bool has(const std::string& controller) const { return paths_.count(controller) != 0; }
  std::string dir(const std::string& controller) const;

 private:
  std::vector<std::string> own_dirs() const;  // what destroy() removes
  std::vector<std::string> distinct_dirs() const;

  std::map<std::string, std::string> paths_;
  bool made_known_;
  std::vector<std::string> made_;  // dirs create() made, parents first
};

}  // namespace minirun::cgroup::v1
