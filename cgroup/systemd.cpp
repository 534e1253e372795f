// The systemd driver: unit naming (runc's "slice:prefix:name"), the resources
// systemd has properties for, and the scope's life over the UnitCall.
#include "cgroup/systemd.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <limits>

#include "cgroup/fs.h"
#include "cgroup/hybrid.h"
#include "cgroup/layout.h"
#include "cgroup/v1.h"
#include "spec/error.h"

namespace minirun::cgroup {
namespace systemd {

namespace {

constexpr uint64_t kInfinity = std::numeric_limits<uint64_t>::max();

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A limit of -1 (or 0 where runc reads it so) is systemd's "infinity".
uint64_t limit_or_infinity(int64_t v) { return v <= 0 ? kInfinity : static_cast<uint64_t>(v); }

// /proc/devices: the name of a character or block driver by major, for
// systemd's "char-NAME" (a rule for every minor of one major).
std::string driver_name(char type, int64_t major) {
  std::string text;
  try {
    text = fs::read("/proc/devices");
  } catch (const Error&) {
    return {};
  }
  bool in_section = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    if (line == "Character devices:") in_section = type == 'c';
    if (line == "Block devices:") in_section = type == 'b';
    if (!in_section) continue;
    char name[64];
    long m;
    if (std::sscanf(line.c_str(), "%ld %63s", &m, name) == 2 && m == major) return name;
  }
  return {};
}

// DevicePolicy and DeviceAllow for the rules (last match wins, as the
// files).  systemd only allows: a deny after the first is the files' job.
void device_properties(const std::vector<spec::DeviceRule>& rules, nlohmann::json& out) {
  if (rules.empty()) return;
  nlohmann::json allow = nlohmann::json::array();
  bool all = false;
  for (const auto& d : rules) {
    if (!d.allow) {
      if (d.type == "a" && !d.major && !d.minor) {
        allow = nlohmann::json::array();
        all = false;
      }
      continue;
    }
    if (d.type == "a") {
      all = true;
      continue;
    }
    std::string kind = d.type == "c" ? "char" : "block";
    std::string node;
    if (!d.major) {
      node = kind + "-*";
    } else if (!d.minor) {
      std::string name = driver_name(d.type[0], *d.major);
      if (name.empty()) continue;  // no such driver loaded: the files still say it
      node = kind + "-" + name;
    } else {
      node = "/dev/" + kind + "/" + std::to_string(*d.major) + ":" + std::to_string(*d.minor);
    }
    allow.push_back({node, d.access});
  }
  if (all) {
    out.push_back({"DevicePolicy", "s", "auto"});
    out.push_back({"DeviceAllow", "a(ss)", nlohmann::json::array()});
    return;
  }
  out.push_back({"DevicePolicy", "s", "strict"});
  out.push_back({"DeviceAllow", "a(ss)", allow});
}

}  // namespace

UnitName parse_cgroups_path(const std::string& cgroups_path, const std::string& id) {
  std::string p = cgroups_path.empty() ? "system.slice:minirun:" + id : cgroups_path;
  auto bad = [&](const std::string& why) {
    return Error("linux.cgroupsPath: \"" + p + "\": " + why + " (--systemd-cgroup wants \"slice:prefix:name\")",
                 EINVAL);
  };
  size_t a = p.find(':'), b = a == std::string::npos ? a : p.find(':', a + 1);
  if (b == std::string::npos || p.find(':', b + 1) != std::string::npos) throw bad("not three fields");
  UnitName u;
  u.slice = p.substr(0, a);
  std::string prefix = p.substr(a + 1, b - a - 1), name = p.substr(b + 1);
  if (u.slice.empty()) u.slice = "system.slice";
  if (name.empty()) throw bad("the name is empty");
  if (ends_with(name, ".slice")) throw bad("a slice as the container's own unit is not supported");
  for (const std::string& part : {prefix, name})
    if (part.find('/') != std::string::npos) throw bad("'/' in a unit name");
  u.unit = (prefix.empty() ? name : prefix + "-" + name) + ".scope";
  expand_slice(u.slice);  // validates
  return u;
}

std::string expand_slice(const std::string& slice) {
  const std::string suffix = ".slice";
  auto bad = [&](const std::string& why) {
    return Error("linux.cgroupsPath: slice \"" + slice + "\": " + why, EINVAL);
  };
  if (!ends_with(slice, suffix) || slice.find('/') != std::string::npos) throw bad("not a slice unit name");
  if (slice == "-.slice") return "/";
  std::string base = slice.substr(0, slice.size() - suffix.size());
  if (base.empty() || base.front() == '-' || base.back() == '-' || base.find("--") != std::string::npos)
    throw bad("dashes must separate non-empty names");
  // "a-b-c" nests as /a.slice/a-b.slice/a-b-c.slice, as systemd does.
  std::string out;
  for (size_t pos = base.find('-');; pos = base.find('-', pos + 1)) {
    out += "/" + base.substr(0, pos) + suffix;
    if (pos == std::string::npos) break;
  }
  return out;
}

std::vector<uint8_t> cpu_mask(const std::string& list) {
  std::vector<uint8_t> mask;
  for (uint16_t cpu : v1::parse_cpu_list(list)) {
    if (mask.size() <= cpu / 8u) mask.resize(cpu / 8u + 1);
    mask[cpu / 8u] |= static_cast<uint8_t>(1u << (cpu % 8u));
  }
  return mask;
}

nlohmann::json resource_properties(const spec::Resources& r, Layout layout) {
  const bool v2 = layout == Layout::v2;
  nlohmann::json out = nlohmann::json::array();
  if (r.memory) {
    if (r.memory->limit) out.push_back({v2 ? "MemoryMax" : "MemoryLimit", "t", limit_or_infinity(*r.memory->limit)});
    if (v2 && r.memory->reservation) out.push_back({"MemoryLow", "t", limit_or_infinity(*r.memory->reservation)});
    // OCI's swap is memory+swap; systemd's MemorySwapMax is the swap alone.
    if (v2 && r.memory->swap) {
      uint64_t swap = limit_or_infinity(*r.memory->swap);
      if (swap != kInfinity && r.memory->limit && *r.memory->limit > 0)
        swap = swap > static_cast<uint64_t>(*r.memory->limit) ? swap - *r.memory->limit : 0;
      out.push_back({"MemorySwapMax", "t", swap});
    }
  }
  if (r.cpu) {
    if (r.cpu->shares && *r.cpu->shares) {
      if (v2)
        out.push_back({"CPUWeight", "t", shares_to_weight(*r.cpu->shares)});
      else
        out.push_back({"CPUShares", "t", *r.cpu->shares});
    }
    if (r.cpu->period) out.push_back({"CPUQuotaPeriodUSec", "t", *r.cpu->period});
    if (r.cpu->quota) {
      // Per second of CPU time; systemd keeps whole percents, so round up
      // to 10 ms as runc does (the files get the exact value).
      uint64_t period = r.cpu->period && *r.cpu->period ? *r.cpu->period : 100000;
      uint64_t per_sec = kInfinity;
      if (*r.cpu->quota > 0) {
        per_sec = static_cast<uint64_t>(*r.cpu->quota) * 1000000 / period;
        if (per_sec % 10000) per_sec = (per_sec / 10000 + 1) * 10000;
      }
      out.push_back({"CPUQuotaPerSecUSec", "t", per_sec});
    }
    // systemd has cpusets on cgroup2 only; on v1 the files do it.
    if (v2 && !r.cpu->cpus.empty()) out.push_back({"AllowedCPUs", "ay", cpu_mask(r.cpu->cpus)});
    if (v2 && !r.cpu->mems.empty()) out.push_back({"AllowedMemoryNodes", "ay", cpu_mask(r.cpu->mems)});
  }
  if (r.pids) out.push_back({"TasksMax", "t", limit_or_infinity(r.pids->limit)});
  if (r.block_io && r.block_io->weight) {
    uint64_t w = *r.block_io->weight;
    if (v2)
      out.push_back({"IOWeight", "t", 1 + (w - 10) * 9999 / 990});  // blkio 10..1000 -> io 1..10000
    else
      out.push_back({"BlockIOWeight", "t", w});
  }
  device_properties(r.devices, out);
  return out;
}

nlohmann::json annotation_properties(const std::map<std::string, std::string>& annotations) {
  const std::string prefix = "org.systemd.property.";
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [key, raw] : annotations) {
    if (key.rfind(prefix, 0) != 0) continue;
    std::string name = key.substr(prefix.size()), v = raw;
    if (name.empty()) throw Error("annotations: \"" + key + "\": no property name", EINVAL);
    if (v.rfind("uint64 ", 0) == 0) v = v.substr(7);
    if (v == "true" || v == "false") {
      out.push_back({name, "b", v == "true"});
    } else if (!v.empty() && v.find_first_not_of("0123456789") == std::string::npos) {
      out.push_back({name, "t", std::stoull(v)});
    } else {
      if (v.size() >= 2 && (v.front() == '\'' || v.front() == '"') && v.back() == v.front())
        v = v.substr(1, v.size() - 2);
      out.push_back({name, "s", v});
    }
  }
  return out;
}

