// Issue 15: what a process inside the container can reach of the runtime
// while it enters the container: the fds it holds (CVE-2024-21626), its
// binary (CVE-2019-5736, through /proc/1/exe and through a #!/proc/self/exe
// script), and its state before seccomp is in force (ptrace of a created
// container's init).  Each test performs the attack and checks the host.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "security_escape.h"

namespace minirun::test {
namespace {

constexpr const char* kUp = "../../../../../../../../../../../../../../../../../../../..";

class SecurityEnterTest : public SecurityEscapeTest {
 protected:
  void SetUp() override {
    SecurityEscapeTest::SetUp();
    // A binary that exists only on the host: the probe, outside any rootfs.
    host_binary_ = host_dir_ + "/host-only";
    run_command({"cp", PROBE_BIN, host_binary_});
  }
  // A private copy of minirun, so an attack that succeeds damages the copy.
  std::string copy_of_minirun() {
    copy_dir_ = make_temp_dir("minirun-copy");
    std::string copy = copy_dir_ + "/minirun";
    run_command({"cp", MINIRUN_BIN, copy});
    return copy;
  }
  void TearDown() override {
    SecurityEscapeTest::TearDown();
    if (!copy_dir_.empty()) remove_tree(copy_dir_);
  }
  // The host dir holds the secret and the host-only binary, both unchanged.
  void expect_host_dir_intact() {
    EXPECT_EQ(read_text(host_dir_ + "/secret"), "host secret\n");
    EXPECT_TRUE(read_text(host_binary_) == read_text(PROBE_BIN)) << "host binary changed";
    EXPECT_FALSE(path_exists(host_dir_ + "/pwned")) << "a file was made in the host dir";
    EXPECT_EQ(read_text("/proc/self/mountinfo").find(host_dir_), std::string::npos) << "host dir mounted on";
  }
  std::string host_binary_;
  std::string copy_dir_;
};

// args[0] through every fd the init might hold: none may lead to a host binary.
TEST_F(SecurityEnterTest, ArgsZeroThroughProcSelfFdRunsNoHostBinary) {
  Bundle b;
  for (int n = 3; n <= 32; ++n) {
    std::string path = "/proc/self/fd/" + std::to_string(n) + "/" + kUp + host_binary_;
    b.set_args({path, "report"});
    Result r = minirun({"run", "-b", b.dir(), "argsfd"});
    EXPECT_EQ(r.out.find("pid="), std::string::npos) << "fd " << n << ": the host binary ran in the container";
    EXPECT_NE(r.code, 0) << "fd " << n;
    expect_no_leftovers("argsfd");
  }
  // The same through exec into a running container.
  b.set_args({"probe", "sleep", "30"});
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "argsfdexec"}).code, 0);
  for (int n = 3; n <= 32; ++n) {
    std::string path = "/proc/self/fd/" + std::to_string(n) + "/" + kUp + host_binary_;
    Result r = minirun({"exec", "argsfdexec", path, "report"});
    EXPECT_EQ(r.out.find("pid="), std::string::npos) << "exec fd " << n << ": the host binary ran";
    EXPECT_NE(r.code, 0) << "exec fd " << n;
  }
  expect_host_dir_intact();
}

// A created container's init waits for `start`: nothing it holds may lead
// out of the root, for reading or writing, from an `exec` process.
TEST_F(SecurityEnterTest, CreatedInitHoldsNoFdThatLeadsOut) {
  Bundle b;
  b.set_args({"probe", "sleep", "30"});
  ASSERT_EQ(minirun({"create", "-b", b.dir(), "initfds"}).code, 0);
  for (int n = 3; n <= 32; ++n) {
    std::string via = "/proc/1/fd/" + std::to_string(n) + "/" + kUp + host_dir_;
    Result rd = minirun({"exec", "initfds", "cat", via + "/secret"});
    EXPECT_EQ(rd.out.find("host secret"), std::string::npos) << "fd " << n << ": host file read";
    minirun({"exec", "initfds", "sh", "-c", "echo pwned > " + via + "/secret; echo pwned > " + via + "/pwned"});
  }
  expect_host_dir_intact();
  // From the host: what the init holds is stdio, sockets, pipes, the exec
  // fifo, devices: no directory, no regular file.
  Result st = minirun({"state", "initfds"});
  auto state = nlohmann::json::parse(st.out);
  std::string fd_dir = "/proc/" + std::to_string(state["pid"].get<int>()) + "/fd";
  Result ls = run_command({"sh", "-c", "for f in " + fd_dir + "/*; do stat -L -c '%n %F' $f; done"});
  for (const auto& line : split_lines(ls.out)) {
    EXPECT_EQ(line.find("directory"), std::string::npos) << line;
    EXPECT_EQ(line.find("regular"), std::string::npos) << line;
  }
  minirun({"delete", "-f", "initfds"});
}

