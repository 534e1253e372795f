// cgroup v1 memory controller: limits, swap (memsw), kernel memory, OOM.
#include <cerrno>

#include "cgroup/fs.h"
#include "cgroup/v1.h"
#include "spec/error.h"

namespace minirun::cgroup::v1 {

namespace {

std::string f(const std::string& dir, const char* name) { return fs::join(dir, name); }

void set_limit(const std::string& dir, int64_t limit) {
  std::string file = f(dir, "memory.limit_in_bytes");
  int err = fs::write_errno(file, std::to_string(limit));
  if (err == 0) return;
  if (err == EBUSY) {
    // The kernel refuses a limit below the current usage: say so.
    throw Error("linux.resources.memory.limit: write " + file + " \"" + std::to_string(limit) +
                    "\": limit is below the current usage " + std::to_string(fs::read_uint(f(dir, "memory.usage_in_bytes"))) +
                    " (peak " + std::to_string(fs::read_uint(f(dir, "memory.max_usage_in_bytes"))) + ")",
                err);
  }
  fs::write_field("memory.limit", file, std::to_string(limit));
}

void set_swap(const std::string& dir, int64_t memsw) {
  std::string file = f(dir, "memory.memsw.limit_in_bytes");
  if (!fs::exists(file)) {
    throw Error("linux.resources.memory.swap: " + file +
                    " does not exist (swap accounting is off on this host: boot with swapaccount=1)",
                ENOENT);
  }
  fs::write_field("memory.swap", file, std::to_string(memsw));
}

}  // namespace

void apply_memory(const std::string& dir, const spec::Memory& m) {
  int64_t limit = m.limit.value_or(0);
  int64_t swap = m.swap.value_or(0);  // OCI v1 semantic: memory + swap
  // An unlimited memory with no swap given means unlimited swap too (runc).
  if (limit == -1 && swap == 0 && fs::exists(f(dir, "memory.memsw.limit_in_bytes"))) swap = -1;

  if (m.check_before_update.value_or(false) && limit > 0) {
    uint64_t usage = fs::read_uint(f(dir, "memory.usage_in_bytes"));
    if (static_cast<uint64_t>(limit) < usage) {
      throw Error("linux.resources.memory.limit: " + std::to_string(limit) + " is below the current usage " +
                      std::to_string(usage) + " of " + dir + " (checkBeforeUpdate)",
                  EBUSY);
    }
  }

  // The kernel keeps memsw >= limit at all times, so the order depends on
  // whether the limits grow or shrink.
  bool done = false;
  if (limit != 0 && swap != 0) {
    uint64_t current = fs::read_uint(f(dir, "memory.limit_in_bytes"));
    if (swap == -1 || current < static_cast<uint64_t>(swap)) {
      set_swap(dir, swap);
      set_limit(dir, limit);
      done = true;
    }
  }
  if (!done) {
    if (limit != 0) set_limit(dir, limit);
    if (swap != 0) set_swap(dir, swap);
  }

  if (m.reservation && *m.reservation != 0) {
    fs::write_field("memory.reservation", f(dir, "memory.soft_limit_in_bytes"), std::to_string(*m.reservation));
  }
  if (m.kernel && *m.kernel != 0) {
    fs::write_field("memory.kernel", f(dir, "memory.kmem.limit_in_bytes"), std::to_string(*m.kernel));
  }
  if (m.kernel_tcp && *m.kernel_tcp != 0) {
    fs::write_field("memory.kernelTCP", f(dir, "memory.kmem.tcp.limit_in_bytes"), std::to_string(*m.kernel_tcp));
  }
  if (m.swappiness) {
    if (*m.swappiness > 100) {
      throw Error("linux.resources.memory.swappiness: " + std::to_string(*m.swappiness) + " is out of range 0-100",
                  EINVAL);
    }
    fs::write_field("memory.swappiness", f(dir, "memory.swappiness"), std::to_string(*m.swappiness));
  }
  if (m.disable_oom_killer.value_or(false)) {
    fs::write_field("memory.disableOOMKiller", f(dir, "memory.oom_control"), "1");
  }
  if (m.use_hierarchy) {
    std::string file = f(dir, "memory.use_hierarchy");
    int err = fs::write_errno(file, *m.use_hierarchy ? "1" : "0");
    // Since Linux 5.x hierarchy is always on and "0" is refused: nothing to do.
    if (err != 0 && !(err == EINVAL && !*m.use_hierarchy)) {
      fs::write_field("memory.useHierarchy", file, *m.use_hierarchy ? "1" : "0");
    }
  }
}

uint64_t oom_kill_count(const std::string& memory_dir) {
  return fs::read_keyed(f(memory_dir, "memory.oom_control"))["oom_kill"];
}

void memory_stats(const std::string& dir, MemoryStats& out) {
  auto entry = [&](const std::string& prefix, MemoryEntry& e) {
    e.usage = fs::read_uint(f(dir, (prefix + "usage_in_bytes").c_str()));
    e.max_usage = fs::read_uint(f(dir, (prefix + "max_usage_in_bytes").c_str()));
    e.failcnt = fs::read_uint(f(dir, (prefix + "failcnt").c_str()));
    e.limit = fs::read_uint(f(dir, (prefix + "limit_in_bytes").c_str()));
  };
  entry("memory.", out.usage);
  entry("memory.memsw.", out.swap);
  entry("memory.kmem.", out.kernel);
  entry("memory.kmem.tcp.", out.kernel_tcp);
  out.raw = fs::read_keyed(f(dir, "memory.stat"));
  out.cache = out.raw.count("cache") ? out.raw["cache"] : 0;
  out.oom_kill = oom_kill_count(dir);
}

}  // namespace minirun::cgroup::v1
