// The v1 device rule transition: pure state computation, no cgroup.
#include <gtest/gtest.h>

#include <algorithm>

#include "cgroup/v1_devices.h"
#include "spec/error.h"

namespace minirun::cgroup::v1 {
namespace {

spec::DeviceRule rule(bool allow, const char* type, std::optional<int64_t> major, std::optional<int64_t> minor,
                      const char* access = "rwm") {
  return spec::DeviceRule{allow, type, major, minor, access};
}

// What minirun applies for a default container: deny all, then the defaults.
std::vector<spec::DeviceRule> default_rules() {
  return {rule(false, "a", std::nullopt, std::nullopt), rule(true, "c", std::nullopt, std::nullopt, "m"),
          rule(true, "b", std::nullopt, std::nullopt, "m"), rule(true, "c", 1, 3), rule(true, "c", 1, 5),
          rule(true, "c", 136, std::nullopt), rule(true, "c", 5, 2)};
}

// devices.list as the kernel prints the state of default_rules().
const char* kDefaultList = "c *:* m\nb *:* m\nc 1:3 rwm\nc 1:5 rwm\nc 136:* rwm\nc 5:2 rwm\n";

TEST(CgroupV1Devices, ParsesWhitelistAndBlacklist) {
  DeviceState black = parse_devices_list("a *:* rwm\n");
  EXPECT_TRUE(black.default_allow);
  EXPECT_TRUE(black.exceptions.empty());

  DeviceState white = parse_devices_list(kDefaultList);
  EXPECT_FALSE(white.default_allow);
  EXPECT_EQ(white.exceptions.size(), 6u);
  EXPECT_EQ((white.exceptions.at({'c', 136, -1})), kDevRead | kDevWrite | kDevMknod);
  EXPECT_EQ((white.exceptions.at({'b', -1, -1})), kDevMknod);

  EXPECT_TRUE(parse_devices_list("").exceptions.empty());  // whitelist, nothing allowed
  EXPECT_THROW(parse_devices_list("c 1:3\n"), Error);
  EXPECT_THROW(parse_devices_list("x 1:3 rwm\n"), Error);
  EXPECT_THROW(parse_devices_list("c 1:3 rwx\n"), Error);
  EXPECT_THROW(parse_devices_list("a *:* rwm\nc 1:3 rwm\n"), Error);
}

TEST(CgroupV1Devices, RulesGiveTheStateTheListShows) {
  EXPECT_EQ(device_state_from_rules(default_rules()), parse_devices_list(kDefaultList));
}

TEST(CgroupV1Devices, FromBlacklistDeniesAllFirstThenAllows) {
  auto w = device_transition(parse_devices_list("a *:* rwm\n"), device_state_from_rules(default_rules()));
  ASSERT_EQ(w.size(), 7u);
  EXPECT_EQ(w[0], (DeviceWrite{false, "a *:* rwm"}));
  for (size_t i = 1; i < w.size(); ++i) EXPECT_TRUE(w[i].allow) << w[i].line;
  // Wildcards print as "*", access in "rwm" order.
  std::vector<std::string> lines;
  for (const auto& x : w) lines.push_back(x.line);
  EXPECT_NE(std::find(lines.begin(), lines.end(), "c 136:* rwm"), lines.end());
  EXPECT_NE(std::find(lines.begin(), lines.end(), "b *:* m"), lines.end());
}

TEST(CgroupV1Devices, SameRulesAgainWriteNothing) {
  EXPECT_TRUE(device_transition(parse_devices_list(kDefaultList), device_state_from_rules(default_rules())).empty());
}

TEST(CgroupV1Devices, ChangesWriteOnlyTheDifferenceAndNeverDenyAll) {
  auto rules = default_rules();
  rules.erase(rules.begin() + 4);                  // drop /dev/zero
  rules.push_back(rule(true, "c", 10, 200, "rw"));  // add /dev/net/tun
  rules.push_back(rule(false, "c", 5, 2, "w"));     // ptmx loses write
  auto w = device_transition(parse_devices_list(kDefaultList), device_state_from_rules(rules));
  std::vector<DeviceWrite> want = {{false, "c 1:5 rwm"}, {false, "c 5:2 w"}, {true, "c 10:200 rw"}};
  EXPECT_EQ(w, want);
}

TEST(CgroupV1Devices, ToBlacklistAllowsAllThenDenies) {
  std::vector<spec::DeviceRule> rules = {rule(true, "a", std::nullopt, std::nullopt), rule(false, "c", 1, 3, "w")};
  DeviceState to = device_state_from_rules(rules);
  EXPECT_TRUE(to.default_allow);
  auto w = device_transition(parse_devices_list(kDefaultList), to);
  std::vector<DeviceWrite> want = {{true, "a *:* rwm"}, {false, "c 1:3 w"}};
  EXPECT_EQ(w, want);
  // A blacklist's denies are not listed, so staying one rewrites it all.
  EXPECT_EQ(device_transition(parse_devices_list("a *:* rwm\n"), to), want);
}

TEST(CgroupV1Devices, LaterRulesOverrideEarlierOnes) {
  std::vector<spec::DeviceRule> rules = {rule(false, "a", std::nullopt, std::nullopt), rule(true, "c", 1, 3),
                                         rule(false, "c", 1, 3, "wm"), rule(true, "c", 1, 3, "m")};
  DeviceState st = device_state_from_rules(rules);
  EXPECT_EQ((st.exceptions.at({'c', 1, 3})), kDevRead | kDevMknod);
  // An "a" rule anywhere resets everything before it.
  rules.push_back(rule(false, "a", std::nullopt, std::nullopt));
  EXPECT_EQ(device_state_from_rules(rules), DeviceState{});
}

TEST(CgroupV1Devices, RefusesAHoleInAWildcardException) {
  std::vector<spec::DeviceRule> rules = {rule(false, "a", std::nullopt, std::nullopt),
                                         rule(true, "c", std::nullopt, std::nullopt), rule(false, "c", 1, 3, "r")};
  EXPECT_THROW(device_state_from_rules(rules), Error);
  // Removing what the wildcard does not grant is fine.
  rules[1].access = "m";
  EXPECT_NO_THROW(device_state_from_rules(rules));
}

}  // namespace
}  // namespace minirun::cgroup::v1
