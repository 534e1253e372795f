// Issue 21: the systemd cgroup driver (--systemd-cgroup) against a real
// systemd.  On a host without systemd as PID 1 only the refusal is tested;
// the rest runs inside the booted system of scripts/systemd-testbed.sh (the
// ctest entry systemd_testbed), and skips elsewhere.  Units, slices and ids
// carry the prefix "sysd".
#include <fstream>

#include "cgroup_helpers.h"

namespace minirun::test {
namespace {

bool systemd_is_pid1() { return path_exists("/run/systemd/system"); }

// Whether memory, pids and freezer limits can be set here: v1 controllers,
// or cgroup2 with them (the test bed's unified boot has no controllers:
// this VM binds them all to v1).
bool limits_enforceable() {
  return path_exists("/sys/fs/cgroup/memory/memory.limit_in_bytes") ||
         read_text("/sys/fs/cgroup/cgroup.controllers").find("memory") != std::string::npos;
}

// `systemctl show -p NAME --value UNIT`.
std::string unit_property(const std::string& unit, const std::string& name) {
  Result r = run_command({"systemctl", "show", "-p", name, "--value", unit});
  std::string v = r.out;
  while (!v.empty() && v.back() == '\n') v.pop_back();
  return v;
}

// Every dir named `leaf` in any hierarchy, at any depth under a slice.
std::vector<std::string> dirs_named(const std::string& leaf) {
  return split_lines(
      run_command({"sh", "-c", "find /sys/fs/cgroup -mindepth 2 -maxdepth 6 -type d -name '" + leaf + "'"}).out);
}

class SystemdCgroupTest : public MinirunTest {
 protected:
  void SetUp() override {
    MinirunTest::SetUp();
    if (!systemd_is_pid1()) GTEST_SKIP() << "systemd is not PID 1 here: runs in scripts/systemd-testbed.sh (ctest systemd_testbed)";
  }
  void TearDown() override {
    MinirunTest::TearDown();
    if (systemd_is_pid1()) run_command({"systemctl", "stop", "sysd.slice"});  // the nested-slice test's
  }
  // A container made by --systemd-cgroup in scope sysd-ID.scope.
  Result create(Bundle& b, const std::string& id, const std::string& slice = "") {
    b.config["linux"]["cgroupsPath"] = slice + ":sysd:" + id;
    b.save();
    return minirun({"--systemd-cgroup", "create", "-b", b.dir(), id});
  }
  pid_t pid_of(const std::string& id) {
    auto st = nlohmann::json::parse(minirun({"state", id}).out, nullptr, false);
    return st.is_discarded() ? 0 : st.value("pid", 0);
  }
  void expect_delegated_scope(const std::string& unit) {
    EXPECT_EQ(unit_property(unit, "ActiveState"), "active");
    EXPECT_EQ(unit_property(unit, "Delegate"), "yes");
    EXPECT_EQ(unit_property(unit, "ControlGroup"), "/system.slice/" + unit);
  }
  void expect_unit_gone(const std::string& unit) {
    EXPECT_EQ(unit_property(unit, "LoadState"), "not-found") << unit;
    EXPECT_EQ(joined(dirs_named(unit)), "") << "cgroup dirs of " << unit << " left behind";
  }
};

TEST(SystemdCgroupRefusal, ClearErrorWhereSystemdIsNotPid1) {
  if (systemd_is_pid1()) GTEST_SKIP() << "systemd is PID 1 here";
  std::string root = make_temp_dir("sysd-root");
  Bundle b;
  b.set_args({"true"});
  Result r = run_command({MINIRUN_BIN, "--root", root, "--systemd-cgroup", "run", "-b", b.dir(), "sysd-refused"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("systemd is not running as PID 1"), std::string::npos) << r.err;
  EXPECT_EQ(split_lines(r.err).size(), 1u) << r.err;
  EXPECT_FALSE(path_exists(root + "/sysd-refused"));
  remove_tree(root);
}

TEST_F(SystemdCgroupTest, TheInitRunsInADelegatedScopeWithItsLimitsAsProperties) {
  if (!limits_enforceable()) GTEST_SKIP() << "no memory controller here (cgroup2 without controllers)";
  Bundle b;
  set_resources(b, {{"memory", {{"limit", 48 * kMiB}}}, {"pids", {{"limit", 20}}}, {"cpu", {{"shares", 512}}}});
  b.set_args({"sleep", "60"});
  ASSERT_EQ(create(b, "sysd-scope").code, 0);
  const std::string unit = "sysd-sysd-scope.scope";
  expect_delegated_scope(unit);
  EXPECT_EQ(unit_property(unit, "TasksMax"), "20");
  EXPECT_EQ(unit_property(unit, "CPUShares"), "512");
  EXPECT_EQ(unit_property(unit, "MemoryLimit"), std::to_string(48 * kMiB));
  // The init (still waiting for start) is in the scope in every hierarchy.
  pid_t pid = pid_of("sysd-scope");
  ASSERT_GT(pid, 0);
  for (const auto& line : split_lines(read_text("/proc/" + std::to_string(pid) + "/cgroup")))
    EXPECT_NE(line.find("/system.slice/" + unit), std::string::npos) << line;
  EXPECT_NE(read_text("/sys/fs/cgroup/systemd/system.slice/" + unit + "/cgroup.procs").find(std::to_string(pid)),
            std::string::npos);
  EXPECT_EQ(minirun({"delete", "--force", "sysd-scope"}).code, 0);
  expect_unit_gone(unit);
}

TEST_F(SystemdCgroupTest, MemoryHogOverTheLimitIsOomKilled) {
  if (!limits_enforceable()) GTEST_SKIP() << "no memory controller here (cgroup2 without controllers)";
  Bundle b;
  set_resources(b, {{"memory", oom_memory(32 * kMiB)}});
  b.config["linux"]["cgroupsPath"] = ":sysd:sysd-oom";
  b.set_args({"probe", "memhog", "100"});
  Result r = minirun({"--systemd-cgroup", "run", "-b", b.dir(), "sysd-oom"});
  EXPECT_EQ(r.code, 137) << r.err;
  EXPECT_EQ(r.out.find("allocated"), std::string::npos) << r.out;
  // (No "killed by the OOM killer" line here: systemd removes an emptied
  // scope's cgroup, and its OOM count with it, before run can read it.)
  expect_unit_gone("sysd-sysd-oom.scope");
  b.set_args({"probe", "memhog", "16"});
  Result ok = minirun({"--systemd-cgroup", "run", "-b", b.dir(), "sysd-oom"});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(ok.out, "allocated 16 MiB\n");
  expect_unit_gone("sysd-sysd-oom.scope");
}

TEST_F(SystemdCgroupTest, ForkLoopStopsAtPidsLimit) {
  if (!limits_enforceable()) GTEST_SKIP() << "no memory controller here (cgroup2 without controllers)";
  Bundle b;
  set_resources(b, {{"pids", {{"limit", 10}}}});
  b.config["linux"]["cgroupsPath"] = "system.slice:sysd:sysd-forks";
  b.set_args({"probe", "forkbomb", "100"});
  Result r = minirun({"--systemd-cgroup", "run", "-b", b.dir(), "sysd-forks"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(field(r.out, "forked"), "9") << r.out;
  expect_unit_gone("sysd-sysd-forks.scope");
}

TEST_F(SystemdCgroupTest, UpdatePauseKillAllAndDeleteWorkOnTheScope) {
  if (!limits_enforceable()) GTEST_SKIP() << "no memory controller here (cgroup2 without controllers)";
  Bundle b;
  set_resources(b, {{"memory", {{"limit", 64 * kMiB}}}, {"pids", {{"limit", 50}}}});
  b.set_args({"sh", "-c", "sleep 100 & sleep 100 & wait"});
  ASSERT_EQ(create(b, "sysd-life").code, 0);
  const std::string unit = "sysd-sysd-life.scope", memory = "/sys/fs/cgroup/memory/system.slice/" + unit;
  ASSERT_EQ(minirun({"start", "sysd-life"}).code, 0);
  ASSERT_TRUE(wait_until([&] { return split_lines(minirun({"ps", "sysd-life"}).out).size() == 4; }))
      << minirun({"ps", "sysd-life"}).out;  // header, sh, two sleeps

  ASSERT_EQ(minirun({"update", "--memory", "100M", "--pids-limit", "30", "sysd-life"}).code, 0);
  EXPECT_EQ(unit_property(unit, "MemoryLimit"), std::to_string(100 * kMiB));
  EXPECT_EQ(unit_property(unit, "TasksMax"), "30");
  EXPECT_EQ(read_text(memory + "/memory.limit_in_bytes"), std::to_string(100 * kMiB) + "\n");

  ASSERT_EQ(minirun({"pause", "sysd-life"}).code, 0);
  EXPECT_EQ(status_of("sysd-life"), "paused");
  EXPECT_EQ(read_text("/sys/fs/cgroup/freezer/system.slice/" + unit + "/freezer.state"), "FROZEN\n");
  ASSERT_EQ(minirun({"resume", "sysd-life"}).code, 0);
  EXPECT_EQ(status_of("sysd-life"), "running");
  Result ev = minirun({"events", "--stats", "sysd-life"});
  ASSERT_EQ(ev.code, 0) << ev.err;
  EXPECT_EQ(nlohmann::json::parse(ev.out)["data"]["pids"]["current"], 3) << ev.out;

  ASSERT_EQ(minirun({"kill", "--all", "sysd-life", "KILL"}).code, 0);
  ASSERT_TRUE(wait_until([&] { return status_of("sysd-life") == "stopped"; }));
  ASSERT_EQ(minirun({"delete", "sysd-life"}).code, 0);
  expect_unit_gone(unit);
  expect_no_leftovers("sysd-life");
}

// What systemd does itself, on any layout (ctest systemd_testbed_v2 boots
// a cgroup2-only system): the scope, Delegate, the init in it, pause
// (freezer or cgroup.freeze), delete leaving nothing.
TEST_F(SystemdCgroupTest, TheScopeOnAnyLayoutIsDelegatedPausedAndRemoved) {
  Bundle b;
  b.set_args({"sleep", "60"});
  ASSERT_EQ(create(b, "sysd-any").code, 0);
  const std::string unit = "sysd-sysd-any.scope";
  expect_delegated_scope(unit);
  std::string cg = read_text("/proc/" + std::to_string(pid_of("sysd-any")) + "/cgroup");
  EXPECT_NE(cg.find("0::/system.slice/" + unit + "\n"), std::string::npos) << cg;
  ASSERT_EQ(minirun({"start", "sysd-any"}).code, 0);
  ASSERT_EQ(minirun({"pause", "sysd-any"}).code, 0);
  EXPECT_EQ(status_of("sysd-any"), "paused");
  ASSERT_EQ(minirun({"resume", "sysd-any"}).code, 0);
  EXPECT_EQ(status_of("sysd-any"), "running");
  EXPECT_EQ(minirun({"delete", "--force", "sysd-any"}).code, 0);
  expect_unit_gone(unit);
}

TEST_F(SystemdCgroupTest, ADashedSliceNestsAndAnnotationsBecomeProperties) {
  Bundle b;
  b.config["annotations"]["org.systemd.property.TimeoutStopUSec"] = "uint64 123000000";
  b.config["annotations"]["org.systemd.property.CollectMode"] = "'inactive-or-failed'";
  b.set_args({"sleep", "60"});
  ASSERT_EQ(create(b, "sysd-nest", "sysd-a-b.slice").code, 0);
  const std::string unit = "sysd-sysd-nest.scope";
  EXPECT_EQ(unit_property(unit, "ControlGroup"), "/sysd.slice/sysd-a.slice/sysd-a-b.slice/" + unit);
  EXPECT_EQ(unit_property(unit, "TimeoutStopUSec"), "2min 3s");
  EXPECT_EQ(unit_property(unit, "CollectMode"), "inactive-or-failed");
  EXPECT_EQ(minirun({"delete", "--force", "sysd-nest"}).code, 0);
  expect_unit_gone(unit);
}

TEST_F(SystemdCgroupTest, AFailedCreateLeavesNoUnit) {
  Bundle b;
  b.config["mounts"].push_back({{"destination", "/mnt"}, {"source", "/sysd-no-such-dir"}, {"type", "bind"},
                                {"options", {"bind"}}});
  b.set_args({"true"});
  Result r = create(b, "sysd-fail");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("/sysd-no-such-dir"), std::string::npos) << r.err;
  expect_unit_gone("sysd-sysd-fail.scope");
  EXPECT_FALSE(path_exists(root_ + "/sysd-fail"));
}

TEST_F(SystemdCgroupTest, AMalformedCgroupsPathIsRefusedNamingIt) {
  Bundle b;
  b.config["linux"]["cgroupsPath"] = "sysd/plain";
  b.set_args({"true"});
  Result r = minirun({"--systemd-cgroup", "run", "-b", b.dir(), "sysd-bad"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("linux.cgroupsPath: \"sysd/plain\""), std::string::npos) << r.err;
  EXPECT_FALSE(path_exists(root_ + "/sysd-bad"));
}

}  // namespace
}  // namespace minirun::test
