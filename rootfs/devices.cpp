// /dev of the container: the default nodes runc makes, linux.devices on
// top, the /dev/fd and std* links and /dev/ptmx -> pts/ptmx.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <map>
#include <vector>

#include "rootfs/mount_calls.h"
#include "rootfs/path_names.h"
#include "rootfs/safe_path.h"
#include "rootfs/steps.h"
#include "spec/error.h"
#include "spec/unique_fd.h"

namespace minirun::rootfs {
namespace {

spec::Device char_device(const char* path, int64_t major, int64_t minor) {
  spec::Device d;
  d.type = "c";
  d.path = path;
  d.major = major;
  d.minor = minor;
  d.file_mode = 0666;
  d.uid = 0;
  d.gid = 0;
  return d;
}

std::vector<spec::Device> devices_to_create(const Options& o) {
  std::vector<spec::Device> devices = {
      char_device("/dev/null", 1, 3),   char_device("/dev/zero", 1, 5),    char_device("/dev/full", 1, 7),
      char_device("/dev/random", 1, 8), char_device("/dev/urandom", 1, 9), char_device("/dev/tty", 5, 0),
  };
  for (const spec::Device& d : o.devices) {
    bool replaced = false;
    for (spec::Device& existing : devices) {
      if (clean_absolute(existing.path) == clean_absolute(d.path)) {
        existing = d;
        replaced = true;
      }
    }
    if (!replaced) devices.push_back(d);
  }
  return devices;
}

mode_t device_file_type(const spec::Device& d) {
  if (d.type == "c" || d.type == "u") return S_IFCHR;
  if (d.type == "b") return S_IFBLK;
  if (d.type == "p") return S_IFIFO;
  throw Error("device " + d.path + ": unknown type \"" + d.type + "\"", EINVAL);
}

// In a user namespace mknod is refused: the host node is bound on a file.
void bind_host_device(const PreparedRoot& root, const spec::Device& d) {
  const std::string what = "bind device " + d.path;
  UniqueFd target = with_context(what, [&] { return make_file_in_root(root.fd.get(), d.path, 0644); });
  check_proc_destination(root, what, target.get(), false);
  mount_or_throw(what, d.path.c_str(), fd_path(target.get()), nullptr, MS_BIND, nullptr);
}

// The dirs devices go in (nearly always just /dev): opened once, and whether
// a node made there gets our owner (no setgid bit), so chown can be skipped.
struct DeviceDir {
  UniqueFd fd;
  bool inherits_our_ids = false;
};

void make_device_node(const PreparedRoot& root, const spec::Device& d, std::map<std::string, DeviceDir>& dirs) {
  const std::string what = "mknod " + d.path;
  const std::string name = last_component(d.path);
  const std::string parent = parent_dir(clean_absolute(d.path));
  auto it = dirs.find(parent);
  if (it == dirs.end()) {
    DeviceDir dd;
    dd.fd = with_context(what, [&] { return mkdir_all_in_root(root.fd.get(), parent); });
    struct stat st {};
    if (::fstat(dd.fd.get(), &st) != 0) throw_errno(what);
    dd.inherits_our_ids = !(st.st_mode & S_ISGID);
    it = dirs.emplace(parent, std::move(dd)).first;
  }
  const int dir = it->second.fd.get();
  const mode_t perm = d.file_mode.value_or(0666) & 07777;  // exact: the umask is 0 here
  const dev_t dev = makedev(static_cast<unsigned>(d.major), static_cast<unsigned>(d.minor));
  const mode_t type = device_file_type(d);
  int rc = ::mknodat(dir, name.c_str(), type | perm, dev);
  if (rc != 0 && errno == EEXIST) {
    // A file already there (an image's own /dev/null) is replaced, a dir is not.
    struct stat st {};
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) throw_errno(what, EEXIST);
    if (::unlinkat(dir, name.c_str(), 0) != 0) throw_errno(what + ": remove old");
    rc = ::mknodat(dir, name.c_str(), type | perm, dev);
  }
  if (rc != 0) {
    if (errno == EPERM) return bind_host_device(root, d);
    throw_errno(what);
  }
  const uid_t uid = d.uid.value_or(0);
  const gid_t gid = d.gid.value_or(0);
  if ((!it->second.inherits_our_ids || uid != ::geteuid() || gid != ::getegid()) &&
      ::fchownat(dir, name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0) {
    throw_errno("chown " + d.path);
  }
}

void make_dev_symlink(int dev_dir, const char* target, const char* name) {
  if (::symlinkat(target, dev_dir, name) != 0 && errno != EEXIST) {
    throw_errno(std::string("symlink /dev/") + name + " -> " + target);
  }
}

void make_dev_symlinks(const PreparedRoot& root) {
  UniqueFd dev = with_context("/dev", [&] { return mkdir_all_in_root(root.fd.get(), "/dev"); });
  make_dev_symlink(dev.get(), "/proc/self/fd", "fd");
  make_dev_symlink(dev.get(), "/proc/self/fd/0", "stdin");
  make_dev_symlink(dev.get(), "/proc/self/fd/1", "stdout");
  make_dev_symlink(dev.get(), "/proc/self/fd/2", "stderr");
  if (::access("/proc/kcore", F_OK) == 0) make_dev_symlink(dev.get(), "/proc/kcore", "core");
  // ptmx must be the one of the container's devpts instance.
  if (::unlinkat(dev.get(), "ptmx", 0) != 0 && errno != ENOENT) throw_errno("remove /dev/ptmx");
  make_dev_symlink(dev.get(), "pts/ptmx", "ptmx");
}

}  // namespace

bool needs_dev_setup(const Options& o) {
  for (const spec::Mount& m : o.mounts) {
    const MountFlags f = parse_mount_options(m.options);
    if ((m.type == "bind" || (f.flags & MS_BIND)) && clean_absolute(m.destination) == "/dev") return false;
  }
  return true;
}

void create_dev_nodes(const PreparedRoot& root) {
  // Nodes get exactly their configured mode without a chmod each.
  const mode_t old_umask = ::umask(0);
  ScopeGuard restore_umask([&] { ::umask(old_umask); });
  std::map<std::string, DeviceDir> dirs;
  for (const spec::Device& d : devices_to_create(root.options)) {
    if (root.options.in_user_namespace) {
      bind_host_device(root, d);
    } else {
      make_device_node(root, d, dirs);
    }
  }
  make_dev_symlinks(root);
}

}  // namespace minirun::rootfs
