// Issue 16: Kubernetes reaches minirun through containerd's CRI plugin, with
// minirun as the runtime of a RuntimeClass handler.  This drives that path as
// kubelet does, over the CRI's gRPC API (through one cri/cri.py), on a
// private containerd 1.6 whose config has two handlers: `minirun` and, as the
// reference, `runc`.  Every test runs with both: a failure with both is a
// wrong test, with minirun only a minirun bug.
//
// Nothing is pulled: the sandbox image is a static `pause` and the container
// image the integration tests' busybox rootfs, packed by scripts/mkimage.sh.
// The whole test process moves into a network namespace of its own first, so
// containerd, its shims, the CNI bridge and the pods' veths are all in there
// and no packet leaves the machine.  containerd keeps its root, state,
// sockets, CNI config and IPAM in one temp dir; what it puts elsewhere on its
// own (/run/containerd/s for shim sockets, /var/lib/cni/results for the CNI
// cache) is removed at the end if it was not there before.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "../integration/harness.h"

namespace minirun::test {
namespace {

using nlohmann::json;

const char* const kPython = "/usr/bin/python3";  // Debian's, with python3-grpcio (not a pyenv one on PATH)
const char* const kPauseImage = "localhost/k8s-pause:1";
const char* const kBusyboxImage = "localhost/k8s-busybox:1";
const char* const kPodNet = "10.247.16.";  // the bridge's /24, inside our netns
const char* const kCniBin = "/usr/lib/cni";

std::string g_dir;     // containerd's everything
std::string g_socket;  // its gRPC socket, which serves the CRI
std::string g_skip;
std::string g_cgroup_parent;  // the pods' parent cgroup, as kubelet's /kubepods
pid_t g_containerd = -1;
bool g_run_containerd_made = false;  // containerd 1.6 hard-codes /run/containerd/s
bool g_var_lib_cni_made = false;     // and libcni its cache in /var/lib/cni

bool have(const std::string& prog) { return run_command({"sh", "-c", "command -v " + prog}).code == 0; }

// The handler's runtime binary, "" when it is not installed.
std::string runtime_binary(const std::string& handler) {
  if (handler == "minirun") return MINIRUN_BIN;
  auto found = split_lines(run_command({"sh", "-c", "command -v runc || ls /usr/sbin/runc"}).out);
  return found.empty() ? "" : found[0];
}

// The --root the shim gives the runtime: the handler's Root plus the CRI's
// containerd namespace.
std::string runtime_root(const std::string& handler) { return g_dir + "/roots/" + handler + "/k8s.io"; }

struct Cri {
  bool ok = false;
  json out;         // the response, every field present
  std::string err;  // "cri.py: METHOD: CODE: details" when !ok
};

// One cri.py for the whole run, a request and an answer per line: a Python
// and grpc start per call would cost a third of a second each.
pid_t g_driver = -1;
FILE* g_to_driver = nullptr;
FILE* g_from_driver = nullptr;

void start_driver() {
  int to[2], from[2];
  signal(SIGPIPE, SIG_IGN);  // a dead driver is an error answer, not our end
  if (pipe2(to, O_CLOEXEC) != 0 || pipe2(from, O_CLOEXEC) != 0) return;
  g_driver = fork();
  if (g_driver == 0) {
    dup2(to[0], 0);
    dup2(from[1], 1);
    execl(kPython, kPython, SOURCE_DIR "/tests/engines/cri/cri.py", g_socket.c_str(), (g_dir + "/stubs").c_str(), "-",
          nullptr);
    _exit(127);
  }
  close(to[0]);
  close(from[1]);
  g_to_driver = fdopen(to[1], "w");
  g_from_driver = fdopen(from[0], "r");
}

void stop_driver() {
  if (g_to_driver) fclose(g_to_driver);  // EOF: it exits
  if (g_from_driver) fclose(g_from_driver);
  if (g_driver > 0) waitpid(g_driver, nullptr, 0);
  g_to_driver = g_from_driver = nullptr;
  g_driver = -1;
}

Cri cri(const std::string& method, const json& request = json::object()) {
  Cri c;
  if (!g_to_driver || std::fprintf(g_to_driver, "%s %s\n", method.c_str(), request.dump().c_str()) < 0 ||
      std::fflush(g_to_driver) != 0) {
    c.err = "cri.py is not running";
    return c;
  }
  char* line = nullptr;
  size_t size = 0;
  ssize_t n = getline(&line, &size, g_from_driver);
  json answer = n > 0 ? json::parse(std::string(line, static_cast<size_t>(n)), nullptr, false) : json();
  free(line);
  if (!answer.is_object()) {
    c.err = "cri.py gave no answer to " + method;
    return c;
  }
  c.ok = answer.value("ok", false);
  c.out = c.ok ? answer["response"] : json::object();
  c.err = answer.value("error", "");
  return c;
}

// protobuf's JSON has 64-bit integers as strings.
long long num(const json& j) {
  if (j.is_string()) return std::stoll(j.get<std::string>());
  return j.is_number() ? j.get<long long>() : -1;
}

std::vector<std::string> cgroup_hierarchies() {
  return split_lines(run_command({"sh", "-c", "ls -d /sys/fs/cgroup/*/"}).out);
}

// What keeps the test from running, "" when it can.
std::string missing_prerequisite() {
  if (geteuid() != 0) return "needs root";
  for (const char* tool : {"containerd", "ctr", "containerd-shim-runc-v2", "jq", "ip", "tar", "sha256sum"})
    if (!have(tool)) return std::string(tool) + " is not installed (scripts/install-deps.sh installs it)";
  for (const char* plugin : {"bridge", "host-local", "loopback"})
    if (!path_exists(std::string(kCniBin) + "/" + plugin))
      return std::string("no CNI plugin ") + kCniBin + "/" + plugin + " (containernetworking-plugins)";
  if (run_command({kPython, "-c", "import grpc, grpc_tools.protoc, google.protobuf"}).code != 0)
    return std::string(kPython) + " cannot import grpc and grpc_tools (python3-grpcio, python3-grpc-tools)";
  return "";
}

class K8sEnv : public ::testing::Environment {
 public:
  void SetUp() override {
    g_skip = missing_prerequisite();
    if (!g_skip.empty()) return;
    g_dir = make_temp_dir("k8s-cri");
    ASSERT_FALSE(g_dir.empty());
    g_socket = g_dir + "/containerd.sock";
    g_cgroup_parent = "/k8s-cri-" + std::to_string(getpid());
    if (unshare(CLONE_NEWNET) != 0) {
      g_skip = std::string("cannot make a network namespace: ") + std::strerror(errno);
      return;
    }
    Result lo = run_command({"ip", "link", "set", "lo", "up"});  // containerd's stream server binds 127.0.0.1
    ASSERT_EQ(lo.code, 0) << lo.err;
    make_images();
    write_config();
    start_containerd();
  }

