// spec/proc_tables.h: the one reader of mountinfo and /proc/PID/cgroup, on
// sample lines of every kind the kernel writes (and some it should not).
#include "spec/proc_tables.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace minirun::procfs {
namespace {

TEST(ProcTablesMountinfo, FieldsWithoutOptionalOnes) {
  auto lines = parse_mountinfo("22 1 0:20 / /proc rw,nosuid - proc proc rw\n");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].root, "/");
  EXPECT_EQ(lines[0].mount_point, "/proc");
  EXPECT_EQ(lines[0].options, "rw,nosuid");
  EXPECT_EQ(lines[0].optional, "");
  EXPECT_EQ(lines[0].fstype, "proc");
  EXPECT_EQ(lines[0].source, "proc");
  EXPECT_EQ(lines[0].super_options, "rw");
}

TEST(ProcTablesMountinfo, OptionalFieldsAreKeptTogether) {
  auto lines = parse_mountinfo(
      "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 shared:7 propagate_from:2 - ext3 /dev/root rw,errors=continue");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].root, "/mnt1");
  EXPECT_EQ(lines[0].optional, "master:1 shared:7 propagate_from:2");
  EXPECT_EQ(lines[0].fstype, "ext3");
  EXPECT_EQ(lines[0].source, "/dev/root");
  EXPECT_EQ(lines[0].super_options, "rw,errors=continue");
}

TEST(ProcTablesMountinfo, EscapesStayUntilUnescaped) {
  auto lines = parse_mountinfo("41 31 0:38 /a\\134b /mnt/my\\040dir\\011x rw - tmpfs my\\040src rw\n");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].mount_point, "/mnt/my\\040dir\\011x");
  EXPECT_EQ(unescape(lines[0].mount_point), "/mnt/my dir\tx");
  EXPECT_EQ(unescape(lines[0].root), "/a\\b");
  EXPECT_EQ(unescape(lines[0].source), "my src");
  EXPECT_EQ(unescape("/x\\012y"), "/x\ny");
}

TEST(ProcTablesMountinfo, BackslashWithoutThreeOctalDigitsIsKept) {
  EXPECT_EQ(unescape("a\\9bc"), "a\\9bc");
  EXPECT_EQ(unescape("a\\08"), "a\\08");
  EXPECT_EQ(unescape("end\\04"), "end\\04");
  EXPECT_EQ(unescape("end\\"), "end\\");
}

// A mount whose source is "" shows as two spaces: the fields after it keep
// their places.
TEST(ProcTablesMountinfo, EmptySourceKeepsTheFieldsInPlace) {
  auto lines = parse_mountinfo("50 1 0:60 / /mnt rw - tmpfs  rw,size=4k\n");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].fstype, "tmpfs");
  EXPECT_EQ(lines[0].source, "");
  EXPECT_EQ(lines[0].super_options, "rw,size=4k");
}

TEST(ProcTablesMountinfo, LinesCutShortAreSkipped) {
  auto lines = parse_mountinfo(
      "\n"
      "22 1 0:20 / /proc\n"                     // no options, no separator
      "22 1 0:20 / /proc rw shared:1\n"         // no separator
      "22 1 0:20 / /proc rw - proc proc\n"      // no super options
      "23 1 0:21 / /sys rw - sysfs sysfs rw\n"  // the only whole line
      "24 1 0:22 / /tmp rw -");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].mount_point, "/sys");
}

TEST(ProcTablesMountinfo, OrderIsKept) {
  auto lines = parse_mountinfo(
      "31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"
      "41 31 0:38 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].fstype, "tmpfs");
  EXPECT_EQ(lines[1].fstype, "cgroup2");
}

// Each line as (controllers, path).
std::vector<std::pair<std::string, std::string>> cgroup_lines(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const CgroupLine& line : parse_proc_cgroup(text)) out.emplace_back(line.controllers, line.path);
  return out;
}

using Lines = std::vector<std::pair<std::string, std::string>>;

TEST(ProcTablesCgroup, V1V2AndHybridLinesInOrder) {
  EXPECT_EQ(cgroup_lines("4:cpu,cpuacct:/user.slice\n9:name=systemd:/init.scope\n"),
            (Lines{{"cpu,cpuacct", "/user.slice"}, {"name=systemd", "/init.scope"}}));
  EXPECT_EQ(cgroup_lines("0::/user.slice/user-0.slice/session-3.scope\n"),
            (Lines{{"", "/user.slice/user-0.slice/session-3.scope"}}));
  EXPECT_EQ(cgroup_lines("12:memory:/a\n1:name=systemd:/b\n0::/c"),
            (Lines{{"memory", "/a"}, {"name=systemd", "/b"}, {"", "/c"}}));
}

TEST(ProcTablesCgroup, PathMayHoldColonsAndLinesWithoutTwoAreSkipped) {
  EXPECT_EQ(cgroup_lines("garbage\n5:pids\n0::/a:b\n"), (Lines{{"", "/a:b"}}));
}

}  // namespace
}  // namespace minirun::procfs
