// Issue 16: rootfsPropagation "rshared" (what containerd sets for a CRI
// bidirectional mount) with the rootfs a mount point below a shared mount,
// as containerd's overlay is: the container starts, and mounts under an
// rbind+rshared volume travel both ways.  And a bind source under a dir only
// the host's root may enter, in a container with a user namespace.  The same
// steps run with runc.
#include <unistd.h>

#include <memory>

#include <nlohmann/json.hpp>

#include "harness.h"

namespace minirun::test {
namespace {

constexpr const char* kRunc = "/usr/sbin/runc";

// Runs in a private mount namespace of its own (nothing reaches the host's):
// a shared tmpfs T holding the rootfs (a bind mount point) and the volume
// source T/src.  Prints key=value lines; the namespace ends with the script.
const char* kScript = R"SH(
RT=$1 ROOT=$2 BUNDLE=$3 T=$4 ID=$5 ROOTFS=$6
rt() { "$RT" --root "$ROOT" "$@"; }
mount -t tmpfs pg-shared "$T" && mount --make-shared "$T" || { echo setup=failed; exit 1; }
mkdir "$T/rootfs" "$T/src" && mount --bind "$ROOTFS" "$T/rootfs" || { echo setup=failed; exit 1; }
if rt run -d -b "$BUNDLE" "$ID" >/dev/null 2>"$T/run.err"; then echo run=ok; else echo "run=$(cat "$T/run.err")"; exit 0; fi
mkdir "$T/src/fromhost" && mount -t tmpfs pg-fromhost "$T/src/fromhost" && echo hi > "$T/src/fromhost/x"
echo "host_to_container=$(rt exec "$ID" cat /shared/fromhost/x 2>&1)"
rt exec "$ID" sh -c 'mkdir /shared/fromct && mount -t tmpfs pg-fromct /shared/fromct && echo yo > /shared/fromct/y'
echo "container_to_host=$(cat "$T/src/fromct/y" 2>&1)"
echo "root_shared=$(rt exec "$ID" sh -c "grep -c '^[0-9]* [0-9]* [^ ]* [^ ]* / .* shared:' /proc/self/mountinfo")"
rt delete -f "$ID" >/dev/null 2>&1
echo "deleted=$(rt state "$ID" >/dev/null 2>&1 && echo no || echo yes)"
umount "$T/src/fromct" "$T/src/fromhost" "$T/rootfs" 2>/dev/null
umount -l "$T" && echo cleaned=yes
)SH";

class RuncParityRootfsTest : public MinirunTest {
 protected:
  Result check(const std::string& runtime, const std::string& root, const std::string& id) {
    Bundle b(true);
    const std::string t = root_ + "/shared-" + id;
    run_command({"mkdir", "-p", t});
    b.config["root"] = {{"path", t + "/rootfs"}, {"readonly", false}};
    b.config["linux"]["rootfsPropagation"] = "rshared";
    b.config["mounts"].push_back(
        {{"destination", "/shared"}, {"type", "bind"}, {"source", t + "/src"}, {"options", {"rbind", "rshared"}}});
    for (const char* set : {"bounding", "effective", "permitted"})
      b.config["process"]["capabilities"][set].push_back("CAP_SYS_ADMIN");
    b.set_args({"sleep", "600"});
    return run_command({"unshare", "-m", "--propagation", "private", "sh", "-c", kScript, "check", runtime, root,
                        b.dir(), t, id, b.dir() + "/rootfs"});
  }
  void expect_both_ways(const Result& r) {
    EXPECT_EQ(field(r.out, "run"), "ok") << r.out << r.err;
    EXPECT_EQ(field(r.out, "host_to_container"), "hi") << "a host mount under the shared source, in the container";
    EXPECT_EQ(field(r.out, "container_to_host"), "yo") << "a container mount under /shared, on the host";
    EXPECT_EQ(field(r.out, "deleted"), "yes");
    EXPECT_EQ(field(r.out, "cleaned"), "yes") << r.out << r.err;
  }
};

TEST_F(RuncParityRootfsTest, RsharedRootfsBelowASharedMountStartsAndPropagatesBothWays) {
  Result r = check(MINIRUN_BIN, root_, "pg-rshared");
  expect_both_ways(r);
  EXPECT_EQ(field(r.out, "root_shared"), "1") << "/ is rshared as asked, after the pivot";
  expect_no_leftovers("pg-rshared");
}

TEST_F(RuncParityRootfsTest, RuncDoesTheSame) {
  if (access(kRunc, X_OK) != 0) GTEST_SKIP() << "no runc at " << kRunc;
  expect_both_ways(check(kRunc, root_ + "/runc", "pg-rshared-runc"));
}

// A user namespace maps the container's root to host uid 100000, which may
// not enter BUNDLE/private (0700, host root's); runc opens bind sources
// before the init joins the user namespace, so the mount still works.
class UsernsBindSourceTest : public MinirunTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    MinirunTest::SetUp();
    if (GetParam() != MINIRUN_BIN && access(GetParam().c_str(), X_OK) != 0) GTEST_SKIP() << "no " << GetParam();
    b_ = std::make_unique<Bundle>(true);
    auto& c = b_->config;
    c["linux"]["namespaces"].push_back({{"type", "user"}});
    c["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
    c["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
    // A user namespace cannot mount a v1 cgroup bind or sysfs it does not own.
    auto& mounts = c["mounts"];
    for (auto it = mounts.begin(); it != mounts.end();)
      it = ((*it)["type"] == "cgroup" || (*it)["type"] == "sysfs") ? mounts.erase(it) : it + 1;
    mounts.push_back({{"destination", "/mnt/priv"}, {"type", "bind"}, {"source", "private/dir"}, {"options", {"rbind", "ro"}}});
    run_command({"chown", "-R", "100000:100000", b_->rootfs()});
    run_command({"chmod", "755", b_->dir()});
    const std::string priv = b_->dir() + "/private";
    run_command({"mkdir", "-p", priv + "/dir"});
    run_command({"sh", "-c", "echo from-host > " + priv + "/dir/f && chmod 700 " + priv + " && chmod 755 " + priv + "/dir"});
    root_dir_ = GetParam() == MINIRUN_BIN ? root_ : root_ + "/runc";
  }
  Result rt(const std::vector<std::string>& args) {
    std::vector<std::string> argv{GetParam(), "--root", root_dir_};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv);
  }
  std::unique_ptr<Bundle> b_;
  std::string root_dir_;
};

