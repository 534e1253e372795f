// `update`: change a running container's cgroup limits.
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "runtime/cli/cli.h"
#include "runtime/defaults.h"
#include "runtime/files.h"
#include "runtime/log.h"
#include "runtime/units.h"

namespace minirun::runtime::cli {

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

CLI::App* UpdateFlags::declare(CLI::App& app) {
  auto* cmd = app.add_subcommand("update", "update container resource constraints");
  cmd->add_option("-r,--resources", resources_file, "path to a LinuxResources JSON file, - for stdin");
  const std::pair<const char*, std::string*> flags[] = {{"--blkio-weight", &blkio_weight},
                                                        {"--cpu-period", &cpu_period},
                                                        {"--cpu-quota", &cpu_quota},
                                                        {"--cpu-burst", &cpu_burst},
                                                        {"--cpu-share", &cpu_share},
                                                        {"--cpu-rt-period", &cpu_rt_period},
                                                        {"--cpu-rt-runtime", &cpu_rt_runtime},
                                                        {"--cpu-idle", &cpu_idle},
                                                        {"--cpuset-cpus", &cpuset_cpus},
                                                        {"--cpuset-mems", &cpuset_mems},
                                                        {"--kernel-memory", &kernel_memory},
                                                        {"--kernel-memory-tcp", &kernel_memory_tcp},
                                                        {"--memory", &memory},
                                                        {"--memory-reservation", &memory_reservation},
                                                        {"--memory-swap", &memory_swap},
                                                        {"--pids-limit", &pids_limit},
                                                        {"--l3-cache-schema", &l3_cache_schema},
                                                        {"--mem-bw-schema", &mem_bw_schema}};
  for (const auto& [name, target] : flags) cmd->add_option(name, *target);
  cmd->add_option("container-id", id, "container id")->required();
  return cmd;
}

int update_command(const Globals& g, UpdateFlags& f) {
  return with_command_context("update " + f.id, [&] {
    LockedContainer c = lock_container(g, f.id);
    auto cg = running_cgroup(c.store, c.state);
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
}

}  // namespace minirun::runtime::cli
