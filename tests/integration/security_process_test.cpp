// Issue 7: process security seen from inside with the probe: capability
// sets, no_new_privs, rlimits, oomScoreAdj, umask, scheduler, ioPriority,
// personality, CPU affinity, time namespace offsets, exec --user names,
// sysctls against namespaces, LISTEN_FDS and --preserve-fds.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>

#include "harness.h"

namespace minirun::test {
namespace {

class SecurityProcessTest : public MinirunTest {};

// The hex mask /proc/PID/status prints for a set of capability numbers.
std::string cap_mask(std::initializer_list<int> caps) {
  unsigned long long m = 0;
  for (int c : caps) m |= 1ULL << c;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx", m);
  return buf;
}

constexpr int kChown = 0, kKill = 5, kNetBindService = 10, kSysAdmin = 21;

std::string status_field(const std::string& report, const std::string& key) {
  for (const auto& line : split_lines(report))
    if (line.rfind(key + ":", 0) == 0) {
      std::string v = line.substr(key.size() + 1);
      return v.substr(v.find_first_not_of(" \t"));
    }
  return "";
}

TEST_F(SecurityProcessTest, RootGetsExactlyTheConfiguredCapabilities) {
  Bundle b;
  nlohmann::json three = {"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
  b.config["process"]["capabilities"] = {
      {"bounding", three}, {"effective", three}, {"permitted", three}, {"inheritable", nlohmann::json::array()}};
  b.set_args({"probe", "report"});
  Result r = minirun({"run", "-b", b.dir(), "caps"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::string want = cap_mask({kChown, kKill, kNetBindService});
  EXPECT_EQ(status_field(r.out, "CapBnd"), want) << r.out;
  EXPECT_EQ(status_field(r.out, "CapEff"), want);
  EXPECT_EQ(status_field(r.out, "CapPrm"), want);
  EXPECT_EQ(status_field(r.out, "CapInh"), cap_mask({})) << "nothing inheritable unless asked";
  EXPECT_EQ(status_field(r.out, "CapAmb"), cap_mask({}));
}

TEST_F(SecurityProcessTest, NonRootKeepsAmbientCapabilitiesAcrossTheUidSwitch) {
  Bundle b;
  b.config["process"]["user"] = {{"uid", 1000}, {"gid", 1000}};
  b.config["process"]["capabilities"] = {{"bounding", {"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"}},
                                         {"effective", {"CAP_CHOWN", "CAP_KILL"}},
                                         {"permitted", {"CAP_CHOWN", "CAP_KILL"}},
                                         {"inheritable", {"CAP_CHOWN"}},
                                         {"ambient", {"CAP_CHOWN"}}};
  b.set_args({"probe", "report"});
  Result r = minirun({"run", "-b", b.dir(), "ambient"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(field(r.out, "uid"), "1000");
  EXPECT_EQ(status_field(r.out, "CapBnd"), cap_mask({kChown, kKill, kNetBindService}));
  EXPECT_EQ(status_field(r.out, "CapInh"), cap_mask({kChown}));
  // Across execve a non-root process keeps exactly its ambient set.
  EXPECT_EQ(status_field(r.out, "CapAmb"), cap_mask({kChown}));
  EXPECT_EQ(status_field(r.out, "CapPrm"), cap_mask({kChown}));
  EXPECT_EQ(status_field(r.out, "CapEff"), cap_mask({kChown}));
}

TEST_F(SecurityProcessTest, ExecCapAddsToEverySet) {
  Bundle b;
  b.config["process"]["capabilities"] = {
      {"bounding", {"CAP_KILL"}}, {"effective", {"CAP_KILL"}}, {"permitted", {"CAP_KILL"}}};
  b.set_args({"probe", "sleep", "30"});
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "execcap"}).code, 0);
  Result r = minirun({"exec", "--cap", "CAP_SYS_ADMIN", "execcap", "probe", "report"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(status_field(r.out, "CapBnd"), cap_mask({kKill, kSysAdmin}));
  EXPECT_EQ(status_field(r.out, "CapEff"), cap_mask({kKill, kSysAdmin}));
}

TEST_F(SecurityProcessTest, UnknownCapabilityIsAnErrorNamingIt) {
  Bundle b;
  b.config["process"]["capabilities"] = {{"bounding", {"CAP_KILL", "CAP_BOGUS"}}};
  b.set_args({"true"});
  Result r = minirun({"run", "-b", b.dir(), "badcap"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("process.capabilities.bounding[1]: unknown capability \"CAP_BOGUS\""), std::string::npos)
      << r.err;
  EXPECT_EQ(split_lines(r.err).size(), 1u) << r.err;
  expect_no_leftovers("badcap");
}

// This host has neither LSM: runc refuses a label it cannot apply.
TEST_F(SecurityProcessTest, LsmLabelsWithoutTheLsmAreRefused) {
  if (path_exists("/sys/fs/selinux/enforce") || read_text("/sys/module/apparmor/parameters/enabled")[0] == 'Y')
    GTEST_SKIP() << "an LSM is enabled here";
  Bundle b;
  b.set_args({"true"});
  b.config["process"]["selinuxLabel"] = "system_u:system_r:container_t:s0";
  b.save();
  Result r = minirun({"run", "-b", b.dir(), "lsm"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("process.selinuxLabel: selinux label is specified in config, but selinux is disabled"),
            std::string::npos)
      << r.err;
  expect_no_leftovers("lsm");
  b.config["process"].erase("selinuxLabel");
  b.config["process"]["apparmorProfile"] = "docker-default";
  b.save();
  r = minirun({"run", "-b", b.dir(), "lsm"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("process.apparmorProfile"), std::string::npos) << r.err;
  expect_no_leftovers("lsm");
}

TEST_F(SecurityProcessTest, NoNewPrivsRlimitsOomScoreUmaskGroups) {
  Bundle b;
  auto& p = b.config["process"];
  p["noNewPrivileges"] = true;
  p["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 123}, {"hard", 456}},
                  {{"type", "RLIMIT_NPROC"}, {"soft", 77}, {"hard", 88}}};
  p["oomScoreAdj"] = 333;
  p["user"] = {{"uid", 1000}, {"gid", 1000}, {"umask", 0027}, {"additionalGids", {10, 65534}}};
  b.set_args({"probe", "report"});
  Result r = minirun({"run", "-b", b.dir(), "limits"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(status_field(r.out, "NoNewPrivs"), "1");
  EXPECT_EQ(field(r.out, "nofile"), "123:456");
  EXPECT_EQ(field(r.out, "nproc"), "77:88");
  EXPECT_EQ(field(r.out, "umask"), "0027");
  EXPECT_EQ(field(r.out, "groups"), "10,65534");
  b.set_args({"probe", "sched"});
  Result s = minirun({"run", "-b", b.dir(), "limits"});
  EXPECT_EQ(field(s.out, "oom_score_adj"), "333") << s.out << s.err;

  p["noNewPrivileges"] = false;
  b.set_args({"probe", "report"});
  Result n = minirun({"run", "-b", b.dir(), "limits"});
  EXPECT_EQ(status_field(n.out, "NoNewPrivs"), "0") << n.err;
}

TEST_F(SecurityProcessTest, SchedulerIoPriorityPersonalityAffinity) {
  Bundle b;
  auto& p = b.config["process"];
  p["scheduler"] = {{"policy", "SCHED_BATCH"}, {"nice", 7}};
  p["ioPriority"] = {{"class", "IOPRIO_CLASS_BE"}, {"priority", 6}};
  const std::vector<int> cpus = allowed_cpus();
  ASSERT_FALSE(cpus.empty()) << "sched_getaffinity";
  p["execCPUAffinity"] = {{"initial", std::to_string(cpus[0])}};
  b.config["linux"]["personality"] = {{"domain", "LINUX32"}};
  b.set_args({"probe", "sched"});
  Result r = minirun({"run", "-b", b.dir(), "sched"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(field(r.out, "policy"), "SCHED_BATCH");
  EXPECT_EQ(field(r.out, "nice"), "7");
  EXPECT_EQ(field(r.out, "ioprio_class"), "2");
  EXPECT_EQ(field(r.out, "ioprio_level"), "6");
  EXPECT_EQ(field(r.out, "personality"), "0x8") << "PER_LINUX32";
  EXPECT_EQ(status_field(r.out, "Cpus_allowed_list"), std::to_string(cpus[0]));
}

TEST_F(SecurityProcessTest, SchedulerFlagsAndFinalAffinity) {
  // Two CPUs this test may use, so that "final" differs from "initial".
  const std::vector<int> cpus = allowed_cpus();
  if (cpus.size() < 2) GTEST_SKIP() << "needs 2 CPUs to tell the final affinity from the initial one";
  Bundle b;
  auto& p = b.config["process"];
  p["scheduler"] = {{"policy", "SCHED_BATCH"}, {"nice", 3}, {"flags", {"SCHED_FLAG_RESET_ON_FORK"}}};
  // "initial" while minirun sets the process up, "final" for the execve.
  p["execCPUAffinity"] = {{"initial", std::to_string(cpus[0])}, {"final", std::to_string(cpus[1])}};
  b.set_args({"probe", "sched"});
  Result r = minirun({"run", "-b", b.dir(), "schedflags"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(field(r.out, "policy"), "SCHED_BATCH");
  EXPECT_EQ(field(r.out, "reset_on_fork"), "1");
  EXPECT_EQ(field(r.out, "nice"), "3");
  EXPECT_EQ(status_field(r.out, "Cpus_allowed_list"), std::to_string(cpus[1]));
  p["scheduler"] = {{"policy", "SCHED_BATCH"}, {"flags", {"SCHED_FLAG_BOGUS"}}};
  b.save();
  Result bad = minirun({"run", "-b", b.dir(), "schedbad"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("SCHED_FLAG_BOGUS"), std::string::npos) << bad.err;
  expect_no_leftovers("schedbad");
}

TEST_F(SecurityProcessTest, SchedDeadline) {
  Bundle b;
  b.config["process"]["scheduler"] = {
      {"policy", "SCHED_DEADLINE"}, {"runtime", 1000000}, {"deadline", 10000000}, {"period", 10000000}};
  b.set_args({"probe", "sched"});
  Result r = minirun({"run", "-b", b.dir(), "deadline"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(field(r.out, "policy"), "SCHED_DEADLINE");
}

TEST_F(SecurityProcessTest, TimeNamespaceOffsetsShiftTheClocks) {
  if (!path_exists("/proc/self/ns/time")) GTEST_SKIP() << "no time namespaces (CONFIG_TIME_NS, Linux 5.6)";
  Bundle b;
  b.config["linux"]["namespaces"].push_back({{"type", "time"}});
  b.config["linux"]["timeOffsets"] = {{"monotonic", {{"secs", 864000}, {"nanosecs", 0}}},
                                      {"boottime", {{"secs", 1728000}, {"nanosecs", 0}}}};
  b.set_args({"probe", "sleep", "30"});
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "timens"}).code, 0);
  struct timespec mono, boot;
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock_gettime(CLOCK_BOOTTIME, &boot);
  Result r = minirun({"exec", "timens", "probe", "clocks"});
  ASSERT_EQ(r.code, 0) << r.err;
  long m = std::stol(field(r.out, "monotonic")), bt = std::stol(field(r.out, "boottime"));
  EXPECT_NEAR(m - mono.tv_sec, 864000, 5) << r.out;
  EXPECT_NEAR(bt - boot.tv_sec, 1728000, 5) << r.out;
  // The init itself runs in the new time namespace, not only `exec`.
  Result st = minirun({"state", "timens"});
  int pid = nlohmann::json::parse(st.out).value("pid", 0);
  char own[64] = "", init[64] = "";
  ASSERT_GT(readlink("/proc/self/ns/time", own, sizeof own - 1), 0);
  ASSERT_GT(readlink(("/proc/" + std::to_string(pid) + "/ns/time").c_str(), init, sizeof init - 1), 0);
  EXPECT_STRNE(own, init);
}

TEST_F(SecurityProcessTest, ExecUserNamesResolveInTheContainer) {
  Bundle b;
  b.set_args({"probe", "sleep", "30"});
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "names"}).code, 0);
  Result r = minirun({"exec", "--user", "tester:wheel", "names", "probe", "report"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(field(r.out, "uid"), "1000");
  EXPECT_EQ(field(r.out, "gid"), "10");
  Result u = minirun({"exec", "--user", "tester", "names", "probe", "report"});
  EXPECT_EQ(field(u.out, "gid"), "1000") << "primary group from /etc/passwd";
  Result n = minirun({"exec", "--user", "65534:1", "-g", "10", "names", "probe", "report"});
  EXPECT_EQ(field(n.out, "uid"), "65534");
  EXPECT_EQ(field(n.out, "gid"), "1");
  EXPECT_EQ(field(n.out, "groups"), "10");
  Result bad = minirun({"exec", "--user", "nosuchuser", "names", "true"});
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.err.find("nosuchuser"), std::string::npos) << bad.err;
  Result badg = minirun({"exec", "--user", "tester:nosuchgroup", "names", "true"});
  EXPECT_NE(badg.code, 0);
  EXPECT_NE(badg.err.find("nosuchgroup"), std::string::npos) << badg.err;
}

TEST_F(SecurityProcessTest, SysctlsNeedTheirNamespace) {
  Bundle b;
  b.config["linux"]["sysctl"] = {{"net.ipv4.ip_forward", "1"}};
  auto& nss = b.config["linux"]["namespaces"];
  for (auto it = nss.begin(); it != nss.end(); ++it)
    if ((*it)["type"] == "network") {
      nss.erase(it);
      break;
    }
  b.set_args({"true"});
  Result r = minirun({"run", "-b", b.dir(), "sysctl"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("linux.sysctl[\"net.ipv4.ip_forward\"]: not allowed without a network namespace"),
            std::string::npos)
      << r.err;
  expect_no_leftovers("sysctl");
  b.config["linux"]["sysctl"] = {{"kernel.shmmax", "4096"}};
  for (auto it = nss.begin(); it != nss.end(); ++it)
    if ((*it)["type"] == "ipc") {
      nss.erase(it);
      break;
    }
  b.save();
  r = minirun({"run", "-b", b.dir(), "sysctl"});
  EXPECT_NE(r.err.find("not allowed without an ipc namespace"), std::string::npos) << r.err;
  b.config["linux"]["sysctl"] = {{"kernel.panic", "5"}};
  b.save();
  r = minirun({"run", "-b", b.dir(), "sysctl"});
  EXPECT_NE(r.err.find("not in a separate kernel namespace"), std::string::npos) << r.err;
  expect_no_leftovers("sysctl");

  // With its namespace the value is set inside, and the host keeps its own.
  Bundle ok;
  ok.config["linux"]["sysctl"] = {{"kernel.shmmax", "4096"}, {"net.ipv4.ip_forward", "1"}};
  ok.set_args({"sh", "-c", "cat /proc/sys/kernel/shmmax /proc/sys/net/ipv4/ip_forward"});
  std::string host_shmmax = read_text("/proc/sys/kernel/shmmax");
  Result in = minirun({"run", "-b", ok.dir(), "sysctl2"});
  ASSERT_EQ(in.code, 0) << in.err;
  EXPECT_EQ(in.out, "4096\n1\n");
  EXPECT_EQ(read_text("/proc/sys/kernel/shmmax"), host_shmmax);
}

TEST_F(SecurityProcessTest, OnlyStdioPreservedAndListenFdsReachTheContainer) {
  Bundle b;
  b.set_args({"probe", "report"});
  std::string cmd = "exec 3</dev/null 4</dev/null 5</dev/null 6</dev/null; exec " MINIRUN_BIN " --root " + root_ +
                    " run -b " + b.dir() + " ";
  Result none = run_command({"sh", "-c", cmd + "fds1"});
  ASSERT_EQ(none.code, 0) << none.err;
  EXPECT_EQ(field(none.out, "fds"), "0,1,2") << "minirun's own fds and the caller's extra fds stay out";
  Result keep = run_command({"sh", "-c", cmd + "--preserve-fds 2 fds2"});
  EXPECT_EQ(field(keep.out, "fds"), "0,1,2,3,4") << keep.err;
  Result closed = run_command({"sh", "-c", cmd + "--preserve-fds 6 fds6"});
  EXPECT_EQ(closed.code, 1);
  EXPECT_NE(closed.err.find("--preserve-fds: fd 7 is not open"), std::string::npos) << closed.err;
  expect_no_leftovers("fds6");
  // LISTEN_FDS for this very process (LISTEN_PID): socket activation, as runc.
  Result listen = run_command({"sh", "-c", "export LISTEN_PID=$$ LISTEN_FDS=3; " + cmd + "--preserve-fds 1 fds3"});
  EXPECT_EQ(field(listen.out, "fds"), "0,1,2,3,4,5,6") << listen.err;
  b.set_args({"probe", "env"});
  Result env = run_command({"sh", "-c", "export LISTEN_PID=$$ LISTEN_FDS=3; " + cmd + "fds4"});
  EXPECT_NE(env.out.find("LISTEN_FDS=3\n"), std::string::npos) << env.out << env.err;
  EXPECT_NE(env.out.find("LISTEN_PID=1\n"), std::string::npos) << env.out;
  // Another process's LISTEN_FDS are not ours to pass on.
  b.set_args({"probe", "report"});
  Result other = run_command({"sh", "-c", "export LISTEN_PID=1 LISTEN_FDS=3; " + cmd + "fds5"});
  EXPECT_EQ(field(other.out, "fds"), "0,1,2") << other.err;
}

}  // namespace
}  // namespace minirun::test
