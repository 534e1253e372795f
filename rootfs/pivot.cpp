// enter(): make the prepared root "/" of the mount namespace.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>

#include "rootfs/mount_calls.h"
#include "rootfs/mountinfo.h"
#include "rootfs/path_names.h"
#include "rootfs/rootfs.h"
#include "spec/error.h"
#include "spec/unique_fd.h"

namespace minirun::rootfs {
namespace {

// pivot_root(".", ".") stacks the old root under the new one at "/"; it is
// then made rslave (so the detach does not reach the host) and detached.
void pivot_into(const std::string& root) {
  UniqueFd old_root(::open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!old_root) throw_errno("pivot_root: open /");
  UniqueFd new_root(::open(root.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!new_root) throw_errno("pivot_root: open " + root);
  if (::fchdir(new_root.get()) != 0) throw_errno("pivot_root: chdir " + root);
  if (::syscall(SYS_pivot_root, ".", ".") != 0) throw_errno("pivot_root " + root);
  if (::fchdir(old_root.get()) != 0) throw_errno("pivot_root: chdir old root");
  mount_or_throw("pivot_root: make old root rslave", nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr);
  if (::umount2(".", MNT_DETACH) != 0) throw_errno("pivot_root: detach old root");
  if (::chdir("/") != 0) throw_errno("pivot_root: chdir /");
}

// Read through an fd of /proc: the host's /proc is gone after the detach.
std::vector<MountInfo> read_mountinfo_at(int proc_fd) {
  UniqueFd fd(::openat(proc_fd, "self/mountinfo", O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("open /proc/self/mountinfo");
  std::string text;
  char buf[8192];
  for (ssize_t n; (n = ::read(fd.get(), buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("read /proc/self/mountinfo");
    text.append(buf, static_cast<size_t>(n));
  }
  return parse_mountinfo(text);
}

// Without pivot_root every other mount stays in the namespace behind the
// chroot, and the kernel lets a process in a new user namespace mount a
// fresh proc or sysfs while a fully visible one is anywhere in it
// (mount_too_revealing).  So all but the root, what is below it and what
// holds it up are detached (rslave first: no unmount may reach the host);
// a locked proc or sysfs that cannot be is covered, as runc does.
void detach_mounts_outside(const std::string& root) {
  UniqueFd proc(::open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!proc) throw_errno("open /proc");
  const std::vector<MountInfo> mounts = read_mountinfo_at(proc.get());
  for (auto m = mounts.rbegin(); m != mounts.rend(); ++m) {  // children before parents
    const char* point = m->mount_point.c_str();
    if (path_is_under(m->mount_point, root) || path_is_under(root, m->mount_point)) continue;
    // Failing: gone with a parent already (or locked, handled below).
    if (::mount(nullptr, point, nullptr, MS_SLAVE | MS_REC, nullptr) == 0) ::umount2(point, MNT_DETACH);
  }
  for (const MountInfo& m : read_mountinfo_at(proc.get())) {
    if (m.fstype != "proc" && m.fstype != "sysfs") continue;
    if (path_is_under(m.mount_point, root)) continue;
    mount_or_throw("--no-pivot: cover the host's " + m.fstype + " on " + m.mount_point, "tmpfs", m.mount_point, "tmpfs",
                   MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
  }
}

// --no-pivot: for a root on a ramfs/initramfs where pivot_root is refused.
void move_root_into(const std::string& root) {
  char real[PATH_MAX];
  if (!::realpath(root.c_str(), real)) throw_errno("realpath " + root);  // mountinfo shows real paths
  detach_mounts_outside(real);
  if (::chdir(root.c_str()) != 0) throw_errno("chdir " + root);
  mount_or_throw("move " + root + " on /", root.c_str(), "/", nullptr, MS_MOVE, nullptr);
  if (::chroot(".") != 0) throw_errno("chroot " + root);
  if (::chdir("/") != 0) throw_errno("chdir /");
}

}  // namespace

void enter(const Options& o, const std::string& root) {
  if (o.no_pivot) {
    move_root_into(root);
  } else {
    pivot_into(root);
  }
  // The pivot needed the root's mount private (make_parent_mount_private):
  // a shared "/" asked for is made so now, as the new root.
  if (!o.propagation.empty()) {
    const unsigned long flags = root_propagation_flags(o.propagation);
    if (flags & MS_SHARED) mount_or_throw("make / " + o.propagation, nullptr, "/", nullptr, flags, nullptr);
  }
}

}  // namespace minirun::rootfs