SystemdManager::SystemdManager(std::string unit, std::string slice, std::unique_ptr<Manager> files, UnitCall call,
                               Layout layout, nlohmann::json extra_properties, bool started)
    : unit_(std::move(unit)),
      slice_(std::move(slice)),
      files_(std::move(files)),
      call_(std::move(call)),
      layout_(layout),
      extra_(std::move(extra_properties)),
      started_(started) {}

void SystemdManager::apply(const spec::Resources& r) {
  nlohmann::json props = resource_properties(r, layout_);
  if (!started_) {
    if (!pid_) throw Error("systemd unit " + unit_ + ": no process to start it with", EINVAL);
    nlohmann::json all = {{"Delegate", "b", true},
                          {"DefaultDependencies", "b", false},
                          {"MemoryAccounting", "b", true},
                          {"CPUAccounting", "b", true},
                          {"TasksAccounting", "b", true},
                          {layout_ == Layout::v2 ? "IOAccounting" : "BlockIOAccounting", "b", true}};
    for (auto& p : props) all.push_back(std::move(p));
    for (const auto& p : extra_) all.push_back(p);
    with_context("systemd", [&] {
      call_("start", nlohmann::json{{"unit", unit_},
                                    {"slice", slice_},
                                    {"description", "minirun container " + unit_},
                                    {"pid", pid_},
                                    {"properties", all}}
                         .dump());
    });
    started_ = true;
  } else if (!props.empty()) {
    with_context("systemd", [&] { call_("set", nlohmann::json{{"unit", unit_}, {"properties", props}}.dump()); });
  }
  files_->apply(r);
}

