// cgroup v1 net_cls, net_prio and devices controllers.
#include <cerrno>

#include "cgroup/fs.h"
#include "cgroup/v1.h"
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

std::string device_rule_line(const spec::DeviceRule& r) {
  auto num = [](const std::optional<int64_t>& v) { return v && *v >= 0 ? std::to_string(*v) : std::string("*"); };
  return r.type + " " + num(r.major) + ":" + num(r.minor) + " " + r.access;
}

void apply_devices(const std::string& dir, const std::vector<spec::DeviceRule>& rules) {
  if (rules.empty()) return;
  fs::FieldWriter allow(f(dir, "devices.allow")), deny(f(dir, "devices.deny"));
  deny.write("devices", "a");
  for (size_t i = 0; i < rules.size(); ++i) {
    const auto& r = rules[i];
    (r.allow ? allow : deny).write("devices[" + std::to_string(i) + "]", device_rule_line(r));
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
