// Mounts into /proc: only proc itself on /proc and binds over the few files
// LXCFS emulates, wherever the destination's symlinks lead.  A mount over
// /proc/PID/attr or /proc/sys redirects what the runtime writes there
// (CVE-2019-16884), so the check is on the resolved target, not the config.
#include <linux/magic.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <string_view>

#include "rootfs/path_names.h"
#include "rootfs/safe_path.h"
#include "rootfs/steps.h"
#include "spec/error.h"

namespace minirun::rootfs {
namespace {

// runc's list (libcontainer/rootfs_linux.go checkProcMount).
const char* const kProcFilesToBindOver[] = {
    "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat",    "/proc/swaps",
    "/proc/uptime",  "/proc/loadavg",   "/proc/slabinfo", "/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
    "/proc/sys/crypto/fips_enabled",
};

bool all_digits(std::string_view s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos; }

// "/proc/1/net/dev" and "/proc/1/task/1/net/dev" are /proc/net/dev (a link to self/net).
std::string without_pid_net(const std::string& path) {
  std::string_view rest(path);
  if (rest.substr(0, 6) != "/proc/") return path;
  rest.remove_prefix(6);
  auto next = [&rest] {
    const size_t end = rest.find('/');
    std::string_view part = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    return part;
  };
  if (!all_digits(next())) return path;
  std::string_view part = next();
  if (part == "task") {
    if (!all_digits(next())) return path;
    part = next();
  }
  return part == "net" ? "/proc/net/" + std::string(rest) : path;
}

bool may_bind_over(const std::string& at) {
  const std::string file = without_pid_net(at);
  for (const char* allowed : kProcFilesToBindOver)
    if (file == allowed) return true;
  return false;
}

}  // namespace

std::string real_path_of(int fd) {
  char buf[4096];
  ssize_t n = ::readlink(fd_path(fd).c_str(), buf, sizeof buf);
  if (n < 0 || static_cast<size_t>(n) >= sizeof buf) throw_errno("readlink " + fd_path(fd));
  return std::string(buf, static_cast<size_t>(n));
}

std::string path_in_root(const PreparedRoot& root, int fd) {
  const std::string path = real_path_of(fd);
  if (path == root.real_path) return "/";
  if (root.real_path == "/") return path;
  if (!path_is_under(path, root.real_path)) throw Error("resolves to " + path + ", outside the root", EXDEV);
  return path.substr(root.real_path.size());
}

void check_proc_destination(const PreparedRoot& root, const std::string& what, int target_fd, bool is_procfs) {
  struct statfs sfs {};
  if (::fstatfs(target_fd, &sfs) != 0) throw_errno(what + ": statfs");
  const bool on_procfs = sfs.f_type == PROC_SUPER_MAGIC;
  const std::string at = with_context(what, [&] { return path_in_root(root, target_fd); });
  if (at == "/proc") {
    if (is_procfs) return;
    throw Error(what + ": destination resolves to /proc, where only a proc mount may go", EPERM);
  }
  if ((!on_procfs && !path_is_under(at, "/proc")) || may_bind_over(at)) return;
  throw Error(what + ": destination resolves to " + at + ", inside /proc (only the files LXCFS emulates may be mounted over)",
              EPERM);
}

}  // namespace minirun::rootfs
