// `minirun check`: what this host gives a container, one line per kernel
// feature, each found by trying it (in a forked child, in throwaway
// namespaces) rather than by reading a version number.  Exit status 1 when
// something every `run` needs is missing.
#include <fcntl.h>
#include <grp.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>

#include "cgroup/cgroup.h"
#include "ns/ns.h"
#include "ns/net/probe.h"
#include "runtime/cli/cli.h"
#include "spec/files.h"
#include "spec/strings.h"

namespace minirun::runtime::cli {

namespace {

struct Check {
  std::string name;
  bool ok = false;
  std::string detail;   // what was found, or why it failed
  std::string without;  // what stops working without it
  bool needed = false;  // by every `run`
};

// Runs body in a forked child; its return value is an errno (0: it worked).
std::string in_child(const std::function<int()>& body) {
  pid_t pid = ::fork();
  if (pid < 0) return std::string("fork: ") + std::strerror(errno);
  if (pid == 0) ::_exit(body() & 0xff);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status)) return "the probe process died";
  int err = WEXITSTATUS(status);
  return err == 0 ? "" : std::strerror(err);
}

int errno_or_zero(long rc) { return rc < 0 ? errno : 0; }

bool write_text(const char* path, const std::string& text) {
  int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

// In a child already in its new user namespace: map root to our own uid.
int map_self_to_root(uid_t uid, gid_t gid) {
  if (!write_text("/proc/self/setgroups", "deny")) return errno;
  if (!write_text("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1")) return errno;
  if (!write_text("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1")) return errno;
  return 0;
}

int mount_overlay_in(const std::string& dir) {
  for (const char* d : {"/l", "/u", "/w", "/m"})
    if (::mkdir((dir + d).c_str(), 0700) != 0) return errno;
  std::string data = "lowerdir=" + dir + "/l,upperdir=" + dir + "/u,workdir=" + dir + "/w";
  if (::mount("overlay", (dir + "/m").c_str(), "overlay", 0, data.c_str()) != 0) return errno;
  return 0;
}

std::string own_cgroup2_dir(cgroup::Layout layout) {
  std::string text;
  if (!try_read_file("/proc/self/cgroup", text)) return "";
  for (const std::string& line : split(text, '\n'))
    if (line.compare(0, 3, "0::") == 0)
      return (layout == cgroup::Layout::hybrid ? "/sys/fs/cgroup/unified" : "/sys/fs/cgroup") + line.substr(3);
  return "";
}

void add_cgroup_checks(std::vector<Check>& out) {
  Check layout{"cgroup layout", false, "", "every run: a container's limits and its processes' cgroup", true};
  cgroup::Layout l = cgroup::Layout::v1;
  try {
    l = cgroup::detect_layout();
    layout.ok = true;
    layout.detail = cgroup::layout_name(l);
  } catch (const std::exception& e) {
    layout.detail = e.what();
  }
  out.push_back(layout);
  if (!layout.ok) return;
  if (l != cgroup::Layout::v2) {
    // /proc/cgroups: name, hierarchy id (0: not mounted on v1), count, enabled.
    std::string text;
    try_read_file("/proc/cgroups", text);
    for (const std::string& line : split(text, '\n')) {
      auto f = split_words(line);
      if (f.size() < 4 || f[0][0] == '#') continue;
      Check c{"cgroup v1 " + f[0], f[1] != "0" && f[3] == "1", "", "", false};
      c.detail = c.ok ? "hierarchy " + f[1] : f[3] != "1" ? "disabled" : "not mounted on cgroup v1";
      c.without = "linux.resources of the " + f[0] + " controller";
      out.push_back(c);
    }
  }
  if (l != cgroup::Layout::v1) {
    std::string root = l == cgroup::Layout::hybrid ? "/sys/fs/cgroup/unified" : "/sys/fs/cgroup";
    std::string text;
    bool read = try_read_file(root + "/cgroup.controllers", text);
    auto names = split_words(text.substr(0, text.find('\n')));
    out.push_back({"cgroup v2 controllers", read, read ? (names.empty() ? "none enabled at " + root : text.substr(0, text.find('\n'))) : "no " + root + "/cgroup.controllers",
                   "linux.resources on cgroup v2", false});
  }
}

void add_namespace_checks(std::vector<Check>& out, uid_t uid) {
  std::string why = in_child([] { return errno_or_zero(::unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET)); });
  out.push_back({"mount, uts, ipc, pid and network namespaces", why.empty(), why.empty() ? "unshare works" : "unshare: " + why,
                 "every run (runc's default namespaces)", uid == 0});

  why = in_child([] { return errno_or_zero(::unshare(CLONE_NEWUSER)); });
  out.push_back({"user namespaces", why.empty(), why.empty() ? "unshare(CLONE_NEWUSER) works" : "unshare(CLONE_NEWUSER): " + why,
                 "linux.uidMappings/gidMappings and every rootless container", uid != 0});
  why = in_child([] {
    if (::geteuid() == 0 && (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 ||
                             ::setresuid(65534, 65534, 65534) != 0))
      return errno;
    return errno_or_zero(::unshare(CLONE_NEWUSER));
  });
  out.push_back({"unprivileged user namespaces", why.empty(),
                 why.empty() ? "a user without privileges can make one" : "as uid 65534: unshare(CLONE_NEWUSER): " + why,
                 "minirun run as a user (minirun spec --rootless)", uid != 0});
}

