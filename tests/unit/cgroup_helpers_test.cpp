// Pure helpers of cgroup/: unit conversions and control-file line formats.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "cgroup/fs.h"
#include "cgroup/v1.h"
#include "cgroup/v2.h"

namespace minirun::cgroup {
namespace {

TEST(CgroupHelpers, SharesToWeightMatchesRunc) {
  EXPECT_EQ(shares_to_weight(0), 0u);  // unset stays unset
  EXPECT_EQ(shares_to_weight(2), 1u);
  EXPECT_EQ(shares_to_weight(1024), 39u);  // runc: 1 + (1022*9999)/262142
  EXPECT_EQ(shares_to_weight(262144), 10000u);
  EXPECT_EQ(shares_to_weight(512), 1 + (510u * 9999) / 262142);
}

// What create() will make above the container's dirs, named before it
// does: the missing ancestors of each path, deepest first, each once.
TEST(CgroupHelpers, MissingParentsAreTheAncestorsNotYetMade) {
  char tmpl[] = "/tmp/minirun-unit-parents-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string base = tmpl;
  ASSERT_EQ(::mkdir((base + "/have").c_str(), 0755), 0);
  std::map<std::string, std::string> paths = {
      {"memory", base + "/have/a/b/leaf"},
      {"pids", base + "/have/a/b/leaf"},  // the same dir twice: named once
      {"unified", base + "/have/leaf2"},  // its parent exists: nothing to make
      {"cpu", base + "/gone/x/leaf"},
  };
  EXPECT_EQ(missing_parents(paths), (std::vector<std::string>{base + "/gone/x", base + "/gone", base + "/have/a/b",
                                                               base + "/have/a"}));
  ASSERT_EQ(::mkdir((base + "/have/a").c_str(), 0755), 0);
  EXPECT_EQ(missing_parents({{"memory", base + "/have/a/b/leaf"}}), std::vector<std::string>{base + "/have/a/b"});
  ::rmdir((base + "/have/a").c_str());
  ::rmdir((base + "/have").c_str());
  ::rmdir(base.c_str());
}

TEST(CgroupHelpers, BlkioDeviceLine) {
  EXPECT_EQ(blkio_device_line(8, 0, 1048576), "8:0 1048576");
  EXPECT_EQ(blkio_device_line(253, 16, 500), "253:16 500");
}

TEST(CgroupHelpers, BlkioWeightToIoWeight) {
  EXPECT_EQ(v2::blkio_weight_to_io_weight(0), 0u);
  EXPECT_EQ(v2::blkio_weight_to_io_weight(10), 1u);
  EXPECT_EQ(v2::blkio_weight_to_io_weight(1000), 10000u);
  EXPECT_EQ(v2::blkio_weight_to_io_weight(500), 1 + 490u * 9999 / 990);
}

TEST(CgroupHelpers, SwapToV2IsSwapMinusLimit) {
  EXPECT_EQ(v2::swap_to_v2(0, -1), -1);
  EXPECT_EQ(v2::swap_to_v2(-1, 100), -1);
  EXPECT_EQ(v2::swap_to_v2(0, 100), 0);
  EXPECT_EQ(v2::swap_to_v2(300, 100), 200);
  EXPECT_EQ(v2::swap_to_v2(100, 100), 0);
  EXPECT_THROW(v2::swap_to_v2(50, 100), Error);
  EXPECT_THROW(v2::swap_to_v2(50, 0), Error);
}

TEST(CgroupHelpers, ParseBlkioStatSkipsTotal) {
  auto e = v1::parse_blkio_stat("8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 1\n8:0 Async 2\n8:0 Total 12288\nTotal 12288\n");
  ASSERT_EQ(e.size(), 5u);
  EXPECT_EQ(e[0].major, 8u);
  EXPECT_EQ(e[0].minor, 0u);
  EXPECT_EQ(e[0].op, "Read");
  EXPECT_EQ(e[0].value, 4096u);
  EXPECT_EQ(e[4].op, "Total");
}

TEST(CgroupHelpers, ParseIoStat) {
  std::string text = "8:16 rbytes=1024 wbytes=2048 rios=3 wios=4 dbytes=0 dios=0\n";
  auto bytes = v2::parse_io_stat(text, true);
  ASSERT_EQ(bytes.size(), 2u);
  EXPECT_EQ(bytes[0].minor, 16u);
  EXPECT_EQ(bytes[0].op, "Read");
  EXPECT_EQ(bytes[0].value, 1024u);
  EXPECT_EQ(bytes[1].op, "Write");
  auto ios = v2::parse_io_stat(text, false);
  ASSERT_EQ(ios.size(), 2u);
  EXPECT_EQ(ios[1].value, 4u);
}

TEST(CgroupHelpers, CpuacctTicksToNanoseconds) {
  uint64_t user = 0, sys = 0;
  v1::parse_cpuacct_stat("user 150\nsystem 20\n", 100, user, sys);
  EXPECT_EQ(user, 1500000000u);
  EXPECT_EQ(sys, 200000000u);
}

TEST(CgroupHelpers, HugepageSizeNames) {
  EXPECT_EQ(fs::hugepage_size_name("hugepages-2048kB"), "2MB");
  EXPECT_EQ(fs::hugepage_size_name("hugepages-1048576kB"), "1GB");
  EXPECT_EQ(fs::hugepage_size_name("hugepages-64kB"), "64KB");
  EXPECT_EQ(fs::hugepage_size_name("other"), "");
}

TEST(CgroupHelpers, UnifiedKeyController) {
  EXPECT_EQ(v2::unified_key_controller("memory.max"), "memory");
  EXPECT_EQ(v2::unified_key_controller("cgroup.max.depth"), "cgroup");
  EXPECT_THROW(v2::unified_key_controller("../memory.max"), Error);
  EXPECT_THROW(v2::unified_key_controller("nodot"), Error);
}

TEST(CgroupHelpers, ParseUintTreatsMaxAsNone) {
  EXPECT_EQ(fs::parse_uint("42\n"), 42u);
  EXPECT_FALSE(fs::parse_uint("max\n"));
  EXPECT_FALSE(fs::parse_uint("-1"));
}

}  // namespace
}  // namespace minirun::cgroup
