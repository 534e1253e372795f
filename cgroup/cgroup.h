// cgroup/: one manager for v1, v2 and hybrid hosts.  Takes plain structs from
// spec/; knows nothing of the CLI, namespaces or rootfs.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "spec/spec.h"

namespace minirun::cgroup {

enum class Layout { v1, v2, hybrid };
Layout detect_layout();  // from /proc/self/mountinfo
const char* layout_name(Layout l);

enum class FreezerState { thawed, freezing, frozen, unknown };

// Which of a cgroup's processes a signal may reach: cgroup/ never decides
// that on its own; the runtime knows which processes are the container's.
using ProcessFilter = std::function<bool(pid_t)>;

// The systemd driver's line to systemd, given by the runtime (the
// minirun-systemd companion): `verb` "start", "set" or "stop" with a JSON
// request; throws an Error on failure.
using UnitCall = std::function<void(const std::string& verb, const std::string& request)>;

// runc's `events --stats` data (libcontainer/cgroups/stats.go), the parts
// that exist on this host.
struct CpuStats {
  uint64_t total_usage = 0, usage_kernel = 0, usage_user = 0;
  std::vector<uint64_t> percpu_usage, percpu_kernel, percpu_user;
  uint64_t throttling_periods = 0, throttled_periods = 0, throttled_time = 0;
};
// cpuset.* of a v1 cpuset cgroup (runc's CPUSetStats); empty on v2.
struct CpusetStats {
  std::vector<uint16_t> cpus, mems;
  uint64_t cpu_exclusive = 0, mem_hardwall = 0, mem_exclusive = 0, memory_migrate = 0, memory_spread_page = 0,
           memory_spread_slab = 0, memory_pressure = 0, sched_load_balance = 0;
  int64_t sched_relax_domain_level = 0;
};
struct MemoryEntry {
  uint64_t usage = 0, max_usage = 0, failcnt = 0, limit = 0;
};
struct MemoryStats {
  uint64_t cache = 0;
  MemoryEntry usage, swap, kernel, kernel_tcp;
  std::map<std::string, uint64_t> raw;  // memory.stat
  uint64_t oom_kill = 0;                 // OOM kills seen in this cgroup
};
struct PidsStats {
  uint64_t current = 0, limit = 0;  // limit 0: max
};
struct BlkioEntry {
  uint64_t major = 0, minor = 0;
  std::string op;
  uint64_t value = 0;
};
struct BlkioStats {
  std::vector<BlkioEntry> io_service_bytes_recursive, io_serviced_recursive;
};
struct HugetlbStats {
  uint64_t usage = 0, max_usage = 0, failcnt = 0;
};
struct Stats {
  CpuStats cpu;
  CpusetStats cpuset;
  MemoryStats memory;
  PidsStats pids;
  BlkioStats blkio;
  std::map<std::string, HugetlbStats> hugetlb;  // by page size "2MB"
};

class Manager {
 public:
  virtual ~Manager() = default;

  // Resolves where the container's cgroup lives on this host.  Relative
  // `cgroups_path` (or empty: `id`) nests under minirun's own cgroup in every
  // hierarchy (read from /proc/self/cgroup); an absolute path is used as
  // given, below each hierarchy's mount point.  Nothing is created yet.
  // Refuses a path that is the root of a hierarchy: a container's cgroup is
  // its own, and what is in it may be signalled.
  static std::unique_ptr<Manager> for_container(const std::string& cgroups_path, const std::string& id);
  // A v1 hierarchy the container's cgroup is in: where the host mounts it,
  // the container's dir there, its controllers ("cpu", "cpuacct").
  struct V1Mount {
    std::string mount_point, dir;
    std::vector<std::string> controllers;
  };
  // paths() per v1 hierarchy, with the mount table read when the manager was
  // made (a container's /sys/fs/cgroup is built from it); empty on v2 hosts.
  std::vector<V1Mount> v1_mounts() const;
  // The same for the cgroup this process is in (a rootless container with
  // no cgroup of its own stays in ours).
  static std::vector<V1Mount> own_v1_mounts();
  // Rebuilds a manager from paths() saved in state.json.
  static std::unique_ptr<Manager> from_paths(const std::map<std::string, std::string>& paths);

  // The systemd driver (--systemd-cgroup, as runc): `cgroups_path` is
  // "slice:prefix:name" (empty: "system.slice:minirun:<id>"), the cgroup the
  // transient scope "prefix-name.scope" in that slice, started by the first
  // apply() with the init (set_first_process()) in it, Delegate=yes and the
  // resources as unit properties (plus org.systemd.property.* annotations);
  // every resource is also written to the files below the scope.  Throws
  // when systemd is not PID 1 here.
  static std::unique_ptr<Manager> for_systemd(const std::string& cgroups_path, const std::string& id,
                                              const std::map<std::string, std::string>& annotations, UnitCall call);
  // The same, for a started unit, from unit() and paths() saved in state.json.
  static std::unique_ptr<Manager> from_unit(const std::string& unit, const std::map<std::string, std::string>& paths,
                                            UnitCall call);
  // The systemd unit holding the cgroup; empty for the cgroupfs driver.
  virtual std::string unit() const { return {}; }
  // systemd driver: the process the scope starts with (the init, still
  // waiting for "go"); systemd itself moves it there.  Others ignore it.
  virtual void set_first_process(pid_t) {}

  // Absolute directory per hierarchy: {"memory": "/sys/fs/cgroup/memory/...",
  // "unified": "/sys/fs/cgroup/unified/..."} (v2-only host: key "").
  virtual std::map<std::string, std::string> paths() const = 0;

