// Privileged: a forked child unshares its mount (and UTS) namespace, builds a
// container root with prepare/enter/finish and checks it from inside; the
// findings come back over a pipe.  The namespace dies with the child, so the
// host must show no new mount afterwards.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "rootfs/rootfs.h"
#include "spec/error.h"

namespace minirun::rootfs {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Failures found inside the child, one per line; "" when all held.
class Findings {
 public:
  void expect(bool ok, const std::string& what) {
    if (!ok) text_ += what + " (errno " + std::strerror(errno) + ")\n";
  }
  // `op` must fail with `err`.
  void expect_errno(int rc, int err, const std::string& what) {
    if (rc == 0 || errno != err)
      text_ += what + ": want " + std::strerror(err) + ", got " + (rc == 0 ? "success" : std::strerror(errno)) + "\n";
  }
  void add(const std::string& line) { text_ += line + "\n"; }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

// Runs `body` in a child with a private mount namespace; returns its findings.
std::string run_in_new_mount_namespace(const std::function<void(Findings&)>& body) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return "pipe failed";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    Findings f;
    try {
      if (::unshare(CLONE_NEWNS | CLONE_NEWUTS) != 0) throw_errno("unshare");
      // Nothing the test does may reach the host, whatever its propagation.
      if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) throw_errno("make / rprivate");
      body(f);
    } catch (const std::exception& e) {
      f.add(std::string("exception: ") + e.what());
    }
    const std::string& out = f.text();
    ssize_t ignored = ::write(fds[1], out.data(), out.size());
    (void)ignored;
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof(buf))) > 0;) out.append(buf, n);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) out += "child died, status " + std::to_string(status) + "\n";
  return out;
}

int create_file(const char* path) {
  int fd = ::open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0) ::close(fd);
  return fd < 0 ? -1 : 0;
}

bool is_fs(const char* path, long magic) {
  struct statfs st {};
  return ::statfs(path, &st) == 0 && st.f_type == magic;
}

// Runs busybox inside the container: the root is usable for an exec.
int run_busybox_sh(const std::string& script) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/busybox", "sh", "-c", script.c_str(), nullptr);
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

spec::Mount mount_entry(std::string dest, std::string type, std::string source, std::vector<std::string> options) {
  return spec::Mount{std::move(dest), std::move(type), std::move(source), std::move(options)};
}

class ContainerRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    if (!fs::exists("/bin/busybox")) GTEST_SKIP() << "needs /bin/busybox (busybox-static)";
    char tmpl[] = "/tmp/rootfs-container-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    rootfs_ = dir_ / "rootfs";
    for (const char* d : {"bin", "etc/ro-dir", "etc/secret-dir", "opt", "proc", "sys", "dev", "tmp", "mnt"}) {
      fs::create_directories(rootfs_ / d);
    }
    fs::copy_file("/bin/busybox", rootfs_ / "bin" / "busybox");
    std::ofstream(rootfs_ / "etc" / "secret-file") << "secret\n";
    std::ofstream(rootfs_ / "etc" / "lowerfile") << "lower\n";
    std::ofstream(rootfs_ / "etc" / "hostname") << "lower-host\n";  // generated files bind only over existing ones
    std::ofstream(rootfs_ / "opt" / "seed") << "seed\n";
    fs::create_directories(dir_ / "data");
    std::ofstream(dir_ / "hostname") << "container-host\n";
    host_dir_ = dir_ / "host-dir";
    fs::create_directories(host_dir_);
    fs::create_symlink(host_dir_, rootfs_ / "evil");  // absolute, names a host path
    mountinfo_before_ = read_text("/proc/self/mountinfo");
  }
  void TearDown() override {
    if (dir_.empty()) return;
    EXPECT_EQ(read_text("/proc/self/mountinfo"), mountinfo_before_) << "a mount leaked to the host";
    fs::remove_all(dir_);
  }

  Options base_options() const {
    Options o;
    o.rootfs = rootfs_.string();
    o.bundle = dir_.string();
    o.mounts = {
        mount_entry("/proc", "proc", "proc", {}),
        mount_entry("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
        mount_entry("/dev/pts", "devpts", "devpts", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}),
    };
    return o;
  }

  fs::path dir_, rootfs_, host_dir_;
  std::string mountinfo_before_;
};

