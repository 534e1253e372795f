// Issue 16, cgroup side of runc parity: device rules re-applied to a running
// container change only what differs, so allowed devices never fail.
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "harness.h"

namespace minirun::test {
namespace {

class RuncParityCgroupTest : public MinirunTest {};

std::set<std::string> line_set(const std::string& text) {
  auto v = split_lines(text);
  return {v.begin(), v.end()};
}

TEST_F(RuncParityCgroupTest, DeviceUpdatesNeverDenyAnAllowedDevice) {
  const std::string id = "pg-devupd";
  if (!path_exists("/sys/fs/cgroup/devices/devices.list")) GTEST_SKIP() << "no cgroup v1 devices hierarchy";
  Bundle b;
  const std::string out = root_ + "/out";
  ASSERT_EQ(mkdir(out.c_str(), 0755), 0);
  b.config["mounts"].push_back(
      {{"destination", "/out"}, {"type", "bind"}, {"source", out}, {"options", {"rbind", "rw"}}});
  b.set_args({"probe", "devloop", "/dev/null", "/out"});
  Result r = minirun({"run", "-d", "-b", b.dir(), id});
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_TRUE(wait_until([&] { return path_exists(out + "/started"); })) << "the read loop never started";

  std::string list;
  for (const auto& d : find_cgroup_dirs(id))
    if (d.rfind("/sys/fs/cgroup/devices/", 0) == 0) list = d + "/devices.list";
  ASSERT_FALSE(list.empty()) << "no devices cgroup for " << id;

  // The defaults minirun (as runc) allows, plus /dev/fuse every other round:
  // every update rewrites the rules, half of them change them.
  const std::set<std::string> defaults = {"c *:* m",     "b *:* m",     "c 1:3 rwm",   "c 1:8 rwm",
                                          "c 1:7 rwm",   "c 5:0 rwm",   "c 1:5 rwm",   "c 1:9 rwm",
                                          "c 136:* rwm", "c 5:2 rwm",   "c 10:200 rwm"};
  const std::string file = root_ + "/resources.json";
  for (int i = 0; i < 30; ++i) {
    const bool fuse = i % 2 == 1;
    std::ofstream(file) << R"({"devices": [{"allow": false, "access": "rwm"})"
                        << (fuse ? R"(, {"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rwm"})" : "")
                        << "]}";
    Result u = minirun({"update", "-r", file, id});
    ASSERT_EQ(u.code, 0) << "round " << i << ": " << u.err;
    auto want = defaults;
    if (fuse) want.insert("c 10:229 rwm");
    EXPECT_EQ(line_set(read_text(list)), want) << "round " << i;
  }

  std::ofstream(out + "/stop") << "";
  ASSERT_TRUE(wait_until([&] { return path_exists(out + "/result"); })) << "the read loop did not stop";
  const std::string result = read_text(out + "/result");
  EXPECT_EQ(field(result, "failures"), "0") << result;
  EXPECT_GT(std::stol("0" + field(result, "reads")), 30) << result;

  ASSERT_TRUE(wait_until([&] { return status_of(id) == "stopped"; }));
  ASSERT_EQ(minirun({"delete", id}).code, 0);
  expect_no_leftovers(id);
}

}  // namespace
}  // namespace minirun::test