// CVE-2019-5736 through /proc/1/exe: hold the created init's binary, let it
// exec the container process, then write to the binary through the held fd.
TEST_F(SecurityEnterTest, InitExeCannotBeWrittenFromInside) {
  std::string copy = copy_of_minirun();
  Bundle b(true);
  b.config["root"]["readonly"] = false;
  b.set_args({"probe", "sleep", "5"});
  auto mr = [&](const std::vector<std::string>& args) {
    std::vector<std::string> argv = {copy, "--root", root_};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, "", 60);
  };
  ASSERT_EQ(mr({"create", "-b", b.dir(), "initexe"}).code, 0);
  Result e = mr({"exec", "-d", "initexe", "probe", "init-exe-attack", "/report"});
  ASSERT_EQ(e.code, 0) << e.err;
  std::string report = b.rootfs() + "/report";
  ASSERT_TRUE(wait_until([&] { return read_text(report).find("ready") != std::string::npos; })) << read_text(report);
  ASSERT_EQ(mr({"start", "initexe"}).code, 0);
  if (field(read_text(report), "exe_open") == "ok")
    wait_until([&] { return read_text(report).find("exe_write=") != std::string::npos; });
  std::string out = read_text(report);
  EXPECT_NE(field(out, "exe_write"), "ok") << out;
  EXPECT_TRUE(read_text(copy) == read_text(MINIRUN_BIN)) << "the runtime's binary was written from inside: " << out;
  mr({"delete", "-f", "initexe"});
}

// CVE-2019-5736, the classic form: the image's /evil is `#!/proc/self/exe`,
// so `exec /evil` makes the kernel run the runtime's own binary inside the
// container (held here on a fifo given as its --log); the container holds
// that binary and writes to it once it exits.
TEST_F(SecurityEnterTest, ShebangProcSelfExeCannotWriteTheRuntime) {
  std::string copy = copy_of_minirun();
  Bundle b(true);
  b.config["root"]["readonly"] = false;
  b.set_args({"probe", "shebang-attack", "/logfifo", "/report"});
  std::ofstream(b.rootfs() + "/evil") << "#!/proc/self/exe --log=/logfifo\n";
  chmod((b.rootfs() + "/evil").c_str(), 0755);
  auto mr = [&](const std::vector<std::string>& args) {
    std::vector<std::string> argv = {copy, "--root", root_};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, "", 60);
  };
  ASSERT_EQ(mr({"run", "-d", "-b", b.dir(), "shebang"}).code, 0);
  std::string report = b.rootfs() + "/report";
  ASSERT_TRUE(wait_until([&] { return read_text(report).find("ready") != std::string::npos; })) << read_text(report);
  mr({"exec", "shebang", "/evil"});
  wait_until([&] {
    std::string r = read_text(report);
    return r.find("exe_write=") != std::string::npos || r.find("interpreter=missing") != std::string::npos ||
           (r.find("exe_open=") != std::string::npos && field(r, "exe_open") != "ok");
  });
  std::string out = read_text(report);
  EXPECT_NE(field(out, "exe_write"), "ok") << out;
  EXPECT_TRUE(read_text(copy) == read_text(MINIRUN_BIN)) << "the runtime's binary was written from inside: " << out;
  mr({"delete", "-f", "shebang"});
}

// A created container's init must already be under its seccomp filter and
// out of reach of ptrace: a process in the container attaches to pid 1 and
// makes it call mkdir, which the profile denies.
class SecurityPtraceTest : public SecurityEnterTest {
 protected:
  void deny_mkdir(Bundle& b) {
    b.config["root"]["readonly"] = false;
    b.config["process"]["noNewPrivileges"] = true;
    b.config["linux"]["seccomp"] = {
        {"defaultAction", "SCMP_ACT_ALLOW"},
        {"architectures", {"SCMP_ARCH_X86_64"}},
        {"syscalls", {{{"names", {"mkdir", "mkdirat"}}, {"action", "SCMP_ACT_ERRNO"}}}}};
  }
  int init_pid(const std::string& id) {
    auto state = nlohmann::json::parse(minirun({"state", id}).out);
    return state["pid"].get<int>();
  }
};

TEST_F(SecurityPtraceTest, CreatedInitIsFilteredAndNotTraceable) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "the injection is written for x86_64";
#endif
  Bundle b(true);
  deny_mkdir(b);
  b.set_args({"probe", "sleep", "5"});
  ASSERT_EQ(minirun({"create", "-b", b.dir(), "ptr"}).code, 0);
  std::string status = read_text("/proc/" + std::to_string(init_pid("ptr")) + "/status");
  EXPECT_NE(status.find("Seccomp:\t2"), std::string::npos) << "the created init is not filtered yet";
  // Default capabilities: the init is not dumpable, so no attach.
  Result plain = minirun({"exec", "ptr", "probe", "ptrace-inject", "/injected"});
  EXPECT_NE(field(plain.out, "attach"), "ok") << plain.out << plain.err;
  // With CAP_SYS_PTRACE the attach works, but the filter denies the mkdir.
  Result cap = minirun({"exec", "--cap", "CAP_SYS_PTRACE", "ptr", "probe", "ptrace-inject", "/injected2"});
  if (field(cap.out, "attach") == "ok") {
    EXPECT_EQ(field(cap.out, "mkdir"), "EPERM") << cap.out;
  }
  EXPECT_FALSE(path_exists(b.rootfs() + "/injected"));
  EXPECT_FALSE(path_exists(b.rootfs() + "/injected2"));
  minirun({"delete", "-f", "ptr"});
}

// startContainer hooks are binaries of the image: they run under the filter.
TEST_F(SecurityPtraceTest, StartContainerHooksRunUnderTheFilter) {
  Bundle b(true);
  deny_mkdir(b);
  b.config["hooks"]["startContainer"] = {{{"path", "/bin/mkdir"}, {"args", {"mkdir", "/hookdir"}}}};
  b.set_args({"true"});
  minirun({"run", "-b", b.dir(), "hookflt"});
  EXPECT_FALSE(path_exists(b.rootfs() + "/hookdir")) << "a startContainer hook ran unfiltered";
  minirun({"delete", "-f", "hookflt"});
  expect_no_leftovers("hookflt");
}

}  // namespace
}  // namespace minirun::test