  // mkdir -p in every hierarchy (remembering which dirs it made, for
  // destroy()); on v2 enables controllers top-down in cgroup.subtree_control.
  // Refuses a cgroup that is already frozen or already has processes, in it
  // or in any cgroup below it (runc 1.2): whatever is in a container's
  // cgroup after create got there through the container (or the admin).
  virtual void create() = 0;
  // The first half of create() for a caller that clones in between: only
  // the cgroup2 dir clone_into_fd() opens (nothing on a v1 host).  create()
  // then makes the rest; calling it alone still makes everything.
  virtual void create_clone_dir() {}
  // Writes every field of `r` (devices too: v1 files, v2 eBPF program).
  // Errors name the field and file: "linux.resources.memory.limit: write
  // /sys/fs/cgroup/memory/x/memory.limit_in_bytes: EINVAL".
  virtual void apply(const spec::Resources& r) = 0;
  // `update`: the same but only the fields present; devices replace the old
  // program/rules.
  virtual void update(const spec::Resources& r) = 0;
  // Moves the calling process (single-threaded) into the cgroup in every
  // hierarchy; `cloned_into`: it was born in the clone_into_fd() dir, so the
  // cgroup2 one is skipped.  v1 writes "0" to `tasks`: a thread moving itself
  // skips the kernel's global threadgroup lock, whose RCU grace period makes
  // writing another process's pid to cgroup.procs cost 5-20 ms.  There is no
  // call to place another process: every placement goes through this.
  void join_self(bool cloned_into);
  // The files join_self() writes "0" to, in order (v1 `tasks`, cgroup2
  // cgroup.procs).
  virtual std::vector<std::string> join_files(bool cloned_into) const = 0;
  // An O_RDONLY|O_DIRECTORY fd of the cgroup2 dir (v2 host: the container's;
  // hybrid: the unified one) for clone3(CLONE_INTO_CGROUP), which places the
  // child without that lock; -1 on a v1 host.  The caller closes it.
  virtual int clone_into_fd() = 0;

  virtual void freeze() = 0;  // returns once frozen
  virtual void thaw() = 0;
  virtual FreezerState freezer_state() const = 0;

  virtual std::vector<pid_t> processes() const = 0;  // every pid, recursive
  // Freezes the cgroup (as runc), sends `sig` to each of its processes
  // (recursive) that `only` accepts, thaws.  Each is signalled through a
  // pidfd opened before `only` looks at it, so a pid reused in between is
  // never hit.  Null `only`: every process (v2: cgroup.kill for SIGKILL).
  virtual void kill_all(int sig, const ProcessFilter& only) = 0;
  // Removes every dir create() made, in every hierarchy, waiting (~2 s) for
  // processes still on their way out; never signals anything (the caller
  // kills the container first).  A dir still holding processes then stays,
  // and destroy() throws naming them.  Safe to call twice and after a
  // partial create().
  virtual void destroy() = 0;
  // The dirs create() made above the container's own ones (parents first),
  // for state.json: destroy() of a manager from from_paths() cannot know
  // them; pass them to remove_made_parents() after it.
  virtual std::vector<std::string> made_parents() const = 0;

  virtual Stats stats() const = 0;
  virtual uint64_t oom_kill_count() const = 0;       // memory.oom_control oom_kill / memory.events oom_kill
  virtual std::optional<int64_t> memory_limit() const = 0;  // bytes, none if unlimited
  // An fd that becomes readable on each OOM event (v1 eventfd registered on
  // memory.oom_control; v2 inotify on memory.events).  -1 if not available.
  virtual int open_oom_event_fd() const = 0;
};

// Notes for the runtime (implementation in cgroup/*.cpp):
// - Call order: for_container -> create (or create_clone_dir, clone,
//   create) -> apply -> clone the init into clone_into_fd() where there is
//   one -> join_self() in the init before it execs; save paths() in
//   state.json; later commands use from_paths().  A throwing create() has already undone itself.
// - Devices: apply() writes exactly the rules given, last match wins (v1:
//   "deny a" then each rule; v2: an eBPF program, see device_filter.h).  runc's
//   default allowed set (null, zero, full, random, urandom, tty, ptmx, pts,
//   ...) is the runtime's to append; linux.devices never widens it.
//   An empty rule list leaves devices untouched.
// - Hybrid hosts: every resource goes to the v1 controllers; the process
//   also joins the cgroup2 dir ("unified" key), as runc does.  Resources
//   whose controller only cgroup2 has (here: hugetlb) go there, and
//   `unified` keys of v1 controllers are an error naming the key.
// - destroy() of a manager from from_paths() removes the leaf dirs (and any
//   below); parents made by create() are only known to that same object.
// - clone_into_fd(): the fd is O_RDONLY|O_DIRECTORY (works with
//   CLONE_INTO_CGROUP on every kernel that has it).

// rmdir of each of made_parents() (deepest first), not recursive: one still
// holding another container's cgroup, or already gone, is left alone.
void remove_made_parents(const std::vector<std::string>& dirs);
// The dirs above each of `paths` that do not exist yet (deepest first per
// path): what create() will make as parents.  Recorded before create(), so
// that a runtime killed before it could save made_parents() still names
// them; remove_made_parents() leaves any that another cgroup now holds.
std::vector<std::string> missing_parents(const std::map<std::string, std::string>& paths);

// Pure helpers, unit-tested.
uint64_t shares_to_weight(uint64_t shares);  // runc's conversion
std::string blkio_device_line(int64_t major, int64_t minor, uint64_t value);

}  // namespace minirun::cgroup
