// Commands on the container's cgroup: pause, resume, update, events.
#include <poll.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "cgroup/cgroup.h"
#include "runtime/cli/cli.h"
#include "runtime/files.h"
#include "runtime/units.h"

namespace minirun::runtime::cli {

using nlohmann::json;

static std::unique_ptr<cgroup::Manager> running_cgroup(const StateStore& store, const ContainerState& st) {
  if (current_status(store, st) == Status::stopped) throw Error("container not running");
  if (st.cgroup_paths.empty()) throw Error("the container has no cgroup");
  return cgroup::Manager::from_paths(st.cgroup_paths);
}

void add_pause_resume(CLI::App& app, Globals& g, Action& action) {
  static std::string pause_id, resume_id;
  auto* pause = app.add_subcommand("pause", "suspend all processes in the container");
  pause->add_option("container-id", pause_id, "container id")->required();
  pause->callback([&] {
    action = [&] {
      return with_command_context("pause " + pause_id, [&] {
        auto store = g.store();
        auto lock = store.lock(pause_id);
        auto st = store.load(pause_id);
        running_cgroup(store, st)->freeze();
        return 0;
      });
    };
  });
  auto* resume = app.add_subcommand("resume", "resume all processes of a paused container");
  resume->add_option("container-id", resume_id, "container id")->required();
  resume->callback([&] {
    action = [&] {
      return with_command_context("resume " + resume_id, [&] {
        auto store = g.store();
        auto lock = store.lock(resume_id);
        auto st = store.load(resume_id);
        running_cgroup(store, st)->thaw();
        return 0;
      });
    };
  });
}

namespace {

struct UpdateFlags {
  std::string resources_file;
  std::string blkio_weight, cpu_period, cpu_quota, cpu_share, cpu_rt_period, cpu_rt_runtime, cpuset_cpus,
      cpuset_mems, kernel_memory, kernel_memory_tcp, memory, memory_reservation, memory_swap, pids_limit,
      l3_cache_schema, mem_bw_schema;
};

uint64_t to_u64(const std::string& v, const char* flag) {
  try {
    size_t used;
    unsigned long long n = std::stoull(v, &used);
    if (used == v.size()) return n;
  } catch (const std::exception&) {
  }
  throw Error(std::string("--") + flag + ": invalid value \"" + v + "\"");
}

int64_t to_i64(const std::string& v, const char* flag) {
  try {
    size_t used;
    long long n = std::stoll(v, &used);
    if (used == v.size()) return n;
  } catch (const std::exception&) {
  }
  throw Error(std::string("--") + flag + ": invalid value \"" + v + "\"");
}

spec::Resources resources_from_flags(const UpdateFlags& f) {
  spec::Resources r;
  auto& mem = r.memory.emplace();
  auto& cpu = r.cpu.emplace();
  if (!f.memory.empty()) mem.limit = parse_bytes(f.memory, "--memory");
  if (!f.memory_reservation.empty()) mem.reservation = parse_bytes(f.memory_reservation, "--memory-reservation");
  if (!f.memory_swap.empty()) mem.swap = parse_bytes(f.memory_swap, "--memory-swap");
  if (!f.kernel_memory.empty()) mem.kernel = parse_bytes(f.kernel_memory, "--kernel-memory");
  if (!f.kernel_memory_tcp.empty()) mem.kernel_tcp = parse_bytes(f.kernel_memory_tcp, "--kernel-memory-tcp");
  if (!f.cpu_share.empty()) cpu.shares = to_u64(f.cpu_share, "cpu-share");
  if (!f.cpu_period.empty()) cpu.period = to_u64(f.cpu_period, "cpu-period");
  if (!f.cpu_quota.empty()) cpu.quota = to_i64(f.cpu_quota, "cpu-quota");
  if (!f.cpu_rt_period.empty()) cpu.realtime_period = to_u64(f.cpu_rt_period, "cpu-rt-period");
  if (!f.cpu_rt_runtime.empty()) cpu.realtime_runtime = to_i64(f.cpu_rt_runtime, "cpu-rt-runtime");
  cpu.cpus = f.cpuset_cpus;
  cpu.mems = f.cpuset_mems;
  if (!f.pids_limit.empty()) r.pids = spec::Pids{to_i64(f.pids_limit, "pids-limit")};
  if (!f.blkio_weight.empty()) r.block_io.emplace().weight = static_cast<uint16_t>(to_u64(f.blkio_weight, "blkio-weight"));
  if (!f.l3_cache_schema.empty() || !f.mem_bw_schema.empty())
    throw Error("--l3-cache-schema/--mem-bw-schema: Intel RDT is not available on this host");
  return r;
}

}  // namespace

void add_update(CLI::App& app, Globals& g, Action& action) {
  auto* cmd = app.add_subcommand("update", "update container resource constraints");
  static UpdateFlags f;
  static std::string id;
  cmd->add_option("-r,--resources", f.resources_file, "path to a LinuxResources JSON file, - for stdin");
  const std::pair<const char*, std::string*> flags[] = {
      {"--blkio-weight", &f.blkio_weight},       {"--cpu-period", &f.cpu_period},
      {"--cpu-quota", &f.cpu_quota},             {"--cpu-share", &f.cpu_share},
      {"--cpu-rt-period", &f.cpu_rt_period},     {"--cpu-rt-runtime", &f.cpu_rt_runtime},
      {"--cpuset-cpus", &f.cpuset_cpus},         {"--cpuset-mems", &f.cpuset_mems},
      {"--kernel-memory", &f.kernel_memory},     {"--kernel-memory-tcp", &f.kernel_memory_tcp},
      {"--memory", &f.memory},                   {"--memory-reservation", &f.memory_reservation},
      {"--memory-swap", &f.memory_swap},         {"--pids-limit", &f.pids_limit},
      {"--l3-cache-schema", &f.l3_cache_schema}, {"--mem-bw-schema", &f.mem_bw_schema}};
  for (const auto& [name, target] : flags) cmd->add_option(name, *target);
  cmd->add_option("container-id", id, "container id")->required();
  cmd->callback([&] {
    action = [&] {
      return with_command_context("update " + id, [&] {
        auto store = g.store();
        auto lock = store.lock(id);
        auto st = store.load(id);
        spec::Resources r;
        if (!f.resources_file.empty()) {
          std::string text = f.resources_file == "-"
                                 ? std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>())
                                 : read_file(f.resources_file);
          r = spec::parse_resources(text, f.resources_file == "-" ? "stdin" : f.resources_file);
        } else {
          r = resources_from_flags(f);
        }
        running_cgroup(store, st)->update(r);
        return 0;
      });
    };
  });
}

