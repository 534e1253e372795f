// Issue 17, exhaustion from inside: a container filling its overlay root
// fills a tmpfs of its own (run.minirun.rootfs.overlay.size), not --root.
// --root here is a 32 MiB tmpfs, as /run is on a small host.  A failed
// create unmounts the tmpfs: OverlayTest.FailedCreateLeavesNoMountAndNoUpper.
#include <sys/mount.h>
#include <sys/statvfs.h>

#include "harness.h"

namespace minirun::test {
namespace {

class OverlaySizeTest : public MinirunTest {
 protected:
  void SetUp() override {
    MinirunTest::SetUp();
    tmpfs_ = make_temp_dir("relb-smallroot");
    ASSERT_EQ(mount("tmpfs", tmpfs_.c_str(), "tmpfs", 0, "size=32m,mode=0700"), 0) << strerror(errno);
    remove_tree(root_);
    root_ = tmpfs_ + "/state";
  }
  void TearDown() override {
    MinirunTest::TearDown();  // deletes what is left, while the tmpfs still holds it
    umount2(tmpfs_.c_str(), MNT_DETACH);
    remove_tree(tmpfs_);
  }
  uint64_t root_free_bytes() {
    struct statvfs v {};
    EXPECT_EQ(statvfs(tmpfs_.c_str(), &v), 0);
    return uint64_t{v.f_bavail} * v.f_frsize;
  }
  // dd's report and exit code, and the size of what it wrote.
  Result fill(const std::string& id, int mib) {
    return minirun({"exec", id, "sh", "-c",
                    "dd if=/dev/zero of=/fill bs=1M count=" + std::to_string(mib) +
                        " 2>&1; echo rc=$?; stat -c size=%s /fill"});
  }
  std::string tmpfs_;
};

TEST_F(OverlaySizeTest, WriterGetsEnospcInItsOwnTmpfsAndNobodyElseNotices) {
  Bundle b;
  b.config["annotations"]["run.minirun.rootfs.overlay"] = "true";
  b.config["root"]["readonly"] = false;
  b.set_args({"sleep", "300"});
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "relb-big"}).code, 0);
  b.config["annotations"]["run.minirun.rootfs.overlay.size"] = "8m";
  b.save();
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "relb-small"}).code, 0);
  const uint64_t free_before = root_free_bytes();

  // The default (1 GiB) is more than this --root holds: 48 MiB go through.
  Result big = fill("relb-big", 48);
  EXPECT_NE(big.out.find("rc=0"), std::string::npos) << big.out << big.err;
  EXPECT_NE(big.out.find("size=" + std::to_string(48 << 20)), std::string::npos) << big.out;

  // 8m: the writer gets ENOSPC at 8 MiB.
  Result small = fill("relb-small", 64);
  EXPECT_NE(small.out.find("No space left on device"), std::string::npos) << small.out;
  EXPECT_NE(small.out.find("rc=1"), std::string::npos) << small.out;
  const size_t at = small.out.find("size=");
  ASSERT_NE(at, std::string::npos) << small.out;
  const long long written = std::stoll(small.out.substr(at + 5));
  EXPECT_GT(written, 6ll << 20) << small.out;
  EXPECT_LE(written, 8ll << 20) << small.out;

  // --root did not fill: 56 MiB were written, --root lost less than 1 MiB.
  EXPECT_LT(static_cast<int64_t>(free_before) - static_cast<int64_t>(root_free_bytes()), int64_t{1} << 20);
  // Another container still runs, writes and exits cleanly.
  b.config["annotations"].erase("run.minirun.rootfs.overlay.size");
  b.set_args({"sh", "-c", "dd if=/dev/zero of=/f bs=1M count=4 2>/dev/null && echo written"});
  Result other = minirun({"run", "-b", b.dir(), "relb-other"});
  EXPECT_EQ(other.code, 0) << other.err;
  EXPECT_EQ(other.out, "written\n");

  for (const char* id : {"relb-big", "relb-small"}) {
    Result d = minirun({"delete", "--force", id});
    EXPECT_EQ(d.code, 0) << d.err;
  }
  // The state dirs and their tmpfs mounts (none left under --root).
  for (const char* id : {"relb-other", "relb-big", "relb-small"}) expect_no_leftovers(id);
  EXPECT_GE(root_free_bytes() + (1 << 20), free_before) << "--root did not get its space back";
}

TEST_F(OverlaySizeTest, BadSizeIsOneLineNamingTheAnnotation) {
  Bundle b;
  b.config["annotations"]["run.minirun.rootfs.overlay"] = "true";
  b.config["annotations"]["run.minirun.rootfs.overlay.size"] = "lots";
  b.set_args({"true"});
  Result r = minirun({"run", "-b", b.dir(), "relb-badsize"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err,
            "minirun: run relb-badsize: config.json: annotations[\"run.minirun.rootfs.overlay.size\"]: invalid size "
            "\"lots\"\n");
  expect_no_leftovers("relb-badsize");
}

}  // namespace
}  // namespace minirun::test
