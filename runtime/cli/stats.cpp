// runc's stats JSON, as `events` prints it.
#include <nlohmann/json.hpp>
#include <type_traits>

#include "cgroup/cgroup.h"
#include "runtime/cli/cli.h"

namespace minirun::runtime::cli {

using nlohmann::ordered_json;

static ordered_json cpuset_json(const cgroup::CpusetStats& c) {
  ordered_json o = ordered_json::object();
  if (!c.cpus.empty()) o["cpus"] = c.cpus;
  o["cpu_exclusive"] = c.cpu_exclusive;
  if (!c.mems.empty()) o["mems"] = c.mems;
  o["mem_hardwall"] = c.mem_hardwall;
  o["mem_exclusive"] = c.mem_exclusive;
  o["memory_migrate"] = c.memory_migrate;
  o["memory_spread_page"] = c.memory_spread_page;
  o["memory_spread_slab"] = c.memory_spread_slab;
  o["memory_pressure"] = c.memory_pressure;
  o["sched_load_balance"] = c.sched_load_balance;
  o["sched_relax_domain_level"] = c.sched_relax_domain_level;
  return o;
}

// runc's types.Stats as runc 1.1 prints it: its field order, and what Go's
// omitempty drops (zero numbers, empty lists) left out.
ordered_json stats_json(const cgroup::Stats& s) {
  auto opt = [](ordered_json& o, const char* key, const auto& v) {
    if constexpr (std::is_arithmetic_v<std::decay_t<decltype(v)>>) {
      if (v != 0) o[key] = v;
    } else {
      if (!v.empty()) o[key] = v;
    }
  };
  auto entry = [&](const cgroup::MemoryEntry& e) {
    ordered_json o = {{"limit", e.limit}};
    opt(o, "usage", e.usage);
    opt(o, "max", e.max_usage);
    o["failcnt"] = e.failcnt;
    return o;
  };
  auto blkio = [&](const std::vector<cgroup::BlkioEntry>& v) {
    ordered_json a = ordered_json::array();
    for (const auto& e : v) {
      ordered_json o = ordered_json::object();
      opt(o, "major", e.major);
      opt(o, "minor", e.minor);
      opt(o, "op", e.op);
      opt(o, "value", e.value);
      a.push_back(std::move(o));
    }
    return a;
  };
  ordered_json usage = ordered_json::object();
  opt(usage, "total", s.cpu.total_usage);
  opt(usage, "percpu", s.cpu.percpu_usage);
  opt(usage, "percpu_kernel", s.cpu.percpu_kernel);
  opt(usage, "percpu_user", s.cpu.percpu_user);
  usage["kernel"] = s.cpu.usage_kernel;
  usage["user"] = s.cpu.usage_user;
  ordered_json throttling = ordered_json::object();
  opt(throttling, "periods", s.cpu.throttling_periods);
  opt(throttling, "throttledPeriods", s.cpu.throttled_periods);
  opt(throttling, "throttledTime", s.cpu.throttled_time);

  ordered_json memory = ordered_json::object();
  opt(memory, "cache", s.memory.cache);
  memory["usage"] = entry(s.memory.usage);
  memory["swap"] = entry(s.memory.swap);
  memory["kernel"] = entry(s.memory.kernel);
  memory["kernelTCP"] = entry(s.memory.kernel_tcp);
  if (!s.memory.raw.empty()) memory["raw"] = s.memory.raw;  // a Go map: keys sorted, as std::map

  ordered_json pids = ordered_json::object();
  opt(pids, "current", s.pids.current);
  opt(pids, "limit", s.pids.limit);
  ordered_json io = ordered_json::object();
  if (!s.blkio.io_service_bytes_recursive.empty())
    io["ioServiceBytesRecursive"] = blkio(s.blkio.io_service_bytes_recursive);
  if (!s.blkio.io_serviced_recursive.empty()) io["ioServicedRecursive"] = blkio(s.blkio.io_serviced_recursive);
  ordered_json hugetlb = ordered_json::object();
  for (const auto& [size, h] : s.hugetlb) {
    ordered_json o = ordered_json::object();
    opt(o, "usage", h.usage);
    opt(o, "max", h.max_usage);
    o["failcnt"] = h.failcnt;
    hugetlb[size] = std::move(o);
  }
  return ordered_json{{"cpu", {{"usage", usage}, {"throttling", throttling}}},
                      {"cpuset", cpuset_json(s.cpuset)},
                      {"memory", memory},
                      {"pids", pids},
                      {"blkio", io},
                      {"hugetlb", hugetlb},
                      {"intel_rdt", ordered_json::object()},
                      {"network_interfaces", nullptr}};
}

}  // namespace minirun::runtime::cli