TEST_F(ContainerRoot, BindRootWithMountsMasksAndReadonly) {
  Options o = base_options();
  o.readonly = true;
  o.mounts.push_back(mount_entry("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}));
  o.mounts.push_back(
      mount_entry("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}));
  // On a v1 host, what the runtime passes (cgroup::Manager::v1_mounts()):
  // here the memory hierarchy's root dir.
  if (is_fs("/sys/fs/cgroup/memory", CGROUP_SUPER_MAGIC))
    o.cgroup_v1 = {{"/sys/fs/cgroup/memory", "/sys/fs/cgroup/memory", "memory"}};
  o.mounts.push_back(mount_entry("/mnt/data", "bind", "data", {"rbind", "ro", "nosuid"}));
  o.mounts.push_back(mount_entry("/mnt/rro", "bind", "data", {"rbind", "rro"}));
  o.mounts.push_back(mount_entry("/opt", "tmpfs", "tmpfs", {"tmpcopyup", "mode=755"}));
  o.mounts.push_back(mount_entry("/evil/inside", "tmpfs", "tmpfs", {}));
  o.masked_paths = {"/proc/kcore",     "/proc/timer_list", "/etc/secret-file",
                    "/etc/secret-dir", "/proc/acpi",       "/does/not/exist"};
  o.readonly_paths = {"/etc/ro-dir", "/proc/sys", "/missing/too"};
  o.sysctl = {{"kernel.hostname", "container-host"}};
  o.generated_files = {{"/etc/hostname", "", (dir_ / "hostname").string()}};

  // No ACPI (a microVM): nothing to mask at /proc/acpi, and masking skips it.
  const bool acpi = fs::exists("/proc/acpi");
  const std::string findings = run_in_new_mount_namespace([&](Findings& f) {
    const std::string root = prepare(o);
    f.expect(root == rootfs_.string(), "prepare returns the rootfs");
    enter(o, root);
    finish(o);
    char cwd[256] = {};
    f.expect(::getcwd(cwd, sizeof(cwd)) && std::string(cwd) == "/", "cwd is /");
    f.expect(!fs::exists(rootfs_) && !fs::exists(dir_ / "data"), "the host's temp dir is not visible");
    struct stat st {};
    f.expect(::stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3), "/dev/null is 1:3");
    f.expect(::stat("/dev/urandom", &st) == 0 && st.st_rdev == makedev(1, 9) && (st.st_mode & 0777) == 0666,
             "/dev/urandom 1:9 0666");
    f.expect(fs::read_symlink("/dev/ptmx") == "pts/ptmx", "/dev/ptmx -> pts/ptmx");
    f.expect(fs::read_symlink("/dev/fd") == "/proc/self/fd", "/dev/fd -> /proc/self/fd");
    f.expect(::access("/dev/pts/ptmx", F_OK) == 0, "devpts mounted");
    f.expect(create_file("/dev/made-at-runtime") == 0, "/dev stays writable on a read-only root");
    f.expect_errno(create_file("/newfile"), EROFS, "create on the read-only root");
    f.expect_errno(create_file("/mnt/data/x"), EROFS, "create on the ro bind");
    f.expect_errno(create_file("/mnt/rro/x"), EROFS, "create on the rro bind");
    f.expect_errno(create_file("/etc/ro-dir/x"), EROFS, "create in a readonly path");
    f.expect_errno(create_file("/etc/secret-dir/x"), EROFS, "create in a masked dir");
    f.expect(fs::is_empty("/etc/secret-dir"), "masked dir is empty");
    f.expect(read_text("/etc/secret-file").empty(), "masked file reads empty");
    f.expect(::stat("/proc/timer_list", &st) == 0 && st.st_rdev == makedev(1, 3), "/proc/timer_list masked");
    f.expect(!acpi || fs::is_empty("/proc/acpi"), "/proc/acpi masked");
    f.expect(read_text("/opt/seed") == "seed\n" && is_fs("/opt", TMPFS_MAGIC), "tmpcopyup copied into the tmpfs");
    f.expect(is_fs("/proc", PROC_SUPER_MAGIC) && is_fs("/sys", SYSFS_MAGIC), "proc and sysfs");
    f.expect(is_fs("/sys/fs/cgroup", TMPFS_MAGIC) || is_fs("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC), "cgroup mount");
    if (is_fs("/sys/fs/cgroup", TMPFS_MAGIC)) {
      f.expect(is_fs("/sys/fs/cgroup/memory", CGROUP_SUPER_MAGIC), "v1 memory hierarchy bound");
      f.expect(::access("/sys/fs/cgroup/memory/memory.limit_in_bytes", F_OK) == 0, "container memory cgroup dir");
      f.expect_errno(::mkdir("/sys/fs/cgroup/memory/sub", 0755), EROFS, "cgroup mount is read-only");
    }
    const std::string evil = host_dir_.string() + "/inside";
    f.expect(is_fs("/evil/inside", TMPFS_MAGIC) && is_fs(evil.c_str(), TMPFS_MAGIC), "symlinked dest stays inside");
    struct utsname u {};
    f.expect(::uname(&u) == 0 && std::string(u.nodename) == "container-host", "sysctl kernel.hostname");
    f.expect(run_busybox_sh("test -c /dev/null && test \"$(cat /etc/hostname)\" = container-host") == 0,
             "busybox runs and sees the bound /etc/hostname");
  });
  EXPECT_EQ(findings, "");
  EXPECT_FALSE(fs::exists(host_dir_ / "inside")) << "a mount destination escaped to the host";
  EXPECT_TRUE(fs::exists(rootfs_ / host_dir_.relative_path() / "inside"));
}

TEST_F(ContainerRoot, OverlayWritesLandInUpper) {
  Options o = base_options();
  for (const char* d : {"upper", "work", "merged"}) fs::create_directories(dir_ / d);
  o.overlay =
      Overlay{{rootfs_.string()}, (dir_ / "upper").string(), (dir_ / "work").string(), (dir_ / "merged").string()};
  o.generated_files = {{"/etc/hosts", "127.0.0.1 localhost\n", ""}};
  const std::string findings = run_in_new_mount_namespace([&](Findings& f) {
    const std::string root = prepare(o);
    f.expect(root == (dir_ / "merged").string(), "prepare returns the overlay target");
    enter(o, root);
    finish(o);
    f.expect(is_fs("/", OVERLAYFS_SUPER_MAGIC), "/ is overlayfs");
    f.expect(read_text("/etc/lowerfile") == "lower\n", "lower content visible");
    std::ofstream("/etc/newfile") << "new\n";
    f.expect(read_text("/etc/newfile") == "new\n", "write in the container");
    f.expect(run_busybox_sh("test -c /dev/null") == 0, "busybox runs on the overlay");
  });
  EXPECT_EQ(findings, "");
  EXPECT_EQ(read_text(dir_ / "upper" / "etc" / "newfile"), "new\n");
  EXPECT_EQ(read_text(dir_ / "upper" / "etc" / "hosts"), "127.0.0.1 localhost\n");
  EXPECT_FALSE(fs::exists(rootfs_ / "etc" / "newfile")) << "the lower layer was written";
  EXPECT_FALSE(fs::exists(rootfs_ / "etc" / "hosts"));
}

TEST_F(ContainerRoot, NoPivotMovesTheRoot) {
  Options o = base_options();
  o.no_pivot = true;
  const std::string findings = run_in_new_mount_namespace([&](Findings& f) {
    enter(o, prepare(o));
    finish(o);
    f.expect(!fs::exists(rootfs_) && fs::exists("/bin/busybox"), "chrooted into the rootfs");
    f.expect(run_busybox_sh("test -c /dev/zero") == 0, "busybox runs");
  });
  EXPECT_EQ(findings, "");
}

TEST_F(ContainerRoot, SharedRootPropagationStillPivots) {
  Options o = base_options();
  o.propagation = "rshared";
  const std::string findings = run_in_new_mount_namespace([&](Findings& f) {
    enter(o, prepare(o));
    finish(o);
    f.expect(!fs::exists(rootfs_) && is_fs("/proc", PROC_SUPER_MAGIC), "pivoted with rshared");
  });
  EXPECT_EQ(findings, "");
}

TEST_F(ContainerRoot, MaskedPathsNeedTheContainerProc) {
  Options o = base_options();
  o.mounts.erase(o.mounts.begin());  // no /proc
  o.masked_paths = {"/etc/secret-file"};
  const std::string findings = run_in_new_mount_namespace([&](Findings&) {
    enter(o, prepare(o));
    finish(o);
  });
  EXPECT_EQ(findings.rfind("exception: mask /etc/secret-file: /proc is not mounted in the container", 0), 0u)
      << findings;
}

TEST_F(ContainerRoot, ProcOnASymlinkIsRefused) {
  fs::remove(rootfs_ / "proc");
  fs::create_symlink(host_dir_, rootfs_ / "proc");
  Options o = base_options();
  const std::string findings = run_in_new_mount_namespace([&](Findings&) { prepare(o); });
  EXPECT_EQ(findings, "exception: mount proc on /proc: destination is a symlink\n");
}

TEST_F(ContainerRoot, MaskRefusesAFakeDevNull) {
  // /dev is a bind of a host dir (so no default nodes) whose "null" is a file.
  fs::create_directories(dir_ / "fake-dev");
  std::ofstream(dir_ / "fake-dev" / "null") << "not a device\n";
  Options o;
  o.rootfs = rootfs_.string();
  o.bundle = dir_.string();
  o.mounts = {mount_entry("/proc", "proc", "proc", {}), mount_entry("/dev", "bind", "fake-dev", {"rbind"})};
  o.masked_paths = {"/etc/secret-file"};
  const std::string findings = run_in_new_mount_namespace([&](Findings&) {
    enter(o, prepare(o));
    finish(o);
  });
  EXPECT_EQ(findings, "exception: mask: /dev/null is not the null device (char 1:3)\n");
}

// The refusing process is a grandchild inside the test's private namespace,
// so even if the guard failed nothing would reach the host.
TEST_F(ContainerRoot, RefusesItsParentsMountNamespace) {
  Options o = base_options();
  const std::string findings = run_in_new_mount_namespace([&](Findings& f) {
    int fds[2];
    f.expect(::pipe2(fds, O_CLOEXEC) == 0, "pipe");
    pid_t pid = ::fork();
    if (pid == 0) {
      std::string msg = "prepare did not refuse";
      try {
        prepare(o);
      } catch (const Error& e) {
        msg = e.what();
      }
      ssize_t ignored = ::write(fds[1], msg.data(), msg.size());
      (void)ignored;
      ::_exit(0);
    }
    ::close(fds[1]);
    char buf[256] = {};
    ssize_t n = ::read(fds[0], buf, sizeof(buf) - 1);
    ::close(fds[0]);
    ::waitpid(pid, nullptr, 0);
    const std::string msg(buf, n > 0 ? n : 0);
    f.expect(msg == "the init is still in the runtime's mount namespace (no new mount namespace?)", "refused: " + msg);
  });
  EXPECT_EQ(findings, "");
}

TEST_F(ContainerRoot, MissingBindSourceIsNamed) {
  Options o = base_options();
  o.mounts.push_back(mount_entry("/mnt/x", "bind", "no-such-dir", {"bind"}));
  const std::string findings = run_in_new_mount_namespace([&](Findings&) { prepare(o); });
  EXPECT_EQ(findings, "exception: mount no-such-dir on /mnt/x: No such file or directory\n");
}

}  // namespace
}  // namespace minirun::rootfs
