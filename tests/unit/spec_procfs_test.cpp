// spec/procfs.h.  Privileged: a forked child in its own mount and UTS
// namespaces (rprivate, so nothing reaches the host) mounts a file or a dir
// over a procfs file and checks the helper refuses the write and the file
// mounted over is untouched; the findings come back over a pipe.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "spec/error.h"
#include "spec/procfs.h"

namespace minirun {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs `body` in a child with private mount and UTS namespaces; returns what
// it reported ("" when all held).
std::string in_private_namespaces(const std::function<void(std::string&)>& body) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return "pipe failed";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::string out;
    try {
      if (::unshare(CLONE_NEWNS | CLONE_NEWUTS) != 0) throw_errno("unshare");
      if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) throw_errno("make / rprivate");
      body(out);
    } catch (const std::exception& e) {
      out += std::string("exception: ") + e.what() + "\n";
    }
    (void)!::write(fds[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) out += "child died, status " + std::to_string(status) + "\n";
  return out;
}

// `write` must throw an Error with `err` whose message holds `words`.
void expect_refused(std::string& out, const std::function<void()>& write, int err, const std::string& words) {
  try {
    write();
    out += "not refused\n";
  } catch (const Error& e) {
    if (e.error_number() != err || std::string(e.what()).find(words) == std::string::npos)
      out += std::string("wrong error: ") + e.what() + "\n";
  }
}

class ProcfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (mount namespaces)";
    char dir[] = "/tmp/minirun-procfs-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    decoy_ = dir_ + "/decoy";
    std::ofstream(decoy_) << "decoy\n";
  }
  void TearDown() override {
    if (dir_.empty()) return;
    ::unlink(decoy_.c_str());
    ::unlink((dir_ + "/domainname").c_str());
    ::rmdir(dir_.c_str());
  }
  std::string dir_, decoy_;
};

TEST_F(ProcfsTest, WritesTheFileItNames) {
  EXPECT_EQ(in_private_namespaces([&](std::string& out) {
              procfs::write_file("sys/kernel/domainname", "rf-unit");
              if (read_text("/proc/sys/kernel/domainname") != "rf-unit\n") out += "domainname not set\n";
              procfs::write_file("thread-self/comm", "rf-comm");
              if (read_text("/proc/thread-self/comm") != "rf-comm\n") out += "comm not set\n";
            }),
            "");
}

// The CVE-2025-52881 shape: a plain open follows the mount and writes the
// decoy; the helper refuses and the decoy keeps its content.
TEST_F(ProcfsTest, RefusesAFileMountedOverTheTarget) {
  EXPECT_EQ(in_private_namespaces([&](std::string& out) {
              if (::mount(decoy_.c_str(), "/proc/sys/kernel/domainname", nullptr, MS_BIND, nullptr) != 0)
                throw_errno("bind the decoy");
              expect_refused(out, [] { procfs::write_file("sys/kernel/domainname", "pwned"); }, EXDEV,
                             "open /proc/sys/kernel/domainname: something is mounted over it");
              if (read_text(decoy_) != "decoy\n") out += "decoy written\n";
            }),
            "");
  EXPECT_EQ(read_text(decoy_), "decoy\n");
}

// Another procfs file over it passes an fstatfs check: here our own comm.
TEST_F(ProcfsTest, RefusesAProcfsFileMountedOverTheTarget) {
  EXPECT_EQ(in_private_namespaces([&](std::string& out) {
              const std::string comm = "/proc/" + std::to_string(::getpid()) + "/comm";
              const std::string before = read_text(comm);
              if (::mount(comm.c_str(), "/proc/sys/kernel/domainname", nullptr, MS_BIND, nullptr) != 0)
                throw_errno("bind comm");
              expect_refused(out, [] { procfs::write_file("sys/kernel/domainname", "pwned"); }, EXDEV,
                             "something is mounted over it");
              if (read_text(comm) != before) out += "comm written\n";
            }),
            "");
}

TEST_F(ProcfsTest, RefusesAMountOverADirOnThePath) {
  std::ofstream(dir_ + "/domainname") << "decoy\n";
  EXPECT_EQ(in_private_namespaces([&](std::string& out) {
              if (::mount(dir_.c_str(), "/proc/sys/kernel", nullptr, MS_BIND, nullptr) != 0) throw_errno("bind dir");
              expect_refused(out, [] { procfs::write_file("sys/kernel/domainname", "pwned"); }, EXDEV,
                             "something is mounted over it");
              if (read_text(dir_ + "/domainname") != "decoy\n") out += "decoy written\n";
            }),
            "");
}

TEST_F(ProcfsTest, RefusesARootThatIsNotAProcfsRoot) {
  EXPECT_EQ(in_private_namespaces([&](std::string& out) {
              expect_refused(out, [&] { procfs::open_root(dir_); }, EXDEV, "not a procfs");
              expect_refused(out, [] { procfs::open_root("/proc/sys"); }, EXDEV, "not the root of a procfs");
              // A tmpfs over /proc: the runtime's writes find no procfs.
              if (::mount("tmpfs", "/proc", "tmpfs", 0, nullptr) != 0) throw_errno("tmpfs on /proc");
              expect_refused(out, [] { procfs::write_file("sys/kernel/domainname", "pwned"); }, EXDEV,
                             "/proc: not a procfs");
            }),
            "");
}

TEST_F(ProcfsTest, FollowsNoSymlinkButSelf) {
  UniqueFd root = procfs::open_root();
  EXPECT_TRUE(procfs::open_file(root.get(), "self/status", O_RDONLY));
  EXPECT_TRUE(procfs::open_file(root.get(), "thread-self/attr/current", O_PATH));
  try {
    procfs::open_file(root.get(), "mounts", O_RDONLY);  // a link to self/mounts
    ADD_FAILURE() << "followed /proc/mounts";
  } catch (const Error& e) {
    EXPECT_EQ(e.error_number(), ELOOP) << e.what();
  }
  try {
    procfs::open_file(root.get(), "../etc/passwd", O_RDONLY);
    ADD_FAILURE() << "left the procfs";
  } catch (const Error& e) {
    EXPECT_EQ(e.error_number(), EINVAL) << e.what();
  }
}

}  // namespace
}  // namespace minirun