TEST_P(UsernsBindSourceTest, RunMountsASourceOnlyHostRootCanReach) {
  // The premise: the container's root cannot walk there by itself.
  Result direct = run_command({"setpriv", "--reuid=100000", "--regid=100000", "--clear-groups", "cat",
                               b_->dir() + "/private/dir/f"});
  ASSERT_NE(direct.code, 0) << "uid 100000 can read the private source: the test proves nothing";
  b_->set_args({"cat", "/mnt/priv/f"});
  Result r = rt({"run", "-b", b_->dir(), "ub-run"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "from-host\n") << r.err;
  rt({"delete", "-f", "ub-run"});
}

TEST_P(UsernsBindSourceTest, CreateStartAndExecSeeIt) {
  b_->set_args({"sleep", "600"});
  Result c = rt({"create", "-b", b_->dir(), "ub-cs"});
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_EQ(rt({"start", "ub-cs"}).code, 0);
  Result e = rt({"exec", "ub-cs", "cat", "/mnt/priv/f"});
  EXPECT_EQ(e.out, "from-host\n") << e.err;
  Result w = rt({"exec", "ub-cs", "sh", "-c", "echo x > /mnt/priv/g"});
  EXPECT_NE(w.code, 0) << "ro was asked for";
  EXPECT_EQ(rt({"delete", "-f", "ub-cs"}).code, 0);
  if (GetParam() == MINIRUN_BIN) expect_no_leftovers("ub-cs");
}

INSTANTIATE_TEST_SUITE_P(Runtimes, UsernsBindSourceTest, ::testing::Values(std::string(MINIRUN_BIN), std::string(kRunc)),
                         [](const auto& info) { return info.param == kRunc ? std::string("runc") : std::string("minirun"); });

}  // namespace
}  // namespace minirun::test