// Idmapped mounts: a clone of dir's mount shifted through a user namespace.
std::string try_idmapped_mount(const std::string& dir, uid_t uid, gid_t gid) {
  return in_child([&] {
    int hold[2], ready[2];
    if (::pipe(hold) != 0 || ::pipe(ready) != 0) return errno;
    pid_t holder = ::fork();
    if (holder == 0) {
      char c = 0;
      if (::unshare(CLONE_NEWUSER) != 0 || map_self_to_root(uid, gid) != 0) ::_exit(1);
      ::close(hold[1]);
      if (::write(ready[1], &c, 1) != 1) ::_exit(1);
      ssize_t ignored = ::read(hold[0], &c, 1);  // until the prober is done
      (void)ignored;
      ::_exit(0);
    }
    ::close(hold[0]);
    ::close(ready[1]);
    char c;
    int err = ::read(ready[0], &c, 1) == 1 ? 0 : ECHILD;  // the holder's user namespace has its map
    int userns = ::open(("/proc/" + std::to_string(holder) + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC);
    int tree = static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD, dir.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
    if (err == 0 && (userns < 0 || tree < 0)) err = errno;
    if (err == 0) {
      struct mount_attr attr = {};
      attr.attr_set = MOUNT_ATTR_IDMAP;
      attr.userns_fd = static_cast<__u64>(userns);
      err = errno_or_zero(::syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof attr));
    }
    ::close(hold[1]);
    ::waitpid(holder, nullptr, 0);
    return err;
  });
}

// Overlayfs (as root and in a user namespace) and idmapped mounts, tried in
// a throwaway directory under /tmp.
void add_mount_checks(std::vector<Check>& out, uid_t uid, gid_t gid) {
  char tmpl[] = "/tmp/minirun-check-XXXXXX";
  std::string dir = ::mkdtemp(tmpl) ? tmpl : "";
  if (dir.empty()) return;
  std::string why = in_child([&] {
    if (::mkdir((dir + "/a").c_str(), 0700) != 0) return errno;
    if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return errno;
    return mount_overlay_in(dir + "/a");
  });
  out.push_back({"overlayfs", why.empty(), why.empty() ? "mounts" : "mount overlay: " + why,
                 "the annotation run.minirun.rootfs.overlay", false});
  std::string why_userns = in_child([&] {
    if (::mkdir((dir + "/b").c_str(), 0700) != 0) return errno;
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) return errno;
    if (int err = map_self_to_root(uid, gid)) return err;
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return errno;
    return mount_overlay_in(dir + "/b");
  });
  out.push_back({"overlayfs in a user namespace", why_userns.empty(), why_userns.empty() ? "mounts" : "mount overlay: " + why_userns,
                 "run.minirun.rootfs.overlay in a rootless container", false});
  std::string why_idmap = try_idmapped_mount(dir, uid, gid);
  out.push_back({"idmapped mounts", why_idmap.empty(), why_idmap.empty() ? "mount_setattr(MOUNT_ATTR_IDMAP) works on /tmp" : "mount_setattr(MOUNT_ATTR_IDMAP): " + why_idmap,
                 "nothing yet (minirun does not use them; bind mounts in a user namespace keep host owners)", false});
  for (const char* sub : {"/a/m", "/a/w/work", "/a/l", "/a/u", "/a/w", "/a", "/b/m", "/b/w/work", "/b/l", "/b/u", "/b/w", "/b", ""})
    ::rmdir((dir + sub).c_str());
}

Check openat2_check() {
  struct open_how how = {};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT;
  long fd = ::syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof how);
  Check c{"openat2", fd >= 0, fd >= 0 ? "RESOLVE_IN_ROOT works" : std::string("openat2: ") + std::strerror(errno),
          "nothing: paths in the rootfs are then resolved one component at a time (slower)", false};
  if (fd >= 0) ::close(static_cast<int>(fd));
  return c;
}

