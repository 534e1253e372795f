// Issue 7: rootless, as runc: a non-root host user (nobody, via setpriv) runs
// a busybox container in a user namespace mapping only its own uid, with no
// cgroup writes, state under $XDG_RUNTIME_DIR, setgroups denied, and the
// rootfs files showing their mapped owners.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "harness.h"

namespace minirun::test {
namespace {

constexpr int kUser = 65534;  // nobody

class SecurityRootlessTest : public MinirunTest {
 protected:
  void SetUp() override {
    // Some hosts forbid unprivileged user namespaces (a sysctl, an LSM).
    Result userns = run_command({"setpriv", "--reuid=" + std::to_string(kUser), "--regid=" + std::to_string(kUser),
                                 "--clear-groups", "unshare", "--user", "true"});
    if (userns.code != 0) GTEST_SKIP() << "an unprivileged user cannot make a user namespace here: " << userns.err;
    MinirunTest::SetUp();
    xdg_ = make_temp_dir("minirun-xdg");
    ASSERT_EQ(chown(xdg_.c_str(), kUser, kUser), 0);
    // The build tree may be where the user cannot reach (a clone under
    // /root, mode 0700): it runs a copy of minirun from a dir it may read.
    bin_dir_ = make_temp_dir("minirun-rlbin");
    ASSERT_EQ(chmod(bin_dir_.c_str(), 0755), 0);
    minirun_ = bin_dir_ + "/minirun";
    ASSERT_EQ(run_command({"cp", MINIRUN_BIN, minirun_}).code, 0);
  }
  void TearDown() override {
    // The user's containers live in its own state root.
    if (!xdg_.empty()) {
      Result ids = as_user({"list", "-q"});
      for (const auto& id : split_lines(ids.out)) as_user({"delete", "--force", id});
      remove_tree(xdg_);
    }
    if (!bin_dir_.empty()) remove_tree(bin_dir_);
    if (!root_.empty()) MinirunTest::TearDown();
  }
  // minirun as the unprivileged user, its default --root ($XDG_RUNTIME_DIR/minirun).
  Result as_user(const std::vector<std::string>& args, const std::string& cwd = "/") {
    std::vector<std::string> argv = {"setpriv",
                                     "--reuid=" + std::to_string(kUser),
                                     "--regid=" + std::to_string(kUser),
                                     "--clear-groups",
                                     "env",
                                     "-C",
                                     cwd,
                                     "XDG_RUNTIME_DIR=" + xdg_,
                                     minirun_};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv);
  }
  // A `minirun spec --rootless` bundle owned by the user, mapping it to root.
  void make_rootless(Bundle& b) {
    nlohmann::json map = {{{"containerID", 0}, {"hostID", kUser}, {"size", 1}}};
    b.config["linux"]["uidMappings"] = map;
    b.config["linux"]["gidMappings"] = map;
    b.config["root"]["readonly"] = false;
    b.save();
    run_command({"chown", "-R", std::to_string(kUser) + ":" + std::to_string(kUser), b.dir()});
    // A file of the host's root: unmapped, it shows as the overflow id.
    std::ofstream(b.rootfs() + "/etc/hostroot") << "x\n";
    chown((b.rootfs() + "/etc/hostroot").c_str(), 0, 0);
  }
  std::string xdg_;
  std::string bin_dir_, minirun_;
};

TEST_F(SecurityRootlessTest, NonRootUserRunsABusyboxContainer) {
  Bundle b(true, {"--rootless"});
  b.set_args({"sh", "-c",
              "probe report; echo setgroups=$(cat /proc/self/setgroups); "
              "echo owners=$(stat -c %u:%g /bin/busybox /etc/hostroot); echo made > /tmp/f && stat -c file=%u /tmp/f"});
  make_rootless(b);
  Result r = as_user({"run", "rl"}, b.dir());
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_EQ(field(r.out, "uid"), "0");
  std::string map = field(r.out, "uid_map");
  EXPECT_EQ(map.substr(map.find_first_not_of(' ')), "0      65534          1") << r.out;
  EXPECT_EQ(field(r.out, "setgroups"), "deny");
  EXPECT_EQ(field(r.out, "owners"), "0:0 65534:65534")
      << "the user's files are root's inside, the host root's unmapped";
  EXPECT_EQ(field(r.out, "file"), "0");
  struct stat st {};
  ASSERT_EQ(stat((b.rootfs() + "/tmp/f").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, static_cast<uid_t>(kUser)) << "a file the container root made belongs to the user on the host";
  EXPECT_TRUE(find_cgroup_dirs("rl").empty()) << "no cgroup made";
  EXPECT_FALSE(path_exists(xdg_ + "/minirun/rl")) << "state removed";
}

TEST_F(SecurityRootlessTest, LifecycleAndExecWithoutCgroupWrites) {
  Bundle b(true, {"--rootless"});
  b.set_args({"probe", "sleep", "60"});
  make_rootless(b);
  Result c = as_user({"run", "-d", "-b", b.dir(), "rl2"});
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_TRUE(path_exists(xdg_ + "/minirun/rl2/state.json")) << "state under $XDG_RUNTIME_DIR/minirun";
  Result e = as_user({"exec", "rl2", "probe", "report"});
  ASSERT_EQ(e.code, 0) << e.err;
  EXPECT_EQ(field(e.out, "uid"), "0");
  EXPECT_NE(field(e.out, "uid_map").find("65534"), std::string::npos);
  Result st = as_user({"state", "rl2"});
  EXPECT_NE(st.out.find("\"running\""), std::string::npos) << st.out << st.err;
  Result d = as_user({"delete", "--force", "rl2"});
  EXPECT_EQ(d.code, 0) << d.err;
  EXPECT_FALSE(path_exists(xdg_ + "/minirun/rl2"));
  EXPECT_TRUE(find_cgroup_dirs("rl2").empty());
}

TEST_F(SecurityRootlessTest, LimitsWithoutAWritableCgroupAreAClearError) {
  Bundle b(true, {"--rootless"});
  b.config["linux"]["resources"] = {{"memory", {{"limit", 64 << 20}}}};
  b.set_args({"true"});
  make_rootless(b);
  Result r = as_user({"run", "-b", b.dir(), "rl3"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("rootless: linux.resources needs a cgroup this user may write"), std::string::npos) << r.err;
  EXPECT_EQ(split_lines(r.err).size(), 1u) << r.err;
  EXPECT_FALSE(path_exists(xdg_ + "/minirun/rl3"));
  EXPECT_TRUE(find_cgroup_dirs("rl3").empty());
}

}  // namespace
}  // namespace minirun::test