void SystemdManager::update(const spec::Resources& r) {
  nlohmann::json props = resource_properties(r, layout_);
  if (!props.empty())
    with_context("systemd", [&] { call_("set", nlohmann::json{{"unit", unit_}, {"properties", props}}.dump()); });
  files_->update(r);
}

void SystemdManager::destroy() {
  std::optional<Error> failed;
  if (started_) {
    try {
      with_context("systemd", [&] { call_("stop", nlohmann::json{{"unit", unit_}}.dump()); });
      started_ = false;
    } catch (const Error& e) {
      failed = e;
    }
  }
  files_->destroy();
  if (failed) throw *failed;
}

}  // namespace systemd

std::unique_ptr<Manager> Manager::for_systemd(const std::string& cgroups_path, const std::string& id,
                                              const std::map<std::string, std::string>& annotations, UnitCall call) {
  // sd_booted()'s test: only a systemd PID 1 makes this directory.
  struct stat st;
  if (::lstat("/run/systemd/system", &st) != 0 || !S_ISDIR(st.st_mode))
    throw Error("--systemd-cgroup: systemd is not running as PID 1 on this host (no /run/systemd/system); "
                "use the cgroupfs driver (no --systemd-cgroup)",
                ENOENT);
  systemd::UnitName u = systemd::parse_cgroups_path(cgroups_path, id);
  nlohmann::json extra = systemd::annotation_properties(annotations);
  std::string slice_dir = systemd::expand_slice(u.slice);
  std::string path = (slice_dir == "/" ? "" : slice_dir) + "/" + u.unit;
  const HostLayout host = read_host_layout();
  // Only the leaves are the container's: the slices belong to systemd.
  auto files = make_manager(host, resolve_paths(host, {}, path, id), false);
  return std::make_unique<systemd::SystemdManager>(u.unit, u.slice, std::move(files), std::move(call), host.layout(),
                                                   std::move(extra), false);
}

std::unique_ptr<Manager> Manager::from_unit(const std::string& unit, const std::map<std::string, std::string>& paths,
                                            UnitCall call) {
  const HostLayout host = read_host_layout();
  return std::make_unique<systemd::SystemdManager>(unit, "", make_manager(host, paths, false), std::move(call),
                                                   host.layout(), nlohmann::json::array(), true);
}

}  // namespace minirun::cgroup
