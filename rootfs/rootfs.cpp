// prepare() and finish(): the order of the steps; each step has its file.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "rootfs/mount_calls.h"
#include "rootfs/mountinfo.h"
#include "rootfs/path_names.h"
#include "rootfs/safe_path.h"
#include "rootfs/steps.h"
#include "spec/error.h"
#include "spec/procfs.h"

namespace minirun::rootfs {
namespace {

// Everything below changes mounts: done in the runtime's own namespace it
// would rewire the host, so refuse when the init shares its parent's.
void require_own_mount_namespace() {
  struct stat self {
  }, parent{};
  const std::string parent_ns = "/proc/" + std::to_string(::getppid()) + "/ns/mnt";
  if (::stat("/proc/self/ns/mnt", &self) != 0 || ::stat(parent_ns.c_str(), &parent) != 0) return;
  if (self.st_dev == parent.st_dev && self.st_ino == parent.st_ino) {
    throw Error("the init is still in the runtime's mount namespace (no new mount namespace?)", EINVAL);
  }
}

void set_root_propagation(const std::string& name) {
  const unsigned long flags = root_propagation_flags(name);
  mount_or_throw("make / " + (name.empty() ? std::string("rslave") : name), nullptr, "/", nullptr, flags, nullptr);
}

// pivot_root refuses a new root whose mount, or the mount below it, is
// shared (rootfsPropagation "shared"/"rshared"), and the bind of a shared
// rootfs would reach the host.  Like runc, make the mount holding the rootfs
// private: the rootfs itself when it is a mount point (containerd's overlay),
// else the one below it.  enter() applies the propagation asked for again
// after the pivot.
void make_parent_mount_private(const std::string& root, const std::string& propagation) {
  // After a recursive slave or private "/", no mount is shared: no need to
  // read (and have the kernel generate) the mount table.
  const unsigned long flags = root_propagation_flags(propagation);
  if ((flags & MS_REC) && (flags & (MS_SLAVE | MS_PRIVATE))) return;
  const std::vector<MountInfo> mounts = read_mountinfo();
  const MountInfo* holder = mount_containing(mounts, clean_absolute(root));
  if (!holder || holder->optional.find("shared:") == std::string::npos) return;
  mount_or_throw("make " + holder->mount_point + " private", nullptr, holder->mount_point, nullptr, MS_PRIVATE,
                 nullptr);
}

void mount_root(const Options& o, const std::string& root) {
  if (o.overlay) {
    mount_overlay(*o.overlay);
  } else {
    mount_or_throw("bind rootfs " + root, root.c_str(), root, "bind", MS_BIND | MS_REC, nullptr);
  }
}

// Through the container's /proc, checked: nothing mounted over the file
// (or a dir on its way) may take the value.
void write_sysctls(const std::map<std::string, std::string>& sysctl) {
  if (sysctl.empty()) return;
  UniqueFd proc = with_context("sysctl", [] { return procfs::open_root(); });
  for (const auto& [key, value] : sysctl) {
    std::string rel = key;
    std::replace(rel.begin(), rel.end(), '.', '/');
    // Captured by name: clang 14 (the fuzz build) cannot capture a structured binding.
    const std::string& content = value;
    with_context("sysctl " + key, [&] { procfs::write_file(proc.get(), "sys/" + rel, content); });
  }
}

// tmpfs mounts were made writable so /dev and tmpcopyup could be filled.
void make_tmpfs_mounts_readonly(int root_fd, const std::vector<spec::Mount>& mounts) {
  for (const spec::Mount& m : mounts) {
    const MountFlags f = parse_mount_options(m.options);
    if (m.type != "tmpfs" || (f.flags & (MS_RDONLY | MS_BIND)) != MS_RDONLY) continue;
    const std::string what = describe_mount(m);
    UniqueFd top = with_context(what, [&] { return open_in_root(root_fd, m.destination, O_PATH); });
    mount_or_throw(what + ": remount read-only", nullptr, fd_path(top.get()), nullptr, MS_REMOUNT | (f.flags & ~MS_REC),
                   nullptr);
  }
}

void make_root_readonly() {
  const unsigned long keep = locked_mount_flags("/") & ~MS_RDONLY;
  mount_or_throw("remount / read-only", nullptr, "/", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | keep, nullptr);
}

}  // namespace

std::string prepare(const Options& o) {
  const std::string root = o.overlay ? o.overlay->target : o.rootfs;
  require_own_mount_namespace();
  set_root_propagation(o.propagation);
  make_parent_mount_private(root, o.propagation);
  mount_root(o, root);
  PreparedRoot prepared{o, root, UniqueFd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)), ""};
  if (!prepared.fd) throw_errno("open rootfs " + root);
  prepared.real_path = real_path_of(prepared.fd.get());
  for (size_t i = 0; i < o.mounts.size(); ++i)
    mount_config_entry(prepared, o.mounts[i], i < o.bind_source_trees.size() ? o.bind_source_trees[i] : -1);
  if (needs_dev_setup(o)) create_dev_nodes(prepared);
  install_generated_files(prepared);
  return root;
}

void finish(const Options& o) {
  UniqueFd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) throw_errno("open /");
  write_sysctls(o.sysctl);
  make_tmpfs_mounts_readonly(root.get(), o.mounts);
  make_paths_readonly(root.get(), o.readonly_paths);
  mask_paths(root.get(), o.masked_paths);
  if (o.readonly) make_root_readonly();
}

}  // namespace minirun::rootfs
