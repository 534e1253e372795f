// Layout detection and path resolution from sample mountinfo and
// /proc/self/cgroup texts of each host kind.
#include <gtest/gtest.h>

#include "cgroup/hybrid.h"
#include "cgroup/layout.h"

namespace minirun::cgroup {
namespace {

// This machine: separate v1 controllers, name=systemd, cgroup2 at unified.
const char* kHybridMountinfo =
    "22 1 0:20 / /proc rw - proc proc rw\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
    "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
const char* kHybridProcCgroup =
    "9:name=systemd:/\n6:freezer:/\n5:devices:/\n4:memory:/process_api/abc\n3:cpuset:/\n2:cpuacct:/\n1:cpu:/\n0::/\n";

// A systemd legacy host: comounted cpu,cpuacct and net_cls,net_prio, no cgroup2.
const char* kV1Mountinfo =
    "25 18 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
    "26 25 0:23 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup "
    "rw,xattr,release_agent=/lib/systemd/systemd-cgroups-agent,name=systemd\n"
    "29 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,cpu,cpuacct\n"
    "30 25 0:27 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid shared:14 - cgroup cgroup rw,net_cls,net_prio\n"
    "31 25 0:28 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,memory\n"
    "32 25 0:28 / /mnt/memory-again rw shared:15 - cgroup cgroup rw,memory\n";
const char* kV1ProcCgroup =
    "5:memory:/user.slice\n4:net_cls,net_prio:/\n3:cpu,cpuacct:/user.slice\n1:name=systemd:/user.slice/session-1.scope\n";

// A v2-only host.
const char* kV2Mountinfo =
    "26 21 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n";
const char* kV2ProcCgroup = "0::/user.slice/user-0.slice/session-3.scope\n";

TEST(CgroupLayout, DetectsHybrid) {
  HostLayout h = parse_mountinfo(kHybridMountinfo);
  EXPECT_EQ(h.layout(), Layout::hybrid);
  ASSERT_EQ(h.v1.size(), 7u);
  ASSERT_TRUE(h.v2);
  EXPECT_EQ(h.v2->mount_point, "/sys/fs/cgroup/unified");
  ASSERT_NE(h.v1_for("name=systemd"), nullptr);
  EXPECT_EQ(h.v1_for("name=systemd")->mount_point, "/sys/fs/cgroup/systemd");
  EXPECT_EQ(h.v1_for("blkio"), nullptr);
}

TEST(CgroupLayout, DetectsV1WithComountsAndNamedHierarchy) {
  HostLayout h = parse_mountinfo(kV1Mountinfo);
  EXPECT_EQ(h.layout(), Layout::v1);
  ASSERT_EQ(h.v1.size(), 4u);  // the second memory mount is the same hierarchy
  const Hierarchy* cpu = h.v1_for("cpuacct");
  ASSERT_NE(cpu, nullptr);
  EXPECT_EQ(cpu->mount_point, "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(cpu->controllers, (std::vector<std::string>{"cpu", "cpuacct"}));
  EXPECT_EQ(h.v1_for("name=systemd")->controllers, (std::vector<std::string>{"name=systemd"}));
}

TEST(CgroupLayout, DetectsV2) {
  HostLayout h = parse_mountinfo(kV2Mountinfo);
  EXPECT_EQ(h.layout(), Layout::v2);
  EXPECT_TRUE(h.v1.empty());
  EXPECT_EQ(h.v2->mount_point, "/sys/fs/cgroup");
}

TEST(CgroupLayout, IgnoresHierarchiesHiddenByALaterMount) {
  // A tmpfs over the unified dir (as scripts/bench.sh does for crun) turns hybrid into v1.
  std::string text = std::string(kHybridMountinfo) + "50 41 0:60 / /sys/fs/cgroup/unified rw - tmpfs none rw\n";
  HostLayout h = parse_mountinfo(text);
  EXPECT_EQ(h.layout(), Layout::v1);
  EXPECT_FALSE(h.v2);
  EXPECT_EQ(h.v1.size(), 7u);
}

TEST(CgroupLayout, UnescapesMountPoints) {
  HostLayout h = parse_mountinfo("41 31 0:38 / /mnt/my\\040cgroup rw - cgroup2 cgroup2 rw\n");
  EXPECT_EQ(h.v2->mount_point, "/mnt/my cgroup");
}

TEST(CgroupLayout, ParsesProcSelfCgroup) {
  auto own = parse_proc_cgroup(kV1ProcCgroup);
  EXPECT_EQ(own["cpu"], "/user.slice");
  EXPECT_EQ(own["cpuacct"], "/user.slice");
  EXPECT_EQ(own["net_prio"], "/");
  EXPECT_EQ(own["name=systemd"], "/user.slice/session-1.scope");
  EXPECT_EQ(parse_proc_cgroup(kV2ProcCgroup)[""], "/user.slice/user-0.slice/session-3.scope");
}

TEST(CgroupLayout, HybridRelativeNestsUnderOwnCgroupPerHierarchy) {
  auto paths = resolve_paths(parse_mountinfo(kHybridMountinfo), parse_proc_cgroup(kHybridProcCgroup), "", "c1");
  EXPECT_EQ(paths["memory"], "/sys/fs/cgroup/memory/process_api/abc/c1");
  EXPECT_EQ(paths["cpu"], "/sys/fs/cgroup/cpu/c1");
  EXPECT_EQ(paths["name=systemd"], "/sys/fs/cgroup/systemd/c1");
  EXPECT_EQ(paths["unified"], "/sys/fs/cgroup/unified/c1");
  EXPECT_EQ(paths.count(""), 0u);

  auto rel = resolve_paths(parse_mountinfo(kHybridMountinfo), parse_proc_cgroup(kHybridProcCgroup), "a/b", "c1");
  EXPECT_EQ(rel["memory"], "/sys/fs/cgroup/memory/process_api/abc/a/b");
}

TEST(CgroupLayout, AbsolutePathIsTakenAsGiven) {
  auto paths = resolve_paths(parse_mountinfo(kHybridMountinfo), parse_proc_cgroup(kHybridProcCgroup), "/machine/c1", "c1");
  EXPECT_EQ(paths["memory"], "/sys/fs/cgroup/memory/machine/c1");
  EXPECT_EQ(paths["unified"], "/sys/fs/cgroup/unified/machine/c1");
}

TEST(CgroupLayout, V1ComountedControllersShareOneDir) {
  auto paths = resolve_paths(parse_mountinfo(kV1Mountinfo), parse_proc_cgroup(kV1ProcCgroup), "", "c1");
  EXPECT_EQ(paths["cpu"], "/sys/fs/cgroup/cpu,cpuacct/user.slice/c1");
  EXPECT_EQ(paths["cpuacct"], paths["cpu"]);
  EXPECT_EQ(paths["net_cls"], "/sys/fs/cgroup/net_cls,net_prio/c1");
  EXPECT_EQ(paths["name=systemd"], "/sys/fs/cgroup/systemd/user.slice/session-1.scope/c1");
  EXPECT_EQ(paths.count("unified"), 0u);
}

TEST(CgroupLayout, V2UsesEmptyKey) {
  auto paths = resolve_paths(parse_mountinfo(kV2Mountinfo), parse_proc_cgroup(kV2ProcCgroup), "ctr", "c1");
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[""], "/sys/fs/cgroup/user.slice/user-0.slice/session-3.scope/ctr");
}

TEST(CgroupLayout, MountRootIsStripped) {
  // Inside a container whose /sys/fs/cgroup/memory shows only /docker/x.
  HostLayout h = parse_mountinfo("35 31 0:32 /docker/x /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n");
  auto paths = resolve_paths(h, parse_proc_cgroup("4:memory:/docker/x\n"), "", "c1");
  EXPECT_EQ(paths["memory"], "/sys/fs/cgroup/memory/c1");
}

TEST(CgroupLayout, RefusesAHierarchyRoot) {
  HostLayout v2 = parse_mountinfo(kV2Mountinfo);
  for (const char* p : {"/", "//", "/."}) EXPECT_THROW(resolve_paths(v2, {}, p, "c1"), Error) << p;
  try {
    resolve_paths(parse_mountinfo(kHybridMountinfo), parse_proc_cgroup("0::/\n1:cpu:/\n"), ".", "c1");
    ADD_FAILURE() << "\".\" under a root cgroup is the root";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("linux.cgroupsPath: \".\" is the root of the cgroup hierarchy"),
              std::string::npos)
        << e.what();
  }
  // Inside a container: the root of what its mount shows.
  HostLayout h = parse_mountinfo("35 31 0:32 /docker/x /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n");
  EXPECT_THROW(resolve_paths(h, {}, "/docker/x", "c1"), Error);
  EXPECT_EQ(resolve_paths(h, {}, "/docker/x/c1", "c1")["memory"], "/sys/fs/cgroup/memory/c1");
}

TEST(CgroupLayout, RejectsDotDot) {
  HostLayout h = parse_mountinfo(kV2Mountinfo);
  EXPECT_THROW(resolve_paths(h, {}, "../../escape", "c1"), Error);
  EXPECT_THROW(resolve_paths(h, {}, "/a/../b", "c1"), Error);
  EXPECT_EQ(clean_cgroup_path("/a//b/./c/", "x"), "/a/b/c");
}

TEST(CgroupLayout, FactoryPicksImplementationFromPaths) {
  HostLayout hybrid = parse_mountinfo(kHybridMountinfo);
  auto paths = resolve_paths(hybrid, parse_proc_cgroup(kHybridProcCgroup), "", "c1");
  auto m = make_manager(hybrid, paths, false);
  EXPECT_NE(dynamic_cast<HybridManager*>(m.get()), nullptr);
  EXPECT_EQ(m->paths(), paths);  // round-trips through state.json

  HostLayout v2 = parse_mountinfo(kV2Mountinfo);
  auto m2 = make_manager(v2, resolve_paths(v2, {}, "", "c1"), false);
  EXPECT_NE(dynamic_cast<v2::V2Manager*>(m2.get()), nullptr);
  EXPECT_EQ(m2->paths().at(""), "/sys/fs/cgroup/c1");

  HostLayout v1 = parse_mountinfo(kV1Mountinfo);
  auto m1 = make_manager(v1, resolve_paths(v1, {}, "", "c1"), false);
  EXPECT_NE(dynamic_cast<v1::V1Manager*>(m1.get()), nullptr);
  EXPECT_EQ(m1->clone_into_fd(), -1);
}

}  // namespace
}  // namespace minirun::cgroup