  void TearDown() override {
    if (g_dir.empty()) return;
    stop_driver();
    if (g_containerd > 0) {
      kill(g_containerd, SIGTERM);
      waitpid(g_containerd, nullptr, 0);
    }
    // Shims of pods a failed test left: they name our socket in their args.
    for (const auto& pid : split_lines(run_command({"pgrep", "-f", "containerd-shim.*" + g_socket}).out))
      kill(std::stoi(pid), SIGKILL);
    unmount_under(g_dir);
    remove_tree(g_dir);
    for (const auto& h : cgroup_hierarchies())
      if (path_exists(h + g_cgroup_parent))
        run_command({"find", h + g_cgroup_parent, "-depth", "-type", "d", "-exec", "rmdir", "{}", ";"});
    if (g_run_containerd_made) run_command({"find", "/run/containerd", "-depth", "-type", "d", "-empty", "-delete"});
    if (g_var_lib_cni_made) run_command({"find", "/var/lib/cni", "-depth", "-type", "d", "-empty", "-delete"});
  }

 private:
  static void make_images() {
    std::string pause_root = g_dir + "/pause-rootfs";
    Result cp = run_command({"install", "-D", "-m", "0755", PAUSE_BIN, pause_root + "/pause"});
    ASSERT_EQ(cp.code, 0) << cp.err;
    Result p = run_command({SOURCE_DIR "/scripts/mkimage.sh", pause_root, g_dir + "/pause.tar", kPauseImage, "/pause"});
    ASSERT_EQ(p.code, 0) << p.err;
    Result b = run_command({SOURCE_DIR "/scripts/mkimage.sh", base_rootfs(), g_dir + "/busybox.tar", kBusyboxImage});
    ASSERT_EQ(b.code, 0) << b.err;
  }

