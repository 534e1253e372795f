// Issue 6: linux.resources enforced on a real container, seen from inside
// and through `minirun run`: OOM kill explained, pids, CPU quota, cpuset,
// device allowlist; bad resources leave nothing in any hierarchy.
#include <chrono>
#include <cstdio>
#include <thread>

#include "cgroup_helpers.h"

namespace minirun::test {
namespace {

class CgroupEnforcementTest : public MinirunTest {
 protected:
  // CPU ms the probe used while spinning for `wall_ms` of wall time.
  long spin_cpu_ms(Bundle& b, const std::string& id, long wall_ms) {
    b.set_args({"probe", "spin", std::to_string(wall_ms)});
    Result r = minirun({"run", "-b", b.dir(), id});
    EXPECT_EQ(r.code, 0) << r.err;
    std::string v = field(r.out, "cpu_ms");
    return v.empty() ? -1 : std::stol(v);
  }
};

TEST_F(CgroupEnforcementTest, MemoryHogOverTheLimitIsOomKilledAndRunSaysSo) {
  Bundle b;
  set_resources(b, {{"memory", oom_memory(32 * kMiB)}});
  b.set_args({"probe", "memhog", "100"});
  Result r = minirun({"run", "-b", b.dir(), "oomhog"});
  EXPECT_EQ(r.code, 137) << r.err;
  EXPECT_EQ(r.err, "minirun: container oomhog was killed by the OOM killer (memory limit 32 MiB)\n");
  EXPECT_EQ(r.out.find("allocated"), std::string::npos) << r.out;
  expect_no_leftovers("oomhog");

  // Under the limit the same hog completes and nothing is said.
  b.set_args({"probe", "memhog", "16"});
  Result ok = minirun({"run", "-b", b.dir(), "oomhog"});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(ok.out, "allocated 16 MiB\n");
  EXPECT_EQ(ok.err, "");
  expect_no_leftovers("oomhog");
}

TEST_F(CgroupEnforcementTest, ForkLoopStopsAtPidsLimit) {
  Bundle b;
  set_resources(b, {{"pids", {{"limit", 10}}}});
  b.set_args({"probe", "forkbomb", "100"});
  Result r = minirun({"run", "-b", b.dir(), "forks"});
  ASSERT_EQ(r.code, 0) << r.err;
  // The probe itself is one of the 10.
  EXPECT_EQ(field(r.out, "forked"), "9") << r.out;
  expect_no_leftovers("forks");
}

TEST_F(CgroupEnforcementTest, CpuQuotaOf20PercentThrottlesASpinLoop) {
  const long wall_ms = 1000;
  Bundle b;
  // Both runs with the highest cpu.shares, so that other busy processes on
  // the host (a loaded CI VM) cannot take the unlimited run's CPU: only the
  // quota differs between the two.
  constexpr int kShares = 262144;
  set_resources(b, {{"cpu", {{"shares", kShares}, {"quota", 20000}, {"period", 100000}}}});
  long limited = spin_cpu_ms(b, "quota", wall_ms);
  set_resources(b, {{"cpu", {{"shares", kShares}}}});
  long free = spin_cpu_ms(b, "quota", wall_ms);
  std::printf("[ measured ] cpu ms per %ld ms wall: quota 20%% = %ld, unlimited = %ld, ratio %.1f\n", wall_ms, limited,
              free, limited > 0 ? static_cast<double>(free) / static_cast<double>(limited) : 0.0);
  RecordProperty("cpu_ms_quota20", static_cast<int>(limited));
  RecordProperty("cpu_ms_unlimited", static_cast<int>(free));
  ASSERT_GT(limited, 0);
  // The quota is a hard cap whatever the load: 20% of the wall time, plus one
  // period of slack.
  EXPECT_LE(limited, wall_ms * 20 / 100 + 100) << "the quota did not cap the CPU";
  // Unlimited, the same loop gets several times more (even on a busy host).
  EXPECT_GE(free, 3 * limited) << "unlimited " << free << " ms vs quota " << limited << " ms";
  expect_no_leftovers("quota");
}

// Pinned to each of (up to) two CPUs this test may use itself: CPU 1 may be
// offline or outside our cpuset, CPU 0 too.
TEST_F(CgroupEnforcementTest, CpusetPinsTheProcess) {
  Bundle b;
  b.set_args({"probe", "cpus"});
  std::vector<std::string> cpus;
  for (int c : allowed_cpus())
    if (cpus.size() < 2) cpus.push_back(std::to_string(c));
  ASSERT_FALSE(cpus.empty()) << "sched_getaffinity";
  for (const auto& c : cpus) {
    set_resources(b, {{"cpu", {{"cpus", c}}}});
    Result r = minirun({"run", "-b", b.dir(), "pinned"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("Cpus_allowed_list:\t" + c + "\n"), std::string::npos) << r.out;
    expect_no_leftovers("pinned");
  }
}

// The container may create device nodes (runc's default "c *:* m") but only
// open those the rules allow.  /dev/fuse (10:229) is the device allowed: its
// open must reach a registered driver, and a modular kernel would load fuse
// on that open, so the test runs only where the driver is already there.
TEST_F(CgroupEnforcementTest, DeviceNotInTheAllowlistCannotBeOpened) {
  if (!path_exists("/sys/dev/char/10:229"))
    GTEST_SKIP() << "no fuse device (10:229) registered on this host (fuse not loaded; the test loads no module)";
  Bundle b;
  for (const char* set : {"bounding", "effective", "permitted"}) b.config["process"]["capabilities"][set].push_back("CAP_MKNOD");
  // /dev/fuse (10:229) readable only; /dev/mem (1:1) not listed at all.
  set_resources(b, {{"devices",
                     {{{"allow", false}, {"access", "rwm"}},
                      {{"allow", true}, {"type", "c"}, {"major", 10}, {"minor", 229}, {"access", "r"}}}}});
  b.set_args({"sh", "-c",
              "mknod /dev/f c 10 229 && mknod /dev/m c 1 1 && "
              "for x in 'f r' 'f w' 'm r' 'null w' 'zero r'; do set -- $x; echo $1-$2=$(probe open /dev/$1 $2); done"});
  Result r = minirun({"run", "-b", b.dir(), "devs"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(field(r.out, "f-r"), "ok") << "allowed for reading:\n" << r.out;
  EXPECT_EQ(field(r.out, "f-w"), "EPERM") << "allowed for reading only:\n" << r.out;
  EXPECT_EQ(field(r.out, "m-r"), "EPERM") << "not in the allowlist:\n" << r.out;
  EXPECT_EQ(field(r.out, "null-w"), "ok") << "runc's default set stays allowed:\n" << r.out;
  EXPECT_EQ(field(r.out, "zero-r"), "ok") << r.out;
  expect_no_leftovers("devs");

  // A linux.devices entry is created but not allowed: only the rules and
  // runc's default set decide (as runc).
  set_resources(b, nlohmann::json::object());
  b.config["linux"]["devices"] = {{{"path", "/dev/fuse"}, {"type", "c"}, {"major", 10}, {"minor", 229}, {"fileMode", 0600}}};
  b.set_args({"sh", "-c", "mknod /dev/m c 1 1; echo fuse-w=$(probe open /dev/fuse w); echo m-r=$(probe open /dev/m r)"});
  Result d = minirun({"run", "-b", b.dir(), "devs"});
  ASSERT_EQ(d.code, 0) << d.err;
  EXPECT_EQ(field(d.out, "fuse-w"), "EPERM") << d.out;
  EXPECT_EQ(field(d.out, "m-r"), "EPERM") << d.out;
  expect_no_leftovers("devs");
}

TEST_F(CgroupEnforcementTest, UnifiedKeyOfAV1ControllerIsRefusedOnHybrid) {
  auto hs = cgroup_hierarchies();
  if (!find_hierarchy(hs, "unified") || !find_hierarchy(hs, "memory")) GTEST_SKIP() << "not a hybrid host";
  Bundle b;
  set_resources(b, {{"unified", {{"memory.max", "100M"}}}});
  b.set_args({"true"});
  Result r = minirun({"run", "-b", b.dir(), "unikey"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err,
            "minirun: run unikey: cgroup: linux.resources.unified: \"memory.max\": the memory controller is on cgroup "
            "v1 on this host\n");
  EXPECT_TRUE(existing_cgroup_dirs("unikey").empty()) << joined(existing_cgroup_dirs("unikey"));
  expect_no_leftovers("unikey");
}

TEST_F(CgroupEnforcementTest, InvalidCpusetFailsCreateAndLeavesNothingInAnyHierarchy) {
  Bundle b;
  set_resources(b, {{"cpu", {{"cpus", "999"}}}, {"memory", {{"limit", 32 * kMiB}}}});
  b.set_args({"true"});
  Result r = minirun({"create", "-b", b.dir(), "badset"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(split_lines(r.err).size(), 1u) << r.err;
  EXPECT_NE(r.err.find("linux.resources.cpu.cpus"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"999\""), std::string::npos) << r.err;
  EXPECT_TRUE(existing_cgroup_dirs("badset").empty()) << joined(existing_cgroup_dirs("badset"));
  EXPECT_EQ(status_of("badset"), "");
  expect_no_leftovers("badset");
}

}  // namespace
}  // namespace minirun::test
