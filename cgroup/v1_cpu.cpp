// cgroup v1 cpu, cpuset and cpuacct controllers.
#include <unistd.h>

#include <cerrno>

#include "cgroup/fs.h"
#include "cgroup/v1.h"
#include "spec/error.h"

namespace minirun::cgroup::v1 {

namespace {
std::string f(const std::string& dir, const char* name) { return fs::join(dir, name); }
}  // namespace

void apply_cpu(const std::string& dir, const spec::Cpu& c) {
  if (c.shares && *c.shares != 0) {
    std::string file = f(dir, "cpu.shares");
    fs::write_field("cpu.shares", file, std::to_string(*c.shares));
    // The kernel clamps silently: report it like runc does.
    uint64_t got = fs::read_uint(file);
    if (*c.shares > got) throw Error("linux.resources.cpu.shares: the maximum allowed is " + std::to_string(got), ERANGE);
    if (*c.shares < got) throw Error("linux.resources.cpu.shares: the minimum allowed is " + std::to_string(got), ERANGE);
  }
  // A new period may be refused while the old quota does not fit it: then
  // write the quota first and the period after.
  bool period_pending = false;
  if (c.period && *c.period != 0) {
    int err = fs::write_errno(f(dir, "cpu.cfs_period_us"), std::to_string(*c.period));
    if (err == EINVAL && c.quota && *c.quota != 0) {
      period_pending = true;
    } else if (err != 0) {
      fs::write_field("cpu.period", f(dir, "cpu.cfs_period_us"), std::to_string(*c.period));
    }
  }
  if (c.quota && *c.quota != 0) {
    fs::write_field("cpu.quota", f(dir, "cpu.cfs_quota_us"), std::to_string(*c.quota));
    if (period_pending) fs::write_field("cpu.period", f(dir, "cpu.cfs_period_us"), std::to_string(*c.period));
  }
  if (c.burst) fs::write_field("cpu.burst", f(dir, "cpu.cfs_burst_us"), std::to_string(*c.burst));
  if (c.realtime_period && *c.realtime_period != 0) {
    fs::write_field("cpu.realtimePeriod", f(dir, "cpu.rt_period_us"), std::to_string(*c.realtime_period));
  }
  if (c.realtime_runtime && *c.realtime_runtime != 0) {
    fs::write_field("cpu.realtimeRuntime", f(dir, "cpu.rt_runtime_us"), std::to_string(*c.realtime_runtime));
  }
  if (c.idle) fs::write_field("cpu.idle", f(dir, "cpu.idle"), std::to_string(*c.idle));
}

void apply_cpuset(const std::string& dir, const spec::Cpu& c) {
  if (!c.cpus.empty()) fs::write_field("cpu.cpus", f(dir, "cpuset.cpus"), c.cpus);
  if (!c.mems.empty()) fs::write_field("cpu.mems", f(dir, "cpuset.mems"), c.mems);
}

void inherit_cpuset(const std::string& dir) {
  for (const char* name : {"cpuset.cpus", "cpuset.mems"}) {
    auto value = fs::try_read(f(dir, name));
    if (!value || !fs::trim(*value).empty()) continue;
    std::string parent = dir.substr(0, dir.rfind('/'));
    inherit_cpuset(parent);
    std::string from = fs::trim(fs::read(f(parent, name)));
    with_context("cpuset: copy " + std::string(name) + " from " + parent, [&] { fs::write(f(dir, name), from); });
  }
}

void parse_cpuacct_stat(const std::string& text, long ticks_per_second, uint64_t& user_ns, uint64_t& system_ns) {
  if (ticks_per_second <= 0) ticks_per_second = 100;
  const uint64_t ns_per_tick = 1000000000ULL / static_cast<uint64_t>(ticks_per_second);
  for (const auto& line : fs::split(text, '\n')) {
    auto sp = line.find(' ');
    if (sp == std::string::npos) continue;
    uint64_t v = fs::parse_uint(line.substr(sp + 1)).value_or(0);
    std::string key = line.substr(0, sp);
    if (key == "user") user_ns = v * ns_per_tick;
    if (key == "system") system_ns = v * ns_per_tick;
  }
}

namespace {
std::vector<uint64_t> read_percpu(const std::string& path) {
  std::vector<uint64_t> out;
  if (auto text = fs::try_read(path)) {
    for (const auto& w : fs::split(fs::trim(*text), ' ')) {
      if (auto v = fs::parse_uint(w)) out.push_back(*v);
    }
  }
  return out;
}
}  // namespace

void cpu_stats(const std::string& cpu_dir, const std::string& cpuacct_dir, CpuStats& out) {
  if (!cpuacct_dir.empty()) {
    out.total_usage = fs::read_uint(f(cpuacct_dir, "cpuacct.usage"));
    out.percpu_usage = read_percpu(f(cpuacct_dir, "cpuacct.usage_percpu"));
    out.percpu_kernel = read_percpu(f(cpuacct_dir, "cpuacct.usage_percpu_sys"));
    out.percpu_user = read_percpu(f(cpuacct_dir, "cpuacct.usage_percpu_user"));
    // Nanoseconds where the kernel has them; cpuacct.stat counts whole ticks
    // (10 ms), which reads 0 for a container that has barely run.
    auto user = fs::try_read(f(cpuacct_dir, "cpuacct.usage_user"));
    auto sys = fs::try_read(f(cpuacct_dir, "cpuacct.usage_sys"));
    if (user && sys) {
      out.usage_user = fs::parse_uint(fs::trim(*user)).value_or(0);
      out.usage_kernel = fs::parse_uint(fs::trim(*sys)).value_or(0);
    } else if (auto text = fs::try_read(f(cpuacct_dir, "cpuacct.stat"))) {
      parse_cpuacct_stat(*text, ::sysconf(_SC_CLK_TCK), out.usage_user, out.usage_kernel);
    }
  }
  if (!cpu_dir.empty()) {
    auto st = fs::read_keyed(f(cpu_dir, "cpu.stat"));
    out.throttling_periods = st["nr_periods"];
    out.throttled_periods = st["nr_throttled"];
    out.throttled_time = st["throttled_time"];
  }
}

std::vector<uint16_t> parse_cpu_list(const std::string& text) {
  std::vector<uint16_t> out;
  const std::string t = fs::trim(text);
  if (t.empty()) return out;
  auto num = [&](const std::string& s) {
    auto v = fs::parse_uint(s);
    if (!v || *v > 65535) throw Error("cpu list \"" + t + "\": bad number \"" + s + "\"", EINVAL);
    return static_cast<uint16_t>(*v);
  };
  for (const auto& part : fs::split(t, ',')) {
    auto dash = part.find('-');
    uint16_t lo = num(part.substr(0, dash)), hi = dash == std::string::npos ? lo : num(part.substr(dash + 1));
    if (hi < lo) throw Error("cpu list \"" + t + "\": bad range \"" + part + "\"", EINVAL);
    for (uint32_t c = lo; c <= hi; ++c) out.push_back(static_cast<uint16_t>(c));
  }
  return out;
}

void cpuset_stats(const std::string& dir, CpusetStats& out) {
  auto num = [&](const char* name) { return fs::read_uint(fs::join(dir, std::string("cpuset.") + name)); };
  out.cpus = parse_cpu_list(fs::try_read(f(dir, "cpuset.cpus")).value_or(""));
  out.mems = parse_cpu_list(fs::try_read(f(dir, "cpuset.mems")).value_or(""));
  out.cpu_exclusive = num("cpu_exclusive");
  out.mem_hardwall = num("mem_hardwall");
  out.mem_exclusive = num("mem_exclusive");
  out.memory_migrate = num("memory_migrate");
  out.memory_spread_page = num("memory_spread_page");
  out.memory_spread_slab = num("memory_spread_slab");
  out.memory_pressure = num("memory_pressure");
  out.sched_load_balance = num("sched_load_balance");
  // -1 (the default) is not a uint.
  if (auto t = fs::try_read(f(dir, "cpuset.sched_relax_domain_level"))) {
    try {
      out.sched_relax_domain_level = std::stoll(fs::trim(*t));
    } catch (const std::exception&) {
    }
  }
}

}  // namespace minirun::cgroup::v1
