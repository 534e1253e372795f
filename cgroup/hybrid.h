// Private: the hybrid manager (v1 controllers + the cgroup2 "unified" dir)
// and the factory both public constructors use.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "cgroup/layout.h"
#include "cgroup/v1.h"
#include "cgroup/v2.h"

namespace minirun::cgroup {

// Every resource goes to the v1 controllers, except those whose controller
// exists only on cgroup2 here (hugetlb, rdma, `unified` keys of such
// controllers), which go to the unified dir.  The process joins both, as
// runc does, so cgroup2-based tools (eBPF, systemd) see it.
class HybridManager : public Manager {
 public:
  HybridManager(std::unique_ptr<v1::V1Manager> v1, std::unique_ptr<v2::V2Manager> v2);

  std::map<std::string, std::string> paths() const override;
  void create() override;
  void create_clone_dir() override { v2_->create(); }
  void apply(const spec::Resources& r) override;
  void update(const spec::Resources& r) override { apply(r); }
  std::vector<std::string> join_files(bool cloned_into) const override;
  int clone_into_fd() override { return v2_->clone_into_fd(); }
  void freeze() override { v1_->freeze(); }
  void thaw() override { v1_->thaw(); }
  FreezerState freezer_state() const override { return v1_->freezer_state(); }
  std::vector<pid_t> processes() const override;
  void kill_all(int sig, const ProcessFilter& only) override;
  void destroy() override;
  std::vector<std::string> made_parents() const override;
  Stats stats() const override;
  uint64_t oom_kill_count() const override { return v1_->oom_kill_count(); }
  std::optional<int64_t> memory_limit() const override { return v1_->memory_limit(); }
  int open_oom_event_fd() const override { return v1_->open_oom_event_fd(); }

  // Splits `r` into the v1 part and the cgroup2 part; throws on `unified`
  // keys whose controller is on v1 here.
  void split(const spec::Resources& r, spec::Resources& for_v1, spec::Resources& for_v2) const;

  v1::V1Manager& v1() { return *v1_; }
  v2::V2Manager& v2() { return *v2_; }

 private:
  std::unique_ptr<v1::V1Manager> v1_;
  std::unique_ptr<v2::V2Manager> v2_;
};

// Builds the manager for `paths` (as resolve_paths() or state.json).
// `made_known`: false when rebuilt from state (destroy removes the leaves).
std::unique_ptr<Manager> make_manager(const HostLayout& host, const std::map<std::string, std::string>& paths,
                                      bool made_known);

}  // namespace minirun::cgroup
