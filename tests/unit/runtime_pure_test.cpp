// Pure parts of runtime/: annotations, sizes, ids, state JSON, default devices.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "runtime/defaults.h"
#include "runtime/extensions.h"
#include "runtime/state.h"
#include "runtime/units.h"

namespace minirun::runtime {
namespace {

TEST(Extensions, AbsentMeansRuncBehaviour) {
  Extensions x = parse_extensions({{"org.example", "1"}});
  EXPECT_FALSE(x.overlay);
  EXPECT_EQ(x.network, Extensions::Network::unset);
}

TEST(Extensions, ParsesEveryAnnotation) {
  Extensions x = parse_extensions({{"run.minirun.rootfs.overlay", "true"},
                                   {"run.minirun.rootfs.overlay.lower", "/l1:/l2"},
                                   {"run.minirun.rootfs.overlay.upper", "/up"},
                                   {"run.minirun.network", "bridge"},
                                   {"run.minirun.network.bridge", "br9"},
                                   {"run.minirun.network.subnet", "10.9.0.0/24"},
                                   {"run.minirun.network.mtu", "1400"}});
  EXPECT_TRUE(x.overlay);
  EXPECT_EQ(x.overlay_size, int64_t{1} << 30) << "the documented default";
  EXPECT_EQ(parse_extensions({{"run.minirun.rootfs.overlay", "true"}, {"run.minirun.rootfs.overlay.size", "64m"}})
                .overlay_size,
            64 << 20);
  EXPECT_EQ(x.overlay_lower, (std::vector<std::string>{"/l1", "/l2"}));
  EXPECT_EQ(x.overlay_upper, "/up");
  EXPECT_EQ(x.network, Extensions::Network::bridge);
  EXPECT_EQ(x.bridge.bridge, "br9");
  EXPECT_EQ(x.bridge.subnet, "10.9.0.0/24");
  EXPECT_EQ(x.bridge.mtu, 1400u);
  EXPECT_EQ(parse_extensions({{"run.minirun.network", "/var/run/netns/x"}}).netns_path, "/var/run/netns/x");
}

TEST(Extensions, ErrorsNameTheAnnotation) {
  auto message = [](std::map<std::string, std::string> a) {
    try {
      parse_extensions(a);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message({{"run.minirun.network", "wifi"}}),
            "config.json: annotations[\"run.minirun.network\"]: expected \"bridge\", \"none\" or a netns path, got "
            "\"wifi\"");
  EXPECT_EQ(message({{"run.minirun.rootfs.overlay", "yes"}}),
            "config.json: annotations[\"run.minirun.rootfs.overlay\"]: expected \"true\" or \"false\", got \"yes\"");
  EXPECT_EQ(message({{"run.minirun.rootfs.overlay", "true"}, {"run.minirun.rootfs.overlay.lower", "rel"}}),
            "config.json: annotations[\"run.minirun.rootfs.overlay.lower\"]: must be an absolute path, got \"rel\"");
  EXPECT_EQ(message({{"run.minirun.rootfs.overlay.upper", "/u"}}),
            "config.json: annotations[\"run.minirun.rootfs.overlay\"]: overlay layers are set but the overlay is not "
            "enabled");
  EXPECT_EQ(message({{"run.minirun.network.mtu", "9"}}),
            "config.json: annotations[\"run.minirun.network.mtu\"]: invalid MTU \"9\"");
  EXPECT_EQ(message({{"run.minirun.rootfs.overlay", "true"}, {"run.minirun.rootfs.overlay.size", "lots"}}),
            "config.json: annotations[\"run.minirun.rootfs.overlay.size\"]: invalid size \"lots\"");
  EXPECT_EQ(message({{"run.minirun.rootfs.overlay", "true"}, {"run.minirun.rootfs.overlay.size", "1k"}}),
            "config.json: annotations[\"run.minirun.rootfs.overlay.size\"]: must be at least 4k, got \"1k\"");
  EXPECT_EQ(message({{"run.minirun.rootfs.overlay", "true"},
                     {"run.minirun.rootfs.overlay.upper", "/u"},
                     {"run.minirun.rootfs.overlay.size", "1g"}}),
            "config.json: annotations[\"run.minirun.rootfs.overlay.size\"]: limits the ephemeral upper only, not "
            "run.minirun.rootfs.overlay.upper");
  EXPECT_EQ(message({{"run.minirun.bogus", "1"}}),
            "config.json: annotations[\"run.minirun.bogus\"]: unknown minirun annotation");
}

TEST(Units, ParseBytesLikeRunc) {
  EXPECT_EQ(parse_bytes("1024", "--memory"), 1024);
  EXPECT_EQ(parse_bytes("64k", "--memory"), 64 << 10);
  EXPECT_EQ(parse_bytes("64m", "--memory"), 64 << 20);
  EXPECT_EQ(parse_bytes("64MB", "--memory"), 64 << 20);
  EXPECT_EQ(parse_bytes("2g", "--memory"), int64_t{2} << 30);
  EXPECT_EQ(parse_bytes("-1", "--memory"), -1);
  EXPECT_THROW(parse_bytes("lots", "--memory"), Error);
  // Reproducers from tests/fuzz/config_fuzz (run.minirun.rootfs.overlay.size):
  // more digits than int64_t holds threw std::out_of_range, and a big
  // number with a unit shifted past 63 bits.
  EXPECT_EQ(parse_bytes("8589934591g", "--memory"), int64_t{8589934591} << 30);
  for (const char* big : {"99999999999999999999", "8589934592g", "9223372036854775807k", "16777216t"}) {
    try {
      parse_bytes(big, "--memory");
      ADD_FAILURE() << big << " accepted";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()), "--memory: size \"" + std::string(big) + "\" is too large");
    }
  }
  EXPECT_THROW(parse_bytes("5q", "--memory"), Error);
  EXPECT_EQ(human_bytes(32 << 20), "32 MiB");
  EXPECT_EQ(human_bytes(1536), "1.5 KiB");
}

TEST(State, IdsFollowRuncsRule) {
  EXPECT_NO_THROW(validate_id("a-b_c.d+e"));
  for (const char* bad : {"", ".", "..", "a/b", "a b", "x\n"}) EXPECT_THROW(validate_id(bad), Error) << bad;
}

TEST(State, JsonHasRuncsFieldsAndZeroPidWhenStopped) {
  ContainerState s;
  s.id = "c1";
  s.pid = 42;
  s.bundle = "/b";
  s.rootfs = "/b/rootfs";
  s.created = "2026-01-01T00:00:00.000000000Z";
  auto running = nlohmann::json::parse(state_json(s, Status::running, false));
  EXPECT_EQ(running["ociVersion"], "1.0.2-dev");
  EXPECT_EQ(running["status"], "running");
  EXPECT_EQ(running["pid"], 42);
  EXPECT_FALSE(running.contains("annotations"));
  auto stopped = nlohmann::json::parse(state_json(s, Status::stopped, false));
  EXPECT_EQ(stopped["pid"], 0);
  EXPECT_EQ(state_json(s, Status::created, false).rfind("{\"ociVersion\"", 0), 0u) << "runc's field order";
}

TEST(Defaults, DeviceRulesKeepConfigOrderThenExactlyRuncsDefaults) {
  spec::Resources r;
  spec::DeviceRule deny;
  r.devices.push_back(deny);
  auto out = resources_with_default_devices(r);
  ASSERT_EQ(out.devices.size(), 12u);
  EXPECT_FALSE(out.devices.front().allow);
  // runc's specconv.AllowedDevices, in its order; no /dev/console (5:1).
  auto rule = [](const spec::DeviceRule& d) {
    auto n = [](const std::optional<int64_t>& v) { return v ? std::to_string(*v) : std::string("*"); };
    return d.type + " " + n(d.major) + ":" + n(d.minor) + " " + d.access + (d.allow ? "" : " deny");
  };
  std::vector<std::string> got;
  for (size_t i = 1; i < out.devices.size(); ++i) got.push_back(rule(out.devices[i]));
  EXPECT_EQ(got, (std::vector<std::string>{"c *:* m", "b *:* m", "c 1:3 rwm", "c 1:8 rwm", "c 1:7 rwm", "c 5:0 rwm",
                                           "c 1:5 rwm", "c 1:9 rwm", "c 136:* rwm", "c 5:2 rwm", "c 10:200 rwm"}));
  EXPECT_EQ(resources_with_default_devices(std::nullopt).devices.size(), 11u);
}

}  // namespace
}  // namespace minirun::runtime
