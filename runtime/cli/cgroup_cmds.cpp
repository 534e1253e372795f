// Commands on the container's cgroup: pause, resume, update, events.
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iterator>
#include <nlohmann/json.hpp>
#include <thread>
#include <type_traits>

#include "cgroup/cgroup.h"
#include "runtime/cli/cli.h"
#include "runtime/defaults.h"
#include "runtime/files.h"
#include "runtime/launcher.h"
#include "runtime/log.h"
#include "runtime/units.h"

namespace minirun::runtime::cli {

using nlohmann::json;
using nlohmann::ordered_json;

static std::unique_ptr<cgroup::Manager> running_cgroup(const StateStore& store, const ContainerState& st) {
  if (current_status(store, st) == Status::stopped) throw Error("container not running");
  if (st.cgroup_paths.empty()) throw Error("the container has no cgroup");
  return container_cgroup(st);
}

void annotate_oom_kills(ContainerState& st) {
  if (st.cgroup_paths.empty()) return;
  try {
    uint64_t kills = cgroup::Manager::from_paths(st.cgroup_paths)->oom_kill_count();
    if (kills > st.oom_kills_at_create)
      st.annotations["run.minirun.oom.kills"] = std::to_string(kills - st.oom_kills_at_create);
  } catch (const Error&) {
    // the cgroup is gone: nothing to tell
  }
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
        // runc: only a running container can be paused.
        Status s = current_status(store, st);
        if (s != Status::running && s != Status::created) throw Error("container not running");
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
        auto cg = running_cgroup(store, st);
        if (current_status(store, st) != Status::paused) throw Error("container not paused");
        cg->thaw();
        return 0;
      });
    };
  });
}

