// Issue 3: a busybox bundle end to end through `minirun run`.
#include <signal.h>
#include <unistd.h>

#include <thread>

#include "harness.h"

namespace minirun::test {
namespace {

class RunTest : public MinirunTest {};

TEST_F(RunTest, ExitCodesBecomeMinirunsOwn) {
  Bundle b;
  for (int code : {0, 3, 255}) {
    b.set_args({"probe", "exit", std::to_string(code)});
    Result r = minirun({"run", "-b", b.dir(), "exitcode"});
    EXPECT_EQ(r.code, code) << r.err;
    expect_no_leftovers("exitcode");
  }
}

TEST_F(RunTest, KilledBySignalGives128PlusN) {
  Bundle b;
  // Without a pid namespace the process is not a pid-1 init, so SIGKILL works on it.
  auto& nss = b.config["linux"]["namespaces"];
  for (auto it = nss.begin(); it != nss.end(); ++it)
    if ((*it)["type"] == "pid") {
      nss.erase(it);
      break;
    }
  b.set_args({"probe", "kill-self", "9"});
  Result r = minirun({"run", "-b", b.dir(), "killed"});
  EXPECT_EQ(r.code, 137) << r.err;
  expect_no_leftovers("killed");
}

TEST_F(RunTest, IsolationSeenFromInside) {
  Bundle b;
  b.config["hostname"] = "boxname";
  b.set_args({"probe", "report"});
  Result r = minirun({"run", "-b", b.dir(), "iso"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(field(r.out, "pid"), "1");
  EXPECT_EQ(field(r.out, "hostname"), "boxname");
  EXPECT_EQ(field(r.out, "fds"), "0,1,2") << "only stdio reaches the container";
  Result m = minirun({"run", "-b", b.dir(), "iso2"}, "", 30);
  b.set_args({"probe", "mounts"});
  m = minirun({"run", "-b", b.dir(), "iso3"});
  ASSERT_EQ(m.code, 0) << m.err;
  EXPECT_EQ(m.out.find("/tmp/minirun-root"), std::string::npos) << "host mounts visible:\n" << m.out;
  EXPECT_EQ(m.out.find(" /work"), std::string::npos) << "host mounts visible:\n" << m.out;
  EXPECT_NE(m.out.find(b.rootfs() + " / "), std::string::npos) << "the bundle rootfs is /:\n" << m.out;
  b.set_args({"ps"});
  Result ps = minirun({"run", "-b", b.dir(), "iso4"});
  ASSERT_EQ(ps.code, 0) << ps.err;
  EXPECT_EQ(split_lines(ps.out).size(), 2u) << "only ps itself as pid 1:\n" << ps.out;
}

TEST_F(RunTest, ProcessSettingsApplied) {
  Bundle b;
  auto& p = b.config["process"];
  p["env"] = {"PATH=/bin:/usr/bin", "FOO=bar baz"};
  p["cwd"] = "/tmp";
  p["user"] = {{"uid", 1000}, {"gid", 1000}, {"umask", 63}, {"additionalGids", {10, 20}}};
  b.set_args({"probe", "report"});
  Result r = minirun({"run", "-b", b.dir(), "settings"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(field(r.out, "uid"), "1000");
  EXPECT_EQ(field(r.out, "gid"), "1000");
  EXPECT_EQ(field(r.out, "groups"), "10,20");
  EXPECT_EQ(field(r.out, "umask"), "0077");
  EXPECT_EQ(field(r.out, "cwd"), "/tmp");
  b.set_args({"probe", "env"});
  Result e = minirun({"run", "-b", b.dir(), "settings"});
  EXPECT_NE(e.out.find("FOO=bar baz\n"), std::string::npos) << e.out;
  EXPECT_NE(e.out.find("HOME=/home/tester\n"), std::string::npos) << "HOME from /etc/passwd: " << e.out;
}

TEST_F(RunTest, MaskedAndReadonlyPaths) {
  Bundle b;
  b.config["linux"]["maskedPaths"] = {"/proc/kcore", "/proc/acpi", "/proc/keys"};
  b.config["linux"]["readonlyPaths"] = {"/proc/sys", "/proc/sysrq-trigger"};
  b.set_args({"sh", "-c",
              "cat /proc/kcore | wc -c; ls /proc/acpi | wc -l; "
              "echo 1 > /proc/sys/kernel/domainname && echo WROTE || echo ROFAIL"});
  Result r = minirun({"run", "-b", b.dir(), "masked"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto lines = split_lines(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out << r.err;
  EXPECT_EQ(lines[0], "0") << "masked file reads empty";
  EXPECT_EQ(lines[1], "0") << "masked dir is empty";
  EXPECT_EQ(lines[2], "ROFAIL");
}

TEST_F(RunTest, ReadonlyRootfs) {
  Bundle b;
  b.config["root"]["readonly"] = true;
  b.set_args({"probe", "mkdir", "/newdir"});
  Result r = minirun({"run", "-b", b.dir(), "rofs"});
  EXPECT_EQ(r.out, "EROFS\n") << r.err;
}

TEST_F(RunTest, UserNamespaceMapsIds) {
  Bundle b(true);
  b.config["linux"]["namespaces"].push_back({{"type", "user"}});
  b.config["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
  b.config["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
  // A user namespace cannot mount a v1 cgroup bind or sysfs it does not own.
  auto& mounts = b.config["mounts"];
  for (auto it = mounts.begin(); it != mounts.end();)
    it = ((*it)["type"] == "cgroup" || (*it)["type"] == "sysfs") ? mounts.erase(it) : it + 1;
  b.set_args({"probe", "report"});
  run_command({"chown", "-R", "100000:100000", b.rootfs()});
  run_command({"chmod", "755", b.dir()});
  Result r = minirun({"run", "-b", b.dir(), "userns"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(field(r.out, "uid"), "0");
  EXPECT_NE(field(r.out, "uid_map").find("100000"), std::string::npos) << r.out;
}

TEST_F(RunTest, BundlePathFormDerivesUniqueId) {
  Bundle b;
  b.set_args({"probe", "sleep", "30"});
  Result first = minirun({"run", "-d", b.dir() + "/"});
  ASSERT_EQ(first.code, 0) << first.err;
  std::string base = b.dir().substr(b.dir().rfind('/') + 1);
  EXPECT_EQ(status_of(base), "running");
  Result second = minirun({"run", "-d", b.dir() + "/"});
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_EQ(status_of(base + "-2"), "running");
  b.set_args({"probe", "exit", "7"});
  EXPECT_EQ(minirun({"run", b.dir()}).code, 7);
  EXPECT_FALSE(path_exists(root_ + "/" + base + "-3")) << "run bundle/ deletes after exit";
}

TEST_F(RunTest, SignalsAreForwarded) {
  Bundle b;
  b.set_args({"probe", "signals"});
  std::vector<std::string> argv = {MINIRUN_BIN, "--root", root_, "run", "-b", b.dir(), "sig"};
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    std::vector<char*> a;
    for (auto& s : argv) a.push_back(s.data());
    a.push_back(nullptr);
    execv(a[0], a.data());
    _exit(127);
  }
  close(out[1]);
  FILE* f = fdopen(out[0], "r");
  char line[256];
  ASSERT_TRUE(fgets(line, sizeof line, f));
  EXPECT_STREQ(line, "ready\n");
  std::string got;
  for (int sig : {SIGUSR1, SIGHUP, SIGINT, SIGWINCH, SIGTERM}) {
    kill(pid, sig);
    if (fgets(line, sizeof line, f)) got += line;
  }
  fclose(f);
  int status;
  waitpid(pid, &status, 0);
  EXPECT_EQ(got,
            "signal=User defined signal 1\nsignal=Hangup\nsignal=Interrupt\nsignal=Window changed\n"
            "signal=Terminated\n");
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  expect_no_leftovers("sig");
}

TEST_F(RunTest, MissingExecutableFailsAtCreateAndLeavesNothing) {
  Bundle b;
  b.set_args({"no-such-binary"});
  Result r = minirun({"run", "-b", b.dir(), "missing"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("minirun: run missing: exec: \"no-such-binary\": executable file not found in $PATH"),
            std::string::npos)
      << r.err;
  expect_no_leftovers("missing");
  Result c = minirun({"create", "-b", b.dir(), "missing2"});
  EXPECT_EQ(c.code, 1);
  EXPECT_NE(c.err.find("executable file not found"), std::string::npos) << c.err;
  expect_no_leftovers("missing2");
}

// As runc, user, capabilities and cwd are applied before the exec fifo: a
// bad one is create's error, not a container that dies at start.
TEST_F(RunTest, ProcessSetupErrorsFailCreateAndLeaveNothing) {
  Bundle b;
  b.config["process"]["cwd"] = "/no/such/dir";
  b.set_args({"true"});
  Result c = minirun({"create", "-b", b.dir(), "badcwd"});
  EXPECT_EQ(c.code, 1);
  EXPECT_NE(c.err.find("minirun: create badcwd: chdir to cwd (\"/no/such/dir\") set in config.json"), std::string::npos)
      << c.err;
  expect_no_leftovers("badcwd");
  // And a good one is final before start: the init waits as the container user.
  Bundle u;
  u.config["process"]["user"] = {{"uid", 1234}, {"gid", 1234}};
  u.set_args({"true"});
  ASSERT_EQ(minirun({"create", "-b", u.dir(), "asuser"}).code, 0);
  Result st = minirun({"state", "asuser"});
  auto pid = nlohmann::json::parse(st.out)["pid"].get<int>();
  std::string status = read_text("/proc/" + std::to_string(pid) + "/status");
  EXPECT_NE(status.find("Uid:\t1234\t1234\t1234\t1234"), std::string::npos) << status;
  // runc's default set (AUDIT_WRITE, KILL, NET_BIND_SERVICE), not root's.
  EXPECT_NE(status.find("CapEff:\t0000000020000420"), std::string::npos) << status;
  EXPECT_NE(status.find("CapBnd:\t0000000020000420"), std::string::npos) << status;
  EXPECT_EQ(minirun({"start", "asuser"}).code, 0);
  EXPECT_EQ(minirun({"delete", "-f", "asuser"}).code, 0);
  expect_no_leftovers("asuser");
}

TEST_F(RunTest, InvalidConfigFailsWithFieldPath) {
  Bundle b;
  b.config["linux"]["namespaces"].push_back({{"type", "bogus"}});
  b.save();
  Result r = minirun({"run", "-b", b.dir(), "bad"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("config.json: linux.namespaces["), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("unknown namespace type \"bogus\""), std::string::npos) << r.err;
  EXPECT_EQ(split_lines(r.err).size(), 1u) << "one line: " << r.err;
  expect_no_leftovers("bad");
}

TEST_F(RunTest, FailedMountLeavesNothing) {
  Bundle b;
  b.config["mounts"].push_back(
      {{"destination", "/mnt/x"}, {"type", "bind"}, {"source", "/nonexistent/src"}, {"options", {"bind"}}});
  b.set_args({"true"});
  Result r = minirun({"run", "-b", b.dir(), "badmount"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("/nonexistent/src"), std::string::npos) << r.err;
  expect_no_leftovers("badmount");
}

TEST_F(RunTest, BadNamespacePathLeavesNothing) {
  Bundle b;
  for (auto& n : b.config["linux"]["namespaces"])
    if (n["type"] == "network") n["path"] = "/proc/self/ns/nonexistent";
  b.set_args({"true"});
  Result r = minirun({"run", "-b", b.dir(), "badns"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("/proc/self/ns/nonexistent"), std::string::npos) << r.err;
  expect_no_leftovers("badns");
}

TEST_F(RunTest, GlobalFlagsBeforeCommand) {
  Bundle b;
  b.set_args({"true"});
  std::string other = make_temp_dir("minirun-root2");
  Result r = run_command({MINIRUN_BIN, "--root", other, "--log-format", "json", "run", "-b", b.dir(), "g"});
  EXPECT_EQ(r.code, 0) << r.err;
  remove_tree(other);
}

}  // namespace
}  // namespace minirun::test
