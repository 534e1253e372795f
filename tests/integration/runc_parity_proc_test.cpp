// Issue 16: the process setup as runc does it, each test run against
// minirun and, as the reference, the installed runc (a failure with both is
// a wrong test): the cwd is entered before the user switch, the pty belongs
// to the process's user, unknown syscalls get ENOSYS under a deny-by-default
// profile, and createContainer hooks run in the container's mount namespace.
#include <poll.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include "console_socket.h"
#include "harness.h"

namespace minirun::test {
namespace {

using nlohmann::json;

const char* kRunc = "/usr/sbin/runc";


std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// Param: the runtime binary, minirun or runc.
class RuncParityProcTest : public MinirunTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    MinirunTest::SetUp();
    if (runc() && ::access(kRunc, X_OK) != 0) GTEST_SKIP() << "no " << kRunc << " to compare with";
    runc_root_ = make_temp_dir("pp-runc-root");
  }
  void TearDown() override {
    for (const auto& id : ids_) rt({"delete", "--force", id});
    if (!runc_root_.empty()) remove_tree(runc_root_);
    MinirunTest::TearDown();
  }
  bool runc() const { return GetParam() == "runc"; }
  // The same command line with either runtime, each with its own --root.
  Result rt(const std::vector<std::string>& args, int timeout_s = 60) {
    std::vector<std::string> argv = {runc() ? kRunc : MINIRUN_BIN, "--root", runc() ? runc_root_ : root_};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, "", timeout_s);
  }
  // A container id of this session's, remembered for cleanup.
  std::string id(const std::string& name) {
    std::string i = "pp-" + name + "-" + GetParam();
    ids_.push_back(i);
    return i;
  }
  void done(const std::string& i) {
    EXPECT_EQ(rt({"delete", "--force", i}).code, 0);
    if (!runc()) expect_no_leftovers(i);
  }
  std::string runc_root_;
  std::vector<std::string> ids_;
};

// /root 0700 owned by root: runc enters it before dropping to uid 1000.
TEST_P(RuncParityProcTest, CwdOnlyRootCanSearchWorksForAnotherUser) {
  Bundle b(true);
  ASSERT_EQ(::mkdir((b.rootfs() + "/root").c_str(), 0700) == 0 || errno == EEXIST, true);
  ASSERT_EQ(::chown((b.rootfs() + "/root").c_str(), 0, 0), 0);
  ASSERT_EQ(::chmod((b.rootfs() + "/root").c_str(), 0700), 0);
  b.config["process"]["user"] = {{"uid", 1000}, {"gid", 1000}};
  b.config["process"]["cwd"] = "/root";
  b.set_args({"sh", "-c", "echo cwd=$(pwd) uid=$(id -u); ls . >/dev/null 2>&1 || echo cannot-list"});
  std::string run_id = id("cwd-run");
  Result r = rt({"run", "-b", b.dir(), run_id});
  EXPECT_EQ(r.code, 0) << r.err;
  // The user may be in the dir without reading it: the cwd was entered as root.
  EXPECT_EQ(r.out, "cwd=/root uid=1000\ncannot-list\n") << r.err;
  done(run_id);

  // exec --cwd: the same for a process joining a running container.
  b.config["process"]["user"] = {{"uid", 0}, {"gid", 0}};
  b.config["process"]["cwd"] = "/";
  b.set_args({"sleep", "1000"});
  std::string c = id("cwd-exec");
  ASSERT_EQ(rt({"run", "-d", "-b", b.dir(), c}).code, 0);
  Result e = rt({"exec", "--user", "1000:1000", "--cwd", "/root", c, "sh", "-c", "echo cwd=$(pwd) uid=$(id -u)"});
  EXPECT_EQ(e.code, 0) << e.err;
  EXPECT_EQ(e.out, "cwd=/root uid=1000\n") << e.err;
  // A cwd that does not exist still fails, naming it.
  Result missing = rt({"exec", "--user", "1000:1000", "--cwd", "/nonexistent", c, "true"});
  EXPECT_NE(missing.code, 0);
  EXPECT_NE(missing.err.find("/nonexistent"), std::string::npos) << missing.err;
  done(c);
}