namespace {

// `update -r -`: all of stdin (a pipe, a file or a tty), without iostreams.
std::string read_stdin() {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("read stdin");
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

struct UpdateFlags {
  std::string resources_file;
  std::string blkio_weight, cpu_period, cpu_quota, cpu_burst, cpu_share, cpu_rt_period, cpu_rt_runtime, cpu_idle,
      cpuset_cpus, cpuset_mems, kernel_memory, kernel_memory_tcp, memory, memory_reservation, memory_swap, pids_limit,
      l3_cache_schema, mem_bw_schema;
};

uint64_t to_u64(const std::string& v, const char* flag) {
  try {
    size_t used;
    unsigned long long n = std::stoull(v, &used);
    if (used == v.size() && v[0] != '-') return n;
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

// runc's `update` flags: only those given change; with -r they are ignored.
spec::Resources resources_from_flags(const UpdateFlags& f) {
  spec::Resources r;
  auto& mem = r.memory.emplace();
  auto& cpu = r.cpu.emplace();
  if (!f.memory.empty()) mem.limit = parse_bytes(f.memory, "--memory");
  if (!f.memory_reservation.empty()) mem.reservation = parse_bytes(f.memory_reservation, "--memory-reservation");
  if (!f.memory_swap.empty()) mem.swap = parse_bytes(f.memory_swap, "--memory-swap");
  // runc ignores the obsolete kernel memory limits (the kernel dropped them).
  if (!f.kernel_memory.empty()) log_warning("Setting --kernel-memory is ignored and will be removed");
  if (!f.kernel_memory_tcp.empty()) log_warning("Setting --kernel-memory-tcp is ignored and will be removed");
  if (!f.cpu_share.empty()) cpu.shares = to_u64(f.cpu_share, "cpu-share");
  if (!f.cpu_period.empty()) cpu.period = to_u64(f.cpu_period, "cpu-period");
  if (!f.cpu_quota.empty()) cpu.quota = to_i64(f.cpu_quota, "cpu-quota");
  if (!f.cpu_burst.empty()) cpu.burst = to_u64(f.cpu_burst, "cpu-burst");
  if (!f.cpu_rt_period.empty()) cpu.realtime_period = to_u64(f.cpu_rt_period, "cpu-rt-period");
  if (!f.cpu_rt_runtime.empty()) cpu.realtime_runtime = to_i64(f.cpu_rt_runtime, "cpu-rt-runtime");
  if (!f.cpu_idle.empty()) cpu.idle = to_i64(f.cpu_idle, "cpu-idle");
  cpu.cpus = f.cpuset_cpus;
  cpu.mems = f.cpuset_mems;
  // As runc: 0 (or absent) leaves the limit alone, -1 lifts it.
  if (!f.pids_limit.empty()) {
    int64_t n = to_i64(f.pids_limit, "pids-limit");
    if (n != 0) r.pids = spec::Pids{n};
  }
  if (!f.blkio_weight.empty()) {
    uint64_t w = to_u64(f.blkio_weight, "blkio-weight");
    if (w > 1000) throw Error("--blkio-weight: " + f.blkio_weight + " is out of range 10-1000");
    if (w != 0) r.block_io.emplace().weight = static_cast<uint16_t>(w);
  }
  if (!f.l3_cache_schema.empty()) throw Error("Intel RDT/CAT: l3 cache schema is not enabled");
  if (!f.mem_bw_schema.empty()) throw Error("Intel RDT/MBA: memory bandwidth schema is not enabled");
  return r;
}

// Device rules given to `update` replace the container's whole list, so the
// default set stays allowed as at create (and linux.devices, as then, not).
void keep_default_devices(spec::Resources& r) {
  if (r.devices.empty()) return;
  r = resources_with_default_devices(r);
}

}  // namespace

void add_update(CLI::App& app, Globals& g, Action& action) {
  auto* cmd = app.add_subcommand("update", "update container resource constraints");
  static UpdateFlags f;
  static std::string id;
  cmd->add_option("-r,--resources", f.resources_file, "path to a LinuxResources JSON file, - for stdin");
  const std::pair<const char*, std::string*> flags[] = {{"--blkio-weight", &f.blkio_weight},
                                                        {"--cpu-period", &f.cpu_period},
                                                        {"--cpu-quota", &f.cpu_quota},
                                                        {"--cpu-burst", &f.cpu_burst},
                                                        {"--cpu-share", &f.cpu_share},
                                                        {"--cpu-rt-period", &f.cpu_rt_period},
                                                        {"--cpu-rt-runtime", &f.cpu_rt_runtime},
                                                        {"--cpu-idle", &f.cpu_idle},
                                                        {"--cpuset-cpus", &f.cpuset_cpus},
                                                        {"--cpuset-mems", &f.cpuset_mems},
                                                        {"--kernel-memory", &f.kernel_memory},
                                                        {"--kernel-memory-tcp", &f.kernel_memory_tcp},
                                                        {"--memory", &f.memory},
                                                        {"--memory-reservation", &f.memory_reservation},
                                                        {"--memory-swap", &f.memory_swap},
                                                        {"--pids-limit", &f.pids_limit},
                                                        {"--l3-cache-schema", &f.l3_cache_schema},
                                                        {"--mem-bw-schema", &f.mem_bw_schema}};
  for (const auto& [name, target] : flags) cmd->add_option(name, *target);
  cmd->add_option("container-id", id, "container id")->required();
  cmd->callback([&] {
    action = [&] {
      return with_command_context("update " + id, [&] {
        auto store = g.store();
        auto lock = store.lock(id);
        auto st = store.load(id);
        auto cg = running_cgroup(store, st);
        spec::Resources r;
        if (!f.resources_file.empty()) {
          std::string text = f.resources_file == "-" ? read_stdin() : read_file(f.resources_file);
          r = spec::parse_resources(text, f.resources_file == "-" ? "stdin" : f.resources_file);
          keep_default_devices(r);
        } else {
          r = resources_from_flags(f);
        }
        cg->update(r);
        return 0;
      });
    };
  });
}

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
static ordered_json stats_json(const cgroup::Stats& s) {
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

// A Go duration as runc's --interval takes it: "5s", "500ms", "1m30s", "1h".
static std::chrono::milliseconds parse_interval(const std::string& text) {
  static const std::pair<const char*, double> units[] = {{"ns", 1e-6}, {"us", 1e-3}, {"\u00b5s", 1e-3}, {"ms", 1},
                                                         {"s", 1e3},   {"m", 6e4},   {"h", 3.6e6}};
  double total = 0;
  size_t i = 0;
  auto bad = [&] { return Error("--interval: invalid duration \"" + text + "\""); };
  if (text.empty()) throw bad();
  while (i < text.size()) {
    size_t used = 0;
    double n;
    try {
      n = std::stod(text.substr(i), &used);
    } catch (const std::exception&) {
      throw bad();
    }
    if (n < 0 || text[i] == '+' || text[i] == '-') throw bad();
    i += used;
    double scale = 0;
    for (const auto& [name, ms] : units) {
      std::string u = name;
      // "m" must not take the "m" of "ms".
      if (text.compare(i, u.size(), u) == 0 && (u != "m" || text.compare(i, 2, "ms") != 0)) {
        scale = ms;
        i += u.size();
        break;
      }
    }
    if (scale == 0) throw bad();
    total += n * scale;
  }
  if (total < 1) throw Error("--interval: must be at least 1ms, got \"" + text + "\"");
  return std::chrono::milliseconds(static_cast<int64_t>(total));
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
        auto period = parse_interval(interval);
        auto cg = running_cgroup(store, st);
        // runc's field order: type, id, data.
        auto event = [&](const char* type, const ordered_json& data) {
          ordered_json e = {{"type", type}, {"id", id}};
          if (!data.is_null()) e["data"] = data;
          std::puts(e.dump().c_str());
          std::fflush(stdout);
        };
        if (stats) {
          event("stats", stats_json(cg->stats()));
          return 0;
        }
        // Streams stats every interval and an "oom" event per OOM kill, until
        // the container's init exits.
        UniqueFd oom(cg->open_oom_event_fd());
        UniqueFd init(static_cast<int>(::syscall(SYS_pidfd_open, st.pid, 0)));
        uint64_t ooms = cg->oom_kill_count();
        if (!init || current_status(store, st) == Status::stopped) throw Error("container not running");
        // v1 signals the eventfd before the killer has counted its kill; v2
        // wakes on any memory.events change: report what the counter says.
        auto report_ooms = [&](std::chrono::milliseconds wait) {
          auto until = std::chrono::steady_clock::now() + wait;
          for (;;) {
            uint64_t now = cg->oom_kill_count();
            bool any = ooms < now;
            for (; ooms < now; ++ooms) event("oom", nullptr);
            if (any || std::chrono::steady_clock::now() >= until) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
          }
        };
        auto next_stats = std::chrono::steady_clock::now() + period;
        for (;;) {
          auto left =
              std::chrono::duration_cast<std::chrono::milliseconds>(next_stats - std::chrono::steady_clock::now());
          struct pollfd p[2] = {{init.get(), POLLIN, 0}, {oom ? oom.get() : -1, POLLIN, 0}};
          int rc = ::poll(p, 2, static_cast<int>(std::max<int64_t>(left.count(), 0)));
          if (rc < 0 && errno != EINTR) throw_errno("poll");
          if (rc > 0 && (p[1].revents & POLLIN)) {
            char buf[4096];
            (void)!::read(oom.get(), buf, sizeof buf);
            report_ooms(std::chrono::milliseconds(200));
          }
          if (rc > 0 && (p[0].revents & POLLIN)) {
            try {
              report_ooms(std::chrono::milliseconds(100));  // the kill that ended the init
            } catch (const Error&) {
              // deleted meanwhile: nothing more to report
            }
            return 0;
          }
          if (std::chrono::steady_clock::now() >= next_stats) {
            event("stats", stats_json(cg->stats()));
            next_stats += period;
          }
        }
      });
    };
  });
}

}  // namespace minirun::runtime::cli
