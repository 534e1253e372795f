// Namespace helpers: kinds, opening and joining by path, id maps, uts names,
// time offsets, and join.h's syscalls on the calling process (joining in
// order, unsharing, a time namespace with its offsets).  The privileged
// parts run in forked children.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>

#include "ns/join.h"
#include "ns/ns.h"
#include "spec/error.h"

namespace minirun::ns {
namespace {

#define SKIP_UNLESS_ROOT() \
  if (geteuid() != 0) GTEST_SKIP() << "needs root (creates namespaces)"

using spec::NamespaceType;

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Runs body in a forked child; returns what it reported ("" = passed).
std::string in_child(const std::function<std::string()>& body) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) return "pipe failed";
  pid_t pid = fork();
  if (pid == 0) {
    ::close(p[0]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    alarm(60);
    std::string report;
    try {
      report = body();
    } catch (const std::exception& e) {
      report = e.what();
    }
    if (::write(p[1], report.data(), report.size()) < 0) _exit(2);
    _exit(0);
  }
  ::close(p[1]);
  std::string report;
  char buf[512];
  ssize_t n;
  while ((n = ::read(p[0], buf, sizeof(buf))) > 0) report.append(buf, static_cast<size_t>(n));
  ::close(p[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) report += " (child died, status " + std::to_string(status) + ")";
  return report;
}

TEST(Namespaces, CloneFlagsAndProcNames) {
  EXPECT_EQ(clone_flag(NamespaceType::network), CLONE_NEWNET);
  EXPECT_EQ(clone_flag(NamespaceType::mount), CLONE_NEWNS);
  EXPECT_EQ(clone_flag(NamespaceType::time), CLONE_NEWTIME);
  EXPECT_STREQ(proc_ns_name(NamespaceType::network), "net");
  EXPECT_STREQ(proc_ns_name(NamespaceType::mount), "mnt");
  EXPECT_STREQ(proc_ns_name(NamespaceType::cgroup), "cgroup");
}

TEST(Namespaces, OpenChecksTheType) {
  UniqueFd fd = open_namespace("/proc/self/ns/net", NamespaceType::network);
  EXPECT_TRUE(fd);
  EXPECT_EQ(error_of([] { open_namespace("/proc/self/ns/net", NamespaceType::uts); }),
            "linux.namespaces: /proc/self/ns/net is not a uts namespace");
  EXPECT_EQ(error_of([] { open_namespace("/x", NamespaceType::network); }),
            "linux.namespaces: open /x: No such file or directory");
  EXPECT_EQ(error_of([] { open_namespace("/proc/self/status", NamespaceType::network); }),
            "linux.namespaces: /proc/self/status is not a network namespace");
}

TEST(Namespaces, JoinGoesBackToTheOriginal) {
  SKIP_UNLESS_ROOT();
  EXPECT_EQ(in_child([] {
              char before[65] = {};
              gethostname(before, 64);
              UniqueFd original = open_namespace("/proc/self/ns/uts", NamespaceType::uts);
              if (unshare(CLONE_NEWUTS) < 0) return std::string("unshare uts");
              set_hostname("inner-host");
              set_domainname("inner.domain");
              char name[65] = {};
              gethostname(name, 64);
              if (std::string(name) != "inner-host") return "hostname " + std::string(name);
              if (read_text("/proc/sys/kernel/domainname") != "inner.domain\n") return std::string("domainname");
              join_namespace(original.get(), NamespaceType::uts);
              gethostname(name, 64);
              return std::string(name) == before ? "" : "after join: " + std::string(name);
            }),
            "");
  EXPECT_EQ(error_of([] {
              UniqueFd net = open_namespace("/proc/self/ns/net", NamespaceType::network);
              join_namespace(net.get(), NamespaceType::uts);
            }),
            "linux.namespaces: setns uts namespace: Invalid argument");
}

// A child in a fresh user (or time) namespace that waits for the parent's
// writes, then reports the given /proc/self files.
std::string after_parent_writes(int flag, const std::vector<std::string>& files,
                                const std::function<void(pid_t)>& write_from_parent) {
  int ready[2], go[2], report[2];
  if (pipe2(ready, O_CLOEXEC) || pipe2(go, O_CLOEXEC) || pipe2(report, O_CLOEXEC)) return "pipe";
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    std::string out = unshare(flag) == 0 ? "" : std::string("unshare: ") + strerror(errno);
    char c = 'r';
    if (::write(ready[1], &c, 1) != 1 || ::read(go[0], &c, 1) != 1) _exit(1);
    for (const auto& f : files) out += read_text(f);
    if (::write(report[1], out.data(), out.size()) < 0) _exit(1);
    _exit(0);
  }
  ::close(ready[1]);
  ::close(go[0]);
  ::close(report[1]);
  char c;
  std::string out;
  std::string error;
  if (::read(ready[0], &c, 1) == 1) {
    error = error_of([&] { write_from_parent(pid); });
    if (::write(go[1], &c, 1) == 1) {
      char buf[512];
      ssize_t n;
      while ((n = ::read(report[0], buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(ready[0]);
  ::close(go[1]);
  ::close(report[0]);
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return error.empty() ? out : "error: " + error;
}

std::string squeeze(const std::string& s) {  // the kernel pads maps with spaces
  std::istringstream in(s);
  std::string word, out;
  while (in >> word) out += (out.empty() ? "" : " ") + word;
  return out;
}

TEST(IdMaps, WrittenOnceEachAndSeenInside) {
  SKIP_UNLESS_ROOT();
  const std::vector<spec::IdMapping> map{{0, 100000, 65536}};
  std::string seen = after_parent_writes(
      CLONE_NEWUSER, {"/proc/self/uid_map", "/proc/self/gid_map", "/proc/self/setgroups"},
      [&](pid_t pid) { write_id_maps(pid, map, map, true); });
  EXPECT_EQ(squeeze(seen), "0 100000 65536 0 100000 65536 deny");

  pid_t child = 0;
  std::string twice = after_parent_writes(CLONE_NEWUSER, {}, [&](pid_t pid) {
    child = pid;
    write_id_maps(pid, map, {}, false);
    write_id_maps(pid, map, {}, false);
  });
  EXPECT_EQ(twice, "error: write /proc/" + std::to_string(child) + "/uid_map: Operation not permitted");
}

TEST(IdMaps, SeveralRangesInOneWrite) {
  SKIP_UNLESS_ROOT();
  const std::vector<spec::IdMapping> uids{{0, 100000, 1000}, {1000, 200000, 1000}};
  std::string seen = after_parent_writes(CLONE_NEWUSER, {"/proc/self/uid_map"},
                                         [&](pid_t pid) { write_id_maps(pid, uids, {}, false); });
  EXPECT_EQ(squeeze(seen), "0 100000 1000 1000 200000 1000");
}

TEST(TimeOffsets, WrittenBeforeTheNamespaceIsEntered) {
  SKIP_UNLESS_ROOT();
  if (access("/proc/self/ns/time", F_OK) != 0) GTEST_SKIP() << "no time namespaces";
  std::map<std::string, spec::TimeOffset> offsets{{"monotonic", {86400, 5}}, {"boottime", {-10, 0}}};
  std::string seen = after_parent_writes(CLONE_NEWTIME, {"/proc/self/timens_offsets"},
                                         [&](pid_t pid) { write_time_offsets(pid, offsets); });
  EXPECT_EQ(squeeze(seen), "monotonic 86400 5 boottime -10 0");
  EXPECT_EQ(error_of([] { write_time_offsets(1, {{"realtime", {1, 0}}}); }),
            "linux.timeOffsets: unknown clock realtime");
}

TEST(Join, TheUserNamespaceIsJoinedFirst) {
  // Joining the others needs its capabilities: the first setns is the user one.
  EXPECT_EQ(error_of([] { join_namespaces({{NamespaceType::network, -1}, {NamespaceType::user, -1}}); }),
            "linux.namespaces: setns user namespace: Bad file descriptor");
  EXPECT_EQ(error_of([] { join_namespaces({{NamespaceType::ipc, -1}, {NamespaceType::uts, -1}}); }),
            "linux.namespaces: setns ipc namespace: Bad file descriptor")
      << "the others in their order";
  EXPECT_STREQ(human_name(NamespaceType::network), "network");
}

TEST(Join, UnshareGivesTheCallerANewNamespace) {
  SKIP_UNLESS_ROOT();
  EXPECT_EQ(in_child([] {
              struct stat before, after;
              if (stat("/proc/self/ns/ipc", &before) != 0) return std::string("stat");
              unshare_namespace(NamespaceType::ipc);
              if (stat("/proc/self/ns/ipc", &after) != 0) return std::string("stat");
              return before.st_ino != after.st_ino ? std::string() : std::string("still the same ipc namespace");
            }),
            "");
}

TEST(Join, ANewTimeNamespaceHasItsOffsetsWhenEntered) {
  SKIP_UNLESS_ROOT();
  if (access("/proc/self/ns/time", F_OK) != 0) GTEST_SKIP() << "no time namespaces";
  std::string seen = in_child([] {
    enter_new_time_namespace({{"monotonic", {86400, 5}}});
    return read_text("/proc/self/timens_offsets");
  });
  EXPECT_EQ(squeeze(seen), "monotonic 86400 5 boottime 0 0");
}

}  // namespace
}  // namespace minirun::ns