// The pty is the process's user's (gid: devpts's tty group 5), for the
// init's and for exec -t's.
TEST_P(RuncParityProcTest, PtyBelongsToTheProcessUser) {
  Bundle b;
  b.config["process"]["user"] = {{"uid", 1000}, {"gid", 1000}};
  b.config["process"]["args"] = {"sh", "-c", "stat -c owner=%u:%g $(tty); sleep 1000"};
  b.config["process"]["terminal"] = true;
  b.save();
  std::string c = id("pty");
  ConsoleSocket init_sock(root_ + "/pp-init.sock");
  int init_master = -1;
  std::thread peer([&] { init_master = init_sock.receive(); });
  Result cr = rt({"create", "--console-socket", init_sock.path(), "-b", b.dir(), c});
  peer.join();
  ASSERT_EQ(cr.code, 0) << cr.err;
  ASSERT_GE(init_master, 0) << "create sent no pty master";
  ASSERT_EQ(rt({"start", c}).code, 0);
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (out.find("owner=") == std::string::npos || out.find('\n', out.find("owner=")) == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline) break;
    struct pollfd p = {init_master, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    char buf[512];
    ssize_t n = read(init_master, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  EXPECT_NE(out.find("owner=1000:5"), std::string::npos) << "run: " << out;

  ConsoleSocket sock(root_ + "/pp-exec.sock");
  Result e;
  std::thread runner([&] {
    e = rt({"exec", "-t", "-d", "--console-socket", sock.path(), "--user", "1001:1001", c, "sh", "-c",
            "stat -c owner=%u:%g $(tty)"});
  });
  int master = sock.receive();
  runner.join();
  ASSERT_EQ(e.code, 0) << e.err;
  ASSERT_GE(master, 0) << "exec -t sent no pty master";
  std::string exec_out = read_until(master, "");
  EXPECT_NE(exec_out.find("owner=1001:5"), std::string::npos) << "exec -t: " << exec_out;
  done(c);
}

// Every x86_64 syscall name the host's kernel headers know, but `except`.
std::vector<std::string> host_syscall_names(const std::set<std::string>& except) {
  std::ifstream in("/usr/include/x86_64-linux-gnu/asm/unistd_64.h");
  std::regex def(R"(^#define __NR_(\w+) \d+)");
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, def) && !except.count(m[1])) out.push_back(m[1]);
  }
  return out;
}

// Deny by default (EPERM), everything the headers name allowed but getppid:
// a number above every named one (syscall 1000) fails ENOSYS, so programs
// fall back; a named but unlisted one keeps the default.  Twice: the second
// run loads minirun's cached filter.
TEST_P(RuncParityProcTest, UnknownSyscallsGetEnosysUnderADenyByDefaultProfile) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "the allow-list comes from x86_64 headers";
#endif
  auto names = host_syscall_names({"getppid"});
  if (names.size() < 300) GTEST_SKIP() << "no x86_64 kernel headers to list syscalls from";
  Bundle b;
  b.config["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ERRNO"},
                                  {"defaultErrnoRet", 1},
                                  {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
                                  {"syscalls", {{{"names", names}, {"action", "SCMP_ACT_ALLOW"}}}}};
  b.set_args({"/bin/probe", "syscall", "1000"});
  for (int round = 0; round < 2; ++round) {
    std::string c = id("enosys" + std::to_string(round));
    Result r = rt({"run", "-b", b.dir(), c});
    EXPECT_EQ(trim(r.out), "ENOSYS") << "round " << round << ": " << r.err;
    done(c);
  }
  b.set_args({"/bin/probe", "syscall", std::to_string(SYS_getppid)});
  std::string c = id("eperm");
  Result r = rt({"run", "-b", b.dir(), c});
  EXPECT_EQ(trim(r.out), "EPERM") << "a syscall the profile knows keeps the default errno: " << r.err;
  done(c);
}

