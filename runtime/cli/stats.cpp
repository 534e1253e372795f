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

namespace {

// Go's omitempty: a zero number or an empty list is left out.
template <class T>
void put_unless_empty(ordered_json& o, const char* key, const T& v) {
  if constexpr (std::is_arithmetic_v<T>) {
    if (v != 0) o[key] = v;
  } else {
    if (!v.empty()) o[key] = v;
  }
}

ordered_json memory_entry_json(const cgroup::MemoryEntry& e) {
  ordered_json o = {{"limit", e.limit}};
  put_unless_empty(o, "usage", e.usage);
  put_unless_empty(o, "max", e.max_usage);
  o["failcnt"] = e.failcnt;
  return o;
}

ordered_json blkio_json(const std::vector<cgroup::BlkioEntry>& v) {
  ordered_json a = ordered_json::array();
  for (const auto& e : v) {
    ordered_json o = ordered_json::object();
    put_unless_empty(o, "major", e.major);
    put_unless_empty(o, "minor", e.minor);
    put_unless_empty(o, "op", e.op);
    put_unless_empty(o, "value", e.value);
    a.push_back(std::move(o));
  }
  return a;
}

ordered_json cpu_json(const cgroup::CpuStats& c) {
  ordered_json usage = ordered_json::object();
  put_unless_empty(usage, "total", c.total_usage);
  put_unless_empty(usage, "percpu", c.percpu_usage);
  put_unless_empty(usage, "percpu_kernel", c.percpu_kernel);
  put_unless_empty(usage, "percpu_user", c.percpu_user);
  usage["kernel"] = c.usage_kernel;
  usage["user"] = c.usage_user;
  ordered_json throttling = ordered_json::object();
  put_unless_empty(throttling, "periods", c.throttling_periods);
  put_unless_empty(throttling, "throttledPeriods", c.throttled_periods);
  put_unless_empty(throttling, "throttledTime", c.throttled_time);
  return {{"usage", usage}, {"throttling", throttling}};
}

ordered_json memory_json(const cgroup::MemoryStats& m) {
  ordered_json memory = ordered_json::object();
  put_unless_empty(memory, "cache", m.cache);
  memory["usage"] = memory_entry_json(m.usage);
  memory["swap"] = memory_entry_json(m.swap);
  memory["kernel"] = memory_entry_json(m.kernel);
  memory["kernelTCP"] = memory_entry_json(m.kernel_tcp);
  if (!m.raw.empty()) memory["raw"] = m.raw;  // a Go map: keys sorted, as std::map
  return memory;
}

ordered_json hugetlb_json(const std::map<std::string, cgroup::HugetlbStats>& sizes) {
  ordered_json hugetlb = ordered_json::object();
  for (const auto& [size, h] : sizes) {
    ordered_json o = ordered_json::object();
    put_unless_empty(o, "usage", h.usage);
    put_unless_empty(o, "max", h.max_usage);
    o["failcnt"] = h.failcnt;
    hugetlb[size] = std::move(o);
  }
  return hugetlb;
}

}  // namespace

// runc's types.Stats as runc 1.1 prints it: its field order, and what Go's
// omitempty drops (zero numbers, empty lists) left out.
ordered_json stats_json(const cgroup::Stats& s) {
  ordered_json pids = ordered_json::object();
  put_unless_empty(pids, "current", s.pids.current);
  put_unless_empty(pids, "limit", s.pids.limit);
  ordered_json io = ordered_json::object();
  if (!s.blkio.io_service_bytes_recursive.empty())
    io["ioServiceBytesRecursive"] = blkio_json(s.blkio.io_service_bytes_recursive);
  if (!s.blkio.io_serviced_recursive.empty()) io["ioServicedRecursive"] = blkio_json(s.blkio.io_serviced_recursive);
  return ordered_json{{"cpu", cpu_json(s.cpu)},
                      {"cpuset", cpuset_json(s.cpuset)},
                      {"memory", memory_json(s.memory)},
                      {"pids", pids},
                      {"blkio", io},
                      {"hugetlb", hugetlb_json(s.hugetlb)},
                      {"intel_rdt", ordered_json::object()},
                      {"network_interfaces", nullptr}};
}

}  // namespace minirun::runtime::cli
