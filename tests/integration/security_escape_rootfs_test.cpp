// Issue 15 ("No way out"), the rootfs part: nothing is mounted into /proc
// but an allowlist, wherever a destination's symlinks lead (CVE-2019-16884);
// --no-pivot leaves no host mount behind the chroot from which a fresh,
// unmasked proc could be mounted; and every procfs write of the runtime
// lands on the procfs file it meant, not on what is mounted over it
// (CVE-2025-52881).
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "security_escape.h"

namespace minirun::test {
namespace {

// A host process whose oom_score_adj (0) is the target of a redirected
// procfs write: a container sysctl value showing up there crossed out.
class Victim {
 public:
  Victim() {
    pid_ = ::fork();
    if (pid_ == 0) {
      for (;;) ::pause();
    }
  }
  ~Victim() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  std::string oom_path() const { return "/proc/" + std::to_string(pid_) + "/oom_score_adj"; }
  std::string oom_score_adj() const { return read_text(oom_path()); }

 private:
  pid_t pid_;
};

// One line naming the destination and why.
void expect_refused_inside_proc(const Result& r, const std::string& destination) {
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find(destination), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("/proc"), std::string::npos) << r.err;
  EXPECT_EQ(split_lines(r.err).size(), 1u) << r.err;
}

TEST_F(SecurityEscapeTest, MountDestinationsResolvingIntoProcAreRefused) {
  struct Variant {
    const char* link;         // made in the rootfs, "" for none
    const char* link_target;
    const char* destination;
    const char* type;         // "bind" (of a file or dir of the bundle) or "tmpfs"
  };
  const Variant variants[] = {
      {"lsm", "/proc/thread-self/attr", "/lsm/exec", "bind"},   // the LSM label write of CVE-2019-16884
      {"lsm", "/proc/self/attr", "/lsm", "tmpfs"},
      {"sysk", "/proc/sys/kernel", "/sysk", "tmpfs"},
      {"sysk", "/proc/sys/kernel", "/sysk", "bind"},
      {"", "", "/proc/sys/kernel", "tmpfs"},
      {"", "", "/proc/sys", "bind"},
      {"", "", "/proc/self/attr/exec", "bind"},
  };
  for (const Variant& v : variants) {
    SCOPED_TRACE(std::string(v.type) + " on " + v.destination);
    Bundle b(true);
    if (*v.link) {
      ASSERT_EQ(symlink(v.link_target, (b.rootfs() + "/" + v.link).c_str()), 0);
    }
    nlohmann::json m = {{"destination", v.destination}, {"type", v.type}, {"source", "tmpfs"}};
    if (std::string(v.type) == "bind") {
      const bool dir = std::string(v.destination) == "/sysk" || std::string(v.destination) == "/proc/sys";
      std::string source = b.dir() + (dir ? "/fake" : "/fake-label");
      if (dir) {
        ASSERT_EQ(mkdir(source.c_str(), 0755), 0);
      } else {
        std::ofstream(source) << "unconfined\n";
      }
      m = {{"destination", v.destination}, {"type", "bind"}, {"source", source}, {"options", {"bind"}}};
    }
    b.config["mounts"].push_back(m);
    b.set_args({"true"});
    Result r = minirun({"run", "-b", b.dir(), "rf-procdest"});
    expect_refused_inside_proc(r, v.destination);
    expect_host_untouched();
    expect_no_leftovers("rf-procdest");
  }
}

// The same attack with a write behind it: a host procfs file bound over a
// container sysctl through an image symlink takes the sysctl's value.
TEST_F(SecurityEscapeTest, SysctlThroughASymlinkedBindIntoProcIsRefused) {
  Victim victim;
  ASSERT_EQ(victim.oom_score_adj(), "0\n");
  Bundle b(true);
  ASSERT_EQ(symlink("/proc/sys/kernel", (b.rootfs() + "/sysk").c_str()), 0);
  b.config["mounts"].push_back(
      {{"destination", "/sysk/domainname"}, {"type", "bind"}, {"source", victim.oom_path()}, {"options", {"bind"}}});
  b.config["linux"]["sysctl"] = {{"kernel.domainname", "123"}};
  b.set_args({"true"});
  Result r = minirun({"run", "-b", b.dir(), "rf-procsysctl"});
  EXPECT_EQ(victim.oom_score_adj(), "0\n") << "the container's sysctl was written into a host process";
  expect_refused_inside_proc(r, "/sysk/domainname");
  expect_host_untouched();
  expect_no_leftovers("rf-procsysctl");
}

// LXCFS binds its files over these: they stay allowed.
TEST_F(SecurityEscapeTest, AllowlistedBindOverProcUptimeStillWorks) {
  Bundle b(true);
  std::string uptime = b.dir() + "/uptime";
  std::ofstream(uptime) << "12345.67 890.12\n";
  b.config["mounts"].push_back(
      {{"destination", "/proc/uptime"}, {"type", "bind"}, {"source", uptime}, {"options", {"bind", "ro"}}});
  b.set_args({"cat", "/proc/uptime"});
  Result r = minirun({"run", "-b", b.dir(), "rf-uptime"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "12345.67 890.12\n");
  expect_no_leftovers("rf-uptime");
}

bool user_namespaces_allowed(std::string& why) {
  std::string clone = read_text("/proc/sys/kernel/unprivileged_userns_clone");
  if (!clone.empty() && clone[0] == '0') {
    why = "kernel.unprivileged_userns_clone is 0";
    return false;
  }
  if (read_text("/proc/sys/user/max_user_namespaces") == "0\n") {
    why = "user.max_user_namespaces is 0";
    return false;
  }
  return true;
}

// A container process makes its own user namespace (CAP_SETFCAP lets it map
// root) and tries a fresh proc there: the kernel allows it only while a
// fully visible proc is in its mount namespace.  The container's own /proc
// has masked paths; the host's must be gone, with pivot_root or without.
TEST_F(SecurityEscapeTest, NewUserNamespaceCannotMountAnUnmaskedProc) {
  std::string why;
  if (!user_namespaces_allowed(why)) GTEST_SKIP() << "no user namespaces: " << why;
  for (bool no_pivot : {true, false}) {
    SCOPED_TRACE(no_pivot ? "--no-pivot" : "pivot_root");
    Bundle b;
    for (const char* set : {"bounding", "effective", "permitted"}) {
      b.config["process"]["capabilities"][set].push_back("CAP_SETFCAP");
    }
    b.set_args({"unshare", "-mrpf", "probe", "mount-proc", "/proc"});
    std::vector<std::string> args = {"run", "-b", b.dir(), "rf-nopivot"};
    if (no_pivot) args.insert(args.begin() + 1, "--no-pivot");
    Result r = minirun(args);
    EXPECT_EQ(r.out, "EPERM\n") << "a fresh proc was mounted (or unshare failed): " << r.err;
    expect_no_leftovers("rf-nopivot");
  }
}

// A mount raced over a procfs file between the runtime's lookup of /proc
// and its write (here made by a createContainer hook, as a process sharing
// the container's mount namespace could): the write must not follow it.
TEST_F(SecurityEscapeTest, SysctlWriteNeverFollowsAMountOverItsFile) {
  Victim victim;
  ASSERT_EQ(victim.oom_score_adj(), "0\n");
  Bundle b(true);
  const std::string target = b.rootfs() + "/proc/sys/kernel/domainname";
  const std::string script = "pid=$(sed -n 's/.*\"pid\":\\([0-9]*\\).*/\\1/p'); nsenter -t \"$pid\" -m mount --bind " +
                             victim.oom_path() + " " + target;
  b.config["hooks"]["createContainer"] = {
      {{"path", "/bin/sh"}, {"args", {"sh", "-c", script}}, {"env", {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}}}};
  b.config["linux"]["sysctl"] = {{"kernel.domainname", "123"}};
  b.set_args({"true"});
  Result r = minirun({"run", "-b", b.dir(), "rf-sysctlrace"});
  EXPECT_EQ(victim.oom_score_adj(), "0\n") << "the sysctl write landed on the file mounted over it";
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("kernel.domainname"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("mounted over"), std::string::npos) << r.err;
  EXPECT_EQ(split_lines(r.err).size(), 1u) << r.err;
  expect_host_untouched();
  expect_no_leftovers("rf-sysctlrace");
}

}  // namespace
}  // namespace minirun::test