// createContainer hooks: in the container's mount namespace, after its
// mounts, before pivot_root, cwd the rootfs; prestart's cwd is the bundle
// and its namespaces the runtime's.
TEST_P(RuncParityProcTest, CreateContainerHookMountsForTheContainerOnly) {
  Bundle b(true);
  std::string src = make_temp_dir("pp-hook-src");
  std::string out = make_temp_dir("pp-hook-out");
  { std::ofstream(src + "/marker") << "from-the-hook\n"; }
  char real[PATH_MAX];
  ASSERT_NE(realpath(b.rootfs().c_str(), real), nullptr);
  char self_ns[64] = {};
  ASSERT_GT(readlink("/proc/self/ns/mnt", self_ns, sizeof self_ns - 1), 0);
  auto hook = [&](const std::string& name, const std::string& script) {
    return json{{"path", "/bin/sh"},
                {"args", {"sh", "-c", script, name}},
                {"env", {"OUT=" + out, "SRC=" + src, "ROOTFS=" + std::string(real), "HOSTNS=" + std::string(self_ns)}}};
  };
  const std::string where = "pwd > \"$OUT/$0.cwd\"; readlink /proc/self/ns/mnt > \"$OUT/$0.mntns\"; cat > /dev/null";
  // Only where it should run: a runtime running it on the host must not
  // mount anything there.
  const std::string guard =
      "[ \"$(pwd)\" = \"$ROOTFS\" ] && [ \"$(readlink /proc/self/ns/mnt)\" != \"$HOSTNS\" ] || exit 0";
  b.config["hooks"]["prestart"] = {hook("prestart", where)};
  b.config["hooks"]["createContainer"] = {
      hook("createContainer", where + "; " + guard + "; mkdir -p ./mnt/x && mount --bind \"$SRC\" ./mnt/x")};
  b.set_args({"sleep", "1000"});
  std::string c = id("cc-hook");
  Result cr = rt({"create", "-b", b.dir(), c});
  ASSERT_EQ(cr.code, 0) << cr.err;
  EXPECT_EQ(trim(read_text(out + "/createContainer.cwd")), real) << "createContainer runs in the rootfs";
  EXPECT_NE(trim(read_text(out + "/createContainer.mntns")), self_ns) << "createContainer runs in the container's";
  EXPECT_EQ(trim(read_text(out + "/prestart.cwd")), b.dir()) << "prestart runs in the bundle";
  EXPECT_EQ(trim(read_text(out + "/prestart.mntns")), self_ns) << "prestart runs in the runtime's mount ns";
  const std::string leaked = std::string(real) + "/mnt/x";
  EXPECT_EQ(read_text("/proc/self/mountinfo").find(leaked), std::string::npos) << "the hook's mount reached the host";
  if (read_text("/proc/self/mountinfo").find(leaked) != std::string::npos) umount2(leaked.c_str(), MNT_DETACH);
  ASSERT_EQ(rt({"start", c}).code, 0);
  Result e = rt({"exec", c, "cat", "/mnt/x/marker"});
  EXPECT_EQ(e.out, "from-the-hook\n") << e.err;
  done(c);
  remove_tree(src);
  remove_tree(out);
}

// A failing createContainer hook (now run by the init) still fails create
// with the hook named, and leaves nothing behind.
TEST_P(RuncParityProcTest, FailingCreateContainerHookFailsCreate) {
  Bundle b;
  b.config["hooks"]["createContainer"] = {{{"path", "/bin/sh"}, {"args", {"sh", "-c", "exit 3"}}}};
  b.set_args({"true"});
  std::string c = id("cc-fail");
  Result r = rt({"create", "-b", b.dir(), c});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("exit status 3"), std::string::npos) << r.err;
  if (!runc()) {
    EXPECT_NE(r.err.find("createContainer hook #0 (/bin/sh)"), std::string::npos) << r.err;
    expect_no_leftovers(c);
  }
}

INSTANTIATE_TEST_SUITE_P(Runtimes, RuncParityProcTest, ::testing::Values("minirun", "runc"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace minirun::test
