// cgroup v1 net_cls, net_prio and devices controllers.
#include <cerrno>

#include "cgroup/fs.h"
#include "cgroup/v1.h"
#include "cgroup/v1_devices.h"
#include "spec/error.h"

namespace minirun::cgroup::v1 {

namespace {
std::string f(const std::string& dir, const std::string& name) { return fs::join(dir, name); }
}  // namespace

void apply_net_cls(const std::string& dir, uint32_t class_id) {
  fs::write_field("network.classID", f(dir, "net_cls.classid"), std::to_string(class_id));
}

void apply_net_prio(const std::string& dir, const std::vector<spec::NetPriority>& prios) {
  for (const auto& p : prios) {
    fs::write_field("network.priorities", f(dir, "net_prio.ifpriomap"), p.name + " " + std::to_string(p.priority));
  }
}

void apply_devices(const std::string& dir, const std::vector<spec::DeviceRule>& rules) {
  if (rules.empty()) return;
  const DeviceState want = device_state_from_rules(rules);
  const std::string list = f(dir, "devices.list");
  // Only the difference from what is in place: "deny a" then re-allowing
  // would make allowed devices fail for a running container meanwhile.
  const auto writes = device_transition(parse_devices_list(fs::read(list)), want);
  if (writes.empty()) return;
  fs::FieldWriter allow(f(dir, "devices.allow")), deny(f(dir, "devices.deny"));
  for (const auto& w : writes) (w.allow ? allow : deny).write("devices", w.line);
  // A whitelist must now match exactly; a blacklist's denies are not listed.
  const DeviceState got = parse_devices_list(fs::read(list));
  if (want.default_allow ? !got.default_allow : got != want) {
    throw Error("linux.resources.devices: " + list + " does not hold the rules written (a parent cgroup may forbid some)",
                EPERM);
  }
}

void pids_stats(const std::string& dir, PidsStats& out) {
  out.current = fs::read_uint(f(dir, "pids.current"));
  out.limit = fs::read_uint(f(dir, "pids.max"));  // "max" reads as 0
}

void hugetlb_stats(const std::string& dir, std::map<std::string, HugetlbStats>& out) {
  for (const auto& sub : fs::hugepage_sizes()) {
    std::string base = f(dir, "hugetlb." + sub + ".");
    if (!fs::exists(base + "usage_in_bytes")) continue;
    out[sub] = HugetlbStats{fs::read_uint(base + "usage_in_bytes"), fs::read_uint(base + "max_usage_in_bytes"),
                            fs::read_uint(base + "failcnt")};
  }
}

}  // namespace minirun::cgroup::v1
