// cgroup v2 cpu and cpuset controllers.
#include <cerrno>

#include "cgroup/fs.h"
#include "cgroup/v2.h"
#include "spec/error.h"

namespace minirun::cgroup::v2 {

namespace {
std::string f(const std::string& dir, const char* name) { return fs::join(dir, name); }
}  // namespace

void apply_cpu(const std::string& dir, const spec::Cpu& c) {
  if ((c.realtime_runtime && *c.realtime_runtime != 0) || (c.realtime_period && *c.realtime_period != 0)) {
    throw Error("linux.resources.cpu.realtimeRuntime/realtimePeriod: real-time cpu limits do not exist on cgroup v2",
                EINVAL);
  }
  if (c.idle) fs::write_field("cpu.idle", f(dir, "cpu.idle"), std::to_string(*c.idle));
  if (c.shares && *c.shares != 0) {
    fs::write_field("cpu.shares", f(dir, "cpu.weight"), std::to_string(shares_to_weight(*c.shares)));
  }
  int64_t quota = c.quota.value_or(0);
  uint64_t period = c.period.value_or(0);
  if (quota != 0 || period != 0) {
    std::string v = quota > 0 ? std::to_string(quota) : "max";
    if (period != 0) v += " " + std::to_string(period);
    fs::write_field(quota != 0 ? "cpu.quota" : "cpu.period", f(dir, "cpu.max"), v);
  }
  // After cpu.max: the burst must not exceed the quota.
  if (c.burst) fs::write_field("cpu.burst", f(dir, "cpu.max.burst"), std::to_string(*c.burst));
  if (!c.cpus.empty()) fs::write_field("cpu.cpus", f(dir, "cpuset.cpus"), c.cpus);
  if (!c.mems.empty()) fs::write_field("cpu.mems", f(dir, "cpuset.mems"), c.mems);
}

void cpu_stats(const std::string& dir, CpuStats& out) {
  auto st = fs::read_keyed(f(dir, "cpu.stat"));
  out.total_usage = st["usage_usec"] * 1000;
  out.usage_user = st["user_usec"] * 1000;
  out.usage_kernel = st["system_usec"] * 1000;
  out.throttling_periods = st["nr_periods"];
  out.throttled_periods = st["nr_throttled"];
  out.throttled_time = st["throttled_usec"] * 1000;
}

}  // namespace minirun::cgroup::v2
