// The systemd driver's pure parts: runc's "slice:prefix:name", slice
// nesting as systemd does it, and which resources become unit properties.
#include <gtest/gtest.h>

#include "cgroup/systemd.h"
#include "spec/error.h"

using namespace minirun;
using namespace minirun::cgroup::systemd;
using nlohmann::json;

namespace {

// The value of property `name` in a properties list, null when absent.
json property(const json& props, const std::string& name) {
  for (const auto& p : props)
    if (p.at(0) == name) return json::array({p.at(1), p.at(2)});
  return nullptr;
}

TEST(SystemdNames, SlicePrefixNameAsRunc) {
  UnitName u = parse_cgroups_path("system.slice:docker:abc", "abc");
  EXPECT_EQ(u.slice, "system.slice");
  EXPECT_EQ(u.unit, "docker-abc.scope");
  u = parse_cgroups_path(":cri-containerd:x1", "x1");
  EXPECT_EQ(u.slice, "system.slice");  // empty slice: system.slice
  EXPECT_EQ(u.unit, "cri-containerd-x1.scope");
  u = parse_cgroups_path("", "c9");
  EXPECT_EQ(u.unit, "minirun-c9.scope");
  u = parse_cgroups_path("kubepods-burstable-pod123.slice::c", "c");
  EXPECT_EQ(u.unit, "c.scope");
}

TEST(SystemdNames, MalformedPathsNameTheField) {
  for (const std::string bad : {"plain", "a:b", "a:b:c:d", "system.slice:p:", "nots:p:n", "system.slice:p/q:n",
                                "system.slice:p:n.slice", "-a.slice:p:n", "a--b.slice:p:n"}) {
    try {
      parse_cgroups_path(bad, "id");
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("linux.cgroupsPath"), std::string::npos) << e.what();
    }
  }
}

TEST(SystemdNames, DashedSlicesNest) {
  EXPECT_EQ(expand_slice("system.slice"), "/system.slice");
  EXPECT_EQ(expand_slice("-.slice"), "/");
  EXPECT_EQ(expand_slice("kubepods-burstable-pod123.slice"),
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod123.slice");
}

TEST(SystemdProperties, V1HostGetsLegacyNames) {
  spec::Resources r;
  r.memory = spec::Memory{};
  r.memory->limit = 64 << 20;
  r.cpu = spec::Cpu{};
  r.cpu->shares = 512;
  r.cpu->quota = 25000;
  r.cpu->period = 100000;
  r.cpu->cpus = "0-1";
  r.pids = spec::Pids{20};
  r.block_io = spec::BlockIO{};
  r.block_io->weight = 500;
  json p = resource_properties(r, cgroup::Layout::hybrid);
  EXPECT_EQ(property(p, "MemoryLimit"), json::array({"t", 64 << 20}));
  EXPECT_EQ(property(p, "CPUShares"), json::array({"t", 512}));
  EXPECT_EQ(property(p, "CPUQuotaPerSecUSec"), json::array({"t", 250000}));
  EXPECT_EQ(property(p, "CPUQuotaPeriodUSec"), json::array({"t", 100000}));
  EXPECT_EQ(property(p, "TasksMax"), json::array({"t", 20}));
  EXPECT_EQ(property(p, "BlockIOWeight"), json::array({"t", 500}));
  EXPECT_TRUE(property(p, "AllowedCPUs").is_null()) << "systemd has no cpuset on v1: the files do it";
}

TEST(SystemdProperties, V2HostGetsUnifiedNamesAndMasks) {
  spec::Resources r;
  r.memory = spec::Memory{};
  r.memory->limit = 100;
  r.memory->swap = 300;
  r.cpu = spec::Cpu{};
  r.cpu->shares = 1024;
  r.cpu->quota = 12340;  // 12.34 ms per 100 ms (the default period): 123400 us/s, up to 130000
  r.cpu->cpus = "0,9";
  r.pids = spec::Pids{-1};
  json p = resource_properties(r, cgroup::Layout::v2);
  EXPECT_EQ(property(p, "MemoryMax"), json::array({"t", 100}));
  EXPECT_EQ(property(p, "MemorySwapMax"), json::array({"t", 200}));
  EXPECT_EQ(property(p, "CPUWeight"), json::array({"t", cgroup::shares_to_weight(1024)}));
  EXPECT_EQ(property(p, "CPUQuotaPerSecUSec"), json::array({"t", 130000}));
  EXPECT_EQ(property(p, "AllowedCPUs"), json::array({"ay", {1, 2}}));
  EXPECT_EQ(property(p, "TasksMax"), json::array({"t", UINT64_MAX}));
}

TEST(SystemdProperties, DeviceRulesBecomeAStrictAllowList) {
  spec::Resources r;
  r.devices.push_back({false, "a", std::nullopt, std::nullopt, "rwm"});
  r.devices.push_back({true, "c", 1, 3, "rwm"});
  r.devices.push_back({true, "c", std::nullopt, std::nullopt, "m"});
  r.devices.push_back({false, "c", 1, 5, "rwm"});  // systemd cannot deny: the files do
  json p = resource_properties(r, cgroup::Layout::hybrid);
  EXPECT_EQ(property(p, "DevicePolicy"), json::array({"s", "strict"}));
  EXPECT_EQ(property(p, "DeviceAllow"),
            json::array({"a(ss)", json::array({json::array({"/dev/char/1:3", "rwm"}), json::array({"char-*", "m"})})}));
}

TEST(SystemdProperties, AnnotationsAsRuncReadsThem) {
  json p = annotation_properties({{"org.systemd.property.TimeoutStopUSec", "uint64 123000000"},
                                  {"org.systemd.property.CollectMode", "'inactive-or-failed'"},
                                  {"org.systemd.property.IgnoreOnIsolate", "true"},
                                  {"other", "x"}});
  EXPECT_EQ(p.size(), 3u);
  EXPECT_EQ(property(p, "TimeoutStopUSec"), json::array({"t", 123000000}));
  EXPECT_EQ(property(p, "CollectMode"), json::array({"s", "inactive-or-failed"}));
  EXPECT_EQ(property(p, "IgnoreOnIsolate"), json::array({"b", true}));
}

}  // namespace
