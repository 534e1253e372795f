// Issue 7: a rootfs that cannot be escaped.  Each attempt must fail (or be
// confined to the rootfs) without touching the host: symlinked mount
// destinations, a /proc that is a symlink, a /dev/null swapped for a link to
// a host file before masking, a cwd through /proc/self/fd, fds of minirun
// reaching the container, and the minirun binary seen from inside during exec.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "security_escape.h"

namespace minirun::test {
namespace {

TEST_F(SecurityEscapeTest, SymlinkedMountDestinationResolvesInsideTheRootfs) {
  Bundle b(true);
  std::string data = b.dir() + "/data";
  mkdir(data.c_str(), 0755);
  std::ofstream(data + "/marker") << "from the bundle\n";
  // Absolute and ..-climbing links to the host dir.
  mkdir((b.rootfs() + "/mnt").c_str(), 0755);
  ASSERT_EQ(symlink(host_dir_.c_str(), (b.rootfs() + "/mnt/abs").c_str()), 0);
  ASSERT_EQ(symlink("../../../../../../../../tmp", (b.rootfs() + "/mnt/rel").c_str()), 0);
  std::string sub = host_dir_.substr(5) + "-sub";  // a name under /tmp, made inside the rootfs only
  b.config["root"]["readonly"] = false;
  b.config["mounts"].push_back(
      {{"destination", "/mnt/abs"}, {"type", "bind"}, {"source", data}, {"options", {"bind", "ro"}}});
  b.config["mounts"].push_back({{"destination", "/mnt/rel/" + sub}, {"type", "tmpfs"}, {"source", "tmpfs"}});
  b.set_args({"sh", "-c", "cat " + host_dir_ + "/marker; grep -c ' /tmp/" + sub + " tmpfs' /proc/mounts"});
  Result r = minirun({"run", "-b", b.dir(), "symdest"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto lines = split_lines(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_EQ(lines[0], "from the bundle") << "the bind landed on the in-root target of the link";
  expect_host_untouched();
  EXPECT_EQ(lines[1], "1") << "the tmpfs is on the in-root /tmp/" << sub;
  EXPECT_FALSE(path_exists("/tmp/" + sub)) << "mountpoint made on the host";
  EXPECT_TRUE(path_exists(b.rootfs() + "/tmp/" + sub)) << "mountpoint made inside the rootfs";
  expect_no_leftovers("symdest");
}

TEST_F(SecurityEscapeTest, ProcThatIsASymlinkIsRefused) {
  Bundle b(true);
  rmdir((b.rootfs() + "/proc").c_str());
  ASSERT_EQ(symlink(host_dir_.c_str(), (b.rootfs() + "/proc").c_str()), 0);
  b.set_args({"true"});
  Result r = minirun({"run", "-b", b.dir(), "procsym"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("/proc"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("destination is a symlink"), std::string::npos) << r.err;
  EXPECT_EQ(split_lines(r.err).size(), 1u) << r.err;
  expect_host_untouched();
  expect_no_leftovers("procsym");
}

TEST_F(SecurityEscapeTest, MaskingNeverBindsAHostFileThroughADevNullLink) {
  Bundle b(true);
  // No /dev tmpfs: the rootfs's own /dev, whose null is a link to the host file.
  erase_mount(b.config["mounts"], "/dev");
  erase_mount(b.config["mounts"], "/dev/pts");
  erase_mount(b.config["mounts"], "/dev/shm");
  erase_mount(b.config["mounts"], "/dev/mqueue");
  std::string dev = b.rootfs() + "/dev";
  ASSERT_EQ(symlink((host_dir_ + "/secret").c_str(), (dev + "/null").c_str()), 0);
  b.config["linux"]["maskedPaths"] = {"/proc/kcore", "/proc/version"};
  b.set_args({"cat", "/proc/version"});
  Result r = minirun({"run", "-b", b.dir(), "devnull"});
  EXPECT_EQ(r.out.find("host secret"), std::string::npos) << "host file shown in the container";
  if (r.code == 0) {
    EXPECT_EQ(r.out, "") << "masked /proc/version reads empty";
  } else {
    EXPECT_NE(r.err.find("/dev/null"), std::string::npos) << r.err;
  }
  expect_host_untouched();
  expect_no_leftovers("devnull");
}

TEST_F(SecurityEscapeTest, CwdThroughProcSelfFdNeverLeavesTheRoot) {
  Bundle b;
  b.set_args({"probe", "report"});
  for (int n = 3; n < 16; ++n) {
    b.config["process"]["cwd"] = "/proc/self/fd/" + std::to_string(n);
    b.save();
    Result r = minirun({"run", "-b", b.dir(), "cwdfd"});
    if (r.code == 0) {
      std::string cwd = field(r.out, "cwd");
      EXPECT_TRUE(!cwd.empty() && cwd[0] == '/') << "fd " << n << ": cwd outside the root: " << cwd;
    } else {
      EXPECT_NE(r.err.find("cwd"), std::string::npos) << r.err;
      EXPECT_EQ(split_lines(r.err).size(), 1u) << r.err;
    }
    expect_no_leftovers("cwdfd");
  }
  // The same through exec.
  b.config["process"]["cwd"] = "/";
  b.set_args({"probe", "sleep", "30"});
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "cwdexec"}).code, 0);
  for (int n = 3; n < 16; ++n) {
    Result r = minirun({"exec", "--cwd", "/proc/self/fd/" + std::to_string(n), "cwdexec", "probe", "report"});
    if (r.code == 0) {
      std::string cwd = field(r.out, "cwd");
      EXPECT_TRUE(!cwd.empty() && cwd[0] == '/') << "exec fd " << n << ": cwd outside the root: " << cwd;
    }
  }
}

TEST_F(SecurityEscapeTest, ExecPassesOnlyStdioAndPreservedFds) {
  Bundle b;
  b.set_args({"probe", "sleep", "30"});
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "execfds"}).code, 0);
  std::string cmd = "exec 3</dev/null 4</dev/null 5</dev/null; exec " MINIRUN_BIN " --root " + root_ + " exec ";
  Result r = run_command({"sh", "-c", cmd + "execfds probe report"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(field(r.out, "fds"), "0,1,2");
  Result k = run_command({"sh", "-c", cmd + "--preserve-fds 2 execfds probe report"});
  EXPECT_EQ(field(k.out, "fds"), "0,1,2,3,4") << k.err;
}

// CVE-2019-5736: while `exec` sets up, its helper (a minirun process) sits in
// the container's pid namespace.  The container catches it reading a 40 MB
// /etc/passwd (for --user NAME), stops it, and attacks its /proc/PID/exe and fds.
// The worst case: a user-namespaced container root holding every capability
// (CAP_SYS_PTRACE too) in its namespace; only non-dumpability stops it.
TEST_F(SecurityEscapeTest, ExecHelperIsNotReachableFromInside) {
  Bundle b(true);
  b.config["root"]["readonly"] = false;
  b.config["linux"]["namespaces"].push_back({{"type", "user"}});
  b.config["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
  b.config["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
  erase_mount(b.config["mounts"], "/sys/fs/cgroup");
  erase_mount(b.config["mounts"], "/sys");
  nlohmann::json all = nlohmann::json::array();
  for (const char* c : {"CHOWN",
                        "DAC_OVERRIDE",
                        "DAC_READ_SEARCH",
                        "FOWNER",
                        "FSETID",
                        "KILL",
                        "SETGID",
                        "SETUID",
                        "SETPCAP",
                        "LINUX_IMMUTABLE",
                        "NET_BIND_SERVICE",
                        "NET_BROADCAST",
                        "NET_ADMIN",
                        "NET_RAW",
                        "IPC_LOCK",
                        "IPC_OWNER",
                        "SYS_MODULE",
                        "SYS_RAWIO",
                        "SYS_CHROOT",
                        "SYS_PTRACE",
                        "SYS_PACCT",
                        "SYS_ADMIN",
                        "SYS_BOOT",
                        "SYS_NICE",
                        "SYS_RESOURCE",
                        "SYS_TIME",
                        "SYS_TTY_CONFIG",
                        "MKNOD",
                        "LEASE",
                        "AUDIT_WRITE",
                        "AUDIT_CONTROL",
                        "SETFCAP",
                        "MAC_OVERRIDE",
                        "MAC_ADMIN",
                        "SYSLOG",
                        "WAKE_ALARM",
                        "BLOCK_SUSPEND",
                        "AUDIT_READ"})
    all.push_back(std::string("CAP_") + c);
  b.config["process"]["capabilities"] = {{"bounding", all}, {"effective", all}, {"permitted", all}};
  run_command({"chown", "-R", "100000:100000", b.rootfs()});
  run_command({"chmod", "755", b.dir()});
  b.set_args({"probe", "exe-attack"});
  std::string out_file = b.dir() + "/attack.out";
  std::string cmd = MINIRUN_BIN " --root " + root_ + " run -b " + b.dir() + " attack > " + out_file + " 2>&1";
  std::thread container([&] { run_command({"sh", "-c", cmd}, "", 60); });
  // Wait for the big passwd, then exec with a user name so the helper reads it.
  wait_until([&] { return read_text(out_file).find("ready") != std::string::npos; });
  Result e = minirun({"exec", "--user", "tester", "attack", "probe", "report"}, "", 30);
  container.join();
  EXPECT_EQ(e.code, 0) << e.err;
  EXPECT_EQ(field(e.out, "uid"), "1000") << "the helper went on once released";
  std::string report = read_text(out_file);
  EXPECT_EQ(field(report, "helper"), "found") << report;
  EXPECT_EQ(field(report, "exe_write"), "EACCES") << report;
  EXPECT_EQ(field(report, "exe_read"), "EACCES") << report;
  EXPECT_EQ(field(report, "exe_path"), "EACCES") << report;
  EXPECT_EQ(field(report, "fd_open"), "EACCES") << report;
  EXPECT_EQ(field(report, "root_open"), "EACCES") << report;
  expect_no_leftovers("attack");
}

}  // namespace
}  // namespace minirun::test
