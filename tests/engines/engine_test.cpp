// Issue 5: real podman (through conmon) and containerd (its runc v2 shim)
// drive minirun as their OCI runtime.  Every test runs with minirun and with
// runc: a failure with both is a wrong test, with minirun only a minirun bug.
// No registry: the busybox rootfs of the integration tests is imported as an
// image.  Every engine keeps its state in one temp dir (containerd 1.6 puts
// its shim sockets in /run/containerd/s, hard-coded; see TearDown).
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "../integration/harness.h"

namespace minirun::test {
namespace {

using nlohmann::json;

std::string g_dir;          // everything of the engines lives here
std::string g_ctr_socket;   // containerd's grpc socket
pid_t g_containerd = -1;
bool g_run_containerd_made = false;  // /run/containerd did not exist before us
std::string g_skip_podman, g_skip_containerd;
// The engines' cgroup driver: "systemd" inside scripts/systemd-testbed.sh
// (MINIRUN_ENGINE_CGROUP_MANAGER=systemd, ctest systemd_engines), where they
// hand the runtime --systemd-cgroup; else cgroupfs.
const std::string g_cgroup_manager =
    getenv("MINIRUN_ENGINE_CGROUP_MANAGER") ? getenv("MINIRUN_ENGINE_CGROUP_MANAGER") : "cgroupfs";

// Parent cgroups the engines make (podman's cgroupfs parent, containerd's
// namespace) in every hierarchy; those that were not there before are
// removed at the end (runc leaves them).
const char* const kEngineCgroups[] = {"libpod_parent", "default"};
std::vector<std::string> g_cgroups_made;

std::vector<std::string> engine_cgroup_dirs() {
  std::vector<std::string> dirs;
  for (const auto& h : split_lines(run_command({"sh", "-c", "ls -d /sys/fs/cgroup/*/"}).out))
    for (const char* name : kEngineCgroups) dirs.push_back(h + name);
  return dirs;
}

bool have(const std::string& prog) { return run_command({"sh", "-c", "command -v " + prog}).code == 0; }

// The .deb scripts/package.sh makes (CPack), unpacked with dpkg-deb -x
// under g_dir: the host's /usr is never touched.  Made once.
std::string g_deb;
std::string installed_deb_minirun() {
  static std::string bin = [] {
    Result p = run_command({"env", "BUILD_DIR=" BUILD_DIR, SOURCE_DIR "/scripts/package.sh"}, "", 600);
    if (p.code != 0 || split_lines(p.out).empty()) {
      ADD_FAILURE() << "scripts/package.sh failed: " << p.err;
      return std::string();
    }
    g_deb = split_lines(p.out).back();
    Result x = run_command({"dpkg-deb", "-x", g_deb, g_dir + "/deb"});
    if (x.code != 0) ADD_FAILURE() << "dpkg-deb -x " << g_deb << ": " << x.err;
    return g_dir + "/deb/usr/bin/minirun";
  }();
  return bin;
}

std::string runtime_path(const std::string& name) {
  if (name == "minirun") return MINIRUN_BIN;
  if (name == "minirun-deb") return installed_deb_minirun();
  Result r = run_command({"sh", "-c", "command -v runc || ls /usr/sbin/runc"});
  return split_lines(r.out).empty() ? "" : split_lines(r.out)[0];
}

std::vector<std::string> podman_base() {
  return {"podman",           "--root",    g_dir + "/podman/root", "--runroot", g_dir + "/podman/runroot",
          "--tmpdir",         g_dir + "/podman/tmp", "--storage-driver", "vfs", "--cgroup-manager", g_cgroup_manager,
          "--events-backend", "file"};
}

// Runs argv on a new pty (its controlling terminal), typing `input`.
Result run_on_pty(const std::vector<std::string>& argv, const std::string& input = "", int timeout_s = 60) {
  int master, slave;
  struct winsize ws = {24, 80, 0, 0};
  Result r;
  if (openpty(&master, &slave, nullptr, nullptr, &ws) != 0) return r;
  pid_t pid = fork();
  if (pid == 0) {
    setsid();
    ioctl(slave, TIOCSCTTY, 0);
    for (int fd = 0; fd < 3; ++fd) dup2(slave, fd);
    close(master);
    close(slave);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(slave);
  if (!input.empty()) (void)!write(master, input.data(), input.size());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  int status = 0;
  bool exited = false;
  while (std::chrono::steady_clock::now() < deadline) {
    struct pollfd p = {master, POLLIN, 0};
    if (poll(&p, 1, 50) > 0) {
      char buf[4096];
      ssize_t n = read(master, buf, sizeof buf);
      if (n > 0) {
        r.out.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (exited) break;  // EIO: drained
    }
    if (!exited && waitpid(pid, &status, WNOHANG) == pid) exited = true;
    else if (exited) break;
  }
  if (!exited) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    r.err = "[timed out]";
  }
  close(master);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

class EngineEnv : public ::testing::Environment {
 public:
  void SetUp() override {
    g_dir = make_temp_dir("minirun-engines");
    for (const auto& d : engine_cgroup_dirs())
      if (!path_exists(d)) g_cgroups_made.push_back(d);
    std::string tar = g_dir + "/rootfs.tar";
    Result t = run_command({"tar", "-C", base_rootfs(), "-cf", tar, "."});
    ASSERT_EQ(t.code, 0) << t.err;
    if (have("podman") && have("conmon")) {
      setup_podman(tar);
    } else {
      g_skip_podman = "podman or conmon is not installed (scripts/install-deps.sh installs them)";
    }
    if (have("containerd") && have("ctr") && have("containerd-shim-runc-v2")) {
      setup_containerd();
    } else {
      g_skip_containerd = "containerd is not installed (scripts/install-deps.sh installs it)";
    }
  }

  void TearDown() override {
    if (g_skip_podman.empty()) {
      auto rm = podman_base();
      rm.insert(rm.end(), {"rm", "--all", "--force", "--time", "0"});
      run_command(rm);
      auto reset = podman_base();
      reset.insert(reset.end(), {"rmi", "--all", "--force"});
      run_command(reset);
    }
    if (g_containerd > 0) {
      kill(g_containerd, SIGTERM);
      waitpid(g_containerd, nullptr, 0);
    }
    // vfs layers and containerd snapshots may still be mounted if a test died.
    unmount_under(g_dir);
    remove_tree(g_dir);
    for (const auto& d : g_cgroups_made)
      if (path_exists(d)) run_command({"find", d, "-depth", "-type", "d", "-exec", "rmdir", "{}", ";"});
    if (g_run_containerd_made) run_command({"find", "/run/containerd", "-depth", "-type", "d", "-empty", "-delete"});
  }

 private:
  static void setup_podman(const std::string& tar) {
    struct rlimit nofile, nproc;
    getrlimit(RLIMIT_NOFILE, &nofile);
    getrlimit(RLIMIT_NPROC, &nproc);
    // podman asks for 1M open files and nproc; without CAP_SYS_RESOURCE
    // (some CI sandboxes) that fails in runc too, so ask for what we have.
    // podman itself lowers its nproc to 32768.
    unsigned long long np = std::min<unsigned long long>(nproc.rlim_max, 32768);
    std::ofstream(g_dir + "/containers.conf")
        << "[containers]\nnetns = \"none\"\ndefault_ulimits = [\"nofile=" << nofile.rlim_max << ":" << nofile.rlim_max
        << "\", \"nproc=" << np << ":" << np << "\"]\n"
        // File locks under --tmpdir, not the host-wide /dev/shm/libpod_lock
        // that every other rootful podman shares (and that outlives us);
        // the network backend's lock and configs in our dir, not /etc.
        << "[network]\nnetwork_config_dir = \"" << g_dir << "/podman/networks\"\n"
        << "[engine]\ncgroup_manager = \"" << g_cgroup_manager << "\"\nevents_logger = \"file\"\nlock_type = \"file\"\n"
        << "runtime_supports_json = [\"minirun\", \"minirun-deb\", \"runc\"]\n"
        << "[engine.runtimes]\nminirun = [\"" << MINIRUN_BIN << "\"]\nrunc = [\"" << runtime_path("runc") << "\"]\n";
    std::ofstream(g_dir + "/storage.conf") << "[storage]\ndriver = \"vfs\"\ngraphroot = \"" << g_dir
                                           << "/podman/root\"\nrunroot = \"" << g_dir << "/podman/runroot\"\n";
    setenv("CONTAINERS_CONF", (g_dir + "/containers.conf").c_str(), 1);
    setenv("CONTAINERS_STORAGE_CONF", (g_dir + "/storage.conf").c_str(), 1);
    auto imp = podman_base();
    imp.insert(imp.end(), {"import", tar, "localhost/minirun-busybox:latest"});
    Result r = run_command(imp, "", 120);
    ASSERT_EQ(r.code, 0) << r.err;
  }

  static void setup_containerd() {
    // The OCI archive of the same rootfs, packed without podman.
    std::string archive = g_dir + "/busybox-oci.tar";
    Result s = run_command(
        {SOURCE_DIR "/scripts/mkimage.sh", base_rootfs(), archive, "localhost/minirun-busybox:latest"}, "", 120);
    ASSERT_EQ(s.code, 0) << s.err;
    std::string d = g_dir + "/containerd";
    run_command({"mkdir", "-p", d});
    g_ctr_socket = d + "/containerd.sock";
    std::ofstream(d + "/config.toml") << "version = 2\nroot = \"" << d << "/root\"\nstate = \"" << d
                                      << "/state\"\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"
                                      << "[grpc]\n  address = \"" << g_ctr_socket << "\"\n"
                                      << "[ttrpc]\n  address = \"" << g_ctr_socket << ".ttrpc\"\n"
                                      << "[debug]\n  address = \"\"\n[metrics]\n  address = \"\"\n"
                                      // Not /opt/containerd, which it would make and leave.
                                      << "[plugins.\"io.containerd.internal.v1.opt\"]\n  path = \"" << d << "/opt\"\n";
    g_run_containerd_made = !path_exists("/run/containerd");
    g_containerd = start_logged({"containerd", "--config", d + "/config.toml"}, d + "/containerd.log");
    Result v;
    for (int i = 0; i < 200; ++i) {
      v = run_command({"ctr", "-a", g_ctr_socket, "version"});
      if (v.code == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_EQ(v.code, 0) << "containerd did not start: " << read_text(d + "/containerd.log");
    Result i = run_command({"ctr", "-a", g_ctr_socket, "images", "import", "--base-name",
                            "localhost/minirun-busybox", archive},
                           "", 120);
    ASSERT_EQ(i.code, 0) << i.err << i.out;
  }
};

const auto* const g_env = ::testing::AddGlobalTestEnvironment(new EngineEnv);

const char* const kImage = "localhost/minirun-busybox:latest";

class EngineTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    runtime_ = runtime_path(GetParam());
    if (runtime_.empty()) GTEST_SKIP() << GetParam() << " is not installed";
    rt_root_ = make_temp_dir("minirun-engine-rt");
  }
  void TearDown() override {
    // Whatever a failed test left in the runtime's root.
    if (!state_root_.empty()) {
      for (const auto& id : runtime_ids()) run_command({runtime_, "--root", state_root_, "delete", "--force", id});
    }
    remove_tree(rt_root_);
  }
  // The runtime's own view of a container.
  std::string runtime_status(const std::string& id) {
    Result r = run_command({runtime_, "--root", state_root_, "state", id});
    return r.code == 0 ? json::parse(r.out).value("status", "") : "";
  }
  std::vector<std::string> runtime_ids() {
    return split_lines(run_command({runtime_, "--root", state_root_, "list", "-q"}).out);
  }
  std::string runtime_;
  std::string rt_root_;     // per test: the runtime's state and our wrapper
  std::string state_root_;  // the runtime's --root as the engine drives it
};

class PodmanTest : public EngineTest {
 protected:
  void SetUp() override {
    if (!g_skip_podman.empty()) GTEST_SKIP() << g_skip_podman;
    EngineTest::SetUp();
    if (runtime_.empty()) return;
    // podman passes no --root to a root runtime, and its cleanup process
    // (conmon's exit command) drops --runtime-flag: a wrapper named like the
    // runtime (podman matches runtime_supports_json by name) adds it.
    state_root_ = rt_root_ + "/state";
    wrapper_ = rt_root_ + "/bin/" + GetParam();
    run_command({"mkdir", "-p", rt_root_ + "/bin"});
    std::ofstream(wrapper_) << "#!/bin/sh\nexec " << runtime_ << " --root " << state_root_ << " \"$@\"\n";
    chmod(wrapper_.c_str(), 0755);
  }
  void TearDown() override {
    for (const auto& name : names_) podman({"rm", "--force", "--time", "0", name});
    EngineTest::TearDown();
  }
  std::vector<std::string> argv(const std::vector<std::string>& args) {
    auto a = podman_base();
    a.insert(a.end(), {"--runtime", wrapper_});
    a.insert(a.end(), args.begin(), args.end());
    return a;
  }
  Result podman(const std::vector<std::string>& args, const std::string& input = "") {
    return run_command(argv(args), input, 120);
  }
  std::string inspect(const std::string& name, const std::string& format) {
    Result r = podman({"inspect", "--format", format, name});
    return r.out.empty() ? r.out : r.out.substr(0, r.out.size() - 1);
  }
  // A detached container, removed at TearDown.
  std::string run_detached(const std::string& name, const std::vector<std::string>& cmd) {
    names_.push_back(name);
    std::vector<std::string> args = {"run", "-d", "--network", "none", "--name", name, kImage};
    args.insert(args.end(), cmd.begin(), cmd.end());
    Result r = podman(args);
    EXPECT_EQ(r.code, 0) << r.err;
    return split_lines(r.out).empty() ? "" : split_lines(r.out).back();
  }
  // podman's cleanup runs asynchronously (conmon's exit command).
  bool wait_runtime_empty() {
    return wait_until([&] { return runtime_ids().empty(); });
  }
  // What the container printed so far (conmon writes the log as it comes).
  bool logs_contain(const std::string& name, const std::string& text) {
    return podman({"logs", name}).out.find(text) != std::string::npos;
  }
  std::vector<std::string> names_;
  std::string wrapper_;
};

TEST_P(PodmanTest, RunOutputExitCodesAndRm) {
  Result r = podman({"run", "--rm", "--network", "none", kImage, "sh", "-c", "echo out; echo err >&2; exit 7"});
  EXPECT_EQ(r.code, 7) << r.err;
  EXPECT_EQ(r.out, "out\n");
  EXPECT_NE(r.err.find("err\n"), std::string::npos) << r.err;
  Result ok = podman({"run", "--rm", "--network", "none", kImage, "cat", "/etc/hostname"});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_FALSE(ok.out.empty());
  EXPECT_TRUE(wait_runtime_empty()) << "--rm deletes the container in the runtime too";
  Result ps = podman({"ps", "-a", "-q"});
  EXPECT_EQ(ps.out, "");
}

TEST_P(PodmanTest, StdinAndTty) {
  Result i = podman({"run", "--rm", "-i", "--network", "none", kImage, "sh", "-c", "tr a-z A-Z; exit 2"},
                    "piped through stdin\n");
  EXPECT_EQ(i.code, 2) << i.err;
  EXPECT_EQ(i.out, "PIPED THROUGH STDIN\n");
  Result t = run_on_pty(argv({"run", "--rm", "-t", "--network", "none", kImage, "sh", "-c",
                              "tty; [ -t 1 ] && echo is-a-tty; stty size; exit 5"}));
  EXPECT_EQ(t.code, 5) << t.out << t.err;
  EXPECT_NE(t.out.find("/dev/pts/0"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("is-a-tty"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("24 80"), std::string::npos) << "window size from the caller's pty: " << t.out;
  EXPECT_TRUE(wait_runtime_empty());
}

TEST_P(PodmanTest, DetachedExecTopInspectPauseUpdate) {
  std::string id = run_detached("busy", {"sleep", "1000"});
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(inspect("busy", "{{.State.Status}}"), "running");
  EXPECT_EQ(runtime_status(id), "running") << "podman's container is the runtime's";
  int pid = std::atoi(inspect("busy", "{{.State.Pid}}").c_str());
  EXPECT_GT(pid, 0);
  // The runtime's start returns once the init is released, before its execve.
  const std::string comm = "/proc/" + std::to_string(pid) + "/comm";
  wait_until([&] { return read_text(comm) == "sleep\n"; });
  EXPECT_EQ(read_text(comm), "sleep\n");
  // podman's cgroupfs parent is an absolute cgroupsPath.
  std::string cg = read_text("/proc/" + std::to_string(pid) + "/cgroup");
  EXPECT_NE(cg.find(":memory:/libpod_parent/libpod-" + id), std::string::npos) << cg;

  Result e = podman({"exec", "busy", "sh", "-c", "echo in-exec; exit 4"});
  EXPECT_EQ(e.code, 4) << e.err;
  EXPECT_EQ(e.out, "in-exec\n");
  Result ei = podman({"exec", "-i", "busy", "cat"}, "exec stdin\n");
  EXPECT_EQ(ei.out, "exec stdin\n") << ei.err;
  Result et = run_on_pty(argv({"exec", "-t", "busy", "sh", "-c", "tty; exit 6"}));
  EXPECT_EQ(et.code, 6) << et.out;
  EXPECT_NE(et.out.find("/dev/pts/"), std::string::npos) << et.out;
  Result missing = podman({"exec", "busy", "/no/such/cmd"});
  EXPECT_EQ(missing.code, 127) << missing.err;
  Result ed = podman({"exec", "-d", "busy", "sleep", "999"});
  EXPECT_EQ(ed.code, 0) << ed.err;

  Result top = podman({"top", "busy", "pid", "args"});
  EXPECT_EQ(top.code, 0) << top.err;
  EXPECT_NE(top.out.find("sleep 1000"), std::string::npos) << top.out;
  EXPECT_NE(top.out.find("sleep 999"), std::string::npos) << "exec -d joined the container: " << top.out;

  ASSERT_EQ(podman({"pause", "busy"}).code, 0);
  EXPECT_EQ(inspect("busy", "{{.State.Status}}"), "paused");
  EXPECT_EQ(runtime_status(id), "paused");
  std::string stat = read_text("/proc/" + std::to_string(pid) + "/status");
  EXPECT_NE(stat.find("State:\tD"), std::string::npos) << "frozen: " << stat.substr(0, 80);
  ASSERT_EQ(podman({"unpause", "busy"}).code, 0);
  EXPECT_EQ(inspect("busy", "{{.State.Status}}"), "running");
  EXPECT_EQ(runtime_status(id), "running");

  Result u = podman({"update", "--memory", "64m", "busy"});
  EXPECT_EQ(u.code, 0) << u.err;
  Result lim = podman({"exec", "busy", "cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes"});
  EXPECT_EQ(lim.out, "67108864\n") << lim.err;
  EXPECT_EQ(read_text("/sys/fs/cgroup/memory/libpod_parent/libpod-" + id + "/memory.limit_in_bytes"), "67108864\n");

  ASSERT_EQ(podman({"kill", "--signal", "KILL", "busy"}).code, 0);
  wait_until([&] { return inspect("busy", "{{.State.Status}}") == "exited"; });
  EXPECT_EQ(inspect("busy", "{{.State.Status}}"), "exited");
  EXPECT_EQ(inspect("busy", "{{.State.ExitCode}}"), "137");
  Result rm = podman({"rm", "busy"});
  EXPECT_EQ(rm.code, 0) << rm.err;
  EXPECT_TRUE(wait_runtime_empty());
  EXPECT_FALSE(path_exists("/sys/fs/cgroup/memory/libpod_parent/libpod-" + id)) << "cgroup left after rm";
}

TEST_P(PodmanTest, StopKillAndForcedRm) {
  // TERM reaches the entrypoint (pid 1 with a handler): exit 11.
  // Until the trap is set, pid 1 ignores TERM: wait for the line after it.
  std::string id =
      run_detached("stoppable", {"sh", "-c", "trap 'exit 11' TERM; echo trapped; while :; do sleep 0.1; done"});
  EXPECT_TRUE(wait_until([&] { return logs_contain("stoppable", "trapped"); })) << "the TERM trap was never set";
  Result s = podman({"stop", "--time", "10", "stoppable"});
  EXPECT_EQ(s.code, 0) << s.err;
  EXPECT_EQ(inspect("stoppable", "{{.State.Status}}"), "exited");
  EXPECT_EQ(inspect("stoppable", "{{.State.ExitCode}}"), "11") << "stop sent TERM, not KILL";
  // USR1 with a handler: the container keeps running.
  run_detached("signalled", {"sh", "-c", "trap 'echo got-usr1' USR1; echo trapped; while :; do sleep 0.1; done"});
  EXPECT_TRUE(wait_until([&] { return logs_contain("signalled", "trapped"); })) << "the USR1 trap was never set";
  EXPECT_EQ(podman({"kill", "--signal", "USR1", "signalled"}).code, 0);
  // sh runs the trap once its sleep 0.1 ends; then the line reaches the log.
  wait_until([&] { return logs_contain("signalled", "got-usr1"); });
  EXPECT_EQ(inspect("signalled", "{{.State.Status}}"), "running");
  Result logs = podman({"logs", "signalled"});
  EXPECT_NE(logs.out.find("got-usr1"), std::string::npos) << logs.out << logs.err;
  // rm -f of a running container.
  std::string busy = run_detached("forced", {"sleep", "1000"});
  Result rm = podman({"rm", "--force", "--time", "0", "forced"});
  EXPECT_EQ(rm.code, 0) << rm.err;
  EXPECT_EQ(podman({"container", "exists", "forced"}).code, 1);
  wait_until([&] { return runtime_status(busy).empty(); });
  EXPECT_EQ(runtime_status(busy), "") << "the runtime still knows " << busy;
}

TEST_P(PodmanTest, MissingEntrypointIs127) {
  Result r = podman({"run", "--rm", "--network", "none", kImage, "/no/such/entrypoint"});
  EXPECT_EQ(r.code, 127) << r.err;
  EXPECT_NE(r.err.find("/no/such/entrypoint"), std::string::npos) << r.err;
  Result bad = podman({"run", "--rm", "--network", "none", "--workdir", "/etc/passwd", kImage, "true"});
  EXPECT_NE(bad.code, 0);
  EXPECT_TRUE(wait_runtime_empty()) << "a failed create leaves nothing in the runtime";
}

// What podman's config carries that a plain bundle does not: its default
// seccomp profile (defaultErrnoRet), tmpcopyup, a numeric umask, rlimits.
TEST_P(PodmanTest, SeccompTmpcopyupUmask) {
  Result r = podman({"run", "--rm", "--network", "none", "--tmpfs", "/etc:rw,tmpcopyup", kImage, "sh", "-c",
                     "grep '^Seccomp:' /proc/self/status; umask; head -1 /etc/passwd; "
                     "grep ' /etc ' /proc/self/mountinfo | grep -c tmpfs"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "Seccomp:\t2\n0022\nroot:x:0:0:root:/root:/bin/sh\n1\n");
}

// Issue 21: podman with cgroup_manager = "systemd" hands the runtime
// --systemd-cgroup and "machine.slice:libpod:ID"; the container is in that
// scope with its limit as a unit property, and rm leaves no unit.
TEST_P(PodmanTest, SystemdCgroupManagerScopeWithMemoryLimit) {
  if (g_cgroup_manager != "systemd") GTEST_SKIP() << "needs systemd as PID 1: ctest systemd_engines";
  names_.push_back("sysd-pod");
  Result r = podman({"run", "-d", "--network", "none", "--memory", "48m", "--name", "sysd-pod", kImage, "sleep", "1000"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::string id = split_lines(r.out).back(), unit = "libpod-" + id + ".scope";
  int pid = std::atoi(inspect("sysd-pod", "{{.State.Pid}}").c_str());
  ASSERT_GT(pid, 0);
  std::string cg = read_text("/proc/" + std::to_string(pid) + "/cgroup");
  EXPECT_NE(cg.find(":memory:/machine.slice/" + unit), std::string::npos) << cg;
  EXPECT_EQ(read_text("/sys/fs/cgroup/memory/machine.slice/" + unit + "/memory.limit_in_bytes"), "50331648\n");
  EXPECT_EQ(run_command({"systemctl", "show", "-p", "MemoryLimit", "--value", unit}).out, "50331648\n");
  EXPECT_EQ(podman({"rm", "--force", "--time", "0", "sysd-pod"}).code, 0);
  EXPECT_TRUE(wait_until([&] {
    return run_command({"systemctl", "show", "-p", "LoadState", "--value", unit}).out == "not-found\n";
  })) << unit << " left after rm";
  EXPECT_FALSE(path_exists("/sys/fs/cgroup/memory/machine.slice/" + unit));
}

INSTANTIATE_TEST_SUITE_P(Runtimes, PodmanTest, ::testing::Values("minirun", "runc"),
                         [](const auto& info) { return info.param; });

// Issue 20: the package installs like a Debian tool, and podman runs
// containers through the binary it installed.
class InstalledDebTest : public PodmanTest {};

TEST_P(InstalledDebTest, PodmanRunsThroughTheInstalledBinary) {
  ASSERT_EQ(runtime_, g_dir + "/deb/usr/bin/minirun");
  EXPECT_EQ(run_command({"dpkg-deb", "-f", g_deb, "Package", "Section"}).out, "Package: minirun\nSection: admin\n");
  EXPECT_TRUE(path_exists(g_dir + "/deb/usr/share/man/man8/minirun.8.gz"));
  EXPECT_TRUE(path_exists(g_dir + "/deb/usr/share/bash-completion/completions/minirun"));
  EXPECT_EQ(run_command({runtime_, "--version"}).out, run_command({MINIRUN_BIN, "--version"}).out);
  // Every call podman makes is written down on its way to the installed binary.
  std::ofstream(wrapper_) << "#!/bin/sh\necho \"$*\" >>" << rt_root_ << "/calls\nexec " << runtime_ << " --root "
                          << state_root_ << " \"$@\"\n";
  Result r = podman({"run", "--rm", "--network", "none", kImage, "sh", "-c", "echo from the deb; exit 3"});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_EQ(r.out, "from the deb\n");
  EXPECT_NE(read_text(rt_root_ + "/calls").find("create "), std::string::npos) << read_text(rt_root_ + "/calls");
  EXPECT_TRUE(wait_runtime_empty());
}

INSTANTIATE_TEST_SUITE_P(Package, InstalledDebTest, ::testing::Values("minirun-deb"),
                         [](const auto&) { return std::string("deb"); });

class ContainerdTest : public EngineTest {
 protected:
  void SetUp() override {
    if (!g_skip_containerd.empty()) GTEST_SKIP() << g_skip_containerd;
    EngineTest::SetUp();
    state_root_ = rt_root_ + "/default";  // the shim adds the namespace
    fifo_dir_ = make_temp_dir("minirun-ctr-fifo");
  }
  void TearDown() override {
    for (const auto& id : ids_) {
      ctr({"task", "kill", "--signal", "KILL", id});
      for (int i = 0; i < 40 && ctr({"task", "delete", id}).code != 0 && task_status(id) != ""; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      ctr({"container", "delete", id});
    }
    remove_tree(fifo_dir_);
    EngineTest::TearDown();
  }
  std::vector<std::string> ctr_argv(const std::vector<std::string>& args) {
    std::vector<std::string> a = {"ctr", "-a", g_ctr_socket};
    a.insert(a.end(), args.begin(), args.end());
    return a;
  }
  Result ctr(const std::vector<std::string>& args, const std::string& input = "") {
    return run_command(ctr_argv(args), input, 120);
  }
  std::vector<std::string> run_args(const std::string& id, std::vector<std::string> flags,
                                    const std::vector<std::string>& cmd) {
    ids_.push_back(id);
    std::vector<std::string> a = {"run", "--runc-binary", runtime_, "--runc-root", rt_root_, "--fifo-dir", fifo_dir_};
    a.insert(a.end(), flags.begin(), flags.end());
    a.insert(a.end(), {kImage, id});
    a.insert(a.end(), cmd.begin(), cmd.end());
    return a;
  }
  // "RUNNING", "PAUSED", "STOPPED" or "" from `ctr task ls`.
  std::string task_status(const std::string& id) {
    for (const auto& line : split_lines(ctr({"task", "ls"}).out)) {
      std::stringstream f(line);
      std::string name, pid, status;
      f >> name >> pid >> status;
      if (name == id) return status;
    }
    return "";
  }
  std::string fifo_dir_;
  std::vector<std::string> ids_;
};

TEST_P(ContainerdTest, RunOutputAndExitCode) {
  Result r = ctr(run_args("ctr-run", {"--rm"}, {"sh", "-c", "echo hi-from-ctr; exit 3"}));
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_EQ(r.out, "hi-from-ctr\n");
  EXPECT_TRUE(runtime_ids().empty()) << "the shim deleted it in the runtime";
  Result missing = ctr(run_args("ctr-missing", {"--rm"}, {"/no/such/entrypoint"}));
  EXPECT_NE(missing.code, 0);
  EXPECT_NE(missing.err.find("/no/such/entrypoint"), std::string::npos) << missing.err;
}

TEST_P(ContainerdTest, DetachedExecPsPauseResumeKillDelete) {
  Result r = ctr(run_args("ctr-d", {"-d"}, {"sleep", "1000"}));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(task_status("ctr-d"), "RUNNING");
  EXPECT_EQ(runtime_status("ctr-d"), "running");
  Result e = ctr({"task", "exec", "--fifo-dir", fifo_dir_, "--exec-id", "e1", "ctr-d", "sh", "-c", "echo execd; exit 2"});
  EXPECT_EQ(e.code, 2) << e.err;
  EXPECT_EQ(e.out, "execd\n");
  Result et = run_on_pty(ctr_argv({"task", "exec", "--fifo-dir", fifo_dir_, "-t", "--exec-id", "e2", "ctr-d", "sh", "-c", "tty; exit 5"}));
  EXPECT_EQ(et.code, 5) << et.out;
  EXPECT_NE(et.out.find("/dev/pts/"), std::string::npos) << et.out;

  Result ps = ctr({"task", "ps", "ctr-d"});
  EXPECT_EQ(ps.code, 0) << ps.err;
  auto lines = split_lines(ps.out);
  ASSERT_EQ(lines.size(), 2u) << ps.out;
  std::string pid = lines[1].substr(0, lines[1].find(' '));
  wait_until([&] { return read_text("/proc/" + pid + "/comm") == "sleep\n"; });  // start returns before the execve
  EXPECT_EQ(read_text("/proc/" + pid + "/comm"), "sleep\n");

  ASSERT_EQ(ctr({"task", "pause", "ctr-d"}).code, 0);
  EXPECT_EQ(task_status("ctr-d"), "PAUSED");
  EXPECT_EQ(runtime_status("ctr-d"), "paused");
  ASSERT_EQ(ctr({"task", "resume", "ctr-d"}).code, 0);
  EXPECT_EQ(task_status("ctr-d"), "RUNNING");
  EXPECT_EQ(runtime_status("ctr-d"), "running");

  ASSERT_EQ(ctr({"task", "kill", "--signal", "KILL", "ctr-d"}).code, 0);
  wait_until([&] { return task_status("ctr-d") == "STOPPED"; });
  EXPECT_EQ(task_status("ctr-d"), "STOPPED");
  Result del = ctr({"task", "delete", "ctr-d"});
  EXPECT_EQ(del.code, 0) << del.err;
  EXPECT_EQ(task_status("ctr-d"), "");
  EXPECT_TRUE(runtime_ids().empty()) << "the runtime state is gone after task delete";
  EXPECT_EQ(ctr({"container", "delete", "ctr-d"}).code, 0);
}

TEST_P(ContainerdTest, TtyTask) {
  Result t = run_on_pty(ctr_argv(run_args("ctr-tty", {"--rm", "-t"}, {"sh", "-c", "tty; [ -t 0 ] && echo in-tty; exit 4"})));
  EXPECT_EQ(t.code, 4) << t.out;
  EXPECT_NE(t.out.find("/dev/pts/0"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("in-tty"), std::string::npos) << t.out;
}

// Issue 21: containerd's runc shim with SystemdCgroup = true (ctr's
// --runc-systemd-cgroup) runs a container with a memory limit in a scope.
TEST_P(ContainerdTest, SystemdCgroupMemoryLimitIsEnforced) {
  if (g_cgroup_manager != "systemd") GTEST_SKIP() << "needs systemd as PID 1: ctest systemd_engines";
  auto flags = [](const std::string& id) {
    return std::vector<std::string>{"--rm", "--runc-systemd-cgroup", "--cgroup", "system.slice:sysd-ctr:" + id,
                                    "--memory-limit", std::to_string(32 << 20)};
  };
  Result hog = ctr(run_args("sysd-ctr-hog", flags("sysd-ctr-hog"), {"probe", "memhog", "100"}));
  EXPECT_EQ(hog.code, 137) << hog.out << hog.err;
  Result ok = ctr(run_args("sysd-ctr-ok", flags("sysd-ctr-ok"),
                           {"sh", "-c", "probe memhog 16; cat /proc/self/cgroup | grep memory"}));
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_NE(ok.out.find("allocated 16 MiB"), std::string::npos) << ok.out;
  for (const std::string unit : {"sysd-ctr-sysd-ctr-hog.scope", "sysd-ctr-sysd-ctr-ok.scope"}) {
    EXPECT_TRUE(wait_until([&] {
      return run_command({"systemctl", "show", "-p", "LoadState", "--value", unit}).out == "not-found\n";
    })) << unit;
    EXPECT_FALSE(path_exists("/sys/fs/cgroup/memory/system.slice/" + unit));
  }
}

INSTANTIATE_TEST_SUITE_P(Runtimes, ContainerdTest, ::testing::Values("minirun", "runc"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace minirun::test
