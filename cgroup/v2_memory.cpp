// cgroup v2 memory controller.
#include <cerrno>
#include <limits>

#include "cgroup/fs.h"
#include "cgroup/v2.h"
#include "spec/error.h"

namespace minirun::cgroup::v2 {

namespace {

std::string f(const std::string& dir, const char* name) { return fs::join(dir, name); }

// OCI numbers: 0 unset, -1 unlimited.
std::string num(int64_t v) { return v == -1 ? "max" : v == 0 ? "" : std::to_string(v); }

}  // namespace

int64_t swap_to_v2(int64_t swap, int64_t limit) {
  if (limit == -1 && swap == 0) return -1;
  if (swap == -1 || swap == 0) return swap;
  if (limit == 0 || limit == -1) {
    throw Error("linux.resources.memory.swap: a swap limit needs a memory limit", EINVAL);
  }
  if (limit < 0) throw Error("linux.resources.memory.limit: invalid value " + std::to_string(limit), EINVAL);
  if (swap < limit) {
    throw Error("linux.resources.memory.swap: " + std::to_string(swap) + " is below memory.limit " +
                    std::to_string(limit) + " (swap is memory+swap)",
                EINVAL);
  }
  return swap - limit;
}

void apply_memory(const std::string& dir, const spec::Memory& m) {
  int64_t limit = m.limit.value_or(0);
  int64_t swap = m.swap.value_or(0);
  if (m.check_before_update.value_or(false) && limit > 0) {
    uint64_t usage = fs::read_uint(f(dir, "memory.current"));
    if (static_cast<uint64_t>(limit) < usage) {
      throw Error("linux.resources.memory.limit: " + std::to_string(limit) + " is below the current usage " +
                      std::to_string(usage) + " of " + dir + " (checkBeforeUpdate)",
                  EBUSY);
    }
  }
  int64_t v2swap = swap_to_v2(swap, limit);
  std::string swap_str = num(v2swap);
  if (swap_str.empty() && v2swap == 0 && swap > 0) swap_str = "0";  // swap == limit: no swap
  if (!swap_str.empty()) {
    std::string file = f(dir, "memory.swap.max");
    int err = fs::write_errno(file, swap_str);
    // No swap accounting: "max" and "0" are what we have anyway.
    if (err != 0 && !(err == ENOENT && (swap_str == "max" || swap_str == "0"))) {
      fs::write_field("memory.swap", file, swap_str);
    }
  }
  if (auto v = num(limit); !v.empty()) fs::write_field("memory.limit", f(dir, "memory.max"), v);
  if (m.reservation) {
    if (auto v = num(*m.reservation); !v.empty()) fs::write_field("memory.reservation", f(dir, "memory.low"), v);
  }
  if (m.swappiness) {
    if (*m.swappiness > 100) {
      throw Error("linux.resources.memory.swappiness: " + std::to_string(*m.swappiness) + " is out of range 0-100",
                  EINVAL);
    }
  }
  // kernel, kernelTCP, swappiness, disableOOMKiller and useHierarchy have no
  // cgroup v2 file; runc ignores them there, and so do we.
}

void memory_stats(const std::string& dir, MemoryStats& out) {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  auto limit = [&](const char* name) {
    auto text = fs::try_read(f(dir, name));
    return text ? fs::parse_uint(*text).value_or(kMax) : kMax;
  };
  out.usage.usage = fs::read_uint(f(dir, "memory.current"));
  out.usage.max_usage = fs::read_uint(f(dir, "memory.peak"));
  out.usage.limit = limit("memory.max");
  auto events = fs::read_keyed(f(dir, "memory.events"));
  out.usage.failcnt = events["max"];
  out.oom_kill = events["oom_kill"];
  // runc reports swap as memory+swap, like v1's memsw.
  uint64_t swap_max = limit("memory.swap.max");
  out.swap.usage = out.usage.usage + fs::read_uint(f(dir, "memory.swap.current"));
  out.swap.limit = (swap_max == kMax || out.usage.limit == kMax) ? kMax : swap_max + out.usage.limit;
  out.raw = fs::read_keyed(f(dir, "memory.stat"));
  out.cache = out.raw.count("file") ? out.raw["file"] : 0;
  out.kernel.usage = out.raw.count("kernel") ? out.raw["kernel"] : 0;
  out.kernel_tcp.usage = out.raw.count("sock") ? out.raw["sock"] : 0;
}

}  // namespace minirun::cgroup::v2