  static void write_config() {
    const std::string cni = g_dir + "/cni";
    run_command({"mkdir", "-p", cni + "/net.d"});
    std::ofstream(cni + "/net.d/10-k8s.conflist")
        << R"({"cniVersion": "0.4.0", "name": "k8s-minirun", "plugins": [{"type": "bridge", "bridge": "k8s-cni0",)"
        << R"( "isGateway": true, "ipMasq": false, "ipam": {"type": "host-local", "ranges": [[{"subnet": ")" << kPodNet
        << R"(0/24"}]], "dataDir": ")" << cni << R"(/ipam"}}]})"
        << "\n";
    const std::string cri = "[plugins.\"io.containerd.grpc.v1.cri\"";
    std::ofstream conf(g_dir + "/config.toml");
    conf << "version = 2\nroot = \"" << g_dir << "/root\"\nstate = \"" << g_dir << "/state\"\n"
         << "[grpc]\n  address = \"" << g_socket << "\"\n[ttrpc]\n  address = \"" << g_socket << ".ttrpc\"\n"
         << "[debug]\n  address = \"\"\n[metrics]\n  address = \"\"\n"
         << "[plugins.\"io.containerd.internal.v1.opt\"]\n  path = \"" << g_dir << "/opt\"\n"
         << cri << "]\n  sandbox_image = \"" << kPauseImage
         << "\"\n"
         // This VM's root cannot lower oom_score_adj: pods would fail with
         // both runtimes.
         << "  restrict_oom_score_adj = true\n"
         << "  netns_mounts_under_state_dir = true\n"  // not /var/run/netns
         << cri << ".cni]\n  bin_dir = \"" << kCniBin << "\"\n  conf_dir = \"" << cni << "/net.d\"\n";
    for (const std::string handler : {"minirun", "runc"}) {
      std::string bin = runtime_binary(handler);
      if (bin.empty()) continue;
      // Root's parent does not exist yet: the runtime makes it, as on a
      // fresh node (issue 16).
      conf << cri << ".containerd.runtimes." << handler << "]\n  runtime_type = \"io.containerd.runc.v2\"\n"
           << cri << ".containerd.runtimes." << handler << ".options]\n  BinaryName = \"" << bin << "\"\n  Root = \""
           << g_dir << "/roots/" << handler << "\"\n";
    }
  }

  static void start_containerd() {
    g_run_containerd_made = !path_exists("/run/containerd");
    g_var_lib_cni_made = !path_exists("/var/lib/cni");
    g_containerd = start_logged({"containerd", "--config", g_dir + "/config.toml"}, g_dir + "/containerd.log");
    start_driver();
    Cri v;
    for (int i = 0; i < 300 && !(v = cri("Version")).ok; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_TRUE(v.ok) << "containerd's CRI did not answer: " << v.err << read_text(g_dir + "/containerd.log");
    EXPECT_EQ(v.out.value("runtime_api_version", ""), "v1");
    for (const std::string image : {"pause", "busybox"}) {
      Result i = run_command({"ctr", "-a", g_socket, "-n", "k8s.io", "images", "import", g_dir + "/" + image + ".tar"},
                             "", 120);
      ASSERT_EQ(i.code, 0) << i.err << i.out;
    }
    for (const char* image : {kPauseImage, kBusyboxImage})
      EXPECT_TRUE(wait_until([&] {
        return !cri("ImageStatus", {{"image", {{"image", image}}}}).out["image"].value("id", "").empty();
      })) << "the CRI does not see "
          << image;
  }
};

