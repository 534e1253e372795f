// A "cgroup" config mount.  cgroup v1 / hybrid host (runc): a tmpfs at the
// destination and, per v1 hierarchy, a bind of the container's own cgroup dir
// (or a fresh cgroup mount inside a cgroup namespace), plus links for
// co-mounted controllers.  cgroup2 host: a cgroup2 mount, or a bind when the
// kernel refuses it.
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <set>

#include "rootfs/mount_calls.h"
#include "rootfs/path_names.h"
#include "rootfs/safe_path.h"
#include "rootfs/steps.h"
#include "spec/error.h"
#include "spec/files.h"
#include "spec/proc_tables.h"
#include "spec/strings.h"

namespace minirun::rootfs {
namespace {

constexpr unsigned long kCgroupTmpfsFlags = MS_NOEXEC | MS_NOSUID | MS_NODEV;

bool host_is_cgroup2_unified() {
  struct statfs st {};
  return ::statfs("/sys/fs/cgroup", &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC;
}

std::set<std::string> split_commas(const std::string& s) {
  std::set<std::string> out;
  for (const std::string& item : split(s, ',')) {
    if (!item.empty()) out.insert(item);
  }
  return out;
}

// The cgroup2 path of this process as its cgroup namespace shows it.
std::string own_cgroup2_path() {
  std::string text;
  if (!try_read_file("/proc/self/cgroup", text)) return "/";
  for (const procfs::CgroupLine& line : procfs::parse_proc_cgroup(text)) {
    if (line.controllers.empty()) return std::string(line.path);
  }
  return "/";
}

void mount_v1_hierarchy(const PreparedRoot& root, const spec::Mount& m, const MountFlags& f, const CgroupV1Hierarchy& h,
                        int tmpfs_dir) {
  const std::string name = last_component(h.mount_point);
  const std::string dest = clean_absolute(m.destination) + "/" + name;
  const std::string what = "mount " + h.source + " on " + dest;
  // Our own fresh tmpfs: nothing else can have put a link there.
  if (::mkdirat(tmpfs_dir, name.c_str(), 0755) != 0 && errno != EEXIST) throw_errno(what + ": mkdir");
  if (!root.options.new_cgroup_namespace &&
      bind_with_attrs(what, h.source, tmpfs_dir, name, f.flags & ~(MS_BIND | MS_REC), f.propagation)) {
    return;
  }
  UniqueFd target(::openat(tmpfs_dir, name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!target) throw_errno(what);
  if (root.options.new_cgroup_namespace) {
    const bool named = h.subsystems.rfind("name=", 0) == 0;
    const unsigned long flags = kCgroupTmpfsFlags | (f.flags & MS_RDONLY);
    mount_or_throw(what, named ? h.subsystems.c_str() + 5 : "cgroup", fd_path(target.get()), "cgroup", flags,
                   h.subsystems.c_str());
    return;
  }
  mount_or_throw(what, h.source.c_str(), fd_path(target.get()), nullptr, MS_BIND | MS_REC, nullptr);
  UniqueFd top = with_context(what, [&] { return open_in_root(root.fd.get(), dest, O_PATH); });
  if ((f.flags & ~(MS_BIND | MS_REC)) != 0) remount_bind(what, fd_path(top.get()), f.flags);
  set_propagation(what, fd_path(top.get()), f.propagation);
}

// "cpu,cpuacct" is reachable as cpu and cpuacct too.
void link_comounted_controllers(int dest_fd, const std::string& dir_name) {
  if (dir_name.find(',') == std::string::npos) return;
  for (const std::string& controller : split_commas(dir_name)) {
    if (::symlinkat(dir_name.c_str(), dest_fd, controller.c_str()) != 0 && errno != EEXIST) {
      throw_errno("symlink " + controller + " -> " + dir_name);
    }
  }
}

void mount_cgroup_v1(const PreparedRoot& root, const spec::Mount& m, const MountFlags& f) {
  const std::string what = describe_mount(m);
  const std::vector<CgroupV1Hierarchy>& hierarchies = root.options.cgroup_v1;
  UniqueFd target = with_context(what, [&] { return mkdir_all_in_root(root.fd.get(), m.destination); });
  check_proc_destination(root, what, target.get(), false);
  mount_or_throw(what, "tmpfs", fd_path(target.get()), "tmpfs", kCgroupTmpfsFlags, "mode=755");
  UniqueFd tmpfs = with_context(what, [&] { return open_in_root(root.fd.get(), m.destination, O_PATH); });
  set_propagation(what, fd_path(tmpfs.get()), f.propagation);
  UniqueFd dir = with_context(what, [&] { return open_in_root(root.fd.get(), m.destination, O_RDONLY | O_DIRECTORY); });
  for (const CgroupV1Hierarchy& h : hierarchies) mount_v1_hierarchy(root, m, f, h, dir.get());
  for (const CgroupV1Hierarchy& h : hierarchies) {
    with_context(what, [&] { link_comounted_controllers(dir.get(), last_component(h.mount_point)); });
  }
  if (f.flags & MS_RDONLY) remount_bind(what, fd_path(tmpfs.get()), MS_RDONLY | kCgroupTmpfsFlags);
}

void mount_cgroup_v2(const PreparedRoot& root, const spec::Mount& m, const MountFlags& f) {
  const std::string what = describe_mount(m);
  UniqueFd target = with_context(what, [&] { return mkdir_all_in_root(root.fd.get(), m.destination); });
  check_proc_destination(root, what, target.get(), false);
  const char* source = m.source.empty() ? "cgroup2" : m.source.c_str();
  if (::mount(source, fd_path(target.get()).c_str(), "cgroup2", f.flags, f.data.c_str()) == 0) {
    UniqueFd top = with_context(what, [&] { return open_in_root(root.fd.get(), m.destination, O_PATH); });
    set_propagation(what, fd_path(top.get()), f.propagation);
    return;
  }
  if (errno != EPERM && errno != EBUSY) throw_errno(what);
  // Not allowed to mount cgroup2 here (user namespace without cgroupns): bind it.
  std::string host = "/sys/fs/cgroup";
  if (root.options.new_cgroup_namespace) host += own_cgroup2_path();
  mount_or_throw(what, host.c_str(), fd_path(target.get()), nullptr, MS_BIND | MS_REC, nullptr);
  UniqueFd top = with_context(what, [&] { return open_in_root(root.fd.get(), m.destination, O_PATH); });
  if ((f.flags & ~(MS_BIND | MS_REC)) != 0) remount_bind(what, fd_path(top.get()), f.flags);
  set_propagation(what, fd_path(top.get()), f.propagation);
}

}  // namespace

void mount_cgroup_entry(const PreparedRoot& root, const spec::Mount& m, const MountFlags& f) {
  if (host_is_cgroup2_unified()) {
    mount_cgroup_v2(root, m, f);
  } else {
    mount_cgroup_v1(root, m, f);
  }
}

}  // namespace minirun::rootfs