Check clone3_check() {
  cgroup::Layout layout = cgroup::Layout::v1;
  try {
    layout = cgroup::detect_layout();
  } catch (const std::exception&) {
  }
  std::string cg2 = layout == cgroup::Layout::v1 ? "" : own_cgroup2_dir(layout);
  Check clone3{"clone3 with CLONE_INTO_CGROUP", false, "", "nothing: the init then joins its cgroup itself (slower start)", false};
  if (cg2.empty()) {
    clone3.detail = "no cgroup2 mount";
    return clone3;
  }
  int cg_fd = ::open(cg2.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  bool into = false;
  try {
    pid_t pid = ns::clone_process(0, cg_fd, into);
    if (pid == 0) ::_exit(0);
    ::waitpid(pid, nullptr, 0);
    clone3.ok = into;
    clone3.detail = into ? "a child is born in " + cg2 : "the kernel refused it; a plain clone worked";
  } catch (const std::exception& e) {
    clone3.detail = e.what();
  }
  if (cg_fd >= 0) ::close(cg_fd);
  return clone3;
}

void add_seccomp_checks(std::vector<Check>& out) {
  bool seccomp = ::prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
  out.push_back({"seccomp", seccomp, seccomp ? "filters supported" : std::string("prctl(PR_GET_SECCOMP): ") + std::strerror(errno),
                 "linux.seccomp (every engine sets a profile)", false});
  std::string actions;
  try_read_file("/proc/sys/kernel/seccomp/actions_avail", actions);
  bool notif = actions.find("user_notif") != std::string::npos;
  out.push_back({"seccomp SECCOMP_RET_USER_NOTIF", notif, notif ? "in /proc/sys/kernel/seccomp/actions_avail" : "not in /proc/sys/kernel/seccomp/actions_avail",
                 "SCMP_ACT_NOTIFY and linux.seccomp.listenerPath", false});
}

void add_network_checks(std::vector<Check>& out) {
  ns::NetworkProbe net;
  try {
    net = ns::probe_network();
  } catch (const std::exception& e) {
    net.veth = net.bridge = net.nftables = e.what();
  }
  out.push_back({"veth", net.veth.empty(), net.veth.empty() ? "a veth pair can be made" : net.veth,
                 "run.minirun.network bridge", false});
  out.push_back({"bridge", net.bridge.empty(), net.bridge.empty() ? "a bridge can be made" : net.bridge,
                 "run.minirun.network bridge", false});
  out.push_back({"nftables", net.nftables.empty(), net.nftables.empty() ? "nf_tables answers" : net.nftables,
                 "engines' port forwarding and NAT (netavark, CNI firewall plugins)", false});
}

std::vector<Check> run_checks() {
  std::vector<Check> out;
  add_cgroup_checks(out);
  const uid_t uid = ::geteuid();
  const gid_t gid = ::getegid();
  add_namespace_checks(out, uid);
  add_mount_checks(out, uid, gid);
  out.push_back(openat2_check());
  out.push_back(clone3_check());
  add_seccomp_checks(out);
  std::string why = in_child([] { return errno_or_zero(::unshare(CLONE_NEWTIME)); });
  out.push_back({"time namespaces", why.empty(), why.empty() ? "unshare(CLONE_NEWTIME) works" : "unshare(CLONE_NEWTIME): " + why,
                 "a \"time\" namespace and linux.timeOffsets", false});
  add_network_checks(out);
  return out;
}

}  // namespace

CLI::App* CheckFlags::declare(CLI::App& app) {
  auto* cmd = app.add_subcommand("check", "check what this host's kernel gives containers (exit 1: run cannot work)");
  cmd->add_option("-f,--format", format, "text or json")->check(CLI::IsMember({"text", "json"}));
  return cmd;
}

int check_command(const Globals&, CheckFlags& f) {
  std::vector<Check> checks = run_checks();
  bool usable = true;
  for (const auto& c : checks) usable &= c.ok || !c.needed;
  if (f.format == "json") {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& c : checks)
      list.push_back({{"name", c.name}, {"ok", c.ok}, {"detail", c.detail}, {"needed_by_run", c.needed},
                      {"without_it", c.without}});
    std::puts(nlohmann::json{{"usable", usable}, {"checks", list}}.dump(2).c_str());
  } else {
    for (const auto& c : checks) {
      std::string line = std::string(c.ok ? "\u2713 " : "\u2717 ") + c.name + ": " + c.detail;
      if (!c.ok) line += c.needed ? " -- run cannot work" : " -- without it: " + c.without;
      std::puts(line.c_str());
    }
  }
  return usable ? 0 : 1;
}

}  // namespace minirun::runtime::cli