const auto* const g_env = ::testing::AddGlobalTestEnvironment(new K8sEnv);

class K8sTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!g_skip.empty()) GTEST_SKIP() << g_skip;
    runtime_ = runtime_binary(GetParam());
    if (runtime_.empty()) GTEST_SKIP() << GetParam() << " is not installed";
  }
  void TearDown() override {
    // What a failed test left, as kubelet would remove it.
    for (const auto& id : containers_) cri("RemoveContainer", {{"container_id", id}});
    for (const auto& id : sandboxes_) {
      cri("StopPodSandbox", {{"pod_sandbox_id", id}});
      cri("RemovePodSandbox", {{"pod_sandbox_id", id}});
    }
    for (auto m = mounts_.rbegin(); m != mounts_.rend(); ++m) umount2(m->c_str(), MNT_DETACH);
  }

  json pod_config(const std::string& name, bool privileged) {
    return {{"metadata", {{"name", name}, {"uid", name + "-uid"}, {"namespace", "k8s-test"}}},
            {"hostname", name},
            {"linux",
             {{"cgroup_parent", g_cgroup_parent},
              {"security_context", {{"namespace_options", {{"pid", "CONTAINER"}}}, {"privileged", privileged}}}}}};
  }

  // RunPodSandbox with the handler under test, as a RuntimeClass asks.
  std::string run_pod(const json& config) {
    Cri r = cri("RunPodSandbox", {{"config", config}, {"runtime_handler", GetParam()}});
    EXPECT_TRUE(r.ok) << r.err;
    std::string id = r.ok ? r.out.value("pod_sandbox_id", "") : "";
    if (!id.empty()) sandboxes_.push_back(id);
    return id;
  }

  // A busybox container of the pod, started.
  std::string start_container(const std::string& pod, const json& pod_config, const std::string& name,
                              const std::vector<std::string>& command, const json& extra = json::object()) {
    json config = {{"metadata", {{"name", name}}},
                   {"image", {{"image", kBusyboxImage}}},
                   {"command", command},
                   // kubelet's default: a pid namespace per container.
                   {"linux", {{"security_context", {{"namespace_options", {{"pid", "CONTAINER"}}}}}}}};
    config.merge_patch(extra);
    Cri c = cri("CreateContainer", {{"pod_sandbox_id", pod}, {"config", config}, {"sandbox_config", pod_config}});
    EXPECT_TRUE(c.ok) << c.err;
    if (!c.ok) return "";
    std::string id = c.out.value("container_id", "");
    containers_.push_back(id);
    Cri s = cri("StartContainer", {{"container_id", id}});
    EXPECT_TRUE(s.ok) << s.err;
    return id;
  }

  Cri exec_sync(const std::string& id, const std::vector<std::string>& cmd) {
    Cri r = cri("ExecSync", {{"container_id", id}, {"cmd", cmd}, {"timeout", 30}});
    EXPECT_TRUE(r.ok) << r.err;
    return r;
  }

  std::string container_state(const std::string& id) {
    return cri("ContainerStatus", {{"container_id", id}}).out["status"].value("state", "");
  }

  // The runtime's own view: `RUNTIME --root ROOT state ID`.
  json runtime_state(const std::string& id) {
    Result r = run_command({runtime_, "--root", runtime_root(GetParam()), "state", id});
    return r.code == 0 ? json::parse(r.out, nullptr, false) : json::object();
  }
  std::vector<std::string> runtime_ids() {
    return split_lines(run_command({runtime_, "--root", runtime_root(GetParam()), "list", "-q"}).out);
  }

  // Stops and removes the pod as kubelet does, and checks that nothing of it
  // is left: in the CRI, the runtime, the cgroups, the mounts, the
  // processes, the network.
  void remove_pod_and_expect_nothing_left(const std::string& pod, const std::vector<std::string>& containers,
                                          const std::vector<int>& pids) {
    for (const auto& id : containers) {
      Cri r = cri("RemoveContainer", {{"container_id", id}});
      EXPECT_TRUE(r.ok) << r.err;
    }
    Cri stop = cri("StopPodSandbox", {{"pod_sandbox_id", pod}});
    EXPECT_TRUE(stop.ok) << stop.err;
    Cri rm = cri("RemovePodSandbox", {{"pod_sandbox_id", pod}});
    EXPECT_TRUE(rm.ok) << rm.err;
    EXPECT_FALSE(cri("PodSandboxStatus", {{"pod_sandbox_id", pod}}).ok) << "the CRI still knows the pod";
    std::vector<std::string> ids = containers;
    ids.push_back(pod);
    EXPECT_TRUE(runtime_ids().empty()) << GetParam() << " still lists containers";
    std::string mounts = read_text("/proc/self/mountinfo");
    for (const auto& id : ids) {
      EXPECT_FALSE(path_exists(runtime_root(GetParam()) + "/" + id)) << "state dir of " << id << " left";
      for (const auto& h : cgroup_hierarchies())
        EXPECT_FALSE(path_exists(h + g_cgroup_parent + "/" + id))
            << "cgroup left: " << h << g_cgroup_parent << "/" << id;
      EXPECT_EQ(mounts.find(id), std::string::npos) << "a mount of " << id << " is left";
      EXPECT_FALSE(path_exists("/var/lib/cni/results/k8s-minirun-" + id + "-eth0")) << "CNI result left";
    }
    EXPECT_EQ(mounts.find(g_dir + "/state/io.containerd.grpc.v1.cri/netns/"), std::string::npos)
        << "the pod's netns is still mounted";
    for (int pid : pids)
      EXPECT_TRUE(wait_until([&] { return kill(pid, 0) != 0 && errno == ESRCH; })) << "process " << pid << " is left";
    EXPECT_TRUE(wait_until([&] {
      return run_command({"pgrep", "-f", "containerd-shim.*-id " + pod}).out.empty();
    })) << "the pod's shim is still running";
    Result veths = run_command({"ip", "-o", "link", "show", "type", "veth"});
    EXPECT_EQ(veths.out, "") << "the pod's veth is left";
    containers_.clear();
    sandboxes_.clear();
  }

  std::string runtime_;
  std::vector<std::string> sandboxes_, containers_, mounts_;
};