static json stats_json(const cgroup::Stats& s) {
  auto entry = [](const cgroup::MemoryEntry& e) {
    return json{{"limit", e.limit}, {"usage", e.usage}, {"max", e.max_usage}, {"failcnt", e.failcnt}};
  };
  auto blkio = [](const std::vector<cgroup::BlkioEntry>& v) {
    json a = json::array();
    for (const auto& e : v) a.push_back({{"major", e.major}, {"minor", e.minor}, {"op", e.op}, {"value", e.value}});
    return a;
  };
  json hugetlb = json::object();
  for (const auto& [size, h] : s.hugetlb) hugetlb[size] = {{"usage", h.usage}, {"max", h.max_usage}, {"failcnt", h.failcnt}};
  return json{
      {"cpu",
       {{"usage",
         {{"total", s.cpu.total_usage}, {"percpu", s.cpu.percpu_usage}, {"kernel", s.cpu.usage_kernel},
          {"user", s.cpu.usage_user}}},
        {"throttling",
         {{"periods", s.cpu.throttling_periods},
          {"throttledPeriods", s.cpu.throttled_periods},
          {"throttledTime", s.cpu.throttled_time}}}}},
      {"memory",
       {{"cache", s.memory.cache},
        {"usage", entry(s.memory.usage)},
        {"swap", entry(s.memory.swap)},
        {"kernel", entry(s.memory.kernel)},
        {"kernelTCP", entry(s.memory.kernel_tcp)},
        {"raw", s.memory.raw}}},
      {"pids", {{"current", s.pids.current}, {"limit", s.pids.limit}}},
      {"blkio",
       {{"ioServiceBytesRecursive", blkio(s.blkio.io_service_bytes_recursive)},
        {"ioServicedRecursive", blkio(s.blkio.io_serviced_recursive)}}},
      {"hugetlb", hugetlb}};
}

void add_events(CLI::App& app, Globals& g, Action& action) {
  auto* cmd = app.add_subcommand("events", "display container events such as OOM notifications and usage statistics");
  static std::string id, interval = "5s";
  static bool stats = false;
  cmd->add_flag("--stats", stats, "display the container's stats then exit");
  cmd->add_option("--interval", interval, "the stats collection interval (default 5s)");
  cmd->add_option("container-id", id, "container id")->required();
  cmd->callback([&] {
    action = [&] {
      return with_command_context("events " + id, [&] {
        auto store = g.store();
        auto st = store.load(id);
        auto cg = running_cgroup(store, st);
        auto event = [&](const char* type, const json& data) {
          json e = {{"type", type}, {"id", id}};
          if (!data.is_null()) e["data"] = data;
          std::puts(e.dump().c_str());
          std::fflush(stdout);
        };
        if (stats) {
          event("stats", stats_json(cg->stats()));
          return 0;
        }
        double secs = std::atof(interval.c_str());
        if (interval.find("ms") != std::string::npos) secs /= 1000;
        if (interval.find('m') != std::string::npos && interval.find("ms") == std::string::npos) secs *= 60;
        if (secs <= 0) throw Error("--interval: must be positive, got \"" + interval + "\"");
        UniqueFd oom(cg->open_oom_event_fd());
        uint64_t ooms = cg->oom_kill_count();
        while (current_status(store, st) != Status::stopped) {
          struct pollfd p = {oom.get(), POLLIN, 0};
          int rc = ::poll(&p, oom ? 1 : 0, static_cast<int>(secs * 1000));
          if (rc > 0) {
            char buf[4096];
            (void)!::read(oom.get(), buf, sizeof buf);
            uint64_t now = cg->oom_kill_count();
            if (now > ooms) event("oom", nullptr);
            ooms = now;
            continue;
          }
          event("stats", stats_json(cg->stats()));
        }
        return 0;
      });
    };
  });
}

}  // namespace minirun::runtime::cli
