#include "harness.h"

#include <dirent.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

namespace minirun::test {

namespace fs = std::filesystem;

namespace {

// In a forked child: a process group of its own (so a timeout can kill the
// whole tree), then argv from PATH; 127 when it cannot be executed.
[[noreturn]] void exec_in_own_group(const std::vector<std::string>& argv) {
  setpgid(0, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  _exit(127);
}

}  // namespace

Result run_command(const std::vector<std::string>& argv, const std::string& input, int timeout_s) {
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) return {};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    exec_in_own_group(argv);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  signal(SIGPIPE, SIG_IGN);
  if (!input.empty()) (void)!write(in[1], input.data(), input.size());
  close(in[1]);
  Result r;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  // Stop when the command exits, not at EOF: a detached container keeps
  // the pipes open after `run -d` returns.
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  struct pollfd fds[3] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {pidfd, POLLIN, 0}};
  int open_fds = 2;
  bool exited = false;
  while (open_fds > 0) {
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (left <= 0) {
      kill(-pid, SIGKILL);
      r.err += "\n[harness: timed out]";
      break;
    }
    if (poll(fds, 3, exited ? 0 : left) <= 0) {
      if (exited) break;
      continue;
    }
    if (fds[2].revents & POLLIN) {
      exited = true;
      fds[2].fd = -1;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      char buf[8192];
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  close(out[0]);
  close(err[0]);
  if (pidfd >= 0) close(pidfd);
  int status = 0;
  waitpid(pid, &status, 0);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

pid_t start_logged(const std::vector<std::string>& argv, const std::string& log_path) {
  pid_t pid = fork();
  if (pid == 0) {
    int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    dup2(log, 1);
    dup2(log, 2);
    exec_in_own_group(argv);
  }
  return pid;
}

std::string make_temp_dir(const std::string& prefix) {
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  char* d = mkdtemp(tmpl.data());
  return d ? std::string(d) : std::string();
}

void remove_tree(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
}

std::string read_text(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

bool path_exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

bool wait_until(const std::function<bool()>& done, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

const std::string& base_rootfs() {
  static std::string dir;
  static std::once_flag once;
  std::call_once(once, [] {
    dir = make_temp_dir("minirun-base");
    Result r = run_command({SOURCE_DIR "/scripts/mkbundle.sh", dir, "--probe", PROBE_BIN, "--no-config"});
    if (r.code != 0) {
      std::fprintf(stderr, "mkbundle failed: %s\n", r.err.c_str());
      std::abort();
    }
    std::atexit([] { remove_tree(dir); });
  });
  static std::string rootfs = dir + "/rootfs";
  return rootfs;
}

Bundle::Bundle(bool private_rootfs, const std::vector<std::string>& spec_flags) : private_rootfs_(private_rootfs) {
  dir_ = make_temp_dir("minirun-bundle");
  std::vector<std::string> argv = {MINIRUN_BIN, "spec", "-b", dir_};
  argv.insert(argv.end(), spec_flags.begin(), spec_flags.end());
  Result r = run_command(argv);
  if (r.code != 0) ADD_FAILURE() << "minirun spec failed: " << r.err;
  config = nlohmann::json::parse(read_text(dir_ + "/config.json"));
  if (private_rootfs) {
    run_command({"cp", "-a", base_rootfs(), dir_ + "/rootfs"});
    config["root"]["path"] = "rootfs";
  } else {
    config["root"]["path"] = base_rootfs();
  }
  config["process"]["terminal"] = false;
  save();
}

Bundle::~Bundle() { remove_tree(dir_); }

std::string Bundle::rootfs() const {
  std::string p = config["root"]["path"];
  return p[0] == '/' ? p : dir_ + "/" + p;
}

void Bundle::set_args(const std::vector<std::string>& args) {
  config["process"]["args"] = args;
  config["process"]["terminal"] = false;
  save();
}

void Bundle::save() const {
  std::ofstream f(dir_ + "/config.json");
  f << config.dump(2);
}

void MinirunTest::SetUp() {
  base_rootfs();
  root_ = make_temp_dir("minirun-root");
}

void MinirunTest::TearDown() {
  // Whatever a failed test left: delete --force every container in our root.
  Result ids = run_command({MINIRUN_BIN, "--root", root_, "list", "-q"});
  for (const auto& id : split_lines(ids.out)) run_command({MINIRUN_BIN, "--root", root_, "delete", "--force", id});
  remove_tree(root_);
}

Result MinirunTest::minirun(const std::vector<std::string>& args, const std::string& input, int timeout_s) {
  std::vector<std::string> argv = {MINIRUN_BIN, "--root", root_};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, input, timeout_s);
}

void unmount_under(const std::string& dir) {
  // Deepest first: the mountinfo order is the mount order.
  auto lines = split_lines(read_text("/proc/self/mountinfo"));
  for (auto line = lines.rbegin(); line != lines.rend(); ++line) {
    std::stringstream f(*line);
    std::string id, parent, dev, root, mnt;
    f >> id >> parent >> dev >> root >> mnt;
    if (mnt == dir || mnt.rfind(dir + "/", 0) == 0) umount2(mnt.c_str(), MNT_DETACH);
  }
}

std::string MinirunTest::status_of(const std::string& id) {
  Result r = minirun({"state", id});
  if (r.code != 0) return "";
  return nlohmann::json::parse(r.out).value("status", "");
}

void MinirunTest::expect_no_leftovers(const std::string& id) {
  EXPECT_FALSE(path_exists(root_ + "/" + id)) << "state dir left: " << root_ << "/" << id;
  EXPECT_TRUE(find_cgroup_dirs(id).empty()) << "cgroup left: " << find_cgroup_dirs(id).front();
  // Its own mounts only: another container of the test may still be running
  // (its overlay tmpfs is a host mount under root_/OTHER/).
  std::string mounts = read_text("/proc/self/mountinfo");
  const std::string own = root_ + "/" + id;
  EXPECT_EQ(mounts.find(own + "/"), std::string::npos) << "mount left under " << own;
  EXPECT_EQ(mounts.find(own + " "), std::string::npos) << "mount left on " << own;
}

std::string own_cgroup_dir(const std::string& controller) {
  for (const auto& line : split_lines(read_text("/proc/self/cgroup"))) {
    auto a = line.find(':'), b = line.find(':', a + 1);
    std::string ctrls = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    std::stringstream cs(ctrls);
    std::string c;
    while (std::getline(cs, c, ','))
      if (c == controller) return "/sys/fs/cgroup/" + controller + path;
    if (controller == "unified" && ctrls.empty()) return "/sys/fs/cgroup/unified" + path;
  }
  return "";
}

std::vector<std::string> find_cgroup_dirs(const std::string& name) {
  std::vector<std::string> found;
  for (const char* c : {"memory", "pids", "cpu", "cpuset", "devices", "freezer", "blkio", "unified"}) {
    std::string base = own_cgroup_dir(c);
    if (base.empty() || !path_exists(base)) continue;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(base, ec); it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (ec) break;
      if (it->is_directory() && it->path().filename() == name) found.push_back(it->path());
    }
  }
  return found;
}

std::vector<int> allowed_cpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  return cpus;
}

bool host_has_swap() { return split_lines(read_text("/proc/swaps")).size() > 1; }

std::vector<pid_t> processes_mentioning(const std::string& text) {
  std::vector<pid_t> found;
  DIR* d = opendir("/proc");
  if (!d) return found;
  const pid_t self = getpid();
  while (auto* e = readdir(d)) {
    pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0 || pid == self) continue;
    std::string dir = std::string("/proc/") + e->d_name;
    std::string cmd = read_text(dir + "/cmdline") + '\0' + read_text(dir + "/environ");
    if (cmd.find(text) != std::string::npos) found.push_back(pid);
  }
  closedir(d);
  return found;
}

int open_fd_count() {
  int n = 0;
  std::error_code ec;
  for (auto it = fs::directory_iterator("/proc/self/fd", ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    ++n;
  return n - 1;  // the iterator's own
}

PrivateNetns::PrivateNetns() {
  host_netns_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (host_netns_ < 0 || unshare(CLONE_NEWNET) != 0) return;
  ok_ = true;
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq ifr {};
  std::snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
  if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
    ifr.ifr_flags |= IFF_UP;
    ioctl(s, SIOCSIFFLAGS, &ifr);
  }
  close(s);
}

PrivateNetns::~PrivateNetns() {
  if (host_netns_ < 0) return;
  if (ok_ && setns(host_netns_, CLONE_NEWNET) != 0) std::abort();  // never go on in the wrong netns
  close(host_netns_);
}

std::set<std::string> PrivateNetns::links() {
  std::set<std::string> out;
  struct if_nameindex* all = if_nameindex();
  for (auto* i = all; i && i->if_index; ++i) out.insert(i->if_name);
  if (all) if_freenameindex(all);
  return out;
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string line;
  while (std::getline(ss, line))
    if (!line.empty()) out.push_back(line);
  return out;
}

std::string field(const std::string& report, const std::string& key) {
  for (const auto& line : split_lines(report))
    if (line.rfind(key + "=", 0) == 0) return line.substr(key.size() + 1);
  return "";
}

}  // namespace minirun::test