std::string ns_of(int pid, const std::string& ns) {
  char buf[64] = {};
  std::string link = "/proc/" + std::to_string(pid) + "/ns/" + ns;
  ssize_t n = readlink(link.c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

// A pod as kubelet makes one: sandbox, then a container that joins the
// sandbox's network, IPC and UTS namespaces; ExecSync, stats and a resource
// update on it; then stop and remove, which leave nothing behind.
TEST_P(K8sTest, PodLifecycleExecStatsUpdate) {
  json pod_cfg = pod_config("k8s-pod-a", false);
  std::string pod = run_pod(pod_cfg);
  ASSERT_FALSE(pod.empty());
  Cri st = cri("PodSandboxStatus", {{"pod_sandbox_id", pod}});
  ASSERT_TRUE(st.ok) << st.err;
  EXPECT_EQ(st.out["status"].value("state", ""), "SANDBOX_READY");
  EXPECT_EQ(st.out["status"].value("runtime_handler", ""), GetParam());
  std::string ip = st.out["status"]["network"].value("ip", "");
  EXPECT_EQ(ip.rfind(kPodNet, 0), 0u) << "pod IP " << ip << " is not from the bridge's subnet";

  // It is the handler's runtime that runs the sandbox, and the sandbox is pause.
  json sb = runtime_state(pod);
  EXPECT_EQ(sb.value("status", ""), "running") << GetParam() << " does not know the sandbox";
  int pause_pid = sb.value("pid", 0);
  ASSERT_GT(pause_pid, 0);
  EXPECT_EQ(read_text("/proc/" + std::to_string(pause_pid) + "/cmdline"), std::string("/pause\0", 7));
  std::string other = GetParam() == "minirun" ? "runc" : "minirun";
  EXPECT_FALSE(path_exists(runtime_root(other) + "/" + pod)) << "the sandbox ran with " << other;

  // A trap so that StopContainer's TERM ends it with a status of its own.
  std::string box =
      start_container(pod, pod_cfg, "box", {"sh", "-c", "trap 'exit 42' TERM; while :; do sleep 0.1; done"});
  ASSERT_FALSE(box.empty());
  EXPECT_EQ(container_state(box), "CONTAINER_RUNNING");
  EXPECT_EQ(runtime_ids().size(), 2u) << "sandbox and container, both in " << GetParam();
  int box_pid = runtime_state(box).value("pid", 0);
  ASSERT_GT(box_pid, 0);

  // The container is in the pod's network, IPC and UTS namespaces, not its pid one.
  for (const std::string ns : {"net", "ipc", "uts", "pid"}) {
    Cri r = exec_sync(box, {"readlink", "/proc/self/ns/" + ns});
    std::string inside = r.out.value("stdout", "");
    if (ns == "pid")
      EXPECT_NE(inside, ns_of(pause_pid, ns) + "\n") << "kubelet's default is a pid namespace per container";
    else
      EXPECT_EQ(inside, ns_of(pause_pid, ns) + "\n") << ns << " namespace is not the sandbox's";
  }
  Cri addr = exec_sync(box, {"sh", "-c", "ip -4 -o addr show eth0; hostname"});
  EXPECT_NE(addr.out.value("stdout", "").find("inet " + ip + "/24"), std::string::npos) << addr.out.dump();
  EXPECT_NE(addr.out.value("stdout", "").find("\nk8s-pod-a\n"), std::string::npos) << addr.out.dump();

  // ExecSync: output streams and the exit code come back separately.
  Cri e = exec_sync(box, {"sh", "-c", "echo out; echo err >&2; exit 7"});
  EXPECT_EQ(e.out.value("stdout", ""), "out\n");
  EXPECT_EQ(e.out.value("stderr", ""), "err\n");
  EXPECT_EQ(e.out.value("exit_code", -1), 7);
  Cri missing = cri("ExecSync", {{"container_id", box}, {"cmd", {"/no/such/cmd"}}, {"timeout", 30}});
  EXPECT_TRUE(!missing.ok || missing.out.value("exit_code", 0) != 0) << "a missing binary ran: " << missing.out.dump();
  EXPECT_NE((missing.err + missing.out.dump()).find("/no/such/cmd"), std::string::npos) << missing.err;

  // Stats: the exec'd processes above ran in the container's cgroup.
  Cri stats = cri("ContainerStats", {{"container_id", box}});
  ASSERT_TRUE(stats.ok) << stats.err;
  EXPECT_GT(num(stats.out["stats"]["cpu"]["usage_core_nano_seconds"]["value"]), 0) << stats.out.dump();
  EXPECT_GT(num(stats.out["stats"]["memory"]["working_set_bytes"]["value"]), 0) << stats.out.dump();

  // UpdateContainerResources: the new limits are the container's, and the
  // memory limit holds (no swap here, or the hog would swap, not die).
  Cri up =
      cri("UpdateContainerResources",
          {{"container_id", box},
           {"linux",
            {{"memory_limit_in_bytes", 64 << 20}, {"cpu_period", 100000}, {"cpu_quota", 50000}, {"cpu_shares", 512}}}});
  ASSERT_TRUE(up.ok) << up.err;
  Cri lim = exec_sync(box, {"cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us",
                            "/sys/fs/cgroup/cpu/cpu.shares"});
  EXPECT_EQ(lim.out.value("stdout", ""), "67108864\n50000\n512\n") << lim.out.dump();
  if (!host_has_swap()) {
    Cri hog = exec_sync(box, {"probe", "memhog", "100"});
    EXPECT_EQ(hog.out.value("exit_code", 0), 137) << "100 MiB under a 64 MiB limit: " << hog.out.dump();
    EXPECT_EQ(container_state(box), "CONTAINER_RUNNING") << "the OOM kill took the container";
  }

  // StopContainer sends TERM first: the trap's status, not a KILL's.
  Cri stop = cri("StopContainer", {{"container_id", box}, {"timeout", 10}});
  EXPECT_TRUE(stop.ok) << stop.err;
  Cri cs = cri("ContainerStatus", {{"container_id", box}});
  EXPECT_EQ(cs.out["status"].value("state", ""), "CONTAINER_EXITED");
  EXPECT_EQ(cs.out["status"].value("exit_code", -1), 42) << cs.out.dump();
  remove_pod_and_expect_nothing_left(pod, {box}, {pause_pid, box_pid});
}

// A volume with mountPropagation: Bidirectional (a privileged container, as
// Kubernetes requires): containerd sets the bind mount rshared and the
// rootfs propagation "rshared".  A mount made on the host under the volume
// appears in the container, and one made in the container appears on the host.
TEST_P(K8sTest, BidirectionalMount) {
  std::string shared = g_dir + "/shared-" + GetParam();
  run_command({"mkdir", "-p", shared});
  // The CRI refuses Bidirectional unless the source is on a shared mount.
  ASSERT_EQ(mount(shared.c_str(), shared.c_str(), nullptr, MS_BIND, nullptr), 0) << std::strerror(errno);
  mounts_.push_back(shared);
  ASSERT_EQ(mount(nullptr, shared.c_str(), nullptr, MS_SHARED, nullptr), 0) << std::strerror(errno);

  json pod_cfg = pod_config("k8s-pod-b", true);
  std::string pod = run_pod(pod_cfg);
  ASSERT_FALSE(pod.empty());
  json extra = {
      {"mounts",
       {{{"container_path", "/shared"}, {"host_path", shared}, {"propagation", "PROPAGATION_BIDIRECTIONAL"}}}},
      {"linux", {{"security_context", {{"privileged", true}}}}}};
  std::string box = start_container(pod, pod_cfg, "box", {"sleep", "1000"}, extra);
  ASSERT_FALSE(box.empty());
  ASSERT_EQ(container_state(box), "CONTAINER_RUNNING");
  int box_pid = runtime_state(box).value("pid", 0);
  int pause_pid = runtime_state(pod).value("pid", 0);
  json spec = json::parse(read_text(g_dir + "/state/io.containerd.runtime.v2.task/k8s.io/" + box + "/config.json"),
                          nullptr, false);
  EXPECT_EQ(spec["linux"].value("rootfsPropagation", ""), "rshared") << "containerd did not ask for rshared";

  // Host -> container.
  std::string from_host = shared + "/from-host";
  run_command({"mkdir", "-p", from_host});
  ASSERT_EQ(mount("k8s-from-host", from_host.c_str(), "tmpfs", 0, "size=1m"), 0) << std::strerror(errno);
  mounts_.push_back(from_host);
  std::ofstream(from_host + "/note") << "made on the host\n";
  Cri in = exec_sync(box, {"cat", "/shared/from-host/note"});
  EXPECT_EQ(in.out.value("stdout", ""), "made on the host\n") << in.out.dump();

  // Container -> host.
  std::string from_ctr = shared + "/from-container";
  mounts_.push_back(from_ctr);
  Cri out = exec_sync(box, {"sh", "-c",
                            "mkdir -p /shared/from-container && mount -t tmpfs k8s-from-ctr /shared/from-container && "
                            "echo made in the container > /shared/from-container/note"});
  EXPECT_EQ(out.out.value("exit_code", -1), 0) << out.out.dump();
  EXPECT_EQ(read_text(from_ctr + "/note"), "made in the container\n") << "the container's mount is not on the host";

  Cri stop = cri("StopContainer", {{"container_id", box}, {"timeout", 0}});
  EXPECT_TRUE(stop.ok) << stop.err;
  // The volume's mounts are the host's to remove (kubelet's volume
  // teardown); the pod's own must all be gone.
  for (auto m = mounts_.rbegin(); m != mounts_.rend(); ++m) umount2(m->c_str(), MNT_DETACH);
  mounts_.clear();
  remove_pod_and_expect_nothing_left(pod, {box}, {pause_pid, box_pid});
}

INSTANTIATE_TEST_SUITE_P(Handlers, K8sTest, ::testing::Values("minirun", "runc"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace minirun::test
